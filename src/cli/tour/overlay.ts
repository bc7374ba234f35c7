import { SimNetwork } from '../../net/sim/network.ts';
import { internet } from '../../net/sim/topology.ts';
import { commonPrefix } from '../../overlay/distance.ts';
import { idFromKey, idHex } from '../../overlay/id.ts';
import { OverlayNode, type RouteContext } from '../../overlay/node.ts';
import type { TourStep } from './step.ts';

export const overlayStep: TourStep = {
  title: 'Overlay networks: logical links, key-based routing and a Kademlia DHT',
  idea:
    'An overlay is a network built on another: its nodes are joined by logical links, each a whole path through\n' +
    'the network below. In a structured overlay every key has a responsible node (here the one whose id is\n' +
    'XOR-closest), messages are routed there hop by hop, and a DHT stores each value on the k closest nodes.',
  async run(say) {
    // Twenty nodes on a simulated two-level internet, so each logical link has a path latency to show. With
    // k = 3 (20 is the default) each node knows only a few others, so a route takes several hops.
    const net = new SimNetwork({ seed: 5, topology: internet({ sites: 6, seed: 5 }) });
    const random = net.random.fork();
    const nodes: OverlayNode[] = [];
    for (let i = 0; i < 20; i++) {
      const node = new OverlayNode(net.bind(`udp://10.0.${i}.1:4000`), { clock: net.clock, random: random.fork(), k: 3 });
      node.joinWith(nodes.length ? [nodes[0]!.address] : [], () => {});
      nodes.push(node);
      net.clock.advance(50);
    }
    net.clock.advance(5000);
    const sizes = nodes.map((n) => n.table.size);
    say(`20 nodes joined through ${nodes[0]!.address}; routing tables hold ${Math.min(...sizes)}–${Math.max(...sizes)} logical links each`);

    let stored = 0;
    nodes[3]!.putWith('greeting', Buffer.from('hello, overlay'), (n) => (stored = n));
    net.clock.advance(5000);
    say(`put 'greeting' from ${nodes[3]!.address}: stored on the ${stored} nodes closest to the key (k = 3)`);
    let found: string[] = [];
    nodes[16]!.getWith('greeting', (v) => (found = v.map((x) => Buffer.from(x).toString())));
    net.clock.advance(5000);
    if (found[0] !== 'hello, overlay') throw new Error(`get found ${JSON.stringify(found)}`);
    say(`get 'greeting' from ${nodes[16]!.address}: '${found[0]}'`);

    const key = idFromKey('greeting');
    let route: RouteContext | undefined;
    for (const n of nodes) n.app = { deliver: (ctx) => (route = ctx) };
    const source = nodes.reduce((far, n) => (commonPrefix(n.id, key) < commonPrefix(far.id, key) ? n : far));
    source.route(key, Buffer.from('ping'), { record: true });
    net.clock.advance(5000);
    if (!route) throw new Error('the routed message was not delivered');
    say(`route(sha1('greeting') = ${idHex(key).slice(0, 8)}…) from ${source.address}, hop by hop:`);
    const byAddress = new Map(nodes.map((n) => [n.address, n]));
    let overlayMs = 0;
    route.path.forEach((address, i) => {
      const node = byAddress.get(address)!;
      say(`  ${i === 0 ? 'start' : `hop ${i}`.padEnd(5)}  ${address}  id ${idHex(node.id).slice(0, 8)}…  shares ${commonPrefix(node.id, key)} leading bits with the key`);
      const next = route!.path[i + 1];
      if (next !== undefined) {
        const ms = net.pathLatency(address, next);
        overlayMs += ms;
        say(`    │  logical link, ${ms.toFixed(1)} ms path`);
        say('    ▼');
      }
    });
    const direct = net.pathLatency(route.path[0]!, route.path.at(-1)!);
    say(`delivered at the responsible node after ${route.hops} hops: ${overlayMs.toFixed(1)} ms through the overlay vs ${direct.toFixed(1)} ms direct (stretch ${(direct > 0 ? overlayMs / direct : 1).toFixed(2)})`);
    await Promise.all(nodes.map((n) => n.close()));
  },
};
