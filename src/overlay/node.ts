// An overlay node on any DatagramEndpoint: a Kademlia routing table whose entries are logical links,
// request/reply with random transaction ids, key-based routing (`route`), direct sends, and the DHT
// (`put`/`get`) with replication, republishing and expiry. Time comes from a Clock and randomness from a
// seeded Prng, so the same node runs on real UDP and on a simulated network of thousands of nodes.
import { randomInt } from 'node:crypto';
import { MessageTooLargeError, TimeoutError } from '../errors.ts';
import { formatAddress, type InetAddress } from '../net/address.ts';
import { realClock, type Clock } from '../net/clock.ts';
import type { Datagram, DatagramEndpoint } from '../net/datagram.ts';
import { Prng } from '../net/prng.ts';
import { MAX_UDP_PAYLOAD } from '../net/udp.ts';
import { compareDistance } from './distance.ts';
import { checkId, idFromKey, randomId, sameId, type NodeId } from './id.ts';
import type { Contact, LinkStats } from './link.ts';
import { runLookup, type LookupResult } from './lookup.ts';
import { FLAG_READ_ONLY, MAX_CONTACTS_PER_REPLY, REPLY_OF, WIRE_VERSION, wireCodec, type WireBody, type WireCodec, type WireMessage, type WireRoute } from './messages.ts';
import { resolveLimits } from './limits.ts';
import { bucketsBeyondNearest, everyFromRandomPhase, randomIdInBucket, refreshBuckets } from './maintenance.ts';
import { OVERLAY_DEFAULTS, type OverlayLimits, type OverlayOptions } from './options.ts';
import { SourceRateLimiter } from './rate-limit.ts';
import { encodeRelayRecord, newestRelayRecord, relayKey } from './relay-record.ts';
import { PendingRequests } from './requests.ts';
import { RoutingTable } from './routing-table.ts';
import { ValueStore } from './store.ts';

/** Times a joining node pings each bootstrap address before giving up on it. */
const JOIN_PING_TRIES = 3;

/** A routed message as the application sees it at a hop. */
export interface RouteContext {
  /** The key the message is routed towards. */
  readonly key: NodeId;
  /** The payload as it arrived at this hop. */
  readonly payload: Uint8Array;
  /** Hops taken so far (0 at the origin). */
  readonly hops: number;
  /** The address of the node that sent it on (`udp://…`). */
  readonly origin: string;
  /** Addresses of the nodes it passed, origin first, when the sender asked for the path. */
  readonly path: readonly string[];
}

/** What the application plugs into key-based routing. */
export interface OverlayApp {
  /**
   * Called at every node that is about to pass a routed message on, with the next hop chosen. Return a new
   * payload to change the message, `null` to stop it here, or undefined to pass it on unchanged.
   */
  forward?(ctx: RouteContext, next: { readonly id: NodeId; readonly address: string }): Uint8Array | null | undefined;
  /** Called at the node responsible for the key (no contact is closer to it). */
  deliver?(ctx: RouteContext): void;
  /** Called for a direct send over a logical link. */
  receive?(payload: Uint8Array, from: { readonly id: NodeId; readonly address: string }): void;
}

/** Counters of an overlay node since it started. */
export interface OverlayStats {
  datagramsReceived: number;
  datagramsSent: number;
  /** Dropped: not decodable, wrong version, wrong id sizes. */
  malformed: number;
  /** Dropped: larger than maxMessageBytes or truncated by the endpoint. */
  oversize: number;
  /** Dropped: a reply with no matching request, from another address than asked, or of the wrong kind. */
  unexpectedReplies: number;
  /** Dropped: past the per-source request rate. */
  rateLimited: number;
  /** Requests answered. */
  requestsServed: number;
  /** Requests of ours that timed out. */
  timeouts: number;
  /** Routed messages passed on, delivered here, and given up (no next hop answered, or too many hops). */
  routed: number;
  delivered: number;
  routeFailures: number;
  /** Stores refused because a bound was reached. */
  storesRefused: number;
  /** Contacts removed after failing. */
  evictions: number;
  /** Full-bucket contacts that gave way to a clearly nearer peer (proximity neighbour selection). */
  proximityReplacements: number;
  /** Messages of ours not sent because they would exceed maxMessageBytes. */
  unsendable: number;
  /** Application hooks (forward, deliver, receive) that threw; the latest error is `lastAppError`. */
  appErrors: number;
  /** Datagrams this node passed on as a relay. */
  relayed: number;
  /** Dropped: a datagram to relay for a node that is not our client, or a relayed one not from our relay. */
  relayRefused: number;
}

/** What a pending request keeps beside the common fields: the reply kind it expects and its callback. */
interface RequestExtra {
  readonly expect: string;
  readonly done: (reply: WireBody | undefined) => void;
}

interface Published {
  readonly key: NodeId;
  readonly value: Uint8Array;
}

