import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { tourSteps } from '../../src/cli/tour/steps.ts';
import { captureIO } from './io.ts';

test('courier tour runs every step on loopback and says so', async () => {
  const c = captureIO();
  assert.equal(await main(['tour'], c.io), 0, c.err());
  for (const step of tourSteps) assert.ok(c.out().includes(step.title), step.title);
  assert.match(c.out(), new RegExp(`Tour complete: ${tourSteps.length} step\\(s\\)`));
});

test('courier tour --list and --step', async () => {
  const list = captureIO();
  assert.equal(await main(['tour', '--list'], list.io), 0);
  assert.equal(list.out().trim().split('\n').length, tourSteps.length);
  const bad = captureIO();
  assert.equal(await main(['tour', '--step', '99'], bad.io), 2);
});
