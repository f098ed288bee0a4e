/**
 * Per-token request rate limit (SPEC §3): a token bucket holding one minute's allowance, so a
 * client may burst up to its per-minute limit and then proceeds at the steady rate.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one request from `key`'s bucket; false when the bucket is empty. */
  take(key: string, perMinute: number, now: number): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    const refill = ((now - bucket.at) / 60_000) * perMinute;
    bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, refill));
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
