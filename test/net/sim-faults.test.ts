import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimNetwork } from '../../src/net/sim/network.ts';
import { fullMesh, internet } from '../../src/net/sim/topology.ts';
import { TraceRecorder } from '../../src/net/sim/trace.ts';
import type { SimDatagramEndpoint } from '../../src/net/sim/endpoint.ts';

// Sends `count` sequenced datagrams from a to b, one every `gap` virtual ms, then runs the clock dry.
function stream(net: SimNetwork, a: SimDatagramEndpoint, b: SimDatagramEndpoint, count: number, gap: number): void {
  for (let i = 0; i < count; i++) net.clock.setTimer(() => void a.send(Buffer.from(`m${i}`), b.address), i * gap);
  net.clock.runAll();
}

function drain(e: SimDatagramEndpoint): number {
  let n = 0;
  while (e.tryReceive()) n++;
  return n;
}

test('a sequenced endpoint reports exactly the losses, duplicates and reorders the simulated network injected', () => {
  const net = new SimNetwork({ seed: 42, link: { latency: { min: 1, max: 4 }, loss: 0.1, duplicate: 0.05, reorder: 0.1, reorderDelay: 6 } });
  const a = net.bind('udp://10.0.0.1:5000', { sequencing: true });
  const b = net.bind('udp://10.0.0.2:5000', { sequencing: { window: 8192 }, maxQueued: 10_000 });
  stream(net, a, b, 3000, 0.5);
  // A last datagram over a clean link, so every gap before it is known.
  net.setLink(a.address, b.address, { latency: 1, loss: 0, duplicate: 0, reorder: 0 });
  void a.send(Buffer.from('fin'), b.address);
  net.clock.runAll();

  const link = net.linkCounters('10.0.0.1', '10.0.0.2');
  const out = net.endpointCounters(a.address).out;
  assert.deepEqual(out, link, 'one endpoint per host: the endpoint and the link saw the same traffic');
  const [s] = b.senderStats();
  assert.ok(s);
  assert.ok(link.lost > 200 && link.duplicated > 50 && link.reordered > 100, `faults happened: ${JSON.stringify(link)}`);
  assert.equal(s.lost + s.missing, link.lost);
  assert.equal(s.duplicates, link.duplicated);
  assert.equal(s.reordered, link.reordered);
  assert.equal(s.received, link.delivered);
  assert.equal(s.late, 0);
  assert.equal(link.sent, 3001);
  assert.equal(link.sent + link.duplicated, link.delivered + link.lost, 'every copy was delivered or lost');
  assert.equal(drain(b), link.delivered - link.duplicated, 'duplicates are discarded by sequencing');
});

test('a partition opened and healed mid-run loses exactly what crossed it, in flight included', () => {
  const net = new SimNetwork({ seed: 3, link: { latency: 2 } });
  const a = net.bind('udp://10.0.0.1:1', { sequencing: true });
  const b = net.bind('udp://10.0.0.2:1', { sequencing: { window: 4096 } });
  const c = net.bind('udp://10.0.1.1:1');
  for (let i = 0; i < 1000; i++) net.clock.setTimer(() => void a.send(Buffer.from('x'), b.address), i);
  // 10.0.0.1 is cut off from everyone between t=300 and t=600; c (same side as b) is unaffected.
  let partition: ReturnType<SimNetwork['partition']> | undefined;
  net.clock.setTimer(() => (partition = net.partition(['10.0.0.1'])), 300.5);
  net.clock.setTimer(() => partition!.heal(), 600.5);
  net.clock.setTimer(() => void b.send(Buffer.from('y'), c.address), 450);
  net.clock.runAll();
  const link = net.linkCounters('10.0.0.1', '10.0.0.2');
  // Sent at 299 and 300 were in flight at 300.5 (latency 2) and are lost too; 301..600 never got through.
  assert.equal(link.partitioned, 302);
  assert.equal(link.lost, 302);
  assert.equal(link.delivered, 698);
  const [s] = b.senderStats();
  assert.equal(s!.lost + s!.missing, 302);
  assert.equal(c.stats().received, 1);
  assert.equal(partition!.active, false);
});

