import { ClosedError, InvalidArgumentError, MessageTooLargeError } from '../../errors.ts';
import { formatAddress, type AddressLike, type InetAddress } from '../address.ts';
import type { Datagram, DatagramEndpoint, DatagramStats } from '../datagram.ts';
import { iterateQueue, MessageQueue } from '../queue.ts';
import { Reorderer } from '../reorder.ts';
import { readSequenceHeader, SEQUENCE_HEADER_BYTES, SequenceStamper, SequenceTracker, writeSequenceHeader, type SenderStats } from '../sequencing.ts';
import { MAX_UDP_PAYLOAD, UDP_DEFAULTS, type SequencingOptions, type UdpOptions } from '../udp.ts';
import type { WaitOptions } from '../wait.ts';
import type { SimNetwork, SimReceiver } from './network.ts';

/** Options of a simulated datagram endpoint: those of a real UDP endpoint that mean something without a kernel. */
export type SimDatagramOptions = Pick<UdpOptions, 'receiveBufferSize' | 'oversize' | 'maxQueued' | 'sequencing'>;

type MutableStats = { -readonly [K in keyof DatagramStats]: DatagramStats[K] };

interface SenderState {
  tracker: SequenceTracker;
  reorderer?: Reorderer<Datagram>;
}

const RESOLVED = Promise.resolve();

/**
 * A datagram endpoint on a simulated network, behind the same `DatagramEndpoint` interface as real UDP:
 * bound at creation, a fixed receive buffer (truncate or reject), a bounded queue whose overflow is
 * dropped and counted, optional sequencing with the same header and trackers as real UDP, and waits on
 * the network's virtual clock. Create it with `network.bind(address)`.
 */
export class SimDatagramEndpoint implements DatagramEndpoint, SimReceiver {
  readonly address: InetAddress;
  /** The network's number for this endpoint (for its counters). */
  readonly id: number;
  private readonly text: string;
  private readonly queue: MessageQueue<Datagram>;
  private readonly counters: MutableStats = {
    sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, truncated: 0, rejected: 0, dropped: 0, discardedBySequencing: 0, malformed: 0,
  };
  private readonly receiveBufferSize: number;
  private readonly rejectOversize: boolean;
  private readonly sequencing: Required<SequencingOptions> | undefined;
  private readonly stamper: SequenceStamper | undefined;
  private readonly senders = new Map<number, SenderState>();
  private closed = false;

