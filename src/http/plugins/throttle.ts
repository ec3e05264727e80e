/**
 * Fair use of a shared node, per API key: requests per second (a token bucket, domain/
 * rate-limit.ts) and open event streams. Over either limit the answer is a 429 in IBM's error
 * shape with Retry-After. The gate (gate.ts) checks the rate after authentication, so it is per
 * key, and an unauthenticated request never costs a bucket.
 */
import { AppError } from '../../domain/errors.js';
import { TokenBuckets } from '../../domain/rate-limit.js';

export interface Limits {
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly streamsPerKey: number;
}

export class Throttle {
  readonly buckets: TokenBuckets;
  readonly streams = new Map<string, number>();
  /** Requests refused, by limit (for /metrics). */
  readonly refused = { requests: 0, streams: 0 };

  constructor(readonly limits: Limits) {
    this.buckets = new TokenBuckets(limits.requestsPerSecond, limits.burst);
  }

  /** Count an event stream for `keyId`, or throw a 429 when it already holds the most. */
  openStream(keyId: string): void {
    const open = this.streams.get(keyId) ?? 0;
    if (this.limits.streamsPerKey > 0 && open >= this.limits.streamsPerKey) {
      this.refused.streams++;
      throw new AppError(
        'too_many_streams',
        `This key already holds ${open} open event streams, the most BERTH_STREAMS_PER_KEY allows (${this.limits.streamsPerKey}); close one first`,
      );
    }
    this.streams.set(keyId, open + 1);
  }

  closeStream(keyId: string): void {
    const open = (this.streams.get(keyId) ?? 1) - 1;
    if (open > 0) this.streams.set(keyId, open);
    else this.streams.delete(keyId);
  }
}
