import type { Clock } from '../ports/clock';
import type { BucketPolicy, RateDecision, RateLimiter } from '../ports/ratelimiter';

interface Reserve {
  /** Points taken from the shared bucket and not spent yet. */
  points: number;
  /** When the reserve goes back to the shared bucket if not spent. */
  expiresAt: number;
  /** What the shared bucket said when the points were taken (for the RateLimit-* headers). */
  remote: RateDecision;
  policy: BucketPolicy;
}

export interface ReservingOptions {
  /** The share of a bucket one process may take ahead (default 0.1: a tenth of it). */
  share?: number;
  /** How long unspent points stay here before they go back (default 2 s). */
  holdMs?: number;
}

/**
 * Token buckets shared through a slower store (Redis), taken ahead in small reserves: a request
 * first spends points this process already holds, and only asks the store for more (its cost
 * plus a tenth of the bucket) when they run out; a refund goes to the reserve. Points are only
 * ever moved out of the shared bucket, so the processes together never spend more than it holds
 * (a process holds at most a tenth of it, for at most `holdMs`, then gives back what it did not
 * spend). Most requests of a busy account so cost no round trip. Small buckets (a tenth is less
 * than one point: sign-ups, failed authentications) are always asked of the store.
 */
export class ReservingRateLimiter implements RateLimiter {
  private readonly reserves = new Map<string, Reserve>();
  private readonly share: number;
  private readonly holdMs: number;

  constructor(
    private readonly shared: RateLimiter,
    private readonly clock: Clock,
    opts: ReservingOptions = {},
  ) {
    this.share = opts.share ?? 0.1;
    this.holdMs = opts.holdMs ?? 2000;
  }

  async take(key: string, cost: number, policy: BucketPolicy): Promise<RateDecision> {
    const now = this.clock.now();
    let r = this.reserves.get(key);
    if (r && r.expiresAt <= now) {
      this.giveBack(key, r, policy);
      r = undefined;
    }
    if (r && r.points >= cost) {
      r.points -= cost;
      return this.local(r, policy);
    }
    // what is held here goes towards the cost (taken out now: concurrent requests of the key may run meanwhile)
    const held = r?.points ?? 0;
    if (r) r.points = 0;
    const chunk = Math.floor(policy.capacity * this.share);
    const need = Math.max(0, cost - held);
    // ask for the cost and a reserve; if the bucket cannot give both, for the cost alone
    let d = chunk > 0 ? await this.shared.take(key, need + chunk, policy) : null;
    let extra = chunk;
    if (!d || !d.allowed) {
      d = await this.shared.take(key, need, policy);
      extra = 0;
    }
    const cur = this.reserves.get(key);
    const live = cur && cur.expiresAt > this.clock.now() ? cur : null;
    if (!d.allowed) {
      if (held > 0) this.keep(key, (live?.points ?? 0) + held, live?.remote ?? d, policy, live?.expiresAt ?? now + this.holdMs);
      return { ...d, remaining: d.remaining + held };
    }
    const points = (live?.points ?? 0) + held + need + extra - cost;
    if (points <= 0 && chunk === 0) return d;
    const next = this.keep(key, points, d, policy, now + this.holdMs);
    this.prune(now);
    return this.local(next, policy);
  }

  private keep(key: string, points: number, remote: RateDecision, policy: BucketPolicy, expiresAt: number): Reserve {
    const r: Reserve = { points, expiresAt, remote, policy };
    this.reserves.set(key, r);
    return r;
  }

  async refund(key: string, points: number, policy: BucketPolicy): Promise<RateDecision> {
    const r = this.reserves.get(key);
    if (r && r.expiresAt > this.clock.now()) {
      r.points = Math.min(policy.capacity, r.points + points);
      return this.local(r, policy);
    }
    return this.shared.refund(key, points, policy);
  }

  async close(): Promise<void> {
    this.reserves.clear();
    await this.shared.close();
  }

  /** What a request served from the reserve is told: the shared bucket as last seen, plus what is held here. */
  private local(r: Reserve, policy: BucketPolicy): RateDecision {
    return { allowed: true, limit: policy.capacity, remaining: Math.min(policy.capacity, r.remote.remaining + Math.floor(r.points)), retryAfterMs: 0, resetMs: r.remote.resetMs };
  }

  private giveBack(key: string, r: Reserve, policy: BucketPolicy): void {
    this.reserves.delete(key);
    if (r.points > 0) void this.shared.refund(key, r.points, policy).catch(() => {});
  }

  /** Bounded memory: expired reserves of keys nobody uses any more go back. */
  private prune(now: number): void {
    if (this.reserves.size < 10_000) return;
    for (const [k, r] of this.reserves) if (r.expiresAt <= now) this.giveBack(k, r, r.policy);
  }
}
