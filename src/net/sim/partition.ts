/**
 * A network partition: hosts on side A cannot reach hosts on side B, and the other way round, until it is
 * healed. Hosts on neither side (when side B is given explicitly) are not affected.
 */
export class Partition {
  private healed = false;

  /** Use `network.partition(...)`. `sides[host]` is 1 for side A, 2 for side B, 0 for neither. */
  constructor(
    private readonly sides: Uint8Array,
    /** True when side B is "every host not on side A", including hosts added later. */
    private readonly restIsB: boolean,
    private readonly onHeal: (p: Partition) => void,
  ) {}

  /** True until `heal()` is called. */
  get active(): boolean {
    return !this.healed;
  }

  /** True when the partition separates the two hosts (by host id). */
  separates(a: number, b: number): boolean {
    const sa = this.side(a);
    const sb = this.side(b);
    return sa !== 0 && sb !== 0 && sa !== sb;
  }

  /** Ends the partition: datagrams and stream traffic cross again from now on. Idempotent. */
  heal(): void {
    if (this.healed) return;
    this.healed = true;
    this.onHeal(this);
  }

  private side(host: number): number {
    const s = host < this.sides.length ? this.sides[host]! : 0;
    return s === 0 && this.restIsB ? 2 : s;
  }
}
