/**
 * Requests per key: a token bucket per API key (`burst` tokens, refilled at `perSecond`), so a
 * client may burst briefly but not hold a shared node. Pure: the caller gives the time.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    /** Buckets kept at most; beyond, full ones (idle keys) are dropped first. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Take a token for `key` at `nowMs`: 0 when allowed, else the whole seconds to wait. */
  take(key: string, nowMs: number): number {
    if (this.perSecond <= 0) return 0;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.perSecond);
    b.at = nowMs;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxKeys) this.evict(nowMs);
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  private evict(nowMs: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.at) / 1000) * this.perSecond >= this.burst)
        this.buckets.delete(key);
    }
    // Still full of busy keys: start over rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}
