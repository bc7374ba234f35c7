// Small-message ping-pong only, for quick A/B comparisons of the point-to-point path.
// Usage (through the launcher): latency.ts ITERATIONS [BYTES...]
import { init } from '../../src/mpi/index.ts';
import { pingPong } from './osu-measures.ts';

const iterations = Number(process.argv[2] ?? 5000);
const sizes = process.argv.slice(3).map(Number);
const world = await init();
for (const bytes of sizes.length ? sizes : [8, 1024]) {
  const us = await pingPong(world, bytes, iterations, iterations);
  if (world.rank === 0) console.log(JSON.stringify({ bytes, us }));
}
await world.finalize();
