// A UDP echo on loopback: receive from any sender, reply to the address the datagram came from.
// Run: node --import tsx examples/net-udp-echo.ts
import { bindUdp, formatAddress } from 'courier-ipc/net';

await using server = await bindUdp('udp://127.0.0.1:0', { receiveBufferSize: 1024 });
await using client = await bindUdp('udp://127.0.0.1:0');

const serving = (async () => {
  for await (const datagram of server) {
    console.log(`server: ${datagram.data.length} bytes from ${formatAddress(datagram.from)}${datagram.truncated ? ' (truncated)' : ''}`);
    await server.send(datagram.data, datagram.from);
  }
})();

await client.send(new TextEncoder().encode('ping'), server.address);
const reply = await client.receive({ timeout: 1000 }); // an omission failure would end here with ERR_TIMEOUT
console.log(`client: echoed "${new TextDecoder().decode(reply.data)}"`);

await server.close();
await serving;
