// "Reach me via R" records: a node behind a NAT-like filter stores in the DHT, under a key derived from
// its id, where it is and which relay passes datagrams to it (empty: reach it directly). Records carry a
// sequence number that grows with every change, so a reader takes the newest of those it finds (older
// ones linger until they expire).
import { codec } from '../marshal/codec.ts';
import { t } from '../marshal/schema.ts';
import { idFromKey, idHex, type NodeId } from './id.ts';
import { MAX_ADDRESS_CHARS } from './messages.ts';

const schema = t.struct('OverlayRelayRecord', { seq: t.float64(), address: t.string(MAX_ADDRESS_CHARS), relay: t.string(MAX_ADDRESS_CHARS) });
const recordCodec = codec(schema, 'cdr', { maxMessageBytes: 256 });

/** Where a node is and how to reach it. */
export interface RelayRecord {
  /** Grows with every change of the record (newest wins). */
  readonly seq: number;
  /** The node's own address (what its datagrams come from). */
  readonly address: string;
  /** Its relay's address, or '' when it is reachable directly. */
  readonly relay: string;
}

/** The DHT key of node `id`'s record. */
export function relayKey(id: NodeId): NodeId {
  return idFromKey(`courier-relay:${idHex(id)}`);
}

export function encodeRelayRecord(r: RelayRecord): Uint8Array {
  return recordCodec.encode(r);
}

/** The newest well-formed record among `values` (others are ignored: anyone may store under a key). */
export function newestRelayRecord(values: readonly Uint8Array[]): RelayRecord | undefined {
  let best: RelayRecord | undefined;
  for (const v of values) {
    let r: RelayRecord;
    try {
      r = recordCodec.decode(v);
    } catch {
      continue;
    }
    if (!best || r.seq > best.seq) best = r;
  }
  return best;
}
