import { Engine, type EngineOptions } from './engine.ts';
import { readJobEnv } from './process/bootstrap.ts';
import { connectMesh, type MeshOptions } from './process/mesh.ts';
import { SelfTransport } from './self-transport.ts';
import { threadJob, ThreadTransport } from './threads/transport.ts';
import type { Transport } from './transport.ts';
import { World } from './world.ts';

// The world of this process (or thread), once it has joined its job.
let joined: Promise<World> | undefined;

/** Options of `init`: the engine's limits, the mesh's timeouts, and the environment to read. */
export interface InitOptions extends EngineOptions, MeshOptions {
  /** Where to read COURIER_RANK, SLURM_PROCID, … from. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** A transport made elsewhere (worker threads use this); overrides the environment. */
  readonly transport?: Transport;
}

/**
 * Joins the job this process belongs to and returns its world communicator (mpi4py `MPI.COMM_WORLD`,
 * after `MPI_Init`). Without any launcher variables this is a job of one rank. ERR_TIMEOUT when the other
 * ranks do not appear within the bootstrap timeout; ERR_INVALID_ARGUMENT for a malformed environment.
 * Calling it again in a rank of a job returns the same world.
 */
export async function init(options: InitOptions = {}): Promise<World> {
  if (options.transport) return world(options.transport, options, 'custom');
  const thread = threadJob();
  if (thread) {
    // A thread joins its job once, however often it calls init.
    joined ??= Promise.resolve(world(new ThreadTransport(thread), options, 'threads'));
    return joined;
  }
  const job = readJobEnv(options.env);
  if (job.size === 1) return world(new SelfTransport(), options, job.launcher);
  // A process joins its job once: a second init returns the same world instead of registering again.
  if (options.env === undefined) {
    joined ??= connectMesh(job, options).then((mesh) => world(mesh, options, job.launcher));
    return joined;
  }
  return world(await connectMesh(job, options), options, job.launcher);
}


function world(transport: Transport, options: EngineOptions, launcher: string): World {
  return new World(new Engine(transport, options), launcher);
}
