// Requests awaiting their replies, for both kinds of overlay node (courier's own and the Mainline
// profile): random transaction ids, a time-out from the link's RTT or from the estimate for unmeasured
// peers, counting on the logical link, and dropping a contact that fails too often in a row.
import type { Clock } from '../net/clock.ts';
import type { Prng } from '../net/prng.ts';
import type { NodeId } from './id.ts';
import { PopulationRtt, recordRtt, requestTimeoutMs, type Contact } from './link.ts';
import type { RoutingTable } from './routing-table.ts';

/** What a node lends its pending requests. */
export interface RequestHost {
  readonly clock: Clock;
  readonly random: Prng;
  readonly table: RoutingTable;
  readonly limits: { readonly maxPendingRequests: number; readonly minRpcTimeoutMs: number; readonly rpcTimeoutMs: number; readonly maxFailures: number };
  /** The node's counters: time-outs and contacts dropped for failing are counted here. */
  readonly counters: { timeouts: number; evictions: number };
}

/** One request awaiting its reply, with whatever the node keeps beside it (`extra`). */
export type Outstanding<X> = X & {
  /** The address the request went to: only it may answer. */
  readonly to: string;
  /** The id the answer must come from, when the request went to a known node. */
  readonly contactId: NodeId | undefined;
  readonly sentAt: number;
  /** Whether the request was counted on a logical link (its reply then is too). */
  readonly counted: boolean;
  /** Whether the peer's RTT was unknown when it was sent: only such round trips feed the estimate for unknown peers. */
  readonly unmeasured: boolean;
  readonly cancel: () => void;
};

/** The requests of one node that await replies. Bounded by `maxPendingRequests`. */
export class PendingRequests<X> {
  private readonly map = new Map<number, Outstanding<X>>();
  /** Round trips to peers that were unmeasured when asked: the time-out for the next such peer. */
  private readonly unknownPeerRtt = new PopulationRtt();

  constructor(private readonly host: RequestHost) {}

  get size(): number {
    return this.map.size;
  }

  /**
   * Registers a request to `to` (to contact `contactId`, if known; `retry`: earlier unanswered tries) and
   * returns its transaction id, or undefined when too many are pending. `onTimeout` runs if no reply
   * settles it in time, after the contact's failure is counted. A request that takes a longer path than
   * any round trip measured (`detour`: through a relay) waits the full `rpcTimeoutMs`.
   */
  open(to: string, contactId: NodeId | undefined, retry: number, extra: X, onTimeout: () => void, detour = false): number | undefined {
    const { clock, random, table, limits, counters } = this.host;
    if (this.map.size >= limits.maxPendingRequests) return undefined;
    let tx = random.nextU32();
    while (this.map.has(tx)) tx = random.nextU32();
    const contact = contactId ? table.get(contactId) : undefined;
    const srtt = contact?.link.srtt;
    if (contact) contact.link.requests++;
    const cancel = clock.setTimer(() => {
      if (this.map.get(tx)?.cancel !== cancel) return;
      this.map.delete(tx);
      counters.timeouts++;
      if (contactId) this.failed(contactId);
      onTimeout();
    }, detour ? limits.rpcTimeoutMs : requestTimeoutMs(srtt, this.unknownPeerRtt, limits.minRpcTimeoutMs, limits.rpcTimeoutMs, retry));
    this.map.set(tx, { ...extra, to, contactId, sentAt: clock.now(), counted: contact !== undefined, unmeasured: srtt === undefined, cancel });
    return tx;
  }

  /** The request with transaction id `tx`, if it still awaits its reply. */
  get(tx: number): Outstanding<X> | undefined {
    return this.map.get(tx);
  }

  /** A reply settled request `tx`: it stops waiting. Returns the round trip, ms (fed to the unknown-peer estimate when the peer was unmeasured). */
  settle(tx: number, p: Outstanding<X>): number {
    this.map.delete(tx);
    p.cancel();
    const rtt = this.host.clock.now() - p.sentAt;
    if (p.unmeasured) this.unknownPeerRtt.record(rtt);
    return rtt;
  }

  /** Counts a settled request's reply on the contact's logical link. */
  static replied(contact: Contact, p: Outstanding<unknown>, rttMs: number): void {
    if (p.counted) contact.link.replies++;
    recordRtt(contact.link, rttMs);
  }

  /** Stops waiting for every request, calling `each` with each (the node is closing). */
  abandonAll(each: (p: Outstanding<X>) => void): void {
    for (const [tx, p] of this.map) {
      this.map.delete(tx);
      p.cancel();
      each(p);
    }
  }

  // A request to a contact went unanswered: after maxFailures in a row it leaves the table.
  private failed(id: NodeId): void {
    const { table, limits, counters } = this.host;
    const c = table.get(id);
    if (!c) return;
    c.link.timeouts++;
    if (++c.failures >= limits.maxFailures) {
      table.remove(id);
      counters.evictions++;
    }
  }
}
