import { Communicator } from './communicator.ts';
import type { Engine } from './engine.ts';

/**
 * The world communicator of a job (mpi4py `MPI.COMM_WORLD`), returned by `init`. `finalize()` (or
 * `await using`) ends this rank's part: a barrier, then an orderly close of every connection.
 */
export class World extends Communicator {
  private finalizing: Promise<void> | undefined;

  constructor(
    engine: Engine,
    /** Where the rank and size came from: courier, slurm, openmpi, pmi, threads, custom or singleton. */
    readonly launcher: string,
  ) {
    super(engine, Array.from({ length: engine.size }, (_, r) => r), 0);
  }

  /**
   * Waits for every rank to reach finalize, then closes this rank's connections (mpi4py `Finalize`).
   * Idempotent. After a failure it only closes. The process can then exit.
   */
  finalize(): Promise<void> {
    this.finalizing ??= (async () => {
      this.engine.finalizing = true;
      try {
        if (!this.engine.failed) await this.barrier();
      } finally {
        await this.engine.transport.close();
      }
    })();
    return this.finalizing;
  }

  /** Engine counters: eager and rendezvous sends, unexpected messages now and at peak. */
  stats() {
    return this.engine.stats();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.finalize();
  }
}
