import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { startChaosProxy } from '../../src/net/chaos/proxy.ts';
import { connect, listen } from '../../src/net/tcp.ts';
import type { MessageStream } from '../../src/net/stream.ts';

// A courier echo service: every message comes back; end-of-stream ends the reply stream too.
async function echoServer() {
  const listener = await listen('tcp://127.0.0.1:0');
  const failures: unknown[] = [];
  const serving = listener.serve(async (s: MessageStream) => {
    try {
      for await (const m of s) await s.send(m);
      await s.end();
    } catch (err) {
      failures.push(err);
    }
  });
  return { listener, failures, serving };
}

test('cutting a connection after N bytes gives ERR_CONNECTION_BROKEN at both courier streams', async () => {
  const { listener, failures, serving } = await echoServer();
  await using proxy = await startChaosProxy({ listen: 'tcp://127.0.0.1:0', target: listener.address, cutAfterBytes: 5000 });
  const client = await connect(proxy.address, { timeout: 3000 });
  const outcome = (async () => {
    try {
      for (let i = 0; i < 200; i++) {
        await client.send(new Uint8Array(100));
        await client.receive({ timeout: 3000 });
      }
      return 'no failure';
    } catch (err) {
      return err;
    }
  })();
  try {
    const err = await outcome;
    assert.ok(isCourierError(err, 'ERR_CONNECTION_BROKEN'), `client got ${String(err)}`);
    const s = proxy.stats();
    assert.equal(s.cuts, 1);
    assert.equal(s.upstream.bytesForwarded + s.downstream.bytesForwarded, 5000, 'exactly the budget was forwarded');
  } finally {
    client.destroy();
    await listener.close();
  }
  await serving;
  assert.equal(failures.length, 1);
  assert.ok(isCourierError(failures[0], 'ERR_CONNECTION_BROKEN'), `server got ${String(failures[0])}`);
});

test('cutting a connection at a time breaks it; later connections are proxied afresh', async () => {
  const { listener, serving } = await echoServer();
  await using proxy = await startChaosProxy({ listen: 'tcp://127.0.0.1:0', target: listener.address, cutAfter: 100 });
  const client = await connect(proxy.address, { timeout: 3000 });
  try {
    await client.send(Buffer.from('before the cut'));
    assert.equal(Buffer.from((await client.receive({ timeout: 3000 }))!).toString(), 'before the cut');
    await assert.rejects(client.receive({ timeout: 5000 }), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN'));
    assert.equal(proxy.stats().cuts, 1);
    proxy.update({ cutAfter: 0 });
    await using again = await connect(proxy.address, { timeout: 3000 });
    await again.send(Buffer.from('fresh'));
    assert.equal(Buffer.from((await again.receive({ timeout: 3000 }))!).toString(), 'fresh');
    await again.end();
    assert.equal(await again.receive({ timeout: 3000 }), null);
  } finally {
    client.destroy();
    await listener.close();
  }
  await serving;
});

test('delay, jitter, bandwidth and stalls slow a stream down but keep every byte in order', async () => {
  const { listener, serving } = await echoServer();
  // 512 KiB/s each way, 20 ms (+ up to 5 ms) each way, and a 50 ms stall every 100 ms.
  await using proxy = await startChaosProxy({
    listen: 'tcp://127.0.0.1:0',
    target: listener.address,
    delay: 20,
    jitter: 5,
    bandwidth: 512 * 1024,
    stallEvery: 100,
    stallFor: 50,
    seed: 4,
  });
  const client = await connect(proxy.address, { timeout: 3000 });
  try {
    const started = performance.now();
    const rtt = performance.now();
    await client.send(Buffer.from('ping'));
    assert.equal(Buffer.from((await client.receive({ timeout: 5000 }))!).toString(), 'ping');
    assert.ok(performance.now() - rtt >= 40, 'a round trip crosses the delay twice');
    // 256 KiB each way at 512 KiB/s takes at least half a second.
    const messages = 64;
    const body = (i: number) => Buffer.alloc(4096, i);
    const receiving = (async () => {
      for (let i = 0; i < messages; i++) {
        const m = await client.receive({ timeout: 10_000 });
        assert.ok(m && Buffer.from(m).equals(body(i)), `message ${i} arrived intact and in order`);
      }
    })();
    for (let i = 0; i < messages; i++) await client.send(body(i));
    await receiving;
    assert.ok(performance.now() - started >= 450, 'the bandwidth limit held');
    await client.end();
    assert.equal(await client.receive({ timeout: 5000 }), null);
    const s = proxy.stats();
    assert.ok(s.stalls >= 1);
    // Everything the client sent went through, though its last acknowledgements may still be held.
    assert.ok(s.upstream.bytesForwarded >= 64 * 4096 && s.upstream.bytesForwarded <= s.upstream.bytesReceived);
    await client.close();
  } finally {
    client.destroy();
    await listener.close();
  }
  await serving;
});
