// The overlay's wire format: one CDR struct per datagram, compiled once. A request and its reply share a
// random 32-bit transaction id; the sender's node id rides in every message so both ends learn contacts.
import { DecodeError } from '../errors.ts';
import { codec } from '../marshal/codec.ts';
import { t, type Infer } from '../marshal/schema.ts';
import { ID_BYTES } from './id.ts';

/** Version octet at the start of every overlay datagram; anything else is dropped as malformed. */
export const WIRE_VERSION = 2;
/** Flag: the sender cannot be reached unasked (it sits behind a NAT-like filter): do not put it in a routing table (BEP 43's read-only node). */
export const FLAG_READ_ONLY = 1;
/** Longest address text in a contact (`udp://[v6]:port` fits). */
export const MAX_ADDRESS_CHARS = 64;
/** Most contacts in one `nodes` reply (k at most). */
export const MAX_CONTACTS_PER_REPLY = 32;
/** Most hops a path record holds. */
export const MAX_PATH = 64;

const id = t.bytes(ID_BYTES);
const contact = t.struct('OverlayContact', { id, address: t.string(MAX_ADDRESS_CHARS) });
const contacts = t.sequence(contact, MAX_CONTACTS_PER_REPLY);
const values = t.sequence(t.bytes(65_507), 64);

const body = t.union('OverlayBody', t.uint8(), {
  ping: t.case([1], t.octet()),
  pong: t.case([2], t.octet()),
  findNode: t.case([3], id),
  nodes: t.case([4], contacts),
  findValue: t.case([5], id),
  found: t.case([6], t.struct('OverlayFound', { values, nodes: contacts })),
  store: t.case([7], t.struct('OverlayStore', { key: id, value: t.bytes(65_507), ttlMs: t.uint32() })),
  stored: t.case([8], t.boolean()),
  route: t.case(
    [9],
    t.struct('OverlayRoute', {
      key: id,
      origin: t.string(MAX_ADDRESS_CHARS),
      hops: t.uint8(),
      record: t.boolean(),
      path: t.sequence(t.string(MAX_ADDRESS_CHARS), MAX_PATH),
      payload: t.bytes(65_507),
    }),
  ),
  routeAck: t.case([10], t.octet()),
  direct: t.case([11], t.bytes(65_507)),
  // Relays: a filtered node asks to be relayed; anyone sends it datagrams wrapped in `relay` to its relay,
  // which passes them on as `relayed`, naming who sent them (and that sender's own relay, if it has one).
  relayRequest: t.case([12], t.octet()),
  relayAccept: t.case([13], t.boolean()),
  relay: t.case([14], t.struct('OverlayRelay', { to: t.string(MAX_ADDRESS_CHARS), via: t.string(MAX_ADDRESS_CHARS), inner: t.bytes(65_507) })),
  relayed: t.case([15], t.struct('OverlayRelayed', { from: t.string(MAX_ADDRESS_CHARS), via: t.string(MAX_ADDRESS_CHARS), inner: t.bytes(65_507) })),
  // Proximity: "which nodes are near you?" Answered with `nodes`, the responder's lowest-RTT contacts.
  near: t.case([16], t.octet()),
});

const message = t.struct('OverlayMessage', { version: t.octet(), flags: t.octet(), tx: t.uint32(), sender: id, body });

/** One overlay datagram, decoded. */
export type WireMessage = Infer<typeof message>;
/** The body of one overlay datagram. */
export type WireBody = WireMessage['body'];
/** A contact as carried on the wire. */
export type WireContact = Infer<typeof contact>;
/** A routed message as carried on the wire. */
export type WireRoute = Extract<WireBody, { case: 'route' }>['value'];

/** Which bodies are replies (and must match a pending request). */
export const REPLY_OF = Object.freeze({ ping: 'pong', findNode: 'nodes', findValue: 'found', store: 'stored', route: 'routeAck', relayRequest: 'relayAccept', near: 'nodes' } as const);
/** Request kinds. */
export type RequestKind = keyof typeof REPLY_OF;

/** A compiled codec of overlay messages bounded to `maxMessageBytes`. */
export interface WireCodec {
  encode(m: WireMessage): Uint8Array;
  /** Decodes one datagram; throws ERR_DECODE for anything malformed, a wrong version or a wrong id size. */
  decode(bytes: Uint8Array): WireMessage;
}

const cache = new Map<number, WireCodec>();

/** The overlay codec for a datagram bound of `maxMessageBytes` (compiled once per bound). */
export function wireCodec(maxMessageBytes: number): WireCodec {
  let c = cache.get(maxMessageBytes);
  if (c) return c;
  const inner = codec(message, 'cdr', { maxMessageBytes, maxSequenceLength: MAX_PATH * 2 });
  c = {
    encode: (m) => inner.encode(m),
    decode(bytes) {
      const m = inner.decode(bytes);
      if (m.version !== WIRE_VERSION) throw new DecodeError(`overlay wire version ${m.version}, expected ${WIRE_VERSION}`, { offset: 0 });
      // Ids are bounded by the schema but may be shorter: a short id would compare wrongly, so reject it here.
      if (m.sender.length !== ID_BYTES) throw new DecodeError('sender id is not 160 bits', { path: 'sender' });
      checkIds(m.body);
      return m;
    },
  };
  cache.set(maxMessageBytes, c);
  return c;
}

function checkIds(b: WireBody): void {
  const bad = (path: string) => new DecodeError(`${path} is not 160 bits`, { path });
  switch (b.case) {
    case 'findNode':
    case 'findValue':
      if (b.value.length !== ID_BYTES) throw bad(`body.${b.case}`);
      return;
    case 'nodes':
      for (const c of b.value) if (c.id.length !== ID_BYTES) throw bad('body.nodes.id');
      return;
    case 'found':
      for (const c of b.value.nodes) if (c.id.length !== ID_BYTES) throw bad('body.found.nodes.id');
      return;
    case 'store':
      if (b.value.key.length !== ID_BYTES) throw bad('body.store.key');
      return;
    case 'route':
      if (b.value.key.length !== ID_BYTES) throw bad('body.route.key');
      return;
    default:
      return;
  }
}
