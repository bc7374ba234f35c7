import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from '../../src/cli/commands/index.ts';
import { main } from '../../src/cli/main.ts';
import { bindUdp, listen } from '../../src/net/index.ts';
import { captureIO } from './io.ts';

test('courier --help lists every command, and each command has --help with an example', async () => {
  const c = captureIO();
  assert.equal(await main(['--help'], c.io), 0);
  for (const command of commands) {
    assert.match(c.out(), new RegExp(`\\b${command.name}\\b`));
    const h = captureIO();
    assert.equal(await main([command.name, '--help'], h.io), 0);
    assert.match(h.out(), /Usage: courier/);
    assert.match(h.out(), /Example/);
  }
});

test('an unknown command or flag exits non-zero with one clear line', async () => {
  const c = captureIO();
  assert.equal(await main(['frobnicate'], c.io), 2);
  assert.equal(c.err().trim().split('\n').length, 1);
  const f = captureIO();
  assert.equal(await main(['listen', '--bogus', 'udp://127.0.0.1:0'], f.io), 2);
  assert.equal(f.err().trim().split('\n').length, 1);
  const a = captureIO();
  assert.equal(await main(['send', 'udp://nowhere', 'x'], a.io), 1);
  assert.match(a.err(), /^courier send: ERR_INVALID_ADDRESS: /);
});

test('courier send delivers a datagram that a UDP endpoint receives', async () => {
  await using receiver = await bindUdp('udp://127.0.0.1:0');
  const c = captureIO();
  assert.equal(await main(['send', `udp://127.0.0.1:${receiver.address.port}`, 'hello'], c.io), 0);
  assert.equal(Buffer.from((await receiver.receive({ timeout: 2000 })).data).toString(), 'hello');
});

test('courier listen prints what arrives with the sender, and courier send sends stdin lines over TCP', async () => {
  const probe = await listen('tcp://127.0.0.1:0');
  const port = probe.address.transport === 'tcp' ? probe.address.port : 0;
  await probe.close();
  const l = captureIO();
  const listening = main(['listen', `tcp://127.0.0.1:${port}`, '--count', '2'], l.io);
  for (let i = 0; i < 100 && !l.out().includes('listening'); i++) await new Promise((r) => setTimeout(r, 10));
  const s = captureIO('first line\nsecond line\n');
  assert.equal(await main(['send', `tcp://127.0.0.1:${port}`], s.io), 0);
  assert.match(s.err(), /sent 2 message\(s\).*received them all/);
  assert.equal(await listening, 0);
  assert.match(l.out(), /tcp:\/\/127\.0\.0\.1:\d+ {2}10 B {2}"first line"/);
  assert.match(l.out(), /"second line"/);

  const refused = captureIO();
  assert.equal(await main(['send', `tcp://127.0.0.1:${port}`, 'x', '--timeout', '1s'], refused.io), 1);
  assert.match(refused.err(), /ERR_CONNECTION_REFUSED/);
});

test('courier listen flags truncated datagrams', async () => {
  const probe = await bindUdp('udp://127.0.0.1:0');
  const port = probe.address.port;
  await probe.close();
  const l = captureIO();
  const listening = main(['listen', `udp://127.0.0.1:${port}`, '--count', '1', '--buffer', '4'], l.io);
  for (let i = 0; i < 100 && !l.out().includes('listening'); i++) await new Promise((r) => setTimeout(r, 10));
  await using sender = await bindUdp('udp://127.0.0.1:0');
  await sender.send(Buffer.from('truncate me'), `udp://127.0.0.1:${port}`);
  assert.equal(await listening, 0);
  assert.match(l.out(), /4 B {2}"trun" \[truncated: 11 bytes sent, 4 kept\]/);
});
