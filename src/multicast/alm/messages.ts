// The wire format of application-level multicast: one CDR struct per overlay payload, compiled once, behind
// a 3-byte tag (0xA1 'M' version) so it shares an overlay node's hooks with other applications.
// The messages are PIM-SM's (RFC 7761 section 4.9), minus what point-to-point overlay links make moot
// (Hello, Assert, DF election): Join/Prune (with an acknowledgement, since overlay links lose datagrams),
// data, Register and Register-Stop.
import { DecodeError } from '../../errors.ts';
import { codec } from '../../marshal/codec.ts';
import { t, type Infer } from '../../marshal/schema.ts';
import { ID_BYTES } from '../../overlay/id.ts';

/** First bytes of every ALM payload: 0xA1 'M', then the version. Anything else belongs to another application. */
export const ALM_TAG = Object.freeze([0xa1, 0x4d]);
/** Version octet after the tag; a payload with another version is dropped as malformed. */
export const ALM_WIRE_VERSION = 1;
/** Longest group name, bytes of UTF-8. */
export const MAX_GROUP_BYTES = 255;
/** Longest overlay address text (as the overlay's own limit). */
export const MAX_ADDRESS_CHARS = 64;
/** Most entries in one Join/Prune message (one per source, plus the (*,G) one). */
export const MAX_JP_ENTRIES = 257;
/** Largest payload a data packet can carry on the wire (the overlay's own datagram bound is usually lower). */
export const MAX_PAYLOAD_BYTES = 65_507;

/** Longest state reply (JSON of a node's snapshot of one group, lists cut to fit). */
export const MAX_STATE_CHARS = 6000;

/** Kinds of Join/Prune entries: (*,G), (S,G) and (S,G,rpt). */
export const ENTRY_WC = 0;
export const ENTRY_SG = 1;
export const ENTRY_SG_RPT = 2;

const id = t.bytes(ID_BYTES);
const group = t.string(MAX_GROUP_BYTES);
const source = t.struct('AlmSource', { id, address: t.string(MAX_ADDRESS_CHARS) });
const entry = t.struct('AlmEntry', { kind: t.octet(), join: t.boolean(), source });

const body = t.union('AlmBody', t.uint8(), {
  joinPrune: t.case(
    [1],
    t.struct('AlmJoinPrune', { nonce: t.uint32(), group, rpKey: id, holdtimeMs: t.uint32(), entries: t.sequence(entry, MAX_JP_ENTRIES) }),
  ),
  ack: t.case([2], t.uint32()),
  // `spt`: this copy travels on the source's tree (the sender took it from there, or is the source); a
  // receiver's node sets its SPT bit only on such a copy.
  data: t.case([3], t.struct('AlmData', { group, source, epoch: t.uint32(), seq: t.uint32(), spt: t.boolean(), payload: t.bytes(MAX_PAYLOAD_BYTES) })),
  register: t.case(
    [4],
    t.struct('AlmRegister', { group, source, epoch: t.uint32(), seq: t.uint32(), isNull: t.boolean(), payload: t.bytes(MAX_PAYLOAD_BYTES) }),
  ),
  registerStop: t.case([5], t.struct('AlmRegisterStop', { group, source })),
  // Management: a node's state for one group, for drawing the live trees (`courier mcast tree --via`).
  stateQuery: t.case([6], t.struct('AlmStateQuery', { nonce: t.uint32(), group })),
  stateReply: t.case([7], t.struct('AlmStateReply', { nonce: t.uint32(), state: t.string(MAX_STATE_CHARS) })),
});

/** One ALM message, decoded. */
export type AlmMessage = Infer<typeof body>;
/** A source as carried on the wire: its overlay id and address. */
export type WireSource = Infer<typeof source>;
/** One Join/Prune entry. */
export type JoinPruneEntry = Infer<typeof entry>;
/** A Join/Prune message. */
export type JoinPrune = Extract<AlmMessage, { case: 'joinPrune' }>['value'];
/** A data packet. */
export type DataPacket = Extract<AlmMessage, { case: 'data' }>['value'];
/** A Register (data encapsulated to the RP, or a null probe). */
export type Register = Extract<AlmMessage, { case: 'register' }>['value'];

const inner = codec(body, 'cdr', { maxMessageBytes: MAX_PAYLOAD_BYTES + 1024, maxSequenceLength: MAX_JP_ENTRIES });
const HEADER = 3;

/** True when `payload` starts with the ALM tag (whatever its version): it is ours to decode or drop. */
export function isAlmPayload(payload: Uint8Array): boolean {
  return payload.length >= HEADER && payload[0] === ALM_TAG[0] && payload[1] === ALM_TAG[1];
}

/** Encodes a message behind the tag. ERR_ENCODE for a value outside the schema (a group name too long). */
export function encodeAlm(m: AlmMessage): Uint8Array {
  const bytes = inner.encode(m);
  const out = new Uint8Array(HEADER + bytes.length);
  out[0] = ALM_TAG[0]!;
  out[1] = ALM_TAG[1]!;
  out[2] = ALM_WIRE_VERSION;
  out.set(bytes, HEADER);
  return out;
}

/** Decodes a tagged payload. ERR_DECODE for a wrong tag or version, malformed bytes, or an id that is not 160 bits. */
export function decodeAlm(payload: Uint8Array): AlmMessage {
  if (!isAlmPayload(payload)) throw new DecodeError('not an ALM payload (tag 0xA1 0x4D expected)', { offset: 0 });
  if (payload[2] !== ALM_WIRE_VERSION) throw new DecodeError(`ALM wire version ${payload[2]}, expected ${ALM_WIRE_VERSION}`, { offset: 2 });
  const m = inner.decode(payload.subarray(HEADER));
  checkIds(m);
  return m;
}

// The schema bounds ids from above only: a shorter one would compare wrongly in routing, so it is refused here.
function checkIds(m: AlmMessage): void {
  const bad = (path: string) => new DecodeError(`${path} is not 160 bits`, { path });
  switch (m.case) {
    case 'joinPrune':
      if (m.value.rpKey.length !== ID_BYTES) throw bad('joinPrune.rpKey');
      for (const e of m.value.entries) {
        if (e.kind > ENTRY_SG_RPT) throw new DecodeError(`unknown Join/Prune entry kind ${e.kind}`, { path: 'joinPrune.entries.kind' });
        if (e.kind !== ENTRY_WC && e.source.id.length !== ID_BYTES) throw bad('joinPrune.entries.source.id');
      }
      return;
    case 'data':
    case 'register':
    case 'registerStop':
      if (m.value.source.id.length !== ID_BYTES) throw bad(`${m.case}.source.id`);
      return;
    default:
      return;
  }
}
