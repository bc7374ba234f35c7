// The public API of the BitTorrent Mainline DHT profile (BEP 5): the node, its options, and the wire pieces
// (bencoding, KRPC, compact node and peer info) for tools and tests that speak the protocol themselves.
export { MainlineNode, type AnnounceResult, type MainlineLookupResult, type MainlineStats } from './node.ts';
export { MAINLINE_DEFAULTS, COURIER_CLIENT_VERSION, type MainlineLimits, type MainlineOptions } from './options.ts';
export { bdecode, bencode, bdict, bstr, BENCODE_DEFAULTS, type BDict, type BValue, type BdecodeOptions } from './bencode.ts';
export { decodeKrpc, encodeError, encodeQuery, encodeResponse, parseQueryArgs, parseResponse, KRPC_ERROR, type KrpcMessage, type MainlineQuery, type MainlineReply } from './krpc.ts';
export { COMPACT_NODE_BYTES, COMPACT_PEER_BYTES, decodeNodes, decodePeer, encodeNodes, encodePeer, type CompactNode, type PeerAddress } from './compact.ts';
export { PeerStore } from './peer-store.ts';
export { TokenIssuer, TOKEN_BYTES } from './tokens.ts';
