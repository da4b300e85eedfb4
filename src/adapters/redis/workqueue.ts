import { createHash, randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { systemClock } from '../clock';
import type { Clock } from '../../ports/clock';
import {
  defaultWorkQueueOptions,
  URGENT_LEAD_MS,
  type Lease,
  type WorkQueue,
  type WorkQueueOptions,
} from '../../ports/workqueue';

type RedisClient = ReturnType<typeof createClient>;

export interface RedisWorkQueueConnectOptions extends Partial<WorkQueueOptions> {
  /** Queue name; every key lives under `nodeless:wq:<name>:`. */
  name: string;
  /** Time source for due times, leases and waitForWork (default: systemClock). */
  clock?: Clock;
  /** Connection errors (node-redis reconnects by itself). Default: console.error. */
  onError?: (err: unknown) => void;
}

/*
 * Data layout (all under the prefix):
 *   queue     ZSET  key -> due time (ms)            waiting keys; never also in flight
 *   inflight  ZSET  key -> lease expiry (ms)        claimed keys
 *   tokens    HASH  key -> token of the current lease
 *   dirty     HASH  key -> earliest due requested while in flight
 *   failures  HASH  key -> consecutive failures
 * Every state change is one Lua script (atomic). Times are passed in from the injected Clock,
 * never read from Redis. A script that makes a key due now, or the new earliest key, PUBLISHes on
 * `<prefix>wake` so consumers sleeping in waitForWork (in any process) look again.
 */

/** KEYS: 1 queue, 2 inflight, 3 tokens, 4 dirty, 5 failures. */
const ENQUEUE_FN = `
local function enqueue(key, due, now, channel)
  redis.call('ZADD', KEYS[1], due, key)
  if due <= now then
    redis.call('PUBLISH', channel, key)
    return
  end
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if head[1] == key then redis.call('PUBLISH', channel, key) end
end
`;

/** ARGV: key, due, now, channel. Returns 1 when the key was queued or moved earlier. */
const ADD = `${ENQUEUE_FN}
local key, due, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[2], key) then
  local d = redis.call('HGET', KEYS[4], key)
  if (not d) or due < tonumber(d) then redis.call('HSET', KEYS[4], key, ARGV[2]) end
  return 0
end
local cur = redis.call('ZSCORE', KEYS[1], key)
if cur and tonumber(cur) <= due then return 0 end
enqueue(key, due, now, ARGV[4])
return 1
`;

/** ARGV: now, leaseMs, token. Returns {key, failures} or nil. */
const CLAIM = `
local r = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #r == 0 then return false end
local key = r[1]
redis.call('ZREM', KEYS[1], key)
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]), key)
redis.call('HSET', KEYS[3], key, ARGV[3])
local f = redis.call('HGET', KEYS[5], key)
return {key, f or '0'}
`;

/** ARGV: key, token, now, leaseMs. */
const HEARTBEAT = `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
return 1
`;

/** ARGV: key, token, now, channel. */
const DONE = `${ENQUEUE_FN}
local key = ARGV[1]
if redis.call('HGET', KEYS[3], key) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], key)
redis.call('HDEL', KEYS[3], key)
redis.call('HDEL', KEYS[5], key)
local d = redis.call('HGET', KEYS[4], key)
if d then
  redis.call('HDEL', KEYS[4], key)
  enqueue(key, tonumber(d), tonumber(ARGV[3]), ARGV[4])
end
return 1
`;

/** ARGV: key, token, now, backoffBaseMs, backoffMaxMs, channel. */
const FAIL = `${ENQUEUE_FN}
local key, now = ARGV[1], tonumber(ARGV[3])
if redis.call('HGET', KEYS[3], key) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], key)
redis.call('HDEL', KEYS[3], key)
local f = tonumber(redis.call('HGET', KEYS[5], key) or '0')
redis.call('HSET', KEYS[5], key, f + 1)
local due = now + math.min(tonumber(ARGV[4]) * (2 ^ f), tonumber(ARGV[5]))
local d = redis.call('HGET', KEYS[4], key)
if d then
  redis.call('HDEL', KEYS[4], key)
  d = tonumber(d)
  if d < due then due = d end
end
enqueue(key, due, now, ARGV[6])
return 1
`;

/** ARGV: now, channel, limit. Returns how many expired leases were put back (due now). */
const RECLAIM = `
local r = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, key in ipairs(r) do
  redis.call('ZREM', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
  redis.call('HDEL', KEYS[4], key)
  redis.call('ZADD', KEYS[1], ARGV[1], key)
end
if #r > 0 then redis.call('PUBLISH', ARGV[2], 'reclaimed') end
return #r
`;

const SIZE = `return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = {
  add: script(ADD),
  claim: script(CLAIM),
  heartbeat: script(HEARTBEAT),
  done: script(DONE),
  fail: script(FAIL),
  reclaim: script(RECLAIM),
  size: script(SIZE),
};

/** Most expired leases put back per reclaimExpired() call (keeps each script short). */
const RECLAIM_BATCH = 1000;

interface Waiter {
  settled: boolean;
  resolve(): void;
  cancelTimer(): void;
}

/** WorkQueue shared by any number of processes through Redis (see the layout above). */
export class RedisWorkQueue implements WorkQueue {
  readonly prefix: string;
  private readonly keys: string[];
  private readonly wakeChannel: string;
  private readonly options: WorkQueueOptions;
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly subscriber: RedisClient,
    name: string,
    private readonly clock: Clock,
    options: Partial<WorkQueueOptions>,
  ) {
    this.prefix = `nodeless:wq:${name}:`;
    this.keys = ['queue', 'inflight', 'tokens', 'dirty', 'failures'].map((k) => this.prefix + k);
    this.wakeChannel = `${this.prefix}wake`;
    this.options = { ...defaultWorkQueueOptions, ...stripUndefined(options) };
  }

  /** Opens a command connection and a dedicated subscriber connection (for wake-ups). */
  static async connect(url: string, opts: RedisWorkQueueConnectOptions): Promise<RedisWorkQueue> {
    const { name, clock = systemClock, onError, ...options } = opts;
    if (!name) throw new Error('RedisWorkQueue.connect: a queue name is required');
    const reportError = onError ?? ((err: unknown) => console.error('RedisWorkQueue: redis error', err));
    const client: RedisClient = createClient({ url });
    client.on('error', reportError);
    await client.connect();
    let subscriber: RedisClient | undefined;
    try {
      subscriber = client.duplicate();
      subscriber.on('error', reportError);
      await subscriber.connect();
      const queue = new RedisWorkQueue(client, subscriber, name, clock, options);
      await subscriber.subscribe(queue.wakeChannel, () => queue.wakeAll());
      return queue;
    } catch (err) {
      await Promise.allSettled([client.close(), subscriber?.close()]);
      throw err;
    }
  }

  async add(key: string): Promise<void> {
    await this.schedule(key, this.clock.now());
  }

  async addAfter(key: string, delayMs: number): Promise<void> {
    await this.schedule(key, this.clock.now() + Math.max(0, delayMs));
  }

  async addUrgent(key: string): Promise<void> {
    await this.schedule(key, this.clock.now() - URGENT_LEAD_MS);
  }

  async claim(): Promise<Lease | null> {
    const token = randomUUID();
    const reply = (await this.run(SCRIPTS.claim, [
      String(this.clock.now()),
      String(this.options.leaseMs),
      token,
    ])) as [string, string] | null;
    if (!reply) return null;
    return { key: reply[0], token, failures: Number(reply[1]) };
  }

  async heartbeat(lease: Lease): Promise<boolean> {
    const reply = await this.run(SCRIPTS.heartbeat, [
      lease.key,
      lease.token,
      String(this.clock.now()),
      String(this.options.leaseMs),
    ]);
    return Number(reply) === 1;
  }

  async done(lease: Lease): Promise<void> {
    await this.run(SCRIPTS.done, [lease.key, lease.token, String(this.clock.now()), this.wakeChannel]);
  }

  async fail(lease: Lease): Promise<void> {
    await this.run(SCRIPTS.fail, [
      lease.key,
      lease.token,
      String(this.clock.now()),
      String(this.options.backoffBaseMs),
      String(this.options.backoffMaxMs),
      this.wakeChannel,
    ]);
  }

  async reclaimExpired(): Promise<number> {
    const reply = await this.run(SCRIPTS.reclaim, [
      String(this.clock.now()),
      this.wakeChannel,
      String(RECLAIM_BATCH),
    ]);
    return Number(reply);
  }

  async nextDueAt(): Promise<number | null> {
    const head = await this.client.zRangeWithScores(this.keys[0], 0, 0);
    return head.length > 0 ? Number(head[0].score) : null;
  }

  waitForWork(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed) return resolve();
      const waiter: Waiter = {
        settled: false,
        resolve: () => {
          if (waiter.settled) return;
          waiter.settled = true;
          this.waiters.delete(waiter);
          waiter.cancelTimer();
          resolve();
        },
        cancelTimer: () => {},
      };
      this.waiters.add(waiter);
      const deadline = this.clock.now() + Math.max(0, ms);
      waiter.cancelTimer = this.clock.setTimeout(waiter.resolve, Math.max(0, ms));
      // The subscription is already active, so any add from now on wakes us. Close the race
      // with an add that happened just before this call (or a caller's stale nextDueAt) by
      // looking at the head once: due now -> resolve; due before the deadline -> wake then.
      this.nextDueAt().then(
        (next) => {
          if (waiter.settled || next === null) return;
          const now = this.clock.now();
          if (next <= now) return waiter.resolve();
          if (next < deadline) {
            waiter.cancelTimer();
            waiter.cancelTimer = this.clock.setTimeout(waiter.resolve, next - now);
          }
        },
        () => {
          /* connection trouble: the timer still bounds the wait */
        },
      );
    });
  }

  async size(): Promise<{ waiting: number; inFlight: number }> {
    const [waiting, inFlight] = (await this.run(SCRIPTS.size, [])) as [number, number];
    return { waiting: Number(waiting), inFlight: Number(inFlight) };
  }

  /** Deletes every key of this queue (tests and tooling). */
  async clear(): Promise<void> {
    await this.client.del(this.keys);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeAll();
    await Promise.allSettled([this.subscriber.close(), this.client.close()]);
  }

  // --- internals ---

  private async schedule(key: string, due: number): Promise<void> {
    await this.run(SCRIPTS.add, [key, String(due), String(this.clock.now()), this.wakeChannel]);
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w.resolve();
  }

  private async run(s: Script, args: string[]): Promise<unknown> {
    const options = { keys: this.keys, arguments: args };
    try {
      return await this.client.evalSha(s.sha, options);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return this.client.eval(s.source, options);
      }
      throw err;
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
