// What every network benchmark worker shares: the orders the parent sends, the results they give back,
// the receive-rate meter, and the constants that make the implementations compare like with like.

/** The high-water mark every TCP sender observes (courier's default), bytes. */
export const SEND_HWM = 1024 * 1024;
/** Small messages are copied into one buffer and written once per tick or at this many bytes (as courier does). */
export const FLUSH_BYTES = 64 * 1024;
/** Messages up to this size are copied into the batch; larger ones are written as they are (as courier does). */
export const COPY_LIMIT = 8 * 1024;

/** UDP: datagrams a sender may have outstanding before it waits for the receiver's credit. */
export const UDP_WINDOW = 512;
/** UDP: the receiver returns a credit (its running count) after this many datagrams. */
export const UDP_CREDIT_EVERY = 64;
/** UDP: a sender that hears no credit for this long takes what is outstanding as lost and goes on, ms. */
export const UDP_STALL_MS = 5;
/** UDP: the kernel socket buffers of every endpoint (both implementations alike), bytes. */
export const UDP_SOCKET_BUFFER = 1024 * 1024;

/** One order from the parent to a worker. */
export type Order =
  | { readonly op: 'tcp-sink' | 'udp-sink'; readonly size: number; readonly warmupMs: number; readonly measureMs: number; readonly polled?: boolean }
  | { readonly op: 'tcp-source' | 'udp-source'; readonly port: number; readonly size: number; readonly durationMs: number }
  | { readonly op: 'tcp-echo' | 'udp-echo' }
  | { readonly op: 'tcp-ping' | 'udp-ping'; readonly port: number; readonly size: number; readonly warmup: number; readonly count: number };

/** Parent to worker: an order with its id, or the cancellation of a running one. */
export type ToWorker = { readonly id: number; readonly order: Order } | { readonly id: number; readonly cancel: true };

/** Worker to parent: 'up' once it takes orders; for each order a server's port once it listens, then the result or the error. */
export type FromWorker =
  | { readonly id: 0; readonly kind: 'up' }
  | { readonly id: number; readonly kind: 'ready'; readonly port: number }
  | { readonly id: number; readonly kind: 'window'; readonly edge: 'open' | 'close' }
  | { readonly id: number; readonly kind: 'done'; readonly result: Result }
  | { readonly id: number; readonly kind: 'failed'; readonly error: string };

/** What an order produced (a rate is what arrived inside the window; `total`, everything received until it closed). */
export type Result =
  | { readonly type: 'rate'; readonly messages: number; readonly bytes: number; readonly seconds: number; readonly total: number }
  | { readonly type: 'sent'; readonly messages: number }
  | { readonly type: 'latency'; readonly samplesUs: number[] }
  | { readonly type: 'none' };

/** A server that a worker started: its port, and what it yields when it finishes. */
export interface Server {
  readonly port: number;
  readonly done: Promise<Result>;
}

/** Arguments of a sink (the receiving side of a throughput case). */
export interface SinkOptions {
  readonly size: number;
  readonly meter: Meter;
  /**
   * Take messages with the polling API (tryReceive until empty, then wait for readiness) instead of the
   * async iterator; only courier tells the two apart, a raw socket has just its callback.
   */
  readonly polled: boolean;
}

/** Arguments of a source (the sending side of a throughput case). */
export interface SourceOptions {
  readonly port: number;
  readonly size: number;
  readonly deadline: Deadline;
  /** Aborted when the parent has its measurement: stop now, even if blocked on flow control. */
  readonly signal: AbortSignal;
}

/** Arguments of a round-trip client. */
export interface PingOptions {
  readonly port: number;
  readonly size: number;
  readonly warmup: number;
  readonly count: number;
}

/** The operations an implementation offers; a case runs only the implementations that have its operations. */
export interface Impl {
  tcpSink?(o: SinkOptions): Promise<Server>;
  tcpSource?(o: SourceOptions): Promise<Result>;
  tcpEcho?(signal: AbortSignal): Promise<Server>;
  tcpPing?(o: PingOptions): Promise<Result>;
  udpSink?(o: SinkOptions): Promise<Server>;
  udpSource?(o: SourceOptions): Promise<Result>;
  udpEcho?(signal: AbortSignal): Promise<Server>;
  udpPing?(o: PingOptions): Promise<Result>;
}

/**
 * Counts what a receiver takes in a window that opens `warmupMs` after the first message and lasts
 * `measureMs`. Timers snapshot the counters, so the per-message cost is two additions.
 */
export class Meter {
  messages = 0;
  bytes = 0;
  private startMessages = 0;
  private startBytes = 0;
  private startAt = 0;
  private resolveDone!: (r: Result) => void;
  /** Resolves with the rate inside the window once it closes. */
  readonly done = new Promise<Result>((resolve) => (this.resolveDone = resolve));
  private closed = false;

  constructor(
    private readonly warmupMs: number,
    private readonly measureMs: number,
    /** Told when the window opens and closes, so the parent can read both processes' CPU time then. */
    private readonly onEdge: (edge: 'open' | 'close') => void = () => undefined,
  ) {}

  /** Counts one message of `bytes` bytes. */
  hit(bytes: number): void {
    if (this.messages++ === 0) this.open();
    this.bytes += bytes;
  }

  /** True once the window has closed: the receiver may stop. */
  get finished(): boolean {
    return this.closed;
  }

  private open(): void {
    setTimeout(() => {
      this.startMessages = this.messages;
      this.startBytes = this.bytes;
      this.startAt = performance.now();
      this.onEdge('open');
      setTimeout(() => {
        const seconds = (performance.now() - this.startAt) / 1000;
        this.closed = true;
        this.onEdge('close');
        const window = { messages: this.messages - this.startMessages, bytes: this.bytes - this.startBytes, seconds };
        this.resolveDone({ type: 'rate', ...window, total: this.messages });
      }, this.measureMs);
    }, this.warmupMs);
  }
}

/** A sender's end: it stops at the deadline or when cancelled, checking the clock only every 64 messages. */
export class Deadline {
  private n = 0;
  stopped = false;

  constructor(private readonly at: number) {}

  /** Called once per message: true when the sender should stop. */
  reached(): boolean {
    if (this.stopped) return true;
    if ((++this.n & 63) !== 0) return false;
    if (performance.now() >= this.at) this.stopped = true;
    return this.stopped;
  }
}

/** A message of `size` bytes with recognisable content. */
export function payload(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = i & 0xff;
  return b;
}

/** The running count in a UDP credit datagram (0 if it is too short to hold one). */
export function creditOf(data: Uint8Array): number {
  return data.length >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getUint32(0) : 0;
}

/** Microseconds since an arbitrary origin, from a monotonic clock. */
export function nowUs(): number {
  return performance.now() * 1000;
}

/**
 * Round-trip samples: `warmup` uncounted round trips, then `count` timed ones, each by `roundTrip`. No
 * implementation arms a timer per round trip (that would be timed too): the parent's deadline for the
 * whole order catches a reply that never comes.
 */
export async function sampleRoundTrips(o: PingOptions, roundTrip: () => Promise<void>): Promise<Result> {
  for (let i = 0; i < o.warmup; i++) await roundTrip();
  const samplesUs = new Array<number>(o.count);
  for (let i = 0; i < o.count; i++) {
    const t = nowUs();
    await roundTrip();
    samplesUs[i] = nowUs() - t;
  }
  return { type: 'latency', samplesUs };
}
