// The Mainline node on the simulated network (virtual time, deterministic): lookups, announces, tokens and
// the hostile-input rules. Interop with a real deployed implementation is in mainline-interop.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DatagramEndpoint } from '../../src/net/datagram.ts';
import { Prng } from '../../src/net/prng.ts';
import { SimNetwork } from '../../src/net/sim/network.ts';
import { compareDistance } from '../../src/overlay/distance.ts';
import { idFromKey, idHex, randomId } from '../../src/overlay/id.ts';
import { bdecode, bencode, type BDict, type BValue } from '../../src/overlay/mainline/bencode.ts';
import { MainlineNode } from '../../src/overlay/mainline/node.ts';
import type { MainlineOptions } from '../../src/overlay/mainline/options.ts';

function swarm(n: number, options: MainlineOptions = {}) {
  const net = new SimNetwork({ seed: 7, link: { latency: 3 } });
  const random = new Prng(7);
  const nodes: MainlineNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = new MainlineNode(net.bind(`udp://10.0.${i >> 8}.${(i & 255) + 1}:6881`), { clock: net.clock, random: random.fork(), ...options });
    const boot = nodes.length ? [nodes[random.int(nodes.length)]!.address] : [];
    nodes.push(node);
    node.joinWith(boot, () => {});
    net.clock.advance(50);
  }
  net.clock.advance(5000);
  return { net, nodes, random };
}

/** Sends one raw KRPC dictionary from `raw` and returns the decoded replies that came back (not the node's own queries, such as the ping that checks a new querier). */
function exchange(net: SimNetwork, raw: DatagramEndpoint, to: string, msg: Map<string, BValue>): BDict[] {
  void raw.send(bencode(msg), to);
  net.clock.advance(100);
  const out: BDict[] = [];
  for (let d = raw.tryReceive(); d; d = raw.tryReceive()) out.push(bdecode(d.data, { sortedKeys: false }) as BDict);
  return out.filter((m) => Buffer.from(m.get('y') as Uint8Array).toString() !== 'q');
}

const b = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

test('on 40 simulated nodes every find_node lookup ends at the true closest nodes', async () => {
  const { net, nodes, random } = swarm(40);
  for (const n of nodes) assert.ok(n.table.size >= 8, `node table has ${n.table.size} contacts`);
  for (let i = 0; i < 30; i++) {
    const target = randomId(random);
    const from = nodes[random.int(nodes.length)]!;
    let result: Awaited<ReturnType<MainlineNode['findNode']>> | undefined;
    from.lookupWith(target, 'find_node', (r) => (result = r));
    net.clock.advance(5000);
    assert.ok(result, 'the lookup ended');
    const expected = nodes.filter((x) => x !== from).sort((x, y) => compareDistance(target, x.id, y.id)).slice(0, 8).map((x) => idHex(x.id));
    assert.deepEqual(result.closest.map((c) => idHex(c.id)), expected);
  }
  for (const n of nodes) await n.close();
});

test('a peer announced by one node is found by get_peers from any other; tokens came from the closest nodes', async () => {
  const { net, nodes } = swarm(30);
  const infoHash = idFromKey('ubuntu.iso');
  let announced: Awaited<ReturnType<MainlineNode['announce']>> | undefined;
  nodes[3]!.announceWith(infoHash, 51413, (r) => (announced = r));
  net.clock.advance(5000);
  assert.ok(announced);
  assert.equal(announced.stored, 8, 'all k = 8 closest took the announce');
  assert.ok(announced.lookup.closest.every((c) => c.token?.length === 8));
  for (const i of [0, 11, 29]) {
    let found: readonly { host: string; port: number }[] = [];
    nodes[i]!.lookupWith(infoHash, 'get_peers', (r) => (found = r.peers));
    net.clock.advance(5000);
    assert.deepEqual(found, [{ host: '10.0.0.4', port: 51413 }]);
  }
  // implied_port: the announcing datagram's source port is the peer's port.
  nodes[5]!.announceWith(infoHash, undefined, () => {});
  net.clock.advance(5000);
  let found: readonly { host: string; port: number }[] = [];
  nodes[20]!.lookupWith(infoHash, 'get_peers', (r) => (found = r.peers));
  net.clock.advance(5000);
  assert.deepEqual([...found].sort((x, y) => x.host.localeCompare(y.host)), [{ host: '10.0.0.4', port: 51413 }, { host: '10.0.0.6', port: 6881 }]);
  // Peers expire when not announced again.
  net.clock.advance(31 * 60_000);
  nodes[20]!.lookupWith(infoHash, 'get_peers', (r) => (found = r.peers));
  net.clock.advance(5000);
  assert.deepEqual(found, []);
  for (const n of nodes) await n.close();
});

