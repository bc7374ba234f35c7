// Network benchmark: courier's TCP MessageStream against raw node:net (same framing idea, same batching)
// and ZeroMQ, and courier's UDP endpoint against raw node:dgram. Sender and receiver always run in
// separate processes (bench/net/worker.ts, one pair per implementation, reused across runs); the runs of
// all implementations are interleaved so that noise on the machine falls on each alike.
// Usage: npm run bench -- net [--quick]
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quick } from './lib/args.ts';
import { BenchReport, median, percentile, progress, type Row } from './lib/report.ts';
import type { FromWorker, Order, Result, ToWorker } from './net/common.ts';

const RUNS = quick ? 3 : 5;
const WARMUP_MS = quick ? 100 : 300;
const MEASURE_MS = quick ? 300 : 1000;
/** A sender runs this much longer than the receiver's window, so the window never sees it stop. */
const SOURCE_MARGIN_MS = 400;
const PINGS = quick ? 1500 : 10_000;
const PING_WARMUP = quick ? 300 : 1000;
/** No order may take longer than this: a stuck peer fails the benchmark instead of hanging it. */
const ORDER_TIMEOUT_MS = 30_000;

/** USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

const workerPath = fileURLToPath(new URL('./net/worker.ts', import.meta.url));

/** The report's name of each implementation, and the worker module that carries it. */
type ImplName = 'courier' | 'node:net' | 'zeromq' | 'node:dgram';
const IMPLS: readonly (readonly [ImplName, string])[] = [
  ['courier', 'courier'],
  ['node:net', 'node-net'],
  ['zeromq', 'zeromq'],
  ['node:dgram', 'node-dgram'],
];

/** A promise with its settling functions (Promise.withResolvers arrived only in Node 22). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Running {
  readonly ready: Promise<number>;
  readonly done: Promise<Result>;
  cancel(): void;
}

/** One forked worker process, taking orders over IPC. */
class Worker {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { ready: (port: number) => void; done: (r: Result) => void; fail: (e: Error) => void; edge?: (edge: 'open' | 'close') => void }>();
  readonly up: Promise<void>;
  private exited: Error | undefined;

