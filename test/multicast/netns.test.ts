// IP multicast across hosts: each test builds its own hosts as network namespaces (see netns.ts), runs
// members and senders in them as separate processes, and removes everything afterwards, on failure too.
// Without root or namespaces these tests skip with a notice; CI runs as root and runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { freshGroup } from './helpers.ts';
import { leftoverNamespaces, namespacesUnavailable, removeStaleNamespaces, TestNet } from './netns.ts';

const unavailable = namespacesUnavailable();
if (!unavailable) {
  const stale = removeStaleNamespaces();
  if (stale.length > 0) console.log(`# removed test namespaces left by runs that were killed: ${stale.join(', ')}`);
}
const PORT = 5000;

function testNet(t: TestContext): TestNet | undefined {
  if (unavailable) {
    t.diagnostic(`skipped: ${unavailable}`);
    t.skip(`multicast across hosts not tested: ${unavailable}`);
    return undefined;
  }
  const net = new TestNet();
  t.after(() => net.destroy());
  return net;
}

test('a group reaches members on other hosts; loopback off keeps the sending host from hearing, TTL 0 keeps a datagram on it, sequencing shows the gap', async (t) => {
  const net = testNet(t);
  if (!net) return;
  net.addSwitch('lan');
  for (const [i, host] of ['h1', 'h2', 'h3'].entries()) {
    net.addHost(host);
    net.connect(host, 'eth0', 'lan', `p${i + 1}`, `10.77.1.${i + 1}/24`);
  }
  const group = freshGroup();
  const to = `udp://${group}:${PORT}`;
  const members = await Promise.all(['h1', 'h2', 'h3'].map((h) => net.peer(h, { port: PORT, interface: 'eth0', groups: [group], sequencing: true })));
  const sender = await net.peer('h1', { port: PORT, interface: 'eth0', host: '10.77.1.1', loopback: false, sequencing: true });

  await sender.command({ op: 'send', to, text: 'hello, hosts' });
  for (const m of members.slice(1)) {
    const d = await m.datagram();
    assert.equal(d.text, 'hello, hosts');
    assert.match(d.from, /^10\.77\.1\.1:\d+$/);
    assert.equal(d.seq, 1);
  }
  // The member on the sender's own host hears only what is sent once loopback is back on.
  await sender.command({ op: 'loopback', on: true });
  await sender.command({ op: 'send', to, text: 'marker' });
  assert.equal((await members[0]!.datagram()).text, 'marker');
  for (const m of members.slice(1)) assert.equal((await m.datagram()).text, 'marker');

  // TTL 0 keeps a datagram on its host: the member there hears it, the others miss it, and sequencing
  // shows each of them the gap in the sender's numbers.
  await sender.command({ op: 'send', to, text: 'host only', ttl: 0 });
  await sender.command({ op: 'send', to, text: 'after the gap', ttl: 1 });
  assert.deepEqual([(await members[0]!.datagram()).text, (await members[0]!.datagram()).text], ['host only', 'after the gap']);
  for (const m of members.slice(1)) {
    const d = await m.datagram();
    assert.deepEqual([d.text, d.seq], ['after the gap', 4]);
    const [perSender] = (await m.stats()).senders;
    assert.deepEqual([perSender!.received, perSender!.lost + perSender!.missing], [3, 1]);
  }

  // A member on another host leaves; the others still hear the group, the leaver does not: it gets the
  // marker sent afterwards to a group it still holds, and nothing before it.
  const markerGroup = freshGroup();
  await members[2]!.command({ op: 'join', group: markerGroup });
  await members[2]!.command({ op: 'leave', group });
  await sender.command({ op: 'send', to, text: 'after the leave' });
  await sender.command({ op: 'send', to: `udp://${markerGroup}:${PORT}`, text: 'marker 2' });
  assert.equal((await members[1]!.datagram()).text, 'after the leave');
  assert.equal((await members[2]!.datagram()).text, 'marker 2');
});

