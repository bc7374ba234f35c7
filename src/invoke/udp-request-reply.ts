import { randomInt } from 'node:crypto';
import { ClosedError, CourierError, InvalidArgumentError, TimeoutError } from '../errors.ts';
import type { Format } from '../marshal/codec-types.ts';
import { formatAddress, parseInetAddress, peerKey, type AddressLike, type InetAddress } from '../net/address.ts';
import { realClock, type Clock } from '../net/clock.ts';
import type { DatagramEndpoint } from '../net/datagram.ts';
import { MessageQueue } from '../net/queue.ts';
import { boundedWait, type Settler, type WaitOptions } from '../net/wait.ts';
import { FRAGMENT_HEADER_BYTES, fragment, readFragmentHeader, Reassembler } from './fragments.ts';
import { ReplyHistory } from './history.ts';
import { messageCodec, type CallSemantics, type Message, type ReplyStatus } from './messages.ts';
import type { RemoteRef } from './reference.ts';

export interface RequestReplyOptions {
  /** Marshalling format of messages (default 'cdr'); both ends must agree. */
  readonly format?: Format;
  /** Largest datagram sent, bytes (default 8192); the peer's receive buffer must hold it. */
  readonly maxDatagram?: number;
  /** Most fragments per message (default 128, so about 1 MiB with the default datagram size). */
  readonly maxFragments?: number;
  /** Client: wait this long for a reply before retransmitting, ms (default 250; doubles each time, up to 2 s). */
  readonly retransmitInterval?: number;
  /** Client: retransmissions before giving up with ERR_TIMEOUT (default 5). */
  readonly retries?: number;
  /** Server: at-most-once history entries (default 4096) and their lifetime, ms (default 60,000). */
  readonly historySize?: number;
  readonly historyAge?: number;
  /** Server: requests waiting for `getRequest` (default 1024); more are dropped (the client retransmits). */
  readonly maxQueuedRequests?: number;
  /** Client: calls in flight at once (default 4096). */
  readonly maxInFlight?: number;
  readonly clock?: Clock;
}

export const REQUEST_REPLY_DEFAULTS = Object.freeze({
  format: 'cdr' as Format,
  maxDatagram: 8192,
  maxFragments: 128,
  retransmitInterval: 250,
  maxRetransmitInterval: 2000,
  retries: 5,
  historySize: 4096,
  historyAge: 60_000,
  maxQueuedRequests: 1024,
  maxInFlight: 4096,
  reassemblyTimeout: 10_000,
  maxPartialMessages: 256,
});

/** What a call sends: the object, the operation and the marshalled arguments. */
export interface Request {
  readonly target: RemoteRef;
  readonly operation: number;
  readonly body: Uint8Array;
}

/** What comes back: a status and the marshalled results (or exception). */
export interface Reply {
  readonly status: ReplyStatus;
  readonly body: Uint8Array;
}

export interface CallOptions extends WaitOptions {
  /** Invocation semantics (default 'atMostOnce'): 'maybe' sends once; the others retransmit. */
  readonly semantics?: CallSemantics;
  readonly retries?: number;
  readonly retransmitInterval?: number;
}

/** A request as the server sees it, with what it needs to reply. */
export interface IncomingRequest extends Request {
  readonly from: InetAddress;
  readonly requestId: number;
  readonly semantics: CallSemantics;
}

/** Counters of a request-reply endpoint. */
export interface RequestReplyStats {
  readonly callsStarted: number;
  readonly callsCompleted: number;
  readonly callsTimedOut: number;
  readonly retransmissions: number;
  readonly requestsReceived: number;
  /** Retransmitted requests answered from the history without executing again. */
  readonly repliesReplayed: number;
  /** Retransmitted requests ignored because the first copy was still executing. */
  readonly duplicatesIgnored: number;
  readonly requestsDropped: number;
  /** Replies for no call in flight (late, duplicated, or from the wrong address). */
  readonly strayReplies: number;
  readonly malformed: number;
}

interface PendingCall {
  readonly to: string;
  readonly settler: Settler<Reply>;
}

/**
 * The request-reply protocol over a datagram endpoint: `doOperation` on the client side, `getRequest` and
 * `sendReply` on the server side (one endpoint can do both). Timeouts and retransmission on the client,
 * duplicate filtering and a bounded reply history on the server give at-most-once semantics; maybe and
 * at-least-once are selectable per call. Messages too large for one datagram are fragmented.
 */
