// Public API of the MPI layer (courier-ipc/mpi): init, communicators, requests, operations, the launcher.
export { ANY_SOURCE, ANY_TAG, MPI_DEFAULTS, TAG_UB, UNDEFINED } from './constants.ts';
export { init, type InitOptions } from './init.ts';
export { World } from './world.ts';
export { Communicator } from './communicator.ts';
export { PointToPoint, type RecvOptions } from './comm.ts';
export { Request, testAll, waitAll, waitAny, waitSome, type Status } from './request.ts';
export { BAND, BOR, BXOR, createOp, LAND, LOR, LXOR, MAX, MAXLOC, MIN, MINLOC, PROD, SUM, type Op } from './ops.ts';
export type { TypedArray } from './payload.ts';
export type { EngineOptions, EngineStats, SendMode } from './engine.ts';
export { readJobEnv, type JobEnv } from './process/bootstrap.ts';
export { serveRendezvous, type Rendezvous } from './process/rendezvous.ts';
export { MpiAbortError, MpiBufferOverflowError, MpiCancelledError, MpiRankFailedError, MpiReadySendError, MpiTruncateError, MpiUnexpectedOverflowError } from './errors.ts';
