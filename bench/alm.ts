// Application-level multicast on the simulated internet topology (virtual time): 1,000 overlay nodes, a
// group of 100 receivers, one source at 1 Mbit/s (1000-byte packets). Measured on the shared tree (policy
// never) and after the switch (policy first-packet), on the same overlay: relative delay penalty, link
// stress, duplicates and losses during the switch, join latency, repair time after a forwarder fails, and
// control messages per second. Anchors beside courier's rows: Scribe's published figures (Castro et al.,
// "Scribe: a large-scale and decentralized application-level multicast infrastructure", IEEE JSAC 2002:
// median RDP about 1.7, mean link stress about 2.4) and IP multicast's (1 and 1, by definition).
// One seed per size: a run is deterministic, so repeating it would give the same figures.
// Usage: npm run bench -- alm [--quick] [--nodes 1000] [--seed 1]
import { quick } from './lib/args.ts';
import { BenchReport, median, percentile, progress } from './lib/report.ts';
import { runAlmSim } from '../src/multicast/alm/sim.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const nodes = Number(arg('--nodes') ?? (quick ? 300 : 1000));
const seed = Number(arg('--seed') ?? 1);
const receivers = quick ? 50 : 100;

const report = new BenchReport('alm', quick);
const started = performance.now();
progress(`${nodes} nodes, ${receivers} receivers, 1 Mbit/s: building the overlay`);
const r = runAlmSim({ nodes, receivers, seed, short: false, progress: (line) => progress(`${nodes} nodes: ${line}`) });
progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s wall, ${r.datagrams} datagrams, ${(r.simulatedMs / 1000).toFixed(0)} s virtual`);

const kase = `${nodes} nodes, ${r.receivers} receivers, 1 Mbit/s`;
const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);
const row = (metric: string, unit: string, better: 'higher' | 'lower', runs: number[], impl = 'courier') => report.add({ case: kase, impl, metric, unit, better, runs });

// Delay and stress: courier on each tree, with the anchors on the same case and metric.
row('RDP p50, shared tree', 'x unicast', 'lower', [median(r.rpt.rdp)]);
row('RDP p50, shared tree', 'x unicast', 'lower', [1.7], 'Scribe (published)');
row('RDP p50, shared tree', 'x unicast', 'lower', [1], 'IP multicast');
row('RDP p90, shared tree', 'x unicast', 'lower', [percentile(r.rpt.rdp, 90)]);
row('RDP p50, after switch', 'x unicast', 'lower', [median(r.spt.rdp)]);
row('RDP p50, after switch', 'x unicast', 'lower', [1], 'IP multicast');
row('RDP p90, after switch', 'x unicast', 'lower', [percentile(r.spt.rdp, 90)]);
row('link stress mean, shared tree', 'copies/link', 'lower', [mean(r.rpt.meanStress)]);
row('link stress mean, shared tree', 'copies/link', 'lower', [2.4], 'Scribe (published)');
row('link stress mean, shared tree', 'copies/link', 'lower', [1], 'IP multicast');
row('link stress max, shared tree', 'copies/link', 'lower', [median(r.rpt.maxStress)]);
row('link stress mean, after switch', 'copies/link', 'lower', [mean(r.spt.meanStress)]);
row('link stress mean, after switch', 'copies/link', 'lower', [1], 'IP multicast');
row('link stress max, after switch', 'copies/link', 'lower', [median(r.spt.maxStress)]);
row('RDP p50, after switch, sptJoin direct', 'x unicast', 'lower', [median(r.sptDirect.rdp)]);
row('RDP p90, after switch, sptJoin direct', 'x unicast', 'lower', [percentile(r.sptDirect.rdp, 90)]);
row('link stress mean, after switch, sptJoin direct', 'copies/link', 'lower', [mean(r.sptDirect.meanStress)]);
row('link stress max, after switch, sptJoin direct', 'copies/link', 'lower', [median(r.sptDirect.maxStress)]);
row('tree delay p50, shared tree', 'ms', 'lower', [median(r.rpt.delayMs)]);
row('tree delay p50, after switch', 'ms', 'lower', [median(r.spt.delayMs)]);
// The switch.
row('duplicates delivered', 'packets', 'lower', [r.duplicatesDelivered]);
row('second copies at receivers during switch', 'copies', 'lower', [r.switchDuplicateCopies]);
row('packets lost during switch', 'packets', 'lower', [r.lostDuringSwitch]);
row('second copies at receivers during switch, sptJoin direct', 'copies', 'lower', [r.directSwitchDuplicateCopies]);
row('packets lost during switch, sptJoin direct', 'packets', 'lower', [r.directLostDuringSwitch]);
row('packets sent while measuring the switch', 'packets', 'higher', [r.packetsSent]);
// Membership and repair.
row('join latency p50', 'ms', 'lower', [median(r.joinLatencyMs)]);
row('join latency p90', 'ms', 'lower', [percentile(r.joinLatencyMs, 90)]);
row('repair time p50', 'ms', 'lower', [median(r.repairMs)]);
row('repair time max', 'ms', 'lower', [Math.max(...r.repairMs)]);
row('repair time max', 'refresh periods', 'lower', [Math.max(...r.repairMs) / r.refreshPeriodMs]);
row('receivers below failed forwarder', 'receivers', 'higher', [r.repairAffected]);
row('control messages, all nodes', 'msg/s', 'lower', [r.controlPerSecond]);
row('control messages per tree node', 'msg/s', 'lower', [r.controlPerTreeNodePerSecond]);

console.log(report.table());
console.log(`\nevents: ${Object.entries(r.events).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`tree nodes: ${r.treeNodes}; refresh period ${r.refreshPeriodMs / 1000} s (RFC 7761 t_periodic)`);
console.log(`wrote ${report.write()}`);
