// `npm run bench -- marshal [--quick]`: encode and decode throughput and encoded size of two records,
// courier side by side with its peers in one process: CDR against @foxglove/cdr (and avsc and msgpackr
// as speed references), JSON against JSON.stringify/JSON.parse, XML against fast-xml-parser configured
// as courier parses (no type guessing, no entity processing). Prints medians; writes bench/results/marshal.json.
import { CdrReader, CdrWriter, EncapsulationKind } from '@foxglove/cdr';
import avro from 'avsc';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { pack, unpack } from 'msgpackr';
import { quick } from './lib/args.ts';
import { measureCodecGroups, type CodecGroup, type Impl } from './lib/codec-groups.ts';
import { BenchReport, progress } from './lib/report.ts';
import { javaRows } from './marshal-java.ts';
import { codec, t, type Infer } from '../src/marshal/index.ts';

// ---------------------------------------------------------------- the two records

const Person = t.struct('Person', { name: t.string(), place: t.string(), year: t.int32() });
type Person = Infer<typeof Person>;
const person: Person = { name: 'Smith', place: 'London', year: 1984 };

const Item = t.struct('Item', { name: t.string(), code: t.int32(), ok: t.boolean(), weight: t.float64(), tag: t.string() });
const Large = t.struct('Large', {
  header: t.struct('Header', { id: t.uint32(), stamp: t.struct('Stamp', { sec: t.int32(), nanosec: t.uint32() }), source: t.string() }),
  samples: t.sequence(t.float64()),
  items: t.sequence(Item),
});
type Large = Infer<typeof Large>;
const large: Large = {
  header: { id: 4242, stamp: { sec: 1_700_000_000, nanosec: 123_456_789 }, source: 'sensor-array/left' },
  samples: Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1000),
  items: Array.from({ length: 100 }, (_, i) => ({ name: `item-${i}`, code: i * 7 - 300, ok: i % 3 === 0, weight: i / 8, tag: i % 2 ? 'odd' : 'even' })),
};

// ---------------------------------------------------------------- peers


function foxglovePerson(): Impl {
  const size = codec(Person, 'cdr-le', { encapsulation: 'xcdr1' }).encode(person).length;
  const encode = () => {
    // Pre-sized to the exact encoded size: the best case for the peer, no buffer growth.
    const w = new CdrWriter({ kind: EncapsulationKind.CDR_LE, size });
    w.string(person.name).string(person.place).int32(person.year);
    return w.data;
  };
  const bytes = encode();
  const decode = () => {
    const r = new CdrReader(bytes);
    return { name: r.string(), place: r.string(), year: r.int32() };
  };
  return { impl: '@foxglove/cdr', encode, decode, size: bytes.length };
}

function foxgloveLarge(): Impl {
  const size = codec(Large, 'cdr-le', { encapsulation: 'xcdr1' }).encode(large).length;
  const encode = () => {
    const w = new CdrWriter({ kind: EncapsulationKind.CDR_LE, size });
    const h = large.header;
    w.uint32(h.id).int32(h.stamp.sec).uint32(h.stamp.nanosec).string(h.source);
    w.float64Array(large.samples, true);
    w.sequenceLength(large.items.length);
    for (const it of large.items) w.string(it.name).int32(it.code).uint8(it.ok ? 1 : 0).float64(it.weight).string(it.tag);
    return w.data;
  };
  const bytes = encode();
  const decode = () => {
    const r = new CdrReader(bytes);
    const header = { id: r.uint32(), stamp: { sec: r.int32(), nanosec: r.uint32() }, source: r.string() };
    // The peer returns a Float64Array here (a view or a copy), cheaper than courier's number[].
    const samples = r.float64Array();
    const n = r.sequenceLength();
    const items = [];
    for (let i = 0; i < n; i++) items.push({ name: r.string(), code: r.int32(), ok: r.uint8() === 1, weight: r.float64(), tag: r.string() });
    return { header, samples, items };
  };
  return { impl: '@foxglove/cdr', encode, decode, size: bytes.length };
}

function avsc<T>(schema: object, value: T): Impl {
  const type = avro.Type.forSchema(schema as avro.Schema);
  const bytes = type.toBuffer(value);
  return { impl: 'avsc', encode: () => type.toBuffer(value), decode: () => type.fromBuffer(bytes), size: bytes.length };
}

