// A small overlay on the simulated network for tests: n nodes on a full mesh of 1–20 ms links, joined one
// after another through random earlier nodes, on virtual time.
import { SimNetwork } from '../../src/net/sim/network.ts';
import { fullMesh } from '../../src/net/sim/topology.ts';
import { compareDistance } from '../../src/overlay/distance.ts';
import type { NodeId } from '../../src/overlay/id.ts';
import { OverlayNode } from '../../src/overlay/node.ts';
import type { OverlayOptions } from '../../src/overlay/options.ts';

export interface TestOverlay {
  readonly net: SimNetwork;
  readonly nodes: OverlayNode[];
  /** Adds one node and joins it through a random live node; runs the clock until its join is done. */
  add(): OverlayNode;
  /** The live node XOR-closest to `key`. */
  responsible(key: NodeId): OverlayNode;
}

export function simOverlay(n: number, seed = 1, options: OverlayOptions = {}): TestOverlay {
  const net = new SimNetwork({ seed, topology: fullMesh({ latency: { min: 1, max: 20 }, seed }) });
  const random = net.random.fork();
  const nodes: OverlayNode[] = [];
  let count = 0;
  const add = () => {
    const i = count++;
    const node = new OverlayNode(net.bind(`udp://10.1.${(i >> 8) & 255}.${i & 255}:4000`), { clock: net.clock, random: random.fork(), ...options });
    const boot = nodes.length ? [nodes[random.int(nodes.length)]!.address] : [];
    nodes.push(node);
    node.joinWith(boot, () => {});
    net.clock.advance(20);
    return node;
  };
  for (let i = 0; i < n; i++) add();
  net.clock.advance(5000);
  return {
    net,
    nodes,
    add,
    responsible(key) {
      let best = nodes[0]!;
      for (const x of nodes) if (compareDistance(key, x.id, best.id) < 0) best = x;
      return best;
    },
  };
}
