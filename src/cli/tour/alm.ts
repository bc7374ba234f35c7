import { bindUdp } from '../../net/udp.ts';
import { OverlayNode } from '../../overlay/node.ts';
import { AlmEndpoint, drawTrees, scaledTimers, type AlmEvent } from '../../multicast/alm/index.ts';
import type { TourStep } from './step.ts';

export const almStep: TourStep = {
  title: 'Application-level multicast: a rendezvous point, the shared tree, the switch to the source tree',
  idea:
    'Where routers do not forward IP multicast, overlay nodes can: receivers join toward a rendezvous point (RP)\n' +
    'and build a shared tree; a source registers its data with the RP, which sends it down that tree. At the\n' +
    'first packet each receiver joins the source\'s own tree and prunes the source off the shared one, as\n' +
    'PIM-SM routers do: one copy of every packet, by a shorter path.',
  async run(say, signal) {
    const nodes: OverlayNode[] = [];
    const tv: AlmEndpoint[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const node = new OverlayNode(await bindUdp('udp://127.0.0.1:0'), { maxRequestsPerSourcePerSecond: 5000 });
        if (nodes.length) await node.join([nodes[0]!.address]);
        nodes.push(node);
      }
      await Promise.all(nodes.map((n) => n.findNode(n.id)));
      say(`12 overlay nodes on loopback UDP; channel 238.1.1.1's RP is the node responsible for the channel's key`);
      for (const n of nodes) tv.push(new AlmEndpoint(n, { ...scaledTimers(2000) }));
      const shown = new Set(['rp', 'register', 'register-stop', 'spt-switch', 'prune-rpt']);
      const seen: AlmEvent[] = [];
      for (const t of tv) t.on((e) => shown.has(e.type) && seen.push(e));
      const boxes = tv.slice(1, 5);
      for (const b of boxes) await b.join('238.1.1.1');
      // A join is installed when the node upstream lists the box (or the box is the root itself).
      const states = () => tv.flatMap((t) => t.snapshot('238.1.1.1'));
      const installed = (a: string) => states().some((g) => g.oifs.includes(a) || (g.node === a && g.root));
      await waitFor(() => boxes.every((b) => installed(b.address)), signal);
      // The source is any node that is neither a box nor the RP (a source at the RP has nothing to register).
      const source = tv.slice(5).find((t) => !t.snapshot('238.1.1.1')[0]?.root)!;
      const name = (a: string) => {
        const i = tv.findIndex((t) => t.address === a);
        return tv[i] === source ? 'source' : i >= 1 && i <= 4 ? `box-${i}` : `node-${i}`;
      };
      say('four set-top boxes joined; the shared tree:');
      for (const line of drawTrees('238.1.1.1', tv.flatMap((t) => t.snapshot('238.1.1.1')), { name })) say(`  ${line}`);
      const got = boxes.map(async (b) => {
        let n = 0;
        while (n < 30) {
          await b.receive({ timeout: 5000, signal });
          n++;
        }
      });
      for (let i = 0; i < 30; i++) {
        await source.send(Buffer.from(`frame ${i}`), '238.1.1.1');
        await new Promise((r) => setTimeout(r, 10));
      }
      await Promise.all(got);
      say('the source sent 30 frames; what happened, in order:');
      for (const e of seen) say(`  ${e.type.padEnd(13)} at ${name(e.node)}${e.neighbor ? ` (${name(e.neighbor)})` : ''}`);
      say('and the trees now:');
      for (const line of drawTrees('238.1.1.1', tv.flatMap((t) => t.snapshot('238.1.1.1')), { name })) say(`  ${line}`);
      const dup = boxes.reduce((a, b) => a + b.stats().duplicatesSuppressed, 0);
      say(`each box received 30 frames; ${dup} second copies arrived during the switch and none was delivered twice`);
    } finally {
      for (const t of tv) await t.close();
      await Promise.all(nodes.map((n) => n.close()));
    }
  },
};

async function waitFor(done: () => boolean, signal: AbortSignal): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) {
    if (signal.aborted) throw new Error('aborted');
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!done()) throw new Error('the tree did not form in 10 s');
}
