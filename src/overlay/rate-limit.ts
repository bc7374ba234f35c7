// Requests per source per second, bounded in memory: a token bucket per source address in a map that
// forgets its oldest source when full, so a flood from many spoofed addresses costs bounded memory.

interface Bucket {
  tokens: number;
  at: number;
}

/** A per-source token-bucket limiter. */
export class SourceRateLimiter {
  private readonly sources = new Map<string, Bucket>();

  /** `perSecond` requests per second per source (also the burst); `maxSources` tracked at once. */
  constructor(
    private readonly perSecond: number,
    private readonly maxSources: number,
  ) {}

  /** True when a request from `source` at `now` (ms) is within its rate; false means drop it. */
  allow(source: string, now: number): boolean {
    let b = this.sources.get(source);
    if (b === undefined) {
      if (this.sources.size >= this.maxSources) {
        // Maps iterate in insertion order: the first key is the source tracked longest.
        const oldest = this.sources.keys().next();
        if (!oldest.done) this.sources.delete(oldest.value);
      }
      b = { tokens: this.perSecond, at: now };
      this.sources.set(source, b);
    } else {
      b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) * this.perSecond) / 1000);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Sources tracked now. */
  get tracked(): number {
    return this.sources.size;
  }
}
