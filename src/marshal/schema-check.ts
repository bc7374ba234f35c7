/**
 * Checks a schema tree that may not have come from the builder (parsed from JSON, built by hand)
 * before any codec compiles it. The compiled CDR codec turns names and numbers into JavaScript source,
 * so every name must be an identifier and every number an integer: nothing else may reach the code.
 */
import { SchemaError } from '../errors.ts';
import { isDiscriminatorType, isPrimitive, schemaDepth, type Label, type Schema } from './schema.ts';

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const scopedName = /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$/;

function bad(message: string, path: string): never {
  throw new SchemaError(`${path}: ${message}`, { path });
}

function name(n: unknown, path: string, scoped: boolean): void {
  if (typeof n !== 'string' || !(scoped ? scopedName : identifier).test(n) || n === '__proto__') bad(`${JSON.stringify(n)} is not a valid name`, path);
}

function count(n: unknown, path: string, what: string, optional: boolean): void {
  if (optional && n === undefined) return;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) bad(`${what} must be an integer from 1 to 4294967295`, path);
}

/** Throws ERR_SCHEMA unless `s` is a well-formed schema tree no deeper than `maxDepth`. */
export function checkSchema(s: Schema, maxDepth: number): void {
  const depth = schemaDepth(s);
  if (depth > maxDepth) throw new SchemaError(`schema nests ${depth} levels deep, more than maxDepth (${maxDepth})`, { limit: maxDepth });
  walk(s, 'schema', false);
}

function walk(s: Schema, path: string, fieldType: boolean): void {
  if (typeof s !== 'object' || s === null) bad('not a schema node', path);
  if (isPrimitive(s)) return;
  switch (s.kind) {
    case 'string':
    case 'bytes':
      return count(s.maxLength, path, 'bound', true);
    case 'enum': {
      name(s.name, path, true);
      if (!Array.isArray(s.values) || s.values.length === 0) bad('an enum needs enumerators', path);
      s.values.forEach((v, i) => name(v, `${path}.values[${i}]`, false));
      if (new Set(s.values).size !== s.values.length) bad('duplicate enumerator', path);
      return;
    }
    case 'struct': {
      name(s.name, path, true);
      const names = new Set<string>();
      const numbers = new Set<number>();
      for (const f of s.fields) {
        name(f.name, `${path}.${String(f.name)}`, false);
        if (names.has(f.name)) bad(`duplicate field ${f.name}`, path);
        if (!Number.isSafeInteger(f.number) || f.number < 1 || numbers.has(f.number)) bad(`field ${f.name} needs a unique positive number`, path);
        names.add(f.name);
        numbers.add(f.number);
        walk(f.type, `${path}.${f.name}`, true);
      }
      return;
    }
    case 'sequence':
      count(s.maxLength, path, 'bound', true);
      return walk(s.element, `${path}[]`, false);
    case 'array':
      count(s.length, path, 'length', false);
      return walk(s.element, `${path}[]`, false);
    case 'optional':
      if (!fieldType) bad('optional is only allowed as a struct field type', path);
      return walk(s.element, path, false);
    case 'union': {
      name(s.name, path, true);
      if (!isDiscriminatorType(s.discriminator)) bad(`${String(s.discriminator?.kind)} cannot be a discriminator`, path);
      const labels = new Set<Label>();
      let defaults = 0;
      for (const c of s.cases) {
        name(c.name, `${path}.${String(c.name)}`, false);
        for (const l of c.labels) {
          if (typeof l !== 'number' && typeof l !== 'string' && typeof l !== 'boolean') bad('labels are numbers, strings or booleans', path);
          if (labels.has(l)) bad(`label ${String(l)} is used twice`, path);
          labels.add(l);
        }
        if (c.isDefault) defaults++;
        walk(c.type, `${path}.${c.name}`, false);
      }
      if (s.cases.length === 0 || defaults > 1) bad('a union needs cases and at most one default', path);
      return;
    }
    default:
      bad(`unknown kind ${JSON.stringify((s as { kind: unknown }).kind)}`, path);
  }
}
