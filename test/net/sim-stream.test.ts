import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { SimNetwork } from '../../src/net/sim/network.ts';
import { TraceRecorder } from '../../src/net/sim/trace.ts';

const bytes = (s: string) => Buffer.from(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString() : String(b));

async function pair(net: SimNetwork, options: Parameters<SimNetwork['listen']>[1] = {}) {
  const listener = net.listen('tcp://10.0.0.1:80', options);
  const connecting = net.connect('tcp://10.0.0.1:80', { from: '10.0.0.2', ...options });
  const accepting = listener.accept();
  await net.clock.runAllAsync();
  return { listener, client: await connecting, server: await accepting };
}

test('a simulated connection takes one round trip, then carries messages in order after the latency, and ends', async () => {
  const net = new SimNetwork({ link: { latency: 10 } });
  const { client, server } = await pair(net);
  assert.equal(net.clock.now(), 20);
  assert.equal(client.remoteAddress.port, 80);
  assert.deepEqual(server.remoteAddress, client.localAddress);
  assert.equal(client.localAddress.host, '10.0.0.2');
  for (const m of ['one', 'two', 'three']) await client.send(bytes(m));
  await client.end();
  const got: string[] = [];
  const reading = (async () => {
    for await (const m of server) got.push(`${text(m)}@${net.clock.now()}`);
  })();
  await net.clock.runAllAsync();
  await reading;
  assert.deepEqual(got, ['one@30', 'two@30', 'three@30']);
  await assert.rejects(client.send(bytes('late')), (e) => isCourierError(e, 'ERR_CLOSED'));
});

test('bandwidth serialises a stream and jitter never reorders it', async () => {
  // 100,000 B/s: each 10,000-byte message (plus its 5-byte header) takes about 100 ms to send.
  const net = new SimNetwork({ seed: 2, link: { latency: { min: 1, max: 30 }, bandwidth: 100_000, queueBytes: 1 << 20 } });
  const { client, server } = await pair(net);
  const start = net.clock.now();
  for (let i = 0; i < 10; i++) await client.send(new Uint8Array(10_000).fill(i));
  const order: number[] = [];
  const reading = (async () => {
    for (let i = 0; i < 10; i++) order.push((await server.receive())![0]!);
  })();
  await net.clock.runAllAsync();
  await reading;
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(net.clock.now() - start >= 1000, `took ${net.clock.now() - start} ms of virtual time`);
});

test('a slow reader makes send wait at the high-water mark; confirm resolves only after the peer took the message', async () => {
  const net = new SimNetwork({ link: { latency: 5 } });
  const { client, server } = await pair(net, { highWaterMark: 4096, receiveHighWaterMark: 4096 });
  let sent = 0;
  const sending = (async () => {
    for (let i = 0; i < 100; i++) {
      await client.send(new Uint8Array(1024));
      sent++;
    }
  })();
  await net.clock.advanceAsync(1000);
  assert.ok(sent < 20, `sender stopped at the high-water marks (sent ${sent})`);
  assert.ok(client.stats().bufferedBytes <= 4096 + 4096 + 1024);
  let taken = 0;
  const reading = (async () => {
    while (taken < 100) {
      await server.receive();
      taken++;
    }
  })();
  await net.clock.runAllAsync();
  await sending;
  await reading;
  assert.equal(sent, 100);
  assert.ok(server.stats().readPauses >= 1);

  let confirmedAt = -1;
  const confirming = client.send(bytes('sync'), { confirm: true }).then(() => (confirmedAt = net.clock.now()));
  await net.clock.advanceAsync(100);
  assert.equal(confirmedAt, -1, 'not confirmed before the peer application took it');
  const takenAt = net.clock.now();
  const m = server.receive();
  await net.clock.runAllAsync();
  assert.equal(text(await m), 'sync');
  await confirming;
  assert.equal(confirmedAt, takenAt + 5, 'confirmation travels back over the link');
  assert.equal(client.stats().confirmed, 101);
});

