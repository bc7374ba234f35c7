// Relays for nodes behind a NAT-like filter: a filtered node stays out of routing tables, attaches to a
// long-lived reachable node, publishes "reach me via R", and is reached through it; two filtered nodes
// talk through each other's relays; a dead relay is replaced and a node that becomes reachable says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../src/net/prng.ts';
import { sameId } from '../../src/overlay/id.ts';
import { OverlayNode } from '../../src/overlay/node.ts';
import { simOverlay } from './helpers.ts';

const RELAY_OPTIONS = { relayMinUptimeMs: 1000, relayKeepaliveMs: 2000, relayClientTimeoutMs: 9000 };

function filteredNode(o: ReturnType<typeof simOverlay>, host: string, seed: number): OverlayNode {
  const ep = o.net.bind(`udp://${host}:4000`, { filter: { timeoutMs: 10_000 } });
  const node = new OverlayNode(ep, { clock: o.net.clock, random: new Prng(seed), filtered: true, ...RELAY_OPTIONS });
  node.joinWith([o.nodes[0]!.address], () => {});
  return node;
}

function inbox(node: OverlayNode): string[] {
  const got: string[] = [];
  node.app = { receive: (p, from) => got.push(`${Buffer.from(p).toString()} from ${from.address}`) };
  return got;
}

test('filtered nodes are reached through their relays, also by each other; unsolicited direct datagrams do not get in', (t) => {
  const o = simOverlay(30, 5, RELAY_OPTIONS);
  t.after(() => Promise.all(o.nodes.map((n) => n.close())));
  const f1 = filteredNode(o, '10.9.0.1', 101);
  const f2 = filteredNode(o, '10.9.0.2', 102);
  t.after(() => Promise.all([f1.close(), f2.close()]));
  o.net.clock.advance(30_000);
  assert.ok(f1.relayAddress && f2.relayAddress, 'both attached to a relay');
  assert.ok(f1.table.size > 0, 'a filtered node still learns the overlay');
  for (const n of o.nodes) {
    assert.equal(n.table.get(f1.id), undefined, 'read-only: in nobody\'s table');
    assert.equal(n.table.get(f2.id), undefined);
  }
  const got1 = inbox(f1);
  const got2 = inbox(f2);

  // Unsolicited, straight to its address: the filter drops it.
  const a = o.nodes[7]!;
  a.send(f1.address, Buffer.from('direct'));
  o.net.clock.advance(1000);
  assert.deepEqual(got1, []);

  // Through the record and the relay.
  let where: string | undefined;
  a.reachWith(f1.id, (address) => (where = address));
  o.net.clock.advance(5000);
  assert.equal(where, f1.address);
  a.send(where!, Buffer.from('hello f1'));
  o.net.clock.advance(1000);
  assert.deepEqual(got1, [`hello f1 from ${a.address}`]);
  assert.ok(o.nodes.some((n) => n.stats().relayed > 0));

  // Two filtered nodes: f2 finds f1's record, sends through f1's relay; f1 answers through f2's relay.
  let f1Address: string | undefined;
  f2.reachWith(f1.id, (address) => (f1Address = address));
  o.net.clock.advance(5000);
  f2.send(f1Address!, Buffer.from('from f2'));
  o.net.clock.advance(1000);
  assert.equal(got1.at(-1), `from f2 from ${f2.address}`);
  f1.send(f2.address, Buffer.from('back to f2'));
  o.net.clock.advance(1000);
  assert.deepEqual(got2, [`back to f2 from ${f1.address}`]);
  // And requests with replies work both ways too.
  let rtt: number | undefined;
  f2.pingWith(f1.address, (ms) => (rtt = ms));
  o.net.clock.advance(3000);
  assert.ok(rtt !== undefined && rtt > 0);
});

