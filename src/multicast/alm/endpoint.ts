// `AlmEndpoint`: application-level multicast with the shape of `MulticastEndpoint`: join and leave groups,
// send to a group, receive with a bounded queue; packets carry the source's sequence number and what did
// not arrive is reported per source as IP multicast's sequencing reports it (`senderStats()`). Duplicates
// (two trees carry a packet while the switch is under way) are never delivered.
import { randomInt } from 'node:crypto';
import { ClosedError, InvalidArgumentError, MessageTooLargeError } from '../../errors.ts';
import { realClock } from '../../net/clock.ts';
import { MessageQueue } from '../../net/queue.ts';
import { Prng } from '../../net/prng.ts';
import { SequenceTracker, type SenderStats } from '../../net/sequencing.ts';
import type { WaitOptions } from '../../net/wait.ts';
import type { OverlayNode } from '../../overlay/node.ts';
import type { AlmEvent, AlmEventListener } from './events.ts';
import type { DataPacket } from './messages.ts';
import type { AlmOptions } from './options.ts';
import { AlmRouter, type AlmRouterStats, type GroupSnapshot } from './router.ts';
import { checkGroupName } from './rp.ts';

/** One packet received from a group. */
export interface AlmDatagram {
  readonly data: Uint8Array;
  readonly group: string;
  /** The source's overlay address (`udp://host:port`). */
  readonly from: string;
  /** The source's sequence number (first is 1). */
  readonly seq: number;
  readonly size: number;
}

/** Per-source reception figures for one group: lost, missing, duplicates (suppressed), reordered. */
export interface AlmSenderStats extends SenderStats {
  readonly group: string;
}

/** Counters of an endpoint: its router's, plus what reached the application. */
export interface AlmStats extends AlmRouterStats {
  /** Packets handed to the application. */
  received: number;
  /** Packets sent as a source. */
  sent: number;
  /** Arrived again (both trees during a switch, or a retried route): suppressed, never delivered twice. */
  duplicatesSuppressed: number;
  /** Arrived too late to be told from a duplicate: not delivered. */
  late: number;
  /** Dropped because the receive queue was full. */
  dropped: number;
}

/**
 * Application-level multicast on an overlay node. Create with `new AlmEndpoint(node, options)` after the node
 * joined its overlay; `close()` detaches it (the node stays open: close it yourself).
 */
export class AlmEndpoint implements AsyncDisposable {
  /** This node's overlay address: the source others see. */
  readonly address: string;
  readonly router: AlmRouter;
  private readonly queue: MessageQueue<AlmDatagram>;
  private readonly trackers = new Map<string, { group: string; tracker: SequenceTracker }>();
  private readonly joined = new Set<string>();
  private readonly seqs = new Map<string, number>();
  private readonly epoch: number;
  private readonly window: number;
  private readonly counts = { received: 0, sent: 0, duplicatesSuppressed: 0, late: 0, dropped: 0 };
  private closed = false;

  /** Attaches to `node` (see AlmOptions). ERR_INVALID_ARGUMENT for a bad option. */
  constructor(
    readonly node: OverlayNode,
    options: AlmOptions = {},
  ) {
    const random = options.random ?? new Prng(randomInt(0x7fffffff));
    this.router = new AlmRouter(node, { ...options, random: random.fork() });
    this.address = node.address;
    // A random epoch per endpoint: a restarted source starts a new numbering, not a flood of duplicates.
    this.epoch = random.nextU32();
    this.window = this.router.limits.sequenceWindow;
    this.queue = new MessageQueue<AlmDatagram>(this.router.limits.maxQueued, options.clock ?? realClock);
    this.router.onLocal = (p) => this.onPacket(p);
  }

  /** Joins `group` (a name or an IP-style group address): a join is sent toward its RP. ERR_INVALID_ARGUMENT for a bad name or past maxGroups; ERR_CLOSED once closed. */
  async join(group: string): Promise<void> {
    this.check();
    this.router.joinLocal(group);
    this.joined.add(group);
  }

  /** Leaves `group`: the branch is pruned; what was queued is still delivered. ERR_INVALID_ARGUMENT when not a member. */
  async leave(group: string): Promise<void> {
    this.check();
    if (!this.joined.delete(group)) throw new InvalidArgumentError(`not a member of ${group}`, { group });
    this.router.leaveLocal(group);
  }

