// `courier mcast tree` and the tour step of application-level multicast.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { tourSteps } from '../../src/cli/tour/steps.ts';
import { captureIO } from '../cli/io.ts';
import { bindUdp } from '../../src/net/udp.ts';
import { OverlayNode } from '../../src/overlay/node.ts';
import { AlmEndpoint, scaledTimers } from '../../src/multicast/alm/index.ts';

test('courier mcast tree draws the shared tree, then its prunes and the source tree after the switch', async () => {
  const c = captureIO();
  assert.equal(await main(['mcast', 'tree', '238.1.1.1', '--nodes', '40', '--receivers', '6'], c.io), 0, c.err());
  const out = c.out();
  assert.match(out, /6 members joined 238\.1\.1\.1; before the source sends:\n {2}RPT of 238\.1\.1\.1, root \(the RP\): /);
  assert.match(out, /SPT of source 10\.0\.0\.0, register state prune/);
  assert.match(out, /\(pruned for source 10\.0\.0\.0: S,G,rpt\)/);
  assert.match(out, /members received 50\.\.50 of 50 packets, 0 duplicates delivered/);
  assert.match(c.err(), /building an overlay of 40 nodes/);
});

test('courier mcast tree --policy never keeps members on the shared tree; a bad policy is a usage error', async () => {
  const c = captureIO();
  assert.equal(await main(['mcast', 'tree', 'news', '--nodes', '30', '--receivers', '5', '--policy', 'never'], c.io), 0, c.err());
  assert.doesNotMatch(c.out(), /S,G,rpt/);
  const bad = captureIO();
  assert.notEqual(await main(['mcast', 'tree', 'news', '--policy', 'sometimes'], bad.io), 0);
  assert.match(bad.err(), /--policy: expected first-packet, never or a rate/);
});

test('the application-level multicast tour step follows the IP multicast step and shows the switch', async () => {
  const ip = tourSteps.findIndex((s) => s.title.startsWith('IP multicast'));
  const alm = tourSteps.findIndex((s) => s.title.startsWith('Application-level multicast'));
  assert.equal(alm, ip + 1);
  const lines: string[] = [];
  await tourSteps[alm]!.run((l) => lines.push(l), new AbortController().signal);
  const text = lines.join('\n');
  for (const e of ['register', 'spt-switch', 'prune-rpt', 'register-stop']) assert.match(text, new RegExp(`${e} +at `));
  assert.match(text, /each box received 30 frames/);
});

test('on loopback: courier mcast alm join and send run live nodes; courier mcast tree --via draws the live trees', async (t) => {
  const nodes: OverlayNode[] = [];
  const tv: AlmEndpoint[] = [];
  t.after(async () => {
    for (const e of tv) await e.close();
    await Promise.all(nodes.map((n) => n.close()));
  });
  for (let i = 0; i < 8; i++) {
    const node = new OverlayNode(await bindUdp('udp://127.0.0.1:0'));
    if (nodes.length) await node.join([nodes[0]!.address]);
    nodes.push(node);
    // Short timers: if the short-lived CLI sender took over the group's key and left, the tree is repaired in seconds.
    tv.push(new AlmEndpoint(node, { ...scaledTimers(1000) }));
  }
  for (const e of tv.slice(1, 4)) await e.join('live');
  const stop = new AbortController();
  t.after(() => stop.abort());
  const joiner = captureIO('', stop.signal);
  const joined = main(['mcast', 'alm', 'join', 'live', '--bootstrap', nodes[0]!.address, '--count', '2'], joiner.io);
  for (let i = 0; i < 200 && !joiner.out().includes('joined live'); i++) await new Promise((r) => setTimeout(r, 10));
  // Joins are acknowledged hop by hop: wait until every member's join is installed upstream (or it is the root).
  const cli = /^(udp:\/\/\S+) joined live/m.exec(joiner.out())![1]!;
  const states = () => tv.flatMap((e) => e.snapshot('live'));
  const installed = (address: string) => states().some((g) => g.oifs.includes(address) || (g.node === address && g.root) || g.upstream === address);
  for (let i = 0; i < 300 && ![cli, ...tv.slice(1, 4).map((e) => e.address)].every(installed); i++) await new Promise((r) => setTimeout(r, 10));
  const sender = captureIO('one\ntwo\n');
  assert.equal(await main(['mcast', 'alm', 'send', 'live', '--bootstrap', nodes[0]!.address, '--linger', '300ms'], sender.io), 0, sender.err());
  assert.match(sender.err(), /sent 2 packet\(s\) to live/);
  const late = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`the alm join did not get 2 packets: ${joiner.out()} ${joiner.err()} ${JSON.stringify(states())}`)), 5000);
    void joined.finally(() => clearTimeout(timer));
  });
  assert.equal(await Promise.race([joined, late]), 0, joiner.err());
  assert.match(joiner.out(), /#1 {2}3 B {2}"one"\n.*#2 {2}3 B {2}"two"/s);
  for (const e of tv.slice(1, 4)) assert.equal((await e.receive({ timeout: 3000 })).seq, 1);

  // A source that stays: once its packets reach every member, the live trees are drawn from one member.
  for (let i = 0; i < 300 && !states().some((g) => g.root); i++) await new Promise((r) => setTimeout(r, 20));
  const source = tv[6]!;
  const got = tv.slice(1, 4).map(async (e) => {
    for (;;) if ((await e.receive({ timeout: 5000 })).from === source.address) return;
  });
  for (let i = 0; i < 20; i++) {
    await source.send(Buffer.from(`frame ${i}`), 'live');
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(got);
  const tree = captureIO();
  assert.equal(await main(['mcast', 'tree', 'live', '--via', tv[1]!.address], tree.io), 0, tree.err());
  assert.match(tree.out(), /RPT of live, root \(the RP\): 127\.0\.0\.1:\d+/);
  assert.match(tree.out(), /\[member\]/);
  assert.match(tree.out(), new RegExp(`SPT of ${source.address.replace('udp://', '').replaceAll('.', '\\.')}`));
  assert.match(tree.out(), /\(\d+ nodes answered\)/);
  const none = captureIO();
  assert.equal(await main(['mcast', 'tree', 'live', '--via', 'udp://127.0.0.1:9'], none.io), 1);
  assert.match(none.err(), /no answer from udp:\/\/127\.0\.0\.1:9/);
});
