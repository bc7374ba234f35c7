// Ranks as worker threads of one process: for every ordered pair of ranks a ring in shared memory, and a
// doorbell per rank that writers ring after writing. A packet is a record in the ring:
//   length u32 | header (28 bytes) | slab reference u32 | body
// A record larger than the ring streams through it in pieces, so a message costs about one copy in and
// one copy out, whatever its size. The data of a large rendezvous message skips the ring:
// - staged (the common case): the engine copied the sender's array, when the send started, into a run of
//   the job's shared slabs (slabs.ts); the record carries no body, only the run's first slab + 1 in its
//   slab reference (0: the body is inline). The receiver copies the bytes out once, into the receive, and
//   frees the run. One copy on each side into memory that stays mapped and warm: no allocation, no page
//   faults, no garbage.
// - else, from PORT_BYTES on: a collective's borrowed array is copied into slabs here if a run is free;
//   otherwise the buffer (the engine's own copy) is transferred through a MessagePort between the two
//   threads, with no copy but a fresh allocation at the sender for every message.
import { availableParallelism } from 'node:os';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ProtocolError } from '../../errors.ts';
import { MpiRankFailedError } from '../errors.ts';
import type { Transport, TransportSink } from '../transport.ts';
import { hasBody, HEADER_BYTES, Kind, readHeader, readU32, writeHeader, writeU32, type Header } from '../wire.ts';
import { Ring } from './ring.ts';
import { SlabPool, type SlabRun } from './slabs.ts';
import { waitAsync } from './wait-async.ts';

const RECORD_HEADER = HEADER_BYTES + 4;
/**
 * Before its read loop sleeps (Atomics.waitAsync), a rank watches its doorbell for this long, µs, when the
 * job has no more ranks than the machine has cores. A message that comes within it costs no wake-up: on
 * a virtual machine an idle core's wake-up alone cost 30–40 µs here, ten times the message. Shared-memory
 * MPIs poll the same way. Past the budget the rank sleeps, so an idle rank does not burn its core.
 */
export const SPIN_BEFORE_SLEEP_US = 50;
/**
 * Messages past this size go by rendezvous between thread ranks, through the slab pool: one copy in,
 * one copy out, and no buffer the receiving engine must allocate. Eager messages of 32–64 KiB cost more
 * than the rendezvous' extra round trip here (64 KiB ping-pong: 85–91 µs eager, 15 µs by rendezvous;
 * 32 KiB: 33 against 20–25 µs). Between processes the round trip over a socket costs more, and their
 * limit stays MPI_DEFAULTS.eagerLimit (16 KiB there made 64 KiB twice as slow).
 */
export const THREAD_EAGER_BYTES = 16 * 1024;
// A writer waiting for room looks this often whether its reader has failed (and will never read again), ms.
const ROOM_CHECK_MS = 100;
/**
 * Rendezvous data of at least this many bytes goes through the pair's MessagePort. It is bounded without
 * flow control of its own: data is only sent after the receiver matched a receive and asked for it (CTS).
 */
export const PORT_BYTES = 128 * 1024;

/** What the launcher hands each rank thread. */
export interface ThreadJob {
  readonly rank: number;
  readonly size: number;
  /** rings[from][to]: the ring from rank `from` to rank `to` (undefined on the diagonal). */
  readonly rings: readonly (readonly (SharedArrayBuffer | undefined)[])[];
  /** One Int32 doorbell per rank. */
  readonly doorbells: SharedArrayBuffer;
  /** ports[to]: this rank's end of the MessagePort pair to rank `to` (undefined for itself). */
  readonly ports: readonly (MessagePort | undefined)[];
  /** The job's slab pool (allocateSlabs), its slab count and slab size. */
  readonly slabs: SharedArrayBuffer;
  readonly slabCount: number;
  readonly slabBytes: number;
  readonly program: string;
  readonly typescript: boolean;
}

/** Messages between a rank thread and its launcher. */
export type ThreadControl = { readonly type: 'abort'; readonly code: number } | { readonly type: 'rank-failed'; readonly rank: number; readonly reason: string };

/** The job of this thread, if the launcher started it as a rank; undefined otherwise. */
export function threadJob(): ThreadJob | undefined {
  const data: unknown = workerData;
  if (typeof data !== 'object' || data === null || !('courierMpi' in data)) return undefined;
  const job = data.courierMpi;
  if (typeof job !== 'object' || job === null || !('doorbells' in job) || !(job.doorbells instanceof SharedArrayBuffer)) return undefined;
  return job as ThreadJob; // built by launchThreads with exactly this shape
}

interface Incoming {
  readonly ring: Ring;
  record: Uint8Array | undefined;
  filled: number;
  readonly length: Uint8Array;
  lengthFilled: number;
}

