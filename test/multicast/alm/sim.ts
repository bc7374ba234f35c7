// An overlay with ALM endpoints on the simulated network for the ALM tests: n nodes on the two-level
// internet topology, joined one after another, on virtual time. Nodes may be named (`udp://2.2.2.2:4000`).
import { SimNetwork } from '../../../src/net/sim/network.ts';
import { internet } from '../../../src/net/sim/topology.ts';
import { compareDistance } from '../../../src/overlay/distance.ts';
import { idFromKey, type NodeId } from '../../../src/overlay/id.ts';
import { OverlayNode } from '../../../src/overlay/node.ts';
import { AlmEndpoint, type AlmDatagram, type AlmEvent, type AlmOptions } from '../../../src/multicast/alm/index.ts';

export interface AlmSim {
  readonly net: SimNetwork;
  readonly nodes: OverlayNode[];
  readonly alm: AlmEndpoint[];
  /** Every event of every node, in order. */
  readonly events: AlmEvent[];
  /** What each endpoint received, by address. */
  readonly got: Map<string, AlmDatagram[]>;
  byName(name: string): AlmEndpoint;
  responsible(key: NodeId): AlmEndpoint;
  /** Fails a node: its endpoint and overlay node close (no goodbye). */
  kill(e: AlmEndpoint): void;
  /** Sends `count` packets from `src` to `group`, one every `intervalMs`, advancing the clock. */
  stream(src: AlmEndpoint, group: string, count: number, intervalMs: number): void;
  run(ms: number): void;
}

export interface AlmSimOptions {
  readonly seed?: number;
  /** Hosts named here get these addresses (and an id from the name) instead of 10.x ones: ['1.1.1.1', '2.2.2.2']. */
  readonly names?: readonly string[];
  readonly alm?: AlmOptions;
  readonly loss?: number;
}

export function almSim(n: number, o: AlmSimOptions = {}): AlmSim {
  const seed = o.seed ?? 1;
  const net = new SimNetwork({ seed, topology: internet({ sites: Math.max(4, Math.round(n / 8)), seed }) });
  const random = net.random.fork();
  const nodes: OverlayNode[] = [];
  const alm: AlmEndpoint[] = [];
  const events: AlmEvent[] = [];
  const got = new Map<string, AlmDatagram[]>();
  const names = o.names ?? [];
  for (let i = 0; i < n; i++) {
    const name = names[i];
    const address = name ? `udp://${name}:4000` : `udp://10.2.${(i >> 8) & 255}.${i & 255}:4000`;
    const node = new OverlayNode(net.bind(address), {
      clock: net.clock,
      random: random.fork(),
      maxRequestsPerSourcePerSecond: 5000,
      ...(name ? { id: idFromKey(name) } : {}),
    });
    const boot = nodes.length ? [nodes[random.int(nodes.length)]!.address] : [];
    nodes.push(node);
    node.joinWith(boot, () => {});
    net.clock.advance(20);
  }
  net.clock.advance(10_000);
  for (const node of nodes) {
    const e = new AlmEndpoint(node, { clock: net.clock, random: random.fork(), ...o.alm });
    e.on((ev) => events.push(ev));
    const list: AlmDatagram[] = [];
    got.set(node.address, list);
    e.onReadable(() => {
      for (let d = e.tryReceive(); d; d = e.tryReceive()) list.push(d);
    });
    alm.push(e);
  }
  if (o.loss) net.setDefaultLink({ loss: o.loss });
  const sim: AlmSim = {
    net,
    nodes,
    alm,
    events,
    got,
    byName: (name) => alm.find((e) => e.address === `udp://${name}:4000`)!,
    responsible(key) {
      let best = alm[0]!;
      for (const x of alm) if (compareDistance(key, x.node.id, best.node.id) < 0) best = x;
      return best;
    },
    kill(e) {
      // The node goes first, so the endpoint's leaves on close never reach the network: a silent death.
      void e.node.close();
      void e.close();
      const i = alm.indexOf(e);
      if (i >= 0) alm.splice(i, 1);
    },
    stream(src, group, count, intervalMs) {
      for (let i = 0; i < count; i++) {
        void src.send(Buffer.from(`packet ${i}`), group);
        net.clock.advance(intervalMs);
      }
    },
    run(ms) {
      net.clock.advance(ms);
    },
  };
  return sim;
}
