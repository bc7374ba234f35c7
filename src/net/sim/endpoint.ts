import { ClosedError, MessageTooLargeError } from '../../errors.ts';
import { formatAddress, type AddressLike, type InetAddress } from '../address.ts';
import type { Datagram, DatagramEndpoint, DatagramStats } from '../datagram.ts';
import { DatagramInbox, type InboxOptions } from '../inbox.ts';
import { iterateQueue, type MessageQueue } from '../queue.ts';
import { SEQUENCE_HEADER_BYTES, writeSequenceHeader, type SenderStats } from '../sequencing.ts';
import { MAX_UDP_PAYLOAD } from '../udp.ts';
import type { WaitOptions } from '../wait.ts';
import { NatFilter, type NatFilterOptions } from './nat-filter.ts';
import type { SimNetwork, SimReceiver } from './network.ts';

/** Options of a simulated datagram endpoint: those of a real UDP endpoint that mean something without a kernel, and a NAT-like filter. */
export interface SimDatagramOptions extends InboxOptions {
  /** Put the endpoint behind a NAT-like filter that drops unsolicited datagrams (see NatFilter). Default: none. */
  readonly filter?: NatFilterOptions;
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
  private readonly inbox: DatagramInbox<number>;
  private readonly queue: MessageQueue<Datagram>;
  private closed = false;
  private natFilter: NatFilter | undefined;
  private filteredCount = 0;

  /** Use `network.bind(address, options)`. */
  constructor(
    private readonly network: SimNetwork,
    wanted: InetAddress,
    options: SimDatagramOptions = {},
  ) {
    const random = network.random;
    this.inbox = new DatagramInbox<number>(options, network.clock, () => random.next(), (id) => {
      const text = network.textOf(id);
      return text.slice(text.indexOf('//') + 2);
    });
    this.queue = this.inbox.queue;
    const { id, address } = network.register(wanted, this);
    this.id = id;
    this.address = address;
    this.text = formatAddress(address);
    if (options.filter) this.natFilter = new NatFilter(options.filter);
  }

  /** Puts the endpoint behind a NAT-like filter (forgetting any earlier one's state), or removes it with undefined. */
  setFilter(options: NatFilterOptions | undefined): void {
    this.natFilter = options ? new NatFilter(options) : undefined;
  }

  /** Whether the endpoint is behind a filter now. */
  get filtered(): boolean {
    return this.natFilter !== undefined;
  }

  /** Datagrams its filter dropped (the network counts them as lost, unreachable). */
  get filteredDatagrams(): number {
    return this.filteredCount;
  }

  /** Called by the network before delivering: false when the filter drops a datagram from endpoint `fromId`. */
  admits(fromId: number): boolean {
    const f = this.natFilter;
    if (f === undefined || f.admits(fromId, this.network.clock.now())) return true;
    this.filteredCount++;
    return false;
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
    const stamper = this.inbox.stamper;
    const size = data.length + (stamper ? SEQUENCE_HEADER_BYTES : 0);
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
    if (stamper) {
      payload = new Uint8Array(size);
      writeSequenceHeader(payload, stamper.epoch, stamper.stamp(dstText));
      payload.set(data, SEQUENCE_HEADER_BYTES);
    } else {
      payload = data.slice();
    }
    this.inbox.counters.sent++;
    this.inbox.counters.bytesSent += size;
    if (this.natFilter !== undefined && dst >= 0) this.natFilter.noteSent(dst, this.network.clock.now());
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
    return { ...this.inbox.counters };
  }

  senderStats(): SenderStats[] {
    return this.inbox.senderStats();
  }

  /** Unbinds: datagrams still on their way here are lost as unreachable; pending receives reject with ERR_CLOSED. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.network.unregister(this.id);
      this.inbox.close();
    }
    return RESOLVED;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Called by the network when a datagram arrives (the same steps as a real UDP endpoint's receive path). */
  arrive(data: Uint8Array, fromId: number, from: InetAddress): void {
    if (this.inbox.sequencing) this.inbox.arriveSequenced(data, from, fromId);
    else this.inbox.arrive(data, from);
  }
}
