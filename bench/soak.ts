/**
 * Soak benchmark, run with `npm run bench:soak`: does a busy cluster's data stay bounded?
 *
 * Starts `npm run api` and `npm run worker` as real processes on PostgreSQL and Redis (a fresh
 * `bench_<random>` schema and queue name, removed at the end) with a short retention window, and
 * churns one cluster for BENCH_MINUTES:
 *  - a Deployment scaled up and back to 0 every cycle (created and deleted pods),
 *  - a Job per cycle (finished pods, for the finished-pod GC; Jobs go by ttlSecondsAfterFinished),
 *  - a Deployment with an offered load that changes every cycle and a HorizontalPodAutoscaler on
 *    it (metric samples, scaling decisions),
 *  - a podEvents subscriber over graphql-ws (it resumes from lastEventSequence when told EXPIRED).
 * Every sample period it prints the row counts of the big tables and the api's and worker's RSS
 * and heap (from their /metrics). After the warm-up (by default the first fifth of the run) the figures are
 * kept as the reference; at the end the growth ratios (end / warm-up) of the bounded tables
 * (events, pods, metric samples, scaling history) and of memory say whether they stayed flat.
 * The billing ledger (BillablePod, UsageRecord) grows with the pods billed, by design, and is
 * printed for information; so are the simulated provider's sandbox rows (SimSandbox). The last
 * line on stdout is one JSON object.
 *
 * Environment:
 *   DATABASE_URL, REDIS_URL   default postgres://postgres@127.0.0.1:5432/test, redis://127.0.0.1:6379
 *   BENCH_MINUTES         run length (default 30; BENCH_QUICK: 1)
 *   BENCH_PODS_PER_MINUTE pods created per minute (default 200; BENCH_QUICK: 30)
 *   BENCH_CYCLE_SECONDS   churn cycle (default 30; BENCH_QUICK: 10)
 *   BENCH_SAMPLE_SECONDS  print period (default 60; BENCH_QUICK: 10)
 *   BENCH_WARMUP_SECONDS  warm-up, the reference of the growth ratios (default a fifth of the run;
 *                         make it longer than the 2-minute metric-sample window for a flat PodMetric)
 *   BENCH_RETENTION_MS    NODELESS_EVENT_RETENTION_MS of the run (default 120000; BENCH_QUICK: 10000)
 *   BENCH_GC_THRESHOLD    NODELESS_TERMINATED_POD_GC_THRESHOLD of the run (default 100; BENCH_QUICK: 5)
 *   BENCH_QUICK=1         about a minute, a few pods, a seconds-long window (CI)
 */
import { createClient as createWs, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import pg from 'pg';
import { dropSchema, makeGql, signup, type Gql } from '../test/support/stack';
import { freePort, startService, type ServiceProcess } from '../test/support/processes';
import { benchTarget, deleteRedisKeys, gqlOk, int, log, round, sleep, runBench } from './support';

const QUICK = ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const MINUTES = int('BENCH_MINUTES', QUICK ? 1 : 30, 1);
const PODS_PER_MINUTE = int('BENCH_PODS_PER_MINUTE', QUICK ? 30 : 200, 2);
const CYCLE_S = int('BENCH_CYCLE_SECONDS', QUICK ? 10 : 30, 2);
const SAMPLE_S = int('BENCH_SAMPLE_SECONDS', QUICK ? 10 : 60, 1);
/** Seconds of warm-up: the reference point of the growth ratios (default a fifth of the run). */
const WARMUP_S = int('BENCH_WARMUP_SECONDS', Math.round(MINUTES * 12), 0);
const RETENTION_MS = int('BENCH_RETENTION_MS', QUICK ? 10_000 : 120_000, 1000);
const GC_THRESHOLD = int('BENCH_GC_THRESHOLD', QUICK ? 5 : 100, 1);
/** Small, so the cap is reached during the warm-up (the autoscaler rescales a few times a minute). */
const HISTORY_PER_WORKLOAD = 5;
/** A bounded table or memory figure is "flat" when its end is at most this times its warm-up value. */
const FLAT_RATIO = 1.5;

/** Tables the retention keeps bounded, and tables that grow by design (printed for information). */
const BOUNDED = ['Event', 'Pod', 'PodMetric', 'ScalingDecision', 'Workload'] as const;
const GROWING = ['BillablePod', 'UsageRecord', 'SimSandbox'] as const;
type Counts = Record<string, number>;
interface Memory {
  apiRssMb: number;
  apiHeapMb: number;
  workerRssMb: number;
  workerHeapMb: number;
}

const perCycle = Math.max(2, Math.round((PODS_PER_MINUTE * CYCLE_S) / 60));
const JOB_PODS = Math.max(1, Math.round(perCycle * 0.2));
const DEPLOY_PODS = perCycle - JOB_PODS;

const churnDeployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: churn }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: churn } }
  template:
    metadata: { labels: { app: churn } }
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources: { requests: { cpu: 250m, memory: 512Mi } }
`;
const job = (n: number) => `apiVersion: batch/v1
kind: Job
metadata: { name: batch-${n} }
spec:
  completions: ${JOB_PODS}
  parallelism: ${JOB_PODS}
  ttlSecondsAfterFinished: ${Math.max(30, CYCLE_S * 4)}
  template:
    metadata:
      annotations: { sim.nodeless.dev/run-ms: "1000" }
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox:1.36
        resources: { requests: { cpu: 250m, memory: 512Mi } }
