/**
 * Token buckets (Shopify's "leaky bucket" of query cost points, Kubernetes' client-side limiter):
 * a bucket holds up to `capacity` points and refills at `refillPerSecond`; a request takes its
 * cost if that many points are there, else it is refused and told when they will be.
 * Pure: the caller passes the time; adapters keep the state (in memory, or in Redis with the same
 * arithmetic in a script).
 *
 * Points are kept in thousandths (integers), so a refill of, say, 0.083 points per second over a
 * few milliseconds is not lost to rounding, and the Redis script computes exactly the same values.
 */

export interface BucketPolicy {
  /** Most points the bucket holds (the burst). */
  capacity: number;
  /** Points restored per second. */
  refillPerSecond: number;
}

/** A bucket's state: milli-points and when they were counted. A missing bucket is full. */
export interface BucketState {
  milli: number;
  at: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole points left after this request (refused: what is there now). */
  remaining: number;
  /** When refused: ms until `cost` points are there (Infinity: cost > capacity, never). */
  retryAfterMs: number;
  /** Ms until the bucket is full again (what the RateLimit-Reset header says). */
  resetMs: number;
  /** The state to store (unchanged when refused: a refusal never delays the refill). */
  state: BucketState | null;
}

const MILLI = 1000;

/** Points (in milli-points) in the bucket at `now`. */
export function level(state: BucketState | null, policy: BucketPolicy, now: number): number {
  const cap = policy.capacity * MILLI;
  if (!state) return cap;
  const elapsed = Math.max(0, now - state.at);
  // refillPerSecond points per 1000 ms = refillPerSecond milli-points per ms
  return Math.min(cap, state.milli + Math.floor(elapsed * policy.refillPerSecond));
}

/** Ms until the bucket refills `missingMilli` milli-points (Infinity when it never refills). */
export function msUntil(missingMilli: number, policy: BucketPolicy): number {
  if (missingMilli <= 0) return 0;
  if (policy.refillPerSecond <= 0) return Infinity;
  return Math.ceil(missingMilli / policy.refillPerSecond);
}

/** Takes `cost` points if there are that many. */
export function take(state: BucketState | null, policy: BucketPolicy, cost: number, now: number): TakeResult {
  const cap = policy.capacity * MILLI;
  const have = level(state, policy, now);
  const want = Math.max(0, Math.ceil(cost * MILLI));
  if (want > cap) {
    return { allowed: false, remaining: Math.floor(have / MILLI), retryAfterMs: Infinity, resetMs: msUntil(cap - have, policy), state };
  }
  if (want > have) {
    return { allowed: false, remaining: Math.floor(have / MILLI), retryAfterMs: msUntil(want - have, policy), resetMs: msUntil(cap - have, policy), state };
  }
  const left = have - want;
  return { allowed: true, remaining: Math.floor(left / MILLI), retryAfterMs: 0, resetMs: msUntil(cap - left, policy), state: { milli: left, at: now } };
}

/** Gives `points` back (a query that cost less than it asked for); never above capacity. */
export function refund(state: BucketState | null, policy: BucketPolicy, points: number, now: number): BucketState {
  const cap = policy.capacity * MILLI;
  return { milli: Math.min(cap, level(state, policy, now) + Math.max(0, Math.floor(points * MILLI))), at: now };
}

/** How long a bucket's state matters: after this it is full again and may be forgotten. */
export function ttlMs(state: BucketState, policy: BucketPolicy): number {
  return msUntil(policy.capacity * MILLI - state.milli, policy);
}

/** A policy of `points` per `perMs` (e.g. 600 per minute), with that many as the burst. */
export function perWindow(points: number, perMs: number): BucketPolicy {
  return { capacity: points, refillPerSecond: (points * 1000) / perMs };
}
