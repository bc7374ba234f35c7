import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { main } from '../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'courier-cli-'));
const idl = join(dir, 'person.idl');
writeFileSync(idl, 'module Demo {\n  struct Person { string name; string place; long year; long long id; };\n};\n');
const smith = '{"name":"Smith","place":"London","year":1984,"id":"9007199254740993"}';

async function run(argv: string[], input: string | Uint8Array = ''): Promise<{ code: number; out: Buffer; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(argv, { stdin: Readable.from([Buffer.from(input)]), stdout, stderr });
  return { code, out: Buffer.concat(out), err: Buffer.concat(err).toString() };
}

test('courier encode writes CDR bytes and courier decode prints the value back as JSON', async () => {
  const enc = await run(['encode', '--schema', idl, '--type', 'Person', '--format', 'cdr'], smith);
  assert.equal(enc.code, 0, enc.err);
  assert.equal(enc.out.subarray(0, 12).toString('hex'), '00000006536d697468000000');
  const dec = await run(['decode', '--schema', idl, '--type', 'Demo::Person', '--format', 'cdr'], enc.out);
  assert.equal(dec.code, 0, dec.err);
  assert.deepEqual(JSON.parse(dec.out.toString()), JSON.parse(smith));
});

test('every format and framing round-trips through the command line, --in included', async () => {
  for (const [format, extra] of [['cdr-le', ['--encapsulation', 'xcdr1']], ['xml', ['--pretty']], ['json', []], ['cdr', ['--encapsulation', 'corba']]] as const) {
    const enc = await run(['encode', '--schema', idl, '--type', 'Person', '--format', format, ...extra], smith);
    assert.equal(enc.code, 0, enc.err);
    const file = join(dir, `p.${format}`);
    writeFileSync(file, enc.out);
    const decodeExtra = extra[0] === '--encapsulation' ? extra : [];
    const dec = await run(['decode', '--schema', idl, '--type', 'Person', '--format', format, '--in', file, ...decodeExtra]);
    assert.equal(dec.code, 0, dec.err);
    assert.deepEqual(JSON.parse(dec.out.toString()), JSON.parse(smith), format);
  }
});

test('courier schema --xsd prints the XML Schema of the type', async () => {
  const r = await run(['schema', '--xsd', '--schema', idl, '--type', 'Person', '--namespace', 'urn:x']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out.toString(), /targetNamespace="urn:x"[\s\S]*<xs:element name="id" type="xs:long"\/>/);
});

