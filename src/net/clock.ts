import { AbortedError } from '../errors.ts';

/**
 * Time, injected. Protocol code reads "now" and sets timers only through a Clock, so the same code runs on
 * real time and on a simulated network's virtual time, where a run is deterministic for a given seed.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; the returned function cancels it (idempotent). */
  setTimer(fn: () => void, ms: number): () => void;
  /** Resolves after `ms` milliseconds; rejects with ERR_ABORTED when `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: monotonic time from `performance.now()` and Node's timers, which never keep the process alive. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return () => clearTimeout(handle);
  },
  // Unlike setTimer's, this timer keeps the process alive: a program that only sleeps must not exit early.
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(new AbortedError('sleep aborted', signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(handle);
        reject(new AbortedError('sleep aborted', signal?.reason));
      };
      const handle = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

let lastIncarnation = 0;

/**
 * A creation time for an endpoint's identity: milliseconds since the Unix epoch, strictly increasing within
 * this process, so two endpoints created in the same millisecond still differ. Not for measuring time.
 */
export function incarnationTime(): number {
  lastIncarnation = Math.max(Date.now(), lastIncarnation + 1);
  return lastIncarnation;
}
