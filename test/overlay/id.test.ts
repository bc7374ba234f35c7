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
test('proximity neighbour selection: a clearly faster peer replaces only the slowest measured contact of a full bucket', () => {
  const self = new Uint8Array(20);
  const table = new RoutingTable(self, 3, 100);
  const mk = (b: number) => {
    const x = new Uint8Array(20);
    x[0] = 0x80;
    x[19] = b;
    return x;
  };
  table.seen(mk(1), 'a', 1);
  table.seen(mk(2), 'b', 2);
  // Not full yet: nothing to replace.
  assert.equal(table.replaceSlowest(mk(9), 'z', 1, 0.5, 3), false);
  table.seen(mk(3), 'c', 3);
  // No contact measured: the old ones stay.
  assert.equal(table.replaceSlowest(mk(9), 'z', 1, 0.5, 4), false);
  table.get(mk(1))!.link.srtt = 100;
  table.get(mk(2))!.link.srtt = 40;
  // Not under half the slowest (100 ms): no change.
  assert.equal(table.replaceSlowest(mk(4), 'd', 60, 0.5, 5), false);
  // A peer already in the bucket is not added twice.
  assert.equal(table.replaceSlowest(mk(2), 'b', 1, 0.5, 5), false);
  assert.equal(table.replaceSlowest(mk(4), 'd', 30, 0.5, 6), true);
  assert.equal(table.get(mk(1)), undefined, 'the slowest contact gave way');
  assert.equal(table.get(mk(4))!.link.srtt, 30, 'the newcomer keeps its measured RTT');
  assert.ok(table.get(mk(2)) && table.get(mk(3)), 'the rest of the bucket stays');
  assert.equal(table.size, 3);
});

test('nearest() lists the measured contacts by RTT, nearest first, and skips unmeasured ones', () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }), { maxLength: 60 }), fc.integer({ min: 0, max: 10 }), (rtts, n) => {
      const r = new Prng(3);
      const table = new RoutingTable(randomId(r), 20, 1000);
      rtts.forEach((rtt, i) => {
        const peer = randomId(r);
        table.seen(peer, `udp://10.0.0.${i}:1`, i);
        const c = table.get(peer);
        if (c) c.link.srtt = rtt;
      });
      const measured = table.contacts().flatMap((c) => (c.link.srtt === undefined ? [] : [c.link.srtt]));
      const got = table.nearest(n).map((c) => c.link.srtt!);
      assert.deepEqual(got, [...measured].sort((a, b) => a - b).slice(0, n));
    }),
  );
});
