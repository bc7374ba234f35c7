// A BitTorrent Mainline DHT node (BEP 5) on any DatagramEndpoint: bencoded KRPC queries ping, find_node,
// get_peers and announce_peer, with tokens; Kademlia's routing table and iterative lookups from the
// overlay layer (routing-table.ts, lookup.ts) under BEP 5's figures (k = 8). Time comes from a Clock and
// randomness from a seeded Prng, so the same node runs on loopback beside `bittorrent-dht` and on the
// simulated network.
import { randomInt } from 'node:crypto';
import { InvalidAddressError, InvalidArgumentError, TimeoutError, type CourierError } from '../../errors.ts';
import { formatAddress, ipFamily, parseInetAddress, type InetAddress } from '../../net/address.ts';
import { realClock, type Clock } from '../../net/clock.ts';
import type { Datagram, DatagramEndpoint } from '../../net/datagram.ts';
import { Prng } from '../../net/prng.ts';
import { checkId, idHex, randomId, type NodeId } from '../id.ts';
import type { Contact } from '../link.ts';
import { runLookup } from '../lookup.ts';
import type { WireContact } from '../messages.ts';
import { SourceRateLimiter } from '../rate-limit.ts';
import { resolveLimits } from '../limits.ts';
import { bucketsBeyondNearest, everyFromRandomPhase, refreshBuckets } from '../maintenance.ts';
import { PendingRequests } from '../requests.ts';
import { RoutingTable } from '../routing-table.ts';
import { bdict, type BDict, type BValue } from './bencode.ts';
import { COMPACT_NODE_BYTES, encodeNodes, parseUdpIpv4, udpAddress, validPort, type CompactNode, type PeerAddress } from './compact.ts';
import { decodeKrpc, encodeError, encodeQuery, encodeResponse, KRPC_ERROR, parseQueryArgs, parseResponse, type KrpcLimits, type MainlineReply, type MainlineQuery } from './krpc.ts';
import { COURIER_CLIENT_VERSION, MAINLINE_DEFAULTS, type MainlineLimits, type MainlineOptions } from './options.ts';
import { PeerStore } from './peer-store.ts';
import { TokenIssuer } from './tokens.ts';

/** Times a joining node pings each bootstrap address before giving up on it. */
const JOIN_PING_TRIES = 3;
/** Most parsed addresses kept for sending (cleared when full; a cache, not state). */
const ADDRESS_CACHE = 4096;

/** Counters of a Mainline node since it started. */
export interface MainlineStats {
  datagramsReceived: number;
  datagramsSent: number;
  /** Dropped: not bencoded KRPC (bad bencoding, missing `t`/`y`, wrong types), or a reply whose values are malformed. */
  malformed: number;
  /** Dropped: larger than maxMessageBytes or truncated by the endpoint. */
  oversize: number;
  /** Dropped: a reply or error with no matching query, from another address than asked, or from another node id. */
  unexpectedReplies: number;
  /** Dropped: past the per-source query rate. */
  rateLimited: number;
  /** Queries answered, by method. */
  pings: number;
  findNodes: number;
  getPeers: number;
  announces: number;
  /** Queries answered with a KRPC error (203 bad arguments or token, 204 unknown method). */
  queryErrors: number;
  /** announce_peer queries refused for a missing, stale or foreign token. */
  tokensRejected: number;
  /** Announced peers not stored because the peer store was full. */
  peersRefused: number;
  /** KRPC errors received in reply to our queries. */
  errorsReceived: number;
  /** Queries of ours that timed out. */
  timeouts: number;
  /** Lookups (find_node or get_peers) this node started. */
  lookups: number;
  /** Contacts removed after failing. */
  evictions: number;
  /** Queriers pinged before they could enter the table. */
  verifications: number;
}

/** What a find_node or get_peers lookup found. */
export interface MainlineLookupResult {
  /** The k closest nodes that answered, closest first, each with the token it gave (get_peers). */
  readonly closest: readonly { readonly id: NodeId; readonly address: string; readonly token: Uint8Array | undefined }[];
  /** Peers found (get_peers), IPv4, without duplicates. */
  readonly peers: readonly PeerAddress[];
  /** Hops to the closest node found: 1 for a contact of our own table, n + 1 for one named by a node n hops away. */
  readonly hops: number;
  /** Queries sent. */
  readonly messages: number;
  /** Queries that timed out. */
  readonly timeouts: number;
  /** Time from start to finish, ms. */
  readonly latencyMs: number;
}

