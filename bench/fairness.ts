/**
 * Fairness benchmark, run with `npm run bench:fair`: how much one tenant scaling a Deployment to
 * thousands of pods slows another tenant down.
 *
 * Starts the api and the worker in this process (as `npm start` does) on PostgreSQL and Redis when
 * DATABASE_URL / REDIS_URL are set (a fresh `bench_<random>` schema and a unique queue name, both
 * removed at the end), embedded otherwise (an in-memory PGlite, the in-process bus and queue).
 * Two accounts, A and B, each with one cluster, each watched over a real graphql-ws socket.
 *
 *  1. baseline: tenant B alone. B scales its Deployment up one pod at a time (BENCH_B_PODS times)
 *     and times each pod from the scale mutation to the arrival of its Running event; meanwhile
 *     B sends a small query (its cluster with five workloads) every BENCH_QUERY_MS and times each.
 *  2. under load: tenant A scales a Deployment 0 → BENCH_PODS; while A's pods are not all Running,
 *     B does exactly the same as in the baseline (pod starts one after another, queries).
 *
 * Printed: A's pods/s; B's pod start p50/p99 and query p50/p99 for both phases, the ratios and
 * differences against the baseline of the same run, and whether the targets hold (B's pod start
 * under load ≤ 1.2 × the baseline at p50; B's query p99 under load ≤ the baseline + 50 ms). The
 * last line on stdout is one JSON object.
 *
 * Environment:
 *   DATABASE_URL, REDIS_URL   services mode when set (each independently), embedded otherwise
 *   BENCH_PODS        A's pods (default 3000; BENCH_QUICK: 300)
 *   BENCH_B_PODS      B's pod starts in the baseline, and at least that many under load (default 10; BENCH_QUICK: 3)
 *   BENCH_QUERY_MS    B's query period (default 50)
 *   BENCH_CONCURRENCY / NODELESS_WORKER_CONCURRENCY   worker concurrency (default 4)
 *   BENCH_BOOT_MS, BENCH_PULL_MS   simulated sandbox boot and image pull latency (default 0)
 *   BENCH_TIMEOUT_MS  give up waiting for A's pods (default 600000)
 *   BENCH_TENANT_SHARE, BENCH_TURN_WAIT_MS  the worker's tenantShare and turnWaitMs (default: the worker's defaults)
 *   BENCH_A_SUBSCRIBER=0  A has no podEvents subscriber (its progress is read from the store)
 *   BENCH_A_ALONE=1   B stays idle while A scales (A's own pods/s; B's "under load" figures are then the baseline's)
 *   BENCH_QUICK=1     a tiny configuration for CI (seconds)
 *   BENCH_PROFILE=1   also print, per tenant and key kind, the reconcile passes (count, time) and
 *                     how long keys waited in the queue (from add to claim) during the load phase
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createClient as createWs, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { openStore, type Store } from '../src/adapters/prisma/client';
import { startApp, type App } from '../src/main/app';
import { startWorker, type Worker } from '../src/worker';
import { dropSchema, makeGql, nginxDeployment, signup, testConfig, type Gql } from '../test/support/stack';
import { benchTarget, deleteRedisKeys, gqlOk, int, log, percentile, round, sleep, Stats, runBench } from './support';
import type { WorkQueue } from '../src/ports/workqueue';

const QUICK = ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const N = int('BENCH_PODS', QUICK ? 300 : 3000, 1);
const B_PODS = int('BENCH_B_PODS', QUICK ? 3 : 10, 1);
const QUERY_MS = int('BENCH_QUERY_MS', 50, 1);
const CONCURRENCY = int('BENCH_CONCURRENCY', int('NODELESS_WORKER_CONCURRENCY', 4, 1), 1);
const BOOT_MS = int('BENCH_BOOT_MS', 0, 0);
const PULL_MS = int('BENCH_PULL_MS', 0, 0);
const TIMEOUT_MS = int('BENCH_TIMEOUT_MS', 600_000, 1000);
const START_TIMEOUT_MS = 120_000;
const PROFILE = ['1', 'true', 'yes'].includes(process.env.BENCH_PROFILE ?? '');
const TENANT_SHARE = process.env.BENCH_TENANT_SHARE ? Number(process.env.BENCH_TENANT_SHARE) : undefined;
const TURN_WAIT_MS = process.env.BENCH_TURN_WAIT_MS ? int('BENCH_TURN_WAIT_MS', 100, 0) : undefined;
/** 0: A has no subscriber (its progress is read from the store): the api streams only B's events. */
const A_SUBSCRIBER = process.env.BENCH_A_SUBSCRIBER !== '0';
/** A scales with B idle: A's own throughput, for the cost of fairness (B's figures are then the baseline only). */
const A_ALONE = ['1', 'true', 'yes'].includes(process.env.BENCH_A_ALONE ?? '');

