// The values a node holds for the DHT: bounded per key and in all, each with an expiry time.
import { idHex, type NodeId } from './id.ts';

/** One stored value. */
export interface StoredValue {
  readonly value: Uint8Array;
  /** When it expires, ms on the node's clock. */
  expiresAt: number;
  /** When it was last stored or republished here, ms. */
  storedAt: number;
}

interface Entry {
  readonly key: NodeId;
  readonly values: Map<string, StoredValue>;
}

/** Values by key, with bounds on values per key and in all. */
export class ValueStore {
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(
    private readonly maxValues: number,
    private readonly maxPerKey: number,
  ) {}

  /** Values stored now, over all keys. */
  get size(): number {
    return this.total;
  }

  /**
   * Stores (or refreshes) `value` under `key` until `expiresAt` (ms). Returns false, storing nothing, when
   * the key already has `maxPerKey` other values or the node holds `maxValues`.
   */
  put(key: NodeId, value: Uint8Array, now: number, expiresAt: number): boolean {
    const hex = idHex(key);
    let e = this.entries.get(hex);
    const vhex = Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
    const old = e?.values.get(vhex);
    if (old) {
      old.expiresAt = Math.max(old.expiresAt, expiresAt);
      old.storedAt = now;
      return true;
    }
    if (this.total >= this.maxValues) return false;
    if (e && e.values.size >= this.maxPerKey) return false;
    if (!e) {
      e = { key: key.slice(), values: new Map() };
      this.entries.set(hex, e);
    }
    e.values.set(vhex, { value: value.slice(), expiresAt, storedAt: now });
    this.total++;
    return true;
  }

  /** The live values under `key` at `now` (ms). */
  get(key: NodeId, now: number): Uint8Array[] {
    const e = this.entries.get(idHex(key));
    if (!e) return [];
    const out: Uint8Array[] = [];
    for (const v of e.values.values()) if (v.expiresAt > now) out.push(v.value);
    return out;
  }

  /** Drops every value expired at `now` (ms); returns how many went. */
  expire(now: number): number {
    let n = 0;
    for (const [hex, e] of this.entries) {
      for (const [vh, v] of e.values) {
        if (v.expiresAt <= now) {
          e.values.delete(vh);
          n++;
        }
      }
      if (e.values.size === 0) this.entries.delete(hex);
    }
    this.total -= n;
    return n;
  }

  /** Every key with its live values and their expiry (for republishing). */
  *items(): IterableIterator<{ key: NodeId; value: Uint8Array; stored: StoredValue }> {
    for (const e of this.entries.values()) for (const v of e.values.values()) yield { key: e.key, value: v.value, stored: v };
  }
}
