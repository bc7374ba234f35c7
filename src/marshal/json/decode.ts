/**
 * Turns parsed JSON into a schema value, checking every node: the protobuf JSON conventions in reverse
 * (64-bit integers from decimal strings or safe numbers, base64 bytes, enums by name or ordinal), no
 * unknown fields, no missing required fields. Failures carry the field path via Located.
 */
import { fromBase64 } from '../base64.ts';
import { expectation, float32Overflow, primitiveOk, shown } from '../check.ts';
import { Located, relocate } from '../located.ts';
import { isPrimitive, type PrimitiveKind, type Schema } from '../schema.ts';
import { labelOk, planUnion } from '../union.ts';
import { checkStringBound } from './encode.ts';

export type JsonReader = (j: unknown) => unknown;

const integerText = /^-?(?:0|[1-9][0-9]*)$/;

function float(j: unknown): number | undefined {
  if (typeof j === 'number') return j;
  if (j === 'NaN') return NaN;
  if (j === 'Infinity') return Infinity;
  if (j === '-Infinity') return -Infinity;
  return undefined;
}

function primitive(kind: PrimitiveKind): JsonReader {
  const bad = (j: unknown) => new Located(`expected ${expectation(kind)}, got ${shown(j)}`);
  switch (kind) {
    case 'int64':
    case 'uint64':
      return (j) => {
        let v: bigint | undefined;
        if (typeof j === 'string' && integerText.test(j)) v = BigInt(j);
        else if (typeof j === 'number' && Number.isSafeInteger(j)) v = BigInt(j);
        if (v === undefined || !primitiveOk(kind, v)) throw bad(j);
        return v;
      };
    case 'float32':
      return (j) => {
        const v = float(j);
        if (v === undefined || float32Overflow(v)) throw bad(j);
        return Math.fround(v);
      };
    case 'float64':
      return (j) => {
        const v = float(j);
        if (v === undefined) throw bad(j);
        return v;
      };
    default:
      return (j) => {
        if (!primitiveOk(kind, j)) throw bad(j);
        return j;
      };
  }
}

function isRecord(j: unknown): j is Record<string, unknown> {
  return typeof j === 'object' && j !== null && !Array.isArray(j);
}

export function compileJsonReader(s: Schema): JsonReader {
  if (isPrimitive(s)) return primitive(s.kind);
  switch (s.kind) {
    case 'string':
      return (j) => {
        if (typeof j !== 'string') throw new Located(`expected a string, got ${shown(j)}`);
        checkStringBound(j, s.maxLength);
        return j;
      };
    case 'bytes':
      return (j) => {
        const b = typeof j === 'string' ? fromBase64(j) : undefined;
        if (b === undefined) throw new Located(`expected base64 text, got ${shown(j)}`);
        if (s.maxLength !== undefined && b.length > s.maxLength) throw new Located(`${b.length} bytes exceed the bound of ${s.maxLength}`);
        return b;
      };
    case 'enum':
      return (j) => {
        if (typeof j === 'string' && s.values.includes(j)) return j;
        if (typeof j === 'number' && Number.isInteger(j) && j >= 0 && j < s.values.length) return s.values[j];
        throw new Located(`expected one of ${s.name} {${s.values.join(', ')}}, got ${shown(j)}`);
      };
    case 'struct': {
      const fields = s.fields.map((f) => ({
        name: f.name,
        optional: f.type.kind === 'optional',
        read: compileJsonReader(f.type.kind === 'optional' ? f.type.element : f.type),
      }));
      const known = new Set(s.fields.map((f) => f.name));
      return (j) => {
        if (!isRecord(j)) throw new Located(`expected an object for struct ${s.name}, got ${shown(j)}`);
        const o: Record<string, unknown> = {};
        for (const f of fields) {
          const x = Object.hasOwn(j, f.name) ? j[f.name] : undefined;
          if (x === undefined || x === null) {
            if (f.optional) continue;
            const l = new Located(`missing field ${f.name} of struct ${s.name}`);
            throw l;
          }
          try {
            o[f.name] = f.read(x);
          } catch (err) {
            relocate(err, '.' + f.name);
          }
        }
        for (const key of Object.keys(j)) if (!known.has(key)) throw new Located(`struct ${s.name} has no field ${JSON.stringify(key)}`);
        return o;
      };
    }
    case 'sequence':
    case 'array': {
      const read = compileJsonReader(s.element);
      const exact = s.kind === 'array' ? s.length : undefined;
      const max = s.kind === 'sequence' ? s.maxLength : undefined;
      return (j) => {
        if (!Array.isArray(j) || (exact !== undefined && j.length !== exact)) {
          throw new Located(exact === undefined ? `expected an array, got ${shown(j)}` : `expected an array of exactly ${exact}, got ${shown(j)}`);
        }
        if (max !== undefined && j.length > max) throw new Located(`sequence of ${j.length} elements exceeds its bound of ${max}`);
        const a: unknown[] = [];
        for (let i = 0; i < j.length; i++) {
          try {
            a.push(read(j[i]));
          } catch (err) {
            relocate(err, `[${i}]`);
          }
        }
        return a;
      };
    }
    case 'optional': {
      const read = compileJsonReader(s.element);
      return (j) => (j === null || j === undefined ? undefined : read(j));
    }
    case 'union': {
      const plan = planUnion(s);
      const readers = s.cases.map((c) => compileJsonReader(c.type));
      const readLabel = compileJsonReader(s.discriminator);
      return (j) => {
        if (!isRecord(j)) throw new Located(`expected a union value {"case", "value"} for ${s.name}, got ${shown(j)}`);
        for (const key of Object.keys(j)) {
          if (key !== 'case' && key !== 'value' && key !== 'discriminator') throw new Located(`union ${s.name} value has unknown key ${JSON.stringify(key)}`);
        }
        if (j.case === null && plan.emptyLabel !== undefined) {
          if (Object.hasOwn(j, 'value')) throw new Located(`union ${s.name} holding no member (case null) has no value`);
          let label: unknown = plan.emptyLabel;
          if (j.discriminator !== undefined) {
            try {
              label = readLabel(j.discriminator);
            } catch (err) {
              relocate(err, '.discriminator');
            }
            if (labelOk(s, label) && plan.byLabel.has(label)) throw new Located(`discriminator ${shown(label)} selects a case, so the union cannot hold no member`);
          }
          return { case: null, discriminator: label };
        }
        const index = typeof j.case === 'string' ? plan.byName.get(j.case) : undefined;
        if (index === undefined) throw new Located(`union ${s.name} has no case ${shown(j.case)}`);
        const c = s.cases[index]!;
        let value: unknown;
        try {
          value = readers[index]!(j.value);
        } catch (err) {
          relocate(err, '.' + c.name);
        }
        let label: unknown = c.isDefault ? plan.defaultLabel : c.labels[0];
        if (j.discriminator !== undefined) {
          try {
            label = readLabel(j.discriminator);
          } catch (err) {
            relocate(err, '.discriminator');
          }
          const owner = labelOk(s, label) ? plan.byLabel.get(label) : undefined;
          if (c.isDefault ? owner !== undefined : owner !== index) throw new Located(`discriminator ${shown(label)} does not select case ${c.name}`);
        }
        return plan.reportDiscriminator[index] ? { case: c.name, value, discriminator: label } : { case: c.name, value };
      };
    }
  }
}
