// MPI benchmark: OSU-style ping-pong latency, windowed bandwidth, allreduce and bcast, for courier ranks as
// processes and as threads, side by side with Open MPI (a C program built with mpicc) and mpi4py (buffer
// and object methods) when those are installed (Debian: openmpi-bin, libopenmpi-dev, python3-mpi4py).
// Run: node --import tsx bench/mpi.ts [--quick]
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { launch } from '../src/mpi/launcher.ts';
import { quick } from './lib/args.ts';
import { BenchReport, progress } from './lib/report.ts';

const program = fileURLToPath(new URL('./mpi/osu.ts', import.meta.url));
const run = promisify(execFile);
const rounds = quick ? 2 : 5;
const report = new BenchReport('mpi', quick);
const better = { latency: 'lower', bandwidth: 'higher', time: 'lower' } as const;
type Measurement = { case: string; metric: keyof typeof better; unit: string; value: number };

// Gathers rank 0's JSON lines into one series per case, then into the report under `impl`.
function collect(impl: string, lines: readonly string[]): void {
  const series = new Map<string, { metric: keyof typeof better; unit: string; runs: number[] }>();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line) as Measurement; // printed by osu.ts / osu.c / osu.py in this shape
    const s = series.get(m.case) ?? { metric: m.metric, unit: m.unit, runs: [] };
    s.runs.push(m.value);
    series.set(m.case, s);
  }
  for (const [name, s] of series) report.add({ case: name, impl, metric: s.metric, unit: s.unit, better: better[s.metric], runs: s.runs });
}

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false; // not installed
  }
}

async function mpirun(np: number, command: string[]): Promise<string[]> {
  const { stdout } = await run('mpirun', ['--allow-run-as-root', '--oversubscribe', '-n', String(np), ...command], { timeout: 600_000, maxBuffer: 1 << 24 });
  return stdout.split('\n');
}

for (const threads of [false, true]) {
  const impl = threads ? 'courier-threads' : 'courier';
  for (const [kind, np] of [['p2p', 2], ['collectives', 4]] as const) {
    progress(`${impl}: ${kind} on ${np} ranks, ${rounds} rounds`);
    const lines: string[] = [];
    const result = await launch({
      np,
      threads,
      program,
      args: [kind, String(rounds), ...(quick ? ['--quick'] : [])],
      onLine: (rank, stream, line) => (rank === 0 && stream === 'stdout' ? lines.push(line) : process.stderr.write(`[${rank}] ${line}\n`)),
    });
    if (result.exitCode !== 0) throw new Error(`${impl} ${kind}: ${result.summary}`);
    collect(impl, lines);
  }
}

const flags = quick ? ['--quick'] : [];
if (works('mpicc', ['--version']) && works('mpirun', ['--version'])) {
  const binary = join(mkdtempSync(join(tmpdir(), 'courier-bench-mpi-')), 'osu');
  execFileSync('mpicc', ['-O2', '-o', binary, fileURLToPath(new URL('./mpi/osu.c', import.meta.url))]);
  for (const [kind, np] of [['p2p', 2], ['collectives', 4]] as const) {
    progress(`openmpi: ${kind} on ${np} ranks`);
    collect('openmpi', await mpirun(np, [binary, kind, String(rounds), ...flags]));
  }
} else progress('Open MPI (mpicc, mpirun) not installed: no openmpi rows');

const python = ['python3', '/usr/bin/python3'].find((p) => works(p, ['-c', 'import mpi4py']));
if (python && works('mpirun', ['--version'])) {
  const script = fileURLToPath(new URL('./mpi/osu.py', import.meta.url));
  for (const style of ['buffer', 'object'] as const) {
    for (const [kind, np] of [['p2p', 2], ['collectives', 4]] as const) {
      progress(`mpi4py-${style}: ${kind} on ${np} ranks`);
      collect(`mpi4py-${style}`, await mpirun(np, [python, script, style, kind, String(rounds), ...flags]));
    }
  }
} else progress('mpi4py not installed: no mpi4py rows');

console.log(report.table());
progress(`wrote ${report.write()}`);
