// The floor under courier's process ranks: raw Node sockets (no framing, no matching) ping-ponging 8 bytes
// between two processes. Usage: node bench/mpi/floor-sockets.mjs unix|tcp
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const path = process.argv[2] === 'tcp' ? null : join(tmpdir(), `courier-floor-${process.pid}.sock`);
const N = 20000;
if (process.argv[3] === 'child') {
  const s = net.connect(path ? { path: process.argv[4] } : { port: +process.argv[4], host: '127.0.0.1' });
  s.setNoDelay(true);
  s.on('data', (d) => s.write(d));
} else {
  const srv = net.createServer((s) => {
    s.setNoDelay(true);
    let i = 0, t0 = 0; const msg = Buffer.alloc(8);
    s.on('data', () => { i++; if (i === 1000) t0 = performance.now(); if (i === N + 1000) { console.log(process.argv[2] ?? 'unix', ((performance.now() - t0) * 1000 / (2 * N)).toFixed(2), 'us one-way'); if (path) rmSync(path, { force: true }); process.exit(0); } s.write(msg); });
    s.write(msg);
  });
  srv.listen(path ?? { port: 0, host: '127.0.0.1' }, () => fork(process.argv[1], [process.argv[2] ?? 'unix', 'child', path ?? srv.address().port]));
}
