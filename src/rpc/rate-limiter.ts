/**
 * Per-token request rate limit (SPEC §3): a token bucket holding one minute's allowance, so a
 * client may burst up to its per-minute limit and then proceeds at the steady rate.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one request from `key`'s bucket; false when the bucket is empty. */
  take(key: string, perMinute: number, now: number): boolean {
    return this.takeAll([{ key, perMinute }], now);
  }

  /**
   * Takes one request from every bucket, or from none when any is empty (SPEC §4: a child's
   * call is charged to its own rate limit and to each ancestor's). Synchronous, so no other
   * call can interleave between the check and the take.
   */
  takeAll(limits: ReadonlyArray<{ key: string; perMinute: number }>, now: number): boolean {
    const buckets = limits.map(({ key, perMinute }) => {
      const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now };
      const refill = ((now - bucket.at) / 60_000) * perMinute;
      bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, refill));
      bucket.at = now;
      this.buckets.set(key, bucket);
      return bucket;
    });
    if (buckets.some((b) => b.tokens < 1)) return false;
    for (const b of buckets) b.tokens -= 1;
    return true;
  }
}
