// Remote invocation on loopback: a server exports a Counter and binds it in a registry; a client looks it
// up, calls it through a typed proxy, and sees a declared exception and a removed object.
// Run: node --import tsx examples/invoke-counter.ts
import { bindUdp } from 'courier-ipc/net';
import { t } from 'courier-ipc/marshal';
import { defineInterface, formatRef, ObjectEndpoint, raise, registryAt, serveRegistry, UdpRequestReply } from 'courier-ipc/invoke';

const TooBig = t.struct('TooBig', { limit: t.int32() });
const Counter = defineInterface('Counter', {
  add: { args: [t.int32()], argNames: ['n'], result: t.int32(), raises: [TooBig] },
});

await using registryHost = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')));
serveRegistry(registryHost);
await using server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')));
await using client = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { call: { timeout: 1000 } });

let total = 0;
const ref = server.export({ add: (n) => (n > 100 ? raise(TooBig, { limit: 100 }) : (total += n)) }, Counter);
await registryAt(server, registryHost.transport.address).bind('counter', ref);
console.log(`server: exported ${formatRef(ref)} as "counter"`);

const counter = client.proxy(await registryAt(client, registryHost.transport.address).lookup('counter'), Counter);
console.log(`client: add(2) = ${await counter.add(2)}, add(40) = ${await counter.add(40)}`);
await counter.add(1000).catch((err: Error) => console.log(`client: add(1000) failed: ${err.message}`));
server.remove(ref);
await counter.add(1).catch((err: Error & { code?: string }) => console.log(`client: after removal: ${err.code}`));
