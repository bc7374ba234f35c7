import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { encodeFrame, FrameDecoder, FrameKind, listen } from '../../src/net/index.ts';

type Frame = { kind: FrameKind; body: Uint8Array };

function decodeAll(chunks: Uint8Array[], max = 1 << 20): Frame[] {
  const frames: Frame[] = [];
  // Copy each body: a view into a chunk is only valid as long as that chunk is.
  const decoder = new FrameDecoder(max, (kind, body) => frames.push({ kind, body: new Uint8Array(body) }));
  for (const chunk of chunks) decoder.push(chunk);
  assert.equal(decoder.midFrame, false);
  return frames;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

const messages = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 });

test('frames split at random points reassemble into the same messages (property)', () => {
  fc.assert(
    fc.property(messages, fc.array(fc.nat(), { maxLength: 40 }), (msgs, cuts) => {
      const stream = concat(msgs.map((m) => encodeFrame(FrameKind.Data, m)));
      const frames = decodeAll(splitAt(stream, cuts));
      assert.deepEqual(
        frames.map((f) => f.body),
        msgs.map((m) => new Uint8Array(m)),
      );
    }),
    { numRuns: 300 },
  );
});

test('frames fed one byte at a time reassemble', () => {
  fc.assert(
    fc.property(messages, (msgs) => {
      const stream = concat(msgs.map((m) => encodeFrame(FrameKind.Data, m)));
      const chunks = Array.from(stream, (b) => new Uint8Array([b]));
      assert.equal(decodeAll(chunks).length, msgs.length);
    }),
    { numRuns: 50 },
  );
});

test('arbitrary bytes give frames or ERR_MESSAGE_TOO_LARGE, never another failure or a large allocation', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
      const decoder = new FrameDecoder(4096, () => undefined);
      try {
        for (const chunk of splitAt(bytes, cuts)) decoder.push(chunk);
      } catch (err) {
        assert.ok(isCourierError(err, 'ERR_MESSAGE_TOO_LARGE'), String(err));
      }
    }),
    { numRuns: 500 },
  );
});

test('a message stream reassembles frames that a raw peer writes byte by byte', async () => {
  const listener = await listen('tcp://127.0.0.1:0');
  const raw = net.connect(listener.address.transport === 'tcp' ? listener.address.port : 0, '127.0.0.1');
  raw.setNoDelay(true);
  await once(raw, 'connect');
  raw.resume();
  const hello = new Uint8Array(8);
  hello.set([0x43, 0x52, 0x52, 1]);
  new DataView(hello.buffer).setUint32(4, 1 << 20);
  const bytes = concat([encodeFrame(FrameKind.Hello, hello), encodeFrame(FrameKind.Data, Buffer.from('split')), encodeFrame(FrameKind.Data, Buffer.from('me'))]);
  const server = await listener.accept({ timeout: 2000 });
  for (const b of bytes) {
    raw.write(new Uint8Array([b]));
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(Buffer.from((await server.receive({ timeout: 2000 }))!).toString(), 'split');
  assert.equal(Buffer.from((await server.receive({ timeout: 2000 }))!).toString(), 'me');
  raw.destroy();
  server.destroy();
  await listener.close();
});
