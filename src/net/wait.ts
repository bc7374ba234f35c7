import { AbortedError, TimeoutError } from '../errors.ts';
import type { Clock } from './clock.ts';

/** Every wait in courier takes these: a timeout in milliseconds and an AbortSignal. */
export interface WaitOptions {
  /** Give up after this many milliseconds with ERR_TIMEOUT. Default: wait indefinitely. */
  readonly timeout?: number;
  /** Give up when aborted, with ERR_ABORTED carrying the signal's reason as its cause. */
  readonly signal?: AbortSignal;
}

/** Settles a pending wait. Exactly one of the calls takes effect. */
export interface Settler<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * Waits for `start` to settle, bounded by `opts.timeout` and `opts.signal`. `start` registers interest and
 * returns a function that withdraws it; that function runs however the wait ends, so no listener leaks.
 * `what` names the wait in the timeout message ("receive on udp://127.0.0.1:9000").
 */
export function boundedWait<T>(
  start: (settler: Settler<T>) => () => void,
  opts: WaitOptions | undefined,
  clock: Clock,
  what: string,
): Promise<T> {
  const signal = opts?.signal;
  if (signal?.aborted) return Promise.reject(new AbortedError(`${what} aborted`, signal.reason));
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let cancelTimer: (() => void) | undefined;
    const onAbort = () => finish(() => reject(new AbortedError(`${what} aborted`, signal?.reason)));
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      withdraw();
      cancelTimer?.();
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const withdraw = start({
      resolve: (value) => finish(() => resolve(value)),
      reject: (err) => finish(() => reject(err)),
    });
    if (done) return;
    const timeout = opts?.timeout;
    if (timeout !== undefined && Number.isFinite(timeout)) {
      cancelTimer = clock.setTimer(
        () => finish(() => reject(new TimeoutError(`${what} timed out after ${timeout} ms`, { timeoutMs: timeout }))),
        Math.max(0, timeout),
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
