// Starts a job's ranks as worker threads of this process, joined by shared-memory rings.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { realClock } from '../../net/clock.ts';
import { errorLine, summarize, type Failure } from '../job-result.ts';
import type { Job, JobResult, LaunchOptions, RankExit } from '../launcher.ts';
import { allocateRing } from './ring.ts';
import { allocateSlabs, SLAB_BYTES, SLAB_COUNT } from './slabs.ts';
import type { ThreadControl, ThreadJob } from './transport.ts';

/** Bytes of each ring between two rank threads (one per ordered pair). */
export const THREAD_RING_BYTES = 1024 * 1024;

/** The slab pool of a thread job (slabs.ts): how many slabs, of how many bytes each. */
export interface SlabPoolSize {
  readonly count: number;
  readonly bytes: number;
}

/**
 * Starts `options.np` rank threads running `options.program`; the Job works as for processes. `pool` sizes
 * the job's slab pool (tests shrink it to exercise a full pool).
 */
export function startThreadJob(options: LaunchOptions, pool: SlabPoolSize = { count: SLAB_COUNT, bytes: SLAB_BYTES }): Job {
  const np = options.np;
  const clock = options.clock ?? realClock;
  const rings = Array.from({ length: np }, (_, from) => Array.from({ length: np }, (_, to) => (from === to ? undefined : allocateRing(THREAD_RING_BYTES))));
  const doorbells = new SharedArrayBuffer(4 * np);
  const slabs = allocateSlabs(pool.count, pool.bytes);
  // ports[a][b]: rank a's end of the channel between ranks a and b (large rendezvous data goes through it).
  const ports: (MessagePort | undefined)[][] = Array.from({ length: np }, () => new Array<MessagePort | undefined>(np).fill(undefined));
  for (let a = 0; a < np; a++) {
    for (let b = a + 1; b < np; b++) {
      const { port1, port2 } = new MessageChannel();
      ports[a]![b] = port1;
      ports[b]![a] = port2;
    }
  }
  const program = pathToFileURL(resolve(options.cwd ?? process.cwd(), options.program)).href;
  const typescript = /\.[mc]?ts$/.test(options.program);
  const onLine = options.onLine ?? ((rank, stream, line) => (stream === 'stdout' ? process.stdout : process.stderr).write(`[${rank}] ${line}\n`));
  const exits: (RankExit | undefined)[] = new Array(np).fill(undefined);
  const lastErrors: string[][] = Array.from({ length: np }, () => []);
  let failure: Failure | undefined;
  let stopping = false;
  let resolveResult!: (r: JobResult) => void;
  const result = new Promise<JobResult>((r) => (resolveResult = r));

  const workers = Array.from({ length: np }, (_, rank) => {
    const own = ports[rank]!;
    const job: ThreadJob = { rank, size: np, rings, doorbells, ports: own, slabs, slabCount: pool.count, slabBytes: pool.bytes, program, typescript };
    return new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      transferList: own.filter((p) => p !== undefined),
      argv: [...(options.args ?? [])],
      env: { ...process.env, ...options.env },
      stdout: true,
      stderr: true,
      workerData: { courierMpi: job },
    });
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Threads cannot ignore termination; the grace period lets a failed rank's peers report first.
    clock.setTimer(() => workers.forEach((w, r) => !exits[r] && void w.terminate()), Math.min(options.killGraceMs ?? 2000, 200));
  };
  const onAbort = () => {
    failure ??= { rank: -1, reason: 'the job was stopped' };
    stop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  workers.forEach((worker, rank) => {
    const closed = Promise.all([
      lines(worker.stdout, (line) => onLine(rank, 'stdout', line)),
      lines(worker.stderr, (line) => {
        const tail = lastErrors[rank]!;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine(rank, 'stderr', line);
      }),
    ]);
    let thrown: string | undefined;
    worker.on('error', (err) => (thrown = err instanceof Error ? `${err.name}: ${err.message}` : String(err)));
    worker.on('message', (m: ThreadControl) => {
      if (m.type === 'abort' && !failure) {
        failure = { rank, reason: `called abort(${m.code})`, code: m.code };
        for (const w of workers) if (w !== worker) w.postMessage({ type: 'rank-failed', rank, reason: `it called abort(${m.code})` } satisfies ThreadControl);
        stop();
      }
    });
    worker.on('exit', (code) => {
      void closed.then(() => {
        exits[rank] = { rank, code, signal: null, ended: stopping && failure?.rank !== rank };
        if (!stopping && code !== 0) {
          const why = thrown ?? errorLine(lastErrors[rank]!);
          failure = { rank, reason: `exited with code ${code}${why ? `; ${why}` : ''}` };
          // Tell the others at once: their pending operations fail with MpiRankFailedError.
          for (let r = 0; r < np; r++) if (!exits[r]) workers[r]!.postMessage({ type: 'rank-failed', rank, reason: failure.reason } satisfies ThreadControl);
          stop();
        }
        if (exits.every((e) => e !== undefined)) {
          options.signal?.removeEventListener('abort', onAbort);
          resolveResult(summarize(np, exits.map((e) => e!), failure));
        }
      });
    });
  });

  return {
    pids: workers.map(() => process.pid),
    result,
    kill: (rank) => void workers[rank]?.terminate(),
    stop: onAbort,
  };
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', onLine);
  return new Promise((resolve) => rl.once('close', () => resolve()));
}