test('TTL 1 does not cross a router; a multicast router forwards the group only to the subnet with members', async (t) => {
  const net = testNet(t);
  if (!net) return;
  const smcroute = spawnSync('smcrouted', ['-v'], { encoding: 'utf8' });
  if (smcroute.error) {
    t.skip('smcroute is not installed (apt-get install smcroute; CI installs it)');
    return;
  }
  // Three subnets, each a switch: the source's (10.77.1/24), the members' (10.77.2/24) and one without
  // members (10.77.3/24). The router has a leg in each.
  for (const sw of ['sw1', 'sw2', 'sw3']) net.addSwitch(sw);
  for (const host of ['src', 'rtr', 'mem', 'idle']) net.addHost(host);
  net.connect('src', 'eth0', 'sw1', 'src', '10.77.1.2/24');
  net.connect('rtr', 'r1', 'sw1', 'rtr', '10.77.1.1/24');
  net.connect('rtr', 'r2', 'sw2', 'rtr', '10.77.2.1/24');
  net.connect('rtr', 'r3', 'sw3', 'rtr', '10.77.3.1/24');
  net.connect('mem', 'eth0', 'sw2', 'mem', '10.77.2.2/24');
  net.connect('idle', 'eth0', 'sw3', 'idle', '10.77.3.2/24');
  net.exec('rtr', 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  const group = freshGroup();
  // The routes an administrator (or a PIM daemon) sets from where the members are: only towards r2.
  await net.smcroute(
    'rtr',
    ['phyint r1 enable', 'phyint r2 enable', 'phyint r3 enable', `mroute from r1 source 10.77.1.2 group ${group} to r2`, ''].join('\n'),
    new RegExp(`\\(10\\.77\\.1\\.2,\\s*${group.replaceAll('.', '\\.')}\\)`),
  );

  const member = await net.peer('mem', { port: PORT, interface: 'eth0', groups: [group] });
  const neighbour = await net.peer('src', { port: PORT, interface: 'eth0', groups: [group] });
  const sender = await net.peer('src', { port: PORT, interface: 'eth0', host: '10.77.1.2' });
  const idleBefore = net.counters('idle', 'eth0');
  const r3Before = net.counters('rtr', 'r3');

  const to = `udp://${group}:${PORT}`;
  await sender.command({ op: 'send', to, text: 'ttl 1, first', ttl: 1 });
  await sender.command({ op: 'send', to, text: 'ttl 1, second', ttl: 1 });
  await sender.command({ op: 'send', to, text: 'ttl 2', ttl: 2 });
  // On the source's own subnet every datagram arrives, whatever its TTL.
  assert.deepEqual([(await neighbour.datagram()).text, (await neighbour.datagram()).text, (await neighbour.datagram()).text], ['ttl 1, first', 'ttl 1, second', 'ttl 2']);
  // Across the router only the TTL 2 datagram does: the TTL 1 ones, sent first, never come.
  const crossed = await member.datagram();
  assert.equal(crossed.text, 'ttl 2');
  assert.match(crossed.from, /^10\.77\.1\.2:\d+$/);
  await sender.command({ op: 'send', to, text: 'ttl 8', ttl: 8 });
  assert.equal((await member.datagram()).text, 'ttl 8');
  assert.deepEqual(member.pendingDatagrams(), []);

  // The subnet without members saw nothing: no packet left the router on r3, none arrived at its host.
  assert.deepEqual(net.counters('rtr', 'r3'), r3Before);
  assert.deepEqual(net.counters('idle', 'eth0'), idleBefore);
  assert.match(net.exec('rtr', 'ip', 'mroute', 'show'), /Oifs: r2(?! r3)/);
});

test('IPv6: an ff15:: group reaches a member on another host, and a source-specific ff35:: join filters sources', async (t) => {
  const net = testNet(t);
  if (!net) return;
  net.addSwitch('lan6');
  for (const [i, host] of ['a', 'b', 'c'].entries()) {
    net.addHost(host, { ipv6: true });
    net.connect(host, 'eth0', 'lan6', `p${i + 1}`, `10.77.6.${i + 1}/24`, `fd77::${i + 1}/64`);
  }
  const group = 'ff15::c0:1';
  const ssm = 'ff35::c0:2';
  const member = await net.peer('b', { port: PORT, family: 6, interface: 'eth0', groups: [group, { group: ssm, source: 'fd77::1' }] });
  const wanted = await net.peer('a', { port: PORT, family: 6, interface: 'eth0', host: 'fd77::1' });
  const other = await net.peer('c', { port: PORT, family: 6, interface: 'eth0', host: 'fd77::3' });
  await wanted.command({ op: 'send', to: `udp://[${group}]:${PORT}`, text: 'hello over IPv6' });
  const d = await member.datagram();
  assert.equal(d.text, 'hello over IPv6');
  assert.match(d.from, /^fd77::1:\d+$/);
  await other.command({ op: 'send', to: `udp://[${ssm}]:${PORT}`, text: 'not from the source' });
  await wanted.command({ op: 'send', to: `udp://[${ssm}]:${PORT}`, text: 'from the source' });
  assert.equal((await member.datagram()).text, 'from the source');

  // A link-scoped group is joined on a named interface (each link has its own ff02::…).
  const linkGroup = 'ff02::c0:3';
  await member.command({ op: 'join', group: linkGroup, interface: 'eth0' });
  await other.command({ op: 'send', to: `udp://[${linkGroup}]:${PORT}`, text: 'on this link' });
  const onLink = await member.datagram();
  assert.equal(onLink.text, 'on this link');
  assert.match(onLink.from, /^fd77::3:\d+$/);
});

test('no test namespace outlives its test', (t) => {
  if (unavailable) return t.skip(unavailable);
  assert.deepEqual(leftoverNamespaces(), []);
});
