// The peers announced to this node, by info-hash: what get_peers answers with. Bounded in info-hashes
// and in peers per info-hash, and every entry expires unless announced again, so a flood of announces
// costs bounded memory and stale peers leave on their own.
import type { Prng } from '../../net/prng.ts';
import { idHex, type NodeId } from '../id.ts';
import { COMPACT_PEER_BYTES, encodePeer, type PeerAddress } from './compact.ts';

interface Entry {
  /** Compact peer info (6 bytes), what a reply carries. */
  readonly compact: Uint8Array;
  expiresAt: number;
}

/** Peers by info-hash, each expiring `ttlMs` after its latest announce. */
export class PeerStore {
  private readonly byHash = new Map<string, Map<string, Entry>>();
  private count = 0;

  /** `maxInfoHashes` and `maxPeersPerInfoHash` bound the store; `ttlMs` is a peer's life after its latest announce. */
  constructor(
    readonly maxInfoHashes: number,
    readonly maxPeersPerInfoHash: number,
    readonly ttlMs: number,
  ) {}

  /** Peers held, over all info-hashes. */
  get size(): number {
    return this.count;
  }

  /** Info-hashes with at least one peer. */
  get infoHashes(): number {
    return this.byHash.size;
  }

  /**
   * Records that `peer` has `infoHash` at `now` (ms). Returns false when it is refused: not IPv4, or a
   * bound is reached (a full info-hash first drops its expired peers, then refuses newcomers; known peers
   * are always refreshed).
   */
  add(infoHash: NodeId, peer: PeerAddress, now: number): boolean {
    const compact = encodePeer(peer);
    if (!compact) return false;
    const key = idHex(infoHash);
    let peers = this.byHash.get(key);
    if (peers === undefined) {
      if (this.byHash.size >= this.maxInfoHashes) {
        this.expire(now);
        if (this.byHash.size >= this.maxInfoHashes) return false;
      }
      peers = new Map();
      this.byHash.set(key, peers);
    }
    const pk = `${peer.host}:${peer.port}`;
    const known = peers.get(pk);
    if (known) {
      known.expiresAt = now + this.ttlMs;
      return true;
    }
    if (peers.size >= this.maxPeersPerInfoHash) {
      this.expireIn(peers, now);
      if (peers.size >= this.maxPeersPerInfoHash) return false;
    }
    peers.set(pk, { compact, expiresAt: now + this.ttlMs });
    this.count++;
    return true;
  }

  /**
   * Up to `max` live peers for `infoHash` as compact peer infos; when there are more, a random sample
   * (from `random`), so every peer gets handed out.
   */
  get(infoHash: NodeId, now: number, max: number, random: Prng): Uint8Array[] {
    const peers = this.byHash.get(idHex(infoHash));
    if (peers === undefined) return [];
    const live: Uint8Array[] = [];
    for (const e of peers.values()) if (e.expiresAt > now) live.push(e.compact);
    if (live.length <= max) return live;
    // A partial Fisher-Yates shuffle: the first `max` slots end up a uniform sample.
    for (let i = 0; i < max; i++) {
      const j = i + random.int(live.length - i);
      const t = live[i]!;
      live[i] = live[j]!;
      live[j] = t;
    }
    return live.slice(0, max);
  }

  /** Drops every expired peer (and info-hashes left empty). */
  expire(now: number): void {
    for (const [key, peers] of this.byHash) {
      this.expireIn(peers, now);
      if (peers.size === 0) this.byHash.delete(key);
    }
  }

  private expireIn(peers: Map<string, Entry>, now: number): void {
    for (const [pk, e] of peers) {
      if (e.expiresAt <= now) {
        peers.delete(pk);
        this.count--;
      }
    }
  }
}

/** Bytes a reply spends per peer in `values` (the compact info and its bencoded length prefix "6:"). */
export const PEER_VALUE_BYTES = COMPACT_PEER_BYTES + 2;
