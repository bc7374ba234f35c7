// Multicast benchmark: datagrams per second from one sender to one and to four receivers of a group on
// this host's loopback interface, courier's MulticastEndpoint against raw node:dgram sockets with
// addMembership. As in bench/net.ts, the sender and every receiver are separate processes (forked from
// this file, kept across runs), runs of both implementations are interleaved, and the sender keeps a
// credit window: each receiver reports its running count every CREDIT_EVERY datagrams, and the sender
// stays within WINDOW of the slowest one, so the figure is what every member takes, not what the
// kernel drops. Usage: npm run bench -- multicast [--quick]   (results: bench/results/multicast.json)
import { fork, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { isCourierError } from '../src/errors.ts';
import { openMulticast } from '../src/multicast/index.ts';
import { quick } from './lib/args.ts';
import { BenchReport, progress } from './lib/report.ts';

const RUNS = quick ? 3 : 5;
const WARMUP_MS = quick ? 150 : 300;
const MEASURE_MS = quick ? 400 : 1000;
const SOURCE_MARGIN_MS = 400;
const SIZE = 64;
const RECEIVER_COUNTS = [1, 4] as const;
/** Datagrams the sender may have outstanding beyond the slowest receiver's credit. */
const WINDOW = 256;
/** A receiver reports its running count after this many datagrams. */
const CREDIT_EVERY = 32;
/** A sender that hears no credit for this long takes what is outstanding as lost and goes on, ms. */
const STALL_MS = 5;
const SOCKET_BUFFER = 1024 * 1024;
/** Loopback only: the benchmark never sends a datagram to a network. */
const IFACE = '127.0.0.1';
const ORDER_TIMEOUT_MS = 30_000;

const IMPLS = ['courier', 'node:dgram'] as const;
type ImplName = (typeof IMPLS)[number];

type Order =
  | { readonly op: 'sink'; readonly impl: ImplName; readonly group: string; readonly port: number; readonly id: number }
  | { readonly op: 'source'; readonly impl: ImplName; readonly group: string; readonly port: number; readonly receivers: number; readonly durationMs: number };
type Reply = { readonly kind: 'up' } | { readonly kind: 'ready' } | { readonly kind: 'done'; readonly count: number; readonly seconds: number } | { readonly kind: 'failed'; readonly error: string };

// ---------------------------------------------------------------- worker side

/** Counts datagrams in a window that opens WARMUP_MS after the first one and lasts MEASURE_MS. */
class Meter {
  count = 0;
  private startCount = 0;
  private startAt = 0;
  readonly done: Promise<{ count: number; seconds: number }>;
  private resolve!: (r: { count: number; seconds: number }) => void;

  constructor() {
    this.done = new Promise((r) => (this.resolve = r));
  }

  /** Counts one datagram; true when a credit is due. */
  hit(): boolean {
    if (this.count++ === 0) {
      setTimeout(() => {
        this.startCount = this.count;
        this.startAt = performance.now();
        setTimeout(() => this.resolve({ count: this.count - this.startCount, seconds: (performance.now() - this.startAt) / 1000 }), MEASURE_MS);
      }, WARMUP_MS);
    }
    return this.count % CREDIT_EVERY === 0;
  }
}

/** A credit: the receiver's id and its running count (receivers may share an address and port, as raw sockets bound to the group port do). */
function credit(id: number, count: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(id);
  b.writeUInt32BE(count >>> 0, 4);
  return b;
}

function readCredit(d: Uint8Array, credits: Credits): void {
  if (d.length < 8) return;
  const view = new DataView(d.buffer, d.byteOffset, 8);
  credits.record(view.getUint32(0), view.getUint32(4));
}

/** The sender's view of its receivers' credits: it may send while within WINDOW of the slowest. */
class Credits {
  private readonly byReceiver = new Map<number, number>();
  forgiven = 0;

  constructor(private readonly receivers: number) {}

  record(from: number, count: number): void {
    this.byReceiver.set(from, Math.max(this.byReceiver.get(from) ?? 0, count));
  }

  /** The slowest receiver's count (0 until every receiver has reported once). */
  slowest(): number {
    if (this.byReceiver.size < this.receivers) return 0;
    let min = Infinity;
    for (const c of this.byReceiver.values()) min = Math.min(min, c);
    return min;
  }

  blocked(sent: number): boolean {
    return sent - Math.max(this.slowest(), this.forgiven) >= WINDOW;
  }
}

async function courierSink(id: number, group: string, port: number, ready: () => void): Promise<{ count: number; seconds: number }> {
  const endpoint = await openMulticast({ port, interface: IFACE, groups: [group], socketReceiveBuffer: SOCKET_BUFFER });
  ready();
  const meter = new Meter();
  void meter.done.then(() => endpoint.close());
  for await (const d of endpoint) if (meter.hit()) await endpoint.send(credit(id, meter.count), d.from);
  return meter.done;
}

async function dgramSink(id: number, group: string, port: number, ready: () => void): Promise<{ count: number; seconds: number }> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: SOCKET_BUFFER });
  await new Promise<void>((resolve) => socket.bind(port, resolve));
  socket.addMembership(group, IFACE);
  socket.setMulticastInterface(IFACE);
  const meter = new Meter();
  socket.on('message', (_m, from) => {
    if (meter.hit()) socket.send(credit(id, meter.count), from.port, from.address);
  });
  ready();
  const result = await meter.done;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return result;
}

