import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { bindUdp } from '../../src/net/udp.ts';
import { compareDistance } from '../../src/overlay/distance.ts';
import { idFromKey } from '../../src/overlay/id.ts';
import { OverlayNode } from '../../src/overlay/node.ts';

const text = (b: Uint8Array) => Buffer.from(b).toString();

async function overlay(n: number): Promise<OverlayNode[]> {
  const nodes: OverlayNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = new OverlayNode(await bindUdp('udp://127.0.0.1:0'));
    if (nodes.length) await node.join([nodes[0]!.address]);
    nodes.push(node);
  }
  return nodes;
}

test('on real UDP sockets on loopback, 24 nodes form an overlay: lookups, put/get and routes reach the responsible node', async () => {
  const nodes = await overlay(24);
  try {
    for (const n of nodes) assert.ok(n.table.size >= 10, `${n.address} knows ${n.table.size} nodes`);
    assert.ok((await nodes[5]!.put('greeting', Buffer.from('hello'))) >= 20);
    assert.deepEqual((await nodes[17]!.get('greeting')).map(text), ['hello']);
    const key = idFromKey('route me');
    const want = nodes.reduce((a, b) => (compareDistance(key, a.id, b.id) <= 0 ? a : b));
    const delivered = new Promise<{ at: string; path: readonly string[] }>((resolve) => {
      for (const n of nodes) n.app = { deliver: (ctx) => resolve({ at: n.address, path: ctx.path }) };
    });
    nodes[3]!.route(key, Buffer.from('x'), { record: true });
    const d = await delivered;
    assert.equal(d.at, want.address);
    assert.equal(d.path[0], nodes[3]!.address);
    assert.equal(d.path.at(-1), want.address);
    // Logical links carry measured round-trip times.
    const measured = nodes[3]!.table.contacts().filter((c) => c.link.srtt !== undefined);
    assert.ok(measured.length > 0 && measured.every((c) => c.link.srtt! >= 0));
    const r = await nodes[9]!.findNode(key);
    assert.ok(r.closest.length > 0 && r.messages >= 1);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});

test('across processes: nodes in two child processes join the overlay, and values each put are found from here', async () => {
  const nodes = await overlay(4);
  const fixture = fileURLToPath(new URL('./fixtures/peer-nodes.ts', import.meta.url));
  const children = ['a', 'b'].map((tag) => spawn(process.execPath, ['--import', 'tsx', fixture, nodes[0]!.address, '6', tag], { stdio: ['pipe', 'pipe', 'inherit'] }));
  try {
    for (const child of children) {
      const lines = createInterface({ input: child.stdout! });
      const exited = once(child, 'exit').then(() => 'exited early');
      const out = await Promise.race([once(lines, 'line').then(([line]: unknown[]) => String(line)), exited]);
      assert.match(out, /^ready /);
    }
    for (const tag of ['a', 'b']) {
      for (let i = 0; i < 6; i++) assert.deepEqual((await nodes[1]!.get(`${tag}-${i}`)).map(text), [`from ${tag} node ${i}`]);
    }
    assert.ok(nodes[2]!.table.size >= 12, 'this process learned the other processes’ nodes');
  } finally {
    for (const c of children) c.stdin!.end();
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
    await Promise.all(nodes.map((n) => n.close()));
  }
});
