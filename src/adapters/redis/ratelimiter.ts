import { createClient } from 'redis';
import { systemClock } from '../clock';
import { msUntil } from '../../core/ratelimit';
import type { Clock } from '../../ports/clock';
import type { BucketPolicy, RateDecision, RateLimiter } from '../../ports/ratelimiter';

type RedisClient = ReturnType<typeof createClient>;

/*
 * One HASH per bucket under the prefix: m = milli-points, t = when counted (the limiter's clock,
 * passed in). The script is src/core/ratelimit.ts's arithmetic (IEEE doubles in Lua as in JS, so
 * both adapters compute the same levels); a bucket expires once it would be full again.
 * KEYS[1] bucket; ARGV: now, capacity (milli), refill (milli-points per ms), cost (milli), mode.
 * Returns {allowed, milli-points after}.
 */
const SCRIPT = `
local now, cap, rate, want, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local s = redis.call('HMGET', KEYS[1], 'm', 't')
local have = cap
if s[1] then
  local elapsed = now - tonumber(s[2])
  if elapsed < 0 then elapsed = 0 end
  have = math.min(cap, tonumber(s[1]) + math.floor(elapsed * rate))
end
local left
if mode == 'take' then
  if want > have then return {0, have} end
  left = have - want
else
  left = math.min(cap, have + want)
end
if left >= cap then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'm', left, 't', now)
  if rate > 0 then redis.call('PEXPIRE', KEYS[1], math.ceil((cap - left) / rate) + 1000) end
end
return {1, left}
`;

/** Token buckets in Redis: every api process of the scaled-out layout shares them. */
export class RedisRateLimiter implements RateLimiter {
  private sha: string | null = null;

  private constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  static async connect(url: string, opts: { prefix: string; clock?: Clock; onError?: (err: unknown) => void }): Promise<RedisRateLimiter> {
    const client: RedisClient = createClient({ url });
    client.on('error', opts.onError ?? ((err: unknown) => console.error('redis (rate limiter):', err instanceof Error ? err.message : err)));
    await client.connect();
    return new RedisRateLimiter(client, opts.prefix, opts.clock ?? systemClock);
  }

  take(key: string, cost: number, policy: BucketPolicy): Promise<RateDecision> {
    return this.run(key, Math.max(0, Math.ceil(cost * 1000)), policy, 'take');
  }

  refund(key: string, points: number, policy: BucketPolicy): Promise<RateDecision> {
    return this.run(key, Math.max(0, Math.floor(points * 1000)), policy, 'refund');
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }

  private async run(key: string, wantMilli: number, policy: BucketPolicy, mode: 'take' | 'refund'): Promise<RateDecision> {
    const cap = policy.capacity * 1000;
    const rate = policy.refillPerSecond; // milli-points per ms
    const args = [String(this.clock.now()), String(cap), String(rate), String(wantMilli), mode];
    const keys = [this.prefix + key];
    let reply: unknown;
    if (this.sha) {
      try {
        reply = await this.client.evalSha(this.sha, { keys, arguments: args });
      } catch (err) {
        if (!String(err).includes('NOSCRIPT')) throw err;
        this.sha = null;
      }
    }
    if (reply === undefined) {
      this.sha = await this.client.scriptLoad(SCRIPT);
      reply = await this.client.evalSha(this.sha, { keys, arguments: args });
    }
    const [ok, milli] = (reply as [number, number]).map(Number);
    return {
      allowed: ok === 1,
      limit: policy.capacity,
      remaining: Math.floor(milli / 1000),
      retryAfterMs: ok === 1 ? 0 : wantMilli > cap ? Infinity : msUntil(wantMilli - milli, policy),
      resetMs: msUntil(cap - milli, policy),
    };
  }
}
