// Protocol Buffers rows of `npm run bench -- marshal`: courier's protobuf codec against protobufjs (static
// code from `pbjs -t static-module`, the fastest way it offers) and @bufbuild/protobuf v2 (its reflection
// codec over a registry built from protoc's descriptor set, which is what protoc-gen-es output runs), on
// the same two records as the other formats, declared once in bench/fixtures/records.proto.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { create, createFileRegistry, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { codec, loadProtoFile } from '../src/marshal/index.ts';
import { measureCodecGroups, type CodecGroup, type Impl } from './lib/codec-groups.ts';
import { progress, type BenchReport } from './lib/report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const proto = join(here, 'fixtures', 'records.proto');
/** Generated code and the descriptor set (gitignored), rebuilt when the .proto is newer. */
const build = join(here, 'build');

const person = { name: 'Smith', place: 'London', year: 1984 };
const large = {
  header: { id: 4242, stamp: { sec: 1_700_000_000, nanosec: 123_456_789 }, source: 'sensor-array/left' },
  samples: Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1000),
  items: Array.from({ length: 100 }, (_, i) => ({ name: `item-${i}`, code: i * 7 - 300, ok: i % 3 === 0, weight: i / 8, tag: i % 2 ? 'odd' : 'even' })),
};

/** The static module pbjs generates: one class per message with encode(obj).finish() and decode(bytes). */
type PbjsMessage = { encode(v: unknown): { finish(): Uint8Array }; decode(b: Uint8Array): unknown };

const stale = (file: string) => !existsSync(file) || statSync(file).mtimeMs < statSync(proto).mtimeMs;

/** protobufjs static code for the records, generated on first use. */
async function pbjsModule(): Promise<Record<string, PbjsMessage>> {
  const out = join(build, 'records-pbjs.js');
  if (stale(out)) {
    mkdirSync(build, { recursive: true });
    progress('generating protobufjs static code (pbjs -t static-module)');
    execFileSync('npx', ['pbjs', '-t', 'static-module', '-w', 'es6', '--no-verify', '--no-convert', '--no-delimited', '--no-beautify', '-o', out, proto], { stdio: 'inherit' });
  }
  const mod = (await import(pathToFileURL(out).href)) as { bench: Record<string, PbjsMessage> };
  return mod.bench;
}

/** @bufbuild/protobuf descriptors of the records, from protoc's descriptor set; undefined without protoc. */
function bufbuildRegistry(): ((name: string) => DescMessage) | undefined {
  const out = join(build, 'records.binpb');
  if (stale(out)) {
    mkdirSync(build, { recursive: true });
    try {
      execFileSync('protoc', [`-I${dirname(proto)}`, `--descriptor_set_out=${out}`, proto]);
    } catch {
      // protoc is a Debian peer (protobuf-compiler); without it the @bufbuild/protobuf rows are left out.
      progress('protoc not found: @bufbuild/protobuf rows skipped');
      return undefined;
    }
  }
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
  return (name) => {
    const d = registry.getMessage(name);
    if (!d) throw new Error(`${name} not in the descriptor set`);
    return d;
  };
}

/** Adds the protobuf rows (encode, decode and size of Person and Large) to `report`. */
export async function protobufRows(report: BenchReport, quick: boolean): Promise<void> {
  const doc = loadProtoFile(proto);
  const pbjs = await pbjsModule();
  const buf = bufbuildRegistry();
  const groups: CodecGroup[] = [];
  for (const [name, value] of [
    ['Person', person],
    ['Large', large],
  ] as const) {
    const c = codec(doc.type(`bench.${name}`), 'protobuf');
    const bytes = c.encode(value);
    // Every implementation must write the same bytes and read them back, so a fast but wrong codec cannot win.
    if (JSON.stringify(c.decode(bytes)) !== JSON.stringify(value)) throw new Error(`courier protobuf round trip changed ${name}`);
    const impls: Impl[] = [{ impl: 'courier', encode: () => c.encode(value), decode: () => c.decode(bytes), size: bytes.length }];
    const pm = pbjs[name]!;
    const pbjsBytes = pm.encode(value).finish();
    // A peer's decoded message, written again by the peer, must give courier's bytes back.
    if (Buffer.compare(pbjsBytes, bytes) !== 0 || Buffer.compare(pm.encode(pm.decode(bytes)).finish(), bytes) !== 0) throw new Error(`protobufjs and courier disagree on ${name}`);
    impls.push({ impl: 'protobufjs', encode: () => pm.encode(value).finish(), decode: () => pm.decode(bytes), size: pbjsBytes.length });
    if (buf) {
      const desc = buf(`bench.${name}`);
      const msg = create(desc, value as never);
      const bufBytes = toBinary(desc, msg);
      if (Buffer.compare(bufBytes, bytes) !== 0 || Buffer.compare(toBinary(desc, fromBinary(desc, bytes)), bytes) !== 0) throw new Error(`@bufbuild/protobuf and courier disagree on ${name}`);
      impls.push({ impl: '@bufbuild/protobuf', encode: () => toBinary(desc, msg), decode: () => fromBinary(desc, bytes), size: bufBytes.length });
    }
    groups.push({ case: `${name.toLowerCase()} protobuf`, impls });
  }

  measureCodecGroups(report, groups, quick);
}
