import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Prng } from '../../src/net/prng.ts';
import { commonPrefix, compareDistance, distanceBig, distancePrefix } from '../../src/overlay/distance.ts';
import { idFromHex, idFromKey, idHex, randomId } from '../../src/overlay/id.ts';
import { RoutingTable, sortByDistance } from '../../src/overlay/routing-table.ts';

const id = fc.uint8Array({ minLength: 20, maxLength: 20 });

test('a key id is the SHA-1 of its text, and ids round-trip through hex', () => {
  assert.equal(idHex(idFromKey('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  const r = randomId(new Prng(7));
  assert.deepEqual(idFromHex(idHex(r)), r);
  assert.deepEqual(randomId(new Prng(7)), r, 'the same seed gives the same id');
});

test('XOR distance is symmetric, zero only to itself, and compareDistance orders as the integer distance does', () => {
  fc.assert(
    fc.property(id, id, id, (t, a, b) => {
      assert.equal(distanceBig(a, b), distanceBig(b, a));
      assert.equal(distanceBig(a, a), 0n);
      const big = Math.sign(Number(distanceBig(t, a) - distanceBig(t, b)));
      assert.equal(Math.sign(compareDistance(t, a, b)), big);
      // The 48-bit prefix never contradicts the full order.
      const p = Math.sign(distancePrefix(t, a) - distancePrefix(t, b));
      assert.ok(p === 0 || p === big);
      // Bucket index: the shared prefix length is where the distance's top bit is.
      const d = distanceBig(a, b);
      assert.equal(commonPrefix(a, b), d === 0n ? 160 : 160 - d.toString(2).length);
    }),
  );
});

test('closest() returns exactly the n nearest contacts by XOR distance', () => {
  fc.assert(
    fc.property(id, fc.array(id, { minLength: 1, maxLength: 200 }), id, (self, others, target) => {
      const table = new RoutingTable(self, 20, 5000);
      for (const o of others) table.seen(o, 'udp://10.0.0.1:1', 0);
      const all = table.contacts();
      sortByDistance(target, all);
      const got = table.closest(target, 20);
      assert.deepEqual(got.map((c) => idHex(c.id)), all.slice(0, 20).map((c) => idHex(c.id)));
    }),
    { numRuns: 50 },
  );
});

test('a full k-bucket reports its least-recently-seen contact instead of admitting a newcomer', () => {
  const self = new Uint8Array(20);
  const table = new RoutingTable(self, 2, 100);
  const mk = (b: number) => {
    const x = new Uint8Array(20);
    x[0] = 0x80;
    x[19] = b;
    return x;
  };
  assert.equal(table.seen(mk(1), 'a', 1).kind, 'added');
  assert.equal(table.seen(mk(2), 'b', 2).kind, 'added');
  assert.equal(table.seen(mk(1), 'a', 3).kind, 'updated');
  const full = table.seen(mk(3), 'c', 4);
  assert.equal(full.kind, 'full');
  assert.ok(full.kind === 'full' && full.oldest.address === 'b', 'contact 2 was seen least recently');
  assert.equal(table.size, 2);
});
