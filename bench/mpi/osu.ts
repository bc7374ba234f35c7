// One rank of the MPI benchmark, measured the OSU micro-benchmarks' way: warm-up iterations, then many
// timed ones, averaged. Rank 0 prints one JSON line per measurement: {case, metric, unit, value}.
// Usage (through the launcher): osu.ts p2p|collectives ROUNDS [--quick]
import { init, SUM } from '../../src/mpi/index.ts';
import { bandwidth, pingPong } from './osu-measures.ts';

const [kind, roundsText] = process.argv.slice(2);
const quick = process.argv.includes('--quick');
const rounds = Number(roundsText ?? 3);
const world = await init();
const { rank } = world;
const report = (name: string, metric: string, unit: string, value: number) => rank === 0 && console.log(JSON.stringify({ case: name, metric, unit, value }));

async function collective(run: () => Promise<unknown>, iterations: number, warmup: number): Promise<number> {
  let started = 0;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) {
      await world.barrier();
      started = performance.now();
    }
    await run();
  }
  await world.barrier();
  return (performance.now() - started) / iterations; // ms per operation
}

const scale = quick ? 0.2 : 1;
const n = (x: number) => Math.max(2, Math.round(x * scale));
for (let round = 0; round < rounds; round++) {
  if (kind === 'p2p') {
    for (const [bytes, label, iterations] of [[8, '8B', 2000], [1024, '1KiB', 2000], [64 * 1024, '64KiB', 300], [1024 * 1024, '1MiB', 40]] as const) {
      report(`ping-pong latency ${label}`, 'latency', 'µs', await pingPong(world, bytes, n(iterations), n(iterations / 10)));
    }
    report('one-way bandwidth 1MiB window 64', 'bandwidth', 'MB/s', await bandwidth(world, 1024 * 1024, 64, n(5), 1, true));
    report('one-way bandwidth 1MiB window 64, new arrays', 'bandwidth', 'MB/s', await bandwidth(world, 1024 * 1024, 64, n(5), 1, false));
  } else {
    const values = new Float64Array(1_000_000).fill(rank);
    report('allreduce 1M float64 (4 ranks)', 'time', 'ms', await collective(() => world.allreduce(values, SUM), n(10), 2));
    const block = new Uint8Array(1024 * 1024);
    report('bcast 1MiB (4 ranks)', 'time', 'ms', await collective(() => world.bcast(rank === 0 ? block : undefined, 0), n(20), 2));
  }
}
await world.finalize();
