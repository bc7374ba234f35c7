import { InvalidArgumentError } from '../errors.ts';
import type { InetAddress } from './address.ts';
import type { Clock } from './clock.ts';
import type { Datagram, DatagramStats } from './datagram.ts';
import { MessageQueue } from './queue.ts';
import { Reorderer } from './reorder.ts';
import { readSequenceHeader, SEQUENCE_HEADER_BYTES, SequenceStamper, SequenceTracker, type SenderStats } from './sequencing.ts';

export interface SequencingOptions {
  /** Sequence numbers remembered per sender to classify arrivals. Default 1024. */
  readonly window?: number;
  /** Deliver each sender's datagrams in order, waiting up to `gapTimeout` ms for a gap to fill. Default false. */
  readonly ordered?: boolean;
  /** How long an ordered endpoint waits for a missing datagram before giving it up, ms. Default 50. */
  readonly gapTimeout?: number;
  /** Deliver duplicates too (flagged by their repeated `seq`) instead of discarding them. Default false. */
  readonly keepDuplicates?: boolean;
  /** Take a sender's first sequence number seen as its start (for late joiners of a group). Default false. */
  readonly startAtFirstSeen?: boolean;
  /** Senders tracked at once; the one heard from longest ago is forgotten first. Default 4096. */
  readonly maxSenders?: number;
}

/** The receiving options every datagram endpoint has, real or simulated. */
export interface InboxOptions {
  /** Receive buffer size in bytes: a larger payload arrives cut to it and flagged. Default 8192. */
  readonly receiveBufferSize?: number;
  /** What to do with a payload larger than the receive buffer: cut it ('truncate') or discard it ('reject'). */
  readonly oversize?: 'truncate' | 'reject';
  /** Datagrams held for the application; further ones are dropped and counted. Default 1024. */
  readonly maxQueued?: number;
  /** Add a sequencing header to each datagram and track arrivals per sender. Default off. */
  readonly sequencing?: boolean | SequencingOptions;
}

/** Defaults for datagram endpoints, cited by the docs and tests. */
export const UDP_DEFAULTS = Object.freeze({
  receiveBufferSize: 8192,
  oversize: 'truncate' as 'truncate' | 'reject',
  maxQueued: 1024,
  window: 1024,
  gapTimeout: 50,
  maxSenders: 4096,
});

type MutableStats = { -readonly [K in keyof DatagramStats]: DatagramStats[K] };

interface SenderState {
  tracker: SequenceTracker;
  reorderer?: Reorderer<Datagram>;
}

/**
 * What every datagram endpoint does with what arrives, whether a kernel or a simulated network delivered
 * it: the fixed receive buffer (cut and flag, or reject), the bounded queue whose overflow is dropped and
 * counted, and optional sequencing per sender (`K` identifies a sender: a `host:port` string for real
 * sockets, a number in the simulator). The endpoint keeps the sending half and its own counters of it.
 */
export class DatagramInbox<K> {
  readonly queue: MessageQueue<Datagram>;
  readonly counters: MutableStats = {
    sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, truncated: 0, rejected: 0, dropped: 0, discardedBySequencing: 0, malformed: 0,
  };
  /** Resolved sequencing options, or undefined when the endpoint does not sequence. */
  readonly sequencing: Required<SequencingOptions> | undefined;
  /** The sending half of sequencing: the next number per destination. */
  readonly stamper: SequenceStamper | undefined;
  private readonly receiveBufferSize: number;
  private readonly rejectOversize: boolean;
  private readonly senders = new Map<K, SenderState>();

  constructor(
    options: InboxOptions,
    private readonly clock: Clock,
    /** Random numbers in [0, 1) for sequencing epochs. */
    random: () => number,
    /** How a sender is named in `senderStats()`. */
    private readonly labelOf: (sender: K) => string,
  ) {
    this.receiveBufferSize = positive(options.receiveBufferSize ?? UDP_DEFAULTS.receiveBufferSize, 'receiveBufferSize');
    this.rejectOversize = (options.oversize ?? UDP_DEFAULTS.oversize) === 'reject';
    this.queue = new MessageQueue<Datagram>(positive(options.maxQueued ?? UDP_DEFAULTS.maxQueued, 'maxQueued'), clock);
    if (options.sequencing) {
      const s = options.sequencing === true ? {} : options.sequencing;
      this.sequencing = {
        window: positive(s.window ?? UDP_DEFAULTS.window, 'window'),
        ordered: s.ordered ?? false,
        gapTimeout: s.gapTimeout ?? UDP_DEFAULTS.gapTimeout,
        keepDuplicates: s.keepDuplicates ?? false,
        startAtFirstSeen: s.startAtFirstSeen ?? false,
        maxSenders: positive(s.maxSenders ?? UDP_DEFAULTS.maxSenders, 'maxSenders'),
      };
      this.stamper = new SequenceStamper(this.sequencing.maxSenders, random);
    }
  }

