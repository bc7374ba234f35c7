import { InvalidArgumentError } from '../errors.ts';
import { realClock, type Clock } from './clock.ts';
import { boundedWait, type WaitOptions } from './wait.ts';

/**
 * Something `select` can wait on: datagram endpoints, message streams and listeners all are. "Readable"
 * means the next receive (or accept) completes at once: with a message, end-of-stream or an error.
 */
export interface Selectable {
  readonly readable: boolean;
  /** Calls `listener` whenever the object may have become readable; returns the function that stops it. */
  onReadable(listener: () => void): () => void;
}

/**
 * Waits until at least one of `endpoints` is readable and resolves with every one that is, in the order
 * given: the `select()` of the chapter, over endpoints of any kind. Rejects with ERR_TIMEOUT or
 * ERR_ABORTED per `opts`.
 */
export function select<T extends Selectable>(endpoints: readonly T[], opts?: WaitOptions & { clock?: Clock }): Promise<T[]> {
  if (endpoints.length === 0) return Promise.reject(new InvalidArgumentError('select needs at least one endpoint'));
  const ready = () => endpoints.filter((e) => e.readable);
  const now = ready();
  if (now.length > 0) return Promise.resolve(now);
  return boundedWait<T[]>(
    (settler) => {
      const check = () => {
        const r = ready();
        if (r.length > 0) settler.resolve(r);
      };
      const stops = endpoints.map((e) => e.onReadable(check));
      return () => stops.forEach((stop) => stop());
    },
    opts,
    opts?.clock ?? realClock,
    `select on ${endpoints.length} endpoint(s)`,
  );
}
