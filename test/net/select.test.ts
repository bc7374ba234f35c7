import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { bindUdp, connect, listen, select } from '../../src/net/index.ts';

test('select waits on endpoints of every kind and says which are ready', async (t) => {
  const udp = await bindUdp('udp://127.0.0.1:0');
  const other = await bindUdp('udp://127.0.0.1:0');
  const listener = await listen('tcp://127.0.0.1:0');
  t.after(async () => {
    await udp.close();
    await other.close();
    await listener.close();
  });
  // A new connection makes the listener ready.
  const client = await connect(listener.address, { timeout: 2000 });
  t.after(() => client.destroy());
  assert.deepEqual(await select([udp, other, listener], { timeout: 2000 }), [listener]);
  const server = await listener.accept();
  t.after(() => server.destroy());

  // Nothing ready: select times out.
  await assert.rejects(select([udp, other, server], { timeout: 30 }), (e) => isCourierError(e, 'ERR_TIMEOUT'));

  // A datagram and a stream message: both become ready.
  await other.send(Buffer.from('d'), udp.address);
  await client.send(Buffer.from('m'));
  const got: string[] = [];
  while (got.length < 2) {
    for (const e of await select([udp, other, server], { timeout: 2000 })) {
      assert.notEqual(e, other);
      // Take what is ready, as a select loop does; otherwise the endpoint stays ready.
      got.push(e === udp ? `udp:${Buffer.from(udp.tryReceive()!.data)}` : `tcp:${Buffer.from(server.tryReceive()!)}`);
    }
  }
  assert.deepEqual(got.sort(), ['tcp:m', 'udp:d']);

  // End-of-stream counts as readable too: the next receive completes at once.
  await client.end();
  assert.deepEqual(await select([server], { timeout: 2000 }), [server]);
  assert.equal(await server.receive(), null);
  await assert.rejects(select([]), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
});