function tracedRun(seed: number): TraceRecorder {
  const net = new SimNetwork({ seed, topology: fullMesh({ latency: { min: 1, max: 20 }, seed }), link: { loss: 0.05, duplicate: 0.02, reorder: 0.05, corrupt: 0.01 } });
  const recorder = new TraceRecorder(500);
  net.trace = recorder.listener;
  const eps = Array.from({ length: 50 }, (_, i) => net.bind(`udp://10.1.${i >> 8}.${i & 255}:7000`, { sequencing: true }));
  const rng = net.random.fork();
  for (let i = 0; i < 5000; i++) {
    const from = eps[rng.int(eps.length)]!;
    const to = eps[rng.int(eps.length)]!;
    net.clock.setTimer(() => void from.send(new Uint8Array(20 + (i % 50)), to.address), rng.uniform(0, 1000));
  }
  net.clock.runAll();
  return recorder;
}

test('two runs with the same seed give identical traces; another seed gives another', () => {
  const one = tracedRun(7);
  const two = tracedRun(7);
  const other = tracedRun(8);
  assert.ok(one.count > 10_000);
  assert.equal(one.count, two.count);
  assert.equal(one.digest, two.digest);
  assert.deepEqual(one.events, two.events);
  assert.notEqual(one.digest, other.digest);
});

test('bandwidth serialises datagrams and a full link queue drops them as overflowed', () => {
  // 1,000,000 B/s: a 1000-byte datagram takes 1 ms to send; the queue holds 5000 bytes (five of them).
  const net = new SimNetwork({ link: { latency: 10, bandwidth: 1_000_000, queueBytes: 5000 } });
  const a = net.bind('udp://10.0.0.1:1');
  const b = net.bind('udp://10.0.0.2:1', { receiveBufferSize: 2000 });
  const arrivals: number[] = [];
  b.onReadable(() => {
    while (b.tryReceive()) arrivals.push(net.clock.now());
  });
  for (let i = 0; i < 10; i++) void a.send(new Uint8Array(1000), b.address);
  net.clock.runAll();
  assert.deepEqual(arrivals, [11, 12, 13, 14, 15]);
  const link = net.linkCounters('10.0.0.1', '10.0.0.2');
  assert.equal(link.overflowed, 5);
  assert.equal(link.lost, 5);
});

test('corruption flips one bit of the delivered copy and is counted', () => {
  const net = new SimNetwork({ seed: 5, link: { corrupt: 1 } });
  const a = net.bind('udp://10.0.0.1:1');
  const b = net.bind('udp://10.0.0.2:1');
  const sent = new Uint8Array(64);
  void a.send(sent, b.address);
  net.clock.runAll();
  const d = b.tryReceive()!;
  let bits = 0;
  for (const byte of d.data) for (let x = byte; x; x &= x - 1) bits++;
  assert.equal(bits, 1);
  assert.equal(sent.every((x) => x === 0), true, 'the sender\'s buffer is untouched');
  assert.equal(net.counters().corrupted, 1);
});

test('host pairs past maxLinks share the overflow link but keep their own latency from the topology', () => {
  const topo = internet({ sites: 8, seed: 4 });
  const net = new SimNetwork({ topology: topo, maxLinks: 2 });
  const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
  for (const a of hosts) {
    for (const b of hosts) {
      if (a !== b) assert.ok(Math.abs(net.pathLatency(a, b) - topo.latency(a, b)) < 1e-9, `${a} → ${b}`);
    }
  }
  const x = net.bind('udp://10.0.0.3:1');
  const y = net.bind('udp://10.0.0.4:1');
  void x.send(new Uint8Array(1), y.address);
  net.clock.runAll();
  assert.ok(Math.abs(net.clock.now() - topo.latency('10.0.0.3', '10.0.0.4')) < 1e-9);
});

test('the internet topology gives host→site + backbone + site→host; a full mesh is symmetric', () => {
  const topo = internet({ sites: 4, siteOf: (h) => Number(h.split('.')[1]), seed: 9 });
  const net = new SimNetwork({ topology: topo });
  const a = '10.0.0.1';
  const b = '10.3.0.1';
  const expected = topo.access(a) + topo.backbone(0, 3) + topo.access(b);
  assert.ok(Math.abs(net.pathLatency(a, b) - expected) < 1e-9);
  assert.ok(Math.abs(net.pathLatency(b, a) - expected) < 1e-9);
  assert.ok(net.pathLatency('10.0.0.1', '10.0.0.2') < expected, 'same-site paths skip the backbone');
  const x = net.bind(`udp://${a}:1`);
  const y = net.bind(`udp://${b}:1`);
  void x.send(new Uint8Array(1), y.address);
  net.clock.runAll();
  assert.ok(Math.abs(net.clock.now() - expected) < 1e-9);
  const mesh = fullMesh({ latency: { min: 5, max: 50 }, seed: 2 });
  assert.equal(mesh.latency('h1', 'h2'), mesh.latency('h2', 'h1'));
  assert.ok(mesh.latency('h1', 'h2') >= 5 && mesh.latency('h1', 'h2') <= 50);
});

