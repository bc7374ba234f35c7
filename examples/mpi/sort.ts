// A parallel sample sort of N random numbers: each rank sorts its share, the ranks agree on splitters from
// a sample, exchange values with alltoallv so that rank r holds the r-th range, and sort again. Then each
// rank checks its first value against its left neighbour's last.
// Run: node bin/courier.mjs run -n 4 examples/mpi/sort.ts [N]
import { init, LAND, SUM } from 'courier-ipc/mpi';

await using world = await init();
const { rank, size } = world;
const total = await world.bcast(Number(process.argv[2] ?? 1_000_000), 0);
const mine = Float64Array.from({ length: Math.floor(total / size) + (rank < total % size ? 1 : 0) }, () => Math.random());
const started = performance.now();
mine.sort();

// Splitters: every rank offers `size` evenly spaced samples; rank 0 sorts all of them and takes the
// midpoints between consecutive groups of `size`.
const samples = Float64Array.from({ length: size }, (_, i) => mine[Math.floor(((i + 0.5) * mine.length) / size)] ?? 0);
const gathered = await world.gatherv(samples, 0);
const splitters = await world.bcast(
  gathered ? Float64Array.from({ length: size - 1 }, (_, i) => (gathered.data.sort()[(i + 1) * size - 1]! + gathered.data[(i + 1) * size]!) / 2) : undefined,
  0,
);

// Rank r gets the values between splitter r-1 and splitter r.
const counts = new Array<number>(size).fill(0);
let bucket = 0;
for (const value of mine) {
  while (bucket < size - 1 && value >= splitters![bucket]!) bucket++;
  counts[bucket]!++;
}
const { data } = await world.alltoallv(mine, counts);
data.sort();

// Check: locally sorted, and ordered across neighbours.
const left = await world.sendrecv<number>(data[data.length - 1] ?? -Infinity, (rank + 1) % size, 1, (rank - 1 + size) % size, 1);
const ordered = data.every((v, i) => i === 0 || data[i - 1]! <= v) && (rank === 0 || data.length === 0 || left <= data[0]!);
// One collective at a time on a communicator: each is awaited before the next starts.
const allOrdered = await world.allreduce(ordered, LAND);
const count = await world.allreduce(data.length, SUM);
console.log(`rank ${rank} holds ${data.length} values in [${data[0]?.toFixed(3)}, ${data[data.length - 1]?.toFixed(3)}]`);
if (rank === 0) console.log(`sorted ${count} of ${total} values on ${size} ranks in ${(performance.now() - started).toFixed(0)} ms; globally ordered: ${allOrdered}`);
