import { formatAddress } from '../../net/address.ts';
import { openMulticast, parseGroupAddress, type GroupAddress, type GroupInfo } from '../../multicast/index.ts';
import { AlmEndpoint, AlmRouter, buildOverlay, crawlTree, drawTrees, type SwitchPolicy } from '../../multicast/alm/index.ts';
import { bindUdp } from '../../net/udp.ts';
import { OverlayNode } from '../../overlay/node.ts';
import { parseDuration, parseFlags, parseSize, UsageError, type Command, type CommandIO } from '../command.ts';
import { showPayload, stdinLines } from '../payload.ts';

const help = `Usage: courier mcast join GROUP:PORT [--source S] [--interface I] [--count N] [--buffer BYTES]
       courier mcast send GROUP:PORT [MESSAGE] [--ttl N] [--interface I] [--no-loopback]
       courier mcast info GROUP
       courier mcast tree GROUP [--nodes N] [--receivers R] [--policy first-packet|never|BYTES/S] [--direct] [--seed S]
       courier mcast tree GROUP --via udp://HOST:PORT
       courier mcast alm join GROUP --bootstrap udp://HOST:PORT [--listen A] [--count N]
       courier mcast alm send GROUP [MESSAGE] --bootstrap udp://HOST:PORT [--listen A] [--settle D] [--linger D]

join   joins the group (several processes on one host may join the same group and port) and prints
       each datagram that arrives with its sender; with --source, only that source's (SSM, required
       for 232.0.0.0/8 and ff3x::/32).
send   sends MESSAGE to the group as one datagram; without MESSAGE, each line of standard input.
info   prints the group's scope, block and whether routers forward it.
tree   application-level multicast (no IP multicast routing needed): builds an overlay of N nodes on the
       simulated internet (virtual time), lets R of them join GROUP via its RP (the node responsible for
       the group's key), has one source send for a second, and draws the shared tree (RPT) before the
       first packet and the RPT with its (S,G,rpt) prunes and the source's tree (SPT) after the switch.
       With --via, draws the live trees of a running overlay instead: asks the node at that address for
       its state of GROUP, then every neighbour that state names, and so on.
alm    application-level multicast on a running overlay (courier overlay start, or other alm nodes):
       join runs a node that joins the overlay and GROUP and prints each packet with its source and
       sequence number; send runs a node that sends MESSAGE (or each line of standard input) to GROUP,
       waits --linger for the trees to carry it, and leaves.

GROUP is an IPv4 class-D address (239.1.2.3) or an IPv6 ff00::/8 one ([ff15::1]:5000 with a port).

Options:
  --source S        join: only datagrams from unicast address S
  --interface I     join on / send from interface I: a name (eth0, lo) or one of its addresses
  --count N         join: exit after N datagrams
  --buffer BYTES    join: receive buffer size (default 8192); larger datagrams arrive truncated
  --ttl N           send: time to live / hop limit, 0-255 (default 1: the local link only)
  --no-loopback     send: members on this host do not receive it
  --nodes N         tree: overlay nodes (default 40)
  --receivers R     tree: members of the group (default 8)
  --policy P        tree: when members switch to the source's tree: first-packet (default), never, or a
                    rate in bytes per second past which they switch
  --direct          tree: (S,G) joins go straight to the source instead of along the overlay's route
  --seed S          tree: the seed; the same seed draws the same trees (default 1)
  --via A           tree: draw the live trees, starting from the overlay node at A
  --bootstrap A     alm: a running overlay node to join through
  --listen A        alm: the address of this node (default udp://127.0.0.1:0)
  --count N         alm join: exit after N packets
  --linger D        alm send: stay this long after the last send (default 2s)
  --settle D        alm send: wait this long after joining the overlay before sending (default 1.5s)

Examples:
  courier mcast join 239.1.2.3:5000 --interface lo
  courier mcast send 239.1.2.3:5000 'hello, group' --interface lo
  courier mcast join 232.1.1.1:5000 --source 192.0.2.10
  courier mcast info 239.255.255.250
  courier mcast tree 238.1.1.1 --nodes 60 --receivers 10
  courier mcast alm join 238.1.1.1 --bootstrap udp://127.0.0.1:7000
  courier mcast alm send 238.1.1.1 'frame 1' --bootstrap udp://127.0.0.1:7000
  courier mcast tree 238.1.1.1 --via udp://127.0.0.1:7000`;