test('announce_peer needs a token given to the same IP within the last 10 minutes; anything else is error 203', async () => {
  const { net, nodes } = swarm(3);
  const node = nodes[0]!;
  const a = net.bind('udp://10.9.0.1:7000');
  const other = net.bind('udp://10.9.0.2:7000');
  const id = new Uint8Array(20).fill(1);
  const ih = new Uint8Array(20).fill(2);
  const [peers] = exchange(net, a, node.address, new Map<string, BValue>([['t', b('g1')], ['y', b('q')], ['q', b('get_peers')], ['a', new Map<string, BValue>([['id', id], ['info_hash', ih]])]]));
  const r = peers!.get('r') as BDict;
  const token = r.get('token') as Uint8Array;
  const announce = (t: string, tok: Uint8Array) => new Map<string, BValue>([['t', b(t)], ['y', b('q')], ['q', b('announce_peer')], ['a', new Map<string, BValue>([['id', id], ['info_hash', ih], ['port', 9000], ['token', tok]])]]);
  const [stolen] = exchange(net, other, node.address, announce('x1', token));
  assert.deepEqual(stolen!.get('e'), [203, b('bad token')], 'a token is bound to the IP it was given to');
  const [ok] = exchange(net, a, node.address, announce('x2', token));
  assert.equal(Buffer.from(ok!.get('y') as Uint8Array).toString(), 'r');
  assert.equal(Buffer.from(ok!.get('t') as Uint8Array).toString(), 'x2', 'the reply echoes the transaction id');
  net.clock.advance(11 * 60_000);
  const [late] = exchange(net, a, node.address, announce('x3', token));
  assert.deepEqual(late!.get('e'), [203, b('bad token')], 'after two rotations the token is stale');
  assert.equal(node.stats().tokensRejected, 2);
  assert.equal(node.stats().announces, 1);
  const [unknown] = exchange(net, a, node.address, new Map<string, BValue>([['t', b('u1')], ['y', b('q')], ['q', b('vote')], ['a', new Map([['id', id]])]]));
  assert.equal((unknown!.get('e') as BValue[])[0], 204);
  for (const n of nodes) await n.close();
});

test('a reply counts only from the queried address with the query\'s transaction id', async () => {
  const net = new SimNetwork({ seed: 1, link: { latency: 2 } });
  const node = new MainlineNode(net.bind('udp://10.0.0.1:6881'), { clock: net.clock, random: new Prng(1) });
  const target = net.bind('udp://10.0.0.2:6881');
  const liar = net.bind('udp://10.0.0.3:6881');
  let rtt: unknown = 'pending';
  node.pingWith('udp://10.0.0.2:6881', (r) => (rtt = r));
  net.clock.advance(10);
  const query = bdecode(target.tryReceive()!.data) as BDict;
  const t = query.get('t') as Uint8Array;
  assert.equal(t.length, 4, 'transaction ids are 4 random bytes');
  assert.deepEqual(query.get('v'), b('CI\x00\x01'), 'every message carries the client version');
  const pong = (tx: Uint8Array) => bencode(new Map<string, BValue>([['t', tx], ['y', b('r')], ['r', new Map([['id', new Uint8Array(20).fill(9)]])]]));
  await liar.send(pong(t), node.address);
  await target.send(pong(new Uint8Array([1, 2, 3, 4])), node.address);
  await target.send(pong(b('xy')), node.address);
  net.clock.advance(10);
  assert.equal(rtt, 'pending');
  assert.equal(node.stats().unexpectedReplies, 3);
  await target.send(pong(t), node.address);
  net.clock.advance(10);
  assert.ok(rtt && typeof rtt === 'object' && 'rttMs' in rtt);
  assert.equal(node.table.size, 1, 'the node that answered is in the table');
  assert.equal(node.table.contacts()[0]!.address, 'udp://10.0.0.2:6881');
  await node.close();
});