`;
const served = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
      - name: api
        image: nginx:1.27
        resources: { requests: { cpu: 500m, memory: 1Gi } }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: api }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: api }
  minReplicas: 1
  maxReplicas: 6
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } } }]
  behavior: { scaleDown: { stabilizationWindowSeconds: 0 } }
`;

/** A podEvents subscriber that counts what it gets and resumes from lastEventSequence when told EXPIRED. */
class Subscriber {
  received = 0;
  expired = 0;
  otherErrors: string[] = [];
  private client: WsClient;
  private dispose: () => void = () => {};
  private closed = false;

  constructor(
    wsUrl: string,
    token: string,
    private readonly gql: Gql,
    private readonly clusterId: string,
  ) {
    this.client = createWs({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 5, lazy: false });
    this.token = token;
  }
  private token: string;

  async start(): Promise<void> {
    const r = await this.gql(`query($c: ID!) { cluster(id: $c) { lastEventSequence } }`, { c: this.clusterId }, this.token);
    const since = r.data?.cluster?.lastEventSequence ?? null;
    this.dispose = this.client.subscribe(
      { query: 'subscription($c: ID!, $s: Int) { podEvents(clusterId: $c, since: $s) { sequence } }', variables: { c: this.clusterId, s: since } },
      {
        next: (m) => {
          if (m.data) this.received++;
          for (const e of m.errors ?? []) this.failed(e as { extensions?: { code?: string }; message: string });
        },
        error: (e) => this.failed((Array.isArray(e) ? e[0] : e) as { extensions?: { code?: string }; message: string }),
        complete: () => {},
      },
    );
  }