export const mcastCommand: Command = {
  name: 'mcast',
  summary: 'join an IP multicast group and print what arrives, send to a group, show a group address\'s scope, or draw an application-level multicast tree',
  help,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'join') return join(rest, io);
    if (sub === 'send') return send(rest, io);
    if (sub === 'info') return info(rest, io);
    if (sub === 'tree') return tree(rest, io);
    if (sub === 'alm') return alm(rest, io);
    throw new UsageError(
      sub === undefined
        ? 'expected join, send or info (IP multicast), or tree or alm (application-level) (see courier mcast --help)'
        : `unknown mcast subcommand '${sub}' (expected join, send, info, tree or alm)`,
    );
  },
};

function groupWithPort(text: string | undefined): GroupAddress & { port: number } {
  if (text === undefined) throw new UsageError('expected GROUP:PORT, such as 239.1.2.3:5000');
  const parsed = parseGroupAddress(text);
  if (parsed.port === undefined || parsed.port === 0) throw new UsageError(`'${text}': name the group's port, as in 239.1.2.3:5000`);
  return { group: parsed.group, port: parsed.port };
}

function where(g: GroupAddress & { port: number }): string {
  return g.group.family === 6 ? `[${g.group.address}]:${g.port}` : `${g.group.address}:${g.port}`;
}

async function join(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    source: { type: 'string' },
    interface: { type: 'string' },
    count: { type: 'string' },
    buffer: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('expected one GROUP:PORT');
  const target = groupWithPort(positionals[0]);
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0)) throw new UsageError(`--count: expected a positive number, got '${values.count}'`);
  const receiveBufferSize = values.buffer === undefined ? undefined : parseSize(values.buffer, '--buffer');
  const membership = {
    group: target.group.address,
    ...(values.source !== undefined ? { source: values.source } : {}),
    ...(values.interface !== undefined ? { interface: values.interface } : {}),
  };
  await using endpoint = await openMulticast({
    port: target.port,
    family: target.group.family,
    groups: [membership],
    ...(receiveBufferSize ? { receiveBufferSize } : {}),
  });
  const out = (line: string) => io.stdout.write(line + '\n');
  const from = values.source ? ` from source ${values.source}` : '';
  const on = values.interface ? ` on ${values.interface}` : '';
  out(`joined ${where(target)}${from}${on} (${target.group.scope} scope)`);
  let seen = 0;
  while (seen < count && !io.signal.aborted) {
    const d = await endpoint.receive({ signal: io.signal }).catch((err: unknown) => (io.signal.aborted ? null : Promise.reject(err)));
    if (!d) break;
    seen++;
    const cut = d.truncated ? ` [truncated: ${d.size} bytes sent, ${d.data.length} kept]` : '';
    out(`${formatAddress(d.from)}  ${d.data.length} B  ${showPayload(d.data)}${cut}`);
  }
  return 0;
}

async function send(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ttl: { type: 'string' },
    interface: { type: 'string' },
    'no-loopback': { type: 'boolean' },
  });
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('expected GROUP:PORT [MESSAGE]');
  const target = groupWithPort(positionals[0]);
  let ttl: number | undefined;
  if (values.ttl !== undefined) {
    ttl = Number(values.ttl);
    if (!/^\d+$/.test(values.ttl) || ttl > 255) throw new UsageError(`--ttl: expected an integer from 0 to 255, got '${values.ttl}'`);
  }
  await using endpoint = await openMulticast({
    port: target.port,
    family: target.group.family,
    ...(ttl !== undefined ? { ttl } : {}),
    ...(values.interface !== undefined ? { interface: values.interface } : {}),
    loopback: !values['no-loopback'],
  });
  const messages: AsyncIterable<string> | Iterable<string> = positionals[1] !== undefined ? [positionals[1]] : stdinLines(io.stdin);
  const to = `udp://${where(target)}`;
  let sent = 0;
  for await (const text of messages) {
    await endpoint.send(Buffer.from(text), to);
    sent++;
  }
  const o = endpoint.sendOptions();
  io.stderr.write(`sent ${sent} datagram(s) to ${where(target)} from ${formatAddress(endpoint.address)} (ttl ${o.ttl}${o.loopback ? '' : ', no loopback'})\n`);
  return 0;
}

