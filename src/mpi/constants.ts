/** Matches a message from any source rank (mpi4py `MPI.ANY_SOURCE`). */
export const ANY_SOURCE = -1;
/** Matches a message with any tag (mpi4py `MPI.ANY_TAG`). */
export const ANY_TAG = -1;
/** `split` colour that puts the calling rank in no new communicator (mpi4py `MPI.UNDEFINED`). */
export const UNDEFINED = -32766;
/** The largest user tag; tags run from 0 to this (MPI guarantees at least 32767). */
export const TAG_UB = 0x3fff_ffff;

/** Limits and protocol thresholds of the MPI layer, cited by the docs and tests. */
export const MPI_DEFAULTS = Object.freeze({
  /** Messages up to this many bytes go eagerly; larger ones use the rendezvous protocol (RTS, CTS, data). */
  eagerLimit: 64 * 1024,
  /** Most messages held at a rank that arrived before a matching receive was posted. */
  maxUnexpectedMessages: 65_536,
  /** Most bytes of eager message data held before a matching receive was posted. */
  maxUnexpectedBytes: 256 * 1024 * 1024,
  /** Largest single message, bytes (1 GiB). */
  maxMessageBytes: 1024 * 1024 * 1024,
  /** Bytes a buffered send charges the attached buffer beyond its data (mpi4py `MPI.BSEND_OVERHEAD`). */
  bsendOverhead: 64,
  /** How long a rank waits for the others at start-up (rendezvous and connections), ms. */
  bootstrapTimeoutMs: 30_000,
});
