import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock';
import type { RateLimiter } from '../../src/ports/ratelimiter';

/** Two handles on the same buckets (two api processes), driven by one clock. */
export type RateLimiterFactory = (clock: ManualClock) => Promise<{ a: RateLimiter; b: RateLimiter; close(): Promise<void> }>;

export function rateLimiterContract(name: string, factory: RateLimiterFactory): void {
  describe(`${name}: the rate limiter contract`, () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    let h: Awaited<ReturnType<RateLimiterFactory>>;
    const policy = { capacity: 10, refillPerSecond: 2 };
    let n = 0;
    const key = () => `k${++n}-${Math.random().toString(36).slice(2)}`;
    beforeAll(async () => {
      h = await factory(clock);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('takes points until the bucket is empty, then refuses with the wait', async () => {
      const k = key();
      expect(await h.a.take(k, 6, policy)).toMatchObject({ allowed: true, limit: 10, remaining: 4 });
      expect(await h.a.take(k, 4, policy)).toMatchObject({ allowed: true, remaining: 0, resetMs: 5000 });
      expect(await h.a.take(k, 1, policy)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 500 });
    });

    it('shares a bucket between handles (processes)', async () => {
      const k = key();
      await h.a.take(k, 8, policy);
      expect(await h.b.take(k, 3, policy)).toMatchObject({ allowed: false, remaining: 2, retryAfterMs: 500 });
      expect(await h.b.take(k, 2, policy)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('refills with the clock and a refusal does not reset the refill', async () => {
      const k = key();
      await h.a.take(k, 10, policy);
      clock.advance(400);
      expect((await h.a.take(k, 1, policy)).allowed).toBe(false);
      clock.advance(100);
      expect(await h.b.take(k, 1, policy)).toMatchObject({ allowed: true, remaining: 0 });
      clock.advance(60_000);
      expect(await h.a.take(k, 0, policy)).toMatchObject({ allowed: true, remaining: 10 });
    });

    it('refunds, never above the capacity', async () => {
      const k = key();
      await h.a.take(k, 9, policy);
      expect(await h.b.refund(k, 4, policy)).toMatchObject({ remaining: 5 });
      expect(await h.b.refund(k, 40, policy)).toMatchObject({ remaining: 10 });
    });

    it('never allows more than the capacity', async () => {
      expect(await h.a.take(key(), 11, policy)).toMatchObject({ allowed: false, retryAfterMs: Infinity });
    });

    it('concurrent takes from both handles never overdraw the bucket', async () => {
      const k = key();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? h.a : h.b).take(k, 1, policy)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });

    it('keeps buckets apart by key', async () => {
      const k1 = key();
      const k2 = key();
      await h.a.take(k1, 10, policy);
      expect((await h.a.take(k2, 10, policy)).allowed).toBe(true);
    });
  });
}
