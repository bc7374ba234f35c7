import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError, type RemoteExceptionError } from '../../src/errors.ts';
import { defineInterface } from '../../src/invoke/interface.ts';
import { ObjectEndpoint } from '../../src/invoke/objects.ts';
import { registryAt, serveRegistry } from '../../src/invoke/registry.ts';
import { signature } from '../../src/invoke/describe.ts';
import { UdpRequestReply } from '../../src/invoke/udp-request-reply.ts';
import { t } from '../../src/marshal/schema.ts';
import { bindUdp } from '../../src/net/udp.ts';

const Greeter = defineInterface('Greeter', { greet: { args: [t.string(), t.int64()], argNames: ['name', 'times'], result: t.string() } });

test('a registry binds names to references; clients look them up and invoke', async (t) => {
  const registryEndpoint = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')));
  const server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { call: { timeout: 2000 } });
  const client = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { call: { timeout: 2000 } });
  t.after(async () => {
    await client.close();
    await server.close();
    await registryEndpoint.close();
  });
  serveRegistry(registryEndpoint);
  const ref = server.export({ greet: (name: string, times: bigint) => `hello ${name} x${times}` }, Greeter);
  const fromServer = registryAt(server, registryEndpoint.transport.address);
  await fromServer.bind('greeter', ref);
  await assert.rejects(fromServer.bind('greeter', ref), (e) => (e as RemoteExceptionError).exception === 'courier::AlreadyBound');

  const registry = registryAt(client, registryEndpoint.transport.address);
  assert.deepEqual(await registry.list(), ['greeter']);
  const found = await registry.lookup('greeter');
  assert.equal(await client.proxy(found, Greeter).greet('ann', 2n), 'hello ann x2');
  await assert.rejects(registry.lookup('nobody'), (e) => isCourierError(e, 'ERR_REMOTE_EXCEPTION') && (e as RemoteExceptionError).exception === 'courier::NotBound');
  await registry.unbind('greeter');
  assert.deepEqual(await registry.list(), []);
});

test('an object describes its interface, so a caller without its definition can invoke it from JSON', async (t) => {
  const server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')));
  const client = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { call: { timeout: 2000 } });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const ref = server.export({ greet: (name: string, times: bigint) => `hi ${name} x${times}` }, Greeter);
  const iface = await client.describe(ref);
  assert.equal(iface.name, 'Greeter');
  assert.equal(signature(iface.methods[0]!), 'greet(name: string, times: int64): string');
  // int64 travels as a decimal string in JSON.
  assert.equal(await client.invokeJson(ref, iface, 'greet', ['bob', '3']), 'hi bob x3');
  await assert.rejects(client.invokeJson(ref, iface, 'nope', []), (e) => isCourierError(e, 'ERR_NO_SUCH_OPERATION'));
  await assert.rejects(client.invokeJson(ref, iface, 'greet', [1, 2]), (e) => isCourierError(e, 'ERR_DECODE'));
});
