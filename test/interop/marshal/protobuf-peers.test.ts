// courier's protobuf encodings of random values, read by two implementations no one here wrote:
// protobufjs (reflection over the same .proto) and @bufbuild/protobuf (a registry from protoc's
// descriptor set). Both must see the values courier meant: compared through proto3 JSON, which courier
// writes with its own mapping and the peers derive from what they decoded.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFileRegistry, fromBinary, toBinary, toJson, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { codec, loadProtoFile } from '../../../src/marshal/index.ts';
import { valueArb } from '../../marshal/arbitraries.ts';

const protoDir = join(dirname(fileURLToPath(import.meta.url)), 'proto');
const file = join(protoDir, 'everything.proto');
const type = 'courier.interop.Everything';
const schema = loadProtoFile(file).type(type);
const pb = codec(schema, 'protobuf');
const json = codec(schema, 'json');
const values = () => fc.sample(valueArb(schema), { numRuns: 60, seed: 11 });

/** protobufjs's toObject in proto3 JSON's conventions (its field names are already lowerCamelCase). */
function pbjsJson(v: unknown): unknown {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;
  if (Array.isArray(v)) return v.map(pbjsJson);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // Empty lists and maps are absent in proto3 JSON.
      if ((Array.isArray(x) && x.length === 0) || (k === 'counts' && Object.keys(x as object).length === 0)) continue;
      out[k] = pbjsJson(x);
    }
    return out;
  }
  return v;
}

test('protobufjs decodes courier encodings of random values to the same values, and writes the same bytes back', () => {
  const Everything = protobuf.loadSync(file).lookupType(type);
  for (const v of values()) {
    const bytes = pb.encode(v as never);
    const msg = Everything.decode(bytes);
    const obj = Everything.toObject(msg, { longs: String, enums: String, bytes: String, oneofs: false });
    assert.deepStrictEqual(pbjsJson(obj), JSON.parse(new TextDecoder().decode(json.encode(v as never))));
    // A map of several entries may come back in another order; the bytes are compared without maps.
    if ((v as { counts: unknown[] }).counts.length <= 1) assert.equal(Buffer.from(Everything.encode(msg).finish()).toString('hex'), Buffer.from(bytes).toString('hex'));
  }
});

test('@bufbuild/protobuf decodes courier encodings of random values to the same values and proto3 JSON', (t) => {
  if (spawnSync('sh', ['-c', 'command -v protoc']).status !== 0) {
    t.skip('protoc not installed (Debian: protobuf-compiler): no descriptor set for @bufbuild/protobuf');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'courier-pb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const set = join(dir, 'everything.binpb');
  const r = spawnSync('protoc', [`-I${protoDir}`, `--descriptor_set_out=${set}`, 'everything.proto']);
  assert.equal(r.status, 0, r.stderr.toString());
  const found = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(set))).getMessage(type);
  assert.ok(found);
  const desc: DescMessage = found;
  for (const v of values()) {
    const bytes = pb.encode(v as never);
    const msg = fromBinary(desc, bytes);
    assert.deepStrictEqual(toJson(desc, msg), JSON.parse(new TextDecoder().decode(json.encode(v as never))));
    if ((v as { counts: unknown[] }).counts.length <= 1) assert.equal(Buffer.from(toBinary(desc, msg)).toString('hex'), Buffer.from(bytes).toString('hex'));
    // And courier reads the peer's bytes back to the value it started from.
    assert.deepStrictEqual(pb.decode(toBinary(desc, msg)), pb.decode(bytes));
  }
});
