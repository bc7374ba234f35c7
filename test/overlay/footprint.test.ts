// The per-node structures that a simulation of 10,000 nodes multiplies: the request-rate limiter forgets
// sources whose bucket has refilled (without letting anyone exceed the rate), and tables given one
// SharedInterner share each peer's id and address instead of copying them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../src/net/prng.ts';
import { randomId } from '../../src/overlay/id.ts';
import { SharedInterner } from '../../src/overlay/intern.ts';
import { SourceRateLimiter } from '../../src/overlay/rate-limit.ts';
import { RoutingTable } from '../../src/overlay/routing-table.ts';

test('the rate limiter enforces the rate per source, forgets sources idle for two seconds, and tracks at most maxSources', () => {
  const l = new SourceRateLimiter(10, 100);
  let allowed = 0;
  for (let i = 0; i < 50; i++) if (l.allow('a', 0)) allowed++;
  assert.equal(allowed, 10, 'the burst is the rate');
  assert.equal(l.allow('a', 50), false, 'half a token is not enough');
  assert.equal(l.allow('a', 100), true, 'a token refills in 1/rate s');
  // Through generation changes a source keeps its bucket: still no more than the rate.
  let late = 0;
  for (let t = 1000; t < 3000; t += 10) if (l.allow('a', t)) late++;
  assert.ok(late <= 10 + 20 + 1, `at most burst + 2 s × rate, got ${late}`);
  for (let i = 0; i < 20; i++) l.allow(`s${i}`, 3000);
  assert.equal(l.tracked, 21);
  l.allow('b', 5500);
  assert.equal(l.tracked, 1, 'sources idle for two generations are forgotten: their buckets are full again');
  for (let i = 0; i < 500; i++) l.allow(`flood${i}`, 6000);
  assert.equal(l.tracked, 100, 'a flood of sources is capped');
});

test('routing tables given one SharedInterner share ids and addresses; without it each keeps its own', () => {
  const random = new Prng(3);
  const interner = new SharedInterner();
  const peer = randomId(random);
  const a = new RoutingTable(randomId(random), 20, 3200, interner);
  const b = new RoutingTable(randomId(random), 20, 3200, interner);
  a.seen(peer.slice(), `udp://10.0.0.${1}:4000`, 0);
  b.seen(peer.slice(), `udp://10.0.0.${1}:4000`, 0);
  const ca = a.get(peer)!;
  const cb = b.get(peer)!;
  assert.equal(ca.id, cb.id, 'one id object');
  assert.deepEqual([...ca.id], [...peer]);
  assert.equal(interner.size.ids, 1);
  const c = new RoutingTable(randomId(random), 20, 3200);
  const own = peer.slice();
  c.seen(own, 'udp://10.0.0.1:4000', 0);
  assert.equal(c.get(peer)!.id, own);
  // The link counters live on the contact itself.
  ca.link.requests++;
  assert.equal(a.get(peer)!.link.requests, 1);
  const capped = new SharedInterner(1);
  const x = randomId(random);
  const y = randomId(random);
  assert.notEqual(capped.id(x), x);
  assert.equal(capped.id(y), y, 'past maxEntries ids are not interned');
});
