// `courier mcast tree` and the tour step of application-level multicast.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { tourSteps } from '../../src/cli/tour/steps.ts';
import { captureIO } from '../cli/io.ts';

test('courier mcast tree draws the shared tree, then its prunes and the source tree after the switch', async () => {
  const c = captureIO();
  assert.equal(await main(['mcast', 'tree', '238.1.1.1', '--nodes', '40', '--receivers', '6'], c.io), 0, c.err());
  const out = c.out();
  assert.match(out, /6 members joined 238\.1\.1\.1; before the source sends:\n {2}RPT of 238\.1\.1\.1, root \(the RP\): /);
  assert.match(out, /SPT of source 10\.0\.0\.0, register state prune/);
  assert.match(out, /\(pruned for source 10\.0\.0\.0: S,G,rpt\)/);
  assert.match(out, /members received 50\.\.50 of 50 packets, 0 duplicates delivered/);
  assert.match(c.err(), /building an overlay of 40 nodes/);
});

test('courier mcast tree --policy never keeps members on the shared tree; a bad policy is a usage error', async () => {
  const c = captureIO();
  assert.equal(await main(['mcast', 'tree', 'news', '--nodes', '30', '--receivers', '5', '--policy', 'never'], c.io), 0, c.err());
  assert.doesNotMatch(c.out(), /S,G,rpt/);
  const bad = captureIO();
  assert.notEqual(await main(['mcast', 'tree', 'news', '--policy', 'sometimes'], bad.io), 0);
  assert.match(bad.err(), /--policy: expected first-packet, never or a rate/);
});

test('the application-level multicast tour step follows the IP multicast step and shows the switch', async () => {
  const ip = tourSteps.findIndex((s) => s.title.startsWith('IP multicast'));
  const alm = tourSteps.findIndex((s) => s.title.startsWith('Application-level multicast'));
  assert.equal(alm, ip + 1);
  const lines: string[] = [];
  await tourSteps[alm]!.run((l) => lines.push(l), new AbortController().signal);
  const text = lines.join('\n');
  for (const e of ['register', 'spt-switch', 'prune-rpt', 'register-stop']) assert.match(text, new RegExp(`${e} +at `));
  assert.match(text, /each box received 30 frames/);
});
