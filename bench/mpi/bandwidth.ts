// Large point-to-point only, for quick A/B comparisons of the large-message path: OSU's one-way bandwidth
// (a window of non-blocking sends, then a short acknowledgement) and a ping-pong. Rank 0 prints one JSON line
// per measurement. `into` receives into one reused array, as OSU's osu_bw and bench/mpi/osu.c do; `new` lets
// every receive return a new array, as bench/mpi/osu.ts does.
// Usage (through the launcher): bandwidth.ts ITERATIONS into|new|into,new [BYTES [WINDOW]]   (default 1 MiB, 64)
import { init } from '../../src/mpi/index.ts';

const iterations = Number(process.argv[2] ?? 10);
const styles = (process.argv[3] ?? 'into').split(',');
const bytes = Number(process.argv[4] ?? 1024 * 1024);
const window = Number(process.argv[5] ?? 64);
const world = await init();
const { rank } = world;
const buffer = new Uint8Array(bytes).fill(rank + 1);
const target = new Uint8Array(bytes);
const warmup = 2;
for (const style of styles) {
const into = style === 'into';
const receive = (source: number, tag: number) => (into ? world.irecv(source, tag, { into: target }) : world.irecv(source, tag));
let started = 0;
for (let i = 0; i < warmup + iterations; i++) {
  if (i === warmup) started = performance.now();
  if (rank === 0) {
    await Promise.all(Array.from({ length: window }, () => world.isend(buffer, 1, 2).wait()));
    await world.recv(1, 3);
  } else if (rank === 1) {
    await Promise.all(Array.from({ length: window }, () => receive(0, 2).wait()));
    await world.send(0, 0, 3);
  }
}
const mbs = (bytes * window * iterations) / ((performance.now() - started) / 1000) / 1e6;
if (rank === 0) console.log(JSON.stringify({ case: 'bandwidth', bytes, window, into, value: Math.round(mbs) }));

const rounds = iterations * 10;
for (let i = 0; i < warmup + rounds; i++) {
  if (i === warmup) started = performance.now();
  if (rank === 0) {
    await world.send(buffer, 1, 1);
    await receive(1, 1).wait();
  } else if (rank === 1) {
    await receive(0, 1).wait();
    await world.send(buffer, 0, 1);
  }
}
const us = ((performance.now() - started) * 1000) / (2 * rounds);
if (rank === 0) console.log(JSON.stringify({ case: 'ping-pong', bytes, into, value: Math.round(us * 10) / 10 }));
}
await world.finalize();
