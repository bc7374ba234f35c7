/**
 * The element-per-field XML representation: each struct field is an element named after the field,
 * each list element is an <item>, a union is an optional <discriminator> then one element named after
 * its case, an absent optional field has no element. Compiled once per schema into closures that
 * append to one string.
 */
import { toBase64 } from '../base64.ts';
import { expectation, primitiveOk, shown } from '../check.ts';
import { checkStringBound } from '../json/encode.ts';
import { Located, relocate, relocated } from '../located.ts';
import { isPrimitive, type Schema } from '../schema.ts';
import { planUnion, resolveUnion } from '../union.ts';
import { escapeText, formatPrimitive, xmlIllegalChar } from './text.ts';

/** Writes the content (not the tags) of one value; `indent` is null when not pretty-printing. */
export type XmlWriter = (v: unknown, indent: string | null) => string;

function checkText(s: string): void {
  const bad = xmlIllegalChar(s);
  if (bad) throw new Located(`string holds ${bad}, which XML 1.0 cannot carry`);
}

/** Whether a schema's content is child elements (true) or text (false). */
export function hasElements(s: Schema): boolean {
  return s.kind === 'struct' || s.kind === 'union' || s.kind === 'sequence' || s.kind === 'array';
}

/** `<name>content</name>`, with line breaks and indentation around element content when pretty. */
export function element(name: string, content: string, complex: boolean, indent: string | null): string {
  if (indent === null) return `<${name}>${content}</${name}>`;
  if (content === '') return `${indent}<${name}></${name}>\n`;
  return complex ? `${indent}<${name}>\n${content}${indent}</${name}>\n` : `${indent}<${name}>${content}</${name}>\n`;
}

const deeper = (indent: string | null) => (indent === null ? null : indent + '  ');

export function compileXmlWriter(s: Schema): XmlWriter {
  if (isPrimitive(s)) {
    const kind = s.kind;
    return (v) => {
      if (!primitiveOk(kind, v)) throw new Located(`expected ${expectation(kind)}, got ${shown(v)}`);
      if (typeof v === 'string') checkText(v);
      return formatPrimitive(kind, v);
    };
  }
  switch (s.kind) {
    case 'string':
      return (v) => {
        if (typeof v !== 'string') throw new Located(`expected a string, got ${shown(v)}`);
        checkStringBound(v, s.maxLength);
        checkText(v);
        return escapeText(v);
      };
    case 'bytes':
      return (v) => {
        if (!(v instanceof Uint8Array)) throw new Located(`expected a Uint8Array, got ${shown(v)}`);
        if (s.maxLength !== undefined && v.length > s.maxLength) throw new Located(`${v.length} bytes exceed the bound of ${s.maxLength}`);
        return toBase64(v);
      };
    case 'enum': {
      const names = new Set(s.values);
      return (v) => {
        if (typeof v !== 'string' || !names.has(v)) throw new Located(`expected one of ${s.name} {${s.values.join(', ')}}, got ${shown(v)}`);
        return v;
      };
    }
    case 'struct': {
      const fields = s.fields.map((f) => {
        const type = f.type.kind === 'optional' ? f.type.element : f.type;
        return { name: f.name, optional: f.type.kind === 'optional', complex: hasElements(type), write: compileXmlWriter(type), segment: '.' + f.name };
      });
      return (v, indent) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Located(`expected an object for struct ${s.name}, got ${shown(v)}`);
        const inner = deeper(indent);
        let out = '';
        for (const f of fields) {
          const x: unknown = Reflect.get(v, f.name);
          if (f.optional && (x === undefined || x === null)) continue;
          try {
            out += element(f.name, f.write(x, inner), f.complex, indent);
          } catch (err) {
            relocate(err, f.segment);
          }
        }
        return out;
      };
    }
    case 'sequence':
    case 'array': {
      const write = compileXmlWriter(s.element);
      const complex = hasElements(s.element);
      const exact = s.kind === 'array' ? s.length : undefined;
      const max = s.kind === 'sequence' ? s.maxLength : undefined;
      return (v, indent) => {
        if (!Array.isArray(v) || (exact !== undefined && v.length !== exact)) {
          throw new Located(exact === undefined ? `expected an array, got ${shown(v)}` : `expected an array of exactly ${exact}, got ${shown(v)}`);
        }
        if (max !== undefined && v.length > max) throw new Located(`${v.length} elements exceed the bound of ${max}`);
        const inner = deeper(indent);
        let out = '';
        for (let i = 0; i < v.length; i++) {
          try {
            out += element('item', write(v[i], inner), complex, indent);
          } catch (err) {
            relocate(err, `[${i}]`);
          }
        }
        return out;
      };
    }
    case 'optional':
      throw new Located('optional is only allowed as a struct field');
    case 'union': {
      const plan = planUnion(s);
      const writers = s.cases.map((c) => ({ name: c.name, complex: hasElements(c.type), write: compileXmlWriter(c.type) }));
      const label = compileXmlWriter(s.discriminator);
      return (v, indent) => {
        let r;
        try {
          r = resolveUnion(plan, v, '');
        } catch (err) {
          throw relocated(err);
        }
        let d = '';
        if (r.index < 0 || plan.reportDiscriminator[r.index]) {
          try {
            d = element('discriminator', label(r.label, null), false, indent);
          } catch (err) {
            relocate(err, '.discriminator');
          }
        }
        if (r.index < 0) return d;
        const c = writers[r.index]!;
        try {
          return d + element(c.name, c.write(r.value, deeper(indent)), c.complex, indent);
        } catch (err) {
          relocate(err, '.' + c.name);
        }
      };
    }
  }
}
