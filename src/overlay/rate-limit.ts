// Requests per source per second, bounded in memory: a token bucket per source address. A bucket left
// alone for a second is full again, exactly as if the source had never been seen, so only sources heard
// from within the last second or two need remembering. Sources live in two generations (this second's
// and the previous one's); when a generation ages out, every source in it is forgotten at once. The
// number tracked is also capped (`maxSources`, the oldest forgotten first), so a flood from many spoofed
// addresses costs bounded memory. A node of a large overlay hears from a few dozen sources a second,
// so its limiter stays small instead of filling up to the cap with sources long gone.

interface Bucket {
  tokens: number;
  at: number;
}

/** A per-source token-bucket limiter. */
export class SourceRateLimiter {
  private current = new Map<string, Bucket>();
  private previous = new Map<string, Bucket>();
  private generationStart = Number.NEGATIVE_INFINITY;

  /** `perSecond` requests per second per source (also the burst); `maxSources` tracked at once. */
  constructor(
    private readonly perSecond: number,
    private readonly maxSources: number,
  ) {}

  /** True when a request from `source` at `now` (ms) is within its rate; false means drop it. */
  allow(source: string, now: number): boolean {
    // A generation spans the time a bucket takes to refill (1 s): what is older than two is full again.
    if (now - this.generationStart >= 1000) {
      this.previous = now - this.generationStart >= 2000 ? new Map() : this.current;
      this.current = new Map();
      this.generationStart = now;
    }
    let b = this.current.get(source);
    if (b === undefined) {
      b = this.previous.get(source);
      if (b !== undefined) this.previous.delete(source);
      else {
        this.makeRoom();
        b = { tokens: this.perSecond, at: now };
      }
      this.current.set(source, b);
    }
    b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) * this.perSecond) / 1000);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Sources tracked now. */
  get tracked(): number {
    return this.current.size + this.previous.size;
  }

  // At the cap, forget the source tracked longest: the previous generation's first, else this one's.
  private makeRoom(): void {
    if (this.tracked < this.maxSources) return;
    const from = this.previous.size > 0 ? this.previous : this.current;
    const oldest = from.keys().next();
    if (!oldest.done) from.delete(oldest.value);
  }
}
