import { createHash, randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { systemClock } from '../clock';
import type { Clock } from '../../ports/clock';
import {
  defaultWorkQueueOptions,
  type ClaimOptions,
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
 * Data layout (all under the prefix P):
 *   all          ZSET  key -> due time (ms)          every waiting key (both lanes); never also in flight
 *   lane         HASH  key -> "u" | "n"              the lane of a waiting key (urgent, routine)
 *   tenant       HASH  key -> tenant                 tenant of a waiting, in-flight or dirty key
 *   inflight     ZSET  key -> lease expiry (ms)      claimed keys
 *   tokens       HASH  key -> token of the current lease
 *   dirty        HASH  key -> "<lane>|<due>"         earliest due (most urgent lane) requested while in flight
 *   failures     HASH  key -> consecutive failures
 *   seq          counter for turn order
 * and per lane L (u, n):
 *   L:q:<tenant>        ZSET  key -> due            the tenant's waiting keys in the lane
 *   L:wait              ZSET  tenant -> head due     tenants whose earliest key is not due yet
 *   L:accounts          ZSET  account -> turn        accounts with a tenant whose head is due
 *   L:ready:<account>   ZSET  tenant -> turn         such tenants of the account
 * A claim promotes the tenants of L:wait that became due, then takes the first account in turn
 * order (urgent lane first), its first tenant, and that tenant's earliest key; the tenant and the
 * account go to the end of their turn order (a new counter value) while they still have due keys.
 * Every state change is one Lua script (atomic). The per-tenant keys are named inside the scripts
 * from the prefix (a single Redis, not Redis Cluster). Times are passed in from the injected
 * Clock, never read from Redis. A script that makes a key due now, or the new earliest key,
 * PUBLISHes on `<prefix>wake` so consumers sleeping in waitForWork (in any process) look again.
 */

/** Shared Lua: ARGV[1] is always the prefix. */
const LIB = `
local P = ARGV[1]
local function account(t)
  local i = string.find(t, '/', 1, true)
  if i then return string.sub(t, 1, i - 1) end
  return t
end
local function turn() return redis.call('INCR', P .. 'seq') end
local function head(L, t)
  local r = redis.call('ZRANGE', P .. L .. ':q:' .. t, 0, 0, 'WITHSCORES')
  if #r == 0 then return nil end
  return tonumber(r[2])
end
local function isReady(L, t)
  return redis.call('ZSCORE', P .. L .. ':ready:' .. account(t), t) ~= false
end
local function makeReady(L, t)
  local a = account(t)
  redis.call('ZADD', P .. L .. ':ready:' .. a, turn(), t)
  if redis.call('ZSCORE', P .. L .. ':accounts', a) == false then redis.call('ZADD', P .. L .. ':accounts', turn(), a) end
end
local function unready(L, t)
  local a = account(t)
  if redis.call('ZREM', P .. L .. ':ready:' .. a, t) == 1 and redis.call('ZCARD', P .. L .. ':ready:' .. a) == 0 then
    redis.call('ZREM', P .. L .. ':accounts', a)
  end
end
-- after a tenant's keys in a lane changed: ready when its head is due, waiting for it otherwise
local function place(L, t, now)
  local h = head(L, t)
  if not h then
    unready(L, t)
    redis.call('ZREM', P .. L .. ':wait', t)
  elseif h <= now then
    redis.call('ZREM', P .. L .. ':wait', t)
    if not isReady(L, t) then makeReady(L, t) end
  else
    unready(L, t)
    redis.call('ZADD', P .. L .. ':wait', h, t)
  end
end
local function enqueue(key, t, L, due, now, channel)
  redis.call('ZADD', P .. L .. ':q:' .. t, due, key)
  redis.call('ZADD', P .. 'all', due, key)
  redis.call('HSET', P .. 'lane', key, L)
  redis.call('HSET', P .. 'tenant', key, t)
  place(L, t, now)
  if due <= now then
    redis.call('PUBLISH', channel, key)
    return
  end
  local first = redis.call('ZRANGE', P .. 'all', 0, 0)
  if first[1] == key then redis.call('PUBLISH', channel, key) end
end
local function parseDirty(d)
  local i = string.find(d, '|', 1, true)
  return string.sub(d, 1, i - 1), tonumber(string.sub(d, i + 1))
end
`;

/** ARGV: prefix, key, due, now, channel, lane, tenant. Returns 1 when the key was queued or moved earlier. */
const ADD = `${LIB}
local key, due, now, channel, L, t = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
if redis.call('ZSCORE', P .. 'inflight', key) then
  local d = redis.call('HGET', P .. 'dirty', key)
  if d then
    local dl, dd = parseDirty(d)
    if dl == 'u' then L = 'u' end
    if dd < due then due = dd end
  end
  redis.call('HSET', P .. 'dirty', key, L .. '|' .. due)
  return 0
end
local cur = redis.call('ZSCORE', P .. 'all', key)
if cur then
  cur = tonumber(cur)
  local curLane = redis.call('HGET', P .. 'lane', key)
  t = redis.call('HGET', P .. 'tenant', key)
  if curLane == 'u' then L = 'u' end
  if cur < due then due = cur end
  if L == curLane and due == cur then return 0 end
  if L ~= curLane then
    redis.call('ZREM', P .. curLane .. ':q:' .. t, key)
    place(curLane, t, now)
  end
end
enqueue(key, t, L, due, now, channel)
return 1
`;

/** ARGV: prefix, now, leaseMs, token, deferred accounts, excluded accounts (both newline-separated), promote limit. Returns {key, failures, tenant} or nil. */
const CLAIM = `${LIB}
local now, leaseMs, token = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for _, L in ipairs({'u', 'n'}) do
  local due = redis.call('ZRANGEBYSCORE', P .. L .. ':wait', '-inf', now, 'LIMIT', 0, tonumber(ARGV[7]))
  for _, t in ipairs(due) do place(L, t, now) end
end
local defer, ndefer, exclude, nexclude = {}, 0, {}, 0
-- each account comes as '#<account>' (the system's account is '')
for a in string.gmatch(ARGV[5], '[^\\n]+') do defer[string.sub(a, 2)] = true; ndefer = ndefer + 1 end
for a in string.gmatch(ARGV[6], '[^\\n]+') do exclude[string.sub(a, 2)] = true; nexclude = nexclude + 1 end
local function serve(L, a)
  local rk = P .. L .. ':ready:' .. a
  local t = redis.call('ZRANGE', rk, 0, 0)[1]
  local qk = P .. L .. ':q:' .. t
  local first = redis.call('ZRANGE', qk, 0, 0, 'WITHSCORES')
  local key, dueAt = first[1], first[2]
  redis.call('ZREM', qk, key)
  redis.call('ZREM', P .. 'all', key)
  redis.call('HDEL', P .. 'lane', key)
  local h = head(L, t)
  if h and h <= now then
    redis.call('ZADD', rk, turn(), t)
  else
    redis.call('ZREM', rk, t)
    if h then redis.call('ZADD', P .. L .. ':wait', h, t) end
  end
  if redis.call('ZCARD', rk) == 0 then
    redis.call('ZREM', P .. L .. ':accounts', a)
  else
    redis.call('ZADD', P .. L .. ':accounts', turn(), a)
  end
  redis.call('ZADD', P .. 'inflight', now + leaseMs, key)
  redis.call('HSET', P .. 'tokens', key, token)
  local f = redis.call('HGET', P .. 'failures', key)
  return {key, f or '0', t, dueAt}
end
for pass = 1, 2 do
  local strict = pass == 1 and ndefer > 0
  if pass == 2 and ndefer == 0 then break end
  for _, L in ipairs({'u', 'n'}) do
    local n = nexclude
    if strict then n = n + ndefer end
    local accounts = redis.call('ZRANGE', P .. L .. ':accounts', 0, n)
    for _, a in ipairs(accounts) do
      if not (exclude[a] or (strict and defer[a])) then return serve(L, a) end
    end
  end
end
return false
`;

/** ARGV: prefix, key, token, now, leaseMs. */
const HEARTBEAT = `
local P = ARGV[1]
if redis.call('HGET', P .. 'tokens', ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('ZADD', P .. 'inflight', tonumber(ARGV[4]) + tonumber(ARGV[5]), ARGV[2])
return 1
`;

/** ARGV: prefix, key, token, now, channel. */
const DONE = `${LIB}
local key, now = ARGV[2], tonumber(ARGV[4])
if redis.call('HGET', P .. 'tokens', key) ~= ARGV[3] then return 0 end
redis.call('ZREM', P .. 'inflight', key)
redis.call('HDEL', P .. 'tokens', key)
redis.call('HDEL', P .. 'failures', key)
local d = redis.call('HGET', P .. 'dirty', key)
if d then
  redis.call('HDEL', P .. 'dirty', key)
  local L, due = parseDirty(d)
  enqueue(key, redis.call('HGET', P .. 'tenant', key) or '', L, due, now, ARGV[5])
else
  redis.call('HDEL', P .. 'tenant', key)
end
return 1
`;

/** ARGV: prefix, key, token, now, backoffBaseMs, backoffMaxMs, channel. */
const FAIL = `${LIB}
local key, now = ARGV[2], tonumber(ARGV[4])
if redis.call('HGET', P .. 'tokens', key) ~= ARGV[3] then return 0 end
redis.call('ZREM', P .. 'inflight', key)
redis.call('HDEL', P .. 'tokens', key)
local f = tonumber(redis.call('HGET', P .. 'failures', key) or '0')
redis.call('HSET', P .. 'failures', key, f + 1)
local due = now + math.min(tonumber(ARGV[5]) * (2 ^ f), tonumber(ARGV[6]))
local L = 'n'
local d = redis.call('HGET', P .. 'dirty', key)
if d then
  redis.call('HDEL', P .. 'dirty', key)
  local dl, dd = parseDirty(d)
  if dd < due then
    due = dd
    L = dl
  end
end
enqueue(key, redis.call('HGET', P .. 'tenant', key) or '', L, due, now, ARGV[7])
return 1
`;

/** ARGV: prefix, now, channel, limit. Returns how many expired leases were put back (due now). */
const RECLAIM = `${LIB}
local now = tonumber(ARGV[2])
local r = redis.call('ZRANGEBYSCORE', P .. 'inflight', '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
for _, key in ipairs(r) do
  redis.call('ZREM', P .. 'inflight', key)
  redis.call('HDEL', P .. 'tokens', key)
  redis.call('HDEL', P .. 'dirty', key)
  enqueue(key, redis.call('HGET', P .. 'tenant', key) or '', 'n', now, now, ARGV[3])
end
return #r
`;

const SIZE = `return {redis.call('ZCARD', ARGV[1] .. 'all'), redis.call('ZCARD', ARGV[1] .. 'inflight')}`;

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

/** Most tenants whose head became due that one claim moves into the turn order (the rest: next claims). */
const PROMOTE_BATCH = 100;

interface Waiter {
  settled: boolean;
  resolve(): void;
  cancelTimer(): void;
}

/** WorkQueue shared by any number of processes through Redis (see the layout above). */
export class RedisWorkQueue implements WorkQueue {
  readonly prefix: string;
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

  async add(key: string, tenant = ''): Promise<void> {
    await this.schedule(key, tenant, 'n', this.clock.now());
  }

  async addAfter(key: string, delayMs: number, tenant = ''): Promise<void> {
    await this.schedule(key, tenant, 'n', this.clock.now() + Math.max(0, delayMs));
  }

  async addUrgent(key: string, tenant = ''): Promise<void> {
    await this.schedule(key, tenant, 'u', this.clock.now());
  }

  async claim(opts: ClaimOptions = {}): Promise<Lease | null> {
    const token = randomUUID();
    const reply = (await this.run(SCRIPTS.claim, [
      String(this.clock.now()),
      String(this.options.leaseMs),
      token,
      (opts.defer ?? []).map((a) => `#${a}`).join('\n'),
      (opts.exclude ?? []).map((a) => `#${a}`).join('\n'),
      String(PROMOTE_BATCH),
    ])) as [string, string, string, string] | null;
    if (!reply) return null;
    return { key: reply[0], token, failures: Number(reply[1]), tenant: reply[2], dueAt: Number(reply[3]) };
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
    const head = await this.client.zRangeWithScores(`${this.prefix}all`, 0, 0);
    return head.length > 0 ? Number(head[0].score) : null;
  }

  waitForWork(ms: number, opts: { onlyNew?: boolean } = {}): Promise<void> {
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
      if (opts.onlyNew) return;
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
    for await (const chunk of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 500 })) {
      const found = (Array.isArray(chunk) ? chunk : [chunk]) as string[];
      if (found.length > 0) await this.client.del(found);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeAll();
    await Promise.allSettled([this.subscriber.close(), this.client.close()]);
  }

  // --- internals ---

  private async schedule(key: string, tenant: string, lane: 'u' | 'n', due: number): Promise<void> {
    await this.run(SCRIPTS.add, [key, String(due), String(this.clock.now()), this.wakeChannel, lane, tenant]);
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w.resolve();
  }

  /** Runs a script; its first argument is always the prefix (the scripts name every key from it). */
  private async run(s: Script, args: string[]): Promise<unknown> {
    const options = { keys: [], arguments: [this.prefix, ...args] };
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