test('a filtered node whose relay dies attaches to another and updates its record; one that becomes reachable says so', async (t) => {
  const o = simOverlay(30, 6, RELAY_OPTIONS);
  t.after(() => Promise.all(o.nodes.map((n) => n.close())));
  const f = filteredNode(o, '10.9.0.1', 201);
  t.after(() => f.close());
  o.net.clock.advance(30_000);
  const first = f.relayAddress;
  assert.ok(first);
  const relayNode = o.nodes.find((n) => n.address === first)!;
  assert.equal(relayNode.relayClientCount, 1);
  await relayNode.close();
  o.net.clock.advance(30_000);
  const second = f.relayAddress;
  assert.ok(second && second !== first, `moved to another relay (${first} → ${second})`);
  const got = inbox(f);
  const b = o.nodes.find((n) => n !== relayNode && n.address !== second)!;
  b.reachWith(f.id, (address) => b.send(address!, Buffer.from('after the move')));
  o.net.clock.advance(10_000);
  assert.deepEqual(got, [`after the move from ${b.address}`]);

  // Reachable now: the filter goes, the node says so, and a newcomer reaches it directly.
  (f.endpoint as unknown as { setFilter(x: undefined): void }).setFilter(undefined);
  f.setFiltered(false);
  o.net.clock.advance(10_000);
  assert.equal(f.relayAddress, undefined);
  // A sender that still remembers the relay is passed on by it, and taken.
  b.send(f.address, Buffer.from('via the former relay'));
  o.net.clock.advance(1000);
  assert.equal(got.at(-1), `via the former relay from ${b.address}`);
  const c = o.nodes.find((n) => n !== relayNode && n !== b && !sameId(n.id, f.id))!;
  const relayedBefore = o.nodes.reduce((s, n) => s + n.stats().relayed, 0);
  c.reachWith(f.id, (address) => c.send(address!, Buffer.from('directly')));
  o.net.clock.advance(10_000);
  assert.equal(got.at(-1), `directly from ${c.address}`);
  assert.equal(o.nodes.reduce((s, n) => s + n.stats().relayed, 0), relayedBefore, 'not through a relay');
});

test('a relay passes datagrams only to its clients, and a node takes relayed datagrams only from its own relay', async (t) => {
  const { SimNetwork } = await import('../../src/net/sim/network.ts');
  const { WIRE_VERSION, wireCodec } = await import('../../src/overlay/messages.ts');
  const net = new SimNetwork({ seed: 1, link: { latency: 2 } });
  const node = new OverlayNode(net.bind('udp://10.0.0.1:4000'), { clock: net.clock, random: new Prng(1), relayMinUptimeMs: 0 });
  const raw = net.bind('udp://10.0.0.2:4000');
  const victim = net.bind('udp://10.0.0.3:4000');
  t.after(() => node.close());
  const wire = wireCodec(8192);
  const sender = new Uint8Array(20).fill(9);
  const inner = wire.encode({ version: WIRE_VERSION, flags: 0, tx: 1, sender, body: { case: 'ping', value: 0 } });
  // Not a client: refused (a relay is no open forwarder that could be aimed at a third party).
  await raw.send(wire.encode({ version: WIRE_VERSION, flags: 1, tx: 0, sender, body: { case: 'relay', value: { to: 'udp://10.0.0.3:4000', via: '', inner } } }), node.address);
  // Relayed, but we have no relay: refused too.
  await raw.send(wire.encode({ version: WIRE_VERSION, flags: 1, tx: 0, sender, body: { case: 'relayed', value: { from: 'udp://10.0.0.3:4000', via: '', inner } } }), node.address);
  net.clock.advance(10);
  assert.equal(victim.tryReceive(), undefined);
  assert.equal(node.stats().relayRefused, 2);
  assert.equal(node.stats().relayed, 0);
  // Once the sender asked to be a client, the relay passes datagrams to it, naming who sent them.
  await raw.send(wire.encode({ version: WIRE_VERSION, flags: 1, tx: 7, sender, body: { case: 'relayRequest', value: 0 } }), node.address);
  net.clock.advance(10);
  const accept = wire.decode(raw.tryReceive()!.data);
  assert.deepEqual(accept.body, { case: 'relayAccept', value: true });
  assert.equal(node.table.get(sender), undefined, 'a read-only client is not put in the table');
  await victim.send(wire.encode({ version: WIRE_VERSION, flags: 0, tx: 0, sender: new Uint8Array(20).fill(3), body: { case: 'relay', value: { to: 'udp://10.0.0.2:4000', via: '', inner } } }), node.address);
  net.clock.advance(10);
  const passed = wire.decode(raw.tryReceive()!.data);
  assert.equal(passed.body.case, 'relayed');
  assert.equal(passed.body.case === 'relayed' && passed.body.value.from, 'udp://10.0.0.3:4000');
  assert.equal(node.stats().relayed, 1);
});
