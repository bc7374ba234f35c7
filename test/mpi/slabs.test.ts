// Large messages between thread ranks through the job's slab pool: the pool alone (taking and freeing runs,
// checked against a model with fast-check), and real thread jobs with a pool small enough to fill.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { LaunchOptions } from '../../src/mpi/launcher.ts';
import { startThreadJob } from '../../src/mpi/threads/launch.ts';
import { allocateSlabs, SlabPool } from '../../src/mpi/threads/slabs.ts';
import { fixture } from './helpers.ts';

test('a slab pool hands out runs that never overlap, frees them for reuse, and says no when full', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.record({ take: fc.integer({ min: 1, max: 5 * 1024 }) }), fc.record({ free: fc.nat() })), { maxLength: 60 }), fc.nat(15), (steps, start) => {
      const count = 16;
      const slabBytes = 1024;
      const buffer = allocateSlabs(count, slabBytes);
      const pool = new SlabPool(buffer, count, slabBytes, start);
      const other = new SlabPool(buffer, count, slabBytes); // another thread's view of the same pool
      const owner = new Array<number>(count).fill(-1);
      const runs: { first: number; count: number; bytes: Uint8Array; id: number }[] = [];
      let id = 0;
      for (const step of steps) {
        if ('take' in step) {
          const need = Math.ceil(step.take / slabBytes);
          const run = pool.take(step.take);
          // A run exists iff `need` adjacent slabs are free in the model.
          const fits = owner.some((_, f) => f + need <= count && owner.slice(f, f + need).every((o) => o === -1));
          assert.equal(run !== undefined, fits);
          if (!run) continue;
          assert.equal(run.count, need);
          assert.equal(run.bytes.length, step.take);
          for (let i = run.first; i < run.first + run.count; i++) {
            assert.equal(owner[i], -1, `slab ${i} handed out twice`);
            owner[i] = id;
          }
          run.bytes.fill(id & 0xff);
          assert.deepEqual(other.runOf(run.bytes), { first: run.first, count: run.count, bytes: other.view(run.first, step.take)!.bytes });
          runs.push({ ...run, id: id++ });
        } else if (runs.length > 0) {
          const [run] = runs.splice(step.free % runs.length, 1);
          assert.ok(run!.bytes.every((b) => b === (run!.id & 0xff)), 'a run kept its bytes while taken');
          other.free(run!); // the receiver frees what the sender took
          for (let i = run!.first; i < run!.first + run!.count; i++) owner[i] = -1;
        }
        assert.equal(pool.taken(), owner.filter((o) => o !== -1).length);
      }
    }),
  );
});

test('a slab pool rejects references outside it and views of other memory', () => {
  const pool = new SlabPool(allocateSlabs(4, 64), 4, 64);
  assert.equal(pool.view(-1, 10), undefined);
  assert.equal(pool.view(3, 65), undefined); // would run past the last slab
  assert.equal(pool.view(4, 1), undefined);
  assert.equal(pool.view(0.5, 1), undefined);
  assert.ok(pool.view(0, 256));
  assert.equal(pool.take(257), undefined); // larger than the whole pool
  assert.equal(pool.runOf(new Uint8Array(64)), undefined);
  assert.throws(() => allocateSlabs(0, 64), RangeError);
  assert.throws(() => allocateSlabs(4, 12), RangeError);
});

test('a slab reference read from a ring record names memory inside the pool or nothing', () => {
  const pool = new SlabPool(allocateSlabs(8, 64), 8, 64);
  const number = fc.oneof(fc.integer({ min: -10, max: 1000 }), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53));
  fc.assert(
    fc.property(number, number, (first, bytes) => {
      const run = pool.view(first, bytes);
      if (!run) return;
      assert.ok(Number.isInteger(first) && first >= 0 && run.first === first);
      assert.equal(run.bytes.length, bytes);
      assert.ok(run.first + run.count <= 8 && run.bytes.length <= run.count * 64);
    }),
  );
});

// A thread job with 8 slabs of 64 KiB; its ranks are ended after the test, whatever happens.
function smallPoolJob(t: TestContext, args: string[]) {
  const lines: string[] = [];
  const options: LaunchOptions = { np: 2, threads: true, program: fixture('slabs.ts'), args, killGraceMs: 2000, signal: AbortSignal.timeout(45_000), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`) };
  const job = startThreadJob(options, { count: 8, bytes: 64 * 1024 });
  t.after(async () => {
    job.stop();
    await job.result;
  });
  return { job, lines };
}

test('large messages between thread ranks: staged in a full pool, around every threshold, in order, with MPI send semantics', async (t) => {
  const { job, lines } = smallPoolJob(t, []);
  const r = await job.result;
  assert.equal(r.exitCode, 0, `${r.summary}\n${lines.join('\n')}`);
  const oks = lines.filter((l) => l.startsWith('[0] ok ')).length;
  assert.equal(oks, 6, lines.join('\n'));
});

test('a thread rank dying with large messages in flight to it makes the sender fail with ERR_RANK_FAILED', async (t) => {
  const { job, lines } = smallPoolJob(t, ['die']);
  const r = await job.result;
  assert.equal(r.failure?.rank, 1, `${r.summary}\n${lines.join('\n')}`);
  assert.match(r.failure!.reason, /exited with code 7/);
  assert.ok(
    lines.some((l) => /^\[0\] failed ERR_RANK_FAILED rank=1 after \d+ ms$/.test(l)),
    lines.join('\n'),
  );
});
