// The floors under a 1 MiB message between thread ranks: what each step of a large transfer costs alone.
// copy: set() into a reused array; slice: a new array and a copy (what a fresh receive array or the sender's
// own copy costs, page faults and garbage collection included); shared: set() into a reused SharedArrayBuffer
// slab; transfer: one postMessage of a transferred 1 MiB ArrayBuffer between two threads (a ping-pong, one way).
// Usage: node bench/mpi/floor-large.mjs [BYTES]
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker, isMainThread, workerData } from 'node:worker_threads';

const bytes = Number(process.argv[2] ?? 1024 * 1024);
const N = 2000;
if (isMainThread) {
  const src = new Uint8Array(bytes).fill(1);
  const time = (name, step) => {
    for (let i = 0; i < N / 10; i++) step();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) step();
    console.log(name, (((performance.now() - t0) * 1000) / N).toFixed(1), 'us');
  };
  const dst = new Uint8Array(bytes);
  const slab = new Uint8Array(new SharedArrayBuffer(bytes));
  let keep;
  time('copy', () => dst.set(src));
  time('slice', () => (keep = src.slice()));
  time('shared', () => slab.set(src));
  time('from-shared', () => dst.set(slab));
  void keep;
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(new URL(import.meta.url), { workerData: { port: port2, bytes }, transferList: [port2] });
  let n = 0, t0 = 0;
  port1.on('message', (b) => {
    if (++n === 200) t0 = performance.now();
    if (n === 200 + N) {
      console.log('transfer', (((performance.now() - t0) * 1000) / (2 * N)).toFixed(1), 'us one way');
      port1.close();
      void w.terminate();
      return;
    }
    port1.postMessage(b, [b]);
  });
  port1.postMessage(new ArrayBuffer(bytes), []);
} else {
  const { port } = workerData;
  port.on('message', (b) => port.postMessage(b, [b]));
}
