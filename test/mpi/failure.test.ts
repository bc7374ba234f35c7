import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fixture, runJob } from './helpers.ts';

const run = promisify(execFile);

test('a killed rank makes every other rank fail fast with ERR_RANK_FAILED naming it, and the launcher names it', async (t) => {
  const { job, lines, result, waitForLine } = await runJob(t, { np: 4, program: fixture('blocked.ts'), killGraceMs: 15_000, signal: AbortSignal.timeout(45_000) });
  await waitForLine(/\] ready$/, 4);
  job.kill(1, 'SIGKILL');
  const r = await result;
  for (const rank of [0, 2, 3]) {
    const line = lines.find((l) => l.startsWith(`[${rank}] failed`));
    assert.ok(line, `rank ${rank} did not report the failure:\n${lines.join('\n')}`);
    const m = /failed ERR_RANK_FAILED MpiRankFailedError rank=1 after (\d+) ms/.exec(line);
    assert.ok(m, line);
    assert.ok(Number(m[1]) < 5000, `rank ${rank} took ${m[1]} ms to notice`);
  }
  assert.equal(r.failure?.rank, 1);
  assert.match(r.failure!.reason, /killed by SIGKILL/);
  assert.equal(r.exitCode, 128 + 9);
  assert.match(r.summary, /^rank 1 failed: killed by SIGKILL/);
});

test('a terminated rank thread makes the other threads fail with ERR_RANK_FAILED naming it', async (t) => {
  const { job, lines, result, waitForLine } = await runJob(t, { np: 3, program: fixture('blocked.ts'), threads: true, killGraceMs: 2000, signal: AbortSignal.timeout(45_000) });
  await waitForLine(/\] ready$/, 3);
  job.kill(1);
  const r = await result;
  for (const rank of [0, 2]) assert.match(lines.find((l) => l.startsWith(`[${rank}] failed`)) ?? `rank ${rank} reported nothing:\n${lines.join('\n')}`, /failed ERR_RANK_FAILED MpiRankFailedError rank=1/);
  assert.equal(r.failure?.rank, 1);
  assert.notEqual(r.exitCode, 0);
});

test('a thread rank sending into the full ring of a rank that died fails instead of waiting forever', async (t) => {
  const { job, lines, result, waitForLine } = await runJob(t, { np: 2, program: fixture('blocked.ts'), args: ['flood'], threads: true, killGraceMs: 2000, signal: AbortSignal.timeout(45_000) });
  await waitForLine(/\] ready$/, 2);
  await new Promise((resolve) => setTimeout(resolve, 300)); // let rank 0 fill the ring and wait for room
  job.kill(1);
  await result;
  assert.match(lines.find((l) => l.startsWith('[0] failed')) ?? `rank 0 reported nothing:\n${lines.join('\n')}`, /failed ERR_RANK_FAILED MpiRankFailedError rank=1/);
});

test('abort(code) in a thread job ends it with that code', async (t) => {
  const { result } = await runJob(t, { np: 3, program: fixture('blocked.ts'), args: ['abort', '1'], threads: true, signal: AbortSignal.timeout(45_000) });
  const r = await result;
  assert.equal(r.exitCode, 5, r.summary);
  assert.match(r.summary, /^rank 1 failed: called abort\(5\)/);
});

test('abort(code) ends the whole job with that code; the others see ERR_JOB_ABORTED naming the rank', async (t) => {
  const { lines, result } = await runJob(t, { np: 3, program: fixture('blocked.ts'), args: ['abort', '2'], killGraceMs: 15_000, signal: AbortSignal.timeout(45_000) });
  const r = await result;
  assert.equal(r.exitCode, 5, r.summary);
  assert.equal(r.failure?.rank, 2, r.summary);
  assert.equal(r.failure?.reason, 'called abort(5)');
  assert.ok(r.ranks.every((x) => x.code === 5 || x.code === 3), JSON.stringify(r.ranks));
  for (const line of lines.filter((l) => l.includes('failed'))) assert.match(line, /failed ERR_JOB_ABORTED MpiAbortError rank=2/);
});

test('the launcher exits non-zero naming the rank that threw and why, after ending the others', async (t) => {
  const { lines, result } = await runJob(t, { np: 3, program: fixture('blocked.ts'), args: ['throw', '1'], killGraceMs: 15_000, signal: AbortSignal.timeout(45_000) });
  const r = await result;
  assert.equal(r.failure?.rank, 1);
  assert.equal(r.exitCode, 1);
  assert.match(r.failure!.reason, /exited with code 1; its last error output: .*boom from rank 1/);
  assert.ok(lines.some((l) => l.startsWith('[1] ') && l.includes('Error: boom from rank 1')), 'stderr is prefixed with the rank');
  assert.deepEqual(r.ranks.map((x) => x.code === 0), [false, false, false]);
});

test('courier run: prefixed output, exit code 0, and a non-zero exit code with the failed rank named', async () => {
  const ok = await run(process.execPath, ['bin/courier.mjs', 'run', '-n', '3', 'examples/mpi/ring.ts'], { timeout: 45_000 });
  for (const rank of [0, 1, 2]) assert.match(ok.stdout, new RegExp(`^\\[${rank}\\] `, 'm'));
  const failed = await run(process.execPath, ['bin/courier.mjs', 'mpirun', '-n', '2', fixture('blocked.ts'), 'throw', '0'], { timeout: 45_000 }).then(
    () => assert.fail('expected a non-zero exit'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /courier run: rank 0 failed: exited with code 1/);
  const help = await run(process.execPath, ['bin/courier.mjs', 'run', '--help']);
  assert.match(help.stdout, /courier run -n 4 examples\/mpi\/pi\.ts/);
});

test('courier run passes SIGINT on to the ranks and exits non-zero', async (t) => {
  const child = spawn(process.execPath, ['bin/courier.mjs', 'run', '-n', '2', fixture('blocked.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  while ((out.match(/\] ready/g) ?? []).length < 2) await once(child.stdout, 'data');
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.notEqual(code, 0);
  assert.match(err, /courier run: interrupted by SIGINT/);
});