async function courierSource(o: Extract<Order, { op: 'source' }>): Promise<{ count: number; seconds: number }> {
  const endpoint = await openMulticast({ port: o.port, interface: IFACE, host: IFACE, socketSendBuffer: SOCKET_BUFFER, socketReceiveBuffer: SOCKET_BUFFER });
  const to = `udp://${o.group}:${o.port}`;
  const message = Buffer.alloc(SIZE, 7);
  const credits = new Credits(o.receivers);
  const end = performance.now() + o.durationMs;
  let sent = 0;
  const take = () => {
    for (let d = endpoint.tryReceive(); d; d = endpoint.tryReceive()) readCredit(d.data, credits);
  };
  while ((sent & 63) !== 0 || performance.now() < end) {
    if (credits.blocked(sent)) {
      take();
      if (!credits.blocked(sent)) continue;
      try {
        readCredit((await endpoint.receive({ timeout: STALL_MS })).data, credits);
      } catch (err) {
        if (!isCourierError(err, 'ERR_TIMEOUT')) throw err;
        credits.forgiven = sent - WINDOW + 1; // what is outstanding after a stall was lost
      }
      continue;
    }
    await endpoint.send(message, to);
    sent++;
  }
  await endpoint.close();
  return { count: sent, seconds: o.durationMs / 1000 };
}

