/**
 * Field paths for the closure-compiled codecs (JSON, XML) at no cost on the happy path: a failure deep
 * in a value throws a Located error with no path, and each enclosing struct or list catches it on the
 * way out and prepends its segment. Only the codec's entry point turns it into ERR_ENCODE/ERR_DECODE.
 */
import { DecodeError, EncodeError } from '../errors.ts';

export class Located extends Error {
  /** Path segments innermost first (".zip", "[2]", ".address"). */
  readonly segments: string[] = [];

  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Runs `f`; a Located failure inside it gets `segment` prepended to its path. */
export function within<R>(segment: string, f: () => R): R {
  try {
    return f();
  } catch (err) {
    if (err instanceof Located) err.segments.push(segment);
    throw err;
  }
}

/** Adds `segment` to a Located error passing through; rethrows anything. */
export function relocate(err: unknown, segment: string): never {
  if (err instanceof Located) err.segments.push(segment);
  throw err;
}

function pathOf(root: string, err: Located): string {
  return root + err.segments.slice().reverse().join('');
}

/** Converts a Located failure to ERR_ENCODE with the full path; rethrows anything else. */
export function toEncodeError(err: unknown, root: string): never {
  if (err instanceof Located) {
    const path = pathOf(root, err);
    throw new EncodeError(`${path}: ${err.message}`, { path, ...err.context });
  }
  throw err;
}

/** Converts a Located failure to ERR_DECODE with the full path and any line/offset it carries. */
export function toDecodeError(err: unknown, root: string): never {
  if (err instanceof Located) {
    const path = pathOf(root, err);
    const where = typeof err.context.line === 'number' ? ` at line ${err.context.line}, column ${err.context.column}` : '';
    throw new DecodeError(`${err.message}${where} (${path})`, { path, ...err.context });
  }
  throw err;
}

/** Restates an ERR_ENCODE raised with a relative path (by a shared helper) as a Located failure. */
export function relocated(err: unknown): unknown {
  if (err instanceof EncodeError) {
    const p = typeof err.context.path === 'string' ? err.context.path : '';
    const l = new Located(err.message.startsWith(p + ': ') ? err.message.slice(p.length + 2) : err.message);
    if (p) l.segments.push(p);
    return l;
  }
  return err;
}