  /** Use `network.bind(address, options)`. */
  constructor(
    private readonly network: SimNetwork,
    wanted: InetAddress,
    options: SimDatagramOptions = {},
  ) {
    this.receiveBufferSize = positive(options.receiveBufferSize ?? UDP_DEFAULTS.receiveBufferSize, 'receiveBufferSize');
    this.rejectOversize = (options.oversize ?? UDP_DEFAULTS.oversize) === 'reject';
    this.queue = new MessageQueue<Datagram>(positive(options.maxQueued ?? UDP_DEFAULTS.maxQueued, 'maxQueued'), network.clock);
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
      const random = network.random;
      this.stamper = new SequenceStamper(this.sequencing.maxSenders, () => random.next());
    }
    const { id, address } = network.register(wanted, this);
    this.id = id;
    this.address = address;
    this.text = formatAddress(address);
  }

  get readable(): boolean {
    return this.queue.readable;
  }

  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  /** Sends into the simulated network (resolves at once; the network decides the datagram's fate). ERR_MESSAGE_TOO_LARGE past 65,507 bytes. */
  send(data: Uint8Array, to: AddressLike): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError(`${this.text} is closed`));
    const size = data.length + (this.stamper ? SEQUENCE_HEADER_BYTES : 0);
    if (size > MAX_UDP_PAYLOAD) {
      return Promise.reject(new MessageTooLargeError(`datagram of ${size} bytes exceeds the UDP limit of ${MAX_UDP_PAYLOAD}`, { size, limit: MAX_UDP_PAYLOAD }));
    }
    let dst: number;
    try {
      dst = this.network.resolve(to, 'udp');
    } catch (err) {
      return Promise.reject(err);
    }
    const dstText = dst >= 0 ? this.network.textOf(dst) : typeof to === 'string' ? to : formatAddress(to);
    // The network owns what it carries, as a kernel does: the caller may reuse `data` at once.
    let payload: Uint8Array;
    if (this.stamper) {
      payload = new Uint8Array(size);
      writeSequenceHeader(payload, this.stamper.epoch, this.stamper.stamp(dstText));
      payload.set(data, SEQUENCE_HEADER_BYTES);
    } else {
      payload = data.slice();
    }
    this.counters.sent++;
    this.counters.bytesSent += size;
    this.network.transmit(this.id, dst, payload, dstText);
    return RESOLVED;
  }

  async receive(opts?: WaitOptions): Promise<Datagram> {
    const datagram = await this.queue.take(opts, `receive on ${this.text}`);
    if (datagram === null) throw new ClosedError(`${this.text} is closed`);
    return datagram;
  }

  tryReceive(): Datagram | undefined {
    return this.queue.tryTake();
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return iterateQueue(() => this.queue.take(undefined, 'iterate'));
  }

  stats(): DatagramStats {
    return { ...this.counters };
  }

  senderStats(): SenderStats[] {
    return [...this.senders.values()].map((s) => s.tracker.snapshot());
  }

  /** Unbinds: datagrams still on their way here are lost as unreachable; pending receives reject with ERR_CLOSED. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const s of this.senders.values()) s.reorderer?.dispose();
      this.network.unregister(this.id);
      this.queue.end();
    }
    return RESOLVED;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Called by the network when a datagram arrives (the same steps as a real UDP endpoint's receive path). */
  arrive(data: Uint8Array, fromId: number, from: InetAddress): void {
    const c = this.counters;
    c.received++;
    c.bytesReceived += data.length;
    const seq = this.sequencing;
    if (!seq) {
      this.accept(data, from, undefined);
      return;
    }
    const header = readSequenceHeader(data);
    if (!header) {
      c.malformed++;
      return;
    }
    const sender = this.senderState(fromId, header);
    const restartsBefore = sender.tracker.restarts;
    const arrival = sender.tracker.observe(header);
    if (sender.reorderer && sender.tracker.restarts !== restartsBefore) sender.reorderer.reset(seq.startAtFirstSeen ? header.seq : 1);
    if (arrival === 'duplicate' && !seq.keepDuplicates) {
      c.discardedBySequencing++;
      return;
    }
    const payload = data.subarray(SEQUENCE_HEADER_BYTES);
    if (!sender.reorderer) {
      this.accept(payload, from, header.seq);
      return;
    }
    const datagram = this.datagram(payload, from, header.seq);
    if (datagram && !sender.reorderer.offer(header.seq, datagram)) c.discardedBySequencing++;
  }

  private senderState(fromId: number, header: { epoch: number; seq: number }): SenderState {
    const seq = this.sequencing!;
    let state = this.senders.get(fromId);
    if (!state) {
      if (this.senders.size >= seq.maxSenders) {
        const [oldestId, oldest] = this.senders.entries().next().value as [number, SenderState];
        oldest.reorderer?.dispose();
        this.senders.delete(oldestId);
      }
      const fromText = this.network.textOf(fromId);
      state = { tracker: new SequenceTracker(fromText.slice(fromText.indexOf('//') + 2), seq.window, header, seq.startAtFirstSeen) };
      if (seq.ordered) {
        const first = seq.startAtFirstSeen ? header.seq : 1;
        state.reorderer = new Reorderer<Datagram>(first, seq.window, seq.gapTimeout, this.network.clock, (d) => this.enqueue(d));
      }
    } else {
      this.senders.delete(fromId); // re-inserted below: the map stays in least-recently-heard order
    }
    this.senders.set(fromId, state);
    return state;
  }

  private accept(payload: Uint8Array, from: InetAddress, seq: number | undefined): void {
    const datagram = this.datagram(payload, from, seq);
    if (datagram) this.enqueue(datagram);
  }

  // The fixed receive buffer: cut (and flag) or reject a payload larger than it.
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

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`, { [name]: value });
  return value;
}
