import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launch } from '../../src/mpi/launcher.ts';
import { collectiveChecks } from './collective-checks.ts';
import { fixture } from './helpers.ts';

// Each job runs every collective against a naive reference (test/mpi/fixtures/collectives.ts). Thread
// ranks and Unix domain sockets are in collectives-threads.test.ts, so that the two files run side by side.
for (let np = 1; np <= 7; np++) {
  test(`every collective matches its reference with ${np} rank${np === 1 ? '' : 's'} as processes`, async () => {
    const lines: string[] = [];
    const result = await launch({ np, program: fixture('collectives.ts'), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
    assert.equal(result.exitCode, 0, `${result.summary}\n${lines.filter((l) => !l.startsWith('[0] ok ')).join('\n')}`);
    for (const name of collectiveChecks) assert.ok(lines.includes(`[0] ok ${name}`), `${name} did not pass`);
  });
}