  /** A datagram without sequencing arrived from `from`. */
  arrive(data: Uint8Array, from: InetAddress): void {
    const c = this.counters;
    c.received++;
    c.bytesReceived += data.length;
    this.accept(data, from, undefined);
  }

  /** A datagram arrived from `from` at a sequencing endpoint; `sender` identifies who sent it. */
  arriveSequenced(data: Uint8Array, from: InetAddress, sender: K): void {
    const c = this.counters;
    c.received++;
    c.bytesReceived += data.length;
    const seq = this.sequencing!;
    const header = readSequenceHeader(data);
    if (!header) {
      c.malformed++;
      return;
    }
    const state = this.senderState(sender, header);
    const restartsBefore = state.tracker.restarts;
    const arrival = state.tracker.observe(header);
    // The tracker notices a new epoch by itself; the reorderer must be told to start over.
    if (state.reorderer && state.tracker.restarts !== restartsBefore) state.reorderer.reset(seq.startAtFirstSeen ? header.seq : 1);
    if (arrival === 'duplicate' && !seq.keepDuplicates) {
      c.discardedBySequencing++;
      return;
    }
    const payload = data.subarray(SEQUENCE_HEADER_BYTES);
    if (!state.reorderer) {
      this.accept(payload, from, header.seq);
      return;
    }
    const datagram = this.datagram(payload, from, header.seq);
    if (datagram && !state.reorderer.offer(header.seq, datagram)) c.discardedBySequencing++;
  }

  senderStats(): SenderStats[] {
    return [...this.senders.values()].map((s) => s.tracker.snapshot());
  }

  /** No more datagrams: waiting readers see the end, and ordered delivery stops its timers. */
  close(): void {
    for (const s of this.senders.values()) s.reorderer?.dispose();
    this.queue.end();
  }

  private senderState(sender: K, header: { epoch: number; seq: number }): SenderState {
    const seq = this.sequencing!;
    let state = this.senders.get(sender);
    if (!state) {
      if (this.senders.size >= seq.maxSenders) {
        const [oldestKey, oldest] = this.senders.entries().next().value as [K, SenderState];
        oldest.reorderer?.dispose();
        this.senders.delete(oldestKey);
      }
      state = { tracker: new SequenceTracker(this.labelOf(sender), seq.window, header, seq.startAtFirstSeen) };
      if (seq.ordered) {
        const first = seq.startAtFirstSeen ? header.seq : 1;
        state.reorderer = new Reorderer<Datagram>(first, seq.window, seq.gapTimeout, this.clock, (d) => this.enqueue(d));
      }
    } else {
      this.senders.delete(sender); // re-inserted below: the map stays in least-recently-heard order
    }
    this.senders.set(sender, state);
    return state;
  }

  private accept(payload: Uint8Array, from: InetAddress, seq: number | undefined): void {
    const datagram = this.datagram(payload, from, seq);
    if (datagram) this.enqueue(datagram);
  }

  // Applies the fixed receive buffer: cut (and flag) or reject a payload larger than it.
  private datagram(payload: Uint8Array, from: InetAddress, seq: number | undefined): Datagram | undefined {
    const size = payload.length;
    const truncated = size > this.receiveBufferSize;
    if (truncated) {
      if (this.rejectOversize) {
        this.counters.rejected++;
        return undefined;
      }
      this.counters.truncated++;
      payload = payload.subarray(0, this.receiveBufferSize);
    }
    return seq === undefined ? { data: payload, from, truncated, size } : { data: payload, from, truncated, size, seq };
  }

  private enqueue(datagram: Datagram): void {
    if (!this.queue.push(datagram)) this.counters.dropped++;
  }
}

/** Checks an option that must be a positive integer; ERR_INVALID_ARGUMENT naming it otherwise. */
export function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`, { [name]: value });
  return value;
}
