// When a receiver's node leaves the shared tree for the source's: the policy routers offer (Cisco's
// `ip pim spt-threshold`, pimd's `spt-threshold`): at the first packet, past a rate, or never.
import { InvalidArgumentError } from '../../errors.ts';

/** 'first-packet' (the default, as routers do), 'never' (stay on the shared tree), or a rate threshold in bytes per second. */
export type SwitchPolicy = 'first-packet' | 'never' | { readonly rateBytesPerSecond: number };

/** Checks a policy; ERR_INVALID_ARGUMENT for anything else. */
export function checkPolicy(p: SwitchPolicy): SwitchPolicy {
  if (p === 'first-packet' || p === 'never') return p;
  if (typeof p === 'object' && p !== null && Number.isFinite(p.rateBytesPerSecond) && p.rateBytesPerSecond >= 0) return p;
  throw new InvalidArgumentError(`switchPolicy must be 'first-packet', 'never' or { rateBytesPerSecond }, got ${JSON.stringify(p)}`, {});
}

/** A policy as text, for events and trees. */
export function describePolicy(p: SwitchPolicy): string {
  return typeof p === 'string' ? p : `rate > ${p.rateBytesPerSecond} B/s`;
}

/**
 * Bytes per second from one source over a sliding window, kept as two half-window buckets (constant memory,
 * at most half a window stale).
 */
export class RateMeter {
  private bucketStart = Number.NEGATIVE_INFINITY;
  private current = 0;
  private previous = 0;

  constructor(private readonly windowMs: number) {}

  /** Counts `bytes` arriving at `now` (ms) and returns the rate over the last window, bytes per second. */
  add(bytes: number, now: number): number {
    const half = this.windowMs / 2;
    if (now - this.bucketStart >= half) {
      this.previous = now - this.bucketStart >= 2 * half ? 0 : this.current;
      this.current = 0;
      this.bucketStart = now - ((now - (Number.isFinite(this.bucketStart) ? this.bucketStart : now)) % half);
    }
    this.current += bytes;
    return ((this.current + this.previous) * 1000) / this.windowMs;
  }
}

/** Whether a packet of `bytes` arriving on the shared tree at `now` makes the receiver switch, under `policy`. */
export function wantsSwitch(policy: SwitchPolicy, meter: RateMeter, bytes: number, now: number): boolean {
  if (policy === 'first-packet') return true;
  if (policy === 'never') return false;
  return meter.add(bytes, now) > policy.rateBytesPerSecond;
}
