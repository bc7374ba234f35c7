import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { defineInterface } from '../../src/invoke/interface.ts';
import { ObjectEndpoint } from '../../src/invoke/objects.ts';
import { StreamRequestReply } from '../../src/invoke/stream-request-reply.ts';
import { t } from '../../src/marshal/schema.ts';

const Calc = defineInterface('Calc', {
  add: { args: [t.int32(), t.int32()], result: t.int32() },
  slow: { args: [t.int32()], result: t.int32() },
  echo: { args: [t.bytes()], result: t.bytes() },
});

test('remote invocation over TCP: many calls in flight on one connection, served concurrently', async (t) => {
  let running = 0;
  let maxRunning = 0;
  const server = new ObjectEndpoint(await StreamRequestReply.listen('tcp://127.0.0.1:0'));
  const client = new ObjectEndpoint(await StreamRequestReply.listen('tcp://127.0.0.1:0'), { call: { timeout: 5000 } });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const ref = server.export(
    {
      add: (a: number, b: number) => a + b,
      slow: async (n: number) => {
        maxRunning = Math.max(maxRunning, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return n;
      },
      echo: (b: Uint8Array) => b,
    },
    Calc,
  );
  assert.equal(ref.transport, 'tcp');
  const calc = client.proxy(ref, Calc);
  assert.equal(await calc.add(2, 3), 5);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => calc.slow(i)));
  assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i));
  assert.ok(maxRunning > 1, 'calls should overlap on the server');
  const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
  assert.deepEqual(await calc.echo(big), big); // a plain Uint8Array, though it arrived in a Buffer
});

test('a server that goes away fails calls in flight with ERR_CONNECTION_BROKEN, and later calls cannot connect', async (t) => {
  const server = new ObjectEndpoint(await StreamRequestReply.listen('tcp://127.0.0.1:0'));
  const client = new ObjectEndpoint(await StreamRequestReply.listen('tcp://127.0.0.1:0'), { call: { timeout: 5000 } });
  t.after(async () => {
    await client.close();
  });
  let started!: () => void;
  const inside = new Promise<void>((r) => (started = r));
  const calc = client.proxy(
    server.export(
      {
        add: (a: number, b: number) => a + b,
        slow: async () => {
          started();
          return new Promise<number>(() => undefined); // never answers
        },
        echo: (b: Uint8Array) => b,
      },
      Calc,
    ),
    Calc,
  );
  const pending = calc.slow(1).then(
    () => assert.fail('the call should fail'),
    (e: unknown) => e,
  );
  await inside;
  await server.close();
  assert.ok(isCourierError(await pending, 'ERR_CONNECTION_BROKEN'));
  await assert.rejects(calc.add(1, 2), (e) => isCourierError(e, 'ERR_CONNECTION_REFUSED'));
});

test('remote invocation over TLS with client certificates', async (t) => {
  const { haveOpenssl, makeCerts } = await import('../net/fixtures/certs.ts');
  if (!haveOpenssl()) return t.skip('the openssl command is not installed: cannot make test certificates');
  const c = makeCerts();
  const server = new ObjectEndpoint(
    await StreamRequestReply.listen('tcp://127.0.0.1:0', { tls: { key: c.serverKey, cert: c.serverCert, ca: c.ca, requestCert: true, rejectUnauthorized: true } }),
  );
  const client = new ObjectEndpoint(await StreamRequestReply.listen('tcp://127.0.0.1:0', { clientTls: { ca: c.ca, key: c.clientKey, cert: c.clientCert } }), { call: { timeout: 5000 } });
  const intruder = new ObjectEndpoint(await StreamRequestReply.listen('tcp://127.0.0.1:0', { clientTls: { ca: c.ca, key: c.strangerKey, cert: c.strangerCert } }), { call: { timeout: 5000 } });
  t.after(async () => {
    await intruder.close();
    await client.close();
    await server.close();
  });
  const ref = server.export({ add: (a: number, b: number) => a + b, slow: (n: number) => n, echo: (b: Uint8Array) => b }, Calc);
  assert.equal(await client.proxy(ref, Calc).add(40, 2), 42);
  await assert.rejects(intruder.proxy(ref, Calc).add(1, 1), (e) => isCourierError(e, 'ERR_TLS'));
});
