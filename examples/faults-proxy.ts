// Put the chaos proxy between a UDP client and server on loopback: the client's sequenced endpoint counts
// the losses, duplicates and reorders it sees, and they match what the proxy says it injected.
// Run: node --import tsx examples/faults-proxy.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { bindUdp, describeChaosStats, startChaosProxy } from '../src/net/index.ts';

await using server = await bindUdp('udp://127.0.0.1:0', { sequencing: { window: 4096 }, maxQueued: 4096 });
await using proxy = await startChaosProxy({
  listen: 'udp://127.0.0.1:0',
  target: server.address,
  loss: 0.1,
  duplicate: 0.05,
  reorder: 0.1,
  delay: 2,
  jitter: 1,
  seed: 7,
});
await using client = await bindUdp('udp://127.0.0.1:0', { sequencing: true });

for (let i = 0; i < 500; i++) {
  await client.send(Buffer.from(`datagram ${i}`), proxy.address);
  if (i % 25 === 24) await sleep(2); // pace, so no kernel buffer overflows and adds losses of its own
}
// Stop injecting; once nothing is held back, a last datagram settles every gap.
proxy.update({ loss: 0, duplicate: 0, reorder: 0, delay: 0, jitter: 0 });
while (proxy.stats().held > 0) await sleep(5);
await client.send(Buffer.from('fin'), proxy.address);
while (Buffer.from((await server.receive({ timeout: 5000 })).data).toString() !== 'fin');

console.log('the proxy says:');
for (const line of describeChaosStats(proxy.stats())) console.log(`  ${line}`);
const seen = server.senderStats()[0]!;
console.log(`the server saw: lost ${seen.lost + seen.missing}, duplicates ${seen.duplicates}, reordered ${seen.reordered}`);
