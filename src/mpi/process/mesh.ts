// Ranks as processes: a full mesh of courier message streams (TCP, or Unix domain sockets on one host).
// Each packet is one stream message: its 28-byte header, with a small body inline (flag Inline), or
// followed by one more message for a large body (which the stream then writes without copying).
import { rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolError } from '../../errors.ts';
import { formatAddress, parseAddress } from '../../net/address.ts';
import { realClock, type Clock } from '../../net/clock.ts';
import type { MessageStream } from '../../net/stream.ts';
import { connect, listen } from '../../net/tcp.ts';
import { SENT } from '../../net/tcp-stream.ts';
import { MPI_DEFAULTS } from '../constants.ts';
import { abortLine, type Transport, type TransportSink } from '../transport.ts';
import { encodeHeader, Flag, hasBody, HEADER_BYTES, Kind, readHeader, writeHeader, type Header } from '../wire.ts';

// Bodies up to this many bytes travel in the same stream message as their header.
const INLINE_BYTES = 8 * 1024;
const CONFIRM = Object.freeze({ confirm: true });
import type { JobEnv } from './bootstrap.ts';
import { register, serveRendezvous } from './rendezvous.ts';
import { SharedFiles, type SharedMemory } from './shared-files.ts';

/** Options of the process transport. */
export interface MeshOptions {
  /** Start-up bound for the rendezvous and every connection, ms. Default MPI_DEFAULTS.bootstrapTimeoutMs. */
  readonly timeoutMs?: number;
  /** Declare a silent peer failed after this long, ms (0: rely on the connection breaking). Default 0. */
  readonly idleTimeoutMs?: number;
  readonly clock?: Clock;
  /**
   * Broadcast large typed arrays through shared files (SharedFiles) when every rank runs on this host.
   * Default true; COURIER_MPI_SHM=0 in the environment turns it off too.
   */
  readonly sharedMemory?: boolean;
}

/**
 * Starts this rank's side of the mesh: listens, registers at the rendezvous (serving it on rank 0 when no
 * launcher does), connects to every lower rank and accepts every higher one. ERR_TIMEOUT when the others
 * do not all appear within `timeoutMs`.
 */
export async function connectMesh(job: JobEnv, options: MeshOptions = {}): Promise<MeshTransport> {
  const timeout = options.timeoutMs ?? MPI_DEFAULTS.bootstrapTimeoutMs;
  const clock = options.clock ?? realClock;
  const streamOptions = {
    maxMessageBytes: MPI_DEFAULTS.maxMessageBytes,
    idleTimeout: options.idleTimeoutMs ?? 0,
    clock,
  };
  const socketPath = job.net === 'ipc' ? join(tmpdir(), `courier-mpi-${job.job}-${job.rank}.sock`) : undefined;
  if (socketPath) rmSync(socketPath, { force: true }); // a stale socket of an earlier job with this name
  const listener = await listen(socketPath ? `ipc://${socketPath}` : `tcp://${job.host}:0`, streamOptions);
  const rendezvous = job.rankZeroServes && job.rank === 0 && job.rendezvous ? await serveRendezvous(job.rendezvous, job.size) : undefined;
  try {
    const addresses = await register(job.rendezvous!, job.rank, formatAddress(listener.address), timeout, clock);
    const streams: MessageStream[] = new Array(job.size);
    const accepting = (async () => {
      for (let n = job.rank + 1; n < job.size; n++) {
        const stream = await listener.accept({ timeout });
        const hello = await stream.receive({ timeout });
        if (hello === null || hello.length !== 4) throw new ProtocolError('a peer rank did not introduce itself');
        const peer = new DataView(hello.buffer, hello.byteOffset, 4).getUint32(0);
        if (peer <= job.rank || peer >= job.size || streams[peer]) throw new ProtocolError(`unexpected connection from rank ${peer}`, { peer });
        streams[peer] = stream;
      }
    })();
    for (let peer = 0; peer < job.rank; peer++) {
      const stream = await connect(addresses[peer]!, { ...streamOptions, timeout });
      const hello = new Uint8Array(4);
      new DataView(hello.buffer).setUint32(0, job.rank);
      await stream.send(hello);
      streams[peer] = stream;
    }
    await accepting;
    await listener.close();
    if (socketPath) rmSync(socketPath, { force: true });
    const shared = options.sharedMemory !== false && job.sharedMemory && addresses.every(isLocal) ? SharedFiles.open() : undefined;
    return new MeshTransport(job.rank, job.size, streams, shared);
  } catch (err) {
    await listener.close();
    throw err;
  } finally {
    await rendezvous?.close();
  }
}

// Only ranks of this host listen on a loopback address or a Unix socket (another host could not reach them).
function isLocal(address: string): boolean {
  const parsed = parseAddress(address);
  if (parsed.transport === 'ipc') return true;
  return parsed.host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(parsed.host);
}

// Undefined when the stream took the message without waiting (no promise to follow per packet).
function handedOff(sending: Promise<void>): Promise<void> | undefined {
  return sending === SENT ? undefined : sending;
}

