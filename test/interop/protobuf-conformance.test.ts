// protobuf's own conformance suite against courier: conformance_test_runner, built from Debian's protobuf
// source by conformance/build.sh, drives conformance/testee.ts. Every binary-format test (proto3 and
// proto2) must pass; JSON tests known to fail are listed in conformance/failure_list.txt, and the runner
// also fails when a listed test passes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'conformance');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasDev = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'libprotobuf-dev']).stdout?.toString().includes('ok installed') === true;

test('conformance_test_runner: every binary test passes, JSON tests as the failure list says', { timeout: 600_000 }, (t) => {
  if (!has('protoc') || !has('g++') || !has('dpkg-source') || !hasDev) {
    t.skip('protoc, g++, dpkg-dev or libprotobuf-dev missing (Debian): the protobuf conformance suite was not run');
    return;
  }
  const build = spawnSync('bash', [join(dir, 'build.sh')], { encoding: 'utf8' });
  if (build.status === 3) {
    t.skip(`protobuf's source package could not be fetched here: the conformance suite was not run (${build.stderr.trim().split('\n').pop()})`);
    return;
  }
  assert.equal(build.status, 0, `build.sh failed:\n${build.stderr}`);
  const runner = build.stdout.trim().split('\n').pop()!;
  // The runner writes its report (over 1 MB with --verbose) in one fwrite, which a non-blocking pipe can
  // cut short; a file takes it whole.
  const tmp = mkdtempSync(join(tmpdir(), 'courier-conformance-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const report = join(tmp, 'report.txt');
  const fd = openSync(report, 'w');
  const run = spawnSync(runner, ['--verbose', '--output_dir', tmp + '/', '--failure_list', join(dir, 'failure_list.txt'), join(dir, 'testee.sh')], { stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  const out = readFileSync(report, 'utf8');
  const summaries = [...out.matchAll(/CONFORMANCE SUITE (\w+): (\d+) successes, (\d+) skipped, (\d+) expected failures, (\d+) unexpected failures/g)];
  for (const s of summaries) t.diagnostic(s[0]);
  const unexpected = [...out.matchAll(/^ {2}((?:Required|Recommended)\.\S+)$/gm)].map((m) => m[1]);
  assert.equal(run.status, 0, `conformance suite failed; unexpected results:\n${unexpected.join('\n')}\n${out.slice(-2000)}`);
  assert.ok(summaries.length >= 1 && Number(summaries[0]![2]) > 1000, 'the binary/JSON suite did not run');
  // A skipped test is not a failure to the runner; a binary-in, binary-out test must not be skipped.
  const skippedBinary = [...out.matchAll(/^SKIPPED, test=(\S*ProtobufInput\S*ProtobufOutput) /gm)].map((m) => m[1]);
  assert.deepEqual(skippedBinary, []);
});
