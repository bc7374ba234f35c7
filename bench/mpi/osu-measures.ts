// The point-to-point measures of the OSU micro-benchmarks, shared by the full benchmark (osu.ts) and the A/B
// scripts (latency.ts, bandwidth.ts): warm-up iterations, then timed ones, averaged; between ranks 0 and 1.
import type { World } from '../../src/mpi/index.ts';

/**
 * Ping-pong of `bytes` between ranks 0 and 1: one-way latency, µs. `into`: every receive into one array
 * (as OSU's osu_latency does); else each returns a new one.
 */
export async function pingPong(world: World, bytes: number, iterations: number, warmup: number, into = true): Promise<number> {
  const buffer = new Uint8Array(bytes);
  const target = new Uint8Array(bytes);
  const receive = (source: number) => (into ? world.recv(source, 1, { into: target }) : world.recv(source, 1));
  let started = 0;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) started = performance.now();
    if (world.rank === 0) {
      await world.send(buffer, 1, 1);
      await receive(1);
    } else if (world.rank === 1) {
      await receive(0);
      await world.send(buffer, 0, 1);
    }
  }
  return ((performance.now() - started) * 1000) / (2 * iterations);
}

/**
 * One-way bandwidth from rank 0 to rank 1, a window of `window` messages of `bytes` at a time, MB/s.
 * `into`: every receive of the window into one array, as OSU's osu_bw and osu.c do; else each returns a new one.
 */
export async function bandwidth(world: World, bytes: number, window: number, iterations: number, warmup: number, into: boolean): Promise<number> {
  const buffer = new Uint8Array(bytes);
  const target = new Uint8Array(bytes);
  let started = 0;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) started = performance.now();
    if (world.rank === 0) {
      await Promise.all(Array.from({ length: window }, () => world.isend(buffer, 1, 2).wait()));
      await world.recv(1, 3);
    } else if (world.rank === 1) {
      const rs = Array.from({ length: window }, () => (into ? world.irecv(0, 2, { into: target }) : world.irecv(0, 2)));
      await Promise.all(rs.map((r) => r.wait()));
      await world.send(0, 0, 3);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return (bytes * window * iterations) / seconds / 1e6;
}
