// courier's launcher (`courier run -n 4 app.ts`): starts the ranks of a job as processes (here, or on other
// hosts over ssh), serves their rendezvous, prefixes their output with the rank, and ends the whole job
// when one rank fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { InvalidArgumentError } from '../errors.ts';
import { realClock, type Clock } from '../net/clock.ts';
import { isThisHost, networkHost, placeRanks, type HostSlots } from './hosts.ts';
import { serveRendezvous } from './process/rendezvous.ts';
import { removeSharedFiles } from './process/shared-files.ts';
import { DEFAULT_SSH, signalLine, sshCommand } from './process/ssh.ts';
import { localAddressToward } from '../net/route.ts';
import { ABORT_LINE } from './transport.ts';
import { startThreadJob } from './threads/launch.ts';
import { errorLine, summarize, type Failure } from './job-result.ts';

/** What to run and how. */
export interface LaunchOptions {
  /** Number of ranks (processes). */
  readonly np: number;
  /** The program every rank runs: a .js/.mjs file, or .ts (run through tsx). */
  readonly program: string;
  readonly args?: readonly string[];
  /** Extra flags for node. */
  readonly nodeArgs?: readonly string[];
  /** Extra environment for every rank. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /**
   * `ipc` connects the ranks over Unix domain sockets, `tcp` over TCP on 127.0.0.1. Default: `ipc` when every
   * rank runs on this host (a message then costs its sender about 2 µs of system time instead of 5 µs
   * through the loopback TCP stack), else `tcp`.
   */
  readonly net?: 'tcp' | 'ipc';
  /** Receives each line a rank prints. Default: `[rank] line` on this process's stdout or stderr. */
  readonly onLine?: (rank: number, stream: 'stdout' | 'stderr', line: string) => void;
  /** Aborting it ends the job (SIGTERM to every rank, SIGKILL after `killGraceMs`). */
  readonly signal?: AbortSignal;
  /** Pass SIGINT and SIGTERM received by this process on to every rank. Default false. */
  readonly forwardSignals?: boolean;
  /** After asking ranks to end, wait this long before killing them, ms. Default 2000. */
  readonly killGraceMs?: number;
  readonly clock?: Clock;
  /** Run the ranks as worker threads of this process (shared-memory rings) instead of processes. */
  readonly threads?: boolean;
  /**
   * Hosts and their slots (`--hosts a:2,b:2`): ranks fill them in order; a host other than `localhost` or
   * this machine's name is reached with `ssh`. Default: every rank here.
   */
  readonly hosts?: readonly HostSlots[];
  /** The ssh command and its options, before the host. Default `ssh -o BatchMode=yes`. */
  readonly ssh?: readonly string[];
}

/** How one rank ended. */
export interface RankExit {
  readonly rank: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the launcher ended it because another rank had failed (or the job was interrupted). */
  readonly ended: boolean;
}

/** How the job ended. */
export interface JobResult {
  /** 0 when every rank exited 0; else the failed rank's code (128 + signal number for a signal). */
  readonly exitCode: number;
  /** The first rank that failed, and why. */
  readonly failure?: { readonly rank: number; readonly reason: string };
  readonly ranks: readonly RankExit[];
  /** One line for people: "4 ranks exited 0" or "rank 2 failed: killed by SIGKILL; ended ranks 0, 1, 3". */
  readonly summary: string;
}

/** A running job. */
export interface Job {
  /** Process ids of the ranks, by rank. */
  readonly pids: readonly (number | undefined)[];
  /** Resolves when every rank has exited. Never rejects. */
  readonly result: Promise<JobResult>;
  /** Sends `signal` to one rank (tests use it to kill a rank). */
  kill(rank: number, signal?: NodeJS.Signals): void;
  /** Ends every rank (SIGTERM, then SIGKILL after the grace period). */
  stop(): void;
}

