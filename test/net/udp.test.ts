import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { bindUdp, select, UDP_DEFAULTS, type UdpEndpoint } from '../../src/net/index.ts';
import { writeSequenceHeader } from '../../src/net/sequencing.ts';
import { isCourierError } from '../../src/errors.ts';

const text = (b: Uint8Array) => Buffer.from(b).toString();
const bytes = (s: string) => Buffer.from(s);

async function pair(options: Parameters<typeof bindUdp>[1] = {}): Promise<[UdpEndpoint, UdpEndpoint]> {
  return [await bindUdp('udp://127.0.0.1:0', options), await bindUdp('udp://127.0.0.1:0', options)];
}

test('an endpoint is bound at creation and its ephemeral port is readable', async () => {
  await using a = await bindUdp('udp://127.0.0.1:0');
  assert.equal(a.address.transport, 'udp');
  assert.equal(a.address.host, '127.0.0.1');
  assert.ok(a.address.port > 0);
});

test('receive from any sender returns the data and the sender address, over IPv4 and IPv6', async () => {
  for (const host of ['127.0.0.1', '[::1]']) {
    await using a = await bindUdp(`udp://${host}:0`);
    await using b = await bindUdp(`udp://${host}:0`);
    await a.send(bytes('hello'), b.address);
    const d = await b.receive({ timeout: 2000 });
    assert.equal(text(d.data), 'hello');
    assert.deepEqual(d.from, a.address);
    assert.equal(d.truncated, false);
    // The sender's address is enough to reply.
    await b.send(bytes('back'), d.from);
    assert.equal(text((await a.receive({ timeout: 2000 })).data), 'back');
  }
});

test('a datagram larger than the receive buffer arrives cut to it and flagged', async () => {
  const [a, b] = await pair({ receiveBufferSize: 16 });
  await a.send(new Uint8Array(100).fill(7), b.address);
  const d = await b.receive({ timeout: 2000 });
  assert.equal(d.data.length, 16);
  assert.equal(d.size, 100);
  assert.equal(d.truncated, true);
  assert.equal(b.stats().truncated, 1);
  await a.close();
  await b.close();
});

test('with oversize: reject, a datagram larger than the buffer is discarded and counted', async () => {
  const [a, b] = await pair({ receiveBufferSize: 16, oversize: 'reject' });
  await a.send(new Uint8Array(100), b.address);
  await a.send(bytes('small'), b.address);
  assert.equal(text((await b.receive({ timeout: 2000 })).data), 'small');
  assert.equal(b.stats().rejected, 1);
  await a.close();
  await b.close();
});

test('a blocking receive gives up with ERR_TIMEOUT, and with ERR_ABORTED on its signal', async () => {
  await using a = await bindUdp('udp://127.0.0.1:0');
  const started = performance.now();
  await assert.rejects(a.receive({ timeout: 50 }), (e) => isCourierError(e, 'ERR_TIMEOUT'));
  assert.ok(performance.now() - started >= 45);
  const controller = new AbortController();
  const pending = a.receive({ signal: controller.signal });
  controller.abort(new Error('user gave up'));
  await assert.rejects(pending, (e) => isCourierError(e, 'ERR_ABORTED'));
});

test('tryReceive polls without waiting; for-await iterates until close', async () => {
  const [a, b] = await pair();
  assert.equal(b.tryReceive(), undefined);
  await a.send(bytes('1'), b.address);
  await select([b], { timeout: 2000 });
  assert.equal(text(b.tryReceive()!.data), '1');
  await a.send(bytes('2'), b.address);
  await a.send(bytes('3'), b.address);
  const seen: string[] = [];
  for await (const d of b) {
    seen.push(text(d.data));
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, ['2', '3']);
  await a.close();
  await b.close();
  await assert.rejects(b.receive(), (e) => isCourierError(e, 'ERR_CLOSED'));
});

