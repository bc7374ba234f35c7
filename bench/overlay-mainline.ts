// The Mainline part of the overlay benchmark: on loopback, a swarm of 50 courier Mainline nodes and a
// swarm of 50 `bittorrent-dht` nodes, each with the same 20 info-hashes announced by the same-numbered
// nodes, run the same get_peers lookups (same info-hash from the same-numbered node, in the same order):
// one at a time for the lookup time, 16 at a time for lookups per second. A lookup fails when it does not
// find the announced peer. Rounds alternate between the two swarms; every figure is a median over rounds.
// Both swarms live in this one process (so each lookup's time includes the remote nodes' work too).
// bittorrent-dht is given a loopback bootstrap list, never its default public routers.
// Called from bench/overlay.ts; alone (`node --import tsx bench/overlay-mainline.ts [--quick]`) it prints
// its table without writing a results file.
import { pathToFileURL } from 'node:url';
import DHT from 'bittorrent-dht';
import { Prng } from '../src/net/prng.ts';
import { bindUdp } from '../src/net/udp.ts';
import { idFromKey, randomId } from '../src/overlay/id.ts';
import { MainlineNode } from '../src/overlay/mainline/node.ts';
import { BenchReport, median, progress } from './lib/report.ts';

const NODES = 50;
const INFO_HASHES = 20;
const CONCURRENCY = 16;
const PEER_PORT_BASE = 20_000;

/** One swarm as the benchmark drives it: lookup from node `from`, resolving to the peer ports found. */
interface Swarm {
  readonly impl: string;
  /** get_peers queries the swarm's nodes have answered so far. */
  served(): number;
  announce(from: number, infoHash: Uint8Array, port: number): Promise<void>;
  lookup(from: number, infoHash: Uint8Array): Promise<number[]>;
  close(): Promise<void>;
}

async function courierSwarm(random: Prng, k?: number): Promise<Swarm> {
  const nodes: MainlineNode[] = [];
  for (let i = 0; i < NODES; i++) {
    const node = new MainlineNode(await bindUdp('udp://127.0.0.1:0'), { random: random.fork(), ...(k ? { k } : {}) });
    const boot = nodes.length ? [nodes[random.int(nodes.length)]!.address] : [];
    nodes.push(node);
    await node.join(boot);
  }
  // The first nodes joined a near-empty swarm: one look for their own id each lets them meet the rest.
  await Promise.all(nodes.map((n) => n.findNode(n.id)));
  return {
    impl: k ? `courier k=${k}` : 'courier',
    served: () => nodes.reduce((sum, n) => sum + n.stats().getPeers, 0),
    announce: async (from, infoHash, port) => void (await nodes[from]!.announce(infoHash, port)),
    lookup: async (from, infoHash) => (await nodes[from]!.getPeers(infoHash)).peers.map((p) => p.port),
    close: async () => void (await Promise.all(nodes.map((n) => n.close()))),
  };
}

async function bittorrentDhtSwarm(random: Prng): Promise<Swarm> {
  const nodes: DHT[] = [];
  for (let i = 0; i < NODES; i++) {
    const boot = nodes.length ? [`127.0.0.1:${nodes[random.int(nodes.length)]!.address().port}`] : false;
    const d = new DHT({ bootstrap: boot, host: '127.0.0.1', nodeId: Buffer.from(randomId(random)) });
    await new Promise<void>((resolve) => d.listen(0, '127.0.0.1', resolve));
    if (!d.ready) await new Promise<void>((resolve) => d.once('ready', () => resolve()));
    nodes.push(d);
  }
  await Promise.all(nodes.map((d) => new Promise<void>((resolve) => d.lookup(d.nodeId, () => resolve()))));
  let served = 0;
  for (const d of nodes) d.on('get_peers', () => served++);
  return {
    impl: 'bittorrent-dht',
    served: () => served,
    announce: (from, infoHash, port) => new Promise((resolve, reject) => nodes[from]!.announce(Buffer.from(infoHash), port, (err) => (err ? reject(err) : resolve()))),
    lookup: (from, infoHash) =>
      new Promise((resolve, reject) => {
        const d = nodes[from]!;
        const ports: number[] = [];
        const onPeer = (p: { port: number }, ih: Buffer) => {
          if (ih.equals(infoHash)) ports.push(p.port);
        };
        d.on('peer', onPeer);
        d.lookup(Buffer.from(infoHash), (err) => {
          d.off('peer', onPeer);
          if (err) reject(err);
          else resolve(ports);
        });
      }),
    close: () => Promise.all(nodes.map((d) => new Promise<void>((resolve) => d.destroy(() => resolve())))).then(() => undefined),
  };
}

interface Job {
  readonly from: number;
  readonly hash: number;
}