/** The thread transport of one rank. */
export class ThreadTransport implements Transport {
  /** Every body is copied into its record before `send` returns. */
  readonly copiesUpTo = Infinity;
  readonly eagerLimit = THREAD_EAGER_BYTES;
  readonly rank: number;
  readonly size: number;
  private readonly out: (Ring | undefined)[];
  private readonly incoming: Incoming[] = [];
  private readonly bells: Int32Array;
  private readonly spinUs: number;
  private readonly writing: (Promise<void> | undefined)[];
  private closed = false;
  private readonly failedPeers = new Map<number, Error>();
  private readonly ports: readonly (MessagePort | undefined)[];
  private readonly slabs: SlabPool;

  constructor(job: ThreadJob) {
    this.rank = job.rank;
    this.size = job.size;
    this.spinUs = job.size <= availableParallelism() ? SPIN_BEFORE_SLEEP_US : 0;
    this.bells = new Int32Array(job.doorbells);
    this.out = job.rings[job.rank]!.map((b) => (b ? new Ring(b) : undefined));
    for (let from = 0; from < job.size; from++) {
      const b = job.rings[from]![job.rank];
      if (b) this.incoming[from] = { ring: new Ring(b), record: undefined, filled: 0, length: new Uint8Array(4), lengthFilled: 0 };
    }
    this.writing = new Array(job.size).fill(undefined);
    this.ports = job.ports;
    // Each rank starts looking for free slabs in its own part of the pool, so ranks seldom contend.
    this.slabs = new SlabPool(job.slabs, job.slabCount, job.slabBytes, Math.floor((job.rank * job.slabCount) / job.size));
  }

  stage(_dest: number, bytes: number): Uint8Array | undefined {
    return this.slabs.take(bytes)?.bytes;
  }

  /** Slabs of the job's pool taken now, by any rank (for tests). */
  slabsTaken(): number {
    return this.slabs.taken();
  }

  send(dest: number, header: Header, body: Uint8Array | null, borrowed = false): Promise<void> | undefined {
    let bodyBytes = body?.length ?? 0;
    let slab: SlabRun | undefined;
    if (body) {
      // A staged body (a request to send with its data, or data sent at clear-to-send) is already in slabs.
      slab = this.slabs.runOf(body);
      if (!slab && header.kind === Kind.Data && bodyBytes >= PORT_BYTES) {
        if (!borrowed) return this.sendByPort(dest, header, body);
        // A borrowed body is the caller's memory: it is copied first, never moved away from the caller.
        slab = this.slabs.take(bodyBytes);
        if (!slab) return this.sendByPort(dest, header, body.slice());
        slab.bytes.set(body);
      }
      if (slab) bodyBytes = 0;
    }
    const length = RECORD_HEADER + bodyBytes;
    const record = new Uint8Array(4 + length);
    record[0] = length >>> 24;
    record[1] = length >>> 16;
    record[2] = length >>> 8;
    record[3] = length;
    writeHeader(record, 4, header, header.flags);
    if (slab) writeU32(record, 4 + HEADER_BYTES, slab.first + 1);
    else if (body) record.set(body, 4 + RECORD_HEADER);
    const ring = this.out[dest]!;
    // Records to one destination go in order: a record waits for the one before it to be written whole.
    const previous = this.writing[dest];
    if (!previous) {
      const n = ring.write(record);
      this.ring(dest);
      if (n === record.length) return undefined;
      return this.track(dest, this.pour(dest, ring, record.subarray(n)));
    }
    return this.track(dest, previous.then(() => this.pour(dest, ring, record)));
  }

  start(sink: TransportSink): void {
    this.ports.forEach((port, from) => {
      if (!port) return;
      port.on('message', (m: unknown) => this.portMessage(from, m, sink));
      port.on('messageerror', (err) => sink.peerFailed(from, err));
    });
    if (parentPort) {
      parentPort.on('message', (m: ThreadControl) => {
        if (m.type !== 'rank-failed') return;
        const err = new MpiRankFailedError(m.rank, m.reason);
        this.failedPeers.set(m.rank, err);
        sink.peerFailed(m.rank, err);
      });
      // The port stays referenced while the rank runs: a wait on shared memory alone would not keep the
      // thread alive. close() lets go of it.
    }
    void this.readLoop(sink);
  }

  async abort(code: number): Promise<never> {
    parentPort?.postMessage({ type: 'abort', code } satisfies ThreadControl);
    return this.exit(code);
  }

