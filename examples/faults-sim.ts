// Test a protocol on a simulated network: a tiny request-reply client with retries, run over a lossy,
// duplicating link on virtual time, then checked against what the network says it did. Same seed, same run.
// Run: node --import tsx examples/faults-sim.ts
import { SimNetwork, TraceRecorder, type DatagramEndpoint } from '../src/net/index.ts';

// The protocol under test: send a request, wait up to 50 ms for the reply, retry up to 5 times.
async function call(client: DatagramEndpoint, server: string, request: string): Promise<{ reply: string; attempts: number }> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    await client.send(Buffer.from(request), server);
    try {
      for (;;) {
        const d = await client.receive({ timeout: 50 });
        const reply = Buffer.from(d.data).toString();
        if (reply === `re: ${request}`) return { reply, attempts: attempt }; // a late reply to an old request is skipped
      }
    } catch {
      // ERR_TIMEOUT: the request or its reply was lost; try again.
    }
  }
  throw new Error(`no reply to ${request} after 5 attempts`);
}

async function run(seed: number) {
  const net = new SimNetwork({ seed, link: { latency: { min: 5, max: 15 }, loss: 0.2, duplicate: 0.1 } });
  const recorder = new TraceRecorder(0);
  net.trace = recorder.listener;
  const server = net.bind('udp://10.0.0.1:7');
  const client = net.bind('udp://10.0.0.2:0');
  // The server echoes with a prefix; replies go to whoever asked (receive-from-any).
  server.onReadable(() => {
    for (let d = server.tryReceive(); d; d = server.tryReceive()) void server.send(Buffer.from(`re: ${Buffer.from(d.data).toString()}`), d.from);
  });
  let attempts = 0;
  const calls = (async () => {
    for (let i = 0; i < 20; i++) attempts += (await call(client, 'udp://10.0.0.1:7', `request ${i}`)).attempts;
  })();
  await net.clock.runAllAsync(); // virtual time runs until nothing is left to do
  await calls;
  return { attempts, virtualMs: net.clock.now(), counters: net.counters(), digest: recorder.digest };
}

const first = await run(42);
const again = await run(42);
console.log(`20 calls took ${first.attempts} attempts and ${first.virtualMs.toFixed(1)} ms of virtual time`);
console.log(`the network: ${JSON.stringify(first.counters)}`);
console.log(`same seed, same trace: ${first.digest === again.digest} (${first.digest})`);