const passStats = new Stats();
const waitStats = new Stats();

/**
 * BENCH_PROFILE: wraps the queue from the outside (src/ is not changed): per tenant name and key
 * kind, the time from claim to done/fail, and from the first add of a key (while it was not
 * waiting yet) to its claim.
 */
function instrumentQueue(queue: WorkQueue, tenantName: (tenant: string) => string): void {
  const q = queue as unknown as Record<string, (...a: any[]) => Promise<any>>;
  const firstAdd = new Map<string, number>();
  const started = new Map<string, { t: number; label: string }>();
  const wrapAdd = (name: string) => {
    const orig = q[name].bind(queue);
    q[name] = async (key: string, ...rest: unknown[]) => {
      if (!firstAdd.has(key)) firstAdd.set(key, performance.now());
      return orig(key, ...rest);
    };
  };
  wrapAdd('add');
  wrapAdd('addUrgent');
  const claim = q.claim.bind(queue);
  q.claim = async (...a: unknown[]) => {
    const lease = await claim(...a);
    if (lease) {
      const label = `${tenantName(lease.tenant)} ${lease.key.slice(0, lease.key.indexOf(':'))}`;
      const added = firstAdd.get(lease.key);
      firstAdd.delete(lease.key);
      if (added !== undefined) waitStats.add(label, performance.now() - added);
      started.set(lease.token, { t: performance.now(), label });
    }
    return lease;
  };
  for (const name of ['done', 'fail']) {
    const orig = q[name].bind(queue);
    q[name] = async (lease: { token: string }) => {
      const s = started.get(lease.token);
      started.delete(lease.token);
      if (s) passStats.add(`${s.label}${name === 'fail' ? ' (failed)' : ''}`, performance.now() - s.t);
      return orig(lease);
    };
  }
}

const POD_EVENTS = `subscription($c: ID!, $since: Int) { podEvents(clusterId: $c, since: $since) { type pod { name status } } }`;
const SMALL_QUERY = `query($c: ID!) { cluster(id: $c) { name status workloads(first: 5) { edges { node { name replicas } } } } }`;

/** Running events of one cluster as they arrive (arrival time of the first Running per pod). */
class RunningWatcher {
  private readonly running = new Map<string, number>();
  /** Running pods per name prefix (before the last two dashes: the Deployment). */
  private readonly counts = new Map<string, number>();
  private waiters: { pred: () => boolean; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly client: WsClient;
  private readonly dispose: () => void;
  private failure: Error | null = null;

  constructor(wsUrl: string, token: string, clusterId: string) {
    this.client = createWs({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false });
    this.dispose = this.client.subscribe<{ podEvents: { type: string; pod: { name: string; status: string } } }>(
      { query: POD_EVENTS, variables: { c: clusterId, since: 0 } },
      {
        next: (m) => {
          const now = performance.now();
          const e = m.data?.podEvents;
          if (m.errors) this.fail(new Error(JSON.stringify(m.errors)));
          if (e && e.type !== 'DELETED' && e.pod.status === 'Running' && !this.running.has(e.pod.name)) {
            this.running.set(e.pod.name, now);
            const owner = e.pod.name.split('-').slice(0, -2).join('-');
            this.counts.set(owner, (this.counts.get(owner) ?? 0) + 1);
          }
          this.check();
        },
        error: (err) => this.fail(err instanceof Error ? err : new Error(String(err))),
        complete: () => this.fail(new Error('subscription completed')),
      },
    );
  }

  /** Pods of a Deployment (by name prefix) that have been Running. */
  count(deployment: string): number {
    return this.counts.get(deployment) ?? 0;
  }

  /** Arrival of the last Running event of a Deployment's pods. */
  last(deployment: string): number {
    let t = 0;
    for (const [name, at] of this.running) if (name.startsWith(`${deployment}-`)) t = Math.max(t, at);
    return t;
  }

  until(pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  private fail(err: Error) {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private check() {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }

  async close(): Promise<void> {
    this.dispose();
    await this.client.dispose();
  }
}

/** A's progress read from the store every 100 ms instead of a subscription (BENCH_A_SUBSCRIBER=0). */
class PollingWatcher {
  private n = 0;
  private lastAt = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  constructor(private readonly countRunning: () => Promise<number>) {
    this.timer = setInterval(() => {
      this.countRunning().then(
        (n) => {
          if (n > this.n) this.lastAt = performance.now();
          this.n = n;
        },
        () => undefined,
      );
    }, 100);
  }
  count(): number {
    return this.n;
  }
  last(): number {
    return this.lastAt;
  }
  async until(pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!pred()) {
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(50);
    }
  }
  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}

interface Tenant {
  name: string;
  token: string;
  clusterId: string;
  watcher: RunningWatcher | PollingWatcher;
  /** replicas of its Deployment now */
  replicas: number;
}

interface PhaseFigures {
  starts: number[];
  queries: number[];
  queryErrors: number;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50), 1), p99: round(percentile(s, 99), 1), max: round(s[s.length - 1] ?? NaN, 1) };
};

