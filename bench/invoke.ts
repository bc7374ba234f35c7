// Remote invocation benchmark: a small call (two int32 in, one out) and a 64 KiB argument, courier over
// TCP and over UDP, against @grpc/grpc-js unary calls with the same payload, and against the ceiling: a
// bare request-reply over node:net with a 4-byte length prefix and JSON bodies. The server runs in a
// child process (bench/invoke/server.ts); this process is the client.
// Usage: npm run bench -- invoke [--quick]
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ObjectEndpoint } from '../src/invoke/objects.ts';
import { parseRef } from '../src/invoke/reference.ts';
import { StreamRequestReply } from '../src/invoke/stream-request-reply.ts';
import { UdpRequestReply } from '../src/invoke/udp-request-reply.ts';
import { bindUdp } from '../src/net/udp.ts';
import { quick } from './lib/args.ts';
import { BenchReport, median, percentile, progress } from './lib/report.ts';
import { Calc, frame, grpcService, unframer, type ServerImpl } from './invoke/protocol.ts';

const RUNS = quick ? 3 : 5;
const THROUGHPUT_MS = quick ? 500 : 2000;
const IN_FLIGHT = 16;
const LATENCY_CALLS = quick ? 1000 : 5000;
const BIG = Buffer.alloc(64 * 1024, 7);

/** A client of one implementation: `add` and `take`, each one call. */
interface Client {
  add(a: number, b: number): Promise<number>;
  take(data: Buffer): Promise<number>;
  close(): Promise<void>;
}

async function startServer(impl: ServerImpl): Promise<{ child: ChildProcess; address: string }> {
  const child = fork(fileURLToPath(new URL('./invoke/server.ts', import.meta.url)), [impl], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] });
  const [message] = (await once(child, 'message')) as [{ address: string }];
  return { child, address: message.address };
}

async function connectClient(impl: ServerImpl, address: string): Promise<Client> {
  switch (impl) {
    case 'courier-tcp':
    case 'courier-udp': {
      const ref = parseRef(address);
      const transport = impl === 'courier-tcp' ? await StreamRequestReply.listen('tcp://127.0.0.1:0') : new UdpRequestReply(await bindUdp('udp://127.0.0.1:0', { socketReceiveBuffer: 4 << 20, maxQueued: 4096 }));
      const endpoint = new ObjectEndpoint(transport, { call: { timeout: 10_000 } });
      const proxy = endpoint.proxy(ref, Calc);
      return { add: (a, b) => proxy.add(a, b), take: (d) => proxy.take(d), close: () => endpoint.close() };
    }
    case '@grpc/grpc-js': {
      const Ctor = grpc.makeGenericClientConstructor(grpcService as unknown as grpc.ServiceDefinition, 'Calc');
      const client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as Record<string, (req: unknown, cb: (err: Error | null, r: number) => void) => void>;
      const call = (method: string, req: unknown) => new Promise<number>((resolve, reject) => client[method]!.call(client, req, (err, r) => (err ? reject(err) : resolve(r))));
      return {
        add: (a, b) => call('add', { a, b }),
        take: (d) => call('take', d),
        close: async () => (client as unknown as grpc.Client).close(),
      };
    }
    case 'node:net': {
      const [host, port] = address.split(':') as [string, string];
      const socket = net.connect(Number(port), host);
      socket.setNoDelay(true);
      await once(socket, 'connect');
      const pending = new Map<number, (r: number) => void>();
      let nextId = 1;
      socket.on('data', unframer((m) => pending.get(m['id'] as number)?.(m['r'] as number)));
      const call = (body: Record<string, unknown>) =>
        new Promise<number>((resolve) => {
          const id = nextId++;
          pending.set(id, (r) => {
            pending.delete(id);
            resolve(r);
          });
          socket.write(frame({ id, ...body }));
        });
      return {
        add: (a, b) => call({ op: 'add', a, b }),
        take: (d) => call({ op: 'take', data: d.toString('base64') }),
        close: async () => void socket.destroy(),
      };
    }
  }
}

/** Calls per second with IN_FLIGHT calls outstanding, over `ms` milliseconds. */
async function throughput(call: () => Promise<number>, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const loop = async () => {
    while (performance.now() < end) {
      await call();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  return done / ((performance.now() - started) / 1000);
}

/** Latencies of `n` calls made one at a time, in milliseconds. */
async function latencies(call: () => Promise<number>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    out.push(performance.now() - t0);
  }
  return out;
}

const report = new BenchReport('invoke', quick);
const impls: { impl: ServerImpl; name: string; transport: 'tcp' | 'udp' }[] = [
  { impl: 'courier-tcp', name: 'courier', transport: 'tcp' },
  { impl: '@grpc/grpc-js', name: '@grpc/grpc-js', transport: 'tcp' },
  { impl: 'node:net', name: 'node:net', transport: 'tcp' },
  { impl: 'courier-udp', name: 'courier', transport: 'udp' },
];

for (const { impl, name, transport } of impls) {
  progress(`${impl}: starting server`);
  const { child, address } = await startServer(impl);
  try {
    const client = await connectClient(impl, address);
    const cases = [
      { label: 'small call', call: () => client.add(20, 22), expect: 42 },
      { label: '64 KiB argument', call: () => client.take(BIG), expect: BIG.length },
    ];
    for (const c of cases) {
      if ((await c.call()) !== c.expect) throw new Error(`${impl} ${c.label}: wrong result`);
      await latencies(c.call, Math.min(200, LATENCY_CALLS)); // warm-up
      const rates: number[] = [];
      const medians: number[] = [];
      const p99s: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        progress(`${impl} ${c.label}: run ${run + 1}/${RUNS}`);
        rates.push(await throughput(c.call, THROUGHPUT_MS));
        const lat = await latencies(c.call, LATENCY_CALLS);
        medians.push(median(lat));
        p99s.push(percentile(lat, 99));
      }
      const kase = `${c.label} (${transport})`;
      report.add({ case: `${kase}, ${IN_FLIGHT} in flight`, impl: name, metric: 'throughput', unit: 'calls/s', better: 'higher', runs: rates });
      report.add({ case: `${kase}, one at a time`, impl: name, metric: 'latency median', unit: 'ms', better: 'lower', runs: medians });
      report.add({ case: `${kase}, one at a time`, impl: name, metric: 'latency p99', unit: 'ms', better: 'lower', runs: p99s });
    }
    await client.close();
  } finally {
    child.disconnect();
    child.kill();
  }
}

console.log(report.table());
console.log('\nudp rows have no peer: gRPC and the bare baseline run over TCP only.');
progress(`wrote ${report.write()}`);
