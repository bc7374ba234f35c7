// Ten overlay nodes on loopback UDP: join, store a value on the k closest nodes, find it from another
// node, and route a message to the node responsible for a key, recording its path.
// Run: node --import tsx examples/overlay-dht.ts
import { bindUdp } from 'courier-ipc/net';
import { OverlayNode } from 'courier-ipc/overlay';

const nodes: OverlayNode[] = [];
for (let i = 0; i < 10; i++) {
  const node = new OverlayNode(await bindUdp('udp://127.0.0.1:0'));
  if (nodes.length > 0) await node.join([nodes[0]!.address]); // any running node will do
  nodes.push(node);
}
console.log(`10 nodes; the first knows ${nodes[0]!.table.size} others`);

const replicas = await nodes[2]!.put('colour', new TextEncoder().encode('blue'));
const values = await nodes[7]!.get('colour');
console.log(`put on ${replicas} nodes; get from another node: ${values.map((v) => new TextDecoder().decode(v)).join(', ')}`);

// Key-based routing: forward() runs at each hop (it may change or stop the message), deliver() at the last.
const delivered = new Promise<string>((resolve) => {
  for (const node of nodes) {
    node.app = {
      forward: (ctx, next) => void console.log(`  ${node.address} forwards hop ${ctx.hops} to ${next.address}`),
      deliver: (ctx) => resolve(`delivered at ${node.address} after ${ctx.hops} hops, path ${ctx.path.join(' -> ')}`),
    };
  }
});
nodes[4]!.route('some key', new TextEncoder().encode('hello'), { record: true });
console.log(await delivered);

const contacts = nodes[4]!.table.contacts();
const link = contacts.find((c) => c.link.srtt !== undefined) ?? contacts[0]!;
console.log(`a logical link of node 4: ${link.address}, RTT ${link.link.srtt?.toFixed(3)} ms, ${link.link.requests} requests, ${link.link.replies} replies`);
await Promise.all(nodes.map((n) => n.close()));
