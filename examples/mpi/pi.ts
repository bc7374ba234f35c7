// Computes pi by integrating 4 / (1 + x^2) over [0, 1]: each rank sums every size-th strip of the
// midpoint rule, and a reduction adds the parts up at rank 0.
// Run: node bin/courier.mjs run -n 4 examples/mpi/pi.ts [STRIPS]
import { init, SUM } from 'courier-ipc/mpi';

await using world = await init();
const strips = await world.bcast(Number(process.argv[2] ?? 10_000_000), 0);
const width = 1 / strips;
const started = performance.now();
let part = 0;
for (let i = world.rank; i < strips; i += world.size) {
  const x = (i + 0.5) * width;
  part += 4 / (1 + x * x);
}
const pi = await world.reduce(part * width, SUM, 0);
if (world.rank === 0) {
  const ms = performance.now() - started;
  console.log(`pi ≈ ${pi!.toFixed(12)} (error ${Math.abs(pi! - Math.PI).toExponential(2)}) from ${strips} strips on ${world.size} ranks in ${ms.toFixed(0)} ms`);
}
