import { InvalidArgumentError } from '../../errors.ts';
import { hashString, hashUnit } from '../prng.ts';
import { nonNegative } from './link-model.ts';

/**
 * Where a simulated network's latencies come from: the one-way propagation delay between two hosts, ms.
 * It must be a pure function of the two names (and the topology's seed): the network asks once per link.
 */
export interface Topology {
  latency(from: string, to: string): number;
}

/** A range of milliseconds. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

function checkRange(r: Range, name: string): Range {
  nonNegative(r.min, `${name}.min`);
  nonNegative(r.max, `${name}.max`);
  if (r.max < r.min) throw new InvalidArgumentError(`${name}: max (${r.max}) is below min (${r.min})`, { [name]: r });
  return r;
}

/**
 * A full mesh: every pair of hosts gets its own latency, uniform in `latency` ms and the same both ways,
 * derived from the pair's names and `seed` (no table, so any number of hosts costs nothing).
 */
export function fullMesh(options: { latency: Range; seed?: number }): Topology {
  const { min, max } = checkRange(options.latency, 'latency');
  const seed = options.seed ?? 1;
  return {
    latency(from, to) {
      if (from === to) return 0;
      const a = hashString(from);
      const b = hashString(to);
      return min + (max - min) * hashUnit(seed, Math.min(a, b), Math.max(a, b));
    },
  };
}

export interface InternetOptions {
  /** How many sites (stub networks) there are. */
  readonly sites: number;
  /** Host to site access latency, ms, drawn per host. Default { min: 0.5, max: 5 }. */
  readonly access?: Range;
  /** Backbone latency between two sites: `base` plus the distance between them on a unit square times `perUnit`, ms. Default base 5, perUnit 60. */
  readonly backbone?: { readonly base: number; readonly perUnit: number };
  /** Which site a host belongs to (0 .. sites-1). Default: a hash of its name. */
  readonly siteOf?: (host: string) => number;
  readonly seed?: number;
}

/** A two-level internet: latencies of the parts of each path, for measuring an overlay's stretch. */
export interface InternetTopology extends Topology {
  /** The site of a host. */
  site(host: string): number;
  /** Latency from a host to its site's router, ms. */
  access(host: string): number;
  /** Latency across the backbone between two sites, ms (0 within a site). */
  backbone(siteA: number, siteB: number): number;
}

/**
 * A two-level "internet": hosts sit in sites, sites are points on a unit square joined by backbone links
 * whose latency grows with distance (so the triangle inequality holds, as on real networks). The path
 * latency is host→site + backbone + site→host, the same both ways.
 */
export function internet(options: InternetOptions): InternetTopology {
  const sites = options.sites;
  if (!(Number.isInteger(sites) && sites > 0)) throw new InvalidArgumentError(`sites must be a positive integer, got ${sites}`, { sites });
  const access = checkRange(options.access ?? { min: 0.5, max: 5 }, 'access');
  const base = nonNegative(options.backbone?.base ?? 5, 'backbone.base');
  const perUnit = nonNegative(options.backbone?.perUnit ?? 60, 'backbone.perUnit');
  const seed = options.seed ?? 1;
  const siteOf = options.siteOf ?? ((host: string) => hashString(host) % sites);
  const xs = new Float64Array(sites);
  const ys = new Float64Array(sites);
  for (let s = 0; s < sites; s++) {
    xs[s] = hashUnit(seed, s, 1);
    ys[s] = hashUnit(seed, s, 2);
  }
  const topology: InternetTopology = {
    site(host) {
      const s = siteOf(host);
      if (!(Number.isInteger(s) && s >= 0 && s < sites)) throw new InvalidArgumentError(`siteOf('${host}') gave ${s}, not a site from 0 to ${sites - 1}`, { host, site: s });
      return s;
    },
    access(host) {
      return access.min + (access.max - access.min) * hashUnit(seed ^ 0x5bd1e995, hashString(host), 3);
    },
    backbone(a, b) {
      if (a === b) return 0;
      return base + perUnit * Math.hypot(xs[a]! - xs[b]!, ys[a]! - ys[b]!);
    },
    latency(from, to) {
      if (from === to) return 0;
      return topology.access(from) + topology.backbone(topology.site(from), topology.site(to)) + topology.access(to);
    },
  };
  return topology;
}
