// Group to rendezvous point: a group's RP is the overlay node responsible for a key. The key is either a
// configured RP's own node id (a static RP, as a set-top box is told its RP: while it lives, it is the
// node responsible for its own id) or the hash of the group's name (Scribe's rendezvous). Either way, when
// the RP fails the node now responsible for that key takes the group over, with no configuration change.
import { InvalidArgumentError } from '../../errors.ts';
import { checkId, idFromKey, type NodeId } from '../../overlay/id.ts';
import type { RpMapping } from './options.ts';

/** The key of a group's hashed RP: SHA-1 of `alm:` and the group's name (the prefix keeps it apart from DHT keys of the same text). */
export function groupKey(group: string): NodeId {
  return idFromKey(`alm:${group}`);
}

/** Checks a group name: non-empty UTF-8 of at most `maxBytes`. ERR_INVALID_ARGUMENT otherwise. */
export function checkGroupName(group: string, maxBytes: number): string {
  if (typeof group !== 'string' || group.length === 0) throw new InvalidArgumentError('a group name must be a non-empty string', { group: String(group) });
  const bytes = Buffer.byteLength(group, 'utf8');
  if (bytes > maxBytes) throw new InvalidArgumentError(`group name of ${bytes} bytes exceeds maxGroupNameBytes (${maxBytes})`, { group: group.slice(0, 40) });
  return group;
}

/** Turns the `rp` option into one function; static RP ids are checked to be 160 bits. */
export function rpResolver(rp: RpMapping | Readonly<Record<string, Uint8Array>> | undefined): (group: string) => NodeId {
  if (rp === undefined) return groupKey;
  if (typeof rp === 'function') {
    return (group) => {
      const id = rp(group);
      return id === undefined ? groupKey(group) : checkId(id, `rp of ${group}`);
    };
  }
  const table = new Map<string, NodeId>();
  for (const [g, id] of Object.entries(rp)) table.set(g, checkId(id, `rp of ${g}`));
  return (group) => table.get(group) ?? groupKey(group);
}
