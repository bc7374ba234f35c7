// One schema, three external data representations: the textbook's Person marshalled as CORBA CDR,
// XML and JSON, unmarshalled back, and a mistake caught with its field path.
// Run: node --import tsx examples/marshal-person.ts
import { isCourierError } from '../src/errors.ts';
import { codec, generateXsd, parseIdl, t, type Infer } from '../src/marshal/index.ts';

// Describe the type once, in TypeScript…
const Person = t.struct('Person', { name: t.string(), place: t.string(), year: t.int32() });
type Person = Infer<typeof Person>; // { name: string; place: string; year: number }

// …or import it from the IDL a CORBA, DDS or ROS 2 peer already has.
const fromIdl = parseIdl('module Demo { struct Person { string name; string place; long year; }; };').type('Person');

const smith: Person = { name: 'Smith', place: 'London', year: 1984 };

for (const format of ['cdr', 'cdr-le', 'xml', 'json'] as const) {
  const c = codec(Person, format); // compile once, reuse for every message
  const bytes = c.encode(smith);
  const shown = format.startsWith('cdr') ? Buffer.from(bytes).toString('hex') : new TextDecoder().decode(bytes);
  console.log(`${format.padEnd(6)} ${String(bytes.length).padStart(3)} bytes  ${shown}`);
  console.log(`       decoded: ${JSON.stringify(c.decode(bytes))}`);
}

// The IDL type and the TypeScript one produce the same CDR bytes.
const same = Buffer.compare(codec(fromIdl, 'cdr').encode(smith), codec(Person, 'cdr').encode(smith)) === 0;
console.log(`IDL and builder schemas agree on CDR: ${same}`);

// A CORBA encapsulation carries its own byte order; a DDS/ROS 2 sample starts with an XCDR header.
console.log(`corba encapsulation: ${Buffer.from(codec(Person, 'cdr-le', { encapsulation: 'corba' }).encode(smith)).toString('hex')}`);
console.log(`xcdr1 (ROS 2) sample: ${Buffer.from(codec(Person, 'cdr-le', { encapsulation: 'xcdr1' }).encode(smith)).toString('hex')}`);

// Values are checked on encode: the error names the field.
try {
  codec(Person, 'cdr').encode({ ...smith, year: 2 ** 40 });
} catch (err) {
  if (!isCourierError(err, 'ERR_ENCODE')) throw err;
  console.log(`${err.code} at ${String(err.context.path)}: ${err.message}`);
}

// The XML Schema of the XML form, for validators such as xmllint.
console.log(generateXsd(Person).split('\n').slice(0, 4).join('\n') + '\n  …');
