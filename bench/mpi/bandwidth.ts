// Large point-to-point only, for quick A/B comparisons of the large-message path: OSU's one-way bandwidth
// (a window of non-blocking sends, then a short acknowledgement) and a ping-pong. Rank 0 prints one JSON line
// per measurement. `into` receives into one reused array, as OSU's osu_bw and bench/mpi/osu.c do; `new` lets
// every receive return a new array.
// Usage (through the launcher): bandwidth.ts ITERATIONS into|new|into,new [BYTES [WINDOW]]   (default 1 MiB, 64)
import { init } from '../../src/mpi/index.ts';
import { bandwidth, pingPong } from './osu-measures.ts';

const iterations = Number(process.argv[2] ?? 10);
const styles = (process.argv[3] ?? 'into').split(',');
const bytes = Number(process.argv[4] ?? 1024 * 1024);
const window = Number(process.argv[5] ?? 64);
const world = await init();
const warmup = 2;
for (const style of styles) {
  const into = style === 'into';
  const mbs = await bandwidth(world, bytes, window, iterations, warmup, into);
  if (world.rank === 0) console.log(JSON.stringify({ case: 'bandwidth', bytes, window, into, value: Math.round(mbs) }));
  const us = await pingPong(world, bytes, iterations * 10, warmup, into);
  if (world.rank === 0) console.log(JSON.stringify({ case: 'ping-pong', bytes, into, value: Math.round(us * 10) / 10 }));
}
await world.finalize();
