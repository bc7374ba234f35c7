// KRPC (BEP 5): every DHT datagram is one bencoded dictionary with a transaction id `t`, a type `y`
// (`q` query, `r` response, `e` error), and `q`+`a` (method and arguments), `r` (return values) or `e`
// ([code, message]). This file turns datagrams into typed messages and back; what the node does with
// them is in node.ts. Any fault in a datagram is an ERR_DECODE; a query whose arguments are wrong is a
// KRPC error to send back (203 protocol error, 204 method unknown), not an exception.
import { DecodeError } from '../../errors.ts';
import { ID_BYTES, type NodeId } from '../id.ts';
import { bdecode, bencode, latin1, type BDict, type BValue } from './bencode.ts';
import { COMPACT_PEER_BYTES, decodeNodes, decodePeer, type CompactNode, type PeerAddress } from './compact.ts';

/** KRPC error codes of BEP 5. */
export const KRPC_ERROR = Object.freeze({ generic: 201, server: 202, protocol: 203, methodUnknown: 204 });

/** Longest transaction id accepted, bytes (BEP 5 says typically 2; it is echoed back, so it is bounded). */
export const MAX_TX_BYTES = 16;
/** Longest method name accepted, bytes. */
const MAX_METHOD_BYTES = 32;
/** Longest error message kept, chars. */
const MAX_ERROR_CHARS = 200;

/** A decoded KRPC query: method name and raw arguments (typed by `parseQueryArgs`). */
export interface KrpcQuery {
  readonly y: 'q';
  readonly t: Uint8Array;
  readonly method: string;
  readonly args: BDict;
  /** The sender's client version (`v`), when it sent one. */
  readonly v: Uint8Array | undefined;
}

/** A decoded KRPC response: raw return values (typed by `parseResponse`). */
export interface KrpcResponse {
  readonly y: 'r';
  readonly t: Uint8Array;
  readonly r: BDict;
  readonly v: Uint8Array | undefined;
}

/** A decoded KRPC error. */
export interface KrpcErrorMessage {
  readonly y: 'e';
  readonly t: Uint8Array;
  readonly code: number;
  readonly message: string;
  readonly v: Uint8Array | undefined;
}

export type KrpcMessage = KrpcQuery | KrpcResponse | KrpcErrorMessage;

/** Bounds applied while decoding a datagram. */
export interface KrpcLimits {
  /** Largest datagram, bytes. */
  readonly maxMessageBytes: number;
  /** Most compact nodes read from one reply. */
  readonly maxNodesPerReply: number;
  /** Most peers read from one reply's `values`. */
  readonly maxValuesPerReply: number;
}

/**
 * Decodes one KRPC datagram. Throws ERR_DECODE (with `context.offset` for bencoding faults) when it is not
 * a bencoded dictionary with a valid `t`, `y` and the fields its type requires. Byte strings are views.
 */
export function decodeKrpc(data: Uint8Array, limits: KrpcLimits): KrpcMessage {
  // Key order is not enforced on input: some deployed clients do not sort, and order changes no meaning.
  const top = bdecode(data, { maxBytes: limits.maxMessageBytes, maxDepth: 4, maxItems: 1024, maxStringBytes: limits.maxMessageBytes, sortedKeys: false });
  if (!(top instanceof Map)) throw new DecodeError('a KRPC message is a dictionary', { offset: 0 });
  const t = top.get('t');
  if (!(t instanceof Uint8Array) || t.length === 0 || t.length > MAX_TX_BYTES) throw new DecodeError(`transaction id 't' must be 1 to ${MAX_TX_BYTES} bytes`, { field: 't' });
  const y = top.get('y');
  if (!(y instanceof Uint8Array) || y.length !== 1) throw new DecodeError("message type 'y' must be q, r or e", { field: 'y' });
  const vRaw = top.get('v');
  const v = vRaw instanceof Uint8Array ? vRaw : undefined;
  switch (y[0]) {
    case 0x71: {
      const q = top.get('q');
      const a = top.get('a');
      if (!(q instanceof Uint8Array) || q.length === 0 || q.length > MAX_METHOD_BYTES) throw new DecodeError("query method 'q' must be a short byte string", { field: 'q' });
      if (!(a instanceof Map)) throw new DecodeError("query arguments 'a' must be a dictionary", { field: 'a' });
      return { y: 'q', t, method: latin1(q), args: a, v };
    }
    case 0x72: {
      const r = top.get('r');
      if (!(r instanceof Map)) throw new DecodeError("response values 'r' must be a dictionary", { field: 'r' });
      return { y: 'r', t, r, v };
    }
    case 0x65: {
      const e = top.get('e');
      if (!Array.isArray(e) || e.length < 1 || typeof e[0] !== 'number') throw new DecodeError("error 'e' must be a list [code, message]", { field: 'e' });
      const text = e[1] instanceof Uint8Array ? Buffer.from(e[1]).toString('utf8').slice(0, MAX_ERROR_CHARS) : '';
      return { y: 'e', t, code: e[0], message: text, v };
    }
    default:
      throw new DecodeError("message type 'y' must be q, r or e", { field: 'y' });
  }
}

/** Encodes a query: method `q` with arguments `a` (which must include this node's `id`). */
export function encodeQuery(t: Uint8Array, method: string, args: BDict, v: Uint8Array): Uint8Array {
  return bencode(new Map<string, BValue>([['t', t], ['y', Y_Q], ['q', Buffer.from(method, 'latin1')], ['a', args], ['v', v]]));
}

/** Encodes a response echoing the query's transaction id. */
export function encodeResponse(t: Uint8Array, r: BDict, v: Uint8Array): Uint8Array {
  return bencode(new Map<string, BValue>([['t', t], ['y', Y_R], ['r', r], ['v', v]]));
}