/** What an announce did. */
export interface AnnounceResult {
  /** Nodes that stored the announce (answered announce_peer without an error). */
  readonly stored: number;
  /** The get_peers lookup that found them, with the peers it found on the way. */
  readonly lookup: MainlineLookupResult;
}

type Reply = { readonly ok: true; readonly reply: MainlineReply } | { readonly ok: false; readonly error: { code: number; message: string } | undefined };

/** What a pending query keeps beside the common fields: its callback. */
interface QueryExtra {
  readonly done: (r: Reply) => void;
}

/**
 * One node of the BitTorrent Mainline DHT. Create it on a bound endpoint, `join` through known nodes
 * (`udp://host:port`), then `findNode`, `getPeers` and `announce`. It answers other nodes' queries from
 * the moment it is created. `close()` stops its timers, fails pending queries and closes the endpoint.
 */
export class MainlineNode {
  /** This node's 160-bit id. */
  readonly id: NodeId;
  /** This node's address as text (`udp://host:port`). */
  readonly address: string;
  /** The routing table (k-buckets; only nodes that answered one of our queries enter it). */
  readonly table: RoutingTable;
  /** The peers announced to this node. */
  readonly peers: PeerStore;
  /** The resolved limits and intervals. */
  readonly limits: Readonly<MainlineLimits>;
  private readonly clock: Clock;
  private readonly random: Prng;
  private readonly version: Uint8Array;
  private readonly idBytes: Uint8Array;
  private readonly krpc: KrpcLimits;
  private readonly tokens: TokenIssuer;
  private readonly limiter: SourceRateLimiter;
  private readonly pending: PendingRequests<QueryExtra>;
  private readonly verifying = new Set<string>();
  private readonly evicting = new Set<number>();
  // Per contact, its compact node info (a contact whose address changes is a new object, so this cannot go stale).
  private readonly compactOf = new WeakMap<Contact, Uint8Array>();
  private readonly addresses = new Map<string, InetAddress>();
  private readonly counters: MainlineStats = {
    datagramsReceived: 0, datagramsSent: 0, malformed: 0, oversize: 0, unexpectedReplies: 0, rateLimited: 0, pings: 0, findNodes: 0, getPeers: 0,
    announces: 0, queryErrors: 0, tokensRejected: 0, peersRefused: 0, errorsReceived: 0, timeouts: 0, lookups: 0, evictions: 0, verifications: 0,
  };
  private readonly timers: (() => void)[] = [];
  private stopReadable: (() => void) | undefined;
  private closed = false;

  /** Starts a node on `endpoint` (which it owns from now on). Throws ERR_INVALID_ARGUMENT for a bad option. */
  constructor(
    readonly endpoint: DatagramEndpoint,
    options: MainlineOptions = {},
  ) {
    const limits = resolveLimits<MainlineLimits>(MAINLINE_DEFAULTS, options);
    this.limits = limits;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? new Prng(randomInt(0x7fffffff));
    this.id = options.id ? checkId(options.id).slice() : randomId(this.random);
    this.idBytes = this.id;
    const version = options.clientVersion ?? COURIER_CLIENT_VERSION;
    if (version.length !== 4) throw new InvalidArgumentError(`clientVersion must be 4 bytes, got ${version.length}`, { length: version.length });
    this.version = version.slice();
    this.address = formatAddress(endpoint.address);
    this.table = new RoutingTable(this.id, limits.k, limits.maxContacts);
    this.pending = new PendingRequests({ clock: this.clock, random: this.random, table: this.table, limits, counters: this.counters });
    this.peers = new PeerStore(limits.maxInfoHashes, limits.maxPeersPerInfoHash, limits.peerTtlMs);
    this.krpc = { maxMessageBytes: limits.maxMessageBytes, maxNodesPerReply: limits.maxNodesPerReply, maxValuesPerReply: limits.maxValuesPerReply };
    this.tokens = new TokenIssuer(limits.tokenRotateMs, this.clock.now());
    this.limiter = new SourceRateLimiter(limits.maxRequestsPerSourcePerSecond, limits.maxTrackedSources);
    this.stopReadable = endpoint.onReadable(() => this.drain());
    this.drain();
    this.every(limits.refreshIntervalMs, () => this.refresh());
    this.every(Math.max(1000, limits.peerTtlMs / 4), () => this.peers.expire(this.clock.now()));
  }

