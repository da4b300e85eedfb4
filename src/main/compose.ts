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
import { SimulatedProvider } from '../adapters/provider/simulated';
import { loadFleet } from '../adapters/provider/fleet';
import { syncHosts } from '../adapters/prisma/hosts';
import { loadSchedulerProfile } from '../adapters/schedulerProfile';
import { randomBytes } from 'node:crypto';

export interface Runtime {
  svc: Services;
  store: Store;
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
}

/**
 * The only place that picks adapters: PostgreSQL when DATABASE_URL is set (PGlite in the data
 * folder otherwise), Redis bus and queue when REDIS_URL is set (in-process otherwise).
 */
export async function buildRuntime(config: Config, overrides: Overrides = {}): Promise<Runtime> {
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir }));
  const bus = overrides.bus ?? (config.redisUrl ? await RedisBus.connect(config.redisUrl, { prefix: `nodeless:${config.queueName}:` }) : new MemoryBus());
  const queue = overrides.queue ?? (config.redisUrl ? await RedisWorkQueue.connect(config.redisUrl, { name: config.queueName, clock }) : new MemoryWorkQueue(clock));
  const { fleet, hash } = loadFleet(config.fleetFile);
  const scheduler = loadSchedulerProfile(config.schedulerFile);
  await syncHosts(store.prisma, fleet, hash, new Date(clock.now()));
  const svc: Services = {
    db: store.prisma,
    bus,
    queue,
    clock,
    ids: overrides.ids ?? randomIds,
    provider: new SimulatedProvider(store.prisma, clock, { bootLatencyMs: config.bootLatencyMs, pullLatencyMs: config.pullLatencyMs, batchRunMs: config.batchRunMs, stopLatencyMs: config.stopLatencyMs }),
    fleet,
    settings: {
      kubernetesVersion: config.kubernetesVersion,
      clusterProvisionMs: config.clusterProvisionMs,
      allowSignup: config.allowSignup,
      limits: { ...defaultLimits, ...config.limits },
      scheduler,
      operatorToken: config.operatorToken ?? `op_${randomBytes(24).toString('base64url')}`,
      autoscaling: config.autoscaling,
      billing: config.billing,
    },
  };
  return {
    svc,
    store,
    mode: config.databaseUrl && config.redisUrl ? 'services' : 'embedded',
    async close() {
      if (!overrides.queue) await queue.close();
      if (!overrides.bus) await bus.close();
      if (!overrides.store) await store.close();
    },
  };
}
