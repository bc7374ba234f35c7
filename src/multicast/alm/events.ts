// Every change of multicast state is an event: what changed, at which node, for which group and source.
// Listeners are called synchronously (the simulator and the tests read the protocol through them); the
// latest events are also kept in a bounded ring for `courier mcast tree` and debugging.

/** Kinds of state change. */
export type AlmEventType =
  /** A downstream neighbour (or the local application) joined (*,G) or (S,G) here. */
  | 'join'
  /** A downstream neighbour (or the local application) left, or pruned, (*,G) or (S,G) here. */
  | 'prune'
  /** A downstream neighbour pruned source S off the shared tree here: (S,G,rpt). */
  | 'prune-rpt'
  /** Join or prune state timed out without a refresh, or (S,G) state without data (neighbor 'keepalive'): soft state. */
  | 'expire'
  /** This node joined (or moved its join) toward an upstream neighbour: `neighbor` is the new one. */
  | 'upstream'
  /** This node took the rendezvous point's role for the group (no node is closer to the group's key). */
  | 'rp'
  /** The source's node started (or, after a probe no Register-Stop answered, resumed) registering, or the RP got a source's first Register. */
  | 'register'
  /** The RP told the source to stop registering, or the source's node received that. */
  | 'register-stop'
  /** Data from S now arrives on the shortest-path tree here (the SPT bit is set). */
  | 'spt-switch'
  /** An upstream neighbour did not acknowledge a Join/Prune: taken for dead, its state re-joined around it. */
  | 'neighbor-dead';

/** One state change. `source` is the source's overlay address, or '*' for (*,G) state. */
export interface AlmEvent {
  readonly type: AlmEventType;
  /** The overlay address of the node where it happened. */
  readonly node: string;
  readonly group: string;
  readonly source: string;
  /** The neighbour concerned (downstream for join/prune, upstream for upstream), or 'local' for this node's application. */
  readonly neighbor?: string;
  /** The clock's time, ms. */
  readonly at: number;
}

/** Called for every event. */
export type AlmEventListener = (event: AlmEvent) => void;

/** Listeners plus a bounded ring of recent events. */
export class AlmEvents {
  private readonly listeners = new Set<AlmEventListener>();
  private readonly ring: AlmEvent[] = [];
  private next = 0;

  constructor(private readonly keep: number) {}

  /** Adds a listener; the returned function removes it. */
  on(listener: AlmEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AlmEvent): void {
    if (this.ring.length < this.keep) this.ring.push(event);
    else {
      this.ring[this.next] = event;
      this.next = (this.next + 1) % this.keep;
    }
    for (const l of this.listeners) l(event);
  }

  /** The kept events, oldest first. */
  recent(): AlmEvent[] {
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
