import { refund, take, ttlMs, type BucketState } from '../../core/ratelimit';
import type { Clock } from '../../ports/clock';
import type { BucketPolicy, RateDecision, RateLimiter } from '../../ports/ratelimiter';

/**
 * Buckets are forgotten once full again; past this many the full ones are pruned, and if that is
 * not enough the least recently written go (memory stays bounded whatever the number of keys).
 */
const PRUNE_AT = 100_000;

/** In-process token buckets (embedded mode): the same arithmetic as the Redis adapter. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { state: BucketState; policy: BucketPolicy }>();

  constructor(private readonly clock: Clock) {}

  async take(key: string, cost: number, policy: BucketPolicy): Promise<RateDecision> {
    const now = this.clock.now();
    const r = take(this.buckets.get(key)?.state ?? null, policy, cost, now);
    if (r.allowed && r.state) this.store(key, r.state, policy, now);
    return { allowed: r.allowed, limit: policy.capacity, remaining: r.remaining, retryAfterMs: r.retryAfterMs, resetMs: r.resetMs };
  }

  async refund(key: string, points: number, policy: BucketPolicy): Promise<RateDecision> {
    const now = this.clock.now();
    const state = refund(this.buckets.get(key)?.state ?? null, policy, points, now);
    this.store(key, state, policy, now);
    // the state was just written at `now`: its level is its milli-points
    return { allowed: true, limit: policy.capacity, remaining: Math.floor(state.milli / 1000), retryAfterMs: 0, resetMs: ttlMs(state, policy) };
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private store(key: string, state: BucketState, policy: BucketPolicy, now: number): void {
    this.buckets.delete(key); // re-insert: the map stays in least-recently-written order
    if (ttlMs(state, policy) > 0) this.buckets.set(key, { state, policy });
    if (this.buckets.size > PRUNE_AT) {
      for (const [k, b] of this.buckets) {
        if (this.buckets.size <= PRUNE_AT / 2) break;
        if (now - b.state.at >= ttlMs(b.state, b.policy)) this.buckets.delete(k);
      }
      for (const k of this.buckets.keys()) {
        if (this.buckets.size <= PRUNE_AT) break;
        this.buckets.delete(k);
      }
    }
  }
}
