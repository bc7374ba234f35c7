// The floor under courier's thread ranks: two worker threads ping-ponging through one shared Int32 per direction.
// wait: blocking Atomics.wait/notify (no event loop, as a spinning-free C program would); async: Atomics.waitAsync
// (the event loop wakes the thread, as courier does). Usage: node bench/mpi/floor-threads.mjs wait|async
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
const N = 40000, W = 4000;
if (isMainThread) {
  const mode = process.argv[2] ?? 'async';
  const sab = new SharedArrayBuffer(16);
  const ws = [0, 1].map((me) => new Worker(new URL(import.meta.url), { workerData: { sab, me, mode } }));
  ws[0].on('message', (us) => { console.log(mode, us.toFixed(2), 'us one-way'); process.exit(0); });
} else {
  const { sab, me, mode } = workerData; const a = new Int32Array(sab); setInterval(() => {}, 1e6); // waitAsync alone does not keep a thread alive
  const mine = me, theirs = 1 - me;
  let t0 = 0;
  const send = (i) => { Atomics.store(a, theirs, i); Atomics.notify(a, theirs); };
  if (mode === 'wait') {
    for (let i = 1; i <= N + W; i++) {
      if (i === W) t0 = performance.now();
      if (me === 0) { send(i); while (Atomics.load(a, mine) !== i) Atomics.wait(a, mine, i - 1); }
      else { while (Atomics.load(a, mine) !== i) Atomics.wait(a, mine, i - 1); send(i); }
    }
    if (me === 0) parentPort.postMessage(((performance.now() - t0) * 1000) / (2 * N));
  } else {
    for (let i = 1; i <= N + W; i++) {
      if (i === W) t0 = performance.now();
      if (me === 0) send(i);
      while (Atomics.load(a, mine) !== i) { const r = Atomics.waitAsync(a, mine, i - 1); if (r.async) await r.value; }
      if (me === 1) send(i);
    }
    if (me === 0) parentPort.postMessage(((performance.now() - t0) * 1000) / (2 * N));
  }
}
