import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { MAX_OPEN_SHARED_FILES, SHARED_SLOTS, SharedFiles } from '../../src/mpi/process/shared-files.ts';

// A private directory stands in for /dev/shm: the files behave the same on any file system.
function sharedDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'courier-shm-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a published array reads back whole; files are used in turn and removed on close', async (t) => {
  const dir = sharedDir(t);
  const writer = SharedFiles.open(dir)!;
  const reader = SharedFiles.open(dir)!;
  const scope = writer.scope(7);
  const names: string[] = [];
  for (let i = 0; i <= SHARED_SLOTS; i++) {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, j) => (i + j) & 0xff);
    const name = await scope.publish(bytes);
    names.push(name);
    const into = new Uint8Array(bytes.length);
    reader.scope(7).read(name, into);
    assert.deepEqual(into, bytes);
    scope.hold(name, Promise.resolve());
  }
  assert.equal(new Set(names).size, SHARED_SLOTS, 'one file per slot, reused in turn');
  assert.equal(names[SHARED_SLOTS], names[0]);
  writer.close();
  reader.close();
  assert.deepEqual(readdirSync(dir), []);
});

test('a file is not overwritten until the readers of its last use are done', async (t) => {
  const dir = sharedDir(t);
  const files = SharedFiles.open(dir)!;
  t.after(() => files.close());
  const scope = files.scope(3);
  const first = await scope.publish(new Uint8Array([1, 2, 3]));
  let release!: () => void;
  scope.hold(first, new Promise<void>((resolve) => (release = resolve)));
  for (let i = 1; i < SHARED_SLOTS; i++) scope.hold(await scope.publish(new Uint8Array([9])), Promise.resolve());
  let reused = false;
  const again = scope.publish(new Uint8Array([4, 5, 6])).then((name) => ((reused = true), name));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reused, false, 'waits for the readers of the first use');
  const into = new Uint8Array(3);
  files.scope(3).read(first, into);
  assert.deepEqual([...into], [1, 2, 3]);
  release();
  assert.equal(await again, first);
});

test('reading a foreign name or a short file is ERR_PROTOCOL; no directory means no shared files', (t) => {
  const dir = sharedDir(t);
  const files = SharedFiles.open(dir)!;
  t.after(() => files.close());
  const read = files.scope(1);
  for (const name of ['../etc/passwd', 'courier-mpi-1-2-3.bcast/..', 'passwd', 'courier-mpi-x-1-0.bcast', '/tmp/courier-mpi-1-2-0.bcast']) {
    assert.throws(() => read.read(name, new Uint8Array(1)), (e) => isCourierError(e, 'ERR_PROTOCOL'), name);
  }
  writeFileSync(join(dir, 'courier-mpi-1-2-0.bcast'), new Uint8Array(10));
  assert.throws(() => read.read('courier-mpi-1-2-0.bcast', new Uint8Array(11)), (e) => isCourierError(e, 'ERR_PROTOCOL'));
  assert.equal(SharedFiles.open(join(dir, 'missing')), undefined);
});

test('any name a peer sends is either a well-formed file name in the directory or ERR_PROTOCOL', (t) => {
  const dir = sharedDir(t);
  const files = SharedFiles.open(dir)!;
  t.after(() => files.close());
  const read = files.scope(1);
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (name) => {
      try {
        read.read(name, new Uint8Array(0));
        return false; // nothing exists in the directory, so no name may be read
      } catch (e) {
        return isCourierError(e, 'ERR_PROTOCOL');
      }
    }),
  );
});

test('at most MAX_OPEN_SHARED_FILES of other ranks stay open; an evicted one opens again by name', async (t) => {
  const dir = sharedDir(t);
  const reader = SharedFiles.open(dir)!;
  t.after(() => reader.close());
  const writers = Array.from({ length: MAX_OPEN_SHARED_FILES + 1 }, (_, i) => i);
  const names: string[] = [];
  for (const i of writers) {
    const name = `courier-mpi-${100 + i}-4-0.bcast`;
    writeFileSync(join(dir, name), Uint8Array.of(i));
    names.push(name);
  }
  const into = new Uint8Array(1);
  for (const [i, name] of names.entries()) {
    reader.scope(4).read(name, into);
    assert.equal(into[0], i);
  }
  reader.scope(4).read(names[0]!, into); // evicted by the last one, opened again
  assert.equal(into[0], 0);
});
