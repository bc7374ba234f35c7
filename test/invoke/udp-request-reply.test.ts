import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { formatRef, parseRef, remoteRefSchema, type RemoteRef } from '../../src/invoke/reference.ts';
import { codec } from '../../src/marshal/codec.ts';
import { UdpRequestReply, type IncomingRequest } from '../../src/invoke/udp-request-reply.ts';
import { bindUdp } from '../../src/net/udp.ts';
import { SimNetwork } from '../../src/net/sim/network.ts';

const target: RemoteRef = { transport: 'udp', host: '127.0.0.1', port: 1, time: 1n, objectNumber: 1, interfaceName: 'Counter', secret: 7n };
const int32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
};
const readInt32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getInt32(0);

// A server that adds each request's argument to a counter and replies with the new total.
async function serveCounter(server: UdpRequestReply, state: { count: number; executed: number; ids: Set<number> }, signal: AbortSignal): Promise<void> {
  for (;;) {
    let request: IncomingRequest;
    try {
      request = await server.getRequest({ signal });
    } catch {
      return; // closed or aborted: the test is over
    }
    state.executed++;
    state.ids.add(request.requestId);
    state.count += readInt32(request.body);
    await server.sendReply(request, { status: 'ok', body: int32(state.count) });
  }
}

test('a reference prints and parses back, and bad text is ERR_PARSE', () => {
  const ref: RemoteRef = { ...target, host: '::1', time: 1764000000123n, objectNumber: 42, secret: 0x0011223344556677n };
  const text = formatRef(ref);
  assert.equal(text, 'udp://[::1]:1/1764000000123/42/Counter#0011223344556677');
  assert.deepEqual(parseRef(text), ref);
  for (const bad of ['udp://1.2.3.4:1/1/1/X', 'udp://1.2.3.4:99999/1/1/X#0011223344556677', 'x']) {
    assert.throws(() => parseRef(bad), (e) => isCourierError(e, 'ERR_PARSE'));
  }
});

test('a reference is a schema type: it marshals and unmarshals in every format', () => {
  const ref: RemoteRef = { ...target, time: 2n ** 63n + 5n, secret: 2n ** 64n - 1n, objectNumber: 0xffff_ffff };
  for (const format of ['cdr', 'cdr-le', 'xml', 'json', 'protobuf'] as const) {
    const c = codec(remoteRefSchema, format);
    assert.deepEqual(c.decode(c.encode(ref)), ref, format);
  }
});

test('doOperation over loopback UDP gets the reply; large arguments travel in fragments', async (t) => {
  // A fragmented message arrives as a burst of datagrams: the kernel's socket buffer must hold it.
  const socketReceiveBuffer = 4 * 1024 * 1024;
  const server = new UdpRequestReply(await bindUdp('udp://127.0.0.1:0', { socketReceiveBuffer }));
  const client = new UdpRequestReply(await bindUdp('udp://127.0.0.1:0', { socketReceiveBuffer }));
  const stop = new AbortController();
  t.after(async () => {
    stop.abort();
    await client.close();
    await server.close();
  });
  const echo = (async () => {
    for (;;) {
      const r = await server.getRequest({ signal: stop.signal }).catch(() => null);
      if (!r) return;
      await server.sendReply(r, { status: 'ok', body: r.body });
    }
  })();
  const reply = await client.doOperation(server.address, { target, operation: 3, body: int32(5) });
  assert.equal(reply.status, 'ok');
  assert.equal(readInt32(reply.body), 5);
  const big = new Uint8Array(200_000).map((_, i) => i % 251);
  const bigReply = await client.doOperation(server.address, { target, operation: 3, body: big });
  assert.deepEqual(bigReply.body, big);
  await assert.rejects(
    client.doOperation(server.address, { target, operation: 3, body: new Uint8Array(2_000_000) }),
    (e) => isCourierError(e, 'ERR_MESSAGE_TOO_LARGE'),
  );
  stop.abort();
  await echo;
});

test('no reply after every retransmission is ERR_TIMEOUT saying the operation may or may not have run', async (t) => {
  const silent = await bindUdp('udp://127.0.0.1:0');
  const client = new UdpRequestReply(await bindUdp('udp://127.0.0.1:0'), { retransmitInterval: 10, retries: 2 });
  t.after(async () => {
    await client.close();
    await silent.close();
  });
  await assert.rejects(client.doOperation(silent.address, { target, operation: 1, body: int32(1) }), (e) => {
    assert.ok(isCourierError(e, 'ERR_TIMEOUT'));
    assert.match((e as Error).message, /after 3 attempt\(s\); the operation may or may not have been executed \(at most once\)/);
    return true;
  });
  for (let i = 0; i < 50 && silent.stats().received < 3; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(silent.stats().received, 3);
  assert.equal(client.stats().retransmissions, 2);
});

// Drives a client and a counter server over a lossy simulated network and returns what happened.
async function runCounterOverFaultyNetwork(semantics: 'atMostOnce' | 'atLeastOnce', calls: number, seed: number) {
  const net = new SimNetwork({ seed, link: { latency: { min: 1, max: 20 }, loss: 0.2, duplicate: 0.1, reorder: 0.2, reorderDelay: 30 } });
  const options = { clock: net.clock, retransmitInterval: 50, retries: 6 };
  const server = new UdpRequestReply(net.bind('udp://10.0.0.1:7000'), options);
  const client = new UdpRequestReply(net.bind('udp://10.0.0.2:7000'), options);
  const state = { count: 0, executed: 0, ids: new Set<number>() };
  const stop = new AbortController();
  const serving = serveCounter(server, state, stop.signal);
  let completed = 0;
  let timedOut = 0;
  const results = Array.from({ length: calls }, () =>
    client.doOperation(server.address, { target, operation: 1, body: int32(1) }, { semantics }).then(
      () => completed++,
      (e: unknown) => {
        assert.ok(isCourierError(e, 'ERR_TIMEOUT'), String(e));
        timedOut++;
      },
    ),
  );
  // Let virtual time pass until every call has settled.
  while (completed + timedOut < calls) await net.clock.advanceAsync(100);
  await Promise.all(results);
  stop.abort();
  await net.clock.advanceAsync(1);
  await client.close();
  await server.close();
  await serving;
  return { completed, timedOut, count: state.count, executed: state.executed, distinct: state.ids.size, server: server.stats(), client: client.stats() };
}

test('at-most-once under loss, duplication and reordering: the counter equals the completed calls, never more', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await runCounterOverFaultyNetwork('atMostOnce', 500, seed);
    assert.equal(r.completed + r.timedOut, 500);
    // Every call executed at most once: no request id ran twice.
    assert.equal(r.executed, r.distinct);
    assert.ok(r.count >= r.completed, `count ${r.count} < completed ${r.completed}`);
    // A call that timed out may have executed (its reply was lost): count exceeds completed only by those.
    assert.ok(r.count <= r.completed + r.timedOut);
    assert.ok(r.server.repliesReplayed + r.server.duplicatesIgnored > 0, 'the faults should have caused retransmissions');
    assert.ok(r.completed > 450, `only ${r.completed} of 500 completed`);
  }
});

test('at-least-once re-executes retransmitted requests: the counter can exceed the calls', async () => {
  const r = await runCounterOverFaultyNetwork('atLeastOnce', 500, 1);
  assert.ok(r.count > r.completed, `count ${r.count}, completed ${r.completed}: duplicates should have re-executed`);
});
