// CDR bytes agree with omniORB: a C++ program built with omniidl from the same IDL marshals into a
// cdrMemoryStream (courier decodes it), and unmarshals what courier wrote then marshals it again
// (which equals courier's bytes only if omniORB read every field right), in both byte orders.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { codec, loadIdlFile } from '../../../src/marshal/index.ts';
import { valueArb } from '../../marshal/arbitraries.ts';

const here = dirname(fileURLToPath(import.meta.url));
const idlFile = join(here, 'omniorb', 'interop.idl');
const source = join(here, 'omniorb', 'peer.cc');
const build = join(here, 'build', 'omniorb');
const peer = join(build, 'peer');

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function missingPeer(): string | undefined {
  if (!which('omniidl')) return 'omniidl not installed (Debian: omniidl)';
  if (!which('g++')) return 'g++ not installed (Debian: g++)';
  if (!existsSync('/usr/include/omniORB4/CORBA.h')) return 'omniORB headers not installed (Debian: libomniorb4-dev)';
  return undefined;
}

/** Builds the peer unless a build from the same IDL, source and compiler is already there. */
function buildPeer(): void {
  const compiler = spawnSync('g++', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const stamp = createHash('sha256').update(readFileSync(idlFile)).update(readFileSync(source)).update(compiler ?? '').digest('hex');
  const stampFile = join(build, 'stamp');
  if (existsSync(peer) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  mkdirSync(build, { recursive: true });
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: build, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  };
  run('omniidl', ['-bcxx', '-Wbh=.hh', '-Wbs=SK.cc', idlFile]);
  run('g++', ['-O1', '-I.', '-o', 'peer', source, 'interopSK.cc', '-lomniORB4', '-lomnithread']);
  writeFileSync(stampFile, stamp);
}

const schema = loadIdlFile(idlFile).type('Everything');
const sample = {
  flag: true,
  byte: 0xab,
  letter: 'Z',
  s16: -12345,
  u16: 54321,
  s32: -123456789,
  u32: 3000000000,
  s64: -9000000000000000000n,
  u64: 18000000000000000000n,
  f32: 1.5,
  f64: 3.141592653589793,
  name: 'Smith',
  bounded: 'London',
  raw: new Uint8Array([1, 2, 3, 250]),
  longs: [1, -1, 7],
  hue: 'BLUE',
  origin: { x: 1, y: 2 },
  path: [
    { x: 3, y: 4 },
    { x: 5, y: 6 },
  ],
  matrix: [
    [1, 2, 3],
    [4, 5, 6],
  ],
  val: { case: 'd', value: 0.5, discriminator: 'BLUE' },
  pick: { case: 'small', value: 7, discriminator: 1 },
  words: ['a', 'bc', ''],
  pad: 'x',
  last: 1e300,
};

const orders = [
  ['BE', 'cdr'],
  ['LE', 'cdr-le'],
] as const;

test('omniORB and courier agree on CDR bytes for every IDL type, both byte orders', async (t) => {
  const missing = missingPeer();
  if (missing) {
    t.skip(`${missing}: omniORB interop not checked`);
    return;
  }
  buildPeer();

  await t.test('courier decodes what omniORB marshalled, and writes the same bytes', () => {
    for (const [order, format] of orders) {
      const r = spawnSync(peer, ['emit', order]);
      assert.equal(r.status, 0, r.stderr?.toString());
      const theirs = new Uint8Array(r.stdout);
      for (const codegen of [true, false]) {
        const c = codec(schema, format, { codegen });
        assert.deepStrictEqual(c.decode(theirs), sample, `${order} decode`);
        assert.deepStrictEqual(c.encode(sample as never), theirs, `${order} encode`);
      }
    }
  });

  await t.test('CORBA encapsulations: each side reads the other\'s, whatever byte order the flag names', () => {
    const r = spawnSync(peer, ['encap']);
    assert.equal(r.status, 0, r.stderr?.toString());
    const theirs = new Uint8Array(r.stdout);
    assert.equal(theirs[0], 1, 'omniORB on this host writes little-endian encapsulations');
    // A reader built for big-endian honours the little-endian flag of the encapsulation.
    assert.deepStrictEqual(codec(schema, 'cdr', { encapsulation: 'corba' }).decode(theirs), sample);
    assert.deepStrictEqual(codec(schema, 'cdr-le', { encapsulation: 'corba' }).encode(sample as never), theirs);
    const values = fc.sample(valueArb(schema), { numRuns: 20 });
    const records: Buffer[] = [];
    for (const v of values) {
      for (const format of ['cdr', 'cdr-le'] as const) {
        const bytes = codec(schema, format, { encapsulation: 'corba' }).encode(v as never);
        const head = Buffer.from([2, 1, 0, 0, 0, 0]);
        head.writeUInt32LE(bytes.length, 2);
        records.push(head, Buffer.from(bytes));
      }
    }
    const echo = spawnSync(peer, ['echo'], { input: Buffer.concat(records) });
    assert.equal(echo.status, 0, echo.stderr?.toString());
    let pos = 0;
    for (const v of values.flatMap((x) => [x, x])) {
      const len = echo.stdout.readUInt32LE(pos);
      const got = new Uint8Array(echo.stdout.subarray(pos + 4, pos + 4 + len));
      pos += 4 + len;
      assert.deepStrictEqual(got, codec(schema, 'cdr-le', { encapsulation: 'corba' }).encode(v as never));
    }
  });

  await t.test('omniORB reads random values courier wrote, in either byte order, and writes them back identically', () => {
    const values = fc.sample(valueArb(schema), { numRuns: 60 });
    const records: Buffer[] = [];
    const expected: Uint8Array[] = [];
    for (const v of values) {
      for (const [inOrder, inFormat] of orders) {
        for (const [outOrder, outFormat] of orders) {
          const bytes = codec(schema, inFormat).encode(v as never);
          const head = Buffer.alloc(6);
          head[0] = inOrder === 'LE' ? 1 : 0;
          head[1] = outOrder === 'LE' ? 1 : 0;
          head.writeUInt32LE(bytes.length, 2);
          records.push(head, Buffer.from(bytes));
          expected.push(codec(schema, outFormat).encode(v as never));
        }
      }
    }
    const r = spawnSync(peer, ['echo'], { input: Buffer.concat(records) });
    assert.equal(r.status, 0, r.stderr?.toString());
    let pos = 0;
    for (const [i, want] of expected.entries()) {
      const len = r.stdout.readUInt32LE(pos);
      const got = new Uint8Array(r.stdout.subarray(pos + 4, pos + 4 + len));
      pos += 4 + len;
      assert.deepStrictEqual(got, want, `value ${Math.floor(i / 4)}: ${JSON.stringify(values[Math.floor(i / 4)], (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`);
    }
    assert.equal(pos, r.stdout.length);
  });
});
