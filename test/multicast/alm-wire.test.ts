// The ALM wire format and the small state machines under the router: round trips, hostile input (only
// ERR_DECODE, and a router that keeps working), the seen-window, register timers and the rate meter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { decodeAlm, encodeAlm, type AlmMessage } from '../../src/multicast/alm/messages.ts';
import { RegisterState } from '../../src/multicast/alm/register.ts';
import { SeenWindow } from '../../src/multicast/alm/seen-window.ts';
import { RateMeter, wantsSwitch } from '../../src/multicast/alm/spt-policy.ts';
import { resolveLimits } from '../../src/multicast/alm/options.ts';
import { almSim } from './alm/sim.ts';

const id = fc.uint8Array({ minLength: 20, maxLength: 20 });
const source = fc.record({ id, address: fc.string({ maxLength: 64 }) });
const group = fc.string({ minLength: 1, maxLength: 60 });
const message: fc.Arbitrary<AlmMessage> = fc.oneof(
  fc.record({
    nonce: fc.nat({ max: 0xffffffff }),
    group,
    rpKey: id,
    holdtimeMs: fc.nat({ max: 0xffffffff }),
    entries: fc.array(fc.record({ kind: fc.integer({ min: 0, max: 2 }), join: fc.boolean(), source }), { maxLength: 8 }),
  }).map((value) => ({ case: 'joinPrune' as const, value })),
  fc.nat({ max: 0xffffffff }).map((value) => ({ case: 'ack' as const, value })),
  fc.record({ group, source, epoch: fc.nat({ max: 0xffffffff }), seq: fc.nat({ max: 0xffffffff }), spt: fc.boolean(), payload: fc.uint8Array({ maxLength: 64 }) }).map((value) => ({ case: 'data' as const, value })),
  fc.record({ group, source, epoch: fc.nat({ max: 0xffffffff }), seq: fc.nat({ max: 0xffffffff }), isNull: fc.boolean(), payload: fc.uint8Array({ maxLength: 64 }) }).map((value) => ({ case: 'register' as const, value })),
  fc.record({ group, source }).map((value) => ({ case: 'registerStop' as const, value })),
  fc.record({ nonce: fc.nat({ max: 0xffffffff }), group }).map((value) => ({ case: 'stateQuery' as const, value })),
  fc.record({ nonce: fc.nat({ max: 0xffffffff }), state: fc.string({ maxLength: 200 }) }).map((value) => ({ case: 'stateReply' as const, value })),
);

test('every ALM message survives encode then decode', () => {
  fc.assert(
    fc.property(message, (m) => {
      assert.deepEqual(normalize(decodeAlm(encodeAlm(m))), normalize(m));
    }),
    { numRuns: 300 },
  );
});

test('mutated or truncated ALM payloads give only ERR_DECODE', () => {
  fc.assert(
    fc.property(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(40), (m, edits, cut) => {
      const bytes = encodeAlm(m).slice();
      for (const [at, v] of edits) bytes[at % bytes.length] = v;
      for (const input of [bytes, bytes.subarray(0, Math.max(0, bytes.length - cut))]) {
        try {
          decodeAlm(input);
        } catch (err) {
          assert.ok(isCourierError(err, 'ERR_DECODE'), `unexpected ${String(err)}`);
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('a router fed hostile payloads counts them as malformed and goes on forwarding', () => {
  const sim = almSim(16, { seed: 21 });
  const [a, b, c] = sim.alm;
  void c!.join('g');
  sim.run(1000);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
      const bytes = new Uint8Array(3 + junk.length);
      bytes.set([0xa1, 0x4d, 1]);
      bytes.set(junk, 3);
      a!.node.send(b!.address, bytes);
    }),
    { numRuns: 200 },
  );
  sim.run(1000);
  assert.ok(b!.stats().malformed > 100);
  void a!.send(Buffer.from('still fine'), 'g');
  sim.run(2000);
  assert.equal(sim.got.get(c!.address)![0]?.seq, 1);
});

test('the seen-window passes each number once, refuses what is too old, and counts what the shared tree still owes', () => {
  const w = new SeenWindow(8);
  assert.equal(w.add(7, 1), true);
  assert.equal(w.add(7, 1), false);
  assert.equal(w.add(7, 4), true);
  assert.equal(w.unseenBelow(7, 4), 2);
  assert.equal(w.add(7, 3), true);
  assert.equal(w.add(7, 2), true);
  assert.equal(w.unseenBelow(7, 5), 0);
  assert.equal(w.add(7, 20), true);
  assert.equal(w.add(7, 4), false, 'behind the window');
  assert.equal(w.add(8, 4), true, 'a new epoch starts afresh');
});

test('register state: Register-Stop suppresses, a null Register probes after (0.5..1.5) × suppression − probe, then registering resumes', () => {
  const r = new RegisterState(60_000, 5_000);
  assert.equal(r.registering, true);
  r.onRegisterStop(0, 0.5);
  assert.equal(r.state, 'prune');
  assert.equal(r.tick(54_999), 'none');
  assert.equal(r.tick(55_000), 'send-null-register');
  assert.equal(r.state, 'join-pending');
  r.onRegisterStop(56_000, 0);
  assert.equal(r.state, 'prune', 'a stop during the probe suppresses again');
  assert.equal(r.tick(81_000), 'send-null-register');
  assert.equal(r.tick(86_000), 'resume');
  assert.equal(r.state, 'join');
});

test('the rate meter measures bytes per second over its window; the policies decide as routers do', () => {
  const m = new RateMeter(1000);
  let rate = 0;
  for (let t = 0; t < 2000; t += 10) rate = m.add(100, t);
  assert.ok(rate > 8000 && rate < 12_000, `rate ${rate}`);
  assert.equal(wantsSwitch('first-packet', m, 1, 0), true);
  assert.equal(wantsSwitch('never', m, 1e9, 0), false);
  const slow = new RateMeter(1000);
  assert.equal(wantsSwitch({ rateBytesPerSecond: 5000 }, slow, 100, 0), false);
});

test('options: timers must be positive, holdtime must exceed the refresh period', () => {
  assert.throws(() => resolveLimits({ joinPrunePeriodMs: 0 }), /ERR_INVALID_ARGUMENT|positive/);
  assert.throws(() => resolveLimits({ joinPrunePeriodMs: 1000, joinPruneHoldtimeMs: 500 }), /must exceed/);
});

function normalize(m: AlmMessage): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));
}