  /** The groups joined now, in the order joined. */
  groups(): string[] {
    return [...this.joined];
  }

  /**
   * Sends `data` to `group` as one packet with the next sequence number: to the RP while registering and down
   * the source's tree. Resolves once handed to the overlay. ERR_MESSAGE_TOO_LARGE when the packet cannot fit
   * the overlay's datagram; ERR_INVALID_ARGUMENT for a bad group name.
   */
  async send(data: Uint8Array, group: string): Promise<void> {
    this.check();
    checkGroupName(group, this.router.limits.maxGroupNameBytes);
    // Room for the Register's headers inside an overlay datagram (route header, path, group and source).
    const room = this.node.limits.maxMessageBytes - 160 - 2 * Buffer.byteLength(group) - 2 * this.address.length;
    if (data.length > room) {
      throw new MessageTooLargeError(`packet of ${data.length} bytes exceeds what one overlay datagram carries to ${group} (${room})`, { size: data.length, limit: room });
    }
    const seq = (this.seqs.get(group) ?? 0) + 1;
    this.seqs.set(group, seq);
    this.router.sendLocal(group, data, this.epoch, seq);
    this.counts.sent++;
  }

  /** Blocking receive from any joined group. ERR_TIMEOUT, ERR_ABORTED per `opts`; ERR_CLOSED once closed. */
  async receive(opts?: WaitOptions): Promise<AlmDatagram> {
    const d = await this.queue.take(opts, `receive on ALM endpoint ${this.address}`);
    if (d === null) throw new ClosedError(`ALM endpoint ${this.address} is closed`);
    return d;
  }

  /** Non-blocking receive: the next queued packet, or undefined. */
  tryReceive(): AlmDatagram | undefined {
    return this.queue.tryTake();
  }

  /** Calls `listener` when a packet (or end-of-stream) becomes ready; returns the function that stops it. */
  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  /** Iterates received packets until the endpoint is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<AlmDatagram> {
    for (;;) {
      const d = await this.queue.take(undefined, 'iterate');
      if (d === null) return;
      yield d;
    }
  }

  /** Listens to every state change of this node's router; returns the function that stops it. */
  on(listener: AlmEventListener): () => void {
    return this.router.events.on(listener);
  }

  /** The latest events of this node (bounded). */
  recentEvents(): AlmEvent[] {
    return this.router.events.recent();
  }

  /** This node's multicast state (for trees). */
  snapshot(group?: string): GroupSnapshot[] {
    return this.router.snapshot(group);
  }

  stats(): AlmStats {
    return { ...this.router.stats(), ...this.counts };
  }

  /** Per group and source: received, lost, missing, duplicates, reordered, as IP multicast's sequencing reports. */
  senderStats(): AlmSenderStats[] {
    return [...this.trackers.values()].map((t) => ({ ...t.tracker.snapshot(), group: t.group }));
  }

  /** Leaves every group and detaches from the node; pending receives reject with ERR_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const g of this.joined) this.router.leaveLocal(g);
    this.joined.clear();
    this.closed = true;
    this.router.close();
    this.queue.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private check(): void {
    if (this.closed) throw new ClosedError(`ALM endpoint ${this.address} is closed`);
  }

  // Each source's numbers are tracked per group: a duplicate or a packet too late to place is not delivered.
  private onPacket(p: DataPacket): void {
    if (this.closed || !this.joined.has(p.group)) return;
    const key = `${p.group}\n${p.source.address}`;
    const header = { epoch: p.epoch, seq: p.seq };
    let t = this.trackers.get(key);
    if (!t) {
      if (this.trackers.size >= this.router.limits.maxSourcesPerGroup * Math.max(1, this.joined.size)) this.trackers.delete(this.trackers.keys().next().value!);
      t = { group: p.group, tracker: new SequenceTracker(p.source.address, this.window, header, true) };
      this.trackers.set(key, t);
    }
    const arrival = t.tracker.observe(header);
    if (arrival === 'duplicate') {
      this.counts.duplicatesSuppressed++;
      return;
    }
    if (arrival === 'late') {
      this.counts.late++;
      return;
    }
    if (!this.queue.push({ data: p.payload, group: p.group, from: p.source.address, seq: p.seq, size: p.payload.length })) this.counts.dropped++;
    else this.counts.received++;
  }
}
