// Where the ranks of a job run: `--hosts a:2,b:2` names machines and their slots, as Open MPI's `-H` does.
// Ranks fill the hosts in order (by slot, not round-robin), so neighbouring ranks share a host.
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../errors.ts';

/** A machine and the number of ranks it takes. */
export interface HostSlots {
  /** What ssh connects to: `node7`, `10.0.0.7` or `user@node7`. */
  readonly host: string;
  readonly slots: number;
}

/** Parses `a:2,b:2` (a host without `:N` has one slot). ERR_INVALID_ARGUMENT names the bad entry. */
export function parseHosts(text: string): HostSlots[] {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.some((e) => e === '')) throw new InvalidArgumentError(`--hosts '${text}': expected host[:slots],host[:slots],…`, { hosts: text });
  return entries.map((entry) => {
    const m = /^([^\s:,]+|\[[^\]\s]+\])(?::(\d+))?$/.exec(entry);
    const slots = m?.[2] === undefined ? 1 : Number(m[2]);
    if (!m || !Number.isInteger(slots) || slots < 1) throw new InvalidArgumentError(`--hosts: '${entry}' is not host[:slots] with slots at least 1`, { hosts: text });
    return { host: m[1]!.replace(/^\[|\]$/g, ''), slots };
  });
}

/** The host of each rank: hosts filled in order. ERR_INVALID_ARGUMENT when `np` exceeds the slots. */
export function placeRanks(np: number, hosts: readonly HostSlots[]): string[] {
  const total = hosts.reduce((sum, h) => sum + h.slots, 0);
  if (np > total) throw new InvalidArgumentError(`-n ${np} needs ${np} slots but --hosts gives ${total}`, { np, slots: total });
  const placed: string[] = [];
  for (const h of hosts) for (let s = 0; s < h.slots && placed.length < np; s++) placed.push(h.host);
  return placed;
}

/** True for a host that means this machine (its ranks are started directly, without ssh). */
export function isThisHost(host: string): boolean {
  return host === 'localhost' || host === hostname();
}

/** The network name of an ssh target: `node7` for `user@node7`. */
export function networkHost(target: string): string {
  return target.slice(target.lastIndexOf('@') + 1);
}