test('10,000 endpoints exchange 200,000 datagrams in a few seconds', () => {
  const net = new SimNetwork({ seed: 11, topology: fullMesh({ latency: { min: 1, max: 50 } }), link: { loss: 0.01 } });
  const eps = Array.from({ length: 10_000 }, (_, i) => net.bind(`udp://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9000`));
  let received = 0;
  for (const e of eps) {
    e.onReadable(() => {
      while (e.tryReceive()) received++;
    });
  }
  const payload = new Uint8Array(64);
  const rng = net.random.fork();
  const started = performance.now();
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < eps.length; i++) void eps[i]!.send(payload, eps[(i + 1 + rng.int(16)) % eps.length]!.address);
    net.clock.advance(1);
  }
  net.clock.runAll();
  const c = net.counters();
  assert.equal(c.sent, 200_000);
  assert.equal(received, c.delivered);
  assert.equal(c.sent, c.delivered + c.lost);
  assert.ok(performance.now() - started < 30_000);
});

test('exactness holds for every seed and mix of faults tried, with several senders per receiver', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const net = new SimNetwork({
      seed,
      link: { latency: { min: 0.5, max: 1 + seed }, loss: 0.03 * seed, duplicate: 0.02 * seed, reorder: 0.04 * seed, reorderDelay: seed, bandwidth: seed % 2 ? 0 : 2_000_000 },
    });
    const rx = net.bind('udp://10.0.9.9:1', { sequencing: { window: 4096 }, maxQueued: 100_000 });
    const senders = [1, 2, 3].map((i) => net.bind(`udp://10.0.0.${i}:1`, { sequencing: true }));
    for (let i = 0; i < 600; i++) for (const s of senders) net.clock.setTimer(() => void s.send(new Uint8Array(100), rx.address), i * 0.3);
    net.clock.runAll();
    net.setDefaultLink({ latency: 1 });
    for (const s of senders) void s.send(new Uint8Array(1), rx.address);
    net.clock.runAll();
    for (const s of senders) {
      const link = net.linkCounters(s.address, rx.address);
      const seen = rx.senderStats().find((x) => x.from === `${s.address.host}:${s.address.port}`)!;
      const what = `seed ${seed} from ${s.address.host}`;
      assert.equal(seen.lost + seen.missing, link.lost, what);
      assert.equal(seen.duplicates, link.duplicated, what);
      assert.equal(seen.reordered, link.reordered, what);
      assert.equal(seen.received, link.delivered, what);
    }
    const into = net.endpointCounters(rx.address).in;
    assert.equal(into.sent, 3 * 601);
    assert.equal(into.delivered, rx.stats().received);
    assert.equal(into.sent + into.duplicated, into.delivered + into.lost);
  }
});

test('a link model set for one pair applies to it alone, one way if asked, and to traffic sent from then on', () => {
  const net = new SimNetwork({ link: { latency: 1 } });
  const a = net.bind('udp://10.0.0.1:1');
  const b = net.bind('udp://10.0.0.2:1');
  const c = net.bind('udp://10.0.0.3:1');
  net.setLink('10.0.0.1', '10.0.0.2', { loss: 1 }, { oneWay: true });
  void a.send(new Uint8Array(1), b.address);
  void b.send(new Uint8Array(1), a.address);
  void a.send(new Uint8Array(1), c.address);
  net.clock.runAll();
  assert.equal(b.stats().received, 0);
  assert.equal(a.stats().received, 1);
  assert.equal(c.stats().received, 1);
  net.setLink('10.0.0.1', '10.0.0.2', { loss: 0, latency: 7 });
  const sentAt = net.clock.now();
  void a.send(new Uint8Array(1), b.address);
  net.clock.runAll();
  assert.equal(b.stats().received, 1);
  assert.equal(net.clock.now() - sentAt, 7);
  assert.equal(net.pathLatency('10.0.0.2', '10.0.0.1'), 7);
});

test('datagrams beyond maxInFlight are dropped and counted as overflowed', () => {
  const net = new SimNetwork({ maxInFlight: 10, link: { latency: 5 } });
  const a = net.bind('udp://10.0.0.1:1');
  const b = net.bind('udp://10.0.0.2:1');
  for (let i = 0; i < 15; i++) void a.send(new Uint8Array(1), b.address);
  net.clock.runAll();
  assert.equal(b.stats().received, 10);
  assert.deepEqual([net.counters().overflowed, net.counters().lost], [5, 5]);
});
