import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isCourierError, type ConnectionBrokenError } from '../../src/errors.ts';
import { connect, listen, select, type MessageStream } from '../../src/net/index.ts';
import { encodeFrame, FrameKind } from '../../src/net/framing.ts';

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());
const bytes = (s: string) => Buffer.from(s);

// A connected client and server; both are torn down after the test, whether it passed or not.
async function connectedPair(t: TestContext, options: Parameters<typeof listen>[1] = {}): Promise<{ client: MessageStream; server: MessageStream }> {
  const listener = await listen('tcp://127.0.0.1:0', options);
  const [client, server] = await Promise.all([connect(listener.address, { timeout: 2000, ...options }), listener.accept({ timeout: 2000 })]);
  t.after(async () => {
    client.destroy();
    server.destroy();
    await listener.close();
  });
  return { client, server };
}

test('messages arrive whole and in order, with any size up to the maximum', async (t) => {
  const { client, server } = await connectedPair(t);
  const sizes = [0, 1, 5, 100, 8192, 8193, 70_000, 3 * 1024 * 1024];
  for (const size of sizes) await client.send(new Uint8Array(size).fill(size % 251));
  for (const size of sizes) {
    const m = await server.receive({ timeout: 5000 });
    assert.equal(m!.length, size);
    assert.ok(m!.every((b) => b === size % 251));
  }
});

test('end() half-closes: the peer drains every message, then reads end-of-stream, and can still reply', async (t) => {
  const { client, server } = await connectedPair(t);
  for (let i = 0; i < 1000; i++) void client.send(bytes(`m${i}`));
  await client.end();
  await assert.rejects(client.send(bytes('late')), (e) => isCourierError(e, 'ERR_CLOSED'));
  let n = 0;
  for await (const m of server) assert.equal(text(m), `m${n++}`);
  assert.equal(n, 1000);
  assert.equal(await server.receive(), null);
  assert.equal(server.tryReceive(), null);
  await server.send(bytes('reply after your end'));
  assert.equal(text(await client.receive({ timeout: 2000 })), 'reply after your end');
  await server.end();
  assert.equal(await client.receive({ timeout: 2000 }), null);
});

test('a confirmed send does not resolve before the peer application receives the message', async (t) => {
  const { client, server } = await connectedPair(t);
  let confirmed = false;
  const sending = client.send(bytes('sync'), { confirm: true }).then(() => (confirmed = true));
  await select([server], { timeout: 2000 }); // the message has arrived at the peer's endpoint…
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(confirmed, false); // …but the peer application has not taken it
  assert.equal(text(await server.receive()), 'sync');
  await sending;
  assert.equal(confirmed, true);
  assert.equal(client.stats().confirmed, 1);
});

test('a confirmed send can time out without losing the message', async (t) => {
  const { client, server } = await connectedPair(t);
  await assert.rejects(client.send(bytes('x'), { confirm: true, timeout: 30 }), (e) => isCourierError(e, 'ERR_TIMEOUT'));
  assert.equal(text(await server.receive({ timeout: 2000 })), 'x');
});

test('flow control: a slow reader keeps the sender buffered bytes under the high-water mark', async (t) => {
  const highWaterMark = 64 * 1024;
  const { client, server } = await connectedPair(t, { highWaterMark, receiveHighWaterMark: 64 * 1024 });
  const message = new Uint8Array(1024);
  let maxBuffered = 0;
  let sent = 0;
  const writer = (async () => {
    for (; sent < 20_000; sent++) {
      await client.send(message);
      maxBuffered = Math.max(maxBuffered, client.stats().bufferedBytes);
    }
  })();
  await new Promise((r) => setTimeout(r, 200));
  // The reader has read nothing: the sender must be waiting, far short of 20,000 messages (20 MB).
  assert.ok(sent < 20_000, `sender should be blocked, sent ${sent}`);
  assert.ok(server.stats().unreadBytes <= 64 * 1024 + 64 * 1024, `receiver holds ${server.stats().unreadBytes} unread bytes`);
  for (let i = 0; i < 20_000; i++) await server.receive({ timeout: 5000 });
  await writer;
  assert.ok(maxBuffered <= highWaterMark + 8 * 1024, `buffered ${maxBuffered} > high-water mark`);
  assert.ok(server.stats().readPauses >= 1);
});

test('receive gives up with ERR_TIMEOUT and ERR_ABORTED', async (t) => {
  const { client } = await connectedPair(t);
  await assert.rejects(client.receive({ timeout: 20 }), (e) => isCourierError(e, 'ERR_TIMEOUT'));
  await assert.rejects(client.receive({ signal: AbortSignal.timeout(20) }), (e) => isCourierError(e, 'ERR_ABORTED'));
});