async function main(): Promise<number> {
  const usePg = !!process.env.DATABASE_URL;
  const useRedis = !!process.env.REDIS_URL;
  const target = benchTarget();
  const { redisUrl, schema, queueName, base, benchDbUrl } = target;
  const config = testConfig({
    ...(usePg ? { DATABASE_URL: benchDbUrl } : {}),
    ...(useRedis ? { REDIS_URL: redisUrl } : {}),
    NODELESS_QUEUE_NAME: queueName,
    NODELESS_WORKER_CONCURRENCY: String(CONCURRENCY),
    NODELESS_RESYNC_MS: '0',
    NODELESS_BOOT_MS: String(BOOT_MS),
    NODELESS_PULL_MS: String(PULL_MS),
    NODELESS_STOP_MS: '0',
    NODELESS_CLUSTER_PROVISION_MS: '0',
  });
  const storeKind = usePg ? 'postgres' : 'pglite';
  const queueKind = useRedis ? 'redis' : 'memory';
  log(`A scales to ${N} pods; B: ${B_PODS} pod starts per phase, a query every ${QUERY_MS} ms; store ${storeKind}, queue ${queueKind}, worker concurrency ${CONCURRENCY}${TENANT_SHARE !== undefined ? `, tenant share ${TENANT_SHARE}` : ''}, api and worker in this process${QUICK ? ' (quick)' : ''}`);

  let store: Store | null = null;
  let app: App | null = null;
  let worker: Worker | null = null;
  const tenants: Tenant[] = [];
  let exitCode = 0;
  try {
    store = await openStore(usePg ? { databaseUrl: benchDbUrl } : {});
    // the api and the worker in this process, as `npm start` runs them (the worker started here to pass BENCH_TENANT_SHARE)
    app = await startApp(config, { api: true, worker: false }, { store });
    worker = await startWorker(app.runtime.svc, { concurrency: CONCURRENCY, resyncMs: 0, tenantShare: TENANT_SHARE, turnWaitMs: TURN_WAIT_MS });
    const gql: Gql = makeGql(app.api!.url);
    const wsUrl = app.api!.wsUrl;

    const makeTenant = async (name: string): Promise<Tenant> => {
      const { token } = await signup(gql, name);
      const created = await gqlOk(gql, 'createCluster', `mutation($n: String!) { createCluster(input: { name: $n, region: "ap-guangzhou" }) { cluster { id } userErrors { field code message } } }`, { n: name }, token);
      const clusterId: string = created.createCluster.cluster.id;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await gql(`query($c: ID!) { cluster(id: $c) { status } }`, { c: clusterId }, token);
        if (r.data?.cluster?.status === 'RUNNING') break;
        if (Date.now() > deadline) throw new Error(`cluster ${name} not RUNNING: ${JSON.stringify(r)}`);
        await sleep(20);
      }
      const cluster = await app!.runtime.svc.db.cluster.findFirstOrThrow({ where: { name }, select: { id: true } });
      const watcher = name === 'tenant-a' && !A_SUBSCRIBER ? new PollingWatcher(() => app!.runtime.svc.db.pod.count({ where: { clusterId: cluster.id, status: 'Running' } })) : new RunningWatcher(wsUrl, token, clusterId);
      return { name, token, clusterId, watcher, replicas: 0 };
    };
    const apply = (t: Tenant, manifest: string) =>
      gqlOk(gql, 'applyManifest', `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { name action } userErrors { field message code } } }`, { c: t.clusterId, m: manifest }, t.token);
    const scale = (t: Tenant, replicas: number) =>
      gqlOk(gql, 'scaleWorkload', `mutation($c: ID!, $n: String!, $r: Int!) { scaleWorkload(input: { clusterId: $c, namespace: "default", kind: "Deployment", name: $n, replicas: $r }) { workload { replicas } userErrors { field code message } } }`, { c: t.clusterId, n: t.name, r: replicas }, t.token);

    const a = await makeTenant('tenant-a');
    const b = await makeTenant('tenant-b');
    tenants.push(a, b);
    if (PROFILE) {
      // tenants are <account>/<cluster id>: name them by cluster name
      const names = new Map((await app.runtime.svc.db.cluster.findMany({ select: { id: true, name: true } })).map((c) => [c.id, c.name === a.name ? 'A' : c.name === b.name ? 'B' : c.name]));
      instrumentQueue(app.runtime.svc.queue, (t) => (t === '' ? 'system' : (names.get(t.slice(t.indexOf('/') + 1)) ?? t)));
    }
    // warm-up: both Deployments exist, B has one pod Running (proves B's socket is live)
    await apply(a, nginxDeployment(0, a.name));
    await apply(b, nginxDeployment(1, b.name));
    b.replicas = 1;
    await b.watcher.until(() => b.watcher.count(b.name) >= 1, 'B warm-up pod Running', START_TIMEOUT_MS);
    log('clusters RUNNING, B warm-up pod Running');

    /** B's pod starts one after another (at least `min`, and while `more()`), with B's queries meanwhile. */
    const measureB = async (min: number, more: () => boolean): Promise<PhaseFigures> => {
      const fig: PhaseFigures = { starts: [], queries: [], queryErrors: 0 };
      let stop = false;
      const queries = (async () => {
        while (!stop) {
          const t0 = performance.now();
          const r = await gql(SMALL_QUERY, { c: b.clusterId }, b.token);
          const ms = performance.now() - t0;
          if (r.errors?.length || !r.data?.cluster) fig.queryErrors++;
          else fig.queries.push(ms);
          await sleep(Math.max(0, QUERY_MS - ms));
        }
      })();
      try {
        while (fig.starts.length < min || more()) {
          const want = b.replicas + 1;
          const t0 = performance.now();
          await scale(b, want);
          b.replicas = want;
          await b.watcher.until(() => b.watcher.count(b.name) >= want, `B pod ${want} Running`, START_TIMEOUT_MS);
          fig.starts.push(performance.now() - t0);
        }
      } finally {
        stop = true;
        await queries;
      }
      return fig;
    };

    log('baseline: B alone …');
    const lag = monitorEventLoopDelay({ resolution: 10 });
    const lagFigures = () => `event-loop delay p50 ${(lag.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms, max ${(lag.max / 1e6).toFixed(0)} ms`;
    lag.enable();
    const baseline = await measureB(B_PODS, () => false);
    lag.disable();
    log(`baseline: ${lagFigures()}`);
    lag.reset();
    const bs = stats(baseline.starts);
    const bq = stats(baseline.queries);
    log(`baseline: B pod start p50 ${bs.p50} ms, p99 ${bs.p99} ms (${bs.n}); B query p50 ${bq.p50} ms, p99 ${bq.p99} ms (${bq.n})`);

    if (PROFILE) {
      passStats.print('reconcile passes in the baseline (claim → done), per tenant and key kind:');
      waitStats.print('queue waits in the baseline (first add → claim), per tenant and key kind:');
    }
    passStats.reset();
    waitStats.reset();
    log(`under load: A scales 0 → ${N} …`);
    const elu0 = performance.eventLoopUtilization();
    const tScale = performance.now();
    lag.enable();
    await scale(a, N);
    let aDone = false;
    const aRunning = a.watcher.until(() => a.watcher.count(a.name) >= N, `${N} A pods Running`, TIMEOUT_MS).then(() => {
      aDone = true;
    });
    let nextReport = 1;
    const progress = setInterval(() => {
      const n = a.watcher.count(a.name);
      const quarter = Math.floor((4 * n) / N);
      if (quarter >= nextReport) {
        log(`  A: ${n}/${N} Running after ${((performance.now() - tScale) / 1000).toFixed(1)} s`);
        nextReport = quarter + 1;
      }
    }, 250);
    // B measures while A is busy; if A fails, the measurement stops too
    const aFailed = aRunning.catch(() => {
      aDone = true;
    });
    const load = A_ALONE ? (await aRunning.catch(() => undefined), baseline) : await measureB(B_PODS, () => !aDone);
    await aRunning;
    await aFailed;
    clearInterval(progress);
    lag.disable();
    log(`under load: ${lagFigures()}`);
    const aSeconds = (a.watcher.last(a.name) - tScale) / 1000;
    const elu = performance.eventLoopUtilization(elu0);
    const ls = stats(load.starts);
    const lq = stats(load.queries);
    const aPodsPerS = N / aSeconds;
    log(`A: ${N} pods Running in ${aSeconds.toFixed(2)} s (${aPodsPerS.toFixed(0)} pods/s); event loop ${(elu.utilization * 100).toFixed(0)}% busy meanwhile`);
    log(`under load: B pod start p50 ${ls.p50} ms, p99 ${ls.p99} ms (${ls.n}); B query p50 ${lq.p50} ms, p99 ${lq.p99} ms, max ${lq.max} ms (${lq.n}, ${load.queryErrors} errors)`);

    if (PROFILE) {
      const svc = app.runtime.svc;
      const bCluster = await svc.db.cluster.findFirstOrThrow({ where: { name: b.name }, select: { id: true } });
      const warnings = await svc.db.event.groupBy({ by: ['reason'], where: { clusterId: bCluster.id, eventType: 'Warning' }, _count: { _all: true } });
      log(`B's Warning events: ${warnings.map((w) => `${w.reason} ×${w._count._all}`).join(', ') || 'none'}`);
      passStats.print('reconcile passes under load (claim → done), per tenant and key kind:');
      waitStats.print('queue waits under load (first add → claim), per tenant and key kind:');
    }

    const startRatio = ls.p50 / bs.p50;
    const queryP99Delta = lq.p99 - bq.p99;
    const startMet = startRatio <= 1.2;
    const queryMet = queryP99Delta <= 50;
    log('');
    log('                       baseline (B alone)   under load (A → ' + N + ')   ratio / difference');
    log(`B pod start p50        ${String(bs.p50).padStart(10)} ms        ${String(ls.p50).padStart(10)} ms          × ${startRatio.toFixed(2)}   (target ≤ 1.20: ${startMet ? 'met' : 'NOT met'})`);
    log(`B pod start p99        ${String(bs.p99).padStart(10)} ms        ${String(ls.p99).padStart(10)} ms          × ${(ls.p99 / bs.p99).toFixed(2)}`);
    log(`B query p50            ${String(bq.p50).padStart(10)} ms        ${String(lq.p50).padStart(10)} ms          + ${(lq.p50 - bq.p50).toFixed(1)} ms`);
    log(`B query p99            ${String(bq.p99).padStart(10)} ms        ${String(lq.p99).padStart(10)} ms          + ${queryP99Delta.toFixed(1)} ms   (target ≤ +50 ms: ${queryMet ? 'met' : 'NOT met'})`);

    const result = {
      bench: 'fairness',
      pods: N,
      store: storeKind,
      queue: queueKind,
      concurrency: CONCURRENCY,
      tenant_share: TENANT_SHARE ?? null,
      turn_wait_ms: TURN_WAIT_MS ?? null,
      a_pods_per_s: Math.round(aPodsPerS),
      b_start_p50_ms: ls.p50,
      b_start_p99_ms: ls.p99,
      b_query_p50_ms: lq.p50,
      b_query_p99_ms: lq.p99,
      baseline_start_p50_ms: bs.p50,
      baseline_start_p99_ms: bs.p99,
      baseline_query_p50_ms: bq.p50,
      baseline_query_p99_ms: bq.p99,
      start_ratio: round(startRatio, 2),
      query_p99_delta_ms: round(queryP99Delta, 1),
      b_starts_under_load: ls.n,
      targets_met: startMet && queryMet,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    console.error('[bench] failed:', err);
    exitCode = 1;
  } finally {
    for (const t of tenants) await t.watcher.close().catch(() => undefined);
    await worker?.stop().catch((e) => console.error('[bench] stop worker:', e));
    await app?.stop().catch((e) => console.error('[bench] stop:', e));
    await store?.close().catch(() => undefined);
    if (usePg) await dropSchema(base.connectionString, schema).catch((e) => console.error('[bench] drop schema:', e));
    if (useRedis) {
      const n = await deleteRedisKeys(redisUrl, [`nodeless:wq:${queueName}:*`, `nodeless:${queueName}:*`]).catch(() => 0);
      log(`cleaned up: ${usePg ? `schema ${schema} dropped, ` : ''}${n} Redis keys deleted`);
    }
  }
  return exitCode;
}

runBench(main);
