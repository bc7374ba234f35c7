import { InvalidArgumentError } from '../../errors.ts';

/** What happened to a datagram (or a stream's message) in a simulated network. */
export type TraceKind = 'send' | 'deliver' | 'duplicate' | 'lose' | 'partition' | 'overflow' | 'unreachable' | 'corrupt' | 'reorder' | 'stream';

/** One event of a simulated run. */
export interface TraceEvent {
  /** Virtual time, ms. */
  readonly at: number;
  readonly kind: TraceKind;
  /** Sender and receiver, as `udp://host:port` (or `tcp://…` for streams). */
  readonly from: string;
  readonly to: string;
  /** Position of the datagram on its flow (1 = the first the sender sent to that receiver). */
  readonly index: number;
  readonly bytes: number;
}

/**
 * Called for every event when set on a network. Arguments rather than an object, so that tracing costs
 * no allocation unless the listener makes one.
 */
export type TraceListener = (at: number, kind: TraceKind, from: string, to: string, index: number, bytes: number) => void;

/**
 * Records a run's trace: the first `maxEvents` events in full, and a digest (a 32-bit FNV-1a hash) and count
 * of all of them, so two long runs can be compared exactly without keeping every event.
 */
export class TraceRecorder {
  /** The first `maxEvents` events. */
  readonly events: TraceEvent[] = [];
  private hash = 0x811c9dc5;
  private total = 0;

  constructor(readonly maxEvents = 10_000) {
    if (!(Number.isInteger(maxEvents) && maxEvents >= 0)) throw new InvalidArgumentError(`maxEvents must be an integer >= 0, got ${maxEvents}`, { maxEvents });
  }

  /** The listener to set as `network.trace`. */
  readonly listener: TraceListener = (at, kind, from, to, index, bytes) => {
    this.total++;
    if (this.events.length < this.maxEvents) this.events.push({ at, kind, from, to, index, bytes });
    this.mix(`${at}|${kind}|${from}|${to}|${index}|${bytes};`);
  };

  /** Events seen, including those past `maxEvents`. */
  get count(): number {
    return this.total;
  }

  /** A hash of every event in order, as 8 hex digits: equal for equal traces. */
  get digest(): string {
    return (this.hash >>> 0).toString(16).padStart(8, '0');
  }

  private mix(text: string): void {
    let h = this.hash;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    this.hash = h;
  }
}
