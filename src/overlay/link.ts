// A logical link: the overlay's edge to one peer, over whatever path the network below takes. It carries
// what the node measured about that path: round-trip time and counters.

/** Counters and measurements of one logical link. */
export interface LinkStats {
  /** Requests sent over the link. */
  requests: number;
  /** Replies received that matched a request. */
  replies: number;
  /** Requests that timed out. */
  timeouts: number;
  /** Datagrams received from the peer (any kind). */
  received: number;
  /** Smoothed round-trip time, ms (RFC 6298 style, gain 1/8); undefined until measured. */
  srtt: number | undefined;
  /** Latest round-trip sample, ms. */
  lastRtt: number | undefined;
}

/** One entry of a routing table: a peer's id and address, and the logical link to it. */
export interface Contact {
  readonly id: Uint8Array;
  /** Where the peer's overlay endpoint is (`udp://host:port`). */
  readonly address: string;
  /** The virtual or real time the peer was last heard from, ms. */
  lastSeen: number;
  /** Consecutive failed requests; reset by any reply. */
  failures: number;
  readonly link: LinkStats;
}

/**
 * A routing-table entry that is its own link: one object per contact instead of two. A simulation holds
 * millions of contacts (10,000 nodes × a few hundred each), so every object and field counts.
 */
export class TableContact implements Contact, LinkStats {
  requests = 0;
  replies = 0;
  timeouts = 0;
  received = 0;
  srtt: number | undefined = undefined;
  lastRtt: number | undefined = undefined;

  constructor(
    readonly id: Uint8Array,
    readonly address: string,
    public lastSeen: number,
    /** When this node first heard from the peer, ms: how long it is known to have lived (relays are chosen among the oldest). */
    readonly since: number = lastSeen,
    public failures = 0,
  ) {}

  get link(): LinkStats {
    return this;
  }
}

/** A fresh link's stats. */
export function newLink(): LinkStats {
  return { requests: 0, replies: 0, timeouts: 0, received: 0, srtt: undefined, lastRtt: undefined };
}

/** Folds one round-trip sample (ms) into the link's smoothed RTT. */
export function recordRtt(link: LinkStats, sampleMs: number): void {
  link.lastRtt = sampleMs;
  link.srtt = link.srtt === undefined ? sampleMs : link.srtt + (sampleMs - link.srtt) / 8;
}

/**
 * Round trips to a population of peers folded into one estimate (RFC 6298's smoothed RTT and variation):
 * what a request to a peer never measured should wait. Fed only with round trips to peers that were
 * unmeasured when asked, so it describes exactly the peers it is used for (near contacts, measured
 * often, would pull it below the far ones). Over a population the variation term is wide, so the RTO
 * sits above most of it. A fixed second per unmeasured peer made every dead node a lookup met cost a
 * second per try, and most of a lookup's peers are unmeasured.
 */
export class PopulationRtt {
  private srtt: number | undefined = undefined;
  private rttvar = 0;

  record(sampleMs: number): void {
    if (this.srtt === undefined) {
      this.srtt = sampleMs;
      this.rttvar = sampleMs / 2;
      return;
    }
    this.rttvar += (Math.abs(this.srtt - sampleMs) - this.rttvar) / 4;
    this.srtt += (sampleMs - this.srtt) / 8;
  }

  /** SRTT + 4 × RTTVAR, ms; undefined before the first sample. */
  get rtoMs(): number | undefined {
    return this.srtt === undefined ? undefined : this.srtt + 4 * this.rttvar;
  }
}

/**
 * How long a request waits for its reply, ms: 4 × the link's smoothed RTT once measured, else the overall
 * estimate's RTO, else `maxMs`; doubled for each earlier unanswered try (`retry`), as TCP backs off, so a
 * peer slower than the estimate is still heard on a later try; never below `minMs` nor above `maxMs`.
 */
export function requestTimeoutMs(linkSrtt: number | undefined, overall: PopulationRtt, minMs: number, maxMs: number, retry = 0): number {
  const guess = linkSrtt !== undefined ? 4 * linkSrtt : overall.rtoMs;
  return guess === undefined ? maxMs : Math.min(maxMs, Math.max(minMs, guess) * 2 ** retry);
}
