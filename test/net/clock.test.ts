import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { realClock } from '../../src/net/clock.ts';
import { VirtualClock } from '../../src/net/virtual-clock.ts';

test('both clocks sleep, and a sleep ends early with ERR_ABORTED on its signal', async () => {
  const started = realClock.now();
  await realClock.sleep(20);
  assert.ok(realClock.now() - started >= 15);
  const controller = new AbortController();
  const sleeping = realClock.sleep(10_000, controller.signal);
  controller.abort();
  await assert.rejects(sleeping, (e) => isCourierError(e, 'ERR_ABORTED'));

  const virtual = new VirtualClock();
  let woke = false;
  const nap = virtual.sleep(500).then(() => (woke = true));
  virtual.advance(499);
  await Promise.resolve();
  assert.equal(woke, false);
  virtual.advance(1);
  await nap;
  assert.equal(virtual.now(), 500);
});