test('a short partition only delays a stream; a long one breaks it with ERR_CONNECTION_BROKEN on both ends', async () => {
  const net = new SimNetwork({ link: { latency: 5 } });
  const { client, server } = await pair(net, { breakTimeout: 1000, retransmitInterval: 100 });
  const short = net.partition(['10.0.0.2']);
  await client.send(bytes('delayed'));
  await net.clock.advanceAsync(500);
  assert.equal(server.tryReceive(), undefined);
  short.heal();
  await net.clock.advanceAsync(200);
  assert.equal(text(server.tryReceive()), 'delayed');

  const long = net.partition(['10.0.0.1'], ['10.0.0.2']);
  await client.send(bytes('lost'));
  const clientSide = client.receive().catch((e: unknown) => e);
  const serverSide = server.receive().catch((e: unknown) => e);
  await net.clock.runAllAsync();
  const [c, s] = [await clientSide, await serverSide];
  assert.ok(isCourierError(c, 'ERR_CONNECTION_BROKEN'), String(c));
  assert.ok(isCourierError(s, 'ERR_CONNECTION_BROKEN'), String(s));
  long.heal();
  await assert.rejects(client.send(bytes('after')), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN'));
});

test('connect is refused with nothing listening, times out across a partition, and a reset reaches the peer', async () => {
  const net = new SimNetwork({ link: { latency: 5 } });
  const refused = net.connect('tcp://10.0.0.9:80', { from: '10.0.0.2' }).catch((e: unknown) => e);
  await net.clock.runAllAsync();
  assert.ok(isCourierError(await refused, 'ERR_CONNECTION_REFUSED'));

  const listener = net.listen('tcp://10.0.0.1:80');
  const p = net.partition(['10.0.0.1']);
  const cut = net.connect(listener.address, { from: '10.0.0.2', breakTimeout: 500 }).catch((e: unknown) => e);
  await net.clock.runAllAsync();
  assert.ok(isCourierError(await cut, 'ERR_TIMEOUT'));
  p.heal();

  await listener.close();
  const other = new SimNetwork({ link: { latency: 5 } });
  const { client, server } = await pair(other);
  client.destroy();
  const seen = server.receive().catch((e: unknown) => e);
  await other.clock.runAllAsync();
  assert.ok(isCourierError(await seen, 'ERR_CONNECTION_BROKEN'), String(await seen));
});

test('sever cuts a connection at once: both ends read what arrived, then get ERR_CONNECTION_BROKEN; streams appear in traces', async () => {
  const net = new SimNetwork({ link: { latency: 5 } });
  const kinds: string[] = [];
  net.trace = (_at, kind) => kinds.push(kind);
  const { client, server } = await pair(net);
  await client.send(bytes('arrived'));
  await net.clock.runAllAsync();
  client.sever();
  assert.equal(text(await server.receive()), 'arrived');
  await assert.rejects(server.receive(), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN'));
  await assert.rejects(client.receive(), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN'));
  await assert.rejects(client.send(bytes('x')), (e) => isCourierError(e, 'ERR_CONNECTION_BROKEN'));
  assert.deepEqual(kinds, ['stream']);
});

async function asyncRun(seed: number): Promise<string> {
  const net = new SimNetwork({ seed, link: { latency: { min: 1, max: 9 }, loss: 0.2, bandwidth: 1_000_000 } });
  const recorder = new TraceRecorder(0);
  net.trace = recorder.listener;
  const listener = net.listen('tcp://10.0.0.1:80');
  const serving = (async () => {
    for (let i = 0; i < 3; i++) {
      const s = await listener.accept();
      void (async () => {
        for await (const m of s) await s.send(m);
        await s.end();
      })();
    }
  })();
  const clients = [2, 3, 4].map(async (h) => {
    const c = await net.connect('tcp://10.0.0.1:80', { from: `10.0.0.${h}` });
    for (let i = 0; i < 20; i++) {
      await c.send(new Uint8Array(100 * h), { confirm: i % 5 === 0 });
      await c.receive();
    }
    await c.end();
    return c.receive();
  });
  const pings = [5, 6].map((h) => net.bind(`udp://10.0.0.${h}:1`));
  for (let i = 0; i < 50; i++) net.clock.setTimer(() => void pings[0]!.send(new Uint8Array(10), pings[1]!.address), i);
  await net.clock.runAllAsync();
  await serving;
  assert.deepEqual(await Promise.all(clients), [null, null, null]);
  return `${recorder.digest}/${recorder.count}/${net.clock.now()}`;
}

test('a run mixing awaited streams and datagrams repeats exactly for a seed', async () => {
  const one = await asyncRun(9);
  assert.equal(await asyncRun(9), one);
  assert.notEqual(await asyncRun(10), one);
});
