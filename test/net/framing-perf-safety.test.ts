// The fast paths added for speed keep the old behaviour: views of Buffer chunks are Buffers over the same
// memory, the queue's bare-promise wait and its iterator end and fail exactly as take() does, and
// acknowledgements that ride with data still count every message taken.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { realClock } from '../../src/net/clock.ts';
import { encodeFrame, FrameDecoder, FrameKind } from '../../src/net/framing.ts';
import { connect, listen } from '../../src/net/index.ts';
import { iterateQueue, MessageQueue } from '../../src/net/queue.ts';

test('a body inside a Buffer chunk arrives as a Buffer viewing that chunk; inside a Uint8Array, as a Uint8Array', () => {
  const frames = Buffer.concat([encodeFrame(FrameKind.Data, Buffer.from('first')), encodeFrame(FrameKind.Data, Buffer.from('second'))]);
  const seen: Uint8Array[] = [];
  new FrameDecoder(1024, (_, body) => seen.push(body)).push(frames);
  assert.deepEqual(seen.map((b) => Buffer.from(b).toString()), ['first', 'second']);
  for (const body of seen) {
    assert.ok(Buffer.isBuffer(body));
    assert.equal(body.buffer, frames.buffer); // a view, not a copy
  }
  const plain = new Uint8Array(frames);
  const plainSeen: Uint8Array[] = [];
  new FrameDecoder(1024, (_, body) => plainSeen.push(body)).push(plain);
  assert.ok(plainSeen.every((b) => !Buffer.isBuffer(b) && b.buffer === plain.buffer));
});

test('Buffer chunks cut anywhere reassemble to the same messages', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (bodies, cuts) => {
      const whole = Buffer.concat(bodies.map((b) => encodeFrame(FrameKind.Data, b)));
      const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
      const got: Uint8Array[] = [];
      const decoder = new FrameDecoder(1 << 20, (_, body) => got.push(Uint8Array.from(body)));
      let prev = 0;
      for (const p of [...points, whole.length]) {
        decoder.push(whole.subarray(prev, p));
        prev = p;
      }
      assert.deepEqual(got, bodies.map((b) => Uint8Array.from(b)));
      assert.equal(decoder.midFrame, false);
    }),
  );
});

test('take() without timeout or signal resolves with a later item, null at end, and the failure after it', async () => {
  const q = new MessageQueue<number>(8, realClock);
  const first = q.take(undefined, 'take');
  q.push(1);
  assert.equal(await first, 1);
  const second = q.take({}, 'take');
  q.end();
  assert.equal(await second, null);

  const failing = new MessageQueue<number>(8, realClock);
  const pending = failing.take(undefined, 'take');
  failing.fail(new Error('boom'));
  await assert.rejects(pending, /boom/);
});

test("the queue's iterator drains what is queued, ends at end-of-stream and throws a failure once", async () => {
  const q = new MessageQueue<number>(8, realClock);
  for (const n of [1, 2, 3]) q.push(n);
  q.end();
  const got: number[] = [];
  for await (const n of iterateQueue(() => q.take(undefined, 'iterate'), () => q.tryTake())) got.push(n);
  assert.deepEqual(got, [1, 2, 3]);

  const f = new MessageQueue<number>(8, realClock);
  f.push(7);
  const it = iterateQueue(() => f.take(undefined, 'iterate'), () => f.tryTake());
  const waiting = (async () => {
    const out: number[] = [];
    for await (const n of it) out.push(n);
    return out;
  })();
  setImmediate(() => {
    f.push(8);
    f.fail(new Error('broken'));
  });
  await assert.rejects(waiting, /broken/);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('a stream iterator stops with ERR_CLOSED after a local close, as receive() does', async () => {
  const listener = await listen('tcp://127.0.0.1:0');
  const [client, server] = await Promise.all([connect(listener.address, { timeout: 2000 }), listener.accept({ timeout: 2000 })]);
  await client.send(Buffer.from('one'));
  const it = server[Symbol.asyncIterator]();
  assert.equal(Buffer.from((await it.next()).value as Uint8Array).toString(), 'one');
  await client.send(Buffer.from('two'));
  void server.close();
  await assert.rejects(it.next(), (e) => isCourierError(e, 'ERR_CLOSED'));
  client.destroy();
  await listener.close();
});

test('acknowledgements that ride with replies still confirm every message taken', async () => {
  const listener = await listen('tcp://127.0.0.1:0');
  const [client, server] = await Promise.all([connect(listener.address, { timeout: 2000 }), listener.accept({ timeout: 2000 })]);
  const echo = (async () => {
    for await (const m of server) await server.send(m);
  })();
  for (let i = 0; i < 200; i++) {
    await client.send(Buffer.from(`m${i}`));
    assert.equal(Buffer.from((await client.receive({ timeout: 2000 }))!).toString(), `m${i}`);
  }
  // A confirmed send resolves only once the cumulative acknowledgement covers it, and every earlier one.
  await client.send(Buffer.from('last'), { confirm: true, timeout: 2000 });
  assert.equal(client.stats().confirmed, 201);
  await client.receive({ timeout: 2000 });
  await client.end();
  await echo;
  await server.end();
  assert.equal(await client.receive({ timeout: 2000 }), null);
  client.destroy();
  server.destroy();
  await listener.close();
});

test('a receiver that never replies still acknowledges every message it takes', async () => {
  const listener = await listen('tcp://127.0.0.1:0');
  const [client, server] = await Promise.all([connect(listener.address, { timeout: 2000 }), listener.accept({ timeout: 2000 })]);
  for (let i = 0; i < 100; i++) await client.send(Buffer.from(`m${i}`));
  for (let i = 0; i < 100; i++) await server.receive({ timeout: 2000 });
  // Wait for the cumulative acknowledgement to arrive (it goes out by setImmediate when no data does).
  const deadline = performance.now() + 2000;
  while (client.stats().confirmed < 100 && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.equal(client.stats().confirmed, 100);
  client.destroy();
  server.destroy();
  await listener.close();
});
