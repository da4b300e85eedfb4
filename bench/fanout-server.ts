/**
 * The api and the worker of `bench/fanout.ts`, in a child process of their own so that the
 * subscribers' CPU (in the bench process) is not counted as the api's. In services mode the worker
 * runs in a further process of its own (`npm run worker`, as deployed; BENCH_WORKERS=0 keeps it in
 * this one), so the api's CPU is the fan-out's alone. Talks to its parent over
 * the IPC channel: it sends `{ ready, url, wsUrl }`, then answers `{ id, cmd }` messages:
 *   stats   RSS, heap used (after a full GC when run with --expose-gc, unless `gc: false`) and CPU time (process.cpuUsage)
 *   events  pod events of a cluster after a sequence, and the newest sequence
 *   running pods of a cluster by status
 *   published  [sequence, time] pairs of the events published (after commit) since the last call
 *   feeds   the shared feeds of the process (app/feeds feedStats)
 *   stop    stops and cleans up, then exits
 */
import { openStore, type Store } from '../src/adapters/prisma/client';
import { startApp, type App } from '../src/main/app';
import { feedStats } from '../src/app/feeds/registry';
import { sharedExecutionStats } from '../src/graphql/fanout';
import { dropSchema, testConfig } from '../test/support/stack';
import { benchTarget, deleteRedisKeys, startWorkerProcess } from './support';

const env = (name: string) => process.env[name] ?? '';

async function main() {
  const usePg = !!process.env.DATABASE_URL;
  const useRedis = !!process.env.REDIS_URL;
  const { redisUrl, schema, queueName, base, benchDbUrl } = benchTarget();
  const big = env('FANOUT_SUBSCRIBERS') || '2000';
  const config = testConfig({
    ...(usePg ? { DATABASE_URL: benchDbUrl } : {}),
    ...(useRedis ? { REDIS_URL: redisUrl } : {}),
    NODELESS_QUEUE_NAME: queueName,
    NODELESS_WORKER_CONCURRENCY: env('BENCH_CONCURRENCY') || '4',
    NODELESS_RESYNC_MS: '0',
    NODELESS_BOOT_MS: '0',
    NODELESS_PULL_MS: '0',
    NODELESS_STOP_MS: '0',
    NODELESS_CLUSTER_PROVISION_MS: '0',
    NODELESS_LOG_LEVEL: 'warn',
    // one account holds every subscriber of the bench
    NODELESS_MAX_SOCKETS_PER_ACCOUNT: big,
    NODELESS_MAX_SUBSCRIPTIONS_PER_ACCOUNT: big,
    NODELESS_RATE_POINTS_PER_MINUTE: '100000000',
  });
  // services mode: the worker in a process of its own, as deployed (BENCH_WORKERS=0: in this one)
  const separateWorker = usePg && useRedis && env('BENCH_WORKERS') !== '0';
  const worker = separateWorker ? await startWorkerProcess({ workerConcurrency: Number(config.workerConcurrency) }, benchDbUrl, redisUrl, queueName) : null;
  const store: Store = await openStore(usePg ? { databaseUrl: benchDbUrl } : {});
  const app: App = await startApp(config, { api: true, worker: !separateWorker }, { store });
  const db = app.runtime.svc.db;
  // when this process received each event from the bus (right after its commit and publish):
  // the start of its delivery latency
  const published = new Map<number, number>();
  const bus = app.runtime.svc.bus;
  const subscribe = bus.subscribe.bind(bus);
  bus.subscribe = (topic: string, handler: (message: unknown) => void) =>
    subscribe(topic, (message: unknown) => {
      if (topic.endsWith('.events')) {
        const t = Date.now();
        for (const e of (message as { events: { sequence: number }[] }).events) if (!published.has(e.sequence)) published.set(e.sequence, t);
      }
      handler(message);
    });
  const stop = async () => {
    if (worker) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    await app.stop().catch((e) => console.error('[bench server] stop:', e));
    await store.close().catch(() => undefined);
    if (usePg) await dropSchema(base.connectionString, schema).catch((e) => console.error('[bench server] drop schema:', e));
    if (useRedis) await deleteRedisKeys(redisUrl, [`nodeless:wq:${queueName}:*`, `nodeless:${queueName}:*`]).catch(() => 0);
  };
  // BENCH_SHARED_RESULTS=0: every subscriber's event executed on its own (to measure what sharing saves)
  if (env('BENCH_SHARED_RESULTS') === '0') sharedExecutionStats.enabled = false;
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', async (m: { id: number; cmd: string; clusterId?: string; after?: number; gc?: boolean }) => {
    let reply: unknown;
    try {
      switch (m.cmd) {
        case 'stats': {
          if (gc && m.gc !== false) for (let i = 0; i < 3; i++) gc();
          const mem = process.memoryUsage();
          reply = { rss: mem.rss, heapUsed: mem.heapUsed, cpu: process.cpuUsage(), gc: !!gc, executions: { executed: sharedExecutionStats.executed, reused: sharedExecutionStats.reused } };
          break;
        }
        case 'events': {
          const [count, c] = await Promise.all([
            db.event.count({ where: { clusterId: m.clusterId!, involvedKind: 'Pod', sequence: { gt: m.after ?? 0 } } }),
            db.cluster.findUniqueOrThrow({ where: { id: m.clusterId! }, select: { eventSeq: true } }),
          ]);
          reply = { count, eventSeq: c.eventSeq };
          break;
        }
        case 'running': {
          const rows = await db.pod.groupBy({ by: ['status'], where: { clusterId: m.clusterId! }, _count: { _all: true } });
          reply = Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
          break;
        }
        case 'published': {
          const out: number[] = [];
          for (const [seq, t] of published) if (seq > (m.after ?? 0)) out.push(seq, t);
          published.clear();
          reply = out;
          break;
        }
        case 'feeds':
          reply = feedStats(app.runtime.svc);
          break;
        case 'stop':
          await stop();
          process.send!({ id: m.id, reply: null }, () => process.exit(0));
          return;
        default:
          throw new Error(`unknown command ${m.cmd}`);
      }
      process.send!({ id: m.id, reply });
    } catch (err) {
      process.send!({ id: m.id, error: String(err) });
    }
  });
  process.on('disconnect', () => void stop().then(() => process.exit(0)));
  process.send!({ ready: true, url: app.api!.url, wsUrl: app.api!.wsUrl });
}

main().catch((err) => {
  console.error('[bench server] failed:', err);
  process.exit(1);
});
