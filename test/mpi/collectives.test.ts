import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launch } from '../../src/mpi/launcher.ts';
import { fixture } from './helpers.ts';

// Each job runs every collective against a naive reference (test/mpi/fixtures/collectives.ts).
const checks = [
  'barrier',
  'collectives never match user messages of the same communicator',
  'bcast',
  'reduce and allreduce with every predefined op',
  'allreduce of large arrays (ring) and large non-commutative values',
  'scatter, gather, allgather',
  'scatterv, gatherv, allgatherv',
  'alltoall, alltoallv',
  'reduceScatter',
  'scan, exscan (commutative and not)',
  'collectives on split communicators do not mix',
];

for (const threads of [false, true]) {
  for (let np = 1; np <= 7; np++) {
    test(`every collective matches its reference with ${np} rank${np === 1 ? '' : 's'} as ${threads ? 'threads' : 'processes'}`, async () => {
      const lines: string[] = [];
      const result = await launch({ np, program: fixture('collectives.ts'), threads, onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
      const failures = lines.filter((l) => !l.startsWith('[0] ok '));
      assert.equal(result.exitCode, 0, `${result.summary}\n${failures.join('\n')}`);
      for (const name of checks) assert.ok(lines.includes(`[0] ok ${name}`), `${name} did not pass`);
    });
  }
}

test('ranks connected over Unix domain sockets (--ipc) pass every collective too', async () => {
  const lines: string[] = [];
  const result = await launch({ np: 4, net: 'ipc', program: fixture('collectives.ts'), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
  assert.equal(result.exitCode, 0, `${result.summary}\n${lines.filter((l) => !l.startsWith('[0] ok ')).join('\n')}`);
  for (const name of checks) assert.ok(lines.includes(`[0] ok ${name}`), `${name} did not pass`);
});
