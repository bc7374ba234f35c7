/**
 * One error family for every layer. Messages are for humans; `code` is the API that callers switch on,
 * and it never changes once published. Each error carries the context a user needs to act on it (peer
 * address, byte offset, field path) in `context`, and the error it wraps in `cause`.
 */

/** Every stable error code courier can raise. */
export type ErrorCode =
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_CLOSED'
  | 'ERR_INVALID_ADDRESS'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_ADDRESS_IN_USE'
  | 'ERR_CONNECTION_REFUSED'
  | 'ERR_CONNECTION_BROKEN'
  | 'ERR_TLS'
  | 'ERR_TOO_MANY_CONNECTIONS'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_DATAGRAM_TRUNCATED'
  | 'ERR_DATA_ITEM_MISMATCH'
  | 'ERR_END_OF_STREAM'
  | 'ERR_PROTOCOL'
  | 'ERR_ENCODE'
  | 'ERR_DECODE'
  | 'ERR_SCHEMA'
  | 'ERR_PARSE'
  | 'ERR_NO_SUCH_OBJECT'
  | 'ERR_NO_SUCH_OPERATION'
  | 'ERR_REMOTE_EXCEPTION'
  | 'ERR_MPI_BUFFER'
  | 'ERR_MPI_READY_SEND'
  | 'ERR_MPI_TRUNCATE'
  | 'ERR_MPI_UNEXPECTED_OVERFLOW'
  | 'ERR_RANK_FAILED'
  | 'ERR_JOB_ABORTED'
  | 'ERR_CANCELLED';

/** Context attached to an error: whatever locates the fault (peer, offset, path, limit). */
export type ErrorContext = Readonly<Record<string, unknown>>;

/** Base class of every error courier throws. `code` is stable; `context` says where and what. */
export class CourierError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.context = context;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** A wait ran past its timeout (milliseconds in `context.timeoutMs`). */
export class TimeoutError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_TIMEOUT', message, context);
  }
}

/** A wait was cancelled through its AbortSignal; the signal's reason is the cause. */
export class AbortedError extends CourierError {
  constructor(message: string, reason?: unknown) {
    super('ERR_ABORTED', message, {}, { cause: reason });
  }
}

/** The endpoint or stream was closed locally before or during the operation. */
export class ClosedError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_CLOSED', message, context);
  }
}

/** An address string or object could not be understood (`context.input` holds it). */
export class InvalidAddressError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_INVALID_ADDRESS', message, context);
  }
}

/** An option or argument is outside what the API accepts. */
export class InvalidArgumentError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_INVALID_ARGUMENT', message, context);
  }
}

/** Binding failed because another socket holds the address and port. */
export class AddressInUseError extends CourierError {
  constructor(message: string, context: ErrorContext = {}, options?: ErrorOptions) {
    super('ERR_ADDRESS_IN_USE', message, context, options);
  }
}

/** Nothing listens at the address connected to. */
export class ConnectionRefusedError extends CourierError {
  constructor(message: string, context: ErrorContext = {}, options?: ErrorOptions) {
    super('ERR_CONNECTION_REFUSED', message, context, options);
  }
}

/**
 * A connection failed after it was established. Over TCP a crashed peer process, a dead host and a broken
 * network look the same, so this error cannot say which; it says instead which sent messages the peer's
 * application never confirmed taking: those numbered `confirmed + 1` to `sent` (1-based, in send order).
 */
export class ConnectionBrokenError extends CourierError {
  /** Messages sent on this stream before it broke. */
  readonly sent: number;
  /** Messages the peer application confirmed it had received; every later one may be lost. */
  readonly confirmed: number;

  constructor(reason: string, context: ErrorContext & { sent?: number; confirmed?: number } = {}, options?: ErrorOptions) {
    const sent = context.sent ?? 0;
    const confirmed = context.confirmed ?? 0;
    const unconfirmed = sent - confirmed;
    super(
      'ERR_CONNECTION_BROKEN',
      `connection broken: ${reason}; a failed peer process and a failed network look the same over TCP, so this cannot say which` +
        (unconfirmed > 0 ? `; messages ${confirmed + 1}..${sent} of ${sent} sent were never confirmed` : ''),
      { ...context, reason, sent, confirmed },
      options,
    );
    this.sent = sent;
    this.confirmed = confirmed;
  }

  /** How many sent messages the peer never confirmed. */
  get unconfirmed(): number {
    return this.sent - this.confirmed;
  }
}

/** A TLS handshake failed: a certificate was not trusted, did not match, or was not presented when required. */
export class TlsError extends CourierError {
  constructor(message: string, context: ErrorContext = {}, options?: ErrorOptions) {
    super('ERR_TLS', message, context, options);
  }
}

/** A listener refused a connection because it already serves its maximum. */
export class TooManyConnectionsError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_TOO_MANY_CONNECTIONS', message, context);
  }
}

/** A message exceeds a configured size bound; `context.limit` names the bound, `context.size` the size. */
export class MessageTooLargeError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MESSAGE_TOO_LARGE', message, context);
  }
}

/** A datagram was larger than the receive buffer and the endpoint was told to reject rather than cut. */
export class DatagramTruncatedError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_DATAGRAM_TRUNCATED', message, context);
  }
}

/** A typed data item of one type was read where another was expected; both are named. */
export class DataItemMismatchError extends CourierError {
  constructor(expected: string, found: string, context: ErrorContext = {}) {
    super('ERR_DATA_ITEM_MISMATCH', `expected a data item of type ${expected} but the stream holds ${found}`, {
      ...context,
      expected,
      found,
    });
  }
}

/** A read needed one more message but the peer had ended its stream. */
export class EndOfStreamError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_END_OF_STREAM', message, context);
  }
}

/** A peer broke the wire protocol (bad header, impossible state). */
export class ProtocolError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_PROTOCOL', message, context);
  }
}

/** A value does not fit its schema; `context.path` names the field (`person.address[2].zip`). */
export class EncodeError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_ENCODE', message, context);
  }
}

/** Bytes or text could not be decoded; `context.offset` (or `line`) and `context.path` locate the fault. */
export class DecodeError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_DECODE', message, context);
  }
}

/** A schema is ill-formed (duplicate field number, unknown type reference, …). */
export class SchemaError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_SCHEMA', message, context);
  }
}

/** A source file (IDL, .proto) failed to parse; `context` has file, line and column. */
export class ParseError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_PARSE', message, context);
  }
}

/**
 * An invocation reached no object: it was removed, the reference is from an earlier incarnation of the
 * endpoint, or its secret is wrong. The call never reached any other object.
 */
export class NoSuchObjectError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_NO_SUCH_OBJECT', message, context);
  }
}

/** The object exists but has no such operation (the caller's interface differs from the server's). */
export class NoSuchOperationError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_NO_SUCH_OPERATION', message, context);
  }
}

/**
 * The remote method raised one of the exceptions its interface declares. `exception` names the declared
 * exception type and `detail` holds its decoded value.
 */
export class RemoteExceptionError extends CourierError {
  constructor(
    readonly exception: string,
    readonly detail: unknown,
    context: ErrorContext = {},
  ) {
    super('ERR_REMOTE_EXCEPTION', `the remote method raised ${exception}`, { ...context, exception });
  }
}

/** True when `err` is a CourierError with the given code. */
export function isCourierError(err: unknown, code?: ErrorCode): err is CourierError {
  return err instanceof CourierError && (code === undefined || err.code === code);
}
