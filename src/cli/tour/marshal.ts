// Tour step: one value, three external data representations, and back again.
import { isDeepStrictEqual } from 'node:util';
import { codec, t } from '../../marshal/index.ts';
import type { TourStep } from './step.ts';

const Person = t.struct('Person', { name: t.string(), place: t.string(), year: t.int32() });

/** The CDR bytes of a Person, four to a row as GIOP aligns them, each row saying what it holds. */
function cdrRows(bytes: Uint8Array): string[] {
  const hex = (i: number) => (i < bytes.length ? bytes[i]!.toString(16).padStart(2, '0') : '  ');
  const rows: string[] = [];
  let pos = 0;
  const row = (note: string, padFrom = 4) => {
    const cells = [0, 1, 2, 3].map((k) => (k >= padFrom ? '··' : hex(pos + k)));
    rows.push(`${String(pos).padStart(3)}  ${cells.join(' ')}   ${note}`);
    pos += 4;
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const field of ['name', 'place']) {
    const len = dv.getUint32(pos, false);
    row(`${field}: length ${len} (the text's ${len - 1} bytes plus its NUL)`);
    for (let done = 0; done < len; done += 4) {
      const take = Math.min(4, len - done);
      const chunk = [...bytes.subarray(pos, pos + take)].map((b) => (b === 0 ? '\\0' : String.fromCharCode(b))).join('');
      row(`"${chunk}"${take < 4 ? `, then ${4 - take} padding byte${take === 3 ? '' : 's'} (··) to realign` : ''}`, take);
    }
  }
  row(`year: ${dv.getInt32(pos, false)} as a big-endian 32-bit integer`);
  return rows;
}

export const marshalStep: TourStep = {
  title: 'External data representation: one Person in CDR, XML and JSON',
  idea:
    'Processes agree on a flattened form before they exchange data. The same Person {name, place, year} ' +
    'is marshalled as CORBA CDR (binary, aligned, both sides know the type), XML (self-describing text) and ' +
    'JSON, and unmarshalled back to an equal value from each.',
  async run(say) {
    const value = { name: 'Smith', place: 'London', year: 1984 };
    say(`value: ${JSON.stringify(value)}`);
    for (const format of ['cdr', 'xml', 'json'] as const) {
      const c = codec(Person, format);
      const bytes = c.encode(value);
      say('');
      say(`${format.toUpperCase()}: ${bytes.length} bytes`);
      if (format === 'cdr') for (const line of cdrRows(bytes)) say(`  ${line}`);
      else say(`  ${new TextDecoder().decode(bytes)}`);
      const back = c.decode(bytes);
      if (!isDeepStrictEqual(back, value)) throw new Error(`${format} round trip changed the value: ${JSON.stringify(back)}`);
      say(`  decoded back: ${JSON.stringify(back)} ✓`);
    }
    say('');
    say('CDR carries no field names or types: the receiver must know the schema. XML and JSON name every field.');
  },
};
