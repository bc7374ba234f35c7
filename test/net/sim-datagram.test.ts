import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { select } from '../../src/net/select.ts';
import { SimNetwork } from '../../src/net/sim/network.ts';

const bytes = (s: string) => Buffer.from(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();

test('a simulated endpoint is bound at creation, addressed like a real one, and receives after the link latency', async () => {
  const net = new SimNetwork({ seed: 1, link: { latency: 5 } });
  const a = net.bind('udp://10.0.0.1:9000');
  const b = net.bind('udp://10.0.0.2:0');
  assert.deepEqual(a.address, { transport: 'udp', host: '10.0.0.1', port: 9000 });
  assert.ok(b.address.port >= 49152);
  await a.send(bytes('hello'), b.address);
  assert.equal(b.tryReceive(), undefined);
  net.clock.advance(4.9);
  assert.equal(b.tryReceive(), undefined);
  net.clock.advance(0.1);
  const d = b.tryReceive();
  assert.ok(d);
  assert.equal(text(d.data), 'hello');
  assert.deepEqual(d.from, a.address);
  assert.equal(net.clock.now(), 5);
  // Replying to `from` (and to text addresses) works the same way.
  await b.send(bytes('back'), d.from);
  await b.send(bytes('again'), 'udp://10.0.0.1:9000');
  net.clock.runAll();
  assert.equal(text(a.tryReceive()!.data), 'back');
  assert.equal(text(a.tryReceive()!.data), 'again');
  assert.throws(() => net.bind('udp://10.0.0.1:9000'), (e) => isCourierError(e, 'ERR_ADDRESS_IN_USE'));
  assert.throws(() => net.bind('tcp://10.0.0.1:9000'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
});

test('the receive buffer truncates or rejects, and a full queue drops and counts', async () => {
  const net = new SimNetwork();
  const a = net.bind('udp://10.0.0.1:1');
  const cut = net.bind('udp://10.0.0.2:1', { receiveBufferSize: 16 });
  const strict = net.bind('udp://10.0.0.3:1', { receiveBufferSize: 16, oversize: 'reject' });
  const small = net.bind('udp://10.0.0.4:1', { maxQueued: 3 });
  await a.send(new Uint8Array(100).fill(7), cut.address);
  await a.send(new Uint8Array(100), strict.address);
  await a.send(bytes('fits'), strict.address);
  for (let i = 0; i < 5; i++) await a.send(bytes(String(i)), small.address);
  net.clock.runAll();
  const d = cut.tryReceive()!;
  assert.deepEqual([d.data.length, d.size, d.truncated, cut.stats().truncated], [16, 100, true, 1]);
  assert.equal(text(strict.tryReceive()!.data), 'fits');
  assert.equal(strict.stats().rejected, 1);
  assert.equal(small.stats().received, 5);
  assert.equal(small.stats().dropped, 2);
  assert.deepEqual([small.tryReceive(), small.tryReceive(), small.tryReceive()].map((x) => text(x!.data)), ['0', '1', '2']);
  await assert.rejects(a.send(new Uint8Array(70_000), cut.address), (e) => isCourierError(e, 'ERR_MESSAGE_TOO_LARGE'));
});

test('receive waits on the virtual clock: it times out in virtual time, aborts, and select sees readiness', async () => {
  const net = new SimNetwork({ link: { latency: 20 } });
  const a = net.bind('udp://10.0.0.1:1');
  const b = net.bind('udp://10.0.0.2:1');
  const timedOut = b.receive({ timeout: 10 }).then(
    () => 'received',
    (e: unknown) => (isCourierError(e, 'ERR_TIMEOUT') ? `timeout at ${net.clock.now()}` : 'other'),
  );
  await net.clock.advanceAsync(15);
  assert.equal(await timedOut, 'timeout at 10');
  const controller = new AbortController();
  const aborted = b.receive({ signal: controller.signal });
  controller.abort();
  await assert.rejects(aborted, (e) => isCourierError(e, 'ERR_ABORTED'));

  const ready = select([a, b], { timeout: 1000, clock: net.clock });
  await a.send(bytes('x'), b.address);
  await net.clock.advanceAsync(20);
  assert.deepEqual(await ready, [b]);
  const pending = b.receive({ timeout: 1000 });
  assert.equal(text((await pending).data), 'x');
});

test('async iteration ends at close, and closing makes later arrivals unreachable', async () => {
  const net = new SimNetwork({ link: { latency: 1 } });
  const a = net.bind('udp://10.0.0.1:1');
  const b = net.bind('udp://10.0.0.2:1');
  for (let i = 0; i < 3; i++) await a.send(bytes(String(i)), b.address);
  const seen: string[] = [];
  const done = (async () => {
    for await (const d of b) seen.push(text(d.data));
  })();
  await net.clock.runAllAsync();
  await a.send(bytes('late'), b.address);
  await b.close();
  await net.clock.runAllAsync();
  await done;
  assert.deepEqual(seen, ['0', '1', '2']);
  await assert.rejects(b.receive(), (e) => isCourierError(e, 'ERR_CLOSED'));
  assert.equal(net.counters().unreachable, 1);
  await a.send(bytes('nobody'), 'udp://10.9.9.9:9');
  assert.equal(net.counters().unreachable, 2);
  assert.deepEqual(net.counters().sent, 5);
});