export class UdpRequestReply implements AsyncDisposable {
  private readonly clock: Clock;
  private readonly codec;
  private readonly o: Required<Omit<RequestReplyOptions, 'clock' | 'format'>>;
  private readonly pending = new Map<number, PendingCall>();
  private readonly requests: MessageQueue<IncomingRequest>;
  private readonly history: ReplyHistory;
  private readonly reassembler: Reassembler;
  private nextRequestId = randomInt(0x1_0000_0000) >>> 0;
  private readonly loop: Promise<void>;
  private closed = false;
  private readonly counters = {
    callsStarted: 0, callsCompleted: 0, callsTimedOut: 0, retransmissions: 0, requestsReceived: 0,
    repliesReplayed: 0, duplicatesIgnored: 0, requestsDropped: 0, strayReplies: 0, malformed: 0,
  };

  constructor(
    readonly endpoint: DatagramEndpoint,
    options: RequestReplyOptions = {},
  ) {
    const d = REQUEST_REPLY_DEFAULTS;
    this.clock = options.clock ?? realClock;
    this.codec = messageCodec(options.format ?? d.format);
    this.o = {
      maxDatagram: options.maxDatagram ?? d.maxDatagram,
      maxFragments: options.maxFragments ?? d.maxFragments,
      retransmitInterval: options.retransmitInterval ?? d.retransmitInterval,
      retries: options.retries ?? d.retries,
      historySize: options.historySize ?? d.historySize,
      historyAge: options.historyAge ?? d.historyAge,
      maxQueuedRequests: options.maxQueuedRequests ?? d.maxQueuedRequests,
      maxInFlight: options.maxInFlight ?? d.maxInFlight,
    };
    if (this.o.maxDatagram <= FRAGMENT_HEADER_BYTES || this.o.maxDatagram > 65_000) {
      throw new InvalidArgumentError(`maxDatagram must be from ${FRAGMENT_HEADER_BYTES + 1} to 65000 bytes`, { maxDatagram: this.o.maxDatagram });
    }
    this.requests = new MessageQueue<IncomingRequest>(this.o.maxQueuedRequests, this.clock);
    this.history = new ReplyHistory(this.o.historySize, this.o.historyAge, this.clock);
    this.reassembler = new Reassembler(d.maxPartialMessages, this.o.maxFragments, d.reassemblyTimeout, this.clock);
    this.loop = this.receiveLoop();
  }

  /** The address clients send requests to. */
  get address(): InetAddress {
    return this.endpoint.address;
  }

  /**
   * Sends a request to `to` and waits for its reply, retransmitting per the semantics. Rejects with
   * ERR_TIMEOUT when no reply came after every retransmission (the operation may or may not have been
   * executed: at most once under 'atMostOnce'), ERR_MESSAGE_TOO_LARGE beyond the fragment limit.
   */
  async doOperation(to: AddressLike, request: Request, opts: CallOptions = {}): Promise<Reply> {
    if (this.closed) throw new ClosedError('request-reply endpoint is closed');
    if (this.pending.size >= this.o.maxInFlight) throw new InvalidArgumentError(`more than ${this.o.maxInFlight} calls in flight (maxInFlight)`);
    const dest = parseInetAddress(to, 'udp');
    const semantics = opts.semantics ?? 'atMostOnce';
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0;
    const message: Message = { kind: 'request', requestId, semantics, target: request.target, operation: request.operation, status: 'ok', body: request.body };
    const datagrams = fragment(this.codec.encode(message), 1, requestId, this.o.maxDatagram, this.o.maxFragments);
    this.counters.callsStarted++;
    const retries = semantics === 'maybe' ? 0 : (opts.retries ?? this.o.retries);
    let interval = opts.retransmitInterval ?? this.o.retransmitInterval;
    const toKey = peerKey(dest.host, dest.port);
    let attempts = 0;
    let cancelTimer: (() => void) | undefined;
    // Without an explicit timeout, give up after the last retransmission's wait.
    return boundedWait<Reply>(
      (settler) => {
        this.pending.set(requestId, { to: toKey, settler });
        const attempt = () => {
          attempts++;
          if (attempts > retries + 1) {
            this.counters.callsTimedOut++;
            settler.reject(
              new TimeoutError(
                `no reply from ${formatAddress(dest)} after ${attempts - 1} attempt(s); the operation may or may not have been executed` +
                  (semantics === 'atMostOnce' ? ' (at most once)' : ''),
                { address: formatAddress(dest), attempts: attempts - 1, requestId },
              ),
            );
            return;
          }
          if (attempts > 1) this.counters.retransmissions++;
          for (const d of datagrams) void this.endpoint.send(d, dest).catch((err: unknown) => settler.reject(err));
          cancelTimer = this.clock.setTimer(attempt, interval);
          interval = Math.min(interval * 2, REQUEST_REPLY_DEFAULTS.maxRetransmitInterval);
        };
        attempt();
        return () => {
          cancelTimer?.();
          this.pending.delete(requestId);
        };
      },
      opts,
      this.clock,
      `call ${requestId} to ${formatAddress(dest)}`,
    ).then((reply) => {
      this.counters.callsCompleted++;
      return reply;
    });
  }

