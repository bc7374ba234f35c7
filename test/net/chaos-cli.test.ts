import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { chaosCommand } from '../../src/cli/commands/chaos.ts';
import { main } from '../../src/cli/main.ts';
import { bindUdp } from '../../src/net/udp.ts';

function io(signal: AbortSignal) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdin: new PassThrough(), stdout, stderr, signal }, out: () => out, err: () => err };
}

test('courier chaos forwards UDP with the faults asked for and prints a summary when stopped', async () => {
  await using target = await bindUdp('udp://127.0.0.1:0');
  await using client = await bindUdp('udp://127.0.0.1:0');
  // Find a free port for the proxy by binding and releasing one.
  const probe = await bindUdp('udp://127.0.0.1:0');
  const port = probe.address.port;
  await probe.close();
  const stop = new AbortController();
  const t = io(stop.signal);
  const running = chaosCommand.run(
    ['--listen', `udp://127.0.0.1:${port}`, '--target', `udp://127.0.0.1:${target.address.port}`, '--duplicate', '1', '--delay', '1ms', '--seed', '7'],
    t.io,
  );
  while (!t.out().includes('forwarding')) await new Promise((r) => setImmediate(r));
  await client.send(Buffer.from('through'), `udp://127.0.0.1:${port}`);
  for (let i = 0; i < 2; i++) assert.equal(Buffer.from((await target.receive({ timeout: 3000 })).data).toString(), 'through');
  process.emit('SIGUSR1', 'SIGUSR1');
  assert.match(t.out(), /counters so far\n {2}upstream: 1 in, 2 out/);
  stop.abort();
  assert.equal(await running, 0);
  assert.match(t.out(), /stopped; summary/);
  assert.match(t.out(), /upstream: 1 in, 2 out, 0 dropped, 1 duplicated/);
});

test('courier chaos explains a bad flag in one line and exits non-zero; --help shows an example', async () => {
  const t = io(new AbortController().signal);
  assert.equal(await main(['chaos', '--listen', 'udp://127.0.0.1:0', '--target', 'udp://127.0.0.1:9', '--loss', '1.5'], t.io), 2);
  assert.equal(t.err().trim().split('\n').length, 1);
  assert.match(t.err(), /--loss: expected a probability/);
  const u = io(new AbortController().signal);
  assert.equal(await main(['chaos', '--listen', 'udp://127.0.0.1:0', '--target', 'tcp://127.0.0.1:9'], u.io), 1);
  assert.match(u.err(), /ERR_INVALID_ADDRESS/);
  assert.match(chaosCommand.help, /Example:\n {2}courier chaos --listen udp:\/\/127\.0\.0\.1:9001/);
});