test('a querier enters the table only after it answers a ping (a spoofed source cannot plant contacts)', async () => {
  const net = new SimNetwork({ seed: 1, link: { latency: 2 } });
  const node = new MainlineNode(net.bind('udp://10.0.0.1:6881'), { clock: net.clock, random: new Prng(1) });
  const spoofed = net.bind('udp://10.0.0.5:6881');
  const findNode = new Map<string, BValue>([['t', b('aa')], ['y', b('q')], ['q', b('find_node')], ['a', new Map<string, BValue>([['id', new Uint8Array(20).fill(5)], ['target', new Uint8Array(20)]])]]);
  await spoofed.send(bencode(findNode), node.address);
  net.clock.advance(3000);
  const seen = [];
  for (let d = spoofed.tryReceive(); d; d = spoofed.tryReceive()) seen.push(bdecode(d.data, { sortedKeys: false }) as BDict);
  assert.deepEqual(seen.map((m) => Buffer.from(m.get('y') as Uint8Array).toString()).sort(), ['q', 'r'], 'it got its answer and a ping');
  assert.equal(node.table.size, 0, 'silent to the ping: not in the table');
  assert.equal(node.stats().verifications, 1);
  const real = new MainlineNode(net.bind('udp://10.0.0.6:6881'), { clock: net.clock, random: new Prng(2) });
  let found: unknown;
  real.pingWith(node.address, (r) => (found = r));
  net.clock.advance(3000);
  assert.ok(found);
  assert.equal(node.table.size, 1, 'a real node answers the ping and gets in');
  await node.close();
  await real.close();
});

test('fuzzed datagrams are dropped and counted, never thrown, and a source past its rate is cut off', async () => {
  const net = new SimNetwork({ seed: 1, link: { latency: 2 } });
  const node = new MainlineNode(net.bind('udp://10.0.0.1:6881'), { clock: net.clock, random: new Prng(1), maxRequestsPerSourcePerSecond: 1e9 });
  const raw = net.bind('udp://10.0.0.2:6881');
  const id = new Uint8Array(20).fill(3);
  const valid = [
    new Map<string, BValue>([['t', b('aa')], ['y', b('q')], ['q', b('ping')], ['a', new Map([['id', id]])]]),
    new Map<string, BValue>([['t', b('ab')], ['y', b('q')], ['q', b('get_peers')], ['a', new Map([['id', id], ['info_hash', id]])]]),
    new Map<string, BValue>([['t', b('ac')], ['y', b('r')], ['r', new Map<string, BValue>([['id', id], ['nodes', new Uint8Array(26)]])]]),
    new Map<string, BValue>([['t', b('ad')], ['y', b('e')], ['e', [201, b('x')]]]),
  ].map(bencode);
  const datagram = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }), fc.nat(10)).map(([bytes, edits, cut]) => {
      const out = bytes.slice(0, Math.max(1, bytes.length - cut));
      for (const [at, v] of edits) out[at % out.length] = v;
      return out;
    }),
  );
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(datagram, async (bytes) => {
      await raw.send(bytes, node.address);
      sent++;
      net.clock.advance(2);
    }),
    { numRuns: 500 },
  );
  await raw.send(new Uint8Array(5000), node.address);
  sent++;
  net.clock.advance(2000);
  const s = node.stats();
  assert.equal(s.datagramsReceived, sent);
  assert.ok(s.malformed > 100 && s.oversize === 1);
  const served = s.pings + s.findNodes + s.getPeers + s.announces + s.queryErrors;
  assert.equal(s.malformed + s.oversize + s.unexpectedReplies + served, sent, 'every datagram is accounted for');
  const probe = new MainlineNode(net.bind('udp://10.0.0.3:6881'), { clock: net.clock, random: new Prng(3) });
  let pong: unknown;
  probe.pingWith(node.address, (r) => (pong = r));
  net.clock.advance(100);
  assert.ok(pong, 'the node still answers');
  // Rate limit: 200 queries per second per source by default.
  const limited = new MainlineNode(net.bind('udp://10.0.0.4:6881'), { clock: net.clock, random: new Prng(4) });
  for (let i = 0; i < 300; i++) void raw.send(valid[0]!, limited.address);
  net.clock.advance(100);
  assert.equal(limited.stats().pings, 200);
  assert.equal(limited.stats().rateLimited, 100);
  await node.close();
  await probe.close();
  await limited.close();
});
