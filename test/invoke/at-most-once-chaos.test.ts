import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { defineInterface } from '../../src/invoke/interface.ts';
import { ObjectEndpoint } from '../../src/invoke/objects.ts';
import { UdpRequestReply } from '../../src/invoke/udp-request-reply.ts';
import { t } from '../../src/marshal/schema.ts';
import { startChaosProxy } from '../../src/net/chaos/proxy.ts';
import { bindUdp } from '../../src/net/udp.ts';

const Counter = defineInterface('ChaosCounter', { increment: { args: [], result: t.int32() } });

test('at-most-once through the chaos proxy: the counter never exceeds the calls that could have run', async (t) => {
  const options = { retransmitInterval: 30, retries: 8 };
  const server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0'), options));
  const proxy = await startChaosProxy({
    listen: 'udp://127.0.0.1:0',
    target: server.transport.address,
    loss: 0.15,
    duplicate: 0.1,
    reorder: 0.2,
    reorderDelay: 5,
    seed: 11,
  });
  const client = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0'), options));
  t.after(async () => {
    await client.close();
    await proxy.close();
    await server.close();
  });
  let count = 0;
  const ref = server.export({ increment: () => ++count }, Counter);
  // The client reaches the object through the proxy: same object, the proxy's port.
  const counter = client.proxy({ ...ref, port: proxy.address.port }, Counter);
  let completed = 0;
  let timedOut = 0;
  const seen = new Set<number>();
  for (let batch = 0; batch < 12; batch++) {
    await Promise.all(
      Array.from({ length: 32 }, () =>
        counter.increment().then(
          (value) => {
            completed++;
            assert.ok(!seen.has(value), `value ${value} returned twice: a call ran twice`);
            seen.add(value);
          },
          (e: unknown) => {
            assert.ok(isCourierError(e, 'ERR_TIMEOUT'), String(e));
            timedOut++;
          },
        ),
      ),
    );
  }
  assert.equal(completed + timedOut, 384);
  assert.ok(count >= completed && count <= completed + timedOut, `count ${count}, completed ${completed}, timed out ${timedOut}`);
  const injected = proxy.stats();
  const rr = (server.transport as UdpRequestReply).stats();
  assert.ok(rr.repliesReplayed + rr.duplicatesIgnored > 0, `the proxy's faults (${JSON.stringify(injected)}) should have caused duplicates`);
});
