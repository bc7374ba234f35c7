import type { Clock } from '../net/clock.ts';

/** Operation ids of the lease protocol, beside the interface's own methods and DESCRIBE_OPERATION. */
export const RENEW_LEASE_OPERATION = 0xffff_fffe;
export const RELEASE_LEASE_OPERATION = 0xffff_fffd;

export const LEASE_DEFAULTS = Object.freeze({ duration: 60_000, maxHoldersPerObject: 10_000 });

/**
 * The server's leases on collectable objects: each holder (a client address) keeps an object alive for
 * `duration` ms after its last renewal. An object whose every lease has expired is handed to `collect`,
 * so crashed clients do not leak objects. A new object starts with one lease held by its exporter, which
 * gives its first client `duration` ms to take a lease of its own.
 */
export class LeaseTable {
  private readonly leases = new Map<number, Map<string, number>>();
  private cancelSweep: (() => void) | undefined;
  collected = 0;

  constructor(
    private readonly clock: Clock,
    readonly duration: number,
    private readonly collect: (objectNumber: number) => void,
  ) {}

  /** Starts tracking a collectable object. */
  track(objectNumber: number): void {
    this.leases.set(objectNumber, new Map([['(exporter)', this.clock.now() + this.duration]]));
    this.scheduleSweep();
  }

  /** Renews `holder`'s lease; returns the lease granted in ms, or 0 when the object is not collectable. */
  renew(objectNumber: number, holder: string): number {
    const holders = this.leases.get(objectNumber);
    if (!holders) return 0;
    if (!holders.has(holder) && holders.size >= LEASE_DEFAULTS.maxHoldersPerObject) return 0;
    holders.set(holder, this.clock.now() + this.duration);
    return this.duration;
  }

  /** Drops `holder`'s lease (a clean release); the object is collected at the next sweep if none remain. */
  release(objectNumber: number, holder: string): void {
    this.leases.get(objectNumber)?.delete(holder);
  }

  /** Stops tracking (the object was removed explicitly). */
  forget(objectNumber: number): void {
    this.leases.delete(objectNumber);
  }

  /** Live leases on an object (for tests and stats). */
  holders(objectNumber: number): number {
    return this.leases.get(objectNumber)?.size ?? 0;
  }

  dispose(): void {
    this.cancelSweep?.();
    this.cancelSweep = undefined;
  }

  private scheduleSweep(): void {
    this.cancelSweep ??= this.clock.setTimer(() => this.sweep(), Math.max(1, this.duration / 2));
  }

  private sweep(): void {
    this.cancelSweep = undefined;
    const now = this.clock.now();
    for (const [objectNumber, holders] of this.leases) {
      for (const [holder, expiry] of holders) if (expiry <= now) holders.delete(holder);
      if (holders.size === 0) {
        this.leases.delete(objectNumber);
        this.collected++;
        this.collect(objectNumber);
      }
    }
    if (this.leases.size > 0) this.scheduleSweep();
  }
}
