import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { launch, startJob } from '../../src/mpi/launcher.ts';
import { SHARED_DIR, sharedFilePrefix } from '../../src/mpi/process/shared-files.ts';
import { collectiveChecks } from './collective-checks.ts';
import { fixture } from './helpers.ts';

// Each job runs every collective against a naive reference (test/mpi/fixtures/collectives.ts). Thread
// ranks and a job over TCP are in collectives-threads.test.ts, so that the two files run side by side.
for (let np = 1; np <= 7; np++) {
  test(`every collective matches its reference with ${np} rank${np === 1 ? '' : 's'} as processes`, async () => {
    const lines: string[] = [];
    const result = await launch({ np, program: fixture('collectives.ts'), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
    assert.equal(result.exitCode, 0, `${result.summary}\n${lines.filter((l) => !l.startsWith('[0] ok ')).join('\n')}`);
    for (const name of collectiveChecks) assert.ok(lines.includes(`[0] ok ${name}`), `${name} did not pass`);
  });
}

test('over TCP and without shared memory (COURIER_MPI_SHM=0) large broadcasts travel over the sockets and still match', async () => {
  const lines: string[] = [];
  const result = await launch({ np: 4, net: 'tcp', env: { COURIER_MPI_SHM: '0' }, program: fixture('collectives.ts'), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
  assert.equal(result.exitCode, 0, `${result.summary}\n${lines.filter((l) => !l.startsWith('[0] ok ')).join('\n')}`);
  for (const name of collectiveChecks) assert.ok(lines.includes(`[0] ok ${name}`), `${name} did not pass`);
});

test('a large broadcast on 9 process ranks (shared memory) matches the root from every root', async () => {
  const lines: string[] = [];
  const result = await launch({ np: 9, program: fixture('bcast-large.ts'), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
  assert.equal(result.exitCode, 0, `${result.summary}\n${lines.join('\n')}`);
  assert.ok(lines.includes('[0] ok'), lines.join('\n'));
});

test('the shared broadcast files of a rank that crashed are removed by the launcher', async () => {
  const job = await startJob({ np: 2, program: fixture('shm-left-behind.ts'), onLine: () => undefined, killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
  const result = await job.result;
  assert.equal(result.failure?.rank, 0, result.summary);
  const left = existsSync(SHARED_DIR) ? readdirSync(SHARED_DIR).filter((name) => job.pids.some((pid) => pid !== undefined && name.startsWith(sharedFilePrefix(pid)))) : [];
  assert.deepEqual(left, []);
});