/** Starts a job and resolves to it once every rank is spawned. ERR_INVALID_ARGUMENT for a bad `np`. */
export async function startJob(options: LaunchOptions): Promise<Job> {
  const np = options.np;
  if (!Number.isInteger(np) || np < 1) throw new InvalidArgumentError(`-n must be a positive integer, got ${np}`, { np });
  if (options.threads) {
    if (options.hosts) throw new InvalidArgumentError('--threads runs every rank in this process: it cannot be combined with --hosts', {});
    return startThreadJob(options);
  }
  const clock = options.clock ?? realClock;
  const grace = options.killGraceMs ?? 2000;
  const placement = options.hosts ? placeRanks(np, options.hosts) : new Array<string>(np).fill('localhost');
  const remote = placement.map((host) => !isThisHost(host));
  const anyRemote = remote.some(Boolean);
  const net = options.net ?? (anyRemote ? 'tcp' : 'ipc');
  if (anyRemote && net === 'ipc') throw new InvalidArgumentError('--ipc connects ranks of one host: it cannot be combined with remote --hosts', {});
  // Ranks on other hosts reach the rendezvous, and each other, through the address of the interface that
  // routes to them, so then the rendezvous listens on every interface and ranks here listen on that address.
  const toward = new Map<string, string>();
  for (const host of new Set(placement.filter((_, r) => remote[r]))) toward.set(host, await localAddressToward(networkHost(host)));
  const hereAddress = toward.values().next().value;
  const rendezvous = np > 1 ? await serveRendezvous(anyRemote ? 'tcp://0.0.0.0:0' : 'tcp://127.0.0.1:0', np) : undefined;
  const rendezvousPort = rendezvous ? Number(/:(\d+)$/.exec(rendezvous.address)![1]) : 0;
  const job = randomBytes(6).toString('hex');
  const ts = /\.[mc]?ts$/.test(options.program);
  const nodeArgs = [...(ts ? ['--import', import.meta.resolve('tsx')] : []), ...(options.nodeArgs ?? [])];
  const onLine = options.onLine ?? defaultOnLine;
  const children: ChildProcess[] = [];
  const exits: (RankExit | undefined)[] = new Array(np).fill(undefined);
  let failure: Failure | undefined;
  let stopping = false;
  const lastErrors: string[][] = Array.from({ length: np }, () => []);

  let resolveResult!: (r: JobResult) => void;
  const result = new Promise<JobResult>((resolve) => (resolveResult = resolve));
  let cancelKill: (() => void) | undefined;

  // A remote rank is signalled through its session (see process/ssh.ts); killing its ssh ends the session,
  // and with it the rank.
  const signalRank = (rank: number, signal: NodeJS.Signals) => {
    const child = children[rank];
    if (!child) return;
    if (!remote[rank]) return void child.kill(signal);
    if (child.stdin?.writable) child.stdin.write(signalLine(signal));
    if (signal === 'SIGKILL') child.kill('SIGKILL');
  };
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // The failed rank is ending by itself (an aborting rank is about to exit with its code).
    for (let r = 0; r < np; r++) if (!exits[r] && r !== failure?.rank) signalRank(r, 'SIGTERM');
    cancelKill = clock.setTimer(() => {
      for (let r = 0; r < np; r++) if (!exits[r]) signalRank(r, 'SIGKILL');
    }, grace);
  };
  const forward = (signal: NodeJS.Signals) => () => {
    for (let r = 0; r < np; r++) if (!exits[r]) signalRank(r, signal);
    // The signal says more than a stop request the same signal may have caused a moment earlier.
    if (!failure || failure.rank < 0) failure = { rank: -1, reason: `interrupted by ${signal}` };
    stop();
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  if (options.forwardSignals) {
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  }
  const onAbort = () => {
    if (!failure) failure = { rank: -1, reason: 'the job was stopped' };
    stop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const finish = () => {
    cancelKill?.();
    options.signal?.removeEventListener('abort', onAbort);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    void rendezvous?.close();
    // A rank that crashed left its shared broadcast files behind; the others removed their own.
    children.forEach((child, rank) => child.pid !== undefined && !remote[rank] && removeSharedFiles(child.pid));
    const ranks = exits.map((e, rank) => e ?? { rank, code: null, signal: null, ended: true });
    resolveResult(summarize(np, ranks, failure));
  };

  for (let rank = 0; rank < np; rank++) {
    const host = placement[rank]!;
    const rankEnv: Record<string, string> = {
      COURIER_RANK: String(rank),
      COURIER_SIZE: String(np),
      COURIER_JOB: job,
      ...(rendezvous ? { COURIER_RENDEZVOUS: `tcp://${remote[rank] ? toward.get(host)! : '127.0.0.1'}:${rendezvousPort}` } : {}),
      ...(net === 'ipc' ? { COURIER_MPI_NET: 'ipc' } : {}),
      ...(remote[rank] ? { COURIER_MPI_HOST: networkHost(host) } : hereAddress ? { COURIER_MPI_HOST: hereAddress } : {}),
    };
    const command = [...nodeArgs, options.program, ...(options.args ?? [])];
    let child: ChildProcess;
    if (remote[rank]) {
      const extra = Object.fromEntries(Object.entries(options.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
      // tsx first, so that the preloaded remote-rank.ts (and a .ts program) can load.
      const preload = ['--import', import.meta.resolve('tsx'), '--import', import.meta.resolve('./process/remote-rank.ts')];
      const remoteCommand = [process.execPath, ...preload, ...(options.nodeArgs ?? []), options.program, ...(options.args ?? [])];
      const { file, args } = sshCommand(options.ssh ?? DEFAULT_SSH, host, options.cwd ?? process.cwd(), { ...extra, ...rankEnv }, remoteCommand);
      child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin?.on('error', () => undefined); // a session that has ended is reported by its exit
    } else {
      child = spawn(process.execPath, command, { env: { ...process.env, ...options.env, ...rankEnv }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    }
    children.push(child);
    const closed = Promise.all([lines(child, 'stdout', rank, onLine), lines(child, 'stderr', rank, (r, s, line) => {
      const tail = lastErrors[r]!;
      tail.push(line);
      const aborted = ABORT_LINE.exec(line);
      if (aborted && !failure && !stopping) {
        failure = { rank: r, reason: `called abort(${aborted[2]})`, code: Number(aborted[2]) };
        stop();
      }
      if (tail.length > 40) tail.shift();
      onLine(r, s, line);
    })]);
    child.on('error', (err) => {
      if (!exits[rank]) record(rank, 127, null, `could not start: ${err.message}`);
    });
    child.on('exit', (code, signal) => void closed.then(() => record(rank, code, signal)));
  }

  function record(rank: number, code: number | null, signal: NodeJS.Signals | null, why?: string): void {
    if (exits[rank]) return;
    exits[rank] = { rank, code, signal, ended: stopping };
    if (!stopping && (code !== 0 || signal !== null)) {
      const reason = errorLine(lastErrors[rank]!);
      const last = reason ? `; its last error output: ${reason}` : '';
      failure = { rank, reason: why ?? (signal ? `killed by ${signal}${last}` : `exited with code ${code}${last}`) };
      stop();
    }
    if (exits.every((e) => e !== undefined)) finish();
  }

  return {
    pids: children.map((c) => c.pid),
    result,
    kill: (rank, signal = 'SIGKILL') => signalRank(rank, signal),
    stop: onAbort,
  };
}

/** Runs a job to its end (see startJob). */
export async function launch(options: LaunchOptions): Promise<JobResult> {
  return (await startJob(options)).result;
}

function lines(child: ChildProcess, which: 'stdout' | 'stderr', rank: number, onLine: NonNullable<LaunchOptions['onLine']>): Promise<void> {
  const stream = child[which];
  if (!stream) return Promise.resolve();
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => onLine(rank, which, line));
  return new Promise((resolve) => rl.once('close', resolve));
}

function defaultOnLine(rank: number, stream: 'stdout' | 'stderr', line: string): void {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`[${rank}] ${line}\n`);
}
