import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isCourierError } from '../../src/errors.ts';
import { startChaosProxy } from '../../src/net/chaos/proxy.ts';
import { bindUdp } from '../../src/net/udp.ts';
import { VirtualClock } from '../../src/net/virtual-clock.ts';

// Polls `condition` until it holds; fails after `ms`.
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('sequenced UDP through the chaos proxy reports exactly the losses, duplicates and reorders it injected', async () => {
  await using receiver = await bindUdp('udp://127.0.0.1:0', { sequencing: { window: 8192 }, maxQueued: 8192, socketReceiveBuffer: 4 << 20 });
  await using proxy = await startChaosProxy({
    listen: 'udp://127.0.0.1:0',
    target: receiver.address,
    loss: 0.1,
    duplicate: 0.05,
    reorder: 0.1,
    reorderDelay: 8,
    delay: 1,
    jitter: 2,
    seed: 7,
  });
  await using sender = await bindUdp('udp://127.0.0.1:0', { sequencing: true });
  const count = 1200;
  for (let i = 0; i < count; i++) {
    await sender.send(Buffer.from(`datagram ${i}`), proxy.address);
    // Paced, so neither the proxy's nor the receiver's kernel buffer overflows on a busy machine.
    if (i % 20 === 19) await sleep(2);
  }
  // Stop injecting, let everything held back go through, then send a last datagram so every gap is known.
  proxy.update({ loss: 0, duplicate: 0, reorder: 0, delay: 0, jitter: 0 });
  await until(() => proxy.stats().held === 0, 5000, 'the proxy to forward what it held');
  await sender.send(Buffer.from('fin'), proxy.address);
  for (;;) {
    const d = await receiver.receive({ timeout: 5000 });
    if (Buffer.from(d.data).toString() === 'fin') break;
  }

  const up = proxy.stats().upstream;
  const [s] = receiver.senderStats();
  assert.ok(s);
  assert.equal(up.received, count + 1);
  assert.ok(up.dropped > 50 && up.duplicated > 20 && up.reordered > 50, `faults happened: ${JSON.stringify(up)}`);
  assert.equal(receiver.stats().received, up.forwarded, 'nothing was lost on loopback besides what the proxy dropped');
  assert.equal(s.lost + s.missing, up.dropped + up.overflowed);
  assert.equal(s.duplicates, up.duplicated);
  assert.equal(s.reordered, up.reordered);
  assert.equal(s.received, up.forwarded);
  assert.equal(s.late, 0);
});

test('replies route back to each client through its own upstream socket, with downstream faults counted', async () => {
  await using echo = await bindUdp('udp://127.0.0.1:0');
  const serving = (async () => {
    for await (const d of echo) await echo.send(d.data, d.from);
  })();
  await using proxy = await startChaosProxy({ listen: 'udp://127.0.0.1:0', target: echo.address, duplicate: 1, seed: 3 });
  await using a = await bindUdp('udp://127.0.0.1:0');
  await using b = await bindUdp('udp://127.0.0.1:0');
  await a.send(Buffer.from('from a'), proxy.address);
  await b.send(Buffer.from('from b'), proxy.address);
  // Every datagram is duplicated both ways: each client gets its own reply four times.
  for (const [client, name] of [[a, 'from a'], [b, 'from b']] as const) {
    for (let i = 0; i < 4; i++) {
      const d = await client.receive({ timeout: 3000 });
      assert.equal(Buffer.from(d.data).toString(), name);
      assert.deepEqual(d.from, proxy.address);
    }
  }
  const s = proxy.stats();
  assert.equal(s.clients, 2);
  assert.equal(s.upstream.duplicated, 2);
  assert.equal(s.downstream.received, 4);
  assert.equal(s.downstream.duplicated, 4);
  assert.equal(s.downstream.forwarded, 8);
  await echo.close();
  await serving;
});

test('the proxy refuses bad settings with one clear error, before binding anything', async () => {
  await assert.rejects(startChaosProxy({ listen: 'udp://127.0.0.1:0', target: 'udp://127.0.0.1:9', loss: 2 }), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  await assert.rejects(startChaosProxy({ listen: 'udp://127.0.0.1:0', target: 'tcp://127.0.0.1:9' }), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
  await assert.rejects(startChaosProxy({ listen: 'udp://localhost:0', target: 'udp://127.0.0.1:9' }), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
  await using first = await startChaosProxy({ listen: 'udp://127.0.0.1:0', target: 'udp://127.0.0.1:9' });
  await assert.rejects(startChaosProxy({ listen: first.address, target: 'udp://127.0.0.1:9' }), (e) => isCourierError(e, 'ERR_ADDRESS_IN_USE'));
});

test('the proxy takes its time from the clock it is given: on a virtual clock, delays pass only when told', async () => {
  const clock = new VirtualClock();
  await using receiver = await bindUdp('udp://127.0.0.1:0');
  await using proxy = await startChaosProxy({ listen: 'udp://127.0.0.1:0', target: receiver.address, delay: 60_000, clock });
  await using sender = await bindUdp('udp://127.0.0.1:0');
  await sender.send(Buffer.from('patience'), proxy.address);
  await until(() => proxy.stats().held === 1, 3000, 'the proxy to hold the datagram');
  assert.equal(receiver.tryReceive(), undefined);
  clock.advance(60_000);
  assert.equal(Buffer.from((await receiver.receive({ timeout: 3000 })).data).toString(), 'patience');
  assert.equal(proxy.stats().held, 0);
});

test('clients past maxClients evict the least recently heard one, whose replies then stop', async () => {
  await using echo = await bindUdp('udp://127.0.0.1:0');
  const serving = (async () => {
    for await (const d of echo) await echo.send(d.data, d.from);
  })();
  await using proxy = await startChaosProxy({ listen: 'udp://127.0.0.1:0', target: echo.address, maxClients: 1 });
  await using a = await bindUdp('udp://127.0.0.1:0');
  await using b = await bindUdp('udp://127.0.0.1:0');
  await a.send(Buffer.from('a'), proxy.address);
  assert.equal(Buffer.from((await a.receive({ timeout: 3000 })).data).toString(), 'a');
  await b.send(Buffer.from('b'), proxy.address);
  assert.equal(Buffer.from((await b.receive({ timeout: 3000 })).data).toString(), 'b');
  const s = proxy.stats();
  assert.deepEqual([s.clients, s.evicted], [2, 1]);
  await echo.close();
  await serving;
});

test('the proxy forwards over IPv6 loopback too', async () => {
  await using target = await bindUdp('udp://[::1]:0');
  await using proxy = await startChaosProxy({ listen: 'udp://[::1]:0', target: target.address, delay: 1 });
  await using client = await bindUdp('udp://[::1]:0');
  await client.send(Buffer.from('six'), proxy.address);
  const d = await target.receive({ timeout: 3000 });
  assert.equal(Buffer.from(d.data).toString(), 'six');
  assert.equal(d.from.host, '::1');
  await target.send(Buffer.from('back'), d.from);
  assert.equal(Buffer.from((await client.receive({ timeout: 3000 })).data).toString(), 'back');
});
