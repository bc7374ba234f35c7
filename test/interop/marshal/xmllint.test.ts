// courier's XML validates against the XSD courier generates, checked by a validator no one here wrote:
// libxml2's `xmllint --schema`, for the omniORB interop type and for random schemas and values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { codec, generateXsd, loadIdlFile, type Schema } from '../../../src/marshal/index.ts';
import { schemaArb, valueArb } from '../../marshal/arbitraries.ts';

const here = dirname(fileURLToPath(import.meta.url));
const hasXmllint = spawnSync('sh', ['-c', 'command -v xmllint']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'courier-xsd-'));
let n = 0;

/** Writes the XSD and one XML file per value, validates them in one xmllint run; returns its report. */
function validate(schema: Schema, values: unknown[], pretty: boolean): { status: number | null; report: string } {
  const base = join(dir, `t${n++}`);
  writeFileSync(`${base}.xsd`, generateXsd(schema));
  const c = codec(schema, 'xml', { pretty });
  const files = values.map((v, i) => {
    const file = `${base}-${i}.xml`;
    writeFileSync(file, c.encode(v as never));
    return file;
  });
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', `${base}.xsd`, ...files], { encoding: 'utf8' });
  return { status: r.status, report: r.stderr };
}

test('xmllint validates courier XML against the generated XSD', async (t) => {
  if (!hasXmllint) {
    t.skip('xmllint not installed (Debian: libxml2-utils): XSD validation not checked');
    return;
  }

  await t.test('every IDL type of the interop file, plain and pretty', () => {
    const schema = loadIdlFile(join(here, 'omniorb', 'interop.idl')).type('Everything');
    const values = fc.sample(valueArb(schema), { numRuns: 10 });
    for (const pretty of [false, true]) {
      const r = validate(schema, values, pretty);
      assert.equal(r.status, 0, r.report);
    }
  });

  await t.test('random schemas and values', () => {
    const cases = fc.sample(
      schemaArb.chain((schema) => fc.array(valueArb(schema), { minLength: 1, maxLength: 3 }).map((values) => ({ schema, values }))),
      { numRuns: 40 },
    );
    for (const { schema, values } of cases) {
      const r = validate(schema, values, false);
      assert.equal(r.status, 0, `${r.report}\nXSD:\n${generateXsd(schema)}`);
    }
  });

  await t.test('a document that breaks the schema is rejected by xmllint too', () => {
    const schema = loadIdlFile(join(here, 'omniorb', 'interop.idl')).type('Point');
    const file = join(dir, 'bad.xml');
    writeFileSync(join(dir, 'point.xsd'), generateXsd(schema));
    writeFileSync(file, '<Point xmlns="urn:courier-ipc:marshal"><x>1</x><y>oops</y></Point>');
    const r = spawnSync('xmllint', ['--noout', '--schema', join(dir, 'point.xsd'), file], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.throws(() => codec(schema, 'xml').decode(new TextEncoder().encode('<Point xmlns="urn:courier-ipc:marshal"><x>1</x><y>oops</y></Point>')));
  });
});
