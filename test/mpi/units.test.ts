import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { createOp, init, MAXLOC, MIN, MINLOC, MPI_DEFAULTS, readJobEnv, SUM, LAND, BXOR } from '../../src/mpi/index.ts';
import { decodeValue, encodeValue } from '../../src/mpi/payload.ts';
import { decodeHeader, encodeHeader, Kind } from '../../src/mpi/wire.ts';
import { allocateRing, Ring } from '../../src/mpi/threads/ring.ts';

test('typed arrays travel as raw bytes with their element type; other values through v8 serialisation', () => {
  const f = new Float64Array([1.5, -2, Math.PI]);
  const enc = encodeValue(f.subarray(1));
  assert.equal(enc.bytes.length, 16, 'exactly the elements, no serialisation header');
  const back = decodeValue(enc.dtype, enc.bytes);
  assert.ok(back instanceof Float64Array);
  assert.deepEqual([...back], [-2, Math.PI]);
  // An unaligned view (as from inside a network chunk) is copied to an aligned array.
  const shifted = new Uint8Array(17);
  shifted.set(enc.bytes, 1);
  assert.deepEqual([...(decodeValue(enc.dtype, shifted.subarray(1)) as Float64Array)], [-2, Math.PI]);
  const value = { a: [1, 'two'], m: new Map([[1, new Set([2])]]), when: new Date(0), big: 10n ** 20n };
  const obj = encodeValue(value);
  assert.deepEqual(decodeValue(obj.dtype, obj.bytes), value);
  assert.throws(() => encodeValue({ f: () => 1 }), /could not be cloned/);
  assert.throws(() => decodeValue(0, new Uint8Array([0xff, 0x0f, 0x99])), (e) => isCourierError(e, 'ERR_DECODE'));
});

test('packet headers round-trip and bad ones are ERR_PROTOCOL', () => {
  const h = { kind: Kind.Rts, dtype: 9, flags: 1, context: 7, tag: 123, msgId: 2 ** 32 - 1, size: 5 * 2 ** 30, code: -3 };
  assert.deepEqual(decodeHeader(encodeHeader(h)), h);
  assert.throws(() => decodeHeader(new Uint8Array(5)), (e) => isCourierError(e, 'ERR_PROTOCOL'));
  assert.throws(() => decodeHeader(new Uint8Array(28)), (e) => isCourierError(e, 'ERR_PROTOCOL'));
});

