import type { Address } from './address.ts';
import type { Selectable } from './select.ts';
import type { WaitOptions } from './wait.ts';

export interface SendOptions extends WaitOptions {
  /**
   * Synchronous send: resolve only when the receiving application has taken the message with `receive`.
   * Default false (asynchronous send: resolve once the message is buffered locally).
   */
  readonly confirm?: boolean;
}

/** Counters of a message stream. */
export interface StreamStats {
  readonly messagesSent: number;
  readonly bytesSent: number;
  /** Messages the peer application has confirmed taking (cumulative acknowledgements). */
  readonly confirmed: number;
  readonly messagesReceived: number;
  readonly bytesReceived: number;
  /** Bytes accepted by `send` but not yet written to the operating system. */
  readonly bufferedBytes: number;
  /** Bytes received but not yet taken by the application. */
  readonly unreadBytes: number;
  /** Times reading from the network paused because the application was not keeping up. */
  readonly readPauses: number;
}

/**
 * Whole messages over a reliable byte stream (TCP or a local socket), in order, with flow control,
 * end-of-stream and an honest failure model. Real TCP, simulated streams and fault-injecting wrappers all
 * implement this interface.
 */
export interface MessageStream extends Selectable, AsyncDisposable {
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  /**
   * Sends one message. Resolves once it is buffered, waiting first while more than the high-water mark is
   * buffered (flow control); with `confirm`, resolves when the peer application has received it.
   * ERR_MESSAGE_TOO_LARGE over `maxMessageBytes`; ERR_CONNECTION_BROKEN, ERR_CLOSED after failure or end.
   */
  send(message: Uint8Array, opts?: SendOptions): Promise<void>;
  /**
   * Waits for the next message; `null` once the peer has ended the stream and every message it sent has
   * been taken. ERR_TIMEOUT, ERR_ABORTED per `opts`; after a failure, queued messages first, then the error.
   */
  receive(opts?: WaitOptions): Promise<Uint8Array | null>;
  /** Polls: the next message, `null` at end-of-stream, or `undefined` if nothing is ready yet. */
  tryReceive(): Uint8Array | null | undefined;
  /** Iterates messages until end-of-stream; throws the stream's failure. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
  /** Half-closes: no more messages will be sent; the peer drains what was sent and then reads end-of-stream. */
  end(): Promise<void>;
  /** Ends the stream, discards unread input and closes the connection once the peer is done. Idempotent. */
  close(): Promise<void>;
  /** Abortive close (TCP reset): the peer sees ERR_CONNECTION_BROKEN. Idempotent. */
  destroy(): void;
  stats(): StreamStats;
}