test('an oversize message is refused on the sending side before anything is written', async (t) => {
  const { client, server } = await connectedPair(t, { maxMessageBytes: 1000 });
  await assert.rejects(client.send(new Uint8Array(1001)), (e) => isCourierError(e, 'ERR_MESSAGE_TOO_LARGE'));
  await client.send(bytes('still fine'));
  assert.equal(text(await server.receive({ timeout: 2000 })), 'still fine');
});

test("the sender honours the peer's smaller maximum too", async () => {
  const listener = await listen('tcp://127.0.0.1:0', { maxMessageBytes: 100 });
  const client = await connect(listener.address, { timeout: 2000 });
  await assert.rejects(client.send(new Uint8Array(101)), (e) => isCourierError(e, 'ERR_MESSAGE_TOO_LARGE'));
  client.destroy();
  await listener.close();
});

test('a peer announcing an oversize frame is disconnected before any large allocation', async () => {
  const listener = await listen('tcp://127.0.0.1:0', { maxMessageBytes: 1024 });
  const raw = net.connect(listener.address.transport === 'tcp' ? listener.address.port : 0, '127.0.0.1');
  await once(raw, 'connect');
  const rawClosed = once(raw, 'close');
  raw.resume(); // read (and ignore) the greeting, so the server's close is seen
  const hello = new Uint8Array(8);
  hello.set([0x43, 0x52, 0x52, 1]);
  raw.write(encodeFrame(FrameKind.Hello, hello));
  // Announce a 4 GiB message and send only its header.
  raw.write(Buffer.from([0xff, 0xff, 0xff, 0xf0, FrameKind.Data]));
  const server = await listener.accept({ timeout: 2000 });
  const heapBefore = process.memoryUsage().arrayBuffers;
  await assert.rejects(server.receive({ timeout: 2000 }), (e) => isCourierError(e, 'ERR_MESSAGE_TOO_LARGE'));
  assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 16 * 1024 * 1024);
  await rawClosed;
  await listener.close();
});