function forwarding(group: GroupInfo): string {
  if (group.linkLocal) return 'never: it stays on the local link';
  if (group.scope === 'reserved' || group.scope === 'unassigned') return `not to be used: the range is ${group.scope}`;
  if (group.scope === 'global') return 'by multicast routers, as far as the TTL allows';
  return `within the ${group.scope} scope boundary, as far as the TTL allows`;
}

async function info(argv: string[], io: CommandIO): Promise<number> {
  const { positionals } = parseFlags(argv, {});
  if (positionals.length !== 1) throw new UsageError('expected one GROUP address');
  const { group, port } = parseGroupAddress(positionals[0]!);
  const lines = [
    `address          ${group.address}${port !== undefined ? ` (port ${port})` : ''}`,
    `family           IPv${group.family}`,
    `scope            ${group.scope}`,
    `block            ${group.block}`,
    `forwarded        ${forwarding(group)}`,
    `source-specific  ${group.sourceSpecific ? 'yes: join it with a source (--source S)' : 'no: any-source joins allowed'}`,
  ];
  if (group.flags) {
    const f = group.flags;
    lines.push(`flags            R=${+f.embeddedRp} P=${+f.prefixBased} T=${+f.transient}`);
  }
  io.stdout.write(lines.join('\n') + '\n');
  return 0;
}

async function tree(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    nodes: { type: 'string' },
    receivers: { type: 'string' },
    policy: { type: 'string' },
    direct: { type: 'boolean' },
    seed: { type: 'string' },
    via: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('expected one GROUP (a name or a group address such as 238.1.1.1)');
  const group = positionals[0]!;
  if (values.via !== undefined) return liveTree(group, values.via, io);
  const count = (text: string | undefined, flag: string, fallback: number, min: number, max: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: expected an integer from ${min} to ${max}, got '${text}'`);
    return n;
  };
  const nodes = count(values.nodes, '--nodes', 40, 3, 5000);
  const receivers = count(values.receivers, '--receivers', Math.min(8, nodes - 2), 1, nodes - 2);
  const seed = count(values.seed, '--seed', 1, 0, 0x7fffffff);
  let policy: SwitchPolicy = 'first-packet';
  if (values.policy === 'never' || values.policy === 'first-packet') policy = values.policy;
  else if (values.policy !== undefined) {
    const rate = Number(values.policy);
    if (!(rate >= 0)) throw new UsageError(`--policy: expected first-packet, never or a rate in bytes per second, got '${values.policy}'`);
    policy = { rateBytesPerSecond: rate };
  }
  const err = (line: string) => io.stderr.write(line + '\n');
  const out = (line: string) => io.stdout.write(line + '\n');
  err(`building an overlay of ${nodes} nodes on the simulated internet (virtual time, seed ${seed})`);
  const { net, nodes: overlay } = buildOverlay(nodes, seed, {}, err);
  const clock = net.clock;
  const random = net.random.fork();
  const alm = overlay.map((n) => new AlmEndpoint(n, { clock, random: random.fork(), switchPolicy: policy, sptJoin: values.direct ? 'direct' : 'overlay' }));
  const counts: Record<string, number> = {};
  for (const a of alm) a.on((e) => (counts[e.type] = (counts[e.type] ?? 0) + 1));
  const source = alm[0]!;
  const members = alm.slice(1).sort(() => random.next() - 0.5).slice(0, receivers);
  const names = new Map<string, string>([[source.address, `source ${host(source.address)}`]]);
  members.forEach((m) => names.set(m.address, host(m.address)));
  const name = (a: string) => names.get(a) ?? host(a);
  for (const m of members) await m.join(group);
  clock.advance(2000);
  const draw = (title: string) => {
    out(title);
    for (const line of drawTrees(group, alm.flatMap((a) => a.snapshot(group)), { name })) out(`  ${line}`);
  };
  draw(`${receivers} members joined ${group}; before the source sends:`);
  for (let i = 0; i < 50; i++) {
    await source.send(new Uint8Array(1000), group);
    clock.advance(20);
  }
  clock.advance(3000);
  out('');
  draw(`after ${source.address} sent 50 packets of 1000 bytes, one every 20 ms (policy ${typeof policy === 'string' ? policy : `rate > ${policy.rateBytesPerSecond} B/s`}):`);
  const delivered = members.map((m) => m.stats().received);
  out('');
  out(`members received ${Math.min(...delivered)}..${Math.max(...delivered)} of 50 packets, ${members.reduce((a, m) => a + m.stats().duplicatesSuppressed, 0)} duplicates delivered`);
  out(`events: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const a of alm) await a.close();
  for (const n of overlay) await n.close();
  return 0;
}

