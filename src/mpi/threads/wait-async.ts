// Atomics.waitAsync exists in Node >= 16, but the ES2023 lib this project compiles against does not
// declare it (it arrived in ES2024): this gives it its standard type.

/** The result of Atomics.waitAsync: settled at once, or a promise. */
export type WaitAsyncResult = { readonly async: false; readonly value: 'not-equal' | 'timed-out' } | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };

type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;

const atomics: object = Atomics;
const candidate: unknown = 'waitAsync' in atomics ? atomics.waitAsync : undefined;
if (typeof candidate !== 'function') throw new Error('this Node has no Atomics.waitAsync (Node >= 16 is needed for thread ranks)');
const bound = candidate.bind(Atomics) as WaitAsync; // the standard signature, checked to exist above

/** Waits, without blocking the thread, until `array[index]` is no longer `value` (and a notify came), at most `timeoutMs`. */
export function waitAsync(array: Int32Array, index: number, value: number, timeoutMs = Infinity): WaitAsyncResult {
  return bound(array, index, value, timeoutMs);
}
