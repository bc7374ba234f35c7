// announce_peer tokens (BEP 5): a get_peers reply hands the asker a token bound to its IP address, and
// only an announce_peer from that address carrying a recent token is stored. The token is a hash of the
// address and a secret that changes every `rotateMs`; the current and the previous secret are accepted,
// so a token lives between one and two rotations (BEP 5: "tokens up to ten minutes old are accepted").
// Rotation is computed from the injected clock when a token is made or checked: no timer to run.
import { createHash, randomBytes } from 'node:crypto';

/** Bytes of a token (a truncated SHA-1 of the secret and the address; 8 are unguessable enough for a 10-minute life). */
export const TOKEN_BYTES = 8;
/** Bytes of each secret. */
const SECRET_BYTES = 16;

/** Makes and checks write tokens bound to a requester's IP address. */
export class TokenIssuer {
  private current: Buffer;
  private previous: Buffer;
  private rotatedAt: number;

  /** `rotateMs`: how often the secret changes (tokens are accepted for up to twice that); `now`: the clock's time, ms. */
  constructor(
    private readonly rotateMs: number,
    now: number,
    // Secrets must be unguessable, so they come from node:crypto, never from the node's seeded generator.
    private readonly secret: () => Buffer = () => randomBytes(SECRET_BYTES),
  ) {
    this.current = secret();
    this.previous = secret();
    this.rotatedAt = now;
  }

  /** The token for a requester at `host` (its IP address as text), valid from now for at least `rotateMs`. */
  issue(host: string, now: number): Uint8Array {
    this.rotate(now);
    return token(this.current, host);
  }

  /** True when `candidate` is a token this issuer gave `host` within the last one or two rotations. */
  check(host: string, candidate: Uint8Array, now: number): boolean {
    this.rotate(now);
    if (candidate.length !== TOKEN_BYTES) return false;
    return same(token(this.current, host), candidate) || same(token(this.previous, host), candidate);
  }

  private rotate(now: number): void {
    if (!(this.rotateMs > 0)) return;
    const periods = Math.floor((now - this.rotatedAt) / this.rotateMs);
    if (periods <= 0) return;
    // Two or more periods idle: both old secrets are too old, so both are replaced.
    this.previous = periods === 1 ? this.current : this.secret();
    this.current = this.secret();
    this.rotatedAt += periods * this.rotateMs;
  }
}

function token(secret: Buffer, host: string): Uint8Array {
  return new Uint8Array(createHash('sha1').update(secret).update(host).digest().subarray(0, TOKEN_BYTES));
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
