// courier's Mainline profile against `bittorrent-dht` (webtorrent's DHT, in millions of installs), all on
// loopback: courier joins a swarm of ten of its nodes, finds them and is found, and peers announced on
// either side are found from the other. Every datagram either side sends is checked to stay on loopback
// (bittorrent-dht's default bootstrap is public routers; it is always given `bootstrap: false` or a
// loopback list here).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import DHT from 'bittorrent-dht';
import { bindUdp } from '../../src/net/udp.ts';
import { Prng } from '../../src/net/prng.ts';
import { idFromKey, idHex, randomId } from '../../src/overlay/id.ts';
import { MainlineNode } from '../../src/overlay/mainline/node.ts';

/** Records the destination host of every UDP datagram this process sends, whoever sends it. */
function watchDestinations(): { hosts: Set<string>; restore: () => void } {
  const hosts = new Set<string>();
  const original = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    // send(msg, [offset, length,] port, [address,] [callback]): the address is the one string argument.
    const host = args.find((a) => typeof a === 'string');
    hosts.add(typeof host === 'string' ? host : '(default: localhost)');
    return (original as (...a: unknown[]) => void).apply(this, args);
  } as typeof original;
  return { hosts, restore: () => (dgram.Socket.prototype.send = original) };
}

async function dhtNode(id: Uint8Array, bootstrap: false | string[]): Promise<DHT> {
  const d = new DHT({ bootstrap, host: '127.0.0.1', nodeId: Buffer.from(id) });
  await new Promise<void>((resolve) => d.listen(0, '127.0.0.1', resolve));
  if (!d.ready) await new Promise<void>((resolve) => d.once('ready', () => resolve()));
  return d;
}

function lookupPeers(d: DHT, infoHash: Uint8Array): Promise<{ host: string; port: number }[]> {
  const peers: { host: string; port: number }[] = [];
  const onPeer = (p: { host: string; port: number }, ih: Buffer) => {
    if (ih.equals(infoHash)) peers.push(p);
  };
  d.on('peer', onPeer);
  return new Promise((resolve, reject) =>
    d.lookup(Buffer.from(infoHash), (err) => {
      d.off('peer', onPeer);
      if (err) reject(err);
      else resolve(peers);
    }),
  );
}

test('courier joins a swarm of bittorrent-dht nodes on loopback, finds them, is found, and peers announced on each side are found from the other', async (t) => {
  const watch = watchDestinations();
  t.after(() => watch.restore());
  const random = new Prng(10);
  const swarm: DHT[] = [];
  t.after(() => Promise.all(swarm.map((d) => new Promise<void>((resolve) => d.destroy(() => resolve())))));
  swarm.push(await dhtNode(randomId(random), false));
  const first = `127.0.0.1:${swarm[0]!.address().port}`;
  for (let i = 1; i < 10; i++) swarm.push(await dhtNode(randomId(random), [first]));

  const node = new MainlineNode(await bindUdp('udp://127.0.0.1:0'), { random: new Prng(11) });
  t.after(() => node.close());
  const contacts = await node.join([`udp://${first}`]);

  // Finds them: every swarm node is in courier's table (the ids are fixed so no bucket overflows k = 8).
  const known = new Set(node.table.contacts().map((c) => idHex(c.id)));
  assert.equal(contacts, 10);
  for (const d of swarm) assert.ok(known.has(d.nodeId.toString('hex')), `courier knows ${d.nodeId.toString('hex')}`);
  // Is found: every swarm node has courier in its own table.
  for (const d of swarm) assert.ok(d.nodes.get(Buffer.from(node.id)), `bittorrent-dht node ${d.address().port} knows courier`);

  // courier announces; a bittorrent-dht node's lookup finds courier's peer.
  const ours = idFromKey('courier announces');
  const announced = await node.announce(ours, 6881);
  assert.equal(announced.stored, 8, 'the 8 closest accepted courier\'s announce with the tokens they gave it');
  assert.deepEqual(await lookupPeers(swarm[7]!, ours).then((p) => p.filter((x) => x.port === 6881)[0]), { host: '127.0.0.1', port: 6881 });

  // A bittorrent-dht node announces; courier's get_peers finds it, and courier took the announce itself.
  const theirs = idFromKey('bittorrent-dht announces');
  await new Promise<void>((resolve, reject) => swarm[4]!.announce(Buffer.from(theirs), 7000, (err) => (err ? reject(err) : resolve())));
  const found = await node.getPeers(theirs);
  assert.deepEqual(found.peers, [{ host: '127.0.0.1', port: 7000 }]);
  assert.ok(node.stats().announces >= 1, 'bittorrent-dht announced to courier with a courier token');
  assert.equal(node.stats().tokensRejected, 0);

  // A newcomer that knows only courier finds the swarm's peers through it (courier answers find_node and get_peers).
  const newcomer = await dhtNode(randomId(random), [`127.0.0.1:${node.endpoint.address.port}`]);
  swarm.push(newcomer);
  assert.ok(newcomer.nodes.toArray().length >= 8, 'courier named the swarm to it');
  assert.deepEqual((await lookupPeers(newcomer, theirs))[0], { host: '127.0.0.1', port: 7000 });

  const s = node.stats();
  assert.equal(s.malformed + s.unexpectedReplies + s.queryErrors, 0, 'nothing either side sent was refused');
  assert.ok(watch.hosts.has('127.0.0.1'), 'the watch saw the traffic');
  assert.deepEqual([...watch.hosts].filter((h) => !h.startsWith('127.')), [], 'no datagram left loopback');
});
