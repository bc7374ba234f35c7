import type { AddressLike, InetAddress } from './address.ts';
import type { Selectable } from './select.ts';
import type { SenderStats } from './sequencing.ts';
import type { WaitOptions } from './wait.ts';

/** One received datagram. */
export interface Datagram {
  /** The payload, at most the endpoint's receive buffer size; a view, not a copy. */
  readonly data: Uint8Array;
  /** Who sent it (receive-from-any tells the receiver where to reply). */
  readonly from: InetAddress;
  /** True when the payload was larger than the receive buffer and was cut to fit. */
  readonly truncated: boolean;
  /** The payload's size as sent, in bytes (larger than `data.length` when truncated). */
  readonly size: number;
  /** The sender's sequence number, when the endpoint uses sequencing. */
  readonly seq?: number;
}

/** Counters of a datagram endpoint since it was bound. */
export interface DatagramStats {
  /** Datagrams handed to the operating system. */
  readonly sent: number;
  readonly bytesSent: number;
  /** Datagrams that arrived from the network (before any were dropped here). */
  readonly received: number;
  readonly bytesReceived: number;
  /** Delivered cut to the receive buffer size. */
  readonly truncated: number;
  /** Larger than the receive buffer and discarded, because `oversize` is 'reject'. */
  readonly rejected: number;
  /** Discarded because the receive queue was full (an omission failure at the receiver). */
  readonly dropped: number;
  /** Discarded because sequencing found a duplicate or one that arrived too late to deliver in order. */
  readonly discardedBySequencing: number;
  /** Discarded because a sequencing header was missing or malformed. */
  readonly malformed: number;
}

/**
 * The one interface for datagram communication: real UDP, simulated networks and fault-injecting wrappers
 * all implement it, so protocols above run unchanged on each. Endpoints are created bound.
 */
export interface DatagramEndpoint extends Selectable, AsyncDisposable {
  /** The bound address (with the real port when 0 was asked for). */
  readonly address: InetAddress;
  /** Non-blocking send: resolves when the datagram is handed to the network. ERR_MESSAGE_TOO_LARGE past the datagram limit. */
  send(data: Uint8Array, to: AddressLike): Promise<void>;
  /** Blocking receive from any sender. ERR_TIMEOUT, ERR_ABORTED per `opts`; ERR_CLOSED once closed. */
  receive(opts?: WaitOptions): Promise<Datagram>;
  /** Non-blocking receive (polling): the next queued datagram, or undefined. */
  tryReceive(): Datagram | undefined;
  /** Iterates received datagrams until the endpoint is closed. */
  [Symbol.asyncIterator](): AsyncIterator<Datagram>;
  stats(): DatagramStats;
  /** Per-sender loss, duplication and reordering, when the endpoint uses sequencing (empty otherwise). */
  senderStats(): SenderStats[];
  /** Unbinds; pending receives reject with ERR_CLOSED. Idempotent. */
  close(): Promise<void>;
}
