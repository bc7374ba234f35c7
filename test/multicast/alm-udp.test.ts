// Application-level multicast on real UDP sockets on loopback: the same protocol as on the simulator,
// on real time, with real datagrams between real overlay nodes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindUdp } from '../../src/net/udp.ts';
import { OverlayNode } from '../../src/overlay/node.ts';
import { AlmEndpoint, scaledTimers, type AlmEvent } from '../../src/multicast/alm/index.ts';

async function overlay(n: number): Promise<OverlayNode[]> {
  const nodes: OverlayNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = new OverlayNode(await bindUdp('udp://127.0.0.1:0'), { maxRequestsPerSourcePerSecond: 5000 });
    if (nodes.length) await node.join([nodes[0]!.address]);
    nodes.push(node);
  }
  // A second look-up of every node's own id fills the tables of the early joiners.
  await Promise.all(nodes.map((x) => x.findNode(x.id)));
  return nodes;
}

async function collect(e: AlmEndpoint, count: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < count) seqs.push((await e.receive({ timeout: 5000 })).seq);
  return seqs;
}

test('on real UDP on loopback: receivers join, the source registers, receivers switch to its tree, a leave prunes; nothing doubled', async (t) => {
  const nodes = await overlay(16);
  const alm = nodes.map((n) => new AlmEndpoint(n, { ...scaledTimers(2000) }));
  t.after(async () => {
    await Promise.all(alm.map((a) => a.close()));
    await Promise.all(nodes.map((n) => n.close()));
  });
  const events: AlmEvent[] = [];
  for (const a of alm) a.on((e) => events.push(e));
  const receivers = alm.slice(4, 12);
  for (const r of receivers) await r.join('loopback news');
  // Joins are hop by hop and acknowledged: wait until every receiver's join went upstream or it is the root.
  // Joins are hop by hop and acknowledged: wait until every receiver's join is installed upstream (or it is the root).
  const installed = (a: string) => alm.some((x) => x.snapshot('loopback news').some((g) => g.oifs.includes(a) || (g.node === a && g.root)));
  await until(() => receivers.every((r) => installed(r.address)));
  // The source is a node that is neither a receiver nor the RP (a source at the RP has nothing to register).
  const src = alm.find((a) => !receivers.includes(a) && !a.snapshot('loopback news')[0]?.root)!;
  const got = receivers.map((r) => collect(r, 60));
  for (let i = 0; i < 60; i++) {
    await src.send(Buffer.from(`frame ${i}`), 'loopback news');
    await new Promise((r) => setTimeout(r, 5));
  }
  for (const seqs of await Promise.all(got)) {
    assert.equal(new Set(seqs).size, 60, 'each packet once');
    assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i + 1));
  }
  const types = new Set(events.map((e) => e.type));
  for (const type of ['join', 'upstream', 'rp', 'register', 'register-stop', 'spt-switch'] as const) assert.ok(types.has(type), `no ${type} event`);
  for (const r of receivers) assert.ok(events.some((e) => e.type === 'spt-switch' && e.node === r.address), `${r.address} did not switch`);

  // A leaf leaves (a receiver that also forwards for others stays on the tree for them).
  const leaver = receivers.find((r) => r.snapshot('loopback news')[0]!.oifs.every((o) => o === 'local'))!;
  await leaver.leave('loopback news');
  await until(() => alm.every((a) => a.snapshot('loopback news').every((g) => !g.oifs.includes(leaver.address) && !g.sources.some((s) => s.oifs.includes(leaver.address)))));
  const rest = receivers.filter((r) => r !== leaver).map((r) => collect(r, 10));
  for (let i = 0; i < 10; i++) await src.send(Buffer.from(`after ${i}`), 'loopback news');
  await Promise.all(rest);
  assert.equal(leaver.tryReceive(), undefined);
  for (const r of receivers) assert.equal(r.stats().late, 0);
});

async function until(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