/**
 * One node of the overlay. Create it on a bound endpoint, `join` one or more known nodes, then `route`,
 * `send`, `put` and `get`. `close()` stops its timers, fails pending requests and closes the endpoint.
 */
export class OverlayNode {
  /** This node's 160-bit id. */
  readonly id: NodeId;
  /** This node's address as text (`udp://host:port`). */
  readonly address: string;
  /** The routing table: k-buckets of logical links. */
  readonly table: RoutingTable;
  /** The values this node holds for the DHT. */
  readonly store: ValueStore;
  /** The resolved limits and intervals. */
  readonly limits: Readonly<OverlayLimits>;
  /** Application hooks for key-based routing and direct sends. */
  app: OverlayApp = {};
  /** The latest error an application hook threw (see `stats().appErrors`). */
  lastAppError: unknown;
  private readonly proximity: boolean;
  private readonly clock: Clock;
  private readonly random: Prng;
  private readonly wire: WireCodec;
  private readonly limiter: SourceRateLimiter;
  private readonly pending: PendingRequests<RequestExtra>;
  private readonly evicting = new Set<number>();
  private readonly published = new Map<string, Published>();
  private readonly counters: OverlayStats = {
    datagramsReceived: 0, datagramsSent: 0, malformed: 0, oversize: 0, unexpectedReplies: 0, rateLimited: 0, requestsServed: 0,
    timeouts: 0, routed: 0, delivered: 0, routeFailures: 0, storesRefused: 0, evictions: 0, proximityReplacements: 0, unsendable: 0, appErrors: 0, relayed: 0, relayRefused: 0,
  };
  // Relays. As a filtered node: whether it is filtered, its relay, its record's sequence number and when it
  // was last stored. As a relay: its clients (address → last heard from, ms). Both: addresses reachable
  // only through a relay (address → relay address).
  private filteredNow: boolean;
  private readonly startedAt: number;
  private relay: { readonly id: NodeId; readonly address: string; misses: number } | undefined;
  private formerRelay: string | undefined;
  private attaching = false;
  private relaySeq = 0;
  private recordStoredAt = Number.NEGATIVE_INFINITY;
  private readonly deadRelays = new Set<string>();
  private readonly relayClients = new Map<string, number>();
  private readonly viaRelay = new Map<string, string>();
  private readonly timers: (() => void)[] = [];
  private stopReadable: (() => void) | undefined;
  private closed = false;

  /** Starts a node on `endpoint` (which it owns from now on). Throws ERR_INVALID_ARGUMENT for a bad option. */
  constructor(
    readonly endpoint: DatagramEndpoint,
    options: OverlayOptions = {},
  ) {
    const limits = resolveLimits<OverlayLimits>(OVERLAY_DEFAULTS, options);
    this.limits = limits;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? new Prng(randomInt(0x7fffffff));
    this.id = options.id ? checkId(options.id).slice() : randomId(this.random);
    this.proximity = options.proximity ?? true;
    this.address = formatAddress(endpoint.address);
    this.table = new RoutingTable(this.id, limits.k, limits.maxContacts, options.interner);
    this.pending = new PendingRequests({ clock: this.clock, random: this.random, table: this.table, limits, counters: this.counters });
    this.store = new ValueStore(limits.maxStoredValues, limits.maxValuesPerKey);
    this.wire = wireCodec(limits.maxMessageBytes);
    this.limiter = new SourceRateLimiter(limits.maxRequestsPerSourcePerSecond, limits.maxTrackedSources);
    this.filteredNow = options.filtered ?? false;
    this.startedAt = this.clock.now();
    this.stopReadable = endpoint.onReadable(() => this.drain());
    this.drain();
    this.every(limits.refreshIntervalMs, () => this.refresh());
    this.every(limits.livenessIntervalMs, () => this.checkLiveness());
    this.every(limits.republishIntervalMs, () => this.republish());
    // Expiry is swept at a fraction of the TTL: a value outlives its TTL by at most that much.
    this.every(Math.max(1000, limits.valueTtlMs / 8), () => this.store.expire(this.clock.now()));
    this.every(limits.relayKeepaliveMs, () => this.relayTick());
    if (this.proximity) this.every(limits.proximityIntervalMs, () => this.proximityRound());
  }

  /** Counters since the node started (a copy). */
  stats(): OverlayStats {
    return { ...this.counters };
  }

  /** Requests awaiting a reply now. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  // ---- joining and membership ----

  /**
   * Joins the overlay through known nodes (`udp://host:port`): pings each, then looks up its own id so the
   * nodes nearest it learn of it and it of them, then refreshes the buckets farther than its nearest neighbour.
   * `done` gets the number of contacts in the table afterwards.
   */
  joinWith(bootstrap: readonly string[], done: (contacts: number) => void): void {
    const settle = () => {
      this.lookupWith(this.id, false, () => {
        this.refreshFar(() => {
          // Joined through a node that was itself still joining (or whose pings were all lost), this node
          // may know few others or none: look once more a little later, when the overlay has settled.
          if (this.table.size < this.limits.k && this.limits.rejoinAfterMs > 0) {
            this.clock.setTimer(() => {
              if (this.closed) return;
              this.pingAll(this.table.size === 0 ? bootstrap : [], () => this.lookupWith(this.id, false, () => this.refreshFar(() => {})));
            }, this.limits.rejoinAfterMs);
          }
          done(this.table.size);
          if (this.filteredNow) this.attachRelay();
        });
      });
    };
    this.pingAll(bootstrap, settle);
  }

