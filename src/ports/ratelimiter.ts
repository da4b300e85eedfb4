import type { BucketPolicy } from '../core/ratelimit';

export type { BucketPolicy } from '../core/ratelimit';

/** What a take tells the caller (and the RateLimit-* response headers). */
export interface RateDecision {
  allowed: boolean;
  /** The bucket's capacity (RateLimit-Limit). */
  limit: number;
  /** Whole points left (RateLimit-Remaining). */
  remaining: number;
  /** Refused: ms until the cost is available (Infinity: more than the bucket holds). */
  retryAfterMs: number;
  /** Ms until the bucket is full again (RateLimit-Reset). */
  resetMs: number;
}

/**
 * Token buckets by key (an account's query points, an IP's sign-ups…), shared by every api process
 * that uses the same store: in memory for the embedded mode, in Redis when scaled out. Every
 * operation is atomic per key; time comes from the limiter's Clock.
 */
export interface RateLimiter {
  /** Takes `cost` points from the bucket if it holds that many; a refusal changes nothing. */
  take(key: string, cost: number, policy: BucketPolicy): Promise<RateDecision>;
  /** Gives points back (a request that cost less than it reserved); never above capacity. */
  refund(key: string, points: number, policy: BucketPolicy): Promise<RateDecision>;
  close(): Promise<void>;
}
