/**
 * Time, injected. Protocol code reads "now" and sets timers only through a Clock, so the same code runs on
 * real time and on a simulated network's virtual time, where a run is deterministic for a given seed.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; the returned function cancels it (idempotent). */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The real clock: monotonic time from `performance.now()` and Node's timers, which never keep the process alive. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return () => clearTimeout(handle);
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
