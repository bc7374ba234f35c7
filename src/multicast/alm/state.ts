// Forwarding state of one router, per group: (*,G) for the shared tree, and per source (S,G) for the
// source's tree with its (S,G,rpt) prunes off the shared tree (RFC 7761 section 4.1). Interfaces of a PIM
// router are logical links here: a downstream "interface" is a neighbour's overlay address, and the
// application on this node is the pseudo-interface LOCAL.
import type { NodeId } from '../../overlay/id.ts';
import type { WireSource } from './messages.ts';
import type { RegisterState } from './register.ts';
import { SeenWindow } from './seen-window.ts';
import { RateMeter } from './spt-policy.ts';

/** The pseudo-interface of this node's own application (a local member). */
export const LOCAL = 'local';

/** An overlay neighbour: its id (to check it is still in the routing table) and address. */
export interface Neighbor {
  readonly id: NodeId;
  readonly address: string;
}

/** One downstream interface's join state: who, and when it expires without a refresh (ms; Infinity for LOCAL). */
export interface Oif {
  readonly neighbor: Neighbor | undefined;
  expires: number;
}

/** (*,G): who downstream joined the shared tree, and where this node's own join went. */
export interface WildcardEntry {
  readonly oifs: Map<string, Oif>;
  /** The neighbour this node's (*,G) join went to (the RPT's incoming interface); undefined at the RP or when not joined. */
  upstream: Neighbor | undefined;
  /** Whether this node is on the shared tree (joined upstream, or the root). */
  joined: boolean;
  /** Whether this node is the tree's root, the RP. */
  root: boolean;
}

/** (S,G) and (S,G,rpt) state for one source. */
export interface SourceEntry {
  readonly source: WireSource;
  readonly hex: string;
  /** (S,G) joins from downstream (and LOCAL never: a local member's switch is `localSwitch`). */
  readonly oifs: Map<string, Oif>;
  /** (S,G,rpt) prunes from downstream: address → expiry (ms). */
  readonly rptPrunes: Map<string, number>;
  /** Where this node's (S,G) join went (the SPT's incoming interface). */
  upstream: Neighbor | undefined;
  /** Where this node's (S,G,rpt) prune went. */
  rptPrunedAt: Neighbor | undefined;
  /** Data from S arrives on the shortest-path tree here. */
  sptBit: boolean;
  /** The epoch and sequence number of the first packet that came on the SPT: earlier ones may still come on the RPT. */
  sptEpoch: number;
  sptFirstSeq: number;
  /** The packets of S passed on here (from either tree), so a second copy is never forwarded. */
  readonly seen: SeenWindow;
  /** The shared tree delivered everything sent before the switch: it may be pruned for this source. */
  rptCaughtUp: boolean;
  /** When the SPT bit was set (ms), to bound the wait for the RPT to catch up. */
  sptAt: number;
  /** The local application's receiver switched to this source's tree. */
  localSwitch: boolean;
  /** Keepalive timer: (S,G) data was seen until then (ms); 0 = not running. */
  kaExpires: number;
  readonly meter: RateMeter;
  /** At the source's own node: the register state machine. */
  register: RegisterState | undefined;
  /** At the RP: Registers from this source have been seen. */
  registered: boolean;
  /** At the RP: the latest Register was answered with Register-Stop. */
  stopping: boolean;
}

/** All state of one group. */
export interface GroupEntry {
  readonly name: string;
  /** The key of the group's RP (a static RP's id, or the hash of the name). */
  readonly rpKey: NodeId;
  readonly wc: WildcardEntry;
  readonly sources: Map<string, SourceEntry>;
  /** When this group's state is next refreshed upstream (ms). */
  nextRefresh: number;
}

/** A fresh group entry. */
export function newGroup(name: string, rpKey: NodeId, nextRefresh: number): GroupEntry {
  return { name, rpKey, wc: { oifs: new Map(), upstream: undefined, joined: false, root: false }, sources: new Map(), nextRefresh };
}

/** A fresh (S,G) entry. */
export function newSource(source: WireSource, hex: string, rateWindowMs: number, window: number): SourceEntry {
  return {
    source, hex, oifs: new Map(), rptPrunes: new Map(), upstream: undefined, rptPrunedAt: undefined, sptBit: false, sptEpoch: 0, sptFirstSeq: 0,
    seen: new SeenWindow(window), rptCaughtUp: false, sptAt: 0, localSwitch: false, kaExpires: 0, meter: new RateMeter(rateWindowMs), register: undefined, registered: false, stopping: false,
  };
}

/** inherited_olist(S,G,rpt): the shared tree's interfaces minus those that pruned S off it. */
export function inheritedRpt(g: GroupEntry, s: SourceEntry | undefined): string[] {
  const out: string[] = [];
  for (const a of g.wc.oifs.keys()) if (!s?.rptPrunes.has(a)) out.push(a);
  return out;
}

/** inherited_olist(S,G): (S,G) joins plus inherited_olist(S,G,rpt). */
export function inheritedSg(g: GroupEntry, s: SourceEntry): string[] {
  const out = inheritedRpt(g, s);
  for (const a of s.oifs.keys()) if (!g.wc.oifs.has(a) || s.rptPrunes.has(a)) out.push(a);
  return out;
}
