// Which of a source's packets a router has already passed on, over a sliding window of sequence numbers.
// While a receiver switches trees, a packet may come on either tree first: the router forwards the first
// copy and drops the second, and knows when the shared tree owes it nothing more (then it prunes it).

/** A bitmap of the last `size` sequence numbers of one source's epoch. */
export class SeenWindow {
  private readonly bits: Uint8Array;
  private epoch = -1;
  private highest = 0;
  private lowest = 0;

  constructor(private readonly size: number) {
    this.bits = new Uint8Array(size);
  }

  /** Records `seq` of `epoch`; false when it was seen already or is too old to tell (drop it). A new epoch starts afresh. */
  add(epoch: number, seq: number): boolean {
    const w = this.size;
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.bits.fill(0);
      this.highest = seq;
      this.lowest = seq;
      this.bits[seq % w] = 1;
      return true;
    }
    if (seq > this.highest) {
      if (seq - this.highest >= w) this.bits.fill(0);
      else for (let s = this.highest + 1; s < seq; s++) this.bits[s % w] = 0;
      this.highest = seq;
      this.bits[seq % w] = 1;
      return true;
    }
    if (seq <= this.highest - w) return false;
    if (seq < this.lowest) this.lowest = seq;
    if (this.bits[seq % w]) return false;
    this.bits[seq % w] = 1;
    return true;
  }

  /** How many numbers from the first seen up to (not including) `seq` of `epoch` have not been seen, within the window. */
  unseenBelow(epoch: number, seq: number): number {
    if (epoch !== this.epoch) return 0;
    let n = 0;
    const from = Math.max(this.lowest, this.highest - this.size + 1, seq - this.size);
    for (let s = from; s < seq && s <= this.highest; s++) if (!this.bits[s % this.size]) n++;
    return n;
  }
}