  constructor(readonly label: string, module: string) {
    // The worker's standard output goes to our standard error: only the table goes to standard output.
    this.child = fork(workerPath, [module], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] });
    this.up = new Promise<void>((resolve, reject) => {
      this.child.on('message', (m: FromWorker) => {
        if (m.kind === 'up') return resolve();
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.kind === 'ready') return p.ready(m.port);
        if (m.kind === 'window') return p.edge?.(m.edge);
        this.pending.delete(m.id);
        if (m.kind === 'done') p.done(m.result);
        else p.fail(new Error(`${this.label}: ${m.error}`));
      });
      this.child.once('exit', (code, signal) => {
        const err = new Error(`${this.label} exited (${signal ?? code})`);
        this.exited = err;
        reject(err);
        for (const p of this.pending.values()) p.fail(err);
        this.pending.clear();
      });
    });
  }

  /** Sends an order; `ready` resolves with a server's port, `done` with the result (or rejects after ORDER_TIMEOUT_MS). */
  start(order: Order, onEdge?: (edge: 'open' | 'close') => void): Running {
    const id = this.nextId++;
    const ready = deferred<number>();
    const done = deferred<Result>();
    const fail = (e: Error) => {
      ready.reject(e);
      done.reject(e);
    };
    const readyP = ready.promise;
    const doneP = done.promise;
    readyP.catch(() => undefined); // an order without a server never sends 'ready'; its failure shows in `done`
    const timer = setTimeout(() => {
      this.pending.delete(id);
      fail(new Error(`${this.label}: ${order.op} took longer than ${ORDER_TIMEOUT_MS} ms`));
    }, ORDER_TIMEOUT_MS);
    if (this.exited) fail(this.exited); // a worker that died between orders fails the next one at once
    this.pending.set(id, { ready: ready.resolve, done: done.resolve, fail, ...(onEdge ? { edge: onEdge } : {}) });
    this.send({ id, order });
    return {
      ready: readyP,
      done: doneP.finally(() => clearTimeout(timer)),
      cancel: () => this.send({ id, cancel: true }),
    };
  }

  private send(message: ToWorker): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  /** CPU seconds (user + system) the process has used, from /proc (Linux); undefined elsewhere. */
  cpuSeconds(): number | undefined {
    try {
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks.
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return undefined; // no /proc: the CPU-normalised rows are left out
    }
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

const workers = new Map<ImplName, [Worker, Worker]>();
function killAll(): void {
  for (const [a, b] of workers.values()) {
    a.kill();
    b.kill();
  }
}
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

function pair(impl: ImplName): [Worker, Worker] {
  const p = workers.get(impl);
  if (!p) throw new Error(`no workers for ${impl}`);
  return p;
}

/** One throughput run: the receiver's rate in its window, in messages and bytes per second. */
async function oneWay(
  impl: ImplName,
  transport: 'tcp' | 'udp',
  size: number,
  polled = false,
): Promise<{ perSecond: number; bytesPerSecond: number; sent: number; received: number; perCpuSecond: number | undefined }> {
  const [server, client] = pair(impl);
  // Both processes' CPU time over the receiver's window: a rate per CPU second is far less disturbed by
  // other load on the machine than a rate per wall-clock second.
  const cpu = () => {
    const a = server.cpuSeconds();
    const b = client.cpuSeconds();
    return a === undefined || b === undefined ? undefined : a + b;
  };
  let cpuOpen: number | undefined;
  let cpuUsed: number | undefined;
  const onEdge = (edge: 'open' | 'close') => {
    if (edge === 'open') cpuOpen = cpu();
    else if (cpuOpen !== undefined) cpuUsed = (cpu() ?? Number.NaN) - cpuOpen;
  };
  const sink = server.start({ op: `${transport}-sink`, size, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, polled }, onEdge);
  const port = await sink.ready;
  const source = client.start({ op: `${transport}-source`, port, size, durationMs: WARMUP_MS + MEASURE_MS + SOURCE_MARGIN_MS });
  const measured = await sink.done.finally(() => source.cancel());
  const sent = await source.done;
  if (measured.type !== 'rate' || sent.type !== 'sent') throw new Error(`${impl}: unexpected results ${measured.type}/${sent.type}`);
  return {
    perSecond: measured.messages / measured.seconds,
    bytesPerSecond: measured.bytes / measured.seconds,
    sent: sent.messages,
    received: measured.total,
    perCpuSecond: cpuUsed !== undefined && cpuUsed > 0 ? measured.messages / cpuUsed : undefined,
  };
}

/** One latency run: round-trip samples in microseconds. */
async function roundTrip(impl: ImplName, transport: 'tcp' | 'udp', size: number): Promise<number[]> {
  const [server, client] = pair(impl);
  const echo = server.start({ op: `${transport}-echo` });
  const port = await echo.ready;
  const ping = client.start({ op: `${transport}-ping`, port, size, warmup: PING_WARMUP, count: PINGS });
  const result = await ping.done.finally(() => echo.cancel());
  await echo.done;
  if (result.type !== 'latency') throw new Error(`${impl}: unexpected result ${result.type}`);
  return result.samplesUs;
}

interface Case {
  readonly name: string;
  readonly impls: readonly ImplName[];
  readonly run: (impl: ImplName) => Promise<void>;
}

const series = new Map<string, { impl: ImplName; metric: string; unit: string; better: 'higher' | 'lower'; runs: number[]; caseName: string }>();
function record(caseName: string, impl: ImplName, metric: string, unit: string, better: 'higher' | 'lower', value: number): void {
  const key = `${caseName}|${impl}|${metric}`;
  let s = series.get(key);
  if (!s) series.set(key, (s = { caseName, impl, metric, unit, better, runs: [] }));
  s.runs.push(value);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const SIZES: [string, number][] = [
  ['64B', 64],
  ['64KiB', 64 * 1024],
  ['1MiB', 1024 * 1024],
];

const UDP_SIZES: [string, number][] = [
  ['64B', 64],
  ['1400B', 1400],
];

const cases: Case[] = [
  ...SIZES.map(([label, size]): Case => ({
    name: `tcp one-way ${label}`,
    impls: ['courier', 'node:net', 'zeromq'],
    run: async (impl) => {
      const r = await oneWay(impl, 'tcp', size);
      record(`tcp one-way ${label}`, impl, 'throughput', 'msg/s', 'higher', r.perSecond);
      record(`tcp one-way ${label}`, impl, 'bandwidth', 'MB/s', 'higher', r.bytesPerSecond / 1e6);
      if (r.perCpuSecond !== undefined) record(`tcp one-way ${label}`, impl, 'per CPU second', 'msg/CPU-s', 'higher', r.perCpuSecond);
      progress(`tcp one-way ${label} ${impl}: ${fmt(r.perSecond)} msg/s, ${(r.bytesPerSecond / 1e6).toFixed(1)} MB/s`);
    },
  })),
  {
    // The same workload, with courier's receiver on the polling API (tryReceive until empty, then wait for
    // readiness) instead of `for await`: what a message costs without a promise per message.
    name: 'tcp one-way 64B polled',
    impls: ['courier', 'node:net'],
    run: async (impl) => {
      const r = await oneWay(impl, 'tcp', 64, true);
      record('tcp one-way 64B polled', impl, 'throughput', 'msg/s', 'higher', r.perSecond);
      if (r.perCpuSecond !== undefined) record('tcp one-way 64B polled', impl, 'per CPU second', 'msg/CPU-s', 'higher', r.perCpuSecond);
      progress(`tcp one-way 64B polled ${impl}: ${fmt(r.perSecond)} msg/s`);
    },
  },
  {
    name: 'tcp round-trip 64B',
    impls: ['courier', 'node:net', 'zeromq'],
    run: async (impl) => {
      const samples = await roundTrip(impl, 'tcp', 64);
      record('tcp round-trip 64B', impl, 'latency median', 'µs', 'lower', median(samples));
      record('tcp round-trip 64B', impl, 'latency p99', 'µs', 'lower', percentile(samples, 99));
      progress(`tcp round-trip 64B ${impl}: median ${median(samples).toFixed(1)} µs, p99 ${percentile(samples, 99).toFixed(1)} µs`);
    },
  },
  ...UDP_SIZES.map(([label, size]): Case => ({
    name: `udp one-way ${label}`,
    impls: ['courier', 'node:dgram'],
    run: async (impl) => {
      const r = await oneWay(impl, 'udp', size);
      record(`udp one-way ${label}`, impl, 'throughput', 'datagrams/s', 'higher', r.perSecond);
      if (r.perCpuSecond !== undefined) record(`udp one-way ${label}`, impl, 'per CPU second', 'datagrams/CPU-s', 'higher', r.perCpuSecond);
      progress(`udp one-way ${label} ${impl}: ${fmt(r.perSecond)} datagrams/s received (${fmt(r.received)} of ${fmt(r.sent)} sent arrived before the window closed)`);
    },
  })),
  {
    name: 'udp one-way 64B polled',
    impls: ['courier', 'node:dgram'],
    run: async (impl) => {
      const r = await oneWay(impl, 'udp', 64, true);
      record('udp one-way 64B polled', impl, 'throughput', 'datagrams/s', 'higher', r.perSecond);
      if (r.perCpuSecond !== undefined) record('udp one-way 64B polled', impl, 'per CPU second', 'datagrams/CPU-s', 'higher', r.perCpuSecond);
      progress(`udp one-way 64B polled ${impl}: ${fmt(r.perSecond)} datagrams/s received`);
    },
  },
  {
    name: 'udp round-trip 64B',
    impls: ['courier', 'node:dgram'],
    run: async (impl) => {
      const samples = await roundTrip(impl, 'udp', 64);
      record('udp round-trip 64B', impl, 'latency median', 'µs', 'lower', median(samples));
      record('udp round-trip 64B', impl, 'latency p99', 'µs', 'lower', percentile(samples, 99));
      progress(`udp round-trip 64B ${impl}: median ${median(samples).toFixed(1)} µs, p99 ${percentile(samples, 99).toFixed(1)} µs`);
    },
  },
];

/** The goals, read off the report: [description, ratio, target]. */
function goals(report: BenchReport): string[] {
  const find = (c: string, impl: string, metric: string): Row | undefined => report.rows.find((r) => r.case === c && r.impl === impl && r.metric === metric);
  const check = (what: string, c: string, peer: string, metric: string, target: number): string => {
    const row = find(c, peer, metric);
    const adv = row && report.courierAdvantage(row);
    if (adv === undefined) return `  ${what}: not measured`;
    return `  ${adv >= target ? 'met ' : 'MISSED'} ${what}: courier vs ${peer} ${adv.toFixed(2)}x (goal ≥ ${target.toFixed(2)}x)`;
  };
  return [
    'Goals (courier ÷ peer, oriented so >1 favours courier):',
    check('64 B TCP throughput ≥ ZeroMQ', 'tcp one-way 64B', 'zeromq', 'throughput', 1),
    check('64 B TCP throughput ≥ 0.9x raw socket (for await)', 'tcp one-way 64B', 'node:net', 'throughput', 0.9),
    check('64 B TCP throughput ≥ 0.9x raw socket (tryReceive)', 'tcp one-way 64B polled', 'node:net', 'throughput', 0.9),
    check('TCP round trip within 1.15x of raw socket (median)', 'tcp round-trip 64B', 'node:net', 'latency median', 1 / 1.15),
    check('UDP 64 B datagrams/s ≥ 0.9x raw dgram (for await)', 'udp one-way 64B', 'node:dgram', 'throughput', 0.9),
    check('UDP 64 B datagrams/s ≥ 0.9x raw dgram (tryReceive)', 'udp one-way 64B polled', 'node:dgram', 'throughput', 0.9),
    check('UDP 1400 B datagrams/s ≥ 0.9x raw dgram', 'udp one-way 1400B', 'node:dgram', 'throughput', 0.9),
    check('UDP round trip within 1/0.9 of raw dgram (median)', 'udp round-trip 64B', 'node:dgram', 'latency median', 0.9),
    'The same per CPU second (both processes), which other load on the machine disturbs far less:',
    check('64 B TCP per CPU second ≥ 0.9x raw socket (for await)', 'tcp one-way 64B', 'node:net', 'per CPU second', 0.9),
    check('64 B TCP per CPU second ≥ 0.9x raw socket (tryReceive)', 'tcp one-way 64B polled', 'node:net', 'per CPU second', 0.9),
    check('UDP 64 B per CPU second ≥ 0.9x raw dgram (for await)', 'udp one-way 64B', 'node:dgram', 'per CPU second', 0.9),
    check('UDP 1400 B per CPU second ≥ 0.9x raw dgram', 'udp one-way 1400B', 'node:dgram', 'per CPU second', 0.9),
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  progress(`net benchmark${quick ? ' (quick)' : ''}: ${RUNS} runs per case, windows of ${WARMUP_MS} + ${MEASURE_MS} ms, ${PINGS} round trips per run`);
  for (const [name, module] of IMPLS) {
    workers.set(name, [new Worker(`${name} receiver`, module), new Worker(`${name} sender`, module)]);
  }
  await Promise.all([...workers.values()].flatMap(([a, b]) => [a.up, b.up]));
  progress(`workers up after ${((performance.now() - started) / 1000).toFixed(1)} s`);

  for (let run = 1; run <= RUNS; run++) {
    progress(`run ${run} of ${RUNS}`);
    for (const c of cases) for (const impl of c.impls) await c.run(impl);
  }

  const report = new BenchReport('net', quick);
  for (const c of cases) {
    for (const s of series.values()) {
      if (s.caseName === c.name && s.impl === 'courier') report.add({ case: s.caseName, impl: s.impl, metric: s.metric, unit: s.unit, better: s.better, runs: s.runs });
    }
    for (const s of series.values()) {
      if (s.caseName === c.name && s.impl !== 'courier') report.add({ case: s.caseName, impl: s.impl, metric: s.metric, unit: s.unit, better: s.better, runs: s.runs });
    }
  }
  console.log(report.table());
  console.log();
  console.log(goals(report).join('\n'));
  const file = report.write();
  progress(`wrote ${file} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

try {
  await main();
} finally {
  killAll();
}
