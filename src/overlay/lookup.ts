// Kademlia's iterative lookup: keep α requests in flight to the closest contacts not yet asked, merge the
// contacts each reply names into a shortlist sorted by distance, and stop when the k closest in the
// shortlist have all answered (or, looking for a value, when one comes back). Callback-driven, so a
// simulation of thousands of lookups runs on a virtual clock without a promise per message.
import { commonPrefix, compareDistance, distancePrefix } from './distance.ts';
import { sameId, type NodeId } from './id.ts';
import type { Contact } from './link.ts';
import type { WireBody, WireContact } from './messages.ts';

/** What a finished lookup found. */
export interface LookupResult {
  /** The k closest nodes that answered, closest first. */
  readonly closest: readonly { readonly id: NodeId; readonly address: string }[];
  /** Values found (a `get`), else empty. */
  readonly values: readonly Uint8Array[];
  /** Hops to the closest node found: 1 for a contact of our own table, n + 1 for one named by a node n hops away. */
  readonly hops: number;
  /** Requests sent. */
  readonly messages: number;
  /** Requests that timed out. */
  readonly timeouts: number;
  /** Time from start to finish, ms. */
  readonly latencyMs: number;
  /** Nodes that were among the closest candidates but never answered (after the retries), closest first. */
  readonly unanswered: readonly { readonly id: NodeId; readonly address: string }[];
}

/** What a lookup needs from its node. */
export interface LookupHost {
  readonly self: NodeId;
  readonly k: number;
  readonly alpha: number;
  readonly proximity: boolean;
  now(): number;
  /** The node's own contacts closest to `target`. */
  seeds(target: NodeId): Contact[];
  /** Measured RTT to a node, ms, if known. */
  rttOf(id: NodeId): number | undefined;
  /** Sends a request (`retry`: how many earlier tries to this node went unanswered); `done` gets the reply's body, or undefined on time-out or failure. */
  request(to: { id: NodeId; address: string }, body: WireBody, done: (reply: WireBody | undefined) => void, retry: number): void;
}

const NEW = 0;
const ASKED = 1;
const ANSWERED = 2;
const FAILED = 3;
/** Times an unanswered request to the same node is repeated before it counts as failed. */
const RETRIES = 2;

interface Entry {
  readonly id: NodeId;
  readonly address: string;
  readonly hop: number;
  /** distancePrefix to the target, for sorting. */
  readonly key: number;
  /** RTT to it as known when it was added, ms (Infinity: not measured). */
  readonly rtt: number;
  state: number;
  /** Requests that went unanswered so far; one is retried, as a lost datagram is not a dead node. */
  misses: number;
}

