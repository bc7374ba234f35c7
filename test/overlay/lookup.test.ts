import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareDistance } from '../../src/overlay/distance.ts';
import { idHex, randomId, sameId } from '../../src/overlay/id.ts';
import { Prng } from '../../src/net/prng.ts';
import { simOverlay } from './helpers.ts';

test('after joins, every node knows its nearest neighbours and lookups find the node responsible for a key', () => {
  const o = simOverlay(150, 3);
  // Each node's 5 nearest by XOR are in its table: the part of the table lookups converge through.
  for (const n of o.nodes) {
    const others = o.nodes.filter((x) => x !== n).sort((a, b) => compareDistance(n.id, a.id, b.id));
    for (const near of others.slice(0, 5)) assert.ok(n.table.get(near.id), `${n.address} lacks its neighbour ${near.address}`);
  }
  const rnd = new Prng(9);
  let ok = 0;
  for (let i = 0; i < 100; i++) {
    const key = randomId(rnd);
    const src = o.nodes[rnd.int(o.nodes.length)]!;
    src.lookupWith(key, false, (r) => {
      const found = r.closest[0] && compareDistance(key, r.closest[0].id, src.id) < 0 ? r.closest[0].id : src.id;
      if (sameId(found, o.responsible(key).id)) ok++;
      assert.ok(r.closest.length <= 20 && r.messages >= 1);
    });
  }
  o.net.clock.advance(10_000);
  assert.equal(ok, 100);
});

test('every key has a responsible node: route() delivers once, at the XOR-closest node, calling forward at each hop', () => {
  const o = simOverlay(120, 4);
  const delivered: { at: string; hops: number; path: readonly string[] }[] = [];
  let forwards = 0;
  for (const n of o.nodes) {
    n.app = {
      forward: () => {
        forwards++;
        return undefined;
      },
      deliver: (ctx) => delivered.push({ at: n.address, hops: ctx.hops, path: ctx.path }),
    };
  }
  const rnd = new Prng(5);
  const keys = Array.from({ length: 60 }, () => randomId(rnd));
  for (const key of keys) {
    delivered.length = 0;
    o.nodes[rnd.int(o.nodes.length)]!.route(key, new Uint8Array([1]), { record: true });
    o.net.clock.advance(2000);
    assert.equal(delivered.length, 1, `key ${idHex(key)} delivered ${delivered.length} times`);
    assert.equal(delivered[0]!.at, o.responsible(key).address);
    assert.equal(delivered[0]!.path.length, delivered[0]!.hops + 1, 'the path records every hop');
  }
  assert.ok(forwards > 0);
});

test('forward may change a routed message or stop it', () => {
  const o = simOverlay(40, 6);
  const got: string[] = [];
  for (const n of o.nodes) n.app = { forward: (ctx) => new Uint8Array([...ctx.payload, 42]), deliver: (ctx) => got.push(Buffer.from(ctx.payload).toString('hex')) };
  const key = randomId(new Prng(1));
  const src = o.nodes.find((n) => n !== o.responsible(key))!;
  src.route(key, new Uint8Array([7]));
  o.net.clock.advance(2000);
  assert.equal(got.length, 1);
  assert.ok(got[0]!.startsWith('072a'), 'each forwarding hop appended a byte');
  for (const n of o.nodes) n.app = { forward: () => null, deliver: (ctx) => got.push('stopped?' + ctx.hops) };
  src.route(key, new Uint8Array([7]));
  o.net.clock.advance(2000);
  assert.equal(got.length, 1, 'stopped at the first hop');
});

test('departures: after a fifth of the nodes leave, routes and lookups still reach the responsible live node', () => {
  const o = simOverlay(120, 8);
  const rnd = new Prng(11);
  for (let i = 0; i < 24; i++) {
    const n = o.nodes.splice(rnd.int(o.nodes.length), 1)[0]!;
    void n.close();
  }
  let delivered = 0;
  let right = 0;
  for (const n of o.nodes) n.app = { deliver: () => delivered++ };
  for (let i = 0; i < 50; i++) {
    const key = randomId(rnd);
    const want = o.responsible(key);
    want.app = { deliver: () => { delivered++; right++; } };
    o.nodes[rnd.int(o.nodes.length)]!.route(key, new Uint8Array([1]));
    // Each dead next hop costs two time-outs (the retry covers a lost datagram) before the next one is tried.
    o.net.clock.advance(15_000);
    want.app = { deliver: () => delivered++ };
  }
  assert.equal(delivered, 50);
  assert.equal(right, 50);
  // Dead contacts were dropped from the tables of the nodes that tried them.
  const evictions = o.nodes.reduce((s, n) => s + n.stats().evictions, 0);
  assert.ok(evictions > 0);
});

test('a simulated run is deterministic for a seed', () => {
  const run = () => {
    const o = simOverlay(60, 21);
    const r = new Prng(2);
    const out: string[] = [];
    for (let i = 0; i < 10; i++) o.nodes[r.int(60)]!.lookupWith(randomId(r), false, (x) => out.push(`${x.hops}/${x.messages}/${x.latencyMs.toFixed(3)}`));
    o.net.clock.advance(5000);
    return out.join(',') + ' ' + o.net.counters().sent;
  };
  assert.equal(run(), run());
});

test('a lookup asks a silent node three times before giving up on it, and reports it as unanswered', async () => {
  const { runLookup } = await import('../../src/overlay/lookup.ts');
  const { TableContact } = await import('../../src/overlay/link.ts');
  const r = new Prng(8);
  const target = randomId(r);
  const nodes = Array.from({ length: 6 }, (_, i) => new TableContact(randomId(r), `udp://10.0.0.${i + 1}:1`, 0));
  const lossy = nodes[0]!; // answers only its third request
  const dead = nodes[1]!; // never answers
  const asked = new Map<string, number>();
  const retries: number[] = [];
  const pending: (() => void)[] = [];
  let result: import('../../src/overlay/lookup.ts').LookupResult | undefined;
  runLookup(
    {
      self: randomId(r),
      k: 20,
      alpha: 3,
      proximity: false,
      now: () => 0,
      seeds: () => nodes,
      rttOf: () => undefined,
      request: (to, _body, done, retry) => {
        const n = (asked.get(to.address) ?? 0) + 1;
        asked.set(to.address, n);
        if (to.address === dead.address) retries.push(retry);
        const silent = to.address === dead.address || (to.address === lossy.address && n < 3);
        pending.push(() => done(silent ? undefined : { case: 'nodes', value: [] }));
      },
    },
    target,
    false,
    (x) => (result = x),
  );
  while (pending.length > 0 && result === undefined) pending.shift()!();
  assert.ok(result);
  assert.equal(asked.get(lossy.address), 3);
  assert.equal(asked.get(dead.address), 3);
  assert.ok(result.closest.some((c) => sameId(c.id, lossy.id)), 'the node that answered the third time is in the result');
  assert.deepEqual(result.unanswered.map((c) => c.address), [dead.address]);
  assert.equal(result.timeouts, 5);
  assert.deepEqual(retries, [0, 1, 2], 'each try tells the node how many went unanswered before, so it can wait longer');
});