async function dgramSource(o: Extract<Order, { op: 'source' }>): Promise<{ count: number; seconds: number }> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER });
  await new Promise<void>((resolve) => socket.bind(0, IFACE, resolve));
  socket.setMulticastInterface(IFACE);
  const message = Buffer.alloc(SIZE, 7);
  const credits = new Credits(o.receivers);
  const end = performance.now() + o.durationMs;
  let sent = 0;
  await new Promise<void>((resolve) => {
    let stall: NodeJS.Timeout | undefined;
    const pump = () => {
      while ((sent & 63) !== 0 || performance.now() < end) {
        if (credits.blocked(sent)) {
          stall ??= setTimeout(() => {
            stall = undefined;
            credits.forgiven = sent - WINDOW + 1;
            pump();
          }, STALL_MS);
          return;
        }
        socket.send(message, o.port, o.group);
        sent++;
      }
      clearTimeout(stall);
      resolve();
    };
    socket.on('message', (m) => {
      readCredit(m, credits);
      if (stall && !credits.blocked(sent)) {
        clearTimeout(stall);
        stall = undefined;
        pump();
      }
    });
    pump();
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { count: sent, seconds: o.durationMs / 1000 };
}

async function worker(): Promise<void> {
  const send = (r: Reply) => process.send?.(r);
  process.on('message', (order: Order) => {
    const run =
      order.op === 'sink'
        ? (order.impl === 'courier' ? courierSink : dgramSink)(order.id, order.group, order.port, () => send({ kind: 'ready' }))
        : (order.impl === 'courier' ? courierSource : dgramSource)(order);
    run.then(
      (r) => send({ kind: 'done', ...r }),
      (err: unknown) => send({ kind: 'failed', error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'up' });
}

// ---------------------------------------------------------------- parent side

interface Waiter {
  readonly kind: Reply['kind'];
  readonly resolve: (r: Reply) => void;
  readonly reject: (e: Error) => void;
}

class Worker {
  private readonly child: ChildProcess;
  private readonly waiters: Waiter[] = [];
  readonly up: Promise<unknown>;

  constructor(readonly label: string) {
    this.child = fork(fileURLToPath(import.meta.url), ['--worker'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] });
    this.child.on('message', (r: Reply) => {
      if (r.kind === 'failed') {
        for (const w of this.waiters.splice(0)) w.reject(new Error(`${this.label}: ${r.error}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.kind === r.kind);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(r);
    });
    this.child.once('exit', () => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`${this.label} exited`));
    });
    this.up = this.expect('up', 15_000);
  }

  /** Waits for the next reply of `kind`; rejects on a failure report, on exit, or after `timeoutMs`. */
  expect<K extends Reply['kind']>(kind: K, timeoutMs = ORDER_TIMEOUT_MS): Promise<Extract<Reply, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no '${kind}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        kind,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as Extract<Reply, { kind: K }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  order(o: Order): void {
    this.child.send(o);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** One run: every receiver's rate in its window, datagrams per second. */
async function oneRun(impl: ImplName, receivers: number, sinks: Worker[], source: Worker): Promise<number[]> {
  const group = `239.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  const port = randomInt(20_000, 60_000);
  const used = sinks.slice(0, receivers);
  const readies = used.map((w) => w.expect('ready'));
  const dones = used.map((w) => w.expect('done'));
  used.forEach((w, id) => w.order({ op: 'sink', impl, group, port, id }));
  await Promise.all(readies);
  const sent = source.expect('done');
  source.order({ op: 'source', impl, group, port, receivers, durationMs: WARMUP_MS + MEASURE_MS + SOURCE_MARGIN_MS });
  const results = await Promise.all(dones);
  await sent;
  return results.map((r) => r.count / r.seconds);
}

async function main(): Promise<void> {
  const started = performance.now();
  progress(`multicast benchmark${quick ? ' (quick)' : ''}: ${RUNS} runs per case, ${SIZE} B datagrams, windows of ${WARMUP_MS} + ${MEASURE_MS} ms, on ${IFACE}`);
  const workers = new Map<ImplName, { sinks: Worker[]; source: Worker }>();
  for (const impl of IMPLS) {
    workers.set(impl, { sinks: [0, 1, 2, 3].map((i) => new Worker(`${impl} receiver ${i + 1}`)), source: new Worker(`${impl} sender`) });
  }
  const all = [...workers.values()].flatMap((w) => [...w.sinks, w.source]);
  const killAll = () => all.forEach((w) => w.kill());
  process.once('exit', killAll);
  try {
    await Promise.all(all.map((w) => w.up));
    progress(`workers up after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const runs = new Map<string, number[]>();
    for (let run = 1; run <= RUNS; run++) {
      progress(`run ${run} of ${RUNS}`);
      for (const n of RECEIVER_COUNTS) {
        for (const impl of IMPLS) {
          const w = workers.get(impl)!;
          const rates = await oneRun(impl, n, w.sinks, w.source);
          // The slowest member's rate: with the credit window, the group moves at its pace.
          const rate = Math.min(...rates);
          const key = `${n}|${impl}`;
          runs.set(key, [...(runs.get(key) ?? []), rate]);
          progress(`${n} receiver(s) ${impl}: ${Math.round(rate).toLocaleString('en-US')} datagrams/s per receiver (${rates.map((r) => Math.round(r)).join(', ')})`);
        }
      }
    }
    const report = new BenchReport('multicast', quick);
    for (const n of RECEIVER_COUNTS) {
      for (const impl of IMPLS) {
        report.add({
          case: `multicast ${SIZE}B to ${n} receiver${n > 1 ? 's' : ''}`,
          impl,
          metric: 'throughput',
          unit: 'datagrams/s per receiver',
          better: 'higher',
          runs: runs.get(`${n}|${impl}`) ?? [],
        });
      }
    }
    console.log(report.table());
    const file = report.write();
    progress(`wrote ${file} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    killAll();
  }
}

if (process.argv.includes('--worker')) await worker();
else await main();
