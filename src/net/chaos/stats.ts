/** What a chaos proxy did in one direction: `upstream` is client → target, `downstream` target → client. */
export interface DirectionStats {
  /** Datagrams (UDP) or chunks (TCP) read from the source. */
  readonly received: number;
  readonly bytesReceived: number;
  /** Datagrams or chunks written to the destination, duplicates included. */
  readonly forwarded: number;
  readonly bytesForwarded: number;
  /** UDP: dropped on purpose (`loss`). */
  readonly dropped: number;
  /** UDP: dropped because `maxHeld` datagrams were already waiting. */
  readonly overflowed: number;
  /** UDP: extra copies sent (`duplicate`). */
  readonly duplicated: number;
  /** UDP: held back on purpose by `reorderDelay` (`reorder`). */
  readonly heldBack: number;
  /** UDP: forwarded after a datagram the same client sent later had been forwarded (measured, whatever the cause: reorder or jitter). */
  readonly reordered: number;
  /** Sends or writes the operating system refused. */
  readonly errors: number;
}

/** Counters of a chaos proxy since it started. */
export interface ChaosStats {
  readonly transport: 'udp' | 'tcp';
  readonly upstream: DirectionStats;
  readonly downstream: DirectionStats;
  /** UDP: clients seen, and clients evicted past `maxClients`. */
  readonly clients: number;
  readonly evicted: number;
  /** UDP: datagrams waiting on a delay now. */
  readonly held: number;
  /** TCP: connections accepted, open now, refused (past `maxConnections` or the target refused), cut on purpose, and stalls injected. */
  readonly connections: number;
  readonly active: number;
  readonly refused: number;
  readonly cuts: number;
  readonly stalls: number;
}

export type MutableDirectionStats = { -readonly [K in keyof DirectionStats]: DirectionStats[K] };

/** A zeroed set of direction counters. */
export function newDirectionStats(): MutableDirectionStats {
  return { received: 0, bytesReceived: 0, forwarded: 0, bytesForwarded: 0, dropped: 0, overflowed: 0, duplicated: 0, heldBack: 0, reordered: 0, errors: 0 };
}

/** One line per direction, for the CLI and the tour: what was injected and what was forwarded. */
export function describeChaosStats(s: ChaosStats): string[] {
  const line = (name: string, d: DirectionStats) =>
    s.transport === 'udp'
      ? `${name}: ${d.received} in, ${d.forwarded} out, ${d.dropped} dropped, ${d.duplicated} duplicated, ${d.heldBack} held back, ${d.reordered} reordered, ${d.overflowed} overflowed`
      : `${name}: ${d.bytesReceived} bytes in, ${d.bytesForwarded} bytes out in ${d.forwarded} writes`;
  const extra =
    s.transport === 'udp'
      ? `clients: ${s.clients} (${s.evicted} evicted), held now: ${s.held}`
      : `connections: ${s.connections} (${s.active} open, ${s.refused} refused), cuts: ${s.cuts}, stalls: ${s.stalls}`;
  return [line('upstream', s.upstream), line('downstream', s.downstream), extra];
}
