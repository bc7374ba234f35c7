// MPI benchmark: OSU-style ping-pong latency, windowed bandwidth, allreduce and bcast, for courier ranks as
// processes and as threads, side by side. Open MPI and mpi4py peers are not measured yet (see docs/mpi.md).
// Run: node --import tsx bench/mpi.ts [--quick]
import { fileURLToPath } from 'node:url';
import { launch } from '../src/mpi/launcher.ts';
import { quick } from './lib/args.ts';
import { BenchReport, progress } from './lib/report.ts';

const program = fileURLToPath(new URL('./mpi/osu.ts', import.meta.url));
const rounds = quick ? 2 : 5;
const report = new BenchReport('mpi', quick);
const better = { latency: 'lower', bandwidth: 'higher', time: 'lower' } as const;

for (const threads of [false, true]) {
  const impl = threads ? 'courier-threads' : 'courier';
  for (const [kind, np] of [['p2p', 2], ['collectives', 4]] as const) {
    progress(`${impl}: ${kind} on ${np} ranks, ${rounds} rounds`);
    const series = new Map<string, { metric: keyof typeof better; unit: string; runs: number[] }>();
    const result = await launch({
      np,
      threads,
      program,
      args: [kind, String(rounds), ...(quick ? ['--quick'] : [])],
      onLine: (rank, stream, line) => {
        if (rank !== 0 || stream !== 'stdout' || !line.startsWith('{')) return void process.stderr.write(`[${rank}] ${line}\n`);
        const m = JSON.parse(line) as { case: string; metric: keyof typeof better; unit: string; value: number };
        const s = series.get(m.case) ?? { metric: m.metric, unit: m.unit, runs: [] };
        s.runs.push(m.value);
        series.set(m.case, s);
      },
    });
    if (result.exitCode !== 0) throw new Error(`${impl} ${kind}: ${result.summary}`);
    for (const [name, s] of series) report.add({ case: name, impl, metric: s.metric, unit: s.unit, better: better[s.metric], runs: s.runs });
  }
}
console.log(report.table());
progress(`wrote ${report.write()}`);
