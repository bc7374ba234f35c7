// Where a rank learns its place in the job: courier's launcher, Slurm, Open MPI or a PMI launcher.
import { InvalidArgumentError } from '../../errors.ts';

/** A rank's view of its job, read from the environment. */
export interface JobEnv {
  readonly rank: number;
  readonly size: number;
  /** The rendezvous address (tcp://host:port or ipc:///path) where ranks exchange their addresses. */
  readonly rendezvous: string | undefined;
  /** True when rank 0 serves the rendezvous itself (no courier launcher: Slurm, Open MPI, Kubernetes). */
  readonly rankZeroServes: boolean;
  /** Host to listen on for the other ranks' connections (COURIER_MPI_HOST; default 127.0.0.1). */
  readonly host: string;
  /** `ipc` for Unix domain sockets between ranks on one host (COURIER_MPI_NET=ipc), else `tcp`. */
  readonly net: 'tcp' | 'ipc';
  /** False when COURIER_MPI_SHM=0: no shared-memory collectives even on one host. */
  readonly sharedMemory: boolean;
  /** A name unique to the job, for socket paths (COURIER_JOB, SLURM_JOB_ID, or the rendezvous port). */
  readonly job: string;
  /** Where the rank and size came from. */
  readonly launcher: 'courier' | 'slurm' | 'openmpi' | 'pmi' | 'singleton';
}

/**
 * Reads the job from environment variables, in this order: COURIER_RANK/COURIER_SIZE (courier's launcher),
 * SLURM_PROCID/SLURM_NTASKS, OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE, PMI_RANK/PMI_SIZE; with none set,
 * a singleton job of one rank. ERR_INVALID_ARGUMENT for malformed values or a missing COURIER_RENDEZVOUS.
 */
export function readJobEnv(env: NodeJS.ProcessEnv = process.env): JobEnv {
  const sources: [JobEnv['launcher'], string, string][] = [
    ['courier', 'COURIER_RANK', 'COURIER_SIZE'],
    ['slurm', 'SLURM_PROCID', 'SLURM_NTASKS'],
    ['openmpi', 'OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE'],
    ['pmi', 'PMI_RANK', 'PMI_SIZE'],
  ];
  const found = sources.find(([, r, s]) => env[r] !== undefined && env[s] !== undefined);
  const host = env.COURIER_MPI_HOST ?? '127.0.0.1';
  const net = env.COURIER_MPI_NET === 'ipc' ? 'ipc' : 'tcp';
  const rendezvous = env.COURIER_RENDEZVOUS;
  const sharedMemory = env.COURIER_MPI_SHM !== '0';
  if (!found) return { rank: 0, size: 1, rendezvous: undefined, rankZeroServes: false, host, net, sharedMemory, job: String(process.pid), launcher: 'singleton' };
  const [launcher, rankVar, sizeVar] = found;
  const rank = integer(env[rankVar]!, rankVar);
  const size = integer(env[sizeVar]!, sizeVar);
  if (size < 1 || rank >= size) throw new InvalidArgumentError(`${rankVar}=${rank} is not a rank of a job of ${sizeVar}=${size}`, { rank, size });
  if (size > 1 && rendezvous === undefined) {
    throw new InvalidArgumentError(
      `${rankVar} and ${sizeVar} are set but COURIER_RENDEZVOUS is not: set it to an address rank 0 can listen on and every rank can reach (tcp://node0:7777)`,
      { launcher },
    );
  }
  const job = env.COURIER_JOB ?? env.SLURM_JOB_ID ?? env.OMPI_MCA_ess_base_jobid ?? (rendezvous ?? '').replace(/\W+/g, '-');
  return { rank, size, rendezvous, rankZeroServes: launcher !== 'courier', host, net, sharedMemory, job, launcher };
}

function integer(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name}='${text}' is not a non-negative integer`, { [name]: text });
  return n;
}
