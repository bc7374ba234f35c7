// Draws a group's trees from every node's state: the shared tree (RPT) from the RP down the (*,G) joins,
// and each source's tree (SPT) from the source down the (S,G) joins, marking branches pruned off the shared
// tree for a source, (S,G,rpt), and the nodes whose application is a member.
import type { AlmRouter, GroupSnapshot } from './router.ts';

/** Options of `drawTrees`. */
export interface DrawOptions {
  /** Short names for addresses (`udp://10.0.0.5:4000` → `stb-3`). Default: the address without `udp://`. */
  readonly name?: (address: string) => string;
  /** Most levels drawn (a loop in stale state cannot run away). Default 32. */
  readonly maxDepth?: number;
}

/** The RPT and every SPT of `group`, as lines of text, from the snapshots of all (or many) nodes. */
export function drawTrees(group: string, snapshots: readonly GroupSnapshot[], options: DrawOptions = {}): string[] {
  const name = options.name ?? ((a: string) => a.replace(/^udp:\/\//, ''));
  const maxDepth = options.maxDepth ?? 32;
  const states = snapshots.filter((s) => s.group === group);
  const byNode = new Map(states.map((s) => [s.node, s]));
  const lines: string[] = [];
  const member = (s: GroupSnapshot | undefined) => (s?.oifs.includes('local') ? ' [member]' : '');

  const walk = (node: string, children: (n: string) => string[], label: (n: string) => string, prefix: string, depth: number, seen: Set<string>) => {
    const kids = children(node);
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${name(k)}${label(k)}`);
      if (depth < maxDepth && !seen.has(k)) {
        seen.add(k);
        walk(k, children, label, prefix + (last ? '   ' : '│  '), depth + 1, seen);
      }
    });
  };

  const roots = states.filter((s) => s.root);
  if (roots.length === 0) lines.push(`RPT of ${group}: no node is the RP yet (no member has joined)`);
  for (const root of roots) {
    lines.push(`RPT of ${group}, root (the RP): ${name(root.node)}${member(root)}`);
    const rptChildren = (n: string) => states.filter((s) => s.upstream === n && s.joined).map((s) => s.node).sort();
    walk(root.node, rptChildren, (k) => {
      const s = byNode.get(k);
      const pruned = s?.sources.filter((x) => x.rptPrunedAt !== undefined).map((x) => name(x.source)) ?? [];
      return `${member(s)}${pruned.length ? `  (pruned for ${pruned.join(', ')}: S,G,rpt)` : ''}`;
    }, '', 1, new Set([root.node]));
  }

  const sources = new Set<string>();
  for (const s of states) for (const x of s.sources) sources.add(x.source);
  for (const src of [...sources].sort()) {
    const onTree = states.filter((s) => s.sources.some((x) => x.source === src && x.upstream !== undefined));
    const srcState = byNode.get(src)?.sources.find((x) => x.source === src);
    const register = srcState?.register ? `, register state ${srcState.register}` : '';
    if (onTree.length === 0) {
      lines.push(`SPT of ${name(src)}: no node has joined it (data reaches the RP by Register${register})`);
      continue;
    }
    lines.push(`SPT of ${name(src)}${register}`);
    const sptChildren = (n: string) => onTree.filter((s) => s.sources.find((x) => x.source === src)!.upstream === n).map((s) => s.node).sort();
    walk(src, sptChildren, (k) => {
      const s = byNode.get(k);
      const x = s?.sources.find((y) => y.source === src);
      return `${member(s)}${x?.sptBit ? '' : '  (joined, no data on it yet)'}`;
    }, '', 1, new Set([src]));
  }
  return lines;
}

/**
 * Collects the live state of `group` by asking nodes over the network, starting at `start` and following
 * every neighbour their state names (upstreams, downstreams, prunes), breadth first, up to `maxNodes`
 * nodes. Resolves to the snapshots gathered (draw them with `drawTrees`); nodes that do not answer are
 * left out. The queries go through `router` (any ALM router; `courier mcast tree --via` makes its own).
 */
export async function crawlTree(router: AlmRouter, start: string, group: string, maxNodes = 256): Promise<GroupSnapshot[]> {
  const seen = new Set<string>([start]);
  const found: GroupSnapshot[] = [];
  let frontier = [start];
  while (frontier.length > 0) {
    const answers = await Promise.all(frontier.map((a) => new Promise<GroupSnapshot | undefined>((resolve) => router.queryState(a, group, resolve))));
    const next: string[] = [];
    answers.forEach((s, i) => {
      if (!s) return;
      // The address asked is the node's name; what the reply says of itself is not trusted.
      const snap: GroupSnapshot = { ...s, node: frontier[i]! };
      found.push(snap);
      const named = [snap.upstream, ...snap.oifs, ...snap.sources.flatMap((x) => [x.source, x.upstream, x.rptPrunedAt, ...x.oifs, ...x.rptPrunes])];
      for (const a of named) {
        if (a === undefined || a === 'local' || seen.has(a) || seen.size >= maxNodes) continue;
        seen.add(a);
        next.push(a);
      }
    });
    frontier = next;
  }
  return found;
}
