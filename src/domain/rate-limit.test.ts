import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rate-limit.js';

describe('token buckets per key', () => {
  it('allow a burst, then the sustained rate, and say how long to wait', () => {
    const b = new TokenBuckets(2, 4);
    const at = (ms: number) => b.take('k', ms);
    expect([at(0), at(0), at(0), at(0)]).toEqual([0, 0, 0, 0]);
    expect(at(0)).toBe(1); // empty: one token comes in half a second, said as 1 s
    expect(at(500)).toBe(0);
    expect(at(500)).toBe(1);
    // Other keys have their own bucket.
    expect(b.take('other', 500)).toBe(0);
    // After a quiet second and a half the bucket holds 3 again.
    expect([at(2000), at(2000), at(2000), at(2000)]).toEqual([0, 0, 0, 1]);
  });

  it('never limit when the rate is 0, and stay bounded in keys', () => {
    expect(new TokenBuckets(0, 0).take('k', 0)).toBe(0);
    const b = new TokenBuckets(1, 1, 3);
    for (let i = 0; i < 10; i++) expect(b.take(`k${i}`, i * 10_000)).toBe(0);
    expect((b as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(3);
  });
});
