#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Node 20's --test takes no globs, so this finds the
// files itself. Usage: node scripts/test.mjs [DIR_OR_FILE ...]   (default: test/)
import { spawnSync } from 'node:child_process';
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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporter, ...flags, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