  private failed(e: { extensions?: { code?: string }; message?: string }): void {
    if (this.closed) return;
    const code = e?.extensions?.code;
    if (code === 'EXPIRED' || code === 'SLOW_CONSUMER') this.expired++;
    else this.otherErrors.push(String(e?.message ?? e));
    this.dispose();
    void this.start().catch((err) => this.otherErrors.push(String(err)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dispose();
    await this.client.dispose();
  }
}

async function readMemory(url: string): Promise<{ rssMb: number; heapMb: number }> {
  const text = await (await fetch(url)).text();
  const value = (name: string) => {
    const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm'));
    return m ? Number(m[1]) / 1024 / 1024 : NaN;
  };
  return { rssMb: round(value('nodeless_process_process_resident_memory_bytes')), heapMb: round(value('nodeless_process_nodejs_heap_size_used_bytes')) };
}

async function main(): Promise<number> {
  const { redisUrl, schema, queueName, base, benchDbUrl } = benchTarget();
  const [apiPort, opsPort] = [await freePort(), await freePort()];
  const env = {
    DATABASE_URL: benchDbUrl,
    REDIS_URL: redisUrl,
    NODELESS_QUEUE_NAME: queueName,
    NODELESS_ALLOW_SIGNUP: 'true',
    NODELESS_BOOT_MS: '0',
    NODELESS_PULL_MS: '0',
    NODELESS_STOP_MS: '0',
    NODELESS_CLUSTER_PROVISION_MS: '0',
    NODELESS_RESYNC_MS: '10000',
    NODELESS_LOG_LEVEL: 'warn',
    NODELESS_METRICS_INTERVAL_MS: '2000',
    NODELESS_HPA_SYNC_MS: '5000',
    NODELESS_EVENT_RETENTION_MS: String(RETENTION_MS),
    NODELESS_RETENTION_INTERVAL_MS: String(Math.max(1000, Math.min(10_000, Math.floor(RETENTION_MS / 4)))),
    NODELESS_TERMINATED_POD_GC_THRESHOLD: String(GC_THRESHOLD),
    NODELESS_SCALING_HISTORY_PER_WORKLOAD: String(HISTORY_PER_WORKLOAD),
    NODELESS_RATE_POINTS_PER_MINUTE: '100000000',
    NODELESS_SIGNUPS_PER_HOUR: '1000',
  };
  log(`soak: ${MINUTES} min, ${PODS_PER_MINUTE} pods/min (${DEPLOY_PODS} Deployment + ${JOB_PODS} Job pods every ${CYCLE_S} s), event retention ${RETENTION_MS} ms, GC threshold ${GC_THRESHOLD}; schema ${schema}`);
  const procs: ServiceProcess[] = [];
  let subscriber: Subscriber | null = null;
  const db = new pg.Client({ connectionString: base.connectionString });
  try {
    const api = startService('api', { ...env, PORT: String(apiPort), HOST: '127.0.0.1' }, 'api');
    procs.push(api);
    const m = await api.waitForLine(/listening on (http:\/\/\S+)/, { timeoutMs: 120_000 });
    const url = m[1];
    const worker = startService('worker', { ...env, NODELESS_OPS_PORT: String(opsPort) }, 'worker');
    procs.push(worker);
    await worker.waitForLine(/worker running/, { timeoutMs: 120_000 });
    const origin = new URL(url).origin;
    const gql = makeGql(url);
    const { token } = await signup(gql, 'soak');
    const made = await gqlOk(gql, 'createCluster', `mutation { createCluster(input: { name: "soak", region: "ap-guangzhou" }) { cluster { id } userErrors { field code message } } }`, {}, token);
    const clusterId: string = made.createCluster.cluster.id;
    for (let i = 0; ; i++) {
      const r = await gql(`query($c: ID!) { cluster(id: $c) { status } }`, { c: clusterId }, token);
      if (r.data?.cluster?.status === 'RUNNING') break;
      if (i > 600) throw new Error('the cluster did not come up');
      await sleep(100);
    }
    const apply = (manifest: string) => gqlOk(gql, 'applyManifest', `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { field code message } } }`, { c: clusterId, m: manifest }, token);
    const setLoad = (rps: number) =>
      gqlOk(gql, 'setWorkloadLoad', `mutation($c: ID!, $rps: Float!) { setWorkloadLoad(input: { clusterId: $c, name: "api", load: { cpuMsPerRequest: 10, baseCpuMilli: 20, points: [{ at: 0, rps: $rps }] } }) { userErrors { field code message } } }`, { c: clusterId, rps }, token);
    await apply(served);
    await setLoad(50);
    subscriber = new Subscriber(url.replace(/^http/, 'ws'), token, gql, clusterId);
    await subscriber.start();

    await db.connect();
    await db.query(`SET search_path TO "${schema}"`);
    const counts = async (): Promise<Counts> => {
      const out: Counts = {};
      for (const t of [...BOUNDED, ...GROWING]) out[t] = Number((await db.query(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0].n);
      return out;
    };
    const memory = async (): Promise<Memory> => {
      const [a, w] = await Promise.all([readMemory(`${origin}/metrics`), readMemory(`http://127.0.0.1:${opsPort}/metrics`)]);
      return { apiRssMb: a.rssMb, apiHeapMb: a.heapMb, workerRssMb: w.rssMb, workerHeapMb: w.heapMb };
    };
    const prunedThrough = async () => Number((await db.query(`SELECT "eventsPrunedThrough" AS p, "eventSeq" AS s FROM "Cluster"`)).rows[0].p);

    const started = Date.now();
    const endAt = started + MINUTES * 60_000;
    const warmupAt = started + WARMUP_S * 1000;
    let warm: { counts: Counts; memory: Memory } | null = null;
    let nextSample = started + SAMPLE_S * 1000;
    let cycle = 0;
    let created = 0;
    const loads = [50, 400, 150, 600];
    while (Date.now() < endAt) {
      const cycleStart = Date.now();
      await apply(churnDeployment(DEPLOY_PODS));
      await apply(job(cycle));
      await setLoad(loads[cycle % loads.length]);
      created += DEPLOY_PODS + JOB_PODS;
      await sleep(Math.max(0, cycleStart + (CYCLE_S * 1000) / 2 - Date.now()));
      await apply(churnDeployment(0));
      cycle++;
      while (Date.now() < Math.min(endAt, cycleStart + CYCLE_S * 1000)) {
        if (Date.now() >= nextSample) {
          nextSample += SAMPLE_S * 1000;
          const [c, mem, p] = await Promise.all([counts(), memory(), prunedThrough()]);
          const minute = round((Date.now() - started) / 60_000, 2);
          log(`t=${minute} min  ${Object.entries(c).map(([k, v]) => `${k} ${v}`).join('  ')}  | pruned through ${p}  | api rss ${mem.apiRssMb} MB heap ${mem.apiHeapMb} MB  worker rss ${mem.workerRssMb} MB heap ${mem.workerHeapMb} MB  | subscriber got ${subscriber.received} (expired ${subscriber.expired})`);
          if (!warm && Date.now() >= warmupAt) warm = { counts: c, memory: mem };
        }
        await sleep(Math.min(500, Math.max(0, Math.min(nextSample, cycleStart + CYCLE_S * 1000) - Date.now())));
      }
    }
    const end = { counts: await counts(), memory: await memory() };
    warm ??= end;
    const ratio = (a: number, b: number) => (a > 0 ? round(b / a, 2) : b > 0 ? null : 1);
    const tableGrowth = Object.fromEntries(BOUNDED.map((t) => [t, ratio(warm!.counts[t], end.counts[t])]));
    const memoryGrowth = Object.fromEntries((Object.keys(end.memory) as (keyof Memory)[]).map((k) => [k, ratio(warm!.memory[k], end.memory[k])]));
    const flatTables = Object.values(tableGrowth).every((r) => r !== null && r <= FLAT_RATIO);
    const flatMemory = [memoryGrowth.apiRssMb, memoryGrowth.workerRssMb].every((r) => r !== null && r <= FLAT_RATIO);
    const prunedTo = await prunedThrough();
    log(`done: ${created} pods created in ${cycle} cycles; events pruned through ${prunedTo}; tables ${flatTables ? 'flat' : 'GREW'} (${JSON.stringify(tableGrowth)}), memory ${flatMemory ? 'flat' : 'GREW'} (${JSON.stringify(memoryGrowth)}); subscriber got ${subscriber.received}, told EXPIRED ${subscriber.expired} times${subscriber.otherErrors.length ? `, other errors: ${subscriber.otherErrors.slice(0, 3).join('; ')}` : ''}`);
    console.log(
      JSON.stringify({
        bench: 'soak',
        minutes: MINUTES,
        podsPerMinute: PODS_PER_MINUTE,
        podsCreated: created,
        retentionMs: RETENTION_MS,
        gcThreshold: GC_THRESHOLD,
        eventsPrunedThrough: prunedTo,
        warmup: warm,
        end,
        growth: { tables: tableGrowth, memory: memoryGrowth },
        flat: { tables: flatTables, memory: flatMemory, ratio: FLAT_RATIO },
        subscriber: { received: subscriber.received, expired: subscriber.expired, otherErrors: subscriber.otherErrors.length },
      }),
    );
    return 0;
  } finally {
    await subscriber?.close().catch(() => {});
    await db.end().catch(() => {});
    for (const p of procs.reverse()) await p.stop().catch(() => {});
    await dropSchema(base.connectionString, schema).catch((err) => log('drop schema failed', err));
    await deleteRedisKeys(redisUrl, [`nodeless:wq:${queueName}:*`, `nodeless:${queueName}:*`]).catch(() => {});
  }
}

runBench(main);
