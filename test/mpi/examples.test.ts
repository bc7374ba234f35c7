import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { launch } from '../../src/mpi/launcher.ts';

const run = promisify(execFile);
const example = (name: string) => `examples/mpi/${name}`;

test('node bin/courier.mjs run -n 4 examples/mpi/pi.ts prints pi from rank 0', async () => {
  const { stdout } = await run(process.execPath, ['bin/courier.mjs', 'run', '-n', '4', example('pi.ts'), '100000'], { timeout: 45_000 });
  assert.match(stdout, /^\[0\] pi ≈ 3\.14159265\d+ .* on 4 ranks/m);
});

test('examples/mpi/sort.ts sorts across ranks, as processes and as threads', async () => {
  for (const threads of [false, true]) {
    const lines: string[] = [];
    const result = await launch({ np: 3, threads, program: example('sort.ts'), args: ['30001'], onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), signal: AbortSignal.timeout(45_000) });
    assert.equal(result.exitCode, 0, result.summary);
    assert.ok(lines.some((l) => /^\[0\] sorted 30001 of 30001 values on 3 ranks .* globally ordered: true$/.test(l)), lines.join('\n'));
  }
});
