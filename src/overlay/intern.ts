// Sharing of ids and addresses among the routing tables of many nodes in one process. A simulation of
// 10,000 nodes holds millions of contacts, but only as many distinct peers as there are nodes: each
// table keeping its own copy of every id (a Uint8Array with its own buffer, about 230 bytes) and address
// text is most of the memory. Contacts are never mutated, so one shared copy per peer serves every table.
import { sameId, type NodeId } from './id.ts';

/** What a routing table uses to share ids and addresses; the default shares nothing. */
export interface ContactInterner {
  /** The shared copy of `id` (equal bytes), or `id` itself. */
  id(id: NodeId): NodeId;
  /** The shared copy of an address text, or `address` itself. */
  address(address: string): string;
}

/** Shares nothing: every table keeps the objects it was given (one node per process). */
export const NO_INTERNING: ContactInterner = Object.freeze({ id: (id: NodeId) => id, address: (a: string) => a });

/**
 * Interns ids and addresses, up to `maxEntries` of each (then it hands back what it is given, so memory
 * stays bounded even when ids keep coming). For simulations: pass one to every node (`options.interner`).
 */
export class SharedInterner implements ContactInterner {
  // Ids by their first 48 bits (exact on the rare collision): no hex string per lookup.
  private readonly ids = new Map<number, NodeId | NodeId[]>();
  private readonly addresses = new Map<string, string>();
  private idCount = 0;

  constructor(readonly maxEntries = 1 << 20) {}

  id(id: NodeId): NodeId {
    const p = prefix48(id);
    const found = this.ids.get(p);
    if (found === undefined) {
      if (this.idCount >= this.maxEntries) return id;
      const copy = id.slice();
      this.ids.set(p, copy);
      this.idCount++;
      return copy;
    }
    if (!Array.isArray(found)) {
      if (sameId(found, id)) return found;
      if (this.idCount >= this.maxEntries) return id;
      const copy = id.slice();
      this.ids.set(p, [found, copy]);
      this.idCount++;
      return copy;
    }
    for (const x of found) if (sameId(x, id)) return x;
    if (this.idCount >= this.maxEntries) return id;
    const copy = id.slice();
    found.push(copy);
    this.idCount++;
    return copy;
  }

  address(address: string): string {
    const found = this.addresses.get(address);
    if (found !== undefined) return found;
    if (this.addresses.size >= this.maxEntries) return address;
    this.addresses.set(address, address);
    return address;
  }

  /** Distinct ids and addresses held. */
  get size(): { ids: number; addresses: number } {
    return { ids: this.idCount, addresses: this.addresses.size };
  }
}

function prefix48(id: NodeId): number {
  return id[0]! * 0x10000000000 + id[1]! * 0x100000000 + ((id[2]! << 24) >>> 0) + (id[3]! << 16) + (id[4]! << 8) + id[5]!;
}
