import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../src/net/prng.ts';
import { idFromKey } from '../../src/overlay/id.ts';
import { simOverlay } from './helpers.ts';

const text = (b: Uint8Array) => Buffer.from(b).toString();

test('put replicates a value to the k closest nodes, and get finds it from any node', () => {
  const o = simOverlay(80, 12);
  let stored = 0;
  o.nodes[0]!.putWith('colour', Buffer.from('blue'), (n) => (stored = n));
  o.net.clock.advance(5000);
  assert.equal(stored, 20);
  const holders = o.nodes.filter((n) => n.store.get(idFromKey('colour'), o.net.clock.now()).length > 0);
  assert.equal(holders.length, 20);
  // The holders are the 20 XOR-closest nodes to the key.
  const key = idFromKey('colour');
  const closest = [...o.nodes].sort((a, b) => Buffer.compare(Buffer.from(a.id.map((x, i) => x ^ key[i]!)), Buffer.from(b.id.map((x, i) => x ^ key[i]!)))).slice(0, 20);
  assert.deepEqual(holders.map((n) => n.address).sort(), closest.map((n) => n.address).sort());
  let got: string[] = [];
  o.nodes[50]!.getWith('colour', (v) => (got = v.map(text)));
  o.net.clock.advance(5000);
  assert.deepEqual(got, ['blue']);
  let none: Uint8Array[] | undefined;
  o.nodes[60]!.getWith('shape', (v) => (none = v));
  o.net.clock.advance(5000);
  assert.deepEqual(none, []);
});

test('values expire after their TTL unless republished; the publisher republishes', () => {
  const o = simOverlay(40, 13, { valueTtlMs: 60_000, republishIntervalMs: 0 });
  o.nodes[0]!.putWith('a', Buffer.from('1'), () => {});
  o.net.clock.advance(5000);
  const holders = () => o.nodes.filter((n) => n.store.get(idFromKey('a'), o.net.clock.now()).length > 0).length;
  assert.equal(holders(), 20);
  o.net.clock.advance(70_000);
  assert.equal(holders(), 0, 'expired');

  const p = simOverlay(40, 14, { valueTtlMs: 60_000, republishIntervalMs: 20_000 });
  p.nodes[0]!.putWith('b', Buffer.from('2'), () => {});
  p.net.clock.advance(200_000);
  assert.ok(p.nodes.filter((n) => n.store.get(idFromKey('b'), p.net.clock.now()).length > 0).length >= 20, 'republished');
});

test('gets succeed after a fifth of the nodes fail at once', () => {
  const o = simOverlay(100, 15);
  for (let v = 0; v < 20; v++) o.nodes[v]!.putWith(`key ${v}`, Buffer.from(`value ${v}`), () => {});
  o.net.clock.advance(5000);
  const rnd = new Prng(3);
  for (let i = 0; i < 20; i++) void o.nodes.splice(rnd.int(o.nodes.length), 1)[0]!.close();
  let ok = 0;
  for (let v = 0; v < 20; v++) o.nodes[rnd.int(o.nodes.length)]!.getWith(`key ${v}`, (vals) => (ok += vals.some((x) => text(x) === `value ${v}`) ? 1 : 0));
  o.net.clock.advance(20_000);
  assert.equal(ok, 20);
});
