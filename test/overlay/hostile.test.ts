import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SimNetwork } from '../../src/net/sim/network.ts';
import { Prng } from '../../src/net/prng.ts';
import { randomId } from '../../src/overlay/id.ts';
import { WIRE_VERSION, wireCodec, type WireMessage } from '../../src/overlay/messages.ts';
import { OverlayNode } from '../../src/overlay/node.ts';

function pair(options = {}) {
  const net = new SimNetwork({ seed: 1, link: { latency: 2 } });
  const node = new OverlayNode(net.bind('udp://10.0.0.1:4000'), { clock: net.clock, random: new Prng(1), ...options });
  const raw = net.bind('udp://10.0.0.2:4000');
  return { net, node, raw };
}

const wire = wireCodec(8192);
const valid: WireMessage[] = [
  { version: WIRE_VERSION, flags: 0, tx: 1, sender: new Uint8Array(20).fill(1), body: { case: 'ping', value: 0 } },
  { version: WIRE_VERSION, flags: 0, tx: 2, sender: new Uint8Array(20).fill(2), body: { case: 'findNode', value: new Uint8Array(20).fill(9) } },
  { version: WIRE_VERSION, flags: 0, tx: 3, sender: new Uint8Array(20).fill(3), body: { case: 'store', value: { key: new Uint8Array(20), value: new Uint8Array([1, 2, 3]), ttlMs: 1000 } } },
  { version: WIRE_VERSION, flags: 0, tx: 4, sender: new Uint8Array(20).fill(4), body: { case: 'route', value: { key: new Uint8Array(20), origin: 'udp://10.0.0.2:4000', hops: 0, record: true, path: [], payload: new Uint8Array(4) } } },
  { version: WIRE_VERSION, flags: 0, tx: 5, sender: new Uint8Array(20).fill(5), body: { case: 'nodes', value: [{ id: new Uint8Array(20), address: 'udp://10.0.0.9:1' }] } },
  { version: WIRE_VERSION, flags: 1, tx: 6, sender: new Uint8Array(20).fill(6), body: { case: 'relayRequest', value: 0 } },
  { version: WIRE_VERSION, flags: 0, tx: 0, sender: new Uint8Array(20).fill(7), body: { case: 'relay', value: { to: 'udp://10.0.0.9:1', via: '', inner: new Uint8Array(30) } } },
  { version: WIRE_VERSION, flags: 0, tx: 0, sender: new Uint8Array(20).fill(8), body: { case: 'relayed', value: { from: 'udp://10.0.0.9:1', via: '', inner: new Uint8Array(30) } } },
];

test('fuzzed and mutated datagrams are dropped and counted, never thrown; the node still answers afterwards', async () => {
  const { net, node, raw } = pair({ maxRequestsPerSourcePerSecond: 1e9 });
  const datagram = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.constantFrom(...valid.map((m) => wire.encode(m))), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(40)).map(([bytes, edits, cut]) => {
      const b = bytes.slice(0, Math.max(1, bytes.length - cut));
      for (const [at, v] of edits) b[at % b.length] = v;
      return b;
    }),
  );
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(datagram, async (bytes) => {
      await raw.send(bytes, node.address);
      sent++;
      net.clock.advance(5);
    }),
    { numRuns: 400 },
  );
  net.clock.advance(2000);
  const s = node.stats();
  assert.equal(s.datagramsReceived, sent);
  // Every datagram was either malformed, an unexpected reply, or a well-formed request that was served.
  assert.ok(s.malformed > 0);
  assert.ok(s.malformed + s.unexpectedReplies + s.requestsServed + s.delivered + s.routed + s.rateLimited + s.relayRefused >= sent - 5);
  const probe = new OverlayNode(net.bind('udp://10.0.0.3:4000'), { clock: net.clock, random: new Prng(3) });
  let rtt: number | undefined;
  probe.pingWith(node.address, (r) => (rtt = r));
  net.clock.advance(100);
  assert.ok(rtt !== undefined && rtt > 0, 'the node still answers');
});