  /** Waits for the next request (server side). ERR_TIMEOUT/ERR_ABORTED per `opts`; ERR_CLOSED once closed. */
  async getRequest(opts?: WaitOptions): Promise<IncomingRequest> {
    const request = await this.requests.take(opts, `getRequest on ${formatAddress(this.address)}`);
    if (request === null) throw new ClosedError('request-reply endpoint is closed');
    return request;
  }

  /** Sends the reply to `request`, remembering it for retransmitted copies when the call is at-most-once. */
  async sendReply(request: IncomingRequest, reply: Reply): Promise<void> {
    const message: Message = { kind: 'reply', requestId: request.requestId, semantics: request.semantics, operation: request.operation, status: reply.status, body: reply.body };
    let datagrams: Uint8Array[];
    try {
      datagrams = fragment(this.codec.encode(message), 2, request.requestId, this.o.maxDatagram, this.o.maxFragments);
    } catch (err) {
      if (request.semantics === 'atMostOnce') this.history.forget(historyKey(request.from, request.requestId));
      throw err;
    }
    if (request.semantics === 'atMostOnce') this.history.complete(historyKey(request.from, request.requestId), datagrams);
    for (const d of datagrams) await this.endpoint.send(d, request.from);
  }

  stats(): RequestReplyStats {
    return { ...this.counters };
  }

  /** Stops serving and fails calls in flight with ERR_CLOSED; closes the endpoint underneath. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new ClosedError('request-reply endpoint closed');
    for (const call of this.pending.values()) call.settler.reject(err);
    this.requests.end();
    await this.endpoint.close();
    await this.loop;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const datagram of this.endpoint) {
        if (datagram.truncated) {
          this.counters.malformed++;
          continue;
        }
        try {
          this.onDatagram(datagram.data, datagram.from);
        } catch (err) {
          // Hostile or corrupt input is dropped and counted, never allowed to stop the loop.
          if (!(err instanceof CourierError)) throw err;
          this.counters.malformed++;
        }
      }
    } catch (err) {
      if (!this.closed) this.requests.fail(err);
    }
  }

  private onDatagram(data: Uint8Array, from: InetAddress): void {
    const header = readFragmentHeader(data);
    const fromKey = peerKey(from.host, from.port);
    const whole = this.reassembler.add(fromKey, header, data.subarray(FRAGMENT_HEADER_BYTES));
    if (!whole) return;
    const message = this.codec.decode(whole);
    if (message.requestId !== header.requestId || (message.kind === 'request') !== (header.kind === 1)) {
      this.counters.malformed++;
      return;
    }
    if (message.kind === 'reply') return this.onReply(message, fromKey);
    this.onRequest(message, from, fromKey);
  }

  private onReply(message: Message, fromKey: string): void {
    const call = this.pending.get(message.requestId);
    // A reply must come from the address the request went to.
    if (!call || call.to !== fromKey) {
      this.counters.strayReplies++;
      return;
    }
    call.settler.resolve({ status: message.status, body: message.body });
  }

  private onRequest(message: Message, from: InetAddress, fromKey: string): void {
    this.counters.requestsReceived++;
    if (!message.target) {
      this.counters.malformed++;
      return;
    }
    if (message.semantics === 'atMostOnce') {
      const seen = this.history.check(`${fromKey}#${message.requestId}`);
      if (seen === 'running') {
        this.counters.duplicatesIgnored++;
        return;
      }
      if (seen !== 'new') {
        this.counters.repliesReplayed++;
        for (const d of seen) void this.endpoint.send(d, from).catch(() => undefined /* the client retransmits */);
        return;
      }
    }
    const request: IncomingRequest = { from, requestId: message.requestId, semantics: message.semantics, target: message.target, operation: message.operation, body: message.body };
    if (!this.requests.push(request)) {
      this.counters.requestsDropped++;
      if (message.semantics === 'atMostOnce') this.history.forget(historyKey(from, message.requestId));
    }
  }
}

function historyKey(from: InetAddress, requestId: number): string {
  return `${peerKey(from.host, from.port)}#${requestId}`;
}
