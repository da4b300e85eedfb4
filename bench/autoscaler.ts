/**
 * Autoscaler benchmark (services mode: PostgreSQL + Redis), run with `npm run bench:autoscaler`.
 *
 * Starts the api and the worker in this process on a fresh PostgreSQL schema and a unique
 * work-queue name, creates BENCH_WORKLOADS (default 1000) Deployments of 1 replica, each with an
 * External-metric autoscaler (its own series: queue=<i>, AverageValue target 10, min 1, max 2,
 * scale-down window 0), then:
 *   1. latency: reports metric 20 for every workload through the GraphQL API, paced at
 *      BENCH_RATE reports/s; each report makes its autoscaler scale 1 → 2. Per workload, the
 *      time from sending the report to the SuccessfulRescale being committed (its event on the
 *      bus, published after the transaction that wrote spec.replicas) gives p50_ms and p99_ms;
 *   2. throughput: reports metric 5 for every workload at once (1 → 2 becomes 2 → 1) and
 *      counts decisions per second from the first report to the last decision;
 *   3. the api under load: reports metric 20 again (1 → 2) at BENCH_HIGH_RATE reports/s (default
 *      100) and measures the report mutation's round trip (report_p99_ms_high), and the
 *      report → decision latency at that rate (printed).
 * The JSON line carries each figure with its target (targets: p99 ≤ 100 ms at 25 reports/s,
 * ≥ 500 decisions/s in the burst, report mutation p99 ≤ 50 ms at 100 reports/s).
 * Baseline, measured in the same run: the round trip of a one-row UPDATE of a workload's spec
 * on the same database (p50), the least any write of a decision costs; ratio = p50_ms / that.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object.
 *
 * Environment:
 *   DATABASE_URL       default postgres://postgres@127.0.0.1:5432/test (a `bench_<random>` schema is used and dropped)
 *   REDIS_URL          default redis://127.0.0.1:6379 (keys of the unique queue name are deleted at the end)
 *   BENCH_WORKLOADS    autoscaled workloads (default 1000)
 *   BENCH_RATE         reports per second in the latency phase (default 25; about 100 saturates the api process on 2 cores, and the figures then measure its queue)
 *   BENCH_HIGH_RATE    reports per second in phase 3 (default 100)
 *   BENCH_CONCURRENCY  worker concurrency (default 8)
 */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore, type Store } from '../src/adapters/prisma/client';
import { startApp, type App } from '../src/main/app';
import { topics, type ClusterEventsMessage } from '../src/app/topics';
import type { ScalingSnapshot } from '../src/adapters/prisma/objects';
import { parseId } from '../src/graphql/builder';
import { dropSchema, makeGql, signup, testConfig } from '../test/support/stack';
import { benchTarget, deleteRedisKeys, gqlOk, int, log, percentile, round, sleep, startWorkerProcess, runBench } from './support';

const N = int('BENCH_WORKLOADS', 1000, 1);
const RATE = int('BENCH_RATE', 25, 1);
const HIGH_RATE = int('BENCH_HIGH_RATE', 100, 1);
const CONCURRENCY = int('BENCH_CONCURRENCY', 8, 1);
const WORKER_PROCESSES = int('BENCH_WORKERS', 1, 0);
const TIMEOUT_MS = int('BENCH_TIMEOUT_MS', 120_000, 1000);
const PER_MANIFEST = 100;

/** Polls `done` until it holds (bounded by BENCH_TIMEOUT_MS). */
async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const name = (i: number) => `w${String(i).padStart(4, '0')}`;

function objects(i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name(i)} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name(i)} } }
  template:
    metadata: { labels: { app: ${name(i)} } }
    spec: { containers: [{ name: app, image: nginx:1.14.2, resources: { requests: { cpu: 250m, memory: 512Mi } } }] }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name(i)} }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name(i)} }
  minReplicas: 1
  maxReplicas: 2
  metrics: [{ type: External, external: { metric: { name: queue_messages, selector: { matchLabels: { queue: "${i}" } } }, target: { type: AverageValue, averageValue: "10" } } }]
  behavior: { scaleDown: { stabilizationWindowSeconds: 0 } }
