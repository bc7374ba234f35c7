// `courier overlay start --mainline`: a BitTorrent Mainline DHT node (BEP 5) instead of courier's own
// overlay node. Joins through the bootstrap nodes (bittorrent-dht, libtorrent or courier nodes), then
// prints its state every interval until interrupted.
import { lookup } from 'node:dns/promises';
import { InvalidAddressError } from '../errors.ts';
import { formatAddress, ipFamily, parseInetAddress } from '../net/address.ts';
import { bindUdp } from '../net/udp.ts';
import { idHex } from '../overlay/id.ts';
import { MainlineNode } from '../overlay/mainline/node.ts';
import type { CommandIO } from './command.ts';

/** Runs a Mainline node until `io.signal` aborts; prints its id, then its table size, peers and lookups every `everyMs`. */
export async function runMainlineNode(listen: string, bootstrap: readonly string[], everyMs: number, io: CommandIO): Promise<number> {
  // The node matches replies on their source address, so names are resolved here, once.
  const addresses = await Promise.all(bootstrap.map(async (a) => {
    const parsed = parseInetAddress(a, 'udp');
    if (ipFamily(parsed.host) !== 0) return formatAddress(parsed);
    try {
      return formatAddress({ ...parsed, host: (await lookup(parsed.host, { family: 4 })).address });
    } catch (err) {
      throw new InvalidAddressError(`cannot resolve bootstrap host '${parsed.host}'`, { input: a, cause: (err as Error).message });
    }
  }));
  await using node = new MainlineNode(await bindUdp(listen));
  const out = (line: string) => io.stdout.write(line + '\n');
  out(`mainline node ${idHex(node.id)} at ${node.address}`);
  if (addresses.length) out(`joined through ${addresses.join(', ')}: ${await node.join(addresses)} contacts`);
  while (!io.signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, everyMs);
      io.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
    const s = node.stats();
    out(
      `table ${node.table.size} contacts, ${node.peers.size} peers for ${node.peers.infoHashes} info-hashes; lookups ${s.lookups}; ` +
        `served ${s.pings} ping, ${s.findNodes} find_node, ${s.getPeers} get_peers, ${s.announces} announce_peer; ` +
        `dropped ${s.malformed} malformed, ${s.rateLimited} rate-limited, ${s.unexpectedReplies} unexpected replies, ${s.tokensRejected} bad tokens`,
    );
  }
  return 0;
}
