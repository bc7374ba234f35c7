// Numeric options checked against their defaults, shared by every kind of overlay node.
import { InvalidArgumentError } from '../errors.ts';

/**
 * The limits of a node: each default, unless `options` gives a finite non-negative number for it.
 * ERR_INVALID_ARGUMENT names the first bad option, or a k or α below 1.
 */
export function resolveLimits<L extends { k: number; alpha: number }>(defaults: Readonly<L>, options: { readonly [K in keyof L]?: number }): Readonly<L> {
  const limits: L = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof L & string)[]) {
    const v = options[key];
    if (v === undefined) continue;
    if (!(Number.isFinite(v) && v >= 0)) throw new InvalidArgumentError(`${key} must be a non-negative number, got ${v}`, { [key]: v });
    limits[key] = v as L[typeof key]; // a number, checked above
  }
  if (limits.k < 1 || limits.alpha < 1) throw new InvalidArgumentError('k and alpha must be at least 1', { k: limits.k, alpha: limits.alpha });
  return Object.freeze(limits);
}
