import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isCourierError, type RemoteExceptionError } from '../../src/errors.ts';
import { defineInterface, raise, refTo } from '../../src/invoke/interface.ts';
import { ObjectEndpoint } from '../../src/invoke/objects.ts';
import { formatRef, parseRef } from '../../src/invoke/reference.ts';
import { UdpRequestReply } from '../../src/invoke/udp-request-reply.ts';
import { t } from '../../src/marshal/schema.ts';
import type { Format } from '../../src/marshal/codec-types.ts';
import { bindUdp } from '../../src/net/udp.ts';

const Overflow = t.struct('Overflow', { limit: t.int32() });
const Counter = defineInterface('Counter', {
  add: { args: [t.int32()], result: t.int32(), raises: [Overflow], argNames: ['n'] },
  get: { args: [], result: t.int32() },
  reset: { args: [] },
  fail: { args: [t.string()] },
});
const Factory = defineInterface('Factory', {
  create: { args: [t.int32()], result: refTo(Counter) },
  total: { args: [t.sequence(refTo(Counter))], result: t.int32() },
});

function counter(start = 0, limit = 1000) {
  let value = start;
  return {
    add: (n: number) => {
      if (value + n > limit) raise(Overflow, { limit });
      return (value += n);
    },
    get: () => value,
    reset: () => {
      value = 0;
    },
    fail: (why: string) => {
      throw new Error(why);
    },
  };
}

async function endpoints(t: TestContext, format: Format = 'cdr') {
  const server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { format, call: { timeout: 2000 } });
  const client = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { format, call: { timeout: 2000 } });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  return { server, client };
}

test('an exported object is invoked through a typed proxy like a local one', async (t) => {
  const { server, client } = await endpoints(t);
  const ref = server.export(counter(), Counter);
  const proxy = client.proxy(parseRef(formatRef(ref)), Counter);
  assert.equal(await proxy.add(5), 5);
  assert.equal(await proxy.add(7), 12);
  assert.equal(await proxy.get(), 12);
  assert.equal(await proxy.reset(), undefined);
  assert.equal(await proxy.get(), 0);
  assert.equal(String(proxy), formatRef(ref));
});

test('declared exceptions arrive typed; undeclared failures arrive with their message', async (t) => {
  const { server, client } = await endpoints(t);
  const proxy = client.proxy(server.export(counter(0, 10), Counter), Counter);
  await assert.rejects(proxy.add(11), (e) => {
    assert.ok(isCourierError(e, 'ERR_REMOTE_EXCEPTION'));
    assert.equal((e as RemoteExceptionError).exception, 'Overflow');
    assert.deepEqual((e as RemoteExceptionError).detail, { limit: 10 });
    return true;
  });
  await assert.rejects(proxy.fail('disk on fire'), (e) => isCourierError(e, 'ERR_REMOTE_EXCEPTION') && (e as RemoteExceptionError).detail === 'disk on fire');
});

test('a removed object, a stale incarnation and a forged secret all give ERR_NO_SUCH_OBJECT and reach no other object', async (t) => {
  const { server, client } = await endpoints(t);
  const first = server.export(counter(), Counter);
  const second = server.export(counter(100), Counter);
  assert.ok(second.objectNumber > first.objectNumber);
  assert.ok(server.remove(first));
  assert.equal(server.remove(first), false);
  const third = server.export(counter(200), Counter);
  assert.notEqual(third.objectNumber, first.objectNumber); // numbers are never reused
  await assert.rejects(client.proxy(first, Counter).get(), (e) => isCourierError(e, 'ERR_NO_SUCH_OBJECT'));
  await assert.rejects(client.proxy({ ...second, secret: second.secret ^ 1n }, Counter).get(), (e) => isCourierError(e, 'ERR_NO_SUCH_OBJECT'));
  await assert.rejects(client.proxy({ ...second, time: second.time - 1n }, Counter).get(), (e) => isCourierError(e, 'ERR_NO_SUCH_OBJECT'));
  // Nothing reached the other objects.
  assert.equal(await client.proxy(second, Counter).get(), 100);
  assert.equal(await client.proxy(third, Counter).get(), 200);
});

test('a restarted endpoint on the same port has a new incarnation: old references are stale', async (t) => {
  const udp = await bindUdp('udp://127.0.0.1:0');
  const port = udp.address.port;
  const before = new ObjectEndpoint(new UdpRequestReply(udp));
  const oldRef = before.export(counter(), Counter);
  await before.close();
  const after = new ObjectEndpoint(new UdpRequestReply(await bindUdp(`udp://127.0.0.1:${port}`)));
  const client = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { call: { timeout: 2000 } });
  t.after(async () => {
    await client.close();
    await after.close();
  });
  const newRef = after.export(counter(), Counter);
  assert.equal(newRef.objectNumber, oldRef.objectNumber); // same number, but…
  assert.ok(newRef.time > oldRef.time); // …a later incarnation
  await assert.rejects(client.proxy(oldRef, Counter).get(), (e) => isCourierError(e, 'ERR_NO_SUCH_OBJECT'));
  assert.equal(await client.proxy(newRef, Counter).get(), 0);
});

test('references passed as results and arguments arrive as proxies, in every format', async (t) => {
  for (const format of ['cdr', 'cdr-le', 'xml', 'json', 'protobuf'] as const) {
    const { server, client } = await endpoints(t, format);
    const made: ReturnType<typeof counter>[] = [];
    const factory = client.proxy(
      server.export(
        {
          create: (start: number) => {
            const c = counter(start);
            made.push(c);
            return c; // a local implementation: exported on the spot, sent as a reference
          },
          total: async (counters) => {
            let sum = 0;
            for (const c of counters) sum += await c.get(); // proxies: calls go back over the network
            return sum;
          },
        },
        Factory,
      ),
      Factory,
    );
    const a = await factory.create(1);
    const b = await factory.create(2);
    assert.equal(await a.add(10), 11, format);
    assert.equal(await factory.total([a, b]), 13, format);
    assert.equal(made.length, 2);
  }
});