test('the receive queue is bounded: what overflows is dropped and counted', async () => {
  const [a, b] = await pair({ maxQueued: 4 });
  for (let i = 0; i < 10; i++) await a.send(bytes(String(i)), b.address);
  // Wait until all ten have been processed by the receiver.
  for (let i = 0; i < 100 && b.stats().received < 10; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(b.stats().received, 10);
  assert.equal(b.stats().dropped, 6);
  const kept: string[] = [];
  for (let d = b.tryReceive(); d; d = b.tryReceive()) kept.push(text(d.data));
  assert.deepEqual(kept, ['0', '1', '2', '3']);
  assert.equal(UDP_DEFAULTS.maxQueued, 1024);
  await a.close();
  await b.close();
});

test('binding a port in use fails with ERR_ADDRESS_IN_USE unless port sharing is asked for', async () => {
  await using a = await bindUdp('udp://127.0.0.1:0', { reusePort: true });
  await assert.rejects(bindUdp(`udp://127.0.0.1:${a.address.port}`), (e) => isCourierError(e, 'ERR_ADDRESS_IN_USE'));
  await using shared = await bindUdp(`udp://127.0.0.1:${a.address.port}`, { reusePort: true });
  assert.equal(shared.address.port, a.address.port);
});

test('bad addresses and oversize sends are refused with typed errors', async () => {
  await assert.rejects(bindUdp('udp://127.0.0.1:99999'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
  await assert.rejects(bindUdp('tcp://127.0.0.1:0'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
  await using a = await bindUdp('udp://127.0.0.1:0');
  await assert.rejects(a.send(new Uint8Array(70_000), a.address), (e) => isCourierError(e, 'ERR_MESSAGE_TOO_LARGE'));
  await assert.rejects(a.send(bytes('x'), 'udp://nowhere'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
});

// Sends hand-made sequenced datagrams, so the test controls loss, duplication and order exactly.
async function sendSequenced(seqs: number[], to: UdpEndpoint, epoch = 42): Promise<dgram.Socket> {
  const raw = dgram.createSocket('udp4');
  raw.bind(0, '127.0.0.1');
  await once(raw, 'listening');
  for (const seq of seqs) {
    const buf = new Uint8Array(12 + 4);
    writeSequenceHeader(buf, epoch, seq);
    new DataView(buf.buffer).setUint32(12, seq);
    await new Promise<void>((resolve, reject) => raw.send(buf, to.address.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  return raw;
}

async function settle(endpoint: UdpEndpoint, count: number): Promise<void> {
  for (let i = 0; i < 200 && endpoint.stats().received < count; i++) await new Promise((r) => setTimeout(r, 5));
}

test('sequencing reports loss, duplicates and reordering per sender', async () => {
  await using b = await bindUdp('udp://127.0.0.1:0', { sequencing: { window: 8 } });
  //         lost: 3, 7 (7 leaves the window later) — dup: 2 — reordered: 5
  const raw = await sendSequenced([1, 2, 2, 4, 6, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16], b);
  await settle(b, 15);
  const [s] = b.senderStats();
  assert.equal(s!.received, 15);
  assert.equal(s!.duplicates, 1);
  assert.equal(s!.reordered, 1);
  assert.equal(s!.lost, 2); // 3 and 7 are further back than the 8-number window
  assert.equal(s!.missing, 0);
  assert.equal(b.stats().discardedBySequencing, 1);
  const seqs: number[] = [];
  for (let d = b.tryReceive(); d; d = b.tryReceive()) seqs.push(d.seq!);
  assert.deepEqual(seqs, [1, 2, 4, 6, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  raw.close();
});

test('ordered sequencing delivers in order, and gives up a gap after the gap timeout', async () => {
  await using b = await bindUdp('udp://127.0.0.1:0', { sequencing: { ordered: true, gapTimeout: 30 } });
  const raw = await sendSequenced([1, 3, 2, 5, 6], b);
  const seqs: number[] = [];
  for (let i = 0; i < 5; i++) seqs.push((await b.receive({ timeout: 2000 })).seq!);
  assert.deepEqual(seqs, [1, 2, 3, 5, 6]);
  const [s] = b.senderStats();
  assert.equal(s!.missing, 1); // 4 is still within the window
  raw.close();
});

test('a sender restarting with a new epoch starts a new stream, not a flood of duplicates', async () => {
  await using b = await bindUdp('udp://127.0.0.1:0', { sequencing: true });
  const raw = await sendSequenced([1, 2, 3], b, 1);
  await settle(b, 3);
  const raw2 = await sendSequenced([1, 2], b, 2);
  await settle(b, 5);
  const stats = b.senderStats();
  assert.equal(stats.length, 2); // the two raw sockets have different ports
  raw.close();
  raw2.close();
});

test('two courier endpoints with sequencing on: the numbers flow per destination', async () => {
  const [a, b] = await pair({ sequencing: true });
  await using c = await bindUdp('udp://127.0.0.1:0', { sequencing: true });
  for (let i = 0; i < 5; i++) {
    await a.send(bytes(`b${i}`), b.address);
    await a.send(bytes(`c${i}`), c.address);
  }
  const got = [];
  for (let i = 0; i < 5; i++) got.push((await b.receive({ timeout: 2000 })).seq);
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
  assert.equal(b.senderStats()[0]!.lost, 0);
  assert.equal(b.senderStats()[0]!.missing, 0);
  await a.close();
  await b.close();
});