  /** Counters since the node started (a copy). */
  stats(): MainlineStats {
    return { ...this.counters };
  }

  /** Queries awaiting a reply now. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  // ---- joining ----

  /**
   * Joins the DHT through known nodes (`udp://host:port`): pings each (up to 3 tries), then looks up its
   * own id so the nodes nearest it learn of it and it of them (BEP 5), then refreshes the buckets farther
   * than its nearest neighbour. `done` gets the number of contacts in the table afterwards. Throws
   * ERR_INVALID_ADDRESS for an address that is not `udp://IP:PORT`.
   */
  joinWith(bootstrap: readonly string[], done: (contacts: number) => void): void {
    // Replies are matched on the address the query went to, as the datagram's source reads it: so the
    // address must be an IP literal in its canonical text.
    const addresses = bootstrap.map((a) => {
      const parsed = parseInetAddress(a, 'udp');
      if (ipFamily(parsed.host) === 0) throw new InvalidAddressError(`bootstrap address '${a}' must name an IP address, not a host name (resolve it first)`, { input: a });
      return formatAddress(parsed);
    });
    let left = addresses.length;
    const settle = () => this.lookupWith(this.id, 'find_node', () => this.refreshFar(() => done(this.table.size)));
    if (left === 0) return settle();
    const ping = (address: string, tries: number) => {
      this.query(address, undefined, 'ping', new Map(), (r) => {
        if (!r.ok && r.error === undefined && tries > 1 && !this.closed) return ping(address, tries - 1);
        if (--left === 0) settle();
      });
    };
    for (const a of addresses) ping(a, JOIN_PING_TRIES);
  }

