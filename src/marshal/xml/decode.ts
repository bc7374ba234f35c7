/**
 * Reads the element-per-field representation straight into values, schema first: the decoder asks
 * the pull parser for exactly the element the schema expects next, so there is no document tree and
 * no type guessing. Failures are Located errors with line and column.
 */
import { fromBase64 } from '../base64.ts';
import { shown } from '../check.ts';
import { checkStringBound } from '../json/encode.ts';
import { Located, relocate } from '../located.ts';
import { isPrimitive, type Schema } from '../schema.ts';
import { labelOk, planUnion } from '../union.ts';
import type { XmlPull } from './pull.ts';
import { mismatchMessage, NOT_PARSED, parsePrimitive } from './text.ts';

/** Reads the content and end tag of an element already entered (`empty` for `<x/>`). */
export type XmlReader = (p: XmlPull, empty: boolean) => unknown;

const text = (p: XmlPull, empty: boolean) => (empty ? '' : p.content());

/** Reads child elements until the parent's end tag, which must come next. */
function done(p: XmlPull, empty: boolean, what: string): void {
  if (empty) return;
  const extra = p.peek();
  if (extra !== null) p.fail(`unexpected element <${extra}> in ${what}`);
  p.leave();
}

export function compileXmlReader(s: Schema, ns: string): XmlReader {
  if (isPrimitive(s)) {
    const kind = s.kind;
    return (p, empty) => {
      const raw = text(p, empty);
      const v = parsePrimitive(kind, raw);
      if (v === NOT_PARSED) return p.fail(mismatchMessage(kind, raw));
      return v;
    };
  }
  switch (s.kind) {
    case 'string':
      return (p, empty) => {
        const v = text(p, empty);
        try {
          checkStringBound(v, s.maxLength);
        } catch (err) {
          p.fail(err instanceof Error ? err.message : String(err));
        }
        return v;
      };
    case 'bytes':
      return (p, empty) => {
        const b = fromBase64(text(p, empty).replace(/[ \t\r\n]+/g, ''));
        if (b === undefined) return p.fail('expected base64 text');
        if (s.maxLength !== undefined && b.length > s.maxLength) p.fail(`${b.length} bytes exceed the bound of ${s.maxLength}`);
        return b;
      };
    case 'enum':
      return (p, empty) => {
        const v = text(p, empty).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
        if (!s.values.includes(v)) p.fail(`expected one of ${s.name} {${s.values.join(', ')}}, got ${shown(v)}`);
        return v;
      };
    case 'struct': {
      const fields = s.fields.map((f) => {
        const type = f.type.kind === 'optional' ? f.type.element : f.type;
        return { name: f.name, optional: f.type.kind === 'optional', read: compileXmlReader(type, ns), segment: '.' + f.name };
      });
      return (p, empty) => {
        const o: Record<string, unknown> = {};
        for (const f of fields) {
          const next = empty ? null : p.peek();
          if (next !== f.name) {
            if (f.optional) continue;
            p.fail(next === null ? `missing element <${f.name}> of struct ${s.name}` : `expected element <${f.name}> of struct ${s.name}, found <${next}>`);
          }
          try {
            o[f.name] = f.read(p, p.enter(f.name, ns));
          } catch (err) {
            relocate(err, f.segment);
          }
        }
        done(p, empty, `struct ${s.name}`);
        return o;
      };
    }
    case 'sequence':
    case 'array': {
      const read = compileXmlReader(s.element, ns);
      const exact = s.kind === 'array' ? s.length : undefined;
      const max = s.kind === 'sequence' ? s.maxLength : undefined;
      return (p, empty) => {
        const a: unknown[] = [];
        while (!empty && p.peek() === 'item') {
          if ((max !== undefined && a.length >= max) || (exact !== undefined && a.length >= exact)) {
            p.fail(`more than ${max ?? exact} <item> elements`);
          }
          try {
            a.push(read(p, p.enter('item', ns)));
          } catch (err) {
            relocate(err, `[${a.length}]`);
          }
        }
        if (exact !== undefined && a.length !== exact) p.fail(`expected exactly ${exact} <item> elements, found ${a.length}`);
        done(p, empty, 'a list');
        return a;
      };
    }
    case 'optional':
      throw new Located('optional is only allowed as a struct field');
    case 'union': {
      const plan = planUnion(s);
      const readers = s.cases.map((c) => compileXmlReader(c.type, ns));
      const readLabel = compileXmlReader(s.discriminator, ns);
      return (p, empty) => {
        if (empty) {
          if (plan.emptyLabel === undefined) p.fail(`union ${s.name} has no case element`);
          return { case: null, discriminator: plan.emptyLabel };
        }
        let next = p.peek();
        let label: unknown;
        if (next === 'discriminator') {
          try {
            label = readLabel(p, p.enter('discriminator', ns));
          } catch (err) {
            relocate(err, '.discriminator');
          }
          next = p.peek();
        }
        if (next === null && plan.emptyLabel !== undefined) {
          // No case element: the union holds no member (CORBA's implicit default).
          if (label === undefined) label = plan.emptyLabel;
          else if (labelOk(s, label) && plan.byLabel.has(label)) p.fail(`discriminator ${shown(label)} selects a case, but no case element follows`);
          p.leave();
          return { case: null, discriminator: label };
        }
        const index = next === null ? undefined : plan.byName.get(next);
        if (index === undefined) return p.fail(next === null ? `union ${s.name} has no case element` : `union ${s.name} has no case <${next}>`);
        const c = s.cases[index]!;
        let value: unknown;
        try {
          value = readers[index]!(p, p.enter(c.name, ns));
        } catch (err) {
          relocate(err, '.' + c.name);
        }
        if (label === undefined) label = c.isDefault ? plan.defaultLabel : c.labels[0];
        else {
          const owner = labelOk(s, label) ? plan.byLabel.get(label) : undefined;
          if (c.isDefault ? owner !== undefined : owner !== index) p.fail(`discriminator ${shown(label)} does not select case ${c.name}`);
        }
        done(p, false, `union ${s.name}`);
        return plan.reportDiscriminator[index] ? { case: c.name, value, discriminator: label } : { case: c.name, value };
      };
    }
  }
}