  // Pings each address, repeating a ping that goes unanswered (a lost datagram must not leave a joining
  // node alone) up to `JOIN_PING_TRIES` times, then calls `done`.
  private pingAll(addresses: readonly string[], done: () => void): void {
    let left = addresses.length;
    if (left === 0) return done();
    const ping = (address: string, tries: number) => {
      this.request(address, undefined, { case: 'ping', value: 0 }, (reply) => {
        if (reply === undefined && tries > 1 && !this.closed) return ping(address, tries - 1);
        if (--left === 0) done();
      });
    };
    for (const address of addresses) ping(address, JOIN_PING_TRIES);
  }

  /** Promise form of `joinWith`. Rejects with ERR_TIMEOUT when no bootstrap node answered. */
  join(bootstrap: readonly string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.joinWith(bootstrap, (n) => {
        if (n === 0 && bootstrap.length > 0) reject(new TimeoutError(`no bootstrap node answered (${bootstrap.join(', ')})`, { bootstrap: bootstrap.join(', ') }));
        else resolve(n);
      });
    });
  }

  /** Pings `address`; `done` gets the round-trip time in ms, or undefined when it did not answer. */
  pingWith(address: string, done: (rttMs: number | undefined) => void): void {
    const sent = this.clock.now();
    this.request(address, undefined, { case: 'ping', value: 0 }, (reply) => done(reply ? this.clock.now() - sent : undefined));
  }

  /** Pings `address`; resolves to the RTT in ms. Rejects with ERR_TIMEOUT when it does not answer. */
  ping(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pingWith(address, (rtt) => (rtt === undefined ? reject(new TimeoutError(`${address} did not answer a ping`, { address })) : resolve(rtt)));
    });
  }

  // ---- lookups and the DHT ----

  /** Iterative lookup of `target` (findNode, or findValue with `wantValue`); `done` gets what it found. */
  lookupWith(target: NodeId, wantValue: boolean, done: (r: LookupResult) => void): void {
    checkId(target, 'target');
    this.table.touch(this.table.bucketOf(target), this.clock.now());
    runLookup(
      {
        self: this.id,
        k: this.limits.k,
        alpha: this.limits.alpha,
        proximity: this.proximity,
        now: () => this.clock.now(),
        seeds: (t) => this.table.closest(t, this.limits.k),
        rttOf: (id) => this.table.get(id)?.link.srtt,
        request: (to, body, cb, retry) => this.request(to.address, to.id, body, cb, retry),
      },
      target,
      wantValue,
      done,
    );
  }

  /** The k closest nodes to `target` that answered. */
  findNode(target: NodeId): Promise<LookupResult> {
    return new Promise((resolve) => this.lookupWith(target, false, resolve));
  }

  /**
   * Stores `value` under `key` (text keys are hashed with SHA-1) on the k closest nodes, and republishes it
   * every `republishIntervalMs` while this node runs (unless `republish` is false). The value lives `ttlMs`
   * (default `valueTtlMs`) unless stored again. `done` gets how many nodes acknowledged.
   */
  putWith(key: string | NodeId, value: Uint8Array, done: (stored: number) => void, republish = true, ttlMs = this.limits.valueTtlMs): void {
    const k = toKey(key);
    if (value.length > this.limits.maxValueBytes) {
      throw new MessageTooLargeError(`value of ${value.length} bytes exceeds maxValueBytes (${this.limits.maxValueBytes})`, { size: value.length, limit: this.limits.maxValueBytes });
    }
    if (republish) this.published.set(`${Buffer.from(k).toString('hex')}/${Buffer.from(value).toString('base64')}`, { key: k, value: value.slice() });
    this.lookupWith(k, false, (r) => {
      let targets = r.closest;
      let stored = 0;
      // A lookup never returns its own node: if this node is among the k closest, it keeps a replica itself.
      const selfRank = targets.findIndex((c) => compareDistance(k, this.id, c.id) < 0);
      // (A filtered node is no member of the DHT: nobody would ask it.)
      if (!this.filteredNow && (selfRank >= 0 || targets.length < this.limits.k)) {
        const now = this.clock.now();
        if (this.store.put(k, value, now, now + ttlMs)) stored++;
        targets = targets.slice(0, this.limits.k - 1);
      }
      let left = targets.length;
      if (left === 0) return done(stored);
      for (const c of targets) {
        this.request(c.address, c.id, { case: 'store', value: { key: k, value, ttlMs: Math.min(ttlMs, 0xffffffff) } }, (reply) => {
          if (reply?.case === 'stored' && reply.value) stored++;
          if (--left === 0) done(stored);
        });
      }
    });
  }

  /** Promise form of `putWith`: resolves to the number of nodes that stored the value. ERR_MESSAGE_TOO_LARGE past maxValueBytes. */
  put(key: string | NodeId, value: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      try {
        this.putWith(key, value, resolve);
      } catch (err) {
        reject(err);
      }
    });
  }

  /** Looks up the values under `key`: local ones first, else a findValue lookup. `done` gets them (empty when none). */
  getWith(key: string | NodeId, done: (values: Uint8Array[], r: LookupResult | undefined) => void): void {
    const k = toKey(key);
    const local = this.store.get(k, this.clock.now());
    if (local.length > 0) return done(local, undefined);
    this.lookupWith(k, true, (r) => done([...r.values], r));
  }

  /** Promise form of `getWith`: the values stored under `key`, empty when none was found. */
  get(key: string | NodeId): Promise<Uint8Array[]> {
    return new Promise((resolve) => this.getWith(key, (v) => resolve(v)));
  }

  // ---- key-based routing and direct sends ----

  /**
   * Routes `payload` hop by hop towards the node responsible for `key` (the live node whose id is
   * XOR-closest), calling `app.forward` at each hop and `app.deliver` at the last. With `record`, each hop
   * appends its address to the path. Fire and forget: failures are counted in `routeFailures`.
   * ERR_MESSAGE_TOO_LARGE when the message cannot fit maxMessageBytes.
   */
  route(key: string | NodeId, payload: Uint8Array, options: { record?: boolean } = {}): void {
    const r: WireRoute = { key: toKey(key), origin: this.address, hops: 0, record: options.record ?? false, path: [], payload };
    const size = wireCodec(MAX_UDP_PAYLOAD).encode({ version: WIRE_VERSION, flags: 0, tx: 0, sender: this.id, body: { case: 'route', value: r } }).length;
    if (size > this.limits.maxMessageBytes) {
      throw new MessageTooLargeError(`routed message of ${size} bytes exceeds maxMessageBytes (${this.limits.maxMessageBytes})`, { size, limit: this.limits.maxMessageBytes });
    }
    this.routeHere(r);
  }

  /**
   * Sends `payload` straight to a peer over their logical link: one datagram, no reply, no retry (an
   * omission is not reported). A peer that `reach` found behind a relay gets it through the relay.
   * ERR_MESSAGE_TOO_LARGE when it cannot fit maxMessageBytes.
   */
  send(address: string, payload: Uint8Array): void {
    const m: WireMessage = { version: WIRE_VERSION, flags: 0, tx: 0, sender: this.id, body: { case: 'direct', value: payload } };
    const size = wireCodec(MAX_UDP_PAYLOAD).encode(m).length;
    if (size > this.limits.maxMessageBytes) {
      throw new MessageTooLargeError(`direct message of ${size} bytes exceeds maxMessageBytes (${this.limits.maxMessageBytes})`, { size, limit: this.limits.maxMessageBytes });
    }
    this.emit(address, m);
  }

  // ---- relays for filtered nodes ----

  /** Whether this node sits behind a filter now (see `options.filtered`). */
  get filtered(): boolean {
    return this.filteredNow;
  }

  /** The relay this filtered node is attached to, if any. */
  get relayAddress(): string | undefined {
    return this.relay?.address;
  }

  /** Filtered nodes this node relays for now. */
  get relayClientCount(): number {
    return this.relayClients.size;
  }

  /**
   * Tells the node whether it sits behind a NAT-like filter now. Becoming filtered: it leaves other nodes'
   * tables as they stop hearing from it, attaches to a relay and publishes its record. Becoming reachable:
   * it drops its relay and publishes a record that says "reach me directly".
   */
  setFiltered(filtered: boolean): void {
    if (filtered === this.filteredNow || this.closed) return;
    this.filteredNow = filtered;
    if (filtered) this.attachRelay();
    else {
      // Senders that remembered the relay use it until they read the new record: still take what it passes on.
      this.formerRelay = this.relay?.address;
      this.relay = undefined;
      this.publishRecord();
    }
  }

  /**
   * Finds how to reach node `id`: its address from the routing table, or from its "reach me via R" record
   * in the DHT (remembering the relay, so that `send`, `ping` and replies to it go through the relay).
   * `done` gets its address, or undefined when it is neither known nor has a record.
   */
  reachWith(id: NodeId, done: (address: string | undefined) => void): void {
    checkId(id, 'id');
    const c = this.table.get(id);
    if (c) return done(c.address);
    this.getWith(relayKey(id), (values) => {
      const r = newestRelayRecord(values);
      if (!r) return done(undefined);
      if (r.relay) this.noteVia(r.address, r.relay);
      else this.viaRelay.delete(r.address);
      done(r.address);
    });
  }

  /** Promise form of `reachWith`. */
  reach(id: NodeId): Promise<string | undefined> {
    return new Promise((resolve) => this.reachWith(id, resolve));
  }

  /** The logical link to a peer, if it is in the table. */
  link(id: NodeId): LinkStats | undefined {
    return this.table.get(id)?.link;
  }

  /** The live node this node would deliver `key` to next: itself (undefined) or the contact it forwards to. */
  nextHop(key: NodeId): Contact | undefined {
    return this.candidates(key)[0];
  }

  /** Stops timers, fails pending requests, and closes the endpoint. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.timers) stop();
    this.stopReadable?.();
    this.pending.abandonAll((p) => p.done(undefined));
    await this.endpoint.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals: receiving ----

  private drain(): void {
    let d: Datagram | undefined;
    while (!this.closed && (d = this.endpoint.tryReceive()) !== undefined) this.onDatagram(d);
  }

  private onDatagram(d: Datagram): void {
    const c = this.counters;
    c.datagramsReceived++;
    if (d.truncated || d.data.length > this.limits.maxMessageBytes) {
      c.oversize++;
      return;
    }
    let m: WireMessage;
    try {
      m = this.wire.decode(d.data);
    } catch {
      // Hostile or corrupt input is dropped and counted, never thrown: one bad datagram must not stop the node.
      c.malformed++;
      return;
    }
    this.handle(m, addressText(d.from), false);
  }

  // One decoded message from `from` (for a relayed one: from the node that sent it through our relay).
  private handle(m: WireMessage, from: string, relayed: boolean): void {
    const c = this.counters;
    const body = m.body;
    if (this.relayClients.size > 0 && this.relayClients.has(from)) this.relayClients.set(from, this.clock.now());
    if (body.case === 'relayed') return this.onRelayed(m, from, relayed);
    switch (body.case) {
      case 'pong':
      case 'nodes':
      case 'found':
      case 'stored':
      case 'routeAck':
      case 'relayAccept':
        return this.onReply(m, from);
      default:
        break;
    }
    if (!this.limiter.allow(from, this.clock.now())) {
      c.rateLimited++;
      return;
    }
    this.learn(m.sender, from, m.flags);
    const reply = (b: WireBody) => this.emit(from, { version: WIRE_VERSION, flags: 0, tx: m.tx, sender: this.id, body: b });
    switch (body.case) {
      case 'ping':
        c.requestsServed++;
        return reply({ case: 'pong', value: 0 });
      case 'findNode':
        c.requestsServed++;
        return reply({ case: 'nodes', value: this.wireContacts(body.value, from) });
      case 'findValue': {
        c.requestsServed++;
        const values = this.store.get(body.value, this.clock.now());
        return reply({ case: 'found', value: { values: this.fitValues(values), nodes: values.length > 0 ? [] : this.wireContacts(body.value, from) } });
      }
      case 'store': {
        c.requestsServed++;
        const { key, value, ttlMs } = body.value;
        const now = this.clock.now();
        const ok = value.length <= this.limits.maxValueBytes && this.store.put(key, value, now, now + Math.min(ttlMs, this.limits.valueTtlMs));
        if (!ok) c.storesRefused++;
        return reply({ case: 'stored', value: ok });
      }
      case 'route':
        reply({ case: 'routeAck', value: 0 });
        return this.routeHere({ ...body.value, hops: body.value.hops + 1 });
      case 'direct':
        this.callApp(() => this.app.receive?.(body.value, { id: m.sender, address: from }));
        return;
      case 'near':
        c.requestsServed++;
        return reply({ case: 'nodes', value: this.nearContacts(from) });
      case 'relayRequest': {
        c.requestsServed++;
        const now = this.clock.now();
        const ok = !this.filteredNow && now - this.startedAt >= this.limits.relayMinUptimeMs && (this.relayClients.has(from) || this.relayClients.size < this.limits.maxRelayClients);
        if (ok) this.relayClients.set(from, now);
        return reply({ case: 'relayAccept', value: ok });
      }
      case 'relay': {
        const { to, via, inner } = body.value;
        // Only for our clients: a relay is no open forwarder.
        if (!this.relayClients.has(to)) {
          c.relayRefused++;
          return;
        }
        c.relayed++;
        this.emitDirect(to, { version: WIRE_VERSION, flags: 0, tx: 0, sender: this.id, body: { case: 'relayed', value: { from, via, inner } } });
        return;
      }
      default:
        return;
    }
  }

  private onReply(m: WireMessage, from: string): void {
    const p = this.pending.get(m.tx);
    // Only the address the request went to may answer it, with the same id and the expected kind:
    // anything else is a stale, spoofed or confused reply.
    if (p === undefined || p.to !== from || p.expect !== m.body.case || (p.contactId !== undefined && !sameId(p.contactId, m.sender))) {
      this.counters.unexpectedReplies++;
      return;
    }
    const rtt = this.pending.settle(m.tx, p);
    this.learn(m.sender, from, m.flags, rtt);
    const contact = this.table.get(m.sender);
    if (contact) PendingRequests.replied(contact, p, rtt);
    p.done(m.body);
  }

  // A datagram our relay passed on: unwrap it and handle it as if it came from its sender.
  private onRelayed(m: WireMessage, from: string, nested: boolean): void {
    if (m.body.case !== 'relayed') return;
    if (nested || (from !== this.relay?.address && from !== this.formerRelay)) {
      this.counters.relayRefused++;
      return;
    }
    const { from: origin, via, inner } = m.body.value;
    let innerMessage: WireMessage;
    try {
      innerMessage = this.wire.decode(inner);
    } catch {
      this.counters.malformed++;
      return;
    }
    // A sender behind a filter of its own named its relay: answer it that way.
    if (via) this.noteVia(origin, via);
    this.handle(innerMessage, origin, true);
  }

  // A node was heard from: keep its logical link fresh, or start the ping that decides whether it gets in.
  // A read-only node (behind a filter) is not added: nobody could reach it unasked. `rttMs` is the round
  // trip of our request it just answered, if it did: a full bucket's slowest contact may give way to it.
  private learn(id: NodeId, address: string, flags: number, rttMs?: number): void {
    if (flags & FLAG_READ_ONLY) return;
    const now = this.clock.now();
    const out = this.table.seen(id, address, now);
    const c = this.table.get(id);
    if (c) c.link.received++;
    if (out.kind !== 'full') return;
    if (rttMs !== undefined && this.proximity && this.table.replaceSlowest(id, address, rttMs, this.limits.proximityReplaceFactor, now)) {
      this.counters.proximityReplacements++;
      return;
    }
    // A contact heard from recently is alive: pinging it for every newcomer would only cost traffic.
    if (now - out.oldest.lastSeen < this.limits.evictionPingAfterMs) return;
    const bucket = this.table.bucketOf(id);
    if (this.evicting.has(bucket)) return;
    this.evicting.add(bucket);
    const oldest = out.oldest;
    this.request(oldest.address, oldest.id, { case: 'ping', value: 0 }, (reply) => {
      this.evicting.delete(bucket);
      if (reply) this.table.keep(oldest, this.clock.now());
      else {
        this.counters.evictions++;
        this.table.evict(oldest, id, address, this.clock.now());
      }
    });
  }

  // ---- internals: requests ----

  /** Sends a request and calls `done` with the reply, or undefined after the time-out (or when closed or too many are pending). */
  private request(address: string, contactId: NodeId | undefined, body: WireBody, done: (reply: WireBody | undefined) => void, retry = 0): void {
    if (this.closed) return done(undefined);
    const kind = body.case as keyof typeof REPLY_OF;
    // Through a relay (and maybe the sender's own relay back) the round trip is longer than any measured directly.
    const tx = this.pending.open(address, contactId, retry, { expect: REPLY_OF[kind], done }, () => done(undefined), this.viaRelay.has(address));
    if (tx === undefined) return done(undefined);
    this.emit(address, { version: WIRE_VERSION, flags: 0, tx, sender: this.id, body });
  }

  // Sends a message, through the peer's relay when it can only be reached that way.
  private emit(address: string, m: WireMessage): void {
    const relay = this.viaRelay.get(address);
    if (relay === undefined) return this.emitDirect(address, m);
    if (this.closed) return;
    let inner: Uint8Array;
    try {
      inner = this.wire.encode(this.filteredNow ? { ...m, flags: m.flags | FLAG_READ_ONLY } : m);
    } catch {
      this.counters.unsendable++;
      return;
    }
    this.emitDirect(relay, { version: WIRE_VERSION, flags: 0, tx: 0, sender: this.id, body: { case: 'relay', value: { to: address, via: this.relay?.address ?? '', inner } } });
  }

  private emitDirect(address: string, m: WireMessage): void {
    if (this.closed) return;
    if (this.filteredNow) m = { ...m, flags: m.flags | FLAG_READ_ONLY };
    let bytes: Uint8Array;
    try {
      bytes = this.wire.encode(m);
    } catch {
      // Only a message grown past maxMessageBytes (a routed one with a long path) fails to encode: it is dropped and counted.
      this.counters.unsendable++;
      return;
    }
    this.counters.datagramsSent++;
    this.endpoint.send(bytes, address).catch(() => {
      // A send that fails (closed endpoint, unresolvable address) is an omission, as on UDP: the request's time-out handles it.
    });
  }

  // Proximity neighbour selection's gossip: ask one of our nearest contacts which nodes are near it (near
  // it, so likely near us), and ping a few we have not measured. Their answers come back through onReply,
  // whose learn() lets a clearly nearer node replace a full bucket's slowest contact. Nodes in a network
  // region thus find each other in a few rounds, without any coordinates.
  private proximityRound(): void {
    if (this.filteredNow) return;
    const near = this.table.nearest(4);
    if (near.length === 0) return;
    const ask = near[this.random.int(near.length)]!;
    this.request(ask.address, ask.id, { case: 'near', value: 0 }, (reply) => {
      if (reply?.case !== 'nodes') return;
      let probes = 0;
      for (const w of reply.value) {
        if (probes >= this.limits.proximityProbes) break;
        if (sameId(w.id, this.id) || this.table.get(w.id)?.link.srtt !== undefined) continue;
        probes++;
        this.request(w.address, undefined, { case: 'ping', value: 0 }, () => {});
      }
    });
  }

  // This node's lowest-RTT contacts, for a peer asking which nodes are near us.
  private nearContacts(exclude: string): { id: NodeId; address: string }[] {
    const out: { id: NodeId; address: string }[] = [];
    const want = Math.min(this.limits.proximityAnswer, MAX_CONTACTS_PER_REPLY);
    for (const c of this.table.nearest(want + 1)) {
      if (c.address !== exclude && out.length < want) out.push({ id: c.id, address: c.address });
    }
    return out;
  }

  private wireContacts(target: NodeId, exclude: string): { id: NodeId; address: string }[] {
    const out: { id: NodeId; address: string }[] = [];
    for (const c of this.table.closest(target, this.limits.k + 1)) {
      if (c.address !== exclude && out.length < this.limits.k) out.push({ id: c.id, address: c.address });
    }
    return out;
  }

  // Values that fit one reply datagram, with room for the header.
  private fitValues(values: Uint8Array[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    let room = this.limits.maxMessageBytes - 64;
    for (const v of values) {
      if (v.length + 8 > room) break;
      room -= v.length + 8;
      out.push(v);
    }
    return out;
  }

  // ---- internals: routing ----

  // Contacts closer to the key than this node, best first: the closest bucket tier, lower RTT first within it.
  private candidates(key: NodeId): Contact[] {
    const list = this.table.closest(key, this.limits.k, this.proximity);
    // A filtered node is no member of the overlay: it passes every message on.
    if (this.filteredNow) return list;
    return list.filter((c) => compareDistance(key, c.id, this.id) < 0);
  }

  private routeHere(r: WireRoute): void {
    const c = this.counters;
    if (r.record) r = { ...r, path: [...r.path, this.address] };
    const ctx = (): RouteContext => ({ key: r.key, payload: r.payload, hops: r.hops, origin: r.origin, path: r.path });
    if (r.hops >= this.limits.maxHops || r.path.length >= 64) {
      c.routeFailures++;
      return;
    }
    const candidates = this.candidates(r.key);
    if (candidates.length === 0) {
      c.delivered++;
      this.callApp(() => this.app.deliver?.(ctx()));
      return;
    }
    let changed: Uint8Array | null | undefined;
    if (!this.callApp(() => (changed = this.app.forward?.(ctx(), candidates[0]!)))) return;
    if (changed === null) return;
    if (changed !== undefined) r = { ...r, payload: changed };
    c.routed++;
    const attempt = (i: number, retried: boolean) => {
      const next = candidates[i];
      if (next === undefined) {
        // Every closer contact failed to acknowledge: this node is the closest live one it knows of.
        c.delivered++;
        this.callApp(() => this.app.deliver?.(ctx()));
        return;
      }
      if (i >= this.limits.routeAttempts) {
        c.routeFailures++;
        return;
      }
      this.request(next.address, next.id, { case: 'route', value: r }, (ack) => {
        if (ack !== undefined) return;
        // One lost datagram is not a dead node: try the same hop once more before the next best one.
        // (If only the acknowledgement was lost, the key's node may see the message twice: delivery is at least once.)
        if (!retried && this.table.get(next.id)) attempt(i, true);
        else attempt(i + 1, false);
      });
    };
    attempt(0, false);
  }

  // Runs an application hook. A hook that throws must not stop this node's receive loop (on real UDP the
  // exception would escape into the socket's event handler): the error is kept in `lastAppError` and counted,
  // and the message it was handling goes no further. Returns false when the hook threw.
  private callApp(fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.counters.appErrors++;
      this.lastAppError = err;
      return false;
    }
  }

  // ---- internals: periodic work ----

  private every(ms: number, fn: () => void): void {
    const cancel = everyFromRandomPhase(this.clock, this.random, ms, fn, () => this.closed);
    if (cancel) this.timers.push(cancel);
  }

  /** Refreshes every bucket no lookup went through for `refreshIntervalMs`, with a lookup of a random id in it. */
  refresh(done?: () => void): void {
    this.refreshBuckets(this.table.staleBuckets(this.clock.now() - this.limits.refreshIntervalMs), done);
  }

  // After joining: refresh every bucket farther than the nearest neighbour's, as the Kademlia paper says.
  private refreshFar(done: () => void): void {
    this.refreshBuckets(bucketsBeyondNearest(this.table, this.id), done);
  }

  private refreshBuckets(list: number[], done?: () => void): void {
    refreshBuckets(list, this.id, this.random, (target, ended) => this.lookupWith(target, false, ended), done);
  }

  /** A random id that falls in bucket `b` of this node (shares exactly `b` leading bits with it). */
  idInBucket(b: number): NodeId {
    return randomIdInBucket(this.id, b, this.random);
  }

  /** Pings up to `livenessBatch` contacts not heard from for `staleAfterMs`; those that fail count towards removal. */
  checkLiveness(): void {
    const before = this.clock.now() - this.limits.staleAfterMs;
    let n = 0;
    for (const c of this.table.contacts()) {
      if (n >= this.limits.livenessBatch) break;
      if (c.lastSeen < before) {
        n++;
        this.request(c.address, c.id, { case: 'ping', value: 0 }, () => {
          // The reply refreshed lastSeen; a time-out already counted a failure.
        });
      }
    }
  }

  // Every relayKeepaliveMs: a filtered node pings its relay (or looks for one), re-stores its record when
  // due; a relay forgets clients it has not heard from.
  private relayTick(): void {
    const now = this.clock.now();
    for (const [address, heard] of this.relayClients) if (now - heard > this.limits.relayClientTimeoutMs) this.relayClients.delete(address);
    if (!this.filteredNow) {
      if (this.relaySeq > 0 && now - this.recordStoredAt >= this.limits.relayRecordTtlMs / 3) this.publishRecord();
      return;
    }
    const relay = this.relay;
    if (relay === undefined) return this.attachRelay();
    if (now - this.recordStoredAt >= this.limits.relayRecordTtlMs / 3) this.publishRecord();
    this.request(relay.address, relay.id, { case: 'ping', value: 0 }, (reply) => {
      if (this.relay !== relay) return;
      if (reply !== undefined) {
        relay.misses = 0;
        return;
      }
      if (++relay.misses < this.limits.maxFailures) return;
      // The relay is gone: find another and say so in the record.
      this.deadRelays.add(relay.address);
      this.relay = undefined;
      this.attachRelay();
    });
  }

  // Asks the longest-known contacts, one after another, to relay for this node; publishes the record on success.
  private attachRelay(): void {
    if (this.closed || !this.filteredNow || this.relay !== undefined || this.attaching) return;
    // Relays that died on us are skipped; the list is bounded by forgetting it all past 64.
    if (this.deadRelays.size > 64) this.deadRelays.clear();
    const candidates = this.table
      .contacts()
      .filter((c) => !this.deadRelays.has(c.address))
      .sort((a, b) => a.since - b.since)
      .slice(0, 8);
    this.attaching = true;
    const tryNext = (i: number) => {
      const c = candidates[i];
      if (this.closed || !this.filteredNow || c === undefined) {
        // None took us (or we are reachable now): the next keepalive tick tries again.
        this.attaching = false;
        return;
      }
      this.request(c.address, c.id, { case: 'relayRequest', value: 0 }, (reply) => {
        if (reply?.case === 'relayAccept' && reply.value && this.filteredNow) {
          this.attaching = false;
          this.relay = { id: c.id, address: c.address, misses: 0 };
          this.publishRecord();
          return;
        }
        tryNext(i + 1);
      });
    };
    tryNext(0);
  }

  // Stores "reach me via R" (or "reach me directly") under this node's record key, newer than any before.
  private publishRecord(): void {
    const now = this.clock.now();
    this.relaySeq = Math.max(this.relaySeq + 1, now);
    this.recordStoredAt = now;
    const value = encodeRelayRecord({ seq: this.relaySeq, address: this.address, relay: this.relay?.address ?? '' });
    this.putWith(relayKey(this.id), value, () => {}, false, this.limits.relayRecordTtlMs);
  }

  // Remembers that `address` is reached through `relay` (bounded: the oldest is forgotten).
  private noteVia(address: string, relay: string): void {
    if (address === this.address) return;
    const m = this.viaRelay;
    if (m.has(address)) m.delete(address);
    else if (m.size >= this.limits.maxRelayRoutes) m.delete(m.keys().next().value!);
    m.set(address, relay);
  }

  private republish(): void {
    const now = this.clock.now();
    for (const p of this.published.values()) this.putWith(p.key, p.value, () => {}, false);
    // Replicas are re-stored too, unless someone re-stored them here within the interval (then the
    // others holding them did it already): the Kademlia paper's optimisation against republish storms.
    for (const { key, value, stored } of this.store.items()) {
      if (now - stored.storedAt >= this.limits.republishIntervalMs) this.putWith(key, value, () => {}, false);
    }
  }
}

// The text of a datagram's source address. The simulated network hands out one address object per
// endpoint, so its text is made once and shared by every table that stores it; a real socket's `from` is
// new each time and is only formatted (the weak map forgets it with the datagram).
const addressTexts = new WeakMap<InetAddress, string>();
function addressText(a: InetAddress): string {
  let text = addressTexts.get(a);
  if (text === undefined) addressTexts.set(a, (text = formatAddress(a)));
  return text;
}

function toKey(key: string | NodeId): NodeId {
  return typeof key === 'string' ? idFromKey(key) : checkId(key, 'key');
}

