import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimNetwork } from '../../src/net/sim/network.ts';
import { Prng } from '../../src/net/prng.ts';
import { OverlayNode } from '../../src/overlay/node.ts';
import type { OverlayOptions } from '../../src/overlay/options.ts';

// Ids chosen so that every other node falls in bucket 0 of node `self` (first bit differs).
function idWith(first: number, last: number): Uint8Array {
  const id = new Uint8Array(20);
  id[0] = first;
  id[19] = last;
  return id;
}

function setup(options: OverlayOptions) {
  const net = new SimNetwork({ seed: 2, link: { latency: 5 } });
  let i = 0;
  const make = (id: Uint8Array) => new OverlayNode(net.bind(`udp://10.2.0.${++i}:4000`), { clock: net.clock, random: new Prng(i), id, ...options });
  return { net, make };
}

test('a full bucket admits a newcomer only when its least-recently-seen contact fails a ping', () => {
  const { net, make } = setup({ k: 2, evictionPingAfterMs: 0, livenessIntervalMs: 0, refreshIntervalMs: 0 });
  const self = make(idWith(0x00, 0));
  const old1 = make(idWith(0x80, 1));
  const old2 = make(idWith(0x80, 2));
  for (const n of [old1, old2]) n.pingWith(self.address, () => {});
  net.clock.advance(100);
  assert.equal(self.table.bucketSize(0), 2);
  // The oldest answers its ping: the newcomer is not admitted.
  const newcomer = make(idWith(0x80, 3));
  newcomer.pingWith(self.address, () => {});
  net.clock.advance(2000);
  assert.ok(!self.table.get(newcomer.id));
  assert.ok(self.table.get(old1.id) && self.table.get(old2.id));
  // The oldest (old2 now: old1 was just pinged and answered) leaves; the next newcomer takes its place.
  void old2.close();
  const second = make(idWith(0x80, 4));
  second.pingWith(self.address, () => {});
  net.clock.advance(3000);
  assert.ok(self.table.get(second.id), 'admitted once the old contact failed its ping');
  assert.ok(!self.table.get(old2.id));
  assert.ok(self.table.get(old1.id), 'the live old contact stays');
});

test('liveness checks drop contacts that stopped answering; bucket refresh runs lookups in idle buckets', () => {
  const { net, make } = setup({ staleAfterMs: 10_000, livenessIntervalMs: 5_000, refreshIntervalMs: 60_000, rpcTimeoutMs: 500 });
  const a = make(idWith(0x00, 0));
  const b = make(idWith(0x80, 1));
  const c = make(idWith(0x40, 2));
  let joined = false;
  b.joinWith([a.address], () => (joined = true));
  c.joinWith([a.address], () => {});
  net.clock.advance(3000);
  assert.ok(joined && a.table.get(b.id) && a.table.get(c.id));
  void b.close();
  net.clock.advance(60_000);
  assert.ok(!a.table.get(b.id), 'the silent contact was pinged, failed twice, and left');
  assert.ok(a.table.get(c.id), 'the live one stayed (its pings were answered)');
  const before = c.stats().requestsServed;
  net.clock.advance(120_000);
  assert.ok(c.stats().requestsServed > before, 'refresh lookups reached the other node');
});

test('a node that joined through a node still joining looks again later and finds the rest of the overlay', () => {
  const { net, make } = setup({});
  const a = make(idWith(0x00, 0));
  const b = make(idWith(0x80, 1));
  const c = make(idWith(0x40, 2));
  net.setLink('10.2.0.1', '10.2.0.2', { latency: 50 }); // b's ping to a is slow: b knows nobody for 100 ms
  let joinedWith = -1;
  b.joinWith([a.address], () => {});
  c.joinWith([b.address], (n) => (joinedWith = n));
  net.clock.advance(60);
  assert.equal(joinedWith, 1, 'c learned only b: b had no one else to name yet');
  net.clock.advance(6000);
  assert.ok(c.table.get(a.id), 'the second look found a');
});

test('a joining node repeats a bootstrap ping that was lost', () => {
  const { net, make } = setup({});
  const a = make(idWith(0x00, 0));
  const b = make(idWith(0x80, 1));
  const cut = net.partition(['10.2.0.1'], ['10.2.0.2']);
  net.clock.setTimer(() => cut.heal(), 1500);
  let contacts = -1;
  b.joinWith([a.address], (n) => (contacts = n));
  net.clock.advance(5000);
  assert.equal(contacts, 1, 'the third ping got through');
  assert.ok(a.table.get(b.id) && b.table.get(a.id));
});
