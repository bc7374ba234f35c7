// IP multicast on this host's loopback interface: three members join a group on one shared port, a
// sender reaches them all with each datagram, one member leaves, and sequencing shows each member what
// it received from the sender. A member that leaves hears nothing more. Nothing is sent to a network.
// Run: node --import tsx examples/multicast-group.ts
import { classifyGroup, openMulticast } from '../src/multicast/index.ts';

const group = '239.255.42.99';
const port = 45_999;
const info = classifyGroup(group);
console.log(`${group}: ${info.scope} scope, ${info.block}`);

// On loopback, name the interface: a host's lo usually has no multicast route of its own.
const options = { port, interface: '127.0.0.1', sequencing: true } as const;
const members = await Promise.all(['ann', 'bob', 'cas'].map(() => openMulticast({ ...options, groups: [group] })));
const sender = await openMulticast({ ...options, host: '127.0.0.1', ttl: 1 });

try {
  const heard: string[][] = [[], [], []];
  const take = async (i: number) => {
    const d = await members[i]!.receive({ timeout: 200 }).catch(() => undefined); // a timeout: nothing (more) came
    if (d) heard[i]!.push(`${Buffer.from(d.data).toString()} (seq ${d.seq})`);
    return d !== undefined;
  };
  for (let n = 1; n <= 3; n++) {
    await sender.send(Buffer.from(`news #${n}`), `udp://${group}:${port}`);
    for (let i = 0; i < 3; i++) await take(i);
  }
  await members[2]!.leave(group); // cas leaves: from now on it hears nothing from the group
  await sender.send(Buffer.from('news #4'), `udp://${group}:${port}`);
  for (let i = 0; i < 3; i++) while (await take(i));

  for (const [i, name] of ['ann', 'bob', 'cas'].entries()) {
    const s = members[i]!.senderStats()[0];
    const perSender = s ? `; from ${s.from}: ${s.received} received, ${s.lost + s.missing} missing` : '';
    console.log(`${name} heard ${heard[i]!.join(', ')}${perSender}`);
  }
  console.log(`the sender sent ${sender.stats().sent} datagrams, one per message, whatever the number of members`);
} finally {
  await Promise.all([...members, sender].map((e) => e.close()));
}
