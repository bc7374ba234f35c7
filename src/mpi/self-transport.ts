import type { Transport, TransportSink } from './transport.ts';
import type { Header } from './wire.ts';
import { InvalidArgumentError } from '../errors.ts';

/** The transport of a job of one rank (MPI's singleton init): the engine delivers to itself, so nothing travels. */
export class SelfTransport implements Transport {
  readonly rank = 0;
  readonly size = 1;
  readonly copiesUpTo = 0;

  send(dest: number, _header: Header, _body: Uint8Array | null): Promise<void> {
    return Promise.reject(new InvalidArgumentError(`a job of one rank has no rank ${dest}`, { dest }));
  }

  start(_sink: TransportSink): void {
    // Nothing can arrive: there are no other ranks.
  }

  // (no peers can leave or fail)
  async abort(code: number): Promise<never> {
    process.exit(code);
  }

  exit(code: number): never {
    process.exit(code);
  }

  async close(): Promise<void> {
    // Nothing to close.
  }
}