`;
}

async function main(): Promise<number> {
  const { redisUrl, schema, queueName, base, benchDbUrl } = benchTarget();
  const config = testConfig({
    DATABASE_URL: benchDbUrl,
    REDIS_URL: redisUrl,
    NODELESS_QUEUE_NAME: queueName,
    NODELESS_WORKER_CONCURRENCY: String(CONCURRENCY),
    NODELESS_PODS_PER_CLUSTER: String(Math.max(20_000, 4 * N)),
  });
  log(`${N} autoscaled workloads, ${RATE} reports/s, ${WORKER_PROCESSES ? `${WORKER_PROCESSES} worker process(es)` : 'worker in this process'}, concurrency ${CONCURRENCY}, schema ${schema}`);
  let store: Store | null = null;
  let app: App | null = null;
  let exitCode = 0;
  const workers: ChildProcess[] = [];
  try {
    store = await openStore({ databaseUrl: benchDbUrl });
    app = await startApp(config, { api: true, worker: WORKER_PROCESSES === 0 }, { store });
    for (let i = 0; i < WORKER_PROCESSES; i++) workers.push(await startWorkerProcess(config, benchDbUrl, redisUrl, queueName));
    if (app.runtime.mode !== 'services') throw new Error(`expected services mode, got ${app.runtime.mode}`);
    const svc = app.runtime.svc;
    const gql = makeGql(app.api!.url);
    const { token } = await signup(gql, 'bench');
    const clusterGid: string = (await gqlOk(gql, 'createCluster', `mutation { createCluster(input: { name: "bench", region: "ap-guangzhou" }) { cluster { id } userErrors { field code message } } }`, {}, token)).createCluster.cluster.id;
    const clusterId = parseId('Cluster', clusterGid)!;
    await until('the cluster to be RUNNING', async () => (await svc.db.cluster.findUniqueOrThrow({ where: { id: clusterId } })).status === 'RUNNING');
    /** Every Deployment has `replicas` ready pods, and every autoscaler has been evaluated. */
    const steady = (replicas: number) => async () => {
      const [[{ n }], evaluated] = await Promise.all([
        svc.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "Workload" WHERE "clusterId" = ${clusterId}::uuid AND "kind" = 'Deployment' AND ("spec"->>'replicas')::int = ${replicas} AND ("status"->>'readyReplicas')::int = ${replicas}`,
        svc.db.autoscaler.count({ where: { clusterId, observedGeneration: { gt: 0 } } }),
      ]);
      return Number(n) === N && evaluated === N;
    };

    const t0 = performance.now();
    for (let i = 0; i < N; i += PER_MANIFEST) {
      const docs = Array.from({ length: Math.min(PER_MANIFEST, N - i) }, (_, k) => objects(i + k)).join('---\n');
      await gqlOk(gql, 'applyManifest', `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { field code message } } }`, { c: clusterGid, m: docs }, token);
    }
    await until(`${N} Deployments with 1 ready pod`, steady(1));
    log(`set up ${N} Deployments and autoscalers (${N} pods) in ${round((performance.now() - t0) / 1000, 2)} s`);

    // decisions as they commit: the SuccessfulRescale event is published right after the transaction
    const decidedAt = new Map<string, number[]>();
    const unsubscribe = await svc.bus.subscribe(topics.clusterEvents(clusterId), (m) => {
      const now = performance.now();
      for (const e of (m as ClusterEventsMessage).events) {
        if (e.reason !== 'SuccessfulRescale') continue;
        const target = (e.object as ScalingSnapshot).targetName;
        decidedAt.set(target, [...(decidedAt.get(target) ?? []), now]);
      }
    });
    const report = (i: number, value: string) =>
      gqlOk(gql, 'reportExternalMetric', `mutation($c: ID!, $l: JSON, $v: String!) { reportExternalMetric(input: { clusterId: $c, name: "queue_messages", labels: $l, value: $v }) { accepted userErrors { field code message } } }`, { c: clusterGid, l: { queue: String(i) }, v: value }, token);
    const waitFor = async (count: number, what: string, timeoutMs = TIMEOUT_MS) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const done = [...decidedAt.values()].filter((v) => v.length >= count).length;
        if (done >= N) return;
        if (Date.now() > deadline) {
          const stuck = await svc.db.autoscaler.findFirst({ where: { clusterId, name: { notIn: [...decidedAt.entries()].filter(([, v]) => v.length >= count).map(([k]) => k) } } });
          throw new Error(`timed out waiting for ${what}: ${done}/${N}; e.g. ${stuck?.name}: ${JSON.stringify(stuck?.status)}`);
        }
        await sleep(5);
      }
    };

    /** Reports `value` for every workload at `rate` per second; the report round trips and report → decision latencies (the `nth` decision of each). */
    const paced = async (rate: number, value: string, nth: number, label: string) => {
      const sentAt = new Array<number>(N);
      const answeredAt = new Array<number>(N);
      const start = performance.now();
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < N; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        sentAt[i] = performance.now();
        pending.push(report(i, value).then(() => (answeredAt[i] = performance.now())));
      }
      await Promise.all(pending);
      await waitFor(nth + 1, `the decisions at ${rate}/s`);
      const latencies = Array.from({ length: N }, (_, i) => decidedAt.get(name(i))![nth] - sentAt[i]).sort((a, b) => a - b);
      const answers = Array.from({ length: N }, (_, i) => answeredAt[i] - sentAt[i]).sort((a, b) => a - b);
      log(`${label}: report mutation round trip p50 ${round(percentile(answers, 50), 2)} ms, p99 ${round(percentile(answers, 99), 2)} ms`);
      log(`${label}: report → decision p50 ${round(percentile(latencies, 50), 2)} ms, p90 ${round(percentile(latencies, 90), 2)} ms, p99 ${round(percentile(latencies, 99), 2)} ms, max ${round(latencies.at(-1)!, 2)} ms`);
      return { latencies, answers };
    };

    // 1. latency at a steady pace
    const { latencies } = await paced(RATE, '20', 0, `${RATE} reports/s`);
    await until(`${N} Deployments with 2 ready pods`, steady(2));

    // 2. throughput: every workload at once
    const phase2 = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      sends.push(report(i, '5'));
      if (sends.length % 50 === 0) await Promise.all(sends.slice(-50));
    }
    await Promise.all(sends);
    await waitFor(2, 'the scale-downs');
    const last = Math.max(...[...decidedAt.values()].map((v) => v[1]));
    const decisionsPerS = N / ((last - phase2) / 1000);
    log(`throughput: ${N} decisions in ${round((last - phase2) / 1000, 2)} s = ${round(decisionsPerS)} decisions/s`);
    await until(`${N} Deployments with 1 ready pod`, steady(1));

    // 3. the api at a high report rate
    const high = await paced(HIGH_RATE, '20', 2, `${HIGH_RATE} reports/s`);
    await unsubscribe();

    // baseline: a one-row UPDATE of a workload spec, round trip
    const client = new pg.Client({ connectionString: base.connectionString });
    await client.connect();
    await client.query(`SET search_path TO "${schema}"`);
    const ids = (await client.query<{ id: string }>(`SELECT "id" FROM "Workload" WHERE "kind" = 'Deployment' LIMIT 200`)).rows.map((r) => r.id);
    const updates: number[] = [];
    for (const id of ids) {
      const s = performance.now();
      await client.query(`UPDATE "Workload" SET "spec" = jsonb_set("spec", '{replicas}', '1'::jsonb), "resourceVersion" = "resourceVersion" + 1 WHERE "id" = $1`, [id]);
      updates.push(performance.now() - s);
    }
    await client.end();
    updates.sort((a, b) => a - b);
    const baseline = percentile(updates, 50);
    log(`baseline: one-row UPDATE round trip p50 ${round(baseline, 3)} ms`);

    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const result = {
      bench: 'autoscaler',
      workloads: N,
      rate: RATE,
      p50_ms: round(p50, 2),
      p99_ms: round(p99, 2),
      decisions_per_s: round(decisionsPerS),
      high_rate: HIGH_RATE,
      report_p99_ms_high: round(percentile(high.answers, 99), 2),
      decision_p99_ms_high: round(percentile(high.latencies, 99), 2),
      targets: { p99_ms: 100, decisions_per_s: 500, report_p99_ms_high: 50 },
      baseline_update_ms: round(baseline, 3),
      ratio: round(p50 / baseline, 1),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    console.error('[bench] failed:', err);
    exitCode = 1;
  } finally {
    for (const wp of workers) {
      wp.kill('SIGTERM');
      await new Promise((r) => wp.once('exit', r));
    }
    await app?.stop().catch((e) => console.error('[bench] stop:', e));
    await store?.close().catch(() => undefined);
    await dropSchema(base.connectionString, schema).catch((e) => console.error('[bench] drop schema:', e));
    await deleteRedisKeys(redisUrl, [`nodeless:wq:${queueName}:*`, `nodeless:${queueName}:*`]).catch((e) => console.error('[bench] redis cleanup:', e));
    log(`cleaned up: schema ${schema} dropped`);
  }
  return exitCode;
}

runBench(main);
