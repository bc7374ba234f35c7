// The layer between the raw sockets (floor-sockets.mjs) and courier's process ranks: courier message
// streams alone (framing, acknowledgements, flow control; no matching) ping-ponging 8 bytes between two
// processes. Usage: node --import tsx bench/mpi/floor-stream.ts unix|tcp
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAddress } from '../../src/net/address.ts';
import { connect, listen } from '../../src/net/tcp.ts';

const N = 20_000;
const WARMUP = 2_000;
const mode = process.argv[2] === 'tcp' ? 'tcp' : 'unix';
if (process.argv[3] === 'child') {
  const stream = await connect(process.argv[4]!);
  for (let m = await stream.receive(); m !== null; m = await stream.receive()) await stream.send(m);
  await stream.close();
} else {
  const path = join(tmpdir(), `courier-floor-stream-${process.pid}.sock`);
  const listener = await listen(mode === 'unix' ? `ipc://${path}` : 'tcp://127.0.0.1:0');
  fork(process.argv[1]!, [mode, 'child', formatAddress(listener.address)], { execArgv: process.execArgv });
  const stream = await listener.accept();
  const message = new Uint8Array(8);
  let started = 0;
  for (let i = 0; i < N + WARMUP; i++) {
    if (i === WARMUP) started = performance.now();
    await stream.send(message);
    await stream.receive();
  }
  console.log(mode, (((performance.now() - started) * 1000) / (2 * N)).toFixed(2), 'us one-way');
  await stream.end();
  await stream.close();
  await listener.close();
  rmSync(path, { force: true });
}