function host(address: string): string {
  return address.replace(/^udp:\/\//, '').replace(/:\d+$/, '');
}

async function liveTree(group: string, via: string, io: CommandIO): Promise<number> {
  // A node of our own to ask from; it need not join the overlay: state queries are direct sends.
  const node = new OverlayNode(await bindUdp('udp://127.0.0.1:0'));
  // Loopback or LAN answers come in milliseconds; a node that does not answer in 300 ms twice is left out.
  const router = new AlmRouter(node, { ackTimeoutMs: 300, joinPruneTries: 2 });
  try {
    io.stderr.write(`asking ${via} and the neighbours it names for their state of ${group}\n`);
    const states = await crawlTree(router, via, group);
    if (states.length === 0) {
      io.stderr.write(`courier: no answer from ${via} (is it an overlay node running application-level multicast?)\n`);
      return 1;
    }
    for (const line of drawTrees(group, states)) io.stdout.write(line + '\n');
    io.stdout.write(`(${states.length} nodes answered)\n`);
    return 0;
  } finally {
    router.close();
    await node.close();
  }
}

async function alm(argv: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'join' && sub !== 'send') throw new UsageError(sub === undefined ? 'expected alm join or alm send' : `unknown alm subcommand '${sub}' (expected join or send)`);
  const { values, positionals } = parseFlags(rest, {
    bootstrap: { type: 'string', multiple: true },
    listen: { type: 'string' },
    count: { type: 'string' },
    linger: { type: 'string' },
    settle: { type: 'string' },
  });
  if (positionals.length < 1 || positionals.length > (sub === 'send' ? 2 : 1)) throw new UsageError(sub === 'send' ? 'expected GROUP [MESSAGE]' : 'expected one GROUP');
  const group = positionals[0]!;
  const bootstrap = values.bootstrap ?? [];
  if (bootstrap.length === 0) throw new UsageError('--bootstrap: name a running overlay node (udp://HOST:PORT)');
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0)) throw new UsageError(`--count: expected a positive number, got '${values.count}'`);
  const linger = values.linger === undefined ? 2000 : parseDuration(values.linger, '--linger');
  const settle = values.settle === undefined ? 1500 : parseDuration(values.settle, '--settle');
  const node = new OverlayNode(await bindUdp(values.listen ?? 'udp://127.0.0.1:0'));
  const endpoint = new AlmEndpoint(node);
  const out = (line: string) => io.stdout.write(line + '\n');
  try {
    const contacts = await node.join(bootstrap);
    io.stderr.write(`${node.address} joined the overlay (${contacts} contacts)\n`);
    if (sub === 'join') {
      await endpoint.join(group);
      out(`${node.address} joined ${group}`);
      let seen = 0;
      while (seen < count && !io.signal.aborted) {
        const d = await endpoint.receive({ signal: io.signal }).catch((err: unknown) => (io.signal.aborted ? null : Promise.reject(err)));
        if (!d) break;
        seen++;
        out(`${d.from}  #${d.seq}  ${d.size} B  ${showPayload(d.data)}`);
      }
      return 0;
    }
    // A node that just joined may have become the one responsible for the group's key (the RP): the old
    // root moves the shared tree to it at its next tick. Sending before that would reach no one.
    await new Promise((r) => setTimeout(r, settle));
    const messages: AsyncIterable<string> | Iterable<string> = positionals[1] !== undefined ? [positionals[1]] : stdinLines(io.stdin);
    let sent = 0;
    for await (const text of messages) {
      await endpoint.send(Buffer.from(text), group);
      sent++;
    }
    await new Promise((r) => setTimeout(r, linger));
    io.stderr.write(`sent ${sent} packet(s) to ${group} from ${node.address}\n`);
    return 0;
  } finally {
    await endpoint.close();
    await node.close();
  }
}
