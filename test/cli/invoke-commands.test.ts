import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { defineInterface } from '../../src/invoke/interface.ts';
import { ObjectEndpoint } from '../../src/invoke/objects.ts';
import { formatRef } from '../../src/invoke/reference.ts';
import { registryAt } from '../../src/invoke/registry.ts';
import { UdpRequestReply } from '../../src/invoke/udp-request-reply.ts';
import { t } from '../../src/marshal/schema.ts';
import { bindUdp } from '../../src/net/udp.ts';
import { captureIO } from './io.ts';

const Adder = defineInterface('Adder', { add: { args: [t.int32(), t.int32()], argNames: ['a', 'b'], result: t.int32() } });

test('courier call invokes a method by reference with JSON arguments, and describes the object', async (t) => {
  const server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')));
  t.after(() => server.close());
  const ref = formatRef(server.export({ add: (a: number, b: number) => a + b }, Adder));
  const c = captureIO();
  assert.equal(await main(['call', ref, 'add', '2', '40'], c.io), 0, c.err());
  assert.equal(c.out(), '42\n');
  const d = captureIO();
  assert.equal(await main(['call', ref, '--describe'], d.io), 0);
  assert.match(d.out(), /Adder\n {2}add\(a: int32, b: int32\): int32/);
  const bad = captureIO();
  assert.equal(await main(['call', ref, 'add', 'x'], bad.io), 2);
  assert.match(bad.err(), /not JSON/);
  server.remove(server.export({ add: () => 0 }, Adder));
  const gone = captureIO();
  assert.equal(await main(['call', ref.replace(/\/1\/Adder/, '/2/Adder'), 'add', '1', '2'], gone.io), 1);
  assert.match(gone.err(), /ERR_NO_SUCH_OBJECT/);
});

test('courier registry serves names that other endpoints bind and look up', async (t) => {
  const probe = await bindUdp('udp://127.0.0.1:0');
  const address = `udp://127.0.0.1:${probe.address.port}`;
  await probe.close();
  const stop = new AbortController();
  const s = captureIO('', stop.signal);
  const serving = main(['registry', 'serve', '--listen', address], s.io);
  for (let i = 0; i < 100 && !s.out().includes('serving'); i++) await new Promise((r) => setTimeout(r, 10));
  t.after(async () => {
    stop.abort();
    await serving;
  });
  const server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { call: { timeout: 2000 } });
  t.after(() => server.close());
  const ref = server.export({ add: (a: number, b: number) => a + b }, Adder);
  await registryAt(server, { transport: 'udp', host: '127.0.0.1', port: Number(address.split(':')[2]) }).bind('adder', ref);
  const l = captureIO();
  assert.equal(await main(['registry', 'lookup', address, 'adder'], l.io), 0, l.err());
  assert.equal(l.out().trim(), formatRef(ref));
  const list = captureIO();
  assert.equal(await main(['registry', 'list', address], list.io), 0);
  assert.equal(list.out(), 'adder\n');
  assert.match(s.out(), /bind adder → udp:\/\//);
});
