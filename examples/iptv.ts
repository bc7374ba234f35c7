// The chapter's IPTV network, on application-level multicast: channel 238.1.1.1 from source 1.1.1.1 with
// rendezvous point 2.2.2.2 (overlay node names). Set-top boxes join via the RP and receive; at the first
// packet each switches to the source's tree and leaves the RP's tree for that source. Runs on a simulated
// internet on virtual time (deterministic); the same code runs on real UDP sockets.
// Run: node --import tsx examples/iptv.ts
import { SimNetwork, internet } from 'courier-ipc/net';
import { OverlayNode, idFromKey } from 'courier-ipc/overlay';
import { AlmEndpoint, drawTrees, type AlmEvent } from 'courier-ipc/multicast';

const CHANNEL = '238.1.1.1';
const net = new SimNetwork({ seed: 4, topology: internet({ sites: 6, seed: 4 }) });
const clock = net.clock;

// Named nodes take their id from their name, so "2.2.2.2" can be configured as the RP by name.
const names = ['1.1.1.1', '2.2.2.2', ...Array.from({ length: 22 }, (_, i) => `10.0.0.${i + 1}`)];
const nodes: OverlayNode[] = [];
for (const name of names) {
  const node = new OverlayNode(net.bind(`udp://${name}:4000`), { clock, id: idFromKey(name), random: net.random.fork() });
  node.joinWith(nodes.length ? [nodes[0]!.address] : [], () => {});
  nodes.push(node);
  clock.advance(20);
}
clock.advance(10_000);

const label = (a: string) => {
  const host = a.replace(/^udp:\/\//, '').replace(/:4000$/, '');
  const i = names.indexOf(host);
  return i === 0 ? 'source 1.1.1.1' : i === 1 ? 'RP 2.2.2.2' : i >= 2 && i < 8 ? `stb-${i - 1}` : `node ${host}`;
};
const tv = nodes.map((n) => new AlmEndpoint(n, { clock, rp: { [CHANNEL]: idFromKey('2.2.2.2') }, switchPolicy: 'first-packet' }));
const shown = new Set(['rp', 'register', 'register-stop', 'spt-switch', 'prune-rpt']);
const log = (e: AlmEvent) => {
  if (!shown.has(e.type) && !(e.type === 'join' && e.neighbor === 'local')) return;
  const what = e.source === '*' ? `(*, ${e.group})` : `(${label(e.source)}, ${e.group})`;
  console.log(`  ${(e.at / 1000).toFixed(3)} s  ${label(e.node).padEnd(15)} ${e.type.padEnd(13)} ${what}${e.neighbor && e.neighbor !== 'local' ? ` ← ${label(e.neighbor)}` : ''}`);
};
for (const t of tv) t.on(log);

const source = tv[0]!;
const boxes = tv.slice(2, 8);
console.log(`six set-top boxes join channel ${CHANNEL} (RP 2.2.2.2):`);
for (const box of boxes) await box.join(CHANNEL);
clock.advance(2000);

console.log('the source sends 50 frames, one every 20 ms:');
for (let i = 0; i < 50; i++) {
  await source.send(new TextEncoder().encode(`frame ${i}`), CHANNEL);
  clock.advance(20);
}
clock.advance(2000);

for (const box of boxes) {
  const frames: number[] = [];
  for (let d = box.tryReceive(); d; d = box.tryReceive()) frames.push(d.seq);
  const dup = frames.length - new Set(frames).size;
  console.log(`${label(box.address)}: ${frames.length} frames, ${dup} duplicates, lost ${box.senderStats().reduce((a, s) => a + s.lost + s.missing, 0)}`);
  if (frames.length !== 50 || dup !== 0) throw new Error(`${label(box.address)} got ${frames.length} frames`);
}
console.log('\nthe trees now (courier mcast tree draws the same):');
for (const line of drawTrees(CHANNEL, tv.flatMap((t) => t.snapshot(CHANNEL)), { name: label })) console.log(`  ${line}`);
for (const t of tv) await t.close();
for (const n of nodes) await n.close();
