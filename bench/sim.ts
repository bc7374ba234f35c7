// Simulation benchmark: datagrams the simulated network delivers per second of wall time, at 100, 1,000
// and 10,000 endpoints (and per second of CPU time, steadier on a shared machine). Each endpoint sends to
// a random one of its next 16 neighbours every virtual millisecond over a full mesh with 1–50 ms latencies
// and 1% loss; receivers drain on readiness, as an application would. There is no peer implementation to compare with here: the rows are courier's alone.
// Usage: npm run bench -- sim [--quick]
import { quick } from './lib/args.ts';
import { BenchReport, progress } from './lib/report.ts';
import { SimNetwork } from '../src/net/sim/network.ts';
import { fullMesh } from '../src/net/sim/topology.ts';

const RUNS = quick ? 3 : 5;
const DATAGRAMS = quick ? 200_000 : 1_000_000;
const SIZES = [100, 1000, 10_000];

/**
 * One run: delivered datagrams per second of wall time, and per second of this process's CPU time (which a
 * busy, shared machine disturbs less). Setting up the endpoints is not counted.
 */
function run(endpoints: number, seed: number): { rate: number; cpuRate: number; delivered: number; wallMs: number } {
  const net = new SimNetwork({ seed, topology: fullMesh({ latency: { min: 1, max: 50 }, seed }), link: { loss: 0.01 } });
  const eps = Array.from({ length: endpoints }, (_, i) => net.bind(`udp://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9000`));
  let delivered = 0;
  for (const e of eps) {
    e.onReadable(() => {
      while (e.tryReceive()) delivered++;
    });
  }
  const payload = new Uint8Array(64);
  const rng = net.random.fork();
  const rounds = Math.ceil(DATAGRAMS / endpoints);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < endpoints; i++) void eps[i]!.send(payload, eps[(i + 1 + rng.int(16)) % endpoints]!.address);
    net.clock.advance(1);
  }
  net.clock.runAll();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { rate: (delivered / wallMs) * 1000, cpuRate: (delivered / cpuMs) * 1000, delivered, wallMs };
}

const report = new BenchReport('sim', quick);
for (const n of SIZES) {
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { rate, cpuRate, delivered, wallMs } = run(n, r + 1);
    runs.push(rate);
    cpuRuns.push(cpuRate);
    progress(`${n} endpoints, run ${r + 1}/${RUNS}: ${delivered} delivered in ${wallMs.toFixed(0)} ms (${Math.round(rate)}/s)`);
  }
  const name = `${n} endpoints, ${DATAGRAMS / 1000}k datagrams`;
  report.add({ case: name, impl: 'courier', metric: 'delivered', unit: 'datagram/s', better: 'higher', runs });
  report.add({ case: name, impl: 'courier', metric: 'delivered per CPU second', unit: 'datagram/s', better: 'higher', runs: cpuRuns });
}
console.log(report.table());
console.log('(no peer: nothing else simulates this interface; the rows are absolute figures)');
progress(`wrote ${report.write()}`);
