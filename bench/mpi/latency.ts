// Small-message ping-pong only, for quick A/B comparisons of the point-to-point path.
// Usage (through the launcher): latency.ts ITERATIONS [BYTES...]
import { init } from '../../src/mpi/index.ts';

const iterations = Number(process.argv[2] ?? 5000);
const sizes = process.argv.slice(3).map(Number);
const world = await init();
for (const bytes of sizes.length ? sizes : [8, 1024]) {
  const buffer = new Uint8Array(bytes);
  const into = new Uint8Array(bytes);
  let started = 0;
  const warmup = iterations;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) started = performance.now();
    if (world.rank === 0) {
      await world.send(buffer, 1, 1);
      await world.recv(1, 1, { into });
    } else if (world.rank === 1) {
      await world.recv(0, 1, { into });
      await world.send(buffer, 0, 1);
    }
  }
  const us = ((performance.now() - started) * 1000) / (2 * iterations);
  if (world.rank === 0) console.log(JSON.stringify({ bytes, us }));
}
await world.finalize();
