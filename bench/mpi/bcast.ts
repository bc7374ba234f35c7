// Broadcast only, for quick A/B comparisons of the broadcast algorithms: OSU's method (warm-up, then many
// timed iterations between two barriers, averaged). Rank 0 prints one JSON line per size.
// Usage (through the launcher): bcast.ts ITERATIONS [BYTES...]   (default 1 MiB)
import { init } from '../../src/mpi/index.ts';

const iterations = Number(process.argv[2] ?? 50);
const sizes = process.argv.slice(3).map(Number);
const world = await init();
for (const bytes of sizes.length ? sizes : [1024 * 1024]) {
  const block = new Uint8Array(bytes).fill(7);
  const warmup = Math.max(2, Math.round(iterations / 10));
  let started = 0;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) {
      await world.barrier();
      started = performance.now();
    }
    await world.bcast(world.rank === 0 ? block : undefined, 0);
  }
  await world.barrier();
  const ms = (performance.now() - started) / iterations;
  if (world.rank === 0) console.log(JSON.stringify({ bytes, ranks: world.size, ms }));
}
await world.finalize();