test('a reply is accepted only from the address the request went to, with its transaction id', async () => {
  const { net, node, raw } = pair();
  const liar = net.bind('udp://10.0.0.3:4000');
  let answer: number | undefined | null = null;
  node.pingWith(raw.address.host ? 'udp://10.0.0.2:4000' : '', (r) => (answer = r));
  net.clock.advance(5);
  const req = wire.decode(raw.tryReceive()!.data);
  const pong = (tx: number) => wire.encode({ version: WIRE_VERSION, flags: 0, tx, sender: randomId(new Prng(4)), body: { case: 'pong', value: 0 } });
  await liar.send(pong(req.tx), node.address); // right id, wrong address
  await raw.send(pong(req.tx + 1), node.address); // right address, wrong id
  net.clock.advance(5);
  assert.equal(answer, null, 'neither counterfeit reply was taken');
  assert.equal(node.stats().unexpectedReplies, 2);
  await raw.send(pong(req.tx), node.address);
  net.clock.advance(5);
  assert.ok(typeof answer === 'number');
});

test('requests past the per-source rate are dropped and counted; oversize datagrams too', async () => {
  const { net, node, raw } = pair({ maxRequestsPerSourcePerSecond: 10, maxMessageBytes: 512 });
  const ping = wire.encode(valid[0]!);
  for (let i = 0; i < 50; i++) await raw.send(ping, node.address);
  await raw.send(new Uint8Array(600), node.address);
  net.clock.advance(10);
  const s = node.stats();
  assert.equal(s.requestsServed, 10);
  assert.equal(s.rateLimited, 40);
  assert.equal(s.oversize, 1);
  let n = 0;
  while (raw.tryReceive()) n++;
  assert.equal(n, 10, 'only the admitted pings were answered');
  assert.throws(() => node.route('k', new Uint8Array(600)), { code: 'ERR_MESSAGE_TOO_LARGE' });
  assert.throws(() => node.send('udp://10.0.0.2:4000', new Uint8Array(600)), { code: 'ERR_MESSAGE_TOO_LARGE' });
});

test('stored values per node and per key are bounded; a refused store says so', async () => {
  const { net, node, raw } = pair({ maxStoredValues: 3, maxValuesPerKey: 2, maxRequestsPerSourcePerSecond: 1e9 });
  const key = new Uint8Array(20).fill(7);
  const store = (tx: number, k: Uint8Array, v: number) =>
    wire.encode({ version: WIRE_VERSION, flags: 0, tx, sender: new Uint8Array(20).fill(1), body: { case: 'store', value: { key: k, value: new Uint8Array([v]), ttlMs: 60_000 } } });
  for (let v = 0; v < 3; v++) await raw.send(store(v, key, v), node.address);
  for (let v = 3; v < 6; v++) await raw.send(store(v, new Uint8Array(20).fill(v), v), node.address);
  net.clock.advance(10);
  const replies: boolean[] = [];
  for (let d = raw.tryReceive(); d; d = raw.tryReceive()) {
    const m = wire.decode(d.data);
    if (m.body.case === 'stored') replies.push(m.body.value);
  }
  assert.deepEqual(replies, [true, true, false, true, false, false]);
  assert.equal(node.store.size, 3);
  assert.equal(node.stats().storesRefused, 3);
});

test('an application hook that throws is counted and does not stop the node', async () => {
  const { net, node, raw } = pair();
  node.app = { receive: () => { throw new Error('app bug'); } };
  await raw.send(wire.encode({ version: WIRE_VERSION, flags: 0, tx: 0, sender: new Uint8Array(20).fill(8), body: { case: 'direct', value: new Uint8Array([1]) } }), node.address);
  await raw.send(wire.encode(valid[0]!), node.address);
  net.clock.advance(10);
  assert.equal(node.stats().appErrors, 1);
  assert.match(String(node.lastAppError), /app bug/);
  assert.ok(raw.tryReceive(), 'the ping after it was still answered');
});
