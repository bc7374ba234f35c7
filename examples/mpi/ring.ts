// A token travels around a ring of ranks: rank 0 starts it, each rank adds its rank and passes it on,
// and rank 0 receives the sum back. Then every rank swaps a block with both neighbours at once.
// Run: node bin/courier.mjs run -n 4 examples/mpi/ring.ts
import { init } from 'courier-ipc/mpi';

await using world = await init();
const { rank, size } = world;
const next = (rank + 1) % size;
const prev = (rank - 1 + size) % size;

if (size === 1) {
  console.log('a ring of one rank: run me with courier run -n 4');
} else if (rank === 0) {
  await world.send(0, next, 1);
  const total = await world.recv<number>(prev, 1);
  console.log(`the token came back with ${total} (expected ${(size * (size - 1)) / 2})`);
} else {
  const token = await world.recv<number>(prev, 1);
  console.log(`got the token (${token}) from rank ${prev}, passing it to rank ${next}`);
  await world.send(token + rank, next, 1);
}

// sendrecv exchanges without deadlock, whatever the order ranks get here.
const fromLeft = await world.sendrecv<Float64Array>(new Float64Array(4).fill(rank), next, 2, prev, 2);
console.log(`rank ${rank} received [${fromLeft.join(', ')}] from rank ${prev}`);
