// Overlay simulation benchmark: a Kademlia overlay of 1,000 and 10,000 nodes on the simulated two-level
// internet, measured on virtual time: lookup success, hops, latency and messages; key-based routing hops and
// stretch against the direct path; get success after 20% of the nodes fail at once. Scenarios: no churn,
// churn (exponential sessions, median 30 simulated minutes), 5% datagram loss, both, and both with 30% of the
// nodes behind a NAT-like filter (reached through relays). One seed per case:
// a run is deterministic, so repeating it would give the same figures. First, on loopback, courier's
// Mainline profile and a swarm of bittorrent-dht nodes do the same lookups (bench/overlay-mainline.ts).
// Results are written after every case, keeping the rows of other cases already in the file, so the two
// sizes can run as two processes side by side and a long run that is stopped keeps what it measured.
// Usage: npm run bench -- overlay [--quick] [--nodes 1000,10000|none] [--big-scenarios all|headline]
//        [--scenarios 'no churn;5% loss'] (only these, at every size) [--no-mainline] (skip the loopback part)
import { existsSync, readFileSync } from 'node:fs';
import { quick } from './lib/args.ts';
import { BenchReport, progress, type Row } from './lib/report.ts';
import { runOverlaySim, simFigures, SIM_SCENARIOS } from '../src/overlay/sim.ts';
import { runMainlineBench } from './overlay-mainline.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
// `--nodes none`: only the loopback part.
const nodesArg = arg('--nodes') ?? (quick ? '200' : '1000,10000');
const sizes = nodesArg === 'none' ? [] : nodesArg.split(',').map(Number);
// 10,000 nodes take minutes of wall time per scenario on a small machine: by default only the goal's
// scenario (churn and loss together) runs at that size.
const bigAll = arg('--big-scenarios') === 'all';
// A subset of the scenarios, by name (separated by ';': names hold commas), so the long 10,000-node cases
// can run as parallel processes.
const only = arg('--scenarios')?.split(';').map((s) => s.trim());
const unknown = only?.filter((name) => !SIM_SCENARIOS.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.map((u) => `'${u}'`).join(', ')}; known: ${SIM_SCENARIOS.map((s) => `'${s.name}'`).join(', ')}`);
  process.exit(2);
}

const report = new BenchReport('overlay', quick);
const resultsFile = new URL('./results/overlay.json', import.meta.url);
const ours = new Set<string>();

/** Writes the results so far, keeping rows of cases this run does not measure (from an earlier or parallel run). */
function save(): void {
  let kept: Row[] = [];
  if (existsSync(resultsFile)) {
    const doc: unknown = JSON.parse(readFileSync(resultsFile, 'utf8'));
    if (typeof doc === 'object' && doc !== null && 'rows' in doc && Array.isArray(doc.rows) && 'quick' in doc && doc.quick === quick) {
      // The file is this benchmark's own output, in the format BenchReport writes.
      kept = (doc.rows as Row[]).filter((r) => !ours.has(r.case));
    }
  }
  const mine = report.rows.splice(0);
  report.rows.push(...kept, ...mine);
  report.write();
  report.rows.splice(0, kept.length);
}
if (!process.argv.includes('--no-mainline')) for (const name of await runMainlineBench(report, quick)) ours.add(name);
for (const n of sizes) {
  for (const s of SIM_SCENARIOS) {
    if (only ? !only.includes(s.name) : n >= 10_000 && !bigAll && s.name !== 'churn + 5% loss') continue;
    const started = performance.now();
    progress(`${n} nodes, ${s.name}: building`);
    const r = await runOverlaySim({
      nodes: n,
      seed: 1,
      medianSessionMs: s.medianSessionMs,
      loss: s.loss,
      filtered: 'filtered' in s ? s.filtered : 0,
      lookups: quick ? 200 : 1000,
      values: quick ? 50 : 200,
      measureMs: quick ? 120_000 : 600_000,
      progress: (line) => progress(`${n} nodes, ${s.name}: ${line}`),
    });
    const wall = (performance.now() - started) / 1000;
    progress(`${n} nodes, ${s.name}: failed lookups by cause ${JSON.stringify(r.lookupFailures)}`);
    progress(`${n} nodes, ${s.name}: done in ${wall.toFixed(0)} s wall, ${r.datagrams} datagrams, ${r.joins} joins, ${r.departures} departures`);
    for (const f of simFigures(r)) report.add({ case: `${n} nodes, ${s.name}`, impl: 'courier', metric: f.metric, unit: f.unit, better: f.better, runs: [f.value] });
    report.add({ case: `${n} nodes, ${s.name}`, impl: 'courier', metric: 'wall time', unit: 's', better: 'lower', runs: [wall] });
    ours.add(`${n} nodes, ${s.name}`);
    save();
  }
}
console.log(report.table());
console.log('(simulated figures on virtual time, one deterministic run per case; the Mainline rows above ran on loopback)');
save();
progress('wrote bench/results/overlay.json');
