import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import { MemoryRateLimiter } from '../src/adapters/memory/ratelimiter';
import { ReservingRateLimiter } from '../src/adapters/reservingRateLimiter';
import type { RateLimiter } from '../src/ports/ratelimiter';
import { RedisRateLimiter } from '../src/adapters/redis/ratelimiter';
import { rateLimiterContract } from './contracts/ratelimiter.contract';

rateLimiterContract('MemoryRateLimiter', async (clock) => {
  const shared = new MemoryRateLimiter(clock);
  return { a: shared, b: shared, close: () => shared.close() };
});

const url = process.env.REDIS_URL ?? '';
describe.runIf(!!url)('RedisRateLimiter', () => {
  rateLimiterContract('RedisRateLimiter', async (clock) => {
    const prefix = `test:rl:${randomUUID()}:`;
    const a = await RedisRateLimiter.connect(url, { prefix, clock });
    const b = await RedisRateLimiter.connect(url, { prefix, clock });
    return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
});

describe('ReservingRateLimiter (points taken ahead from a shared bucket)', () => {
  const policy = { capacity: 100, refillPerSecond: 1 };
  /** A shared bucket that counts the calls made to it (the round trips to Redis). */
  const counted = (clock: ManualClock) => {
    const inner = new MemoryRateLimiter(clock);
    const calls = { take: 0, refund: 0 };
    const shared: RateLimiter = {
      take: (k, c, p) => (calls.take++, inner.take(k, c, p)),
      refund: (k, c, p) => (calls.refund++, inner.refund(k, c, p)),
      close: () => inner.close(),
    };
    return { shared, inner, calls };
  };

  it('serves most requests from the reserve: one round trip for many small takes and refunds', async () => {
    const clock = new ManualClock(0);
    const { shared, calls } = counted(clock);
    const r = new ReservingRateLimiter(shared, clock);
    for (let i = 0; i < 10; i++) {
      expect((await r.take('a', 1, policy)).allowed).toBe(true);
      await r.refund('a', 0.5, policy);
    }
    expect(calls).toEqual({ take: 1, refund: 0 });
  });

  it('never lets processes together spend more than the bucket holds', async () => {
    const clock = new ManualClock(0);
    const { shared } = counted(clock);
    const processes = [new ReservingRateLimiter(shared, clock), new ReservingRateLimiter(shared, clock), new ReservingRateLimiter(shared, clock)];
    let allowed = 0;
    for (let i = 0; i < 300; i++) if ((await processes[i % 3].take('a', 1, policy)).allowed) allowed++;
    expect(allowed).toBe(100);
  });

  it('refuses what the shared bucket cannot give, keeping what it holds', async () => {
    const clock = new ManualClock(0);
    const { shared, inner } = counted(clock);
    const r = new ReservingRateLimiter(shared, clock);
    await r.take('a', 50, policy); // 50 + a reserve of 10 taken
    await inner.take('a', 40, policy); // another process empties the bucket
    const d = await r.take('a', 20, policy);
    expect(d).toMatchObject({ allowed: false, remaining: 10 });
    expect((await r.take('a', 10, policy)).allowed).toBe(true); // the reserve still serves
  });

  it('gives unspent points back to the shared bucket after holdMs', async () => {
    const clock = new ManualClock(0);
    const { shared, inner } = counted(clock);
    const r = new ReservingRateLimiter(shared, clock, { holdMs: 2000 });
    await r.take('a', 30, policy); // 40 out of the bucket, 10 held
    expect((await inner.take('a', 0, policy)).remaining).toBe(60);
    clock.advance(2000);
    await r.take('a', 1, policy); // the old reserve goes back first (+10, and 2 s of refill)
    expect((await inner.take('a', 0, policy)).remaining).toBe(60 + 2 + 10 - 1 - 10);
  });

  it('asks the shared bucket every time for small buckets (sign-ups: a tenth is less than a point)', async () => {
    const clock = new ManualClock(0);
    const { shared, calls } = counted(clock);
    const r = new ReservingRateLimiter(shared, clock);
    const small = { capacity: 3, refillPerSecond: 0.001 };
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await r.take('s', 1, small)).allowed);
    expect(got).toEqual([true, true, true, false]);
    expect(calls.take).toBe(4);
  });
});
