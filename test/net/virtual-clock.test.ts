import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { VirtualClock } from '../../src/net/virtual-clock.ts';
import { boundedWait } from '../../src/net/wait.ts';
import { Prng } from '../../src/net/prng.ts';

test('time moves only when told, and timers fire in time order', () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  clock.setTimer(() => fired.push('b@20'), 20);
  clock.setTimer(() => fired.push('a@10'), 10);
  clock.setTimer(() => fired.push('c@30'), 30);
  assert.equal(clock.now(), 0);
  assert.equal(clock.pending, 3);
  assert.equal(clock.advance(15), 1);
  assert.equal(clock.now(), 15);
  assert.deepEqual(fired, ['a@10']);
  assert.equal(clock.runUntil(25), 1);
  assert.equal(clock.now(), 25);
  assert.equal(clock.runAll(), 1);
  assert.equal(clock.now(), 30);
  assert.deepEqual(fired, ['a@10', 'b@20', 'c@30']);
});

test('timers due at the same time fire in the order they were set, including ones set while firing', () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  for (let i = 0; i < 100; i++) clock.setTimer(() => fired.push(i), 5);
  clock.setTimer(() => clock.setTimer(() => fired.push(1000), 0), 5);
  clock.runAll();
  assert.deepEqual(fired, [...Array.from({ length: 100 }, (_, i) => i), 1000]);
});

test('a cancelled timer never fires, cancelling twice or after firing is harmless', () => {
  const clock = new VirtualClock();
  let fired = 0;
  const cancel = clock.setTimer(() => fired++, 10);
  cancel();
  cancel();
  const cancelLater = clock.setTimer(() => fired++, 20);
  clock.runAll();
  cancelLater();
  // A reused slot is not cancelled by the stale function.
  clock.setTimer(() => fired++, 1);
  cancelLater();
  clock.runAll();
  assert.equal(fired, 2);
  assert.equal(clock.pending, 0);
});

test('runNext moves to the next timer only; nextTime says when it is due', () => {
  const clock = new VirtualClock({ start: 100 });
  clock.setTimer(() => undefined, 7);
  clock.setTimer(() => undefined, 9);
  assert.equal(clock.nextTime(), 107);
  assert.equal(clock.runNext(), true);
  assert.equal(clock.now(), 107);
  assert.equal(clock.runNext(), true);
  assert.equal(clock.runNext(), false);
  assert.equal(clock.now(), 109);
});

test('runAll stops with ERR_TIMEOUT at its limit when a timer re-arms forever', () => {
  const clock = new VirtualClock();
  const tick = () => clock.setTimer(tick, 1);
  tick();
  assert.throws(() => clock.runAll({ limit: 1000 }), (e) => isCourierError(e, 'ERR_TIMEOUT'));
  assert.ok(clock.now() >= 999);
});

test('post calls a target with its tag, without a closure per event', () => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  const target = { fire: (tag: number) => seen.push(tag) };
  clock.post(target, 3, 3);
  clock.post(target, 1, 1);
  clock.post(target, 2, 2);
  clock.runAll();
  assert.deepEqual(seen, [1, 2, 3]);
});

test('a bounded wait on the virtual clock times out in virtual time, and async runs let continuations act at that time', async () => {
  const clock = new VirtualClock();
  const wait = boundedWait<void>(() => () => undefined, { timeout: 500 }, clock, 'test wait');
  const failedAt = wait.then(
    () => -1,
    (e: unknown) => (isCourierError(e, 'ERR_TIMEOUT') ? clock.now() : -2),
  );
  await clock.advanceAsync(499);
  assert.equal(clock.pending, 1);
  await clock.advanceAsync(10);
  assert.equal(await failedAt, 500);

  // A chain of awaits: each step sets a timer from a continuation; runAllAsync follows it to the end.
  const steps: number[] = [];
  const sleep = (ms: number) => clock.sleep(ms);
  const chain = (async () => {
    for (let i = 0; i < 5; i++) {
      await sleep(10);
      steps.push(clock.now());
    }
  })();
  await clock.runAllAsync();
  await chain;
  assert.deepEqual(steps, [519, 529, 539, 549, 559]);
});

test('a million timers in random order fire sorted, quickly', () => {
  const clock = new VirtualClock();
  const rng = new Prng(1);
  let last = -1;
  let inOrder = true;
  const target = {
    fire: (tag: number) => {
      if (tag < last) inOrder = false;
      last = tag;
    },
  };
  for (let i = 0; i < 1_000_000; i++) {
    const t = rng.int(1_000_000);
    clock.post(target, t, t);
  }
  assert.equal(clock.runAll(), 1_000_000);
  assert.ok(inOrder);
});

test('the seeded generator repeats for a seed and differs between seeds', () => {
  const draw = (seed: number) => Array.from({ length: 5 }, () => new Prng(seed)).map((g) => g.nextU32());
  assert.deepEqual(draw(7), draw(7));
  const a = new Prng(7);
  const b = new Prng(8);
  assert.notDeepEqual([a.nextU32(), a.nextU32()], [b.nextU32(), b.nextU32()]);
  const g = new Prng(42);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = g.next();
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
});

test('sleep resolves in virtual time and rejects with ERR_ABORTED on its signal', async () => {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const slept = clock.sleep(100).then(() => clock.now());
  const aborted = clock.sleep(100, controller.signal).catch((e: unknown) => isCourierError(e, 'ERR_ABORTED'));
  controller.abort();
  await clock.runAllAsync();
  assert.equal(await slept, 100);
  assert.equal(await aborted, true);
  assert.equal(clock.pending, 0);
});