/** Runs one iterative lookup for `target`; `wantValue` asks for values (findValue) instead of nodes. */
export function runLookup(host: LookupHost, target: NodeId, wantValue: boolean, done: (r: LookupResult) => void): void {
  const started = host.now();
  // Ids seen, by their first 48 bits (exact on the rare collision): cheaper than a hex string per contact.
  const known = new Map<number, NodeId[]>();
  const isNew = (id: NodeId): boolean => {
    const p = idPrefix(id);
    const same = known.get(p);
    if (same === undefined) {
      known.set(p, [id]);
      return true;
    }
    for (const x of same) if (sameId(x, id)) return false;
    same.push(id);
    return true;
  };
  isNew(host.self);
  let list: Entry[] = [];
  let inFlight = 0;
  let messages = 0;
  let timeouts = 0;
  let finished = false;
  // Kademlia's last round: once a reply names no node closer than the closest already known, the lookup
  // has all but converged, and the k closest not yet asked are asked at once instead of α at a time.
  let lastRound = false;
  const values: Uint8Array[] = [];
  const byDistance = (a: Entry, b: Entry) => a.key - b.key || compareDistance(target, a.id, b.id);
  // Bound on the shortlist: entries beyond it are too far to matter once k closer ones are known.
  const cap = host.k * 3;

  const add = (c: WireContact | Contact, hop: number) => {
    if (!isNew(c.id)) return;
    const rtt = host.proximity ? (host.rttOf(c.id) ?? Number.POSITIVE_INFINITY) : 0;
    list.push({ id: c.id, address: c.address, hop, key: distancePrefix(target, c.id), rtt, state: NEW, misses: 0 });
  };
  for (const c of host.seeds(target)) add(c, 1);

  const finish = () => {
    if (finished) return;
    finished = true;
    const answered = list.filter((e) => e.state === ANSWERED).slice(0, host.k);
    const unanswered = list.filter((e) => e.state === FAILED).slice(0, host.k);
    done({
      unanswered: unanswered.map((e) => ({ id: e.id, address: e.address })),
      closest: answered.map((e) => ({ id: e.id, address: e.address })),
      values,
      hops: answered[0]?.hop ?? 0,
      messages,
      timeouts,
      latencyMs: host.now() - started,
    });
  };

  const next = (): Entry | undefined => {
    let best: Entry | undefined;
    let bestTier = -1;
    let bestRtt = Number.POSITIVE_INFINITY;
    let seen = 0;
    for (const e of list) {
      if (e.state === FAILED) continue;
      // Only the k closest live entries are worth asking; farther ones cannot change the answer.
      if (++seen > host.k) break;
      if (e.state !== NEW) continue;
      if (!best) {
        best = e;
        bestTier = commonPrefix(target, e.id);
        bestRtt = e.rtt;
        if (!host.proximity) break;
        continue;
      }
      // Proximity: an entry fixing as many leading bits as the closest one is as good a step; prefer the nearer.
      if (commonPrefix(target, e.id) !== bestTier) break;
      if (e.rtt < bestRtt) {
        best = e;
        bestRtt = e.rtt;
      }
    }
    return best;
  };

  const converged = (): boolean => {
    let seen = 0;
    for (const e of list) {
      if (e.state === FAILED) continue;
      if (e.state !== ANSWERED) return false;
      if (++seen >= host.k) return true;
    }
    return true;
  };

  const pump = () => {
    if (finished) return;
    if (wantValue && values.length > 0) return finish();
    if (list.length > 0 && converged() && list.some((e) => e.state === ANSWERED)) return finish();
    while (inFlight < (lastRound ? host.k : host.alpha)) {
      const e = next();
      if (!e) break;
      e.state = ASKED;
      inFlight++;
      messages++;
      const body: WireBody = wantValue ? { case: 'findValue', value: target } : { case: 'findNode', value: target };
      host.request(e, body, (reply) => {
        inFlight--;
        if (finished) return;
        if (reply === undefined) {
          timeouts++;
          e.state = ++e.misses > RETRIES ? FAILED : NEW;
        } else {
          e.state = ANSWERED;
          let contacts: readonly WireContact[] = [];
          if (reply.case === 'nodes') contacts = reply.value;
          else if (reply.case === 'found') {
            contacts = reply.value.nodes;
            for (const v of reply.value.values) if (!values.some((x) => Buffer.compare(x, v) === 0)) values.push(v);
          }
          const closestBefore = list.find((x) => x.state !== FAILED);
          for (const c of contacts) if (!sameId(c.id, host.self)) add(c, e.hop + 1);
          list.sort(byDistance);
          lastRound = list.find((x) => x.state !== FAILED) === closestBefore;
          if (list.length > cap) list = dropFar(list, cap);
        }
        pump();
      }, e.misses);
    }
    if (inFlight === 0) finish();
  };
  list.sort(byDistance);
  pump();
}

// Drops the farthest entries that are not awaiting a reply (an asked one must stay so its reply is counted).
function dropFar(list: Entry[], cap: number): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < list.length; i++) if (i < cap || list[i]!.state === ASKED) out.push(list[i]!);
  return out;
}

function idPrefix(id: NodeId): number {
  return id[0]! * 0x10000000000 + id[1]! * 0x100000000 + ((id[2]! << 24) >>> 0) + (id[3]! << 16) + (id[4]! << 8) + id[5]!;
}