test('operations: element-wise on typed arrays, minloc/maxloc ties take the lower index, user ops', () => {
  assert.deepEqual(SUM.combine(new Int32Array([1, 2]), new Int32Array([3, 4])), new Int32Array([4, 6]));
  assert.deepEqual(MIN.combine([3, 1], [2, 5]), [2, 1]);
  assert.deepEqual(LAND.combine(new Uint8Array([1, 0, 1]), new Uint8Array([1, 1, 0])), new Uint8Array([1, 0, 0]));
  assert.equal(BXOR.combine(6n, 3n), 5n);
  assert.deepEqual(MINLOC.combine([2, 5], [2, 3]), [2, 3]);
  assert.deepEqual(MAXLOC.combine([[1, 0], [9, 0]], [[4, 1], [9, 1]]), [[4, 1], [9, 0]]);
  assert.throws(() => SUM.combine(new Int32Array(2), new Int32Array(3)), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  assert.throws(() => SUM.combine(1, 2n), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  const concat = createOp<string>((a, b) => a + b, { commutative: false });
  assert.equal(concat.commutative, false);
  assert.equal(concat.combine('a', 'b'), 'ab');
});

test('the job comes from COURIER_*, Slurm, Open MPI or PMI variables, else a singleton', () => {
  assert.deepEqual(
    { ...readJobEnv({ COURIER_RANK: '2', COURIER_SIZE: '4', COURIER_RENDEZVOUS: 'tcp://127.0.0.1:9', COURIER_JOB: 'j' }) },
    { rank: 2, size: 4, rendezvous: 'tcp://127.0.0.1:9', rankZeroServes: false, host: '127.0.0.1', net: 'tcp', sharedMemory: true, job: 'j', launcher: 'courier' },
  );
  assert.equal(readJobEnv({ COURIER_RANK: '0', COURIER_SIZE: '2', COURIER_RENDEZVOUS: 'tcp://127.0.0.1:9', COURIER_MPI_SHM: '0' }).sharedMemory, false);
  const slurm = readJobEnv({ SLURM_PROCID: '1', SLURM_NTASKS: '3', SLURM_JOB_ID: '77', COURIER_RENDEZVOUS: 'tcp://node0:7777', COURIER_MPI_HOST: '0.0.0.0' });
  assert.deepEqual([slurm.launcher, slurm.rank, slurm.size, slurm.rankZeroServes, slurm.job, slurm.host], ['slurm', 1, 3, true, '77', '0.0.0.0']);
  const ompi = readJobEnv({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '2', COURIER_RENDEZVOUS: 'tcp://h:1' });
  assert.deepEqual([ompi.launcher, ompi.rank, ompi.size], ['openmpi', 0, 2]);
  assert.equal(readJobEnv({ PMI_RANK: '3', PMI_SIZE: '4', COURIER_RENDEZVOUS: 'tcp://h:1' }).launcher, 'pmi');
  assert.equal(readJobEnv({}).launcher, 'singleton');
  assert.throws(() => readJobEnv({ SLURM_PROCID: '0', SLURM_NTASKS: '2' }), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT') && /COURIER_RENDEZVOUS/.test(e.message));
  assert.throws(() => readJobEnv({ COURIER_RANK: '4', COURIER_SIZE: '4', COURIER_RENDEZVOUS: 'x' }), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
});

test('a job of one rank works without any launcher (sends to itself, collectives)', async () => {
  const world = await init({ env: {} });
  assert.deepEqual([world.rank, world.size], [0, 1]);
  const r = world.irecv(0, 3);
  await world.send(new Float32Array([1, 2]), 0, 3);
  assert.deepEqual(await r.wait(), new Float32Array([1, 2]));
  // A large message to itself goes by rendezvous, so (as in any MPI) the send must not block before the receive.
  const big = world.isend('x'.repeat(MPI_DEFAULTS.eagerLimit + 1), 0, 4);
  assert.equal((await world.recv<string>(0, 4)).length, MPI_DEFAULTS.eagerLimit + 1);
  await big.wait();
  assert.equal(await world.allreduce(5, SUM), 5);
  assert.deepEqual(await world.alltoall(['me']), ['me']);
  const bad = (e: unknown) => isCourierError(e, 'ERR_INVALID_ARGUMENT');
  await assert.rejects(world.send('x', 1), bad);
  await assert.rejects(world.recv(3), bad);
  assert.throws(() => world.isend('x', 0, -2), bad);
  assert.equal(world.launcher, 'singleton');
  await world.finalize();
});

test('the unexpected-message queue is bounded: overflowing it stops the rank with a clear error', async () => {
  const world = await init({ env: {}, maxUnexpectedMessages: 10 });
  const waiting = world.irecv(0, 99);
  const isOverflow = (e: unknown) => isCourierError(e, 'ERR_MPI_UNEXPECTED_OVERFLOW') && e.name === 'MpiUnexpectedOverflowError' && /limits 10 messages/.test(e.message);
  for (let i = 0; i < 10; i++) await world.send(i, 0, 1);
  // The eleventh overflows this rank's queue; the rank stops, and this send with it.
  await assert.rejects(world.send(10, 0, 1), isOverflow);
  await assert.rejects(waiting.wait(), isOverflow);
  await assert.rejects(world.recv(0, 1), isOverflow);
  await world.finalize();
});

test('a shared-memory ring carries bytes in order across its wrap-around, never more than its capacity', () => {
  const ring = new Ring(allocateRing(64));
  const reader = new Ring(ring.buffer);
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 500; round++) {
    const chunk = Uint8Array.from({ length: (round * 7) % 50 }, () => next++ & 0xff);
    let written = ring.write(chunk);
    assert.ok(ring.available() <= 64);
    const into = new Uint8Array((round * 5) % 70);
    const got = reader.read(into);
    for (let i = 0; i < got; i++) assert.equal(into[i], expected++ & 0xff);
    // What did not fit is written after the read made room (the writer keeps its order).
    while (written < chunk.length) {
      written += ring.write(chunk.subarray(written));
      const more = new Uint8Array(64);
      const n = reader.read(more);
      for (let i = 0; i < n; i++) assert.equal(more[i], expected++ & 0xff);
    }
  }
  assert.throws(() => allocateRing(100), RangeError);
});
