import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launch } from '../../src/mpi/launcher.ts';
import { collectiveChecks } from './collective-checks.ts';
import { fixture } from './helpers.ts';

// The same checks as collectives.test.ts, with the ranks as worker threads (and one job over TCP).
for (let np = 1; np <= 7; np++) {
  test(`every collective matches its reference with ${np} rank${np === 1 ? '' : 's'} as threads`, async () => {
    const lines: string[] = [];
    const result = await launch({ np, program: fixture('collectives.ts'), threads: true, onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
    assert.equal(result.exitCode, 0, `${result.summary}\n${lines.filter((l) => !l.startsWith('[0] ok ')).join('\n')}`);
    for (const name of collectiveChecks) assert.ok(lines.includes(`[0] ok ${name}`), `${name} did not pass`);
  });
}

test('ranks connected over TCP (net: tcp; Unix domain sockets are the default on one host) pass every collective too', async () => {
  const lines: string[] = [];
  const result = await launch({ np: 4, net: 'tcp', program: fixture('collectives.ts'), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
  assert.equal(result.exitCode, 0, `${result.summary}\n${lines.filter((l) => !l.startsWith('[0] ok ')).join('\n')}`);
  for (const name of collectiveChecks) assert.ok(lines.includes(`[0] ok ${name}`), `${name} did not pass`);
});

test('a large broadcast on 9 ranks takes the scatter-allgather path and matches the root', async () => {
  const lines: string[] = [];
  const result = await launch({ np: 9, program: fixture('bcast-large.ts'), threads: true, onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
  assert.equal(result.exitCode, 0, `${result.summary}\n${lines.join('\n')}`);
  assert.ok(lines.includes('[0] ok'), lines.join('\n'));
});
