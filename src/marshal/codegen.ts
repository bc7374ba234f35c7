/**
 * Shared by the code generators (CDR, JSON and XML encoders): JavaScript source built from a schema,
 * field paths rendered only in failure branches, and the primitive checks as JS conditions. Only
 * checked identifiers and JSON-quoted literals reach the source; values and input never do.
 */
import type { PrimitiveKind } from './schema.ts';

/** A path as JS source: literal parts and index variables, rendered only inside failure branches. */
export type Path = readonly string[];
/** A JS string literal. */
export const lit = (s: string) => JSON.stringify(s);
/** The JS expression for a path, adjacent literals merged. */
export function pathExpr(p: Path): string {
  const merged: string[] = [];
  for (const part of p) {
    const last = merged[merged.length - 1];
    if (part.startsWith('"') && last !== undefined && last.startsWith('"')) {
      merged[merged.length - 1] = lit(JSON.parse(last) + JSON.parse(part));
    } else merged.push(part);
  }
  return merged.join(' + ');
}
export const field = (p: Path, name: string): Path => [...p, lit('.' + name)];
export const index = (p: Path, i: string): Path => [...p, lit('['), i, lit(']')];

/** JavaScript source under construction, with the run-time values it closes over. */
export class Source {
  private readonly lines: string[] = [];
  private readonly names: string[] = [];
  private readonly values: unknown[] = [];
  private n = 0;

  emit(line: string): void {
    this.lines.push(line);
  }
  /** A fresh local variable name. */
  local(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
  /** Passes a run-time value (a helper, a map) into the generated function under a fresh name. */
  constant(value: unknown): string {
    // A prefix no local variable uses, so a constant can never be shadowed.
    const name = `$${this.names.length}`;
    this.names.push(name);
    this.values.push(value);
    return name;
  }
  build<F>(params: string[], prologue: string, epilogue: string): F {
    const body = `${prologue}\n${this.lines.join('\n')}\n${epilogue}`;
    // The generated source is built only from the schema (names are checked identifiers, literals
    // are JSON-quoted); no value or input text ever reaches it.
    const factory = new Function(...this.names, `return function (${params.join(', ')}) {\n${body}\n};`);
    return factory(...this.values) as F;
  }
}

/**
 * The JS condition under which `v` is NOT a valid value of `kind` (mirrors check.ts primitiveOk). The
 * typeof test comes first: bitwise operators throw on a bigint and call valueOf on objects.
 */
export function invalid(kind: PrimitiveKind, v: string): string {
  switch (kind) {
    case 'boolean':
      return `typeof ${v} !== 'boolean'`;
    case 'char':
      return `typeof ${v} !== 'string' || ${v}.length !== 1 || ${v}.charCodeAt(0) > 255`;
    case 'octet':
    case 'uint8':
      return `typeof ${v} !== 'number' || (${v} & 255) !== ${v}`;
    case 'int8':
      return `typeof ${v} !== 'number' || ((${v} << 24) >> 24) !== ${v}`;
    case 'int16':
      return `typeof ${v} !== 'number' || ((${v} << 16) >> 16) !== ${v}`;
    case 'uint16':
      return `typeof ${v} !== 'number' || (${v} & 65535) !== ${v}`;
    case 'int32':
      return `typeof ${v} !== 'number' || (${v} | 0) !== ${v}`;
    case 'uint32':
      return `typeof ${v} !== 'number' || (${v} >>> 0) !== ${v}`;
    case 'int64':
      return `typeof ${v} !== 'bigint' || BigInt.asIntN(64, ${v}) !== ${v}`;
    case 'uint64':
      return `typeof ${v} !== 'bigint' || BigInt.asUintN(64, ${v}) !== ${v}`;
    case 'float32':
      return `typeof ${v} !== 'number' || ((${v} > 3.4028234663852886e38 || ${v} < -3.4028234663852886e38) && ${v} !== Infinity && ${v} !== -Infinity)`;
    case 'float64':
      return `typeof ${v} !== 'number'`;
  }
}

