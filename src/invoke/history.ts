import type { Clock } from '../net/clock.ts';

interface Entry {
  /** The reply's datagrams once it was sent; undefined while the request is being executed. */
  reply: Uint8Array[] | undefined;
  at: number;
}

/**
 * The server's memory of at-most-once requests, keyed by client and request id: a retransmitted request
 * whose reply was sent gets that reply again instead of being executed twice; one still being executed
 * is ignored (its reply will come). Bounded by `maxEntries` (oldest completed first) and `maxAge` ms.
 * A client that retries for longer than `maxAge` loses the guarantee: keep it above the client's timeout.
 */
export class ReplyHistory {
  private readonly entries = new Map<string, Entry>();
  evicted = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxAge: number,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** What to do with a request: 'new' (execute it), 'running' (ignore), or the reply to send again. */
  check(key: string): 'new' | 'running' | Uint8Array[] {
    this.expire();
    const entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= this.maxEntries) this.evictOne();
      this.entries.set(key, { reply: undefined, at: this.clock.now() });
      return 'new';
    }
    return entry.reply ?? 'running';
  }

  /** Records the reply sent for `key`, to be replayed to retransmissions. */
  complete(key: string, reply: Uint8Array[]): void {
    const entry = this.entries.get(key);
    if (!entry) return; // evicted meanwhile: a retransmission would execute again, which maxEntries allows
    // Move it to the end: ages count from the reply, which is when the client starts to stop retrying.
    this.entries.delete(key);
    this.entries.set(key, { reply, at: this.clock.now() });
  }

  /** Forgets `key` (the request failed before a reply existed, so a retry may execute it). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private expire(): void {
    const oldest = this.clock.now() - this.maxAge;
    for (const [key, entry] of this.entries) {
      if (entry.at >= oldest) break;
      if (entry.reply === undefined) continue; // still executing: keep it, or a retry would run it twice
      this.entries.delete(key);
      this.evicted++;
    }
  }

  private evictOne(): void {
    let victim: string | undefined;
    for (const [key, entry] of this.entries) {
      if (entry.reply !== undefined) {
        victim = key;
        break;
      }
    }
    // Every entry still executing (the application is not replying): give up the oldest, to stay bounded.
    victim ??= this.entries.keys().next().value;
    if (victim !== undefined) {
      this.entries.delete(victim);
      this.evicted++;
    }
  }
}
