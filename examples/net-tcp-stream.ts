// A message stream on loopback: a server that upper-cases each message, a client that sends three and
// half-closes, then reads the replies until end-of-stream.
// Run: node --import tsx examples/net-tcp-stream.ts
import { connect, listen, type MessageStream } from 'courier-ipc/net';

await using listener = await listen('tcp://127.0.0.1:0');
const serving = listener.serve(async (stream: MessageStream) => {
  for await (const message of stream) await stream.send(new TextEncoder().encode(new TextDecoder().decode(message).toUpperCase()));
  await stream.end(); // the client has ended; end our direction too
});

await using client = await connect(listener.address, { timeout: 1000 });
for (const word of ['one', 'two', 'three']) await client.send(new TextEncoder().encode(word));
await client.send(new TextEncoder().encode('last'), { confirm: true }); // resolves once the server took it
await client.end();
for await (const reply of client) console.log(new TextDecoder().decode(reply));

await listener.close();
await serving;