test('errors are one line on standard error with a non-zero exit', async () => {
  const cases: [string[], string, number, RegExp][] = [
    [['encode', '--schema', idl, '--type', 'Person', '--format', 'cdr'], '{"name":1}', 1, /^courier encode: ERR_DECODE: .*person\.name/],
    [['encode', '--schema', idl, '--type', 'Person', '--format', 'yaml'], smith, 2, /--format: 'yaml' is not one of/],
    [['encode', '--schema', idl, '--format', 'cdr'], smith, 2, /--type NAME is required/],
    [['encode', '--schema', idl, '--type', 'Nobody', '--format', 'cdr'], smith, 1, /ERR_SCHEMA: no type 'Nobody'/],
    [['decode', '--schema', idl, '--type', 'Person', '--format', 'cdr'], 'garbage', 1, /ERR_DECODE: .*at byte 0/],
    [['decode', '--schema', join(dir, 'missing.idl'), '--type', 'Person', '--format', 'cdr'], '', 1, /ERR_PARSE: cannot read IDL file/],
    [['schema', '--schema', idl, '--type', 'Person'], '', 2, /exactly one of --xsd or --tree/],
    [['encode', '--bogus'], '', 2, /Unknown option '--bogus'/],
  ];
  for (const [argv, input, code, pattern] of cases) {
    const r = await run(argv, input);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('--help of each command shows an example', async () => {
  for (const name of ['encode', 'decode', 'schema', 'inspect']) {
    const r = await run([name, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out.toString(), new RegExp(`Example:\\n[\\s\\S]*courier ${name} --`));
  }
});

test('the tour step shows the Person in CDR with its padding, XML and JSON, decoded back', async () => {
  const r = await run(['tour', '--list']);
  const n = r.out.toString().split('\n').findIndex((l) => l.includes('External data representation')) + 1;
  assert.ok(n > 0, r.out.toString());
  const step = await run(['tour', '--step', String(n)]);
  assert.equal(step.code, 0, step.err);
  const text = step.out.toString();
  assert.match(text, /68 00 ·· ··\s+"h\\0", then 2 padding bytes/);
  assert.match(text, /<Person xmlns="urn:courier-ipc:marshal"><name>Smith<\/name>/);
  assert.equal(text.match(/decoded back/g)?.length, 3);
});

const proto = join(dir, 'person.proto');
writeFileSync(proto, 'syntax = "proto3";\npackage demo;\nmessage Person { string name = 1; string place = 2; int32 year = 3; int64 id = 4; Stamp when = 5; }\nmessage Stamp { sint32 day = 1; double frac = 2; }\n');

test('--schema FILE.proto: encode and decode protobuf, the JSON in proto3 form', async () => {
  const value = '{"name":"Smith","place":"London","year":1984,"id":"9007199254740993","when":{"day":-3,"frac":0.5}}';
  const enc = await run(['encode', '--schema', proto, '--type', 'Person', '--format', 'protobuf'], value);
  assert.equal(enc.code, 0, enc.err);
  assert.equal(enc.out.subarray(0, 7).toString('hex'), '0a05536d697468');
  const dec = await run(['decode', '--schema', proto, '--type', 'demo.Person', '--format', 'protobuf'], enc.out);
  assert.equal(dec.code, 0, dec.err);
  assert.deepEqual(JSON.parse(dec.out.toString()), JSON.parse(value));
  const bad = await run(['encode', '--schema', proto, '--type', 'Person', '--format', 'protobuf'], '{"nom":"x"}');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /ERR_DECODE: message demo.Person has no field "nom"/);
});

test('--schema MODULE.mjs: a module exporting courier schemas by name', async () => {
  const mod = join(dir, 'schemas.mjs');
  writeFileSync(mod, `import { t } from ${JSON.stringify(pathToFileURL(resolve('src/marshal/index.ts')).href)};\nexport const Point = t.struct('Point', { x: t.int32(), y: t.int32() });\nexport const notASchema = 5;\n`);
  const enc = await run(['encode', '--schema', mod, '--type', 'Point', '--format', 'cdr'], '{"x":1,"y":-1}');
  assert.equal(enc.code, 0, enc.err);
  assert.equal(enc.out.toString('hex'), '00000001ffffffff');
  const missing = await run(['encode', '--schema', mod, '--type', 'Line', '--format', 'cdr'], '{}');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /exports no schema named Line \(it exports Point\)/);
});

test('courier inspect: protobuf records as a tree without a schema, CDR as a hex dump, a Java stream as a tree', async () => {
  const enc = await run(['encode', '--schema', proto, '--type', 'Person', '--format', 'protobuf'], '{"name":"Smith","year":1984,"when":{"day":-3}}');
  const file = join(dir, 'person.pb');
  writeFileSync(file, enc.out);
  const pb = await run(['inspect', '--format', 'protobuf', file]);
  assert.equal(pb.code, 0, pb.err);
  assert.deepEqual(pb.out.toString().split('\n'), [
    'protobuf · 14 bytes',
    '├─ 1: len 5  "Smith"  @0',
    '├─ 3: varint 1984  (sint 992)  @7',
    '└─ 5: len 2  message  @10',
    '   └─ 1: varint 5  (sint -3)  @12',
    '',
  ]);
  const cdr = await run(['inspect', '--format', 'cdr'], Buffer.from('\x00\x00\x00\x06Smith\x00', 'latin1'));
  assert.equal(cdr.code, 0, cdr.err);
  assert.match(cdr.out.toString(), /^cdr · 10 bytes\n00000000 {2}00 00 00 06 53 6d 69 74 {2}68 00 {20}\|\.\.\.\.Smith\.\|\n$/);
  const garbage = await run(['inspect', '--format', 'protobuf'], Buffer.from([0x0a, 0x09, 0x01]));
  assert.equal(garbage.code, 1);
  assert.match(garbage.err, /ERR_DECODE: not protobuf records: length of field 1 runs past the end at byte 0/);
  const notJava = await run(['inspect', '--format', 'java', file]);
  assert.equal(notJava.code, 1);
  assert.match(notJava.err, /ERR_DECODE/);

  const mod = join(dir, 'point.mjs');
  writeFileSync(mod, `import { t } from ${JSON.stringify(pathToFileURL(resolve('src/marshal/index.ts')).href)};\nexport const Point = t.struct('Point', { x: t.int32(), y: t.int32() }, { java: { className: 'org.example.Point', serialVersionUID: '7' } });\n`);
  const ser = await run(['encode', '--schema', mod, '--type', 'Point', '--format', 'java'], '{"x":1,"y":-1}');
  assert.equal(ser.code, 0, ser.err);
  const serFile = join(dir, 'point.ser');
  writeFileSync(serFile, ser.out);
  const java = await run(['inspect', '--format', 'java', '--allow', 'org.example.Point', serFile]);
  assert.equal(java.code, 0, java.err);
  const text = java.out.toString();
  assert.match(text, /org\.example\.Point/);
  assert.match(text, /serialVersionUID 7/);
  assert.match(text, /int x = 1/);
  assert.match(text, /int y = -1/);
  const refused = await run(['inspect', '--format', 'java', '--allow', 'java.lang.Integer', serFile]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /ERR_DECODE: .*org\.example\.Point is not on the allowlist/);
  const misused = await run(['inspect', '--format', 'cdr', '--allow', 'X', serFile]);
  assert.equal(misused.code, 2);
});
