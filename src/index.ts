// The public API of courier-ipc. Each layer is also importable on its own (courier-ipc/net, …).
export * from './errors.ts';
export * from './net/index.ts';
export * from './marshal/index.ts';
export * from './multicast/index.ts';
export * from './invoke/index.ts';
export * as overlay from './overlay/index.ts';
export * as mpi from './mpi/index.ts';