/** Runs `jobs` with at most `concurrency` in flight; returns each lookup's time (ms), the wall time (ms) and the failures. */
async function runJobs(swarm: Swarm, hashes: readonly Uint8Array[], jobs: readonly Job[], concurrency: number) {
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const t0 = performance.now();
      const ports = await swarm.lookup(job.from, hashes[job.hash]!).catch((): number[] => []);
      times.push(performance.now() - t0);
      if (!ports.includes(PEER_PORT_BASE + job.hash)) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { times, wallMs: performance.now() - started, failed };
}

/**
 * Measures courier's Mainline profile against bittorrent-dht on loopback and adds rows to `report` (case
 * `mainline get_peers, 50 nodes on loopback`). Returns the case names it measured.
 */
export async function runMainlineBench(report: BenchReport, quick: boolean): Promise<string[]> {
  const rounds = quick ? 3 : 5;
  const perRound = quick ? 100 : 300;
  const random = new Prng(42);
  const hashes = Array.from({ length: INFO_HASHES }, (_, i) => idFromKey(`bench info-hash ${i}`));
  const swarms: Swarm[] = [];
  // courier with BEP 5's k = 8, courier with bittorrent-dht's k = 20 (the same amount of work per lookup), bittorrent-dht.
  for (const build of [(r: Prng) => courierSwarm(r), (r: Prng) => courierSwarm(r, 20), bittorrentDhtSwarm]) {
    const t0 = performance.now();
    const swarm = await build(random.fork());
    progress(`mainline: ${swarm.impl} swarm of ${NODES} nodes up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (let h = 0; h < INFO_HASHES; h++) await swarm.announce(h % NODES, hashes[h]!, PEER_PORT_BASE + h);
    swarms.push(swarm);
  }
  progress(`mainline: ${INFO_HASHES} info-hashes announced in each swarm`);
  const jobsOf = (n: number) => Array.from({ length: n }, () => ({ from: random.int(NODES), hash: random.int(INFO_HASHES) }));
  // Warm-up: one unmeasured pass, so no swarm pays for JIT compilation or first contacts in the figures.
  const warm = jobsOf(50);
  for (const s of swarms) await runJobs(s, hashes, warm, CONCURRENCY);
  const results = new Map(swarms.map((s) => [s.impl, { p50: [] as number[], rate: [] as number[], queries: [] as number[], failed: 0, lookups: 0 }]));
  for (let r = 0; r < rounds; r++) {
    const sequential = jobsOf(perRound);
    const parallel = jobsOf(perRound * 2);
    // Rotate which swarm goes first, so drift in the machine's load falls on all.
    for (let i = 0; i < swarms.length; i++) {
      const s = swarms[(i + r) % swarms.length]!;
      const res = results.get(s.impl)!;
      const before = s.served();
      const one = await runJobs(s, hashes, sequential, 1);
      const many = await runJobs(s, hashes, parallel, CONCURRENCY);
      const lookups = sequential.length + parallel.length;
      res.p50.push(median(one.times));
      res.rate.push((parallel.length / many.wallMs) * 1000);
      res.queries.push((s.served() - before) / lookups);
      res.failed += one.failed + many.failed;
      res.lookups += lookups;
      progress(
        `mainline round ${r + 1}/${rounds}: ${s.impl.padEnd(14)} lookup p50 ${median(one.times).toFixed(2)} ms, ` +
          `${res.rate.at(-1)!.toFixed(0)} lookups/s at ${CONCURRENCY} in flight, ${res.queries.at(-1)!.toFixed(1)} queries per lookup, ${one.failed + many.failed} failed`,
      );
    }
  }
  for (const s of swarms) await s.close();
  // The bittorrent-dht figures appear in both cases: each case compares one courier configuration with it.
  const cases = [
    { name: `mainline get_peers, ${NODES} nodes on loopback`, courier: 'courier' },
    { name: `mainline get_peers, ${NODES} nodes on loopback, courier at k=20`, courier: 'courier k=20' },
  ];
  for (const c of cases) {
    for (const [impl, res] of results) {
      if (impl.startsWith('courier') && impl !== c.courier) continue;
      const as = impl === c.courier ? 'courier' : impl;
      report.add({ case: c.name, impl: as, metric: 'lookups per second', unit: 'lookups/s', better: 'higher', runs: res.rate });
      report.add({ case: c.name, impl: as, metric: 'lookup time p50', unit: 'ms', better: 'lower', runs: res.p50 });
      report.add({ case: c.name, impl: as, metric: 'get_peers queries per lookup', unit: 'queries', better: 'lower', runs: res.queries });
      report.add({ case: c.name, impl: as, metric: 'lookup success', unit: `% of ${res.lookups}`, better: 'higher', runs: [(100 * (res.lookups - res.failed)) / res.lookups] });
    }
  }
  return cases.map((c) => c.name);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = new BenchReport('overlay', process.argv.includes('--quick'));
  await runMainlineBench(report, report.quick);
  console.log(report.table());
}
