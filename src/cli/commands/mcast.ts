import { formatAddress } from '../../net/address.ts';
import { openMulticast, parseGroupAddress, type GroupAddress, type GroupInfo } from '../../multicast/index.ts';
import { parseFlags, parseSize, UsageError, type Command, type CommandIO } from '../command.ts';
import { showPayload, stdinLines } from '../payload.ts';

const help = `Usage: courier mcast join GROUP:PORT [--source S] [--interface I] [--count N] [--buffer BYTES]
       courier mcast send GROUP:PORT [MESSAGE] [--ttl N] [--interface I] [--no-loopback]
       courier mcast info GROUP

join   joins the group (several processes on one host may join the same group and port) and prints
       each datagram that arrives with its sender; with --source, only that source's (SSM, required
       for 232.0.0.0/8 and ff3x::/32).
send   sends MESSAGE to the group as one datagram; without MESSAGE, each line of standard input.
info   prints the group's scope, block and whether routers forward it.

GROUP is an IPv4 class-D address (239.1.2.3) or an IPv6 ff00::/8 one ([ff15::1]:5000 with a port).

Options:
  --source S        join: only datagrams from unicast address S
  --interface I     join on / send from interface I: a name (eth0, lo) or one of its addresses
  --count N         join: exit after N datagrams
  --buffer BYTES    join: receive buffer size (default 8192); larger datagrams arrive truncated
  --ttl N           send: time to live / hop limit, 0-255 (default 1: the local link only)
  --no-loopback     send: members on this host do not receive it

Examples:
  courier mcast join 239.1.2.3:5000 --interface lo
  courier mcast send 239.1.2.3:5000 'hello, group' --interface lo
  courier mcast join 232.1.1.1:5000 --source 192.0.2.10
  courier mcast info 239.255.255.250`;

export const mcastCommand: Command = {
  name: 'mcast',
  summary: 'join an IP multicast group and print what arrives, send to a group, or show a group address\'s scope',
  help,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'join') return join(rest, io);
    if (sub === 'send') return send(rest, io);
    if (sub === 'info') return info(rest, io);
    throw new UsageError(sub === undefined ? 'expected join, send or info (see courier mcast --help)' : `unknown mcast subcommand '${sub}' (expected join, send or info)`);
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
