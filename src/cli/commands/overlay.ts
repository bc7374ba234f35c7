import { bindUdp } from '../../net/udp.ts';
import { idHex } from '../../overlay/id.ts';
import { OverlayNode } from '../../overlay/node.ts';
import { runOverlaySim, simFigures } from '../../overlay/sim.ts';
import { runMainlineNode } from '../overlay-mainline.ts';
import { parseDuration, parseFlags, UsageError, type Command, type CommandIO } from '../command.ts';

const help = `Usage: courier overlay start [--listen udp://HOST:PORT] [--bootstrap udp://HOST:PORT ...] [--every 10s] [--mainline]
       courier overlay put KEY VALUE --bootstrap udp://HOST:PORT
       courier overlay get KEY --bootstrap udp://HOST:PORT
       courier overlay sim [--nodes N] [--churn MEDIAN] [--loss P] [--filtered SHARE] [--lookups N] [--seed S]

start  runs a Kademlia overlay node on UDP, joins through the bootstrap nodes, and prints its id, then its
       routing table size, lookups served and drops every --every, until interrupted. With --mainline,
       a BitTorrent Mainline DHT node (BEP 5) instead, which joins bittorrent-dht or libtorrent nodes.
put    joins through a running node with a short-lived node of its own, stores VALUE under KEY (hashed
       with SHA-1) on the 20 closest nodes, prints how many stored it, and leaves.
get    the same, looking KEY up; prints each value found (exit code 1 when none).
sim    builds an overlay of N nodes on the simulated two-level internet and prints lookup success, hops,
       latency, messages, routing stretch and get success after 20% of the nodes fail at once; with
       --filtered, also how often a node reaches a filtered node through its relay.

Options:
  --listen A        start: the address to bind (default udp://127.0.0.1:0)
  --bootstrap A     a running node's address (repeatable)
  --every D         start: how often to print the node's state (default 10s)
  --mainline        start: speak the BitTorrent Mainline DHT (bencoded KRPC, BEP 5); bootstrap IP literals
  --nodes N         sim: nodes (default 1000)
  --churn MEDIAN    sim: exponential sessions with this median, e.g. 30m (default: no churn)
  --loss P          sim: probability each datagram is lost, 0..1 (default 0)
  --filtered SHARE  sim: share of nodes behind a NAT-like filter, reached through relays, 0..1 (default 0)
  --lookups N       sim: lookups and routed messages measured (default 1000)
  --seed S          sim: the seed; the same seed gives the same figures (default 1)

Examples:
  courier overlay start --listen udp://127.0.0.1:7000
  courier overlay start --bootstrap udp://127.0.0.1:7000
  courier overlay start --bootstrap udp://127.0.0.1:6881 --mainline
  courier overlay put colour blue --bootstrap udp://127.0.0.1:7000
  courier overlay get colour --bootstrap udp://127.0.0.1:7000
  courier overlay sim --nodes 1000 --churn 30m --loss 0.05
  courier overlay sim --nodes 1000 --filtered 0.3`;

export const overlayCommand: Command = {
  name: 'overlay',
  summary: 'run a Kademlia overlay node, put and get values through one, or simulate an overlay of thousands of nodes',
  help,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'start') return start(rest, io);
    if (sub === 'put' || sub === 'get') return putGet(sub, rest, io);
    if (sub === 'sim') return sim(rest, io);
    throw new UsageError(sub === undefined ? 'expected start, put, get or sim (see courier overlay --help)' : `unknown overlay subcommand '${sub}' (expected start, put, get or sim)`);
  },
};

async function start(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, { listen: { type: 'string' }, bootstrap: { type: 'string', multiple: true }, every: { type: 'string' }, mainline: { type: 'boolean' } });
  const every = parseDuration(values.every ?? '10s', '--every');
  if (values.mainline) return runMainlineNode(values.listen ?? 'udp://127.0.0.1:0', values.bootstrap ?? [], every, io);
  await using node = new OverlayNode(await bindUdp(values.listen ?? 'udp://127.0.0.1:0'));
  const out = (line: string) => io.stdout.write(line + '\n');
  out(`node ${idHex(node.id)} at ${node.address}`);
  if (values.bootstrap?.length) out(`joined through ${values.bootstrap.join(', ')}: ${await node.join(values.bootstrap)} contacts`);
  while (!io.signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, every);
      io.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
    const s = node.stats();
    out(`table ${node.table.size} contacts, ${node.store.size} values; served ${s.requestsServed} requests, routed ${s.routed}, delivered ${s.delivered}; dropped ${s.malformed} malformed, ${s.rateLimited} rate-limited, ${s.unexpectedReplies} unexpected replies`);
  }
  return 0;
}

async function putGet(sub: 'put' | 'get', argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { bootstrap: { type: 'string', multiple: true } });
  if (!values.bootstrap?.length) throw new UsageError(`${sub}: name a running node with --bootstrap udp://HOST:PORT`);
  const want = sub === 'put' ? 2 : 1;
  if (positionals.length !== want) throw new UsageError(sub === 'put' ? 'expected KEY VALUE' : 'expected KEY');
  await using node = new OverlayNode(await bindUdp('udp://127.0.0.1:0'));
  await node.join(values.bootstrap);
  const key = positionals[0]!;
  if (sub === 'put') {
    const n = await node.put(key, Buffer.from(positionals[1]!));
    io.stdout.write(`stored '${key}' on ${n} nodes\n`);
    return n > 0 ? 0 : 1;
  }
  const found = await node.get(key);
  for (const v of found) io.stdout.write(Buffer.from(v).toString() + '\n');
  if (found.length === 0) io.stderr.write(`no value under '${key}'\n`);
  return found.length > 0 ? 0 : 1;
}

function number(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(Number.isFinite(n) && n >= min && n <= max)) throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got '${text}'`);
  return n;
}

async function sim(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, { nodes: { type: 'string' }, churn: { type: 'string' }, loss: { type: 'string' }, lookups: { type: 'string' }, seed: { type: 'string' }, filtered: { type: 'string' } });
  const nodes = number(values.nodes, '--nodes', 1000, 2, 100_000);
  const loss = number(values.loss, '--loss', 0, 0, 0.9);
  const lookups = number(values.lookups, '--lookups', 1000, 1, 1_000_000);
  const seed = number(values.seed, '--seed', 1, 0, 0xffffffff);
  const filtered = number(values.filtered, '--filtered', 0, 0, 0.9);
  const medianSessionMs = values.churn === undefined ? undefined : parseDuration(values.churn, '--churn');
  const r = await runOverlaySim({ nodes, loss, lookups, seed, medianSessionMs, filtered, progress: (line) => io.stderr.write(`· ${line}\n`) });
  const rows = simFigures(r).map((f) => [f.metric, Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(2), f.unit]);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  io.stdout.write(`${nodes} nodes, ${medianSessionMs ? `churn (median session ${values.churn})` : 'no churn'}, ${loss * 100}% loss${filtered ? `, ${filtered * 100}% filtered` : ''}, seed ${seed}\n`);
  for (const [m, v, u] of rows) io.stdout.write(`  ${m!.padEnd(w0)}  ${v!.padStart(w1)} ${u}\n`);
  io.stdout.write(`  (${r.joins} joins, ${r.departures} departures, ${r.datagrams} datagrams, ${(r.simulatedMs / 60_000).toFixed(1)} simulated minutes)\n`);
  return 0;
}
