import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { defineInterface } from '../../src/invoke/interface.ts';
import { ObjectEndpoint } from '../../src/invoke/objects.ts';
import { UdpRequestReply } from '../../src/invoke/udp-request-reply.ts';
import { t } from '../../src/marshal/schema.ts';
import { SimNetwork } from '../../src/net/sim/network.ts';

const Thing = defineInterface('LeasedThing', { ping: { args: [], result: t.int32() } });

function setUp() {
  const net = new SimNetwork({ seed: 3, link: { latency: 2 } });
  const clock = net.clock;
  const rr = (address: string) => new UdpRequestReply(net.bind(address), { clock });
  const server = new ObjectEndpoint(rr('udp://10.0.0.1:1'), { clock, leaseDuration: 1000 });
  const client = new ObjectEndpoint(rr('udp://10.0.0.2:1'), { clock, leases: true, call: { timeout: 500 } });
  const other = new ObjectEndpoint(rr('udp://10.0.0.3:1'), { clock, call: { timeout: 500 } });
  return { net, server, client, other };
}

test('a client that renews its lease keeps a collectable object alive; once it stops, the object is collected', async () => {
  const { net, server, client, other } = setUp();
  const ref = server.export({ ping: () => 1 }, Thing, { collectable: true });
  client.proxy(ref, Thing); // takes a lease and renews it every 500 ms
  await net.clock.advanceAsync(10_000);
  assert.equal(server.exportedCount, 1);
  assert.equal(server.leases.holders(ref.objectNumber), 1); // the exporter's initial lease has expired; the client's lives
  const probe = other.proxy(ref, Thing).ping();
  await net.clock.advanceAsync(50);
  assert.equal(await probe, 1);

  // The client crashes: its renewals stop without a release.
  await client.close();
  await net.clock.advanceAsync(3000);
  assert.equal(server.exportedCount, 0);
  assert.equal(server.leases.collected, 1);
  const late = other.proxy(ref, Thing).ping().then(() => 'answered', (e: unknown) => e);
  await net.clock.advanceAsync(50);
  assert.ok(isCourierError(await late, 'ERR_NO_SUCH_OBJECT'));
  await other.close();
  await server.close();
});

test('a clean release lets the object go at once; objects not exported as collectable are never collected', async () => {
  const { net, server, client, other } = setUp();
  const leased = server.export({ ping: () => 1 }, Thing, { collectable: true });
  const pinned = server.export({ ping: () => 2 }, Thing);
  const proxy = client.proxy(leased, Thing);
  client.proxy(pinned, Thing); // the server grants no lease on it, so the client stops renewing
  await net.clock.advanceAsync(2000);
  const releasing = client.release(proxy);
  await net.clock.advanceAsync(50);
  await releasing;
  await net.clock.advanceAsync(1000);
  assert.equal(server.exportedCount, 1); // only the pinned object is left
  const p = other.proxy(pinned, Thing).ping();
  await net.clock.advanceAsync(50);
  assert.equal(await p, 2);
  await client.close();
  await other.close();
  await server.close();
});
