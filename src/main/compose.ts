import type { Config } from '../config';
import type { Services } from '../app/services';
import { defaultLimits } from '../app/services';
import type { Clock } from '../ports/clock';
import type { Ids } from '../ports/ids';
import type { Bus } from '../ports/bus';
import type { WorkQueue } from '../ports/workqueue';
import { openStore, type Store } from '../adapters/prisma/client';
import { systemClock } from '../adapters/clock';
import { randomIds } from '../adapters/ids';
import { MemoryBus } from '../adapters/memory/bus';
import { MemoryWorkQueue } from '../adapters/memory/workqueue';
import { RedisBus } from '../adapters/redis/bus';
import { RedisWorkQueue } from '../adapters/redis/workqueue';
import { storeTenants, TenantQueue } from '../worker/tenants';
import { SimulatedProvider } from '../adapters/provider/simulated';
import { loadFleet } from '../adapters/provider/fleet';
import { syncHosts } from '../adapters/prisma/hosts';
import { loadSchedulerProfile } from '../adapters/schedulerProfile';
import { randomBytes } from 'node:crypto';
import type { RateLimiter } from '../ports/ratelimiter';
import type { Logger } from '../ports/log';
import { MemoryRateLimiter } from '../adapters/memory/ratelimiter';
import { RedisRateLimiter } from '../adapters/redis/ratelimiter';
import { ReservingRateLimiter } from '../adapters/reservingRateLimiter';
import { createLogger } from '../adapters/log';
import { createPrometheusMetrics, type PrometheusMetrics } from '../adapters/metrics';

export interface Runtime {
  svc: Services;
  store: Store;
  /** Rate-limit buckets: in Redis when scaled out (shared by every api process), else in memory. */
  limiter: RateLimiter;
  log: Logger;
  metrics: PrometheusMetrics;
  /** Whether the store and the bus answer (for /readyz). */
  ready(): Promise<Record<string, string>>;
  mode: 'embedded' | 'services';
  close(): Promise<void>;
}

export interface Overrides {
  clock?: Clock;
  ids?: Ids;
  /** Share an in-process bus/queue between several runtimes in one process (tests). */
  bus?: Bus;
  queue?: WorkQueue;
  store?: Store;
  limiter?: RateLimiter;
  log?: Logger;
}

/**
 * The only place that picks adapters: PostgreSQL when DATABASE_URL is set (PGlite in the data
 * folder otherwise), Redis bus and queue when REDIS_URL is set (in-process otherwise).
 */
export async function buildRuntime(config: Config, overrides: Overrides = {}): Promise<Runtime> {
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir }));
  const log = overrides.log ?? createLogger({ level: config.logLevel, name: 'nodeless' });
  const redisError = (what: string) => (err: unknown) => log.error({ err: err instanceof Error ? err : new Error(String(err)) }, `redis (${what})`);
  const bus: Bus = overrides.bus ?? (config.redisUrl ? await RedisBus.connect(config.redisUrl, { prefix: `nodeless:${config.queueName}:`, onError: redisError('bus') }) : new MemoryBus());
  const queue = overrides.queue ?? (config.redisUrl ? await RedisWorkQueue.connect(config.redisUrl, { name: config.queueName, clock, onError: redisError('work queue') }) : new MemoryWorkQueue(clock));
  // shared through Redis when scaled out, taken ahead in small reserves so most requests cost no round trip
  const limiter = overrides.limiter ?? (config.redisUrl ? new ReservingRateLimiter(await RedisRateLimiter.connect(config.redisUrl, { prefix: `nodeless:${config.queueName}:rl:`, clock, onError: redisError('rate limiter') }), clock) : new MemoryRateLimiter(clock));
  const metrics = createPrometheusMetrics({ processMetrics: !overrides.store });
  const { fleet, hash } = loadFleet(config.fleetFile);
  const scheduler = loadSchedulerProfile(config.schedulerFile);
  await syncHosts(store.prisma, fleet, hash, new Date(clock.now()));
  const svc: Services = {
    db: store.prisma,
    bus,
    // keys added without their tenant get it from the store (the queue takes turns between tenants)
    queue: new TenantQueue(queue, storeTenants(store.prisma)),
    clock,
    ids: overrides.ids ?? randomIds,
    provider: new SimulatedProvider(store.prisma, clock, { bootLatencyMs: config.bootLatencyMs, pullLatencyMs: config.pullLatencyMs, batchRunMs: config.batchRunMs, stopLatencyMs: config.stopLatencyMs }),
    fleet,
    log,
    metrics,
    settings: {
      kubernetesVersion: config.kubernetesVersion,
      clusterProvisionMs: config.clusterProvisionMs,
      allowSignup: config.allowSignup,
      limits: { ...defaultLimits, ...config.limits },
      scheduler,
      operatorToken: config.operatorToken ?? `op_${randomBytes(24).toString('base64url')}`,
      autoscaling: config.autoscaling,
      billing: config.billing,
      retention: config.retention,
    },
  };
  // read at each scrape of /metrics
  metrics.addScrapeGauges([
    {
      name: 'nodeless_queue_keys',
      help: 'Work-queue keys waiting and in flight',
      labelNames: ['state'],
      read: async () => {
        const q = await queue.size();
        return [{ labels: { state: 'waiting' }, value: q.waiting }, { labels: { state: 'in_flight' }, value: q.inFlight }];
      },
    },
    {
      name: 'nodeless_pods',
      help: 'Pods by phase, all clusters',
      labelNames: ['phase'],
      read: async () => (await store.prisma.pod.groupBy({ by: ['phase'], _count: { _all: true } })).map((g) => ({ labels: { phase: g.phase }, value: g._count._all })),
    },
    {
      name: 'nodeless_meter_lag_seconds',
      help: 'How far behind now the least recently metered billable pod is (0: all settled)',
      read: async () => {
        const [row] = await store.prisma.$queryRaw<{ oldest: Date | null }[]>`SELECT min(COALESCE("meteredUntil", "from")) AS "oldest" FROM "BillablePod" WHERE NOT "settled"`;
        return [{ value: row?.oldest ? Math.max(0, (clock.now() - row.oldest.getTime()) / 1000) : 0 }];
      },
    },
  ]);
  return {
    svc,
    store,
    limiter,
    log,
    metrics,
    async ready() {
      const checks: Record<string, string> = {};
      await Promise.all([
        store.prisma.$queryRaw`SELECT 1`.then(
          () => void (checks.database = 'ok'),
          (err: unknown) => void (checks.database = `unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`),
        ),
        (bus.ping ? bus.ping() : Promise.resolve()).then(
          () => void (checks.bus = 'ok'),
          (err: unknown) => void (checks.bus = `unreachable: ${err instanceof Error ? err.message : String(err)}`),
        ),
      ]);
      return checks;
    },
    mode: config.databaseUrl && config.redisUrl ? 'services' : 'embedded',
    async close() {
      if (!overrides.limiter) await limiter.close();
      if (!overrides.queue) await queue.close();
      if (!overrides.bus) await bus.close();
      if (!overrides.store) await store.close();
    },
  };
}
