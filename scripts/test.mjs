#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Node 20's --test takes no globs, so this finds the
// files itself. Usage: node scripts/test.mjs [DIR_OR_FILE ...]   (default: test/)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p).sort()) if (e !== 'node_modules' && e !== 'build') walk(join(p, e));
  } else if (p.endsWith('.test.ts')) files.push(p);
};
for (const root of roots.length ? roots : ['test']) walk(root);
if (files.length === 0) {
  console.error('test: no *.test.ts files found under ' + (roots.join(', ') || 'test'));
  process.exit(1);
}
const reporter = process.stdout.isTTY ? [] : ['--test-reporter=spec'];
// A per-test timeout, and a limit for the whole run: a test file that leaves a socket open would
// otherwise keep its process, and CI, waiting forever.
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=60000', ...reporter, ...flags, ...files],
  { stdio: 'inherit' },
);
const limitMs = Number(process.env.COURIER_TEST_LIMIT_MS ?? 8 * 60_000);
const limit = setTimeout(() => {
  console.error(`test: the run exceeded ${limitMs / 1000} s; stopping it (a test left something open?)`);
  child.kill('SIGKILL');
}, limitMs);
child.on('exit', (code, signal) => {
  clearTimeout(limit);
  process.exit(code ?? (signal ? 1 : 0));
});
