// Node ids and keys: 160-bit strings of bits compared by XOR distance, as Kademlia defines them.
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.ts';
import type { Prng } from '../net/prng.ts';

/** Bytes in a node id or key (160 bits, the size of a SHA-1 digest, as in Kademlia and BEP 5). */
export const ID_BYTES = 20;
/** Bits in a node id or key. */
export const ID_BITS = ID_BYTES * 8;

/** A 160-bit node id or key. Treat as immutable. */
export type NodeId = Uint8Array;

/** The id of a key: the SHA-1 digest of its UTF-8 text or bytes. */
export function idFromKey(key: string | Uint8Array): NodeId {
  return new Uint8Array(createHash('sha1').update(key).digest());
}

/** A random id drawn from a seeded generator (deterministic for the seed). */
export function randomId(random: Prng): NodeId {
  const id = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i += 4) {
    const r = random.nextU32();
    id[i] = r >>> 24;
    id[i + 1] = (r >>> 16) & 255;
    id[i + 2] = (r >>> 8) & 255;
    id[i + 3] = r & 255;
  }
  return id;
}

/** Checks that `id` is a 160-bit id; throws ERR_INVALID_ARGUMENT otherwise. */
export function checkId(id: Uint8Array, what = 'id'): NodeId {
  if (id.length !== ID_BYTES) throw new InvalidArgumentError(`${what} must be ${ID_BYTES} bytes, got ${id.length}`, { length: id.length });
  return id;
}

/** An id as 40 lowercase hex digits (map keys, logs). */
export function idHex(id: NodeId): string {
  return Buffer.from(id.buffer, id.byteOffset, id.length).toString('hex');
}

/** Parses 40 hex digits into an id; throws ERR_INVALID_ARGUMENT for anything else. */
export function idFromHex(hex: string): NodeId {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new InvalidArgumentError(`'${hex}' is not a 160-bit id in hex`, { id: hex });
  const id = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) id[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return id;
}

/** True when two ids are equal. */
export function sameId(a: NodeId, b: NodeId): boolean {
  for (let i = 0; i < ID_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}
