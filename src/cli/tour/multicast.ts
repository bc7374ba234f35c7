import { randomInt } from 'node:crypto';
import { CourierError } from '../../errors.ts';
import { formatAddress } from '../../net/address.ts';
import { bindUdp } from '../../net/udp.ts';
import { openMulticast, type MulticastEndpoint } from '../../multicast/index.ts';
import { showPayload } from '../payload.ts';
import type { TourStep } from './step.ts';

export const multicastStep: TourStep = {
  title: 'IP multicast: one send reaches a group; members join and leave',
  idea:
    'A sender addresses a group, not its members: one datagram reaches every process that joined it, however\n' +
    'many there are, and the sender never learns who they are. A member that leaves hears nothing more;\n' +
    'the others are not affected. Delivery is as unreliable as UDP: datagrams may be lost or reordered.',
  async run(say, signal) {
    // A fresh administratively scoped group and port, so two tours at once do not hear each other. On
    // this host's loopback interface only: the datagrams never reach a network.
    const group = `239.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const port = await freePort();
    const to = `udp://${group}:${port}`;
    const members: MulticastEndpoint[] = [];
    try {
      for (const name of ['ann', 'bob', 'cas']) {
        members.push(await openMulticast({ port, interface: '127.0.0.1', groups: [group] }));
        say(`${name} joined ${group}:${port}`);
      }
      say('three members share one port on one host (each could as well be a process of its own)');
      const sender = await openMulticast({ port, interface: '127.0.0.1', host: '127.0.0.1' });
      members.push(sender);
      say(`the sender at ${formatAddress(sender.address)} sends once, to the group`);

      const names = ['ann', 'bob', 'cas'];
      await sender.send(Buffer.from('hello, group'), to);
      for (const [i, m] of members.slice(0, 3).entries()) {
        const d = await m.receive({ timeout: 2000, signal });
        say(`  ${names[i]} received ${showPayload(d.data)} from ${formatAddress(d.from)}`);
      }

      await members[2]!.leave(group);
      say('cas left the group');
      await sender.send(Buffer.from('cas has gone'), to);
      for (const [i, m] of members.slice(0, 2).entries()) {
        const d = await m.receive({ timeout: 2000, signal });
        say(`  ${names[i]} received ${showPayload(d.data)}`);
      }
      try {
        const d = await members[2]!.receive({ timeout: 300, signal });
        throw new Error(`cas left the group but still received ${showPayload(d.data)}`);
      } catch (err) {
        if (!(err instanceof CourierError) || err.code !== 'ERR_TIMEOUT') throw err;
        say(`  cas heard nothing in 300 ms (${err.code}): leaving took effect`);
      }
      const s = members.slice(0, 3).map((m, i) => `${names[i]} ${m.stats().received}`);
      say(`datagrams received: ${s.join(', ')}; the sender sent ${sender.stats().sent}, once each`);
    } finally {
      await Promise.all(members.map((m) => m.close()));
    }
  },
};

// A port no socket of this host holds now: the system's ephemeral choice, released at once.
async function freePort(): Promise<number> {
  const probe = await bindUdp('udp://127.0.0.1:0');
  const { port } = probe.address;
  await probe.close();
  return port;
}
