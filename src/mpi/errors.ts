// MPI errors: subclasses of CourierError, each with its own stable code; `context.mpi` names the MPI rule.
import { CourierError, type ErrorContext } from '../errors.ts';

/** A buffered send did not fit in the attached buffer (MPI_ERR_BUFFER); `context` has size, free and capacity. */
export class MpiBufferOverflowError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MPI_BUFFER', message, { ...context, mpi: 'buffer-overflow' });
  }
}

/** A ready send reached a rank with no matching receive posted; the message was dropped there. */
export class MpiReadySendError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MPI_READY_SEND', message, { ...context, mpi: 'ready-send' });
  }
}

/** A message is larger than the receive buffer given with `into` (MPI_ERR_TRUNCATE). */
export class MpiTruncateError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MPI_TRUNCATE', message, { ...context, mpi: 'truncate' });
  }
}

/** More messages or bytes arrived unmatched than the unexpected-message queue holds; the rank stops. */
export class MpiUnexpectedOverflowError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MPI_UNEXPECTED_OVERFLOW', message, { ...context, mpi: 'unexpected-overflow' });
  }
}

/**
 * Another rank failed (its process died, its connection broke, or it aborted): every pending and later
 * operation on this job fails with this error, whose `cause` is the transport's error.
 */
export class MpiRankFailedError extends CourierError {
  /** The world rank that failed. */
  readonly rank: number;

  constructor(rank: number, reason: string, cause?: unknown) {
    super('ERR_RANK_FAILED', `rank ${rank} failed: ${reason}`, { rank, mpi: 'rank-failed' }, cause === undefined ? undefined : { cause });
    this.rank = rank;
  }
}

/** The job was aborted by `abort(code)` on some rank. */
export class MpiAbortError extends CourierError {
  constructor(rank: number, exitCode: number) {
    super('ERR_JOB_ABORTED', `rank ${rank} aborted the job with code ${exitCode}`, { rank, exitCode, mpi: 'abort' });
  }
}

/** A request was cancelled before it matched; waiting on it reports this instead of a value. */
export class MpiCancelledError extends CourierError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_CANCELLED', message, { ...context, mpi: 'cancelled' });
  }
}
