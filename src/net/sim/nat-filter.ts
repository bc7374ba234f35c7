// A NAT-like filter on a simulated endpoint: it admits a datagram only from an address the endpoint sent
// to within the last `timeoutMs` (RFC 4787's "address and port-dependent filtering", the strictest kind
// that still lets replies in). Unsolicited datagrams are dropped as a home router drops them, so an
// overlay node behind it can ask but cannot be asked: the case relays exist for.
import { InvalidArgumentError } from '../../errors.ts';

/** How a filtered endpoint behaves. */
export interface NatFilterOptions {
  /** How long a sent datagram keeps the way open for the peer's datagrams, ms (UDP mappings on real NATs: 30 s to a few minutes). Default 30,000. */
  readonly timeoutMs?: number;
  /** Peers remembered at once (a NAT's mapping table); past it the least recently used is forgotten. Default 4096. */
  readonly maxMappings?: number;
}

/** Defaults of a NAT filter, cited by the docs and tests. */
export const NAT_FILTER_DEFAULTS = Object.freeze({ timeoutMs: 30_000, maxMappings: 4096 });

/** The filter state of one endpoint: when it last sent to each peer (by endpoint id). */
export class NatFilter {
  readonly timeoutMs: number;
  readonly maxMappings: number;
  // Peer endpoint id → when this endpoint last sent to it, ms; oldest first (re-inserted on every send).
  private readonly sentAt = new Map<number, number>();

  constructor(options: NatFilterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? NAT_FILTER_DEFAULTS.timeoutMs;
    this.maxMappings = options.maxMappings ?? NAT_FILTER_DEFAULTS.maxMappings;
    if (!(this.timeoutMs >= 0 && Number.isFinite(this.timeoutMs))) throw new InvalidArgumentError(`filter timeoutMs must be a non-negative number, got ${this.timeoutMs}`);
    if (!(Number.isInteger(this.maxMappings) && this.maxMappings > 0)) throw new InvalidArgumentError(`filter maxMappings must be a positive integer, got ${this.maxMappings}`);
  }

  /** The endpoint sent to peer `to` at `now`: the peer may answer until `now + timeoutMs`. */
  noteSent(to: number, now: number): void {
    const m = this.sentAt;
    if (m.has(to)) m.delete(to);
    else if (m.size >= this.maxMappings) m.delete(m.keys().next().value!);
    m.set(to, now);
  }

  /** Whether a datagram from peer `from` arriving at `now` gets through. */
  admits(from: number, now: number): boolean {
    const at = this.sentAt.get(from);
    if (at === undefined) return false;
    if (now - at <= this.timeoutMs) return true;
    this.sentAt.delete(from);
    return false;
  }

  /** Peers the filter holds a mapping for (expired ones included until they are next looked at). */
  get mappings(): number {
    return this.sentAt.size;
  }
}