/**
 * After a packet comes or goes, a rank keeps its event loop turning (setImmediate, so libuv polls its
 * sockets without sleeping) for this long, µs, when the job has no more ranks than the machine has cores.
 * A reply that comes within it is read at once: on a virtual machine an idle core's wake-up alone cost
 * 30–40 µs here. Past it the loop sleeps again, so an idle rank does not burn its core.
 */
export const KEEP_AWAKE_US = 50;

/** The process transport: one ordered message stream to every other rank. */
export class MeshTransport implements Transport {
  /** Small bodies are copied into their packet's message before `send` returns. */
  readonly copiesUpTo = INLINE_BYTES;
  private sink: TransportSink | undefined;
  private closing = false;
  private readonly keepAwakeMs: number;
  private lastActivity = 0;
  private awake = false;

  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly streams: readonly (MessageStream | undefined)[],
    private readonly shared?: SharedFiles,
  ) {
    this.keepAwakeMs = size <= availableParallelism() ? KEEP_AWAKE_US / 1000 : 0;
  }

  // Notes traffic and, if the loop is not kept turning already, turns it until KEEP_AWAKE_US pass without any.
  private active(): void {
    if (this.keepAwakeMs === 0) return;
    this.lastActivity = performance.now();
    if (this.awake) return;
    this.awake = true;
    const turn = () => {
      if (!this.closing && performance.now() - this.lastActivity < this.keepAwakeMs) setImmediate(turn);
      else this.awake = false;
    };
    setImmediate(turn);
  }

  sharedMemory(context: number): SharedMemory | undefined {
    return this.shared?.scope(context);
  }

  send(dest: number, header: Header, body: Uint8Array | null, borrowed = false): Promise<void> | undefined {
    const stream = this.streams[dest]!;
    this.active();
    if (!body || body.length <= INLINE_BYTES) {
      // One stream message instead of two: for small messages the copy costs less than a second frame.
      const message = new Uint8Array(HEADER_BYTES + (body?.length ?? 0));
      writeHeader(message, 0, header, body ? header.flags | Flag.Inline : header.flags);
      if (body) message.set(body, HEADER_BYTES);
      return handedOff(stream.send(message));
    }
    const sent = stream.send(encodeHeader(header));
    // The stream writes a large body to the socket as it is, and the socket may hold on to it after `send`
    // resolves; a borrowed body is released only once the peer has taken the message (the stream's
    // confirmation: a small acknowledgement back, sent as soon as the peer's read loop takes it).
    return Promise.all([sent, stream.send(body, borrowed ? CONFIRM : undefined)]).then(() => undefined);
  }

  start(sink: TransportSink): void {
    this.sink = sink;
    this.streams.forEach((stream, peer) => stream && void this.read(peer, stream, sink));
  }

  async abort(code: number): Promise<never> {
    // First, on stderr, a line the launcher recognises (ABORT_LINE), written synchronously so that it is
    // out before any other rank can react to the abort packets below.
    writeSync(2, `${abortLine(this.rank, code)}\n`);
    const header: Header = { kind: Kind.Abort, dtype: 0, flags: 0, context: 0, tag: 0, msgId: 0, size: 0, code };
    for (const stream of this.streams) stream?.send(encodeHeader(header)).catch(() => undefined); // best effort: the peer may be gone
    // The streams flush on the next tick and a socket write goes to the kernel at once: one turn of the
    // event loop is enough, and this rank exits before the others (so the launcher names it).
    await new Promise<void>((resolve) => setImmediate(resolve));
    process.exit(code);
  }

  exit(code: number): never {
    process.exit(code);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.shared?.close();
    await Promise.all(this.streams.map((s) => s?.close()));
  }

  private async read(peer: number, stream: MessageStream, sink: TransportSink): Promise<void> {
    let pending: Header | undefined;
    try {
      for (;;) {
        let message = stream.tryReceive();
        if (message === undefined) message = await stream.receive();
        this.active();
        if (message === null) {
          // The peer finalized: it sent everything it will send.
          if (!this.closing) sink.peerLeft(peer);
          return;
        }
        if (pending) {
          const header = pending;
          pending = undefined;
          sink.packet(peer, header, message);
          continue;
        }
        if (message.length < HEADER_BYTES) throw new ProtocolError(`rank ${peer} sent a ${message.length}-byte packet where a header belongs`, { peer });
        const header = readHeader(message, 0);
        if (header.flags & Flag.Inline) {
          header.flags &= ~Flag.Inline;
          sink.packet(peer, header, message.subarray(HEADER_BYTES));
        } else if (message.length !== HEADER_BYTES) {
          throw new ProtocolError(`rank ${peer} sent a ${message.length}-byte header`, { peer });
        } else if (hasBody(header.kind)) pending = header;
        else sink.packet(peer, header, null);
      }
    } catch (err) {
      if (!this.closing) sink.peerFailed(peer, err instanceof Error ? err : new Error(String(err)));
    }
  }
}
