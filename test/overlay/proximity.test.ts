// Proximity and time-outs: near peers take the place of slow contacts (gossip among near nodes, measured by pings), and
// requests to peers never measured wait as long as the round trips seen so far suggest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimNetwork } from '../../src/net/sim/network.ts';
import { internet } from '../../src/net/sim/topology.ts';
import { PopulationRtt, requestTimeoutMs } from '../../src/overlay/link.ts';
import { Prng } from '../../src/net/prng.ts';
import { VirtualClock } from '../../src/net/virtual-clock.ts';
import { randomId } from '../../src/overlay/id.ts';
import { OverlayNode } from '../../src/overlay/node.ts';
import { PendingRequests } from '../../src/overlay/requests.ts';
import { RoutingTable } from '../../src/overlay/routing-table.ts';

test('a request waits 4 × the link RTT once measured, else the RTO of all round trips, doubled per unanswered try, within its bounds', () => {
  const overall = new PopulationRtt();
  assert.equal(requestTimeoutMs(undefined, overall, 100, 1000), 1000, 'nothing measured yet: the ceiling');
  assert.equal(requestTimeoutMs(50, overall, 100, 1000), 200);
  assert.equal(requestTimeoutMs(10, overall, 100, 1000), 100, 'never below the floor');
  for (let i = 0; i < 50; i++) overall.record(i % 2 ? 60 : 100);
  const rto = overall.rtoMs!;
  assert.ok(rto > 100 && rto < 250, `RTO ${rto} sits above the samples by a few times their variation`);
  assert.equal(requestTimeoutMs(undefined, overall, 100, 1000), rto);
  assert.equal(requestTimeoutMs(undefined, overall, 100, 1000, 1), 2 * rto);
  assert.equal(requestTimeoutMs(undefined, overall, 100, 1000, 5), 1000, 'backing off stops at the ceiling');
});

// 12 sites of 10 nodes; k = 4, so the far buckets are full and can only get better by replacement.
function build(proximity: boolean) {
  const topology = internet({ sites: 12, seed: 5 });
  const net = new SimNetwork({ seed: 5, topology });
  const random = net.random.fork();
  const nodes: OverlayNode[] = [];
  for (let i = 0; i < 120; i++) {
    const node = new OverlayNode(net.bind(`udp://10.2.0.${i}:4000`), { clock: net.clock, random: random.fork(), k: 4, proximity });
    node.joinWith(nodes.length ? [nodes[random.int(nodes.length)]!.address] : [], () => {});
    nodes.push(node);
    net.clock.advance(20);
  }
  net.clock.advance(10 * 60_000);
  // Mean one-way latency from each node to the contacts of its two farthest buckets (half and a quarter of all ids).
  let sum = 0;
  let count = 0;
  for (const x of nodes) {
    for (const c of x.table.contacts()) {
      if (x.table.bucketOf(c.id) > 1) continue;
      sum += net.pathLatency(x.address, c.address);
      count++;
    }
  }
  return { net, nodes, meanFarLatency: sum / count };
}

test('proximity neighbour selection: far buckets fill with near nodes found by asking near nodes', (t) => {
  const without = build(false);
  const withP = build(true);
  t.after(() => {
    for (const x of [...without.nodes, ...withP.nodes]) void x.close();
  });
  const replaced = withP.nodes.reduce((s, x) => s + x.stats().proximityReplacements, 0);
  assert.equal(without.nodes.reduce((s, x) => s + x.stats().proximityReplacements, 0), 0);
  assert.ok(replaced > 0, 'near peers replaced slow contacts');
  assert.ok(
    withP.meanFarLatency < 0.75 * without.meanFarLatency,
    `far-bucket contacts ${withP.meanFarLatency.toFixed(1)} ms away on average, against ${without.meanFarLatency.toFixed(1)} ms without proximity`,
  );
  // Every node still knows enough of the overlay to route: the responsible node of a key is reachable.
  for (const x of withP.nodes) assert.ok(x.table.size >= 4);
});

test('pending requests: an unmeasured peer gets the learnt RTO, a detour through a relay the full time-out, and a contact failing maxFailures times leaves the table', () => {
  const clock = new VirtualClock();
  const random = new Prng(4);
  const table = new RoutingTable(randomId(random), 20, 100);
  const counters = { timeouts: 0, evictions: 0 };
  const pending = new PendingRequests<{ readonly label: string }>({ clock, random, table, limits: { maxPendingRequests: 3, minRpcTimeoutMs: 100, rpcTimeoutMs: 1000, maxFailures: 2 }, counters });
  // Teach the unknown-peer estimate: round trips of 50 ms to peers never measured.
  for (let i = 0; i < 20; i++) {
    const tx = pending.open(`udp://10.0.0.${i}:1`, undefined, 0, { label: 'teach' }, () => assert.fail('answered'))!;
    clock.advance(50);
    pending.settle(tx, pending.get(tx)!);
  }
  const timedOut: string[] = [];
  pending.open('udp://10.9.0.1:1', undefined, 0, { label: 'direct' }, () => timedOut.push('direct'));
  pending.open('udp://10.9.0.2:1', undefined, 0, { label: 'relayed' }, () => timedOut.push('relayed'), true);
  clock.advance(150);
  assert.deepEqual(timedOut, ['direct'], 'the direct request waited about the learnt RTO (50 ms samples)');
  clock.advance(850);
  assert.deepEqual(timedOut, ['direct', 'relayed'], 'the relayed one waited the full second');
  assert.equal(counters.timeouts, 2);
  // A contact: two failures in a row and it is gone.
  const peer = randomId(random);
  table.seen(peer, 'udp://10.9.0.3:1', clock.now());
  for (let i = 0; i < 2; i++) {
    pending.open('udp://10.9.0.3:1', peer, i, { label: 'contact' }, () => {});
    clock.advance(1000);
  }
  assert.equal(table.get(peer), undefined);
  assert.equal(counters.evictions, 1);
  // Bounded: past maxPendingRequests, open refuses.
  for (let i = 0; i < 3; i++) assert.notEqual(pending.open(`udp://10.9.1.${i}:1`, undefined, 0, { label: 'fill' }, () => {}), undefined);
  assert.equal(pending.open('udp://10.9.2.1:1', undefined, 0, { label: 'one too many' }, () => {}), undefined);
  let abandoned = 0;
  pending.abandonAll(() => abandoned++);
  assert.equal(abandoned, 3);
  assert.equal(pending.size, 0);
});