/** Encodes an error reply [code, message] echoing the query's transaction id. */
export function encodeError(t: Uint8Array, code: number, message: string, v: Uint8Array): Uint8Array {
  return bencode(new Map<string, BValue>([['t', t], ['y', Y_E], ['e', [code, Buffer.from(message, 'utf8')]], ['v', v]]));
}

const Y_Q = new Uint8Array([0x71]);
const Y_R = new Uint8Array([0x72]);
const Y_E = new Uint8Array([0x65]);

/** The four queries of BEP 5 with typed arguments. */
export type MainlineQuery =
  | { readonly method: 'ping'; readonly id: NodeId }
  | { readonly method: 'find_node'; readonly id: NodeId; readonly target: NodeId }
  | { readonly method: 'get_peers'; readonly id: NodeId; readonly infoHash: NodeId }
  | {
      readonly method: 'announce_peer';
      readonly id: NodeId;
      readonly infoHash: NodeId;
      /** The port argument (ignored when `impliedPort`). */
      readonly port: number;
      /** Use the datagram's source port instead of `port` (for peers behind NAT, uTP). */
      readonly impliedPort: boolean;
      readonly token: Uint8Array;
    };

/** A query that cannot be served: the KRPC error code and message to answer with. */
export interface QueryFault {
  readonly fault: true;
  readonly code: number;
  readonly message: string;
}

/** Types a query's arguments. Returns a fault (203 protocol error, 204 method unknown) instead of throwing. */
export function parseQueryArgs(q: KrpcQuery): MainlineQuery | QueryFault {
  const id = q.args.get('id');
  if (!isId(id)) return fault(KRPC_ERROR.protocol, "argument 'id' must be a 20-byte node id");
  switch (q.method) {
    case 'ping':
      return { method: 'ping', id };
    case 'find_node': {
      const target = q.args.get('target');
      if (!isId(target)) return fault(KRPC_ERROR.protocol, "find_node: argument 'target' must be 20 bytes");
      return { method: 'find_node', id, target };
    }
    case 'get_peers': {
      const infoHash = q.args.get('info_hash');
      if (!isId(infoHash)) return fault(KRPC_ERROR.protocol, "get_peers: argument 'info_hash' must be 20 bytes");
      return { method: 'get_peers', id, infoHash };
    }
    case 'announce_peer': {
      const infoHash = q.args.get('info_hash');
      const token = q.args.get('token');
      const port = q.args.get('port');
      const implied = q.args.get('implied_port');
      if (!isId(infoHash)) return fault(KRPC_ERROR.protocol, "announce_peer: argument 'info_hash' must be 20 bytes");
      if (!(token instanceof Uint8Array) || token.length === 0 || token.length > 64) return fault(KRPC_ERROR.protocol, "announce_peer: argument 'token' missing");
      const impliedPort = typeof implied === 'number' && implied !== 0;
      if (!impliedPort && !(typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535)) {
        return fault(KRPC_ERROR.protocol, "announce_peer: argument 'port' must be 1..65535");
      }
      return { method: 'announce_peer', id, infoHash, port: typeof port === 'number' ? port : 0, impliedPort, token };
    }
    default:
      return fault(KRPC_ERROR.methodUnknown, `method unknown: ${q.method.slice(0, 32)}`);
  }
}

/** A response's return values, typed. */
export interface MainlineReply {
  /** The responder's node id. */
  readonly id: NodeId;
  /** Compact nodes named (find_node, get_peers without values), when present. */
  readonly nodes: CompactNode[];
  /** Peers (get_peers), IPv4 only; entries of other lengths (BEP 32's IPv6) are skipped. */
  readonly values: PeerAddress[];
  /** The write token (get_peers), when present. */
  readonly token: Uint8Array | undefined;
}

/** Types a response's return values. Throws ERR_DECODE when `id` is missing or a field is malformed. */
export function parseResponse(m: KrpcResponse, limits: KrpcLimits): MainlineReply {
  const id = m.r.get('id');
  if (!isId(id)) throw new DecodeError("response 'id' must be a 20-byte node id", { field: 'r.id' });
  const rawNodes = m.r.get('nodes');
  let nodes: CompactNode[] = [];
  if (rawNodes !== undefined) {
    if (!(rawNodes instanceof Uint8Array)) throw new DecodeError("response 'nodes' must be a byte string", { field: 'r.nodes' });
    nodes = decodeNodes(rawNodes, limits.maxNodesPerReply);
  }
  const rawValues = m.r.get('values');
  const values: PeerAddress[] = [];
  if (rawValues !== undefined) {
    if (!Array.isArray(rawValues)) throw new DecodeError("response 'values' must be a list", { field: 'r.values' });
    if (rawValues.length > limits.maxValuesPerReply) throw new DecodeError(`${rawValues.length} values exceed the limit of ${limits.maxValuesPerReply}`, { field: 'r.values' });
    for (const p of rawValues) {
      if (!(p instanceof Uint8Array)) throw new DecodeError("response 'values' entries must be byte strings", { field: 'r.values' });
      if (p.length !== COMPACT_PEER_BYTES) continue;
      if (((p[4]! << 8) | p[5]!) === 0) continue;
      values.push(decodePeer(p));
    }
  }
  const token = m.r.get('token');
  if (token !== undefined && !(token instanceof Uint8Array && token.length > 0 && token.length <= 64)) throw new DecodeError("response 'token' must be 1 to 64 bytes", { field: 'r.token' });
  return { id: id.slice(), nodes, values, token: token?.slice() };
}

function isId(v: BValue | undefined): v is Uint8Array {
  return v instanceof Uint8Array && v.length === ID_BYTES;
}

function fault(code: number, message: string): QueryFault {
  return { fault: true, code, message };
}
