// The simulated network's NAT-like filter: only datagrams from an address the endpoint sent to within
// the timeout get through; unsolicited ones are dropped and counted, and the filter can come and go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimNetwork } from '../../src/net/sim/network.ts';

test('a filtered endpoint receives replies from peers it sent to, not unsolicited datagrams, and not after the timeout', () => {
  const net = new SimNetwork({ seed: 1, link: { latency: 5 } });
  const inside = net.bind('udp://10.0.0.1:4000', { filter: { timeoutMs: 1000 } });
  const peer = net.bind('udp://10.0.0.2:4000');
  const stranger = net.bind('udp://10.0.0.3:4000');
  const samePeerOtherPort = net.bind('udp://10.0.0.2:4001');
  void stranger.send(new Uint8Array([1]), inside.address);
  net.clock.advance(20);
  assert.equal(inside.tryReceive(), undefined, 'unsolicited: dropped');
  assert.equal(inside.filteredDatagrams, 1);
  assert.equal(net.counters().unreachable, 1, 'the network counts it as lost, unreachable');

  void inside.send(new Uint8Array([2]), peer.address);
  net.clock.advance(20);
  assert.deepEqual([...peer.tryReceive()!.data], [2], 'outbound always passes');
  void peer.send(new Uint8Array([3]), inside.address);
  void samePeerOtherPort.send(new Uint8Array([4]), inside.address);
  net.clock.advance(20);
  assert.deepEqual([...inside.tryReceive()!.data], [3], 'the peer it sent to may answer');
  assert.equal(inside.tryReceive(), undefined, 'another port of the same host may not (address and port dependent)');

  net.clock.advance(2000);
  void peer.send(new Uint8Array([5]), inside.address);
  net.clock.advance(20);
  assert.equal(inside.tryReceive(), undefined, 'the way closes after timeoutMs of silence');
  assert.equal(inside.filteredDatagrams, 3);

  inside.setFilter(undefined);
  void stranger.send(new Uint8Array([6]), inside.address);
  net.clock.advance(20);
  assert.deepEqual([...inside.tryReceive()!.data], [6], 'without the filter anyone gets through');
  assert.equal(inside.filtered, false);
});

test('a filter holds at most maxMappings peers, forgetting the least recently used', () => {
  const net = new SimNetwork({ seed: 1, link: { latency: 1 } });
  const inside = net.bind('udp://10.0.0.1:4000', { filter: { timeoutMs: 60_000, maxMappings: 2 } });
  const peers = [2, 3, 4].map((h) => net.bind(`udp://10.0.0.${h}:4000`));
  for (const p of peers) void inside.send(new Uint8Array([0]), p.address);
  net.clock.advance(10);
  for (const p of peers) void p.send(new Uint8Array([p.address.host === '10.0.0.2' ? 1 : 9]), inside.address);
  net.clock.advance(10);
  const got: number[] = [];
  for (let d = inside.tryReceive(); d; d = inside.tryReceive()) got.push(d.data[0]!);
  assert.deepEqual(got, [9, 9], 'the first peer was forgotten');
  assert.throws(() => net.bind('udp://10.0.0.9:1', { filter: { maxMappings: 0 } }), /maxMappings/);
});