  exit(code: number): never {
    process.exit(code); // in a worker thread this ends the thread, with `code`
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.writing);
    this.closed = true;
    Atomics.add(this.bells, this.rank, 1);
    Atomics.notify(this.bells, this.rank); // wakes the read loop so that it sees `closed` and ends
    parentPort?.unref();
    for (const port of this.ports) port?.unref(); // not closed: data on its way to a peer still arrives
  }

  // Records to one destination stay in order: data sent by port waits for the ring writes before it
  // (not needed for matching, which finds data by message id, but it keeps the order rule simple).
  private sendByPort(dest: number, header: Header, body: Uint8Array): Promise<void> | undefined {
    const head = new Uint8Array(HEADER_BYTES);
    writeHeader(head, 0, header, header.flags);
    // The engine's own copy is moved, not copied, when the body is its buffer whole; else it is cloned.
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    const post = () => {
      const failed = this.failedPeers.get(dest);
      if (failed) throw failed;
      this.ports[dest]!.postMessage({ head, body }, whole ? [body.buffer] : []);
    };
    const previous = this.writing[dest];
    if (!previous) {
      post();
      return undefined;
    }
    return this.track(dest, previous.then(post));
  }

  private portMessage(from: number, m: unknown, sink: TransportSink): void {
    if (this.closed) return;
    const packet = m as { head?: unknown; body?: unknown }; // checked below
    if (!(packet.head instanceof Uint8Array) || packet.head.length !== HEADER_BYTES || !(packet.body instanceof Uint8Array)) {
      sink.peerFailed(from, new ProtocolError(`rank ${from} posted a malformed data message`, { peer: from }));
      return;
    }
    const header = readHeader(packet.head, 0);
    sink.packet(from, header, packet.body);
  }

  private track(dest: number, writing: Promise<void>): Promise<void> {
    this.writing[dest] = writing;
    void writing.finally(() => {
      if (this.writing[dest] === writing) this.writing[dest] = undefined;
    }).catch(() => undefined); // the sender sees the failure through the returned promise
    return writing;
  }

  private async pour(dest: number, ring: Ring, rest: Uint8Array): Promise<void> {
    while (rest.length > 0) {
      await ring.waitForRoom(ROOM_CHECK_MS);
      const failed = this.failedPeers.get(dest);
      if (failed) throw failed;
      const n = ring.write(rest);
      rest = rest.subarray(n);
      this.ring(dest);
    }
  }

  private ring(dest: number): void {
    Atomics.add(this.bells, dest, 1);
    Atomics.notify(this.bells, dest);
  }

  private async readLoop(sink: TransportSink): Promise<void> {
    let yielded = false;
    while (!this.closed) {
      const seen = Atomics.load(this.bells, this.rank);
      let progress = false;
      for (let from = 0; from < this.size; from++) {
        const inc = this.incoming[from];
        if (inc && this.drain(from, inc, sink)) progress = true;
      }
      if (progress) {
        // Let the program react first (a reply to what was just delivered goes out before this loop looks
        // at the rings again).
        await undefined;
        yielded = false;
        continue;
      }
      if (this.spinUs > 0) {
        // Spin only once the program has run all it could (its reaction may take several promise turns):
        // spinning while its reply is still queued would only delay the reply.
        if (!yielded) {
          yielded = true;
          await new Promise(setImmediate);
          continue;
        }
        yielded = false;
        if (this.spin(seen)) continue;
      }
      const waited = waitAsync(this.bells, this.rank, seen);
      if (waited.async) await waited.value;
    }
  }

  // Watches the doorbell for up to spinUs; true if it rang. Blocks this thread meanwhile, which is why the
  // budget is short and only spent when every rank has a core of its own.
  private spin(seen: number): boolean {
    const until = performance.now() + this.spinUs / 1000;
    do {
      for (let i = 0; i < 64; i++) if (Atomics.load(this.bells, this.rank) !== seen) return true;
    } while (performance.now() < until);
    return false;
  }

  // Takes every complete record from one ring; true if any byte moved.
  private drain(from: number, inc: Incoming, sink: TransportSink): boolean {
    let moved = false;
    for (;;) {
      if (!inc.record) {
        inc.lengthFilled += inc.ring.read(inc.length.subarray(inc.lengthFilled));
        if (inc.lengthFilled < 4) return moved || inc.lengthFilled > 0;
        moved = true;
        const l = inc.length;
        const length = ((l[0]! << 24) | (l[1]! << 16) | (l[2]! << 8) | l[3]!) >>> 0;
        if (length < RECORD_HEADER) {
          sink.peerFailed(from, new ProtocolError(`rank ${from} wrote a ${length}-byte record`, { peer: from }));
          this.closed = true;
          return true;
        }
        inc.record = new Uint8Array(length);
        inc.filled = 0;
        inc.lengthFilled = 0;
      }
      const n = inc.ring.read(inc.record.subarray(inc.filled));
      if (n > 0) moved = true; // Ring.read has woken a writer waiting for room

      inc.filled += n;
      if (inc.filled < inc.record.length) return moved;
      const record = inc.record;
      inc.record = undefined;
      const header = readHeader(record, 0);
      const slabRef = readU32(record, HEADER_BYTES);
      if (slabRef === 0) {
        sink.packet(from, header, hasBody(header.kind) ? record.subarray(RECORD_HEADER) : null);
        continue;
      }
      const run = (header.kind === Kind.Data || header.kind === Kind.Rts) && record.length === RECORD_HEADER ? this.slabs.view(slabRef - 1, header.size) : undefined;
      if (!run) {
        sink.peerFailed(from, new ProtocolError(`rank ${from} sent a record naming slab ${slabRef - 1} for ${header.size} bytes`, { peer: from }));
        this.closed = true;
        return true;
      }
      let released = false;
      sink.packet(from, header, run.bytes, () => {
        if (released) return;
        released = true;
        this.slabs.free(run);
      });
    }
  }
}
