import { CourierError } from '../../errors.ts';
import { formatAddress } from '../../net/address.ts';
import { bindUdp } from '../../net/udp.ts';
import { showPayload } from '../payload.ts';
import type { TourStep } from './step.ts';

export const udpStep: TourStep = {
  title: 'UDP datagrams: receive from any, a fixed buffer, a timeout',
  idea:
    'A datagram travels alone: the receiver names no sender and learns it on arrival; its receive buffer has\n' +
    'a fixed size, so a larger datagram arrives cut; and a blocking receive needs a timeout, because a\n' +
    'datagram that never comes (an omission failure) gives no other sign.',
  async run(say, signal) {
    await using server = await bindUdp('udp://127.0.0.1:0', { receiveBufferSize: 16 });
    await using client = await bindUdp('udp://127.0.0.1:0');
    say(`server bound to ${formatAddress(server.address)} with a 16-byte receive buffer`);
    say(`client bound to ${formatAddress(client.address)}`);

    await client.send(Buffer.from('hello'), server.address);
    const hello = await server.receive({ timeout: 2000, signal });
    say(`server received ${showPayload(hello.data)} from ${formatAddress(hello.from)} (receive from any)`);
    await server.send(Buffer.from('hi back'), hello.from);
    const reply = await client.receive({ timeout: 2000, signal });
    say(`client received the reply ${showPayload(reply.data)}, sent to the address the datagram came from`);

    const long = 'a datagram longer than sixteen bytes';
    await client.send(Buffer.from(long), server.address);
    const cut = await server.receive({ timeout: 2000, signal });
    if (!cut.truncated) throw new Error('expected a truncated datagram');
    say(`a ${cut.size}-byte datagram arrived truncated to ${cut.data.length} bytes: ${showPayload(cut.data)}`);

    const started = performance.now();
    try {
      await server.receive({ timeout: 200, signal });
      throw new Error('expected a timeout');
    } catch (err) {
      if (!(err instanceof CourierError) || err.code !== 'ERR_TIMEOUT') throw err;
      say(`a receive with nothing to come gave up after ${(performance.now() - started).toFixed(0)} ms: ${err.code}`);
    }
    const s = server.stats();
    say(`server counters: received ${s.received}, truncated ${s.truncated}, dropped ${s.dropped}`);
  },
};
