// The public API of courier-ipc/overlay: overlay nodes on any DatagramEndpoint, key-based routing and a Kademlia DHT.
export { OverlayNode, type OverlayApp, type OverlayStats, type RouteContext } from './node.ts';
export { OVERLAY_DEFAULTS, type OverlayLimits, type OverlayOptions } from './options.ts';
export { ID_BITS, ID_BYTES, idFromHex, idFromKey, idHex, randomId, sameId, type NodeId } from './id.ts';
export { commonPrefix, compareDistance, distance, distanceBig } from './distance.ts';
export { RoutingTable, type SeenOutcome } from './routing-table.ts';
export type { Contact, LinkStats } from './link.ts';
export { NO_INTERNING, SharedInterner, type ContactInterner } from './intern.ts';
export type { LookupResult } from './lookup.ts';
export { ValueStore } from './store.ts';
export { runOverlaySim, simFigures, summarize, SIM_SCENARIOS, type OverlaySimOptions, type OverlaySimResult, type SimFigure } from './sim.ts';
export { MainlineNode, MAINLINE_DEFAULTS, bdecode, bencode, type AnnounceResult, type MainlineLookupResult, type MainlineOptions, type MainlineStats, type BValue } from './mainline/index.ts';