  /** Promise form of `joinWith`. Rejects with ERR_TIMEOUT when no bootstrap node answered, ERR_INVALID_ADDRESS for a bad address. */
  join(bootstrap: readonly string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      try {
        this.joinWith(bootstrap, (n) => {
          if (n === 0 && bootstrap.length > 0) reject(new TimeoutError(`no bootstrap node answered (${bootstrap.join(', ')})`, { bootstrap: bootstrap.join(', ') }));
          else resolve(n);
        });
      } catch (err) {
        reject(err as CourierError);
      }
    });
  }

  /** Pings a node; `done` gets its id and the round-trip time in ms, or undefined when it did not answer. */
  pingWith(address: string, done: (r: { id: NodeId; rttMs: number } | undefined) => void): void {
    const sent = this.clock.now();
    this.query(address, undefined, 'ping', new Map(), (r) => done(r.ok ? { id: r.reply.id, rttMs: this.clock.now() - sent } : undefined));
  }

  /** Pings a node; resolves to its id and RTT. Rejects with ERR_TIMEOUT when it does not answer. */
  ping(address: string): Promise<{ id: NodeId; rttMs: number }> {
    return new Promise((resolve, reject) => {
      this.pingWith(address, (r) => (r === undefined ? reject(new TimeoutError(`${address} did not answer a ping`, { address })) : resolve(r)));
    });
  }

  // ---- lookups, peers and announces ----

  /**
   * An iterative lookup of `target` (α queries in flight to the closest nodes not yet asked, ending when the
   * k closest have answered): `find_node`, or `get_peers` for an info-hash, which also collects the peers
   * and tokens the nodes hand out.
   */
  lookupWith(target: NodeId, method: 'find_node' | 'get_peers', done: (r: MainlineLookupResult) => void): void {
    checkId(target, method === 'find_node' ? 'target' : 'info_hash');
    this.counters.lookups++;
    this.table.touch(this.table.bucketOf(target), this.clock.now());
    const tokens = new Map<string, Uint8Array>();
    const peers: PeerAddress[] = [];
    const seenPeers = new Set<string>();
    const args: BDict = new Map<string, BValue>([[method === 'find_node' ? 'target' : 'info_hash', target]]);
    runLookup(
      {
        self: this.id,
        k: this.limits.k,
        alpha: this.limits.alpha,
        proximity: true,
        now: () => this.clock.now(),
        seeds: (t) => this.table.closest(t, this.limits.k),
        rttOf: (id) => this.table.get(id)?.link.srtt,
        request: (to, _body, cb, retry) =>
          this.query(to.address, to.id, method, args, (r) => {
            // A KRPC error is an answer from a live node that names no one; only silence counts as a failure.
            if (!r.ok) return cb(r.error ? { case: 'nodes', value: [] } : undefined);
            if (r.reply.token) tokens.set(idHex(to.id), r.reply.token);
            for (const p of r.reply.values) {
              const key = `${p.host}:${p.port}`;
              if (peers.length < this.limits.maxPeersPerLookup && !seenPeers.has(key)) {
                seenPeers.add(key);
                peers.push(p);
              }
            }
            cb({ case: 'nodes', value: wireContacts(r.reply.nodes) });
          }, retry),
      },
      target,
      false,
      (r) =>
        done({
          closest: r.closest.map((c) => ({ id: c.id, address: c.address, token: tokens.get(idHex(c.id)) })),
          peers,
          hops: r.hops,
          messages: r.messages,
          timeouts: r.timeouts,
          latencyMs: r.latencyMs,
        }),
    );
  }

  /** The k closest nodes to `target` that answered a find_node lookup. */
  findNode(target: NodeId): Promise<MainlineLookupResult> {
    return new Promise((resolve) => this.lookupWith(target, 'find_node', resolve));
  }

  /** The peers announced for `infoHash` (a get_peers lookup), with the closest nodes and their tokens. */
  getPeers(infoHash: NodeId): Promise<MainlineLookupResult> {
    return new Promise((resolve) => this.lookupWith(infoHash, 'get_peers', resolve));
  }

  /**
   * Announces that a peer at this node's host listens on `port` for `infoHash`: a get_peers lookup, then
   * announce_peer to each of the k closest nodes that gave a token. Without `port`, `implied_port` asks them
   * to take the port the datagram came from (this node's own).
   */
  announceWith(infoHash: NodeId, port: number | undefined, done: (r: AnnounceResult) => void): void {
    if (port !== undefined && !validPort(port)) throw new InvalidArgumentError(`port must be 1..65535, got ${port}`, { port });
    this.lookupWith(infoHash, 'get_peers', (lookup) => {
      const targets = lookup.closest.filter((c) => c.token !== undefined);
      // This node may be among the closest itself (a lookup never returns its own node): it keeps the peer too.
      const self = parseUdpIpv4(this.address);
      if (self && self.host !== '0.0.0.0') this.peers.add(infoHash, { host: self.host, port: port ?? self.port }, this.clock.now());
      let left = targets.length;
      let stored = 0;
      if (left === 0) return done({ stored, lookup });
      for (const c of targets) {
        const args = bdict({ info_hash: infoHash, token: c.token, port: port ?? self?.port ?? 1, implied_port: port === undefined ? 1 : 0 });
        this.query(c.address, c.id, 'announce_peer', args, (r) => {
          if (r.ok) stored++;
          if (--left === 0) done({ stored, lookup });
        });
      }
    });
  }

  /** Promise form of `announceWith`. ERR_INVALID_ARGUMENT for a bad port or info-hash. */
  announce(infoHash: NodeId, port?: number): Promise<AnnounceResult> {
    return new Promise((resolve, reject) => {
      try {
        this.announceWith(infoHash, port, resolve);
      } catch (err) {
        reject(err as CourierError);
      }
    });
  }

  /** Stops timers, fails pending queries, and closes the endpoint. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.timers) stop();
    this.stopReadable?.();
    this.pending.abandonAll((p) => p.done({ ok: false, error: undefined }));
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
    let m;
    try {
      m = decodeKrpc(d.data, this.krpc);
    } catch {
      // Hostile or corrupt input is dropped and counted, never thrown: one bad datagram must not stop the node.
      c.malformed++;
      return;
    }
    const from = formatAddress(d.from);
    if (m.y !== 'q') {
      const tx = txNumber(m.t);
      const p = tx === undefined ? undefined : this.pending.get(tx);
      // Only the address the query went to may answer it, with its transaction id.
      if (p === undefined || p.to !== from) {
        c.unexpectedReplies++;
        return;
      }
      if (m.y === 'e') {
        c.errorsReceived++;
        this.pending.settle(tx!, p);
        return p.done({ ok: false, error: { code: m.code, message: m.message } });
      }
      let reply: MainlineReply;
      try {
        reply = parseResponse(m, this.krpc);
      } catch {
        c.malformed++;
        return;
      }
      // A node answering under another id than the one we asked is confused or lying: its reply teaches nothing.
      if (p.contactId !== undefined && !sameBytes(p.contactId, reply.id)) {
        c.unexpectedReplies++;
        return;
      }
      const rtt = this.pending.settle(tx!, p);
      this.learn(reply.id, from);
      const contact = this.table.get(reply.id);
      if (contact) PendingRequests.replied(contact, p, rtt);
      return p.done({ ok: true, reply });
    }
    if (!this.limiter.allow(from, this.clock.now())) {
      c.rateLimited++;
      return;
    }
    const q = parseQueryArgs(m);
    if ('fault' in q) {
      c.queryErrors++;
      return this.send(d.from, encodeError(m.t, q.code, q.message, this.version));
    }
    // BEP 43: a read-only node asks but does not answer, so it must not enter anyone's table.
    if (m.args.get('ro') !== 1) this.heardQuery(q.id, from);
    const r = this.serve(q, from, d.from);
    if (r === undefined) return;
    if ('code' in r) {
      c.queryErrors++;
      return this.send(d.from, encodeError(m.t, r.code, r.message, this.version));
    }
    this.send(d.from, encodeResponse(m.t, r, this.version));
  }

  // Answers one well-formed query: the return values, or a KRPC error.
  private serve(q: MainlineQuery, from: string, source: InetAddress): BDict | { code: number; message: string } | undefined {
    const c = this.counters;
    const now = this.clock.now();
    switch (q.method) {
      case 'ping':
        c.pings++;
        return new Map([['id', this.idBytes]]);
      case 'find_node':
        c.findNodes++;
        return new Map([['id', this.idBytes], ['nodes', this.closestCompact(q.target, from)]]);
      case 'get_peers': {
        c.getPeers++;
        const r: BDict = new Map<string, BValue>([['id', this.idBytes], ['token', this.tokens.issue(source.host, now)]]);
        const values = this.peers.get(q.infoHash, now, this.limits.maxPeersPerReply, this.random);
        if (values.length > 0) r.set('values', values);
        // Nodes go with the values too (as libtorrent does): they let the asker's lookup go on to the closest nodes.
        r.set('nodes', this.closestCompact(q.infoHash, from));
        return r;
      }
      case 'announce_peer': {
        if (!this.tokens.check(source.host, q.token, now)) {
          c.tokensRejected++;
          return { code: KRPC_ERROR.protocol, message: 'bad token' };
        }
        c.announces++;
        const port = q.impliedPort ? source.port : q.port;
        if (!this.peers.add(q.infoHash, { host: source.host, port }, now)) c.peersRefused++;
        return new Map([['id', this.idBytes]]);
      }
    }
  }

  // A node queried us. A known contact is fresh again; an unknown one enters the table only after it
  // answers a ping of ours (BEP 5's "good" node), so a spoofed source cannot plant contacts.
  private heardQuery(id: NodeId, from: string): void {
    const known = this.table.get(id);
    if (known) {
      if (known.address === from) {
        known.lastSeen = this.clock.now();
        known.link.received++;
      }
      return;
    }
    if (this.verifying.size >= this.limits.maxVerifying || this.verifying.has(from)) return;
    if (this.table.bucketSize(this.table.bucketOf(id)) >= this.limits.k) return;
    this.verifying.add(from);
    this.counters.verifications++;
    this.query(from, id, 'ping', new Map(), () => this.verifying.delete(from));
  }

  // A node answered one of our queries: keep its contact fresh, or start the ping that decides whether it gets in.
  private learn(id: NodeId, address: string): void {
    const now = this.clock.now();
    const out = this.table.seen(id, address, now);
    const contact = this.table.get(id);
    if (contact) contact.link.received++;
    if (out.kind !== 'full') return;
    // BEP 5: a full bucket keeps its good nodes; only a questionable one (silent for 15 minutes) is pinged, and replaced if it fails.
    if (now - out.oldest.lastSeen < this.limits.questionableAfterMs) return;
    const bucket = this.table.bucketOf(id);
    if (this.evicting.has(bucket)) return;
    this.evicting.add(bucket);
    const oldest = out.oldest;
    this.query(oldest.address, oldest.id, 'ping', new Map(), (r) => {
      this.evicting.delete(bucket);
      if (r.ok) this.table.keep(oldest, this.clock.now());
      else if (r.error === undefined) {
        this.counters.evictions++;
        this.table.evict(oldest, id, address, this.clock.now());
      }
    });
  }

  // ---- internals: queries ----

  /** Sends a query and calls `done` with the reply, a KRPC error, or nothing after the time-out (or when closed or too many are pending). */
  private query(address: string, expectId: NodeId | undefined, method: string, args: BDict, done: (r: Reply) => void, retry = 0): void {
    const failed = () => done({ ok: false, error: undefined });
    if (this.closed) return failed();
    const tx = this.pending.open(address, expectId, retry, { done }, failed);
    if (tx === undefined) return failed();
    const t = new Uint8Array([tx >>> 24, (tx >>> 16) & 255, (tx >>> 8) & 255, tx & 255]);
    // The arguments map is shared by every query of a lookup: `id` is set on each send, the same value every time.
    args.set('id', this.idBytes);
    this.send(address, encodeQuery(t, method, args, this.version));
  }

  private send(to: string | InetAddress, bytes: Uint8Array): void {
    if (this.closed) return;
    this.counters.datagramsSent++;
    this.endpoint.send(bytes, typeof to === 'string' ? this.parsed(to) : to).catch(() => {
      // A send that fails (closed endpoint, unreachable address) is an omission, as on UDP: the query's time-out handles it.
    });
  }

  // An address text as the endpoint takes it, parsed once: sending to a parsed address skips the endpoint's parse.
  private parsed(address: string): InetAddress | string {
    let a = this.addresses.get(address);
    if (a === undefined) {
      const p = parseUdpIpv4(address);
      if (p === undefined) return address;
      if (this.addresses.size >= ADDRESS_CACHE) this.addresses.clear();
      a = { transport: 'udp', host: p.host, port: p.port };
      this.addresses.set(address, a);
    }
    return a;
  }

  // The k closest contacts to `target` as compact node info, leaving out the asker itself.
  private closestCompact(target: NodeId, exclude: string): Uint8Array {
    const picked: Uint8Array[] = [];
    for (const c of this.table.closest(target, this.limits.k + 1)) {
      if (c.address === exclude || picked.length >= this.limits.k) continue;
      let compact = this.compactOf.get(c);
      if (compact === undefined) {
        const p = parseUdpIpv4(c.address);
        // A contact without an IPv4 address has no compact form (BEP 32's nodes6 is not done): an empty entry marks it.
        compact = p ? encodeNodes([{ id: c.id, host: p.host, port: p.port }]) : new Uint8Array(0);
        this.compactOf.set(c, compact);
      }
      if (compact.length > 0) picked.push(compact);
    }
    const out = new Uint8Array(picked.length * COMPACT_NODE_BYTES);
    for (let i = 0; i < picked.length; i++) out.set(picked[i]!, i * COMPACT_NODE_BYTES);
    return out;
  }

  // ---- internals: periodic work ----

  private every(ms: number, fn: () => void): void {
    const cancel = everyFromRandomPhase(this.clock, this.random, ms, fn, () => this.closed);
    if (cancel) this.timers.push(cancel);
  }

  /** Refreshes every bucket no lookup went through for `refreshIntervalMs` with a find_node of a random id in it (BEP 5). */
  refresh(done?: () => void): void {
    this.refreshBuckets(this.table.staleBuckets(this.clock.now() - this.limits.refreshIntervalMs), done);
  }

  // After joining: the farther buckets not yet full.
  private refreshFar(done: () => void): void {
    this.refreshBuckets(bucketsBeyondNearest(this.table, this.id, this.limits.k), done);
  }

  private refreshBuckets(list: number[], done?: () => void): void {
    refreshBuckets(list, this.id, this.random, (target, ended) => this.lookupWith(target, 'find_node', ended), done);
  }
}

function wireContacts(nodes: readonly CompactNode[]): WireContact[] {
  return nodes.map((n) => ({ id: n.id, address: udpAddress(n) }));
}

// Our transaction ids are 4 bytes; anything else cannot be one of ours.
function txNumber(t: Uint8Array): number | undefined {
  if (t.length !== 4) return undefined;
  return ((t[0]! << 24) | (t[1]! << 16) | (t[2]! << 8) | t[3]!) >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