const avroPerson = {
  type: 'record',
  name: 'Person',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'place', type: 'string' },
    { name: 'year', type: 'int' },
  ],
};
const avroLarge = {
  type: 'record',
  name: 'Large',
  fields: [
    {
      name: 'header',
      type: {
        type: 'record',
        name: 'Header',
        fields: [
          { name: 'id', type: 'long' },
          { name: 'stamp', type: { type: 'record', name: 'Stamp', fields: [{ name: 'sec', type: 'int' }, { name: 'nanosec', type: 'long' }] } },
          { name: 'source', type: 'string' },
        ],
      },
    },
    { name: 'samples', type: { type: 'array', items: 'double' } },
    {
      name: 'items',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Item',
          fields: [
            { name: 'name', type: 'string' },
            { name: 'code', type: 'int' },
            { name: 'ok', type: 'boolean' },
            { name: 'weight', type: 'double' },
            { name: 'tag', type: 'string' },
          ],
        },
      },
    },
  ],
};

function msgpackr(value: unknown): Impl {
  const bytes = pack(value);
  return { impl: 'msgpackr', encode: () => pack(value), decode: () => unpack(bytes), size: bytes.length };
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function jsonPeer(value: unknown): Impl {
  const bytes = utf8.encode(JSON.stringify(value));
  return { impl: 'JSON.stringify/parse', encode: () => utf8.encode(JSON.stringify(value)), decode: () => JSON.parse(fromUtf8.decode(bytes)), size: bytes.length };
}

/** fast-xml-parser building and parsing the same element-per-field document courier writes. */
function fxp(root: string, tree: object): Impl {
  const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false });
  // Configured as courier reads XML: no type guessing, no entity processing, values untouched.
  const parser = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    trimValues: false,
    isArray: (name) => name === 'item',
  });
  const doc = { [root]: { '@_xmlns': 'urn:courier-ipc:marshal', ...tree } };
  const encode = () => utf8.encode(builder.build(doc));
  const bytes = encode();
  return { impl: 'fast-xml-parser', encode, decode: () => parser.parse(fromUtf8.decode(bytes)), size: bytes.length };
}

function courier(schema: Parameters<typeof codec>[0], format: 'cdr-le' | 'json' | 'xml', value: unknown, options = {}): Impl {
  const c = codec(schema, format, options);
  const bytes = c.encode(value as never);
  // Check the round trip once, so a fast but wrong codec cannot win.
  if (JSON.stringify(c.decode(bytes)) !== JSON.stringify(value)) throw new Error(`courier ${format} round trip changed the value`);
  return { impl: 'courier', encode: () => c.encode(value as never), decode: () => c.decode(bytes), size: bytes.length };
}

const xmlItems = (items: Large['items']) => ({ item: items.map((i) => ({ name: i.name, code: i.code, ok: i.ok, weight: i.weight, tag: i.tag })) });

const groups: CodecGroup[] = [
  {
    case: 'person cdr',
    impls: [courier(Person, 'cdr-le', person, { encapsulation: 'xcdr1' }), foxglovePerson(), avsc(avroPerson, person), msgpackr(person)],
  },
  { case: 'person json', impls: [courier(Person, 'json', person), jsonPeer(person)] },
  { case: 'person xml', impls: [courier(Person, 'xml', person), fxp('Person', person)] },
  {
    case: 'large cdr',
    impls: [courier(Large, 'cdr-le', large, { encapsulation: 'xcdr1' }), foxgloveLarge(), avsc(avroLarge, large), msgpackr(large)],
  },
  { case: 'large json', impls: [courier(Large, 'json', large), jsonPeer(large)] },
  {
    case: 'large xml',
    impls: [courier(Large, 'xml', large), fxp('Large', { header: large.header, samples: { item: large.samples }, items: xmlItems(large.items) })],
  },
];

// ---------------------------------------------------------------- measurement

const report = new BenchReport('marshal', quick);
measureCodecGroups(report, groups, quick);

javaRows(report, quick);

await (await import('./marshal-protobuf.ts')).protobufRows(report, quick);
console.log(report.table());
progress(`wrote ${report.write()}`);
