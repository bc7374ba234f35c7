import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';

// Every example shown in docs/ must run as it stands.
const run = promisify(execFile);
const examples = readdirSync(new URL('../examples/', import.meta.url)).filter((f) => f.endsWith('.ts'));

for (const file of examples) {
  test(`examples/${file} runs`, async () => {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', `examples/${file}`], { timeout: 30_000 });
    assert.doesNotMatch(stderr, /Error/);
  });
}