test('a peer process killed with SIGKILL mid-frame gives ERR_CONNECTION_BROKEN, after the whole message before it', async () => {
  const listener = await listen('tcp://127.0.0.1:0');
  const port = listener.address.transport === 'tcp' ? listener.address.port : 0;
  const child = fork(fileURLToPath(new URL('./fixtures/half-frame-peer.ts', import.meta.url)), [String(port)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'ignore',
  });
  const server = await listener.accept({ timeout: 10_000 });
  await server.send(bytes('one'));
  const [msg] = (await once(child, 'message')) as [string];
  assert.equal(msg, 'half-sent');
  child.kill('SIGKILL');
  assert.equal(text(await server.receive({ timeout: 5000 })), 'whole message');
  const err = await server.receive({ timeout: 5000 }).then(
    () => assert.fail('expected a broken connection'),
    (e: unknown) => e as ConnectionBrokenError,
  );
  assert.equal(err.code, 'ERR_CONNECTION_BROKEN');
  assert.match(err.message, /middle of a frame|reset/);
  assert.match(err.message, /cannot say which/);
  assert.equal(err.sent, 1);
  // No operation hangs after the failure.
  await assert.rejects(server.send(bytes('x')), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN'));
  await assert.rejects(server.receive(), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN'));
  await listener.close();
});

test('a peer that resets the connection breaks pending confirmed sends, naming what was never confirmed', async (t) => {
  const { client, server } = await connectedPair(t);
  await client.send(bytes('a'));
  const pending = client.send(bytes('b'), { confirm: true });
  assert.equal(text(await server.receive({ timeout: 2000 })), 'a');
  await new Promise((r) => setTimeout(r, 20));
  server.destroy();
  const err = (await pending.then(
    () => assert.fail('expected failure'),
    (e: unknown) => e,
  )) as ConnectionBrokenError;
  assert.equal(err.code, 'ERR_CONNECTION_BROKEN');
  assert.equal(err.sent, 2);
  assert.ok(err.confirmed <= 1);
});

test('an idle timeout with heartbeats detects a silent peer', async (t) => {
  const listener = await listen('tcp://127.0.0.1:0');
  const port = listener.address.transport === 'tcp' ? listener.address.port : 0;
  // A raw peer that greets and then says nothing, not even to heartbeats.
  const raw = net.connect(port, '127.0.0.1');
  await once(raw, 'connect');
  const hello = new Uint8Array(8);
  hello.set([0x43, 0x52, 0x52, 1]);
  new DataView(hello.buffer).setUint32(4, 1 << 20);
  raw.write(encodeFrame(FrameKind.Hello, hello));
  const server = await listener.accept({ timeout: 2000 });
  await listener.close();
  server.destroy();
  raw.destroy();

  // Two courier streams with heartbeats stay alive while idle…
  const { client, server: s2 } = await connectedPair(t, { idleTimeout: 150 });
  await new Promise((r) => setTimeout(r, 400));
  await client.send(bytes('still alive'));
  assert.equal(text(await s2.receive({ timeout: 1000 })), 'still alive');

  // …but a silent one is declared broken.
  const l2 = await listen('tcp://127.0.0.1:0', { idleTimeout: 100 });
  const raw2 = net.connect(l2.address.transport === 'tcp' ? l2.address.port : 0, '127.0.0.1');
  await once(raw2, 'connect');
  raw2.write(encodeFrame(FrameKind.Hello, hello));
  const s3 = await l2.accept({ timeout: 2000 });
  await assert.rejects(s3.receive({ timeout: 2000 }), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN') && /idle timeout/.test((e as Error).message));
  raw2.destroy();
  await l2.close();
});

test('connect reports refusal, timeouts and a full listener with typed errors', async () => {
  const probe = await listen('tcp://127.0.0.1:0');
  const freePort = probe.address.transport === 'tcp' ? probe.address.port : 0;
  await probe.close();
  await assert.rejects(connect(`tcp://127.0.0.1:${freePort}`, { timeout: 2000 }), (e) => isCourierError(e, 'ERR_CONNECTION_REFUSED'));

  const full = await listen('tcp://127.0.0.1:0', { maxConnections: 1 });
  const first = await connect(full.address, { timeout: 2000 });
  await assert.rejects(connect(full.address, { timeout: 2000 }), (e) => isCourierError(e, 'ERR_TOO_MANY_CONNECTIONS'));
  assert.equal(full.stats().refused, 1);
  first.destroy();
  await full.close();

  // A server that accepts TCP but never greets: the handshake times out.
  const mute = net.createServer((socket) => socket.on('error', () => undefined)); // courier resets it on timeout
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  const port = (mute.address() as net.AddressInfo).port;
  await assert.rejects(connect(`tcp://127.0.0.1:${port}`, { timeout: 100 }), (e) => isCourierError(e, 'ERR_TIMEOUT'));
  mute.close();
  await assert.rejects(listen(`tcp://127.0.0.1:${port}`).then(async (l) => {
    await assert.rejects(listen(`tcp://127.0.0.1:${port}`), (e) => isCourierError(e, 'ERR_ADDRESS_IN_USE'));
    await l.close();
    throw new Error('done');
  }), /done/);
});

test('each accepted connection is served concurrently', async () => {
  const listener = await listen('tcp://127.0.0.1:0');
  // Every handler waits until all five are running at once: served one after another, none would finish.
  let running = 0;
  let allRunning!: () => void;
  const barrier = new Promise<void>((resolve) => (allRunning = resolve));
  const serving = listener.serve(async (stream) => {
    if (++running === 5) allRunning();
    await Promise.race([barrier, new Promise((_, reject) => setTimeout(() => reject(new Error('handlers ran one at a time')), 5000))]);
    for await (const m of stream) await stream.send(m);
    await stream.end();
  });
  const clients = await Promise.all(Array.from({ length: 5 }, () => connect(listener.address, { timeout: 2000 })));
  await Promise.all(
    clients.map(async (c, i) => {
      await c.send(bytes(`hi ${i}`));
      assert.equal(text(await c.receive({ timeout: 6000 })), `hi ${i}`);
      await c.end();
      assert.equal(await c.receive({ timeout: 2000 }), null);
    }),
  );
  assert.equal(running, 5);
  await listener.close();
  await serving;
  for (const c of clients) await c.close();
});

test('message streams work over a local (ipc://) socket too', async () => {
  const path = join(tmpdir(), `courier-test-${process.pid}.sock`);
  const listener = await listen(`ipc://${path}`);
  const [client, server] = await Promise.all([connect(`ipc://${path}`, { timeout: 2000 }), listener.accept({ timeout: 2000 })]);
  await client.send(bytes('local'));
  assert.equal(text(await server.receive({ timeout: 2000 })), 'local');
  client.destroy();
  server.destroy();
  await listener.close();
});

test('close() ends, discards unread input and lets the peer read end-of-stream', async (t) => {
  const { client, server } = await connectedPair(t);
  await server.send(bytes('never read'));
  await client.close();
  assert.equal(await server.receive({ timeout: 2000 }), null);
  await assert.rejects(client.receive(), (e) => isCourierError(e, 'ERR_CLOSED'));
});
