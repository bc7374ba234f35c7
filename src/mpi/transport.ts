import type { SharedMemory } from './process/shared-files.ts';
import type { Header } from './wire.ts';

/** What a transport delivers to the matching engine. */
export interface TransportSink {
  /**
   * A packet from world rank `source`, in the order that rank sent it. With `release`, the body is the
   * transport's memory (a staged body): the engine copies it out when its receive matches (it may wait in
   * the unexpected queue until then) and calls `release` once, also when it drops the packet.
   */
  packet(source: number, header: Header, body: Uint8Array | null, release?: () => void): void;
  /** The connection to `rank` failed (process death, reset, protocol error): the job cannot go on. */
  peerFailed(rank: number, err: Error): void;
  /** `rank` ended its connection in order (it finalized). */
  peerLeft(rank: number): void;
}

/**
 * How ranks reach each other: processes over message streams, or worker threads over shared-memory rings.
 * The matching engine sits on top and is the same for both. Packets to one destination arrive in the order
 * they were sent (this is what makes MPI's non-overtaking rule hold).
 */
export interface Transport {
  readonly rank: number;
  readonly size: number;
  /**
   * Bodies of at most this many bytes are copied before `send` returns, so the caller may reuse them at once
   * (larger ones must stay untouched until the returned promise settles).
   */
  readonly copiesUpTo: number;
  /**
   * The largest message this transport carries best eagerly (in one packet, buffered at the receiver if
   * no receive is posted); larger ones go by rendezvous. The engine's default unless the program sets
   * `eagerLimit`; without it, MPI_DEFAULTS.eagerLimit.
   */
  readonly eagerLimit?: number;
  /**
   * Queues a packet for world rank `dest` (never the sender itself). Returns undefined when it was handed
   * off at once (the common case: no promise per packet); else a promise that resolves once it is handed
   * off, waiting under flow control, or rejects with the transport's error when the peer is gone.
   * With `borrowed`, the body is the caller's own memory (not a copy made for the transport): the transport
   * must not keep it past the returned promise (it copies it, or resolves only once it no longer reads it,
   * e.g. after the peer took it), and never transfers its buffer away.
   */
  send(dest: number, header: Header, body: Uint8Array | null, borrowed?: boolean): Promise<void> | undefined;
  /**
   * Memory for the body of a large message to `dest` that the receiver can read where it lies (threads: a
   * run of the job's shared slabs), or undefined when none is free now or the transport has none. The
   * engine copies the message into it once, when the send starts, and sends it at once as the body of its
   * request to send (Rts); from then on the receiver owns it and gives it back (packet's `release`).
   */
  stage?(dest: number, bytes: number): Uint8Array | undefined;
  /**
   * Memory every rank can read, for the collectives of the communicator with collective context `context`:
   * present only when all ranks are processes of this host (see SharedFiles); undefined otherwise.
   */
  sharedMemory?(context: number): SharedMemory | undefined;
  /** Starts delivering incoming packets and failures to `sink`. Called once. */
  start(sink: TransportSink): void;
  /** Ends the whole job with exit `code`: tells the other ranks (best effort), then ends this one. Never resolves. */
  abort(code: number): Promise<never>;
  /** Ends this rank at once with exit `code` (another rank aborted the job). */
  exit(code: number): never;
  /** Orderly shutdown after the last operation: flushes and closes every connection. */
  close(): Promise<void>;
}

/** The line a rank calling abort writes to stderr, which the launcher recognises to name it. */
export const ABORT_LINE = /^courier-mpi: rank (\d+) called abort\((-?\d+)\)$/;

/** The text of ABORT_LINE for `rank` and `code`. */
export function abortLine(rank: number, code: number): string {
  return `courier-mpi: rank ${rank} called abort(${code})`;
}
