/**
 * A token bucket refilled on demand: no timer, just arithmetic on the elapsed clock time when someone asks.
 * Holds at most `burst` tokens and gains `rate` tokens per second; over any interval of `t` ms it hands out at
 * most `burst + rate·t/1000` tokens.
 */
export class TokenBucket {
  readonly burst: number;
  /** Tokens gained per millisecond. */
  readonly perMs: number;
  tokens: number;
  /** Clock time of the last refill (the last time anyone asked). */
  last: number;

  constructor(rate: number, burst: number, now: number) {
    this.perMs = rate / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Adds the tokens earned since the last call (never above `burst`). */
  refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      const tokens = this.tokens + elapsed * this.perMs;
      this.tokens = Math.min(tokens, this.burst);
      this.last = now;
    }
  }

  /**
   * Takes one token: returns 0 when taken, otherwise the whole milliseconds (at least 1) until a token will be
   * available. Allocates nothing.
   */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
  }
}

export function validateRate(rate: number, burst: number): void {
  if (!(rate > 0) || !Number.isFinite(rate) || !(burst >= 1) || !Number.isFinite(burst)) {
    throw new RangeError(`rate limit: rate must be > 0 and burst >= 1, got rate ${rate}, burst ${burst}`);
  }
}
