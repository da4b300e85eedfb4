/**
 * What the API's protection costs, run with `npm run bench:guard`.
 *
 * 1. Query latency with and without the guard (cost analysis, limits, rate limiting, cost
 *    extensions): one runtime, two api servers on the same store — one with the guard, one
 *    without — and the same typical query (the tour's cluster view: 10 workloads, 100 pods, the
 *    last 20 events) sent alternately to each, BENCH_REQUESTS times, one at a time. Prints
 *    p50/p99 of both and ratio = p50 with / p50 without (target ≤ 1.05).
 * 2. YAML parsing of a ~1 MiB manifest against JSON.parse of the same content (target ≤ 3×),
 *    and the `yaml` package on it for reference (bench/yaml.ts; CPU time, medians; measured
 *    first, before the service starts in this process).
 *
 * Embedded by default (in-memory PGlite, in-memory buckets); with DATABASE_URL and REDIS_URL the
 * store is PostgreSQL (a scratch schema) and the buckets live in Redis.
 * Progress goes to stderr; the last line on stdout is one JSON object.
 *
 * Environment:
 *   BENCH_REQUESTS   requests per server (default 2000)
 *   BENCH_YAML_BYTES manifest size (default 1048576)
 *   BENCH_QUICK=1    a small, fast run (CI: checks the bench still works)
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { startApp } from '../src/main/app';
import { startApiServer } from '../src/graphql/server';
import { insertRows, POD_COLUMNS } from '../src/adapters/prisma/objects';
import { initialPodState } from '../src/core/lifecycle';
import { parseId } from '../src/graphql/builder';
import { reconcileCluster } from '../src/controllers/cluster';
import { makeGql, nginxDeployment, signup, testConfig, testStore } from '../test/support/stack';
import { gqlOk, int, log, percentile, round, runBench } from './support';
import { measureYamlParse } from './yaml';

const QUICK = process.env.BENCH_QUICK === '1';
const REQUESTS = int('BENCH_REQUESTS', QUICK ? 50 : 2000, 1);
const YAML_BYTES = int('BENCH_YAML_BYTES', QUICK ? 64 * 1024 : 1024 * 1024, 1024);

const QUERY = `query($c: ID!) {
  cluster(id: $c) {
    name status lastEventSequence
    namespaces { name }
    workloads(first: 10) { edges { node { id kind name namespace replicas status { replicas readyReplicas availableReplicas } podBilledSpec { cpu memory } } } }
    pods(first: 100) { edges { cursor node { id name namespace phase status billedSpec { cpu memory } zone host createdAt startedAt } } pageInfo { hasNextPage endCursor } }
    events(last: 20) { edges { node { sequence type reason message involvedName createdAt } } }
  }
}`;

async function main(): Promise<void> {
  // first, in a fresh process (the parse is CPU-bound: a heap full of a running service skews it)
  log(`YAML: parsing a ${YAML_BYTES}-byte manifest`);
  const y = await measureYamlParse({ bytes: YAML_BYTES, runs: QUICK ? 1 : 21 });
  log(`YAML ${round(y.yaml_ms, 2)} ms, JSON.parse ${round(y.json_ms, 2)} ms: ratio ${round(y.ratio, 2)} (target ≤ 3); the yaml package: ${round(y.baseline_yaml_pkg_ms, 1)} ms`);

  const store = await testStore();
  const app = await startApp(testConfig({ NODELESS_RATE_POINTS_PER_MINUTE: '100000000', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, NODELESS_QUEUE_NAME: `bench-${randomUUID().slice(0, 8)}` } : {}) }), { api: true, worker: false }, { store });
  const bare = await startApiServer(app.runtime.svc, {
    port: 0,
    host: '127.0.0.1',
    guard: testConfig({ NODELESS_RATE_POINTS_PER_MINUTE: '100000000' }).guard,
    limiter: app.runtime.limiter,
    log: app.runtime.log,
    metrics: app.runtime.metrics,
    ready: () => app.runtime.ready(),
    guardEnabled: false,
  });
  try {
    const guarded = makeGql(app.api!.url);
    const plain = makeGql(bare.url);
    const { token } = await signup(guarded, 'bench');
    const created = await gqlOk(guarded, 'createCluster', `mutation { createCluster(input: { name: "bench", region: "ap-guangzhou" }) { cluster { id } } }`, {}, token);
    const clusterGid = created.createCluster.cluster.id as string;
    const clusterId = parseId('Cluster', clusterGid)!;
    // the cluster as the tour leaves it: a Deployment, 100 pods, some events
    const db = app.runtime.store.prisma;
    await reconcileCluster(app.runtime.svc, clusterId); // what the worker does: RUNNING, with its default namespace
    await gqlOk(guarded, 'apply', `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { message } } }`, { c: clusterGid, m: nginxDeployment(3) }, token);
    const now = new Date();
    await insertRows(db, 'Pod', POD_COLUMNS, Array.from({ length: 100 }, (_, i) => ({
      id: randomUUID(), uid: randomUUID(), clusterId, namespace: 'default', name: `pod-${i}`, workloadId: null, ownerKind: null, ownerName: null, templateHash: null, labels: {}, annotations: {},
      spec: { containers: [{ name: 'app', image: 'nginx' }] }, billedCpuMilli: 1000, billedMemoryMi: 2048, createdAt: now, resourceVersion: 1, ...initialPodState,
    })));
    const send = async (gql: typeof guarded) => {
      const t = performance.now();
      const r = await gql(QUERY, { c: clusterGid }, token);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return performance.now() - t;
    };
    log(`warming up, then ${REQUESTS} requests to each server, alternating`);
    for (let i = 0; i < Math.min(100, REQUESTS); i++) {
      await send(guarded);
      await send(plain);
    }
    const withGuard: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      if (i % 2 === 0) {
        withGuard.push(await send(guarded));
        without.push(await send(plain));
      } else {
        without.push(await send(plain));
        withGuard.push(await send(guarded));
      }
    }
    withGuard.sort((x, y) => x - y);
    without.sort((x, y) => x - y);
    const p50g = percentile(withGuard, 50);
    const p50b = percentile(without, 50);
    log(`query with guard    p50 ${round(p50g, 2)} ms  p99 ${round(percentile(withGuard, 99), 2)} ms`);
    log(`query without guard p50 ${round(p50b, 2)} ms  p99 ${round(percentile(without, 99), 2)} ms`);
    log(`guard overhead: ratio ${round(p50g / p50b, 3)} (target ≤ 1.05)`);

    console.log(JSON.stringify({
      bench: 'guard',
      store: process.env.DATABASE_URL ? 'postgres' : 'pglite',
      limiter: process.env.REDIS_URL ? 'redis' : 'memory',
      requests: REQUESTS,
      query_p50_ms: round(p50g, 3),
      query_p99_ms: round(percentile(withGuard, 99), 3),
      baseline_query_p50_ms: round(p50b, 3),
      baseline_query_p99_ms: round(percentile(without, 99), 3),
      guard_ratio: round(p50g / p50b, 3),
      yaml_bytes: y.bytes,
      yaml_ms: round(y.yaml_ms, 3),
      baseline_json_parse_ms: round(y.json_ms, 3),
      yaml_ratio: round(y.ratio, 2),
      yaml_package_ms: round(y.baseline_yaml_pkg_ms, 2),
    }));
  } finally {
    await bare.close();
    await app.stop();
    await store.close();
  }
}

runBench(main);
