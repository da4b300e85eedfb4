import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/adapters/clock';
import { openStore, parseDatabaseUrl, type Store } from '../src/adapters/prisma/client';
import { RedisWorkQueue } from '../src/adapters/redis/workqueue';
import { billedSeconds } from '../src/core/billing/meter';
import { freePort, killAll, startService, type ServiceProcess } from './support/processes';
import { dropSchema, eventually, hasPostgres, hasRedis, makeGql, servicesRequired, signup, type Gql } from './support/stack';
import { mulberry32 } from '../src/core/random';
import { podLifetimes } from './support/billing';

const DATABASE_URL = process.env.DATABASE_URL;
/**
 * Workers hold 10 s leases and heartbeat every 3.3 s. A lease not renewed for 5 s (10 − 5) is a
 * dead worker's: the test's sweeper puts it back then, so each kill stalls its keys for ~5 s
 * rather than 10 s and the run goes on between kills (a live lease is never that old).
 */
const SWEEP_AHEAD_MS = 5_000;
const REDIS_URL = process.env.REDIS_URL;

/** A Deployment whose containers run briefly and exit (restartPolicy Always: they restart after a back-off). */
const webDeployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
      annotations:
        sim.nodeless.dev/run-ms: "2500"
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: web
        image: nginx:1.14.2
`;

/** A Job whose pods run `runMs` and exit with `exitCode`, removed once finished (ttlSecondsAfterFinished: 0). */
const job = (name: string, opts: { completions: number; parallelism: number; runMs: number; exitCode?: number; backoffLimit?: number }) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  completions: ${opts.completions}
  parallelism: ${opts.parallelism}
  backoffLimit: ${opts.backoffLimit ?? 6}
  ttlSecondsAfterFinished: 0
  template:
    metadata:
      annotations:
        sim.nodeless.dev/run-ms: "${opts.runMs}"
        sim.nodeless.dev/exit-code: "${opts.exitCode ?? 0}"
    spec:
      restartPolicy: Never
      containers:
      - name: task
        image: busybox:1.36
`;

interface Kill {
  worker: string;
  /** ms between "nodeless worker running" and the SIGKILL. */
  delay: number;
  at: number;
  /** Read right after the kill. */
  pods: number;
  creating: number;
  terminating: number;
  unsettled: number;
  /** Ledger rows (pods that started billing) so far. */
  ledger: number;
  /** The cluster's last event sequence at the kill. */
  sequence: number;
}

/**
 * Billing end to end across real processes: an api and worker processes on the shared PostgreSQL
 * and Redis run a Deployment (scaled up and down) and Jobs while worker processes are SIGKILLed at
 * random moments. Whatever was interrupted, every pod is billed exactly the seconds its own events
 * say: from its first `Pulling` event to its `Completed`/`Failed` event, or to its `DELETED` event
 * for a pod deleted while still billing. Skipped without the services, unless
 * NODELESS_REQUIRE_SERVICES=1 (then their absence fails here).
 */
describe.skipIf(!(hasPostgres && hasRedis) && !servicesRequired)('billing when worker processes are SIGKILLed mid-run (PostgreSQL + Redis)', () => {
  const suffix = randomBytes(6).toString('hex');
  const schema = `t_${suffix}`;
  const queueName = `t_${suffix}`;
  const seed = Number(process.env.NODELESS_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = mulberry32(seed);
  let baseConnectionString: string;
  let env: Record<string, string | undefined>;
  let api: ServiceProcess;
  let gql: Gql;
  let token: string;
  let clusterId: string;
  let store: Store;
  let queue: RedisWorkQueue;
  /** The queue seen SWEEP_AHEAD_MS later (see the sweeper in the test). */
  let ahead: RedisWorkQueue;
  const workers: ServiceProcess[] = [];
  let sweeping = false;
  let sweeper: Promise<void> | undefined;

  const startWorker = async (name: string) => {
    const w = startService('worker', env, name);
    workers.push(w);
    await w.waitForLine(/^nodeless worker running/);
    return w;
  };

  beforeAll(async () => {
    if (!hasPostgres || !hasRedis) throw new Error('NODELESS_REQUIRE_SERVICES=1 but DATABASE_URL or REDIS_URL is not set');
    baseConnectionString = parseDatabaseUrl(DATABASE_URL!).connectionString;
    const u = new URL(baseConnectionString);
    u.searchParams.set('schema', schema);
    env = {
      DATABASE_URL: u.toString(),
      REDIS_URL,
      NODELESS_QUEUE_NAME: queueName,
      NODELESS_ALLOW_SIGNUP: 'true',
      NODELESS_BOOT_MS: '200',
      NODELESS_PULL_MS: '100',
      NODELESS_STOP_MS: '100',
      NODELESS_METER_INTERVAL_MS: '1000',
      NODELESS_CLUSTER_PROVISION_MS: '0',
      NODELESS_RESYNC_MS: '0',
      HOST: '127.0.0.1',
      NODELESS_DATA_DIR: undefined,
    };
    const port = await freePort();
    // api and the steady worker race to create and migrate the fresh schema (one does, under an advisory lock)
    api = startService('api', { ...env, PORT: String(port) }, 'api');
    const [m] = await Promise.all([api.waitForLine(/^nodeless api listening on (\S+)/), startWorker('steady')]);
    gql = makeGql(m[1]);
    store = await openStore({ databaseUrl: env.DATABASE_URL, poolSize: 3 });
    queue = await RedisWorkQueue.connect(REDIS_URL!, { name: queueName });
    ahead = await RedisWorkQueue.connect(REDIS_URL!, { name: queueName, clock: { now: () => Date.now() + SWEEP_AHEAD_MS, setTimeout: systemClock.setTimeout } });
  }, 90_000);

  afterAll(async () => {
    sweeping = false;
    await sweeper;
    await Promise.all([api, ...workers].filter(Boolean).map((p) => p.stop()));
    await killAll();
    await queue?.close();
    await ahead?.close();
    await store?.close();
    if (baseConnectionString) await dropSchema(baseConnectionString, schema);
    if (!REDIS_URL) return;
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const leftover = [...(await redis.keys(`nodeless:wq:${queueName}:*`)), ...(await redis.keys(`nodeless:${queueName}:*`))];
      if (leftover.length > 0) await redis.del(leftover);
    } finally {
      await redis.close();
    }
  });

  const call = async (query: string, variables: Record<string, unknown>) => {
    const r = await gql(query, variables, token);
    expect(r.errors, query).toBeUndefined();
    return r.data;
  };
  const apply = async (manifest: string) => {
    const d = await call(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { kind name action } userErrors { code message } } }`, { c: clusterId, m: manifest });
    expect(d.applyManifest.userErrors).toEqual([]);
  };
  const scale = async (replicas: number) => {
    const d = await call(`mutation($c: ID!, $n: Int!) { scaleWorkload(input: { clusterId: $c, name: "web", replicas: $n }) { workload { replicas } userErrors { code } } }`, { c: clusterId, n: replicas });
    expect(d.scaleWorkload).toEqual({ workload: { replicas }, userErrors: [] });
  };

  it('bills every pod exactly the seconds between its Pulling event and its end although five workers were SIGKILLed mid-run', async () => {
    const started = Date.now();
    const db = store.prisma;
    ({ token } = await signup(gql, 'Crash'));
    const c = await call(`mutation { createCluster(input: { name: "crash", region: "ap-guangzhou" }) { cluster { id } userErrors { code } } }`, {});
    expect(c.createCluster.userErrors).toEqual([]);
    clusterId = c.createCluster.cluster.id;
    // the API's ids are global (base64 "Cluster:<uuid>"); the database's are the uuids
    const dbId = Buffer.from(clusterId, 'base64').toString('utf8').replace(/^Cluster:/, '');
    expect(dbId).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(async () => (await call(`query($c: ID!) { cluster(id: $c) { status } }`, { c: clusterId })).cluster.status === 'RUNNING', 'cluster RUNNING');

    await apply(
      [
        webDeployment(30),
        job('quick', { completions: 12, parallelism: 4, runMs: 700 }),
        job('slow', { completions: 8, parallelism: 3, runMs: 1900 }),
        job('flaky', { completions: 4, parallelism: 3, runMs: 500, exitCode: 1, backoffLimit: 2 }),
      ].join('---\n'),
    );

    // the sweeper: reclaims the leases of killed workers (as their expiry would) until the run drained
    sweeping = true;
    sweeper = (async () => {
      while (sweeping) {
        await ahead.reclaimExpired().catch((err) => console.error('sweeper:', err));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    // chaos: each victim is SIGKILLed 50–800 ms after it reports running, while the Deployment is rescaled
    const kills: Kill[] = [];
    const targets = [45, 12, 38, 20, 33];
    for (let i = 0; i < targets.length; i++) {
      const victim = await startWorker(`victim${i + 1}`);
      const delay = 50 + Math.floor(random() * 751);
      const ranAt = Date.now();
      await scale(targets[i]);
      // fault injection: when the kill lands is the point, nothing waits on it
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, ranAt + delay - Date.now())));
      expect(await victim.kill()).toEqual({ code: null, signal: 'SIGKILL' });
      const at = Date.now();
      const [pods, creating, terminating, unsettled, ledger, cluster] = await Promise.all([
        db.pod.count({ where: { clusterId: dbId } }),
        db.pod.count({ where: { clusterId: dbId, deletionTimestamp: null, OR: [{ phase: 'Pending' }, { billingFrom: null, finishedAt: null }] } }),
        db.pod.count({ where: { clusterId: dbId, deletionTimestamp: { not: null } } }),
        db.billablePod.count({ where: { clusterId: dbId, settled: false } }),
        db.billablePod.count({ where: { clusterId: dbId } }),
        db.cluster.findUniqueOrThrow({ where: { id: dbId }, select: { eventSeq: true } }),
      ]);
      kills.push({ worker: victim.name, delay, at, pods, creating, terminating, unsettled, ledger, sequence: cluster.eventSeq });
    }
    const chaosDone = Date.now();
    const report = () => [`seed ${seed}`, ...kills.map((k) => JSON.stringify(k))].join('\n');

    // the run goes on: every Job finishes (and removes itself), every pod of the Deployment bills
    const replicas = targets[targets.length - 1];
    await eventually(async () => {
      const [jobs, web, billing] = await Promise.all([
        db.workload.count({ where: { clusterId: dbId, kind: 'Job' } }),
        db.pod.count({ where: { clusterId: dbId } }),
        db.pod.count({ where: { clusterId: dbId, deletionTimestamp: null, billingFrom: { not: null } } }),
      ]);
      return jobs === 0 && web === replicas && billing === replicas;
    }, `Jobs done and ${replicas} pods billing\n${report()}`, 45_000);
    const running = Date.now();

    // wind down: the Deployment to 0
    await scale(0);
    const state = async () => {
      const [pods, workloads, unsettled, size, next] = await Promise.all([
        db.pod.count({ where: { clusterId: dbId } }),
        db.workload.count({ where: { clusterId: dbId, kind: 'Job' } }),
        db.billablePod.count({ where: { clusterId: dbId, settled: false } }),
        queue.size(),
        queue.nextDueAt(),
      ]);
      return { pods, jobs: workloads, unsettled, inFlight: size.inFlight, dueNow: next !== null && next <= Date.now() };
    };
    let last: Awaited<ReturnType<typeof state>> | undefined;
    await eventually(async () => {
      last = await state();
      return last.pods === 0 && last.jobs === 0 && last.unsettled === 0 && last.inFlight === 0 && !last.dueNow;
    }, 'no pods, no Jobs, every ledger row settled and the queue idle', 60_000).catch(async (err) => {
      const left = await db.pod.findMany({
        where: { clusterId: dbId },
        select: { name: true, uid: true, phase: true, status: true, deletionTimestamp: true, sandboxId: true, nextCheckAt: true, finishedAt: true, billingFrom: true, billingUntil: true },
      });
      const jobs = await db.workload.findMany({ where: { clusterId: dbId, kind: 'Job' }, select: { name: true, status: true, generation: true, observedGeneration: true } });
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}\npods ${JSON.stringify(left)}\njobs ${JSON.stringify(jobs)}\n${report()}`);
    });
    const drained = Date.now();
    sweeping = false;
    await sweeper;

    // the kills landed mid-run: pods were being created or deleted, and the run went on afterwards
    expect(kills.map((k) => k.delay).every((d) => d >= 50 && d <= 800)).toBe(true);
    expect(kills.some((k) => k.creating + k.terminating > 0), report()).toBe(true);
    expect(kills.some((k) => k.unsettled > 0), report()).toBe(true);
    const churnAfter = await db.event.count({ where: { clusterId: dbId, involvedKind: 'Pod', type: { in: ['ADDED', 'DELETED'] }, sequence: { gt: kills[0].sequence } } });
    expect(churnAfter, report()).toBeGreaterThan(0);
    // pods kept starting to bill after the first kill
    expect(await db.billablePod.count({ where: { clusterId: dbId } }), report()).toBeGreaterThan(kills[0].ledger);

    // what each pod's own events say
    const events = await db.event.findMany({
      where: { clusterId: dbId, involvedKind: 'Pod' },
      orderBy: { sequence: 'asc' },
      select: { sequence: true, type: true, reason: true, involvedUid: true, involvedName: true, eventTime: true, createdAt: true },
    });
    const life = podLifetimes(events);
    const billed = [...life.entries()].filter(([, p]) => p.start !== null);
    // at least the 33 pods of the Deployment at the end and the 23 pods the Jobs need
    expect(billed.length, report()).toBeGreaterThanOrEqual(50);
    expect(billed.filter(([, p]) => p.endReason === 'Completed').length).toBeGreaterThan(0);
    expect(billed.filter(([, p]) => p.endReason === 'Failed').length).toBeGreaterThan(0);
    expect(billed.filter(([, p]) => p.endReason === 'DELETED').length).toBeGreaterThan(0);
    // every pod ended (no pods remain)
    expect(billed.filter(([, p]) => p.end === null).map(([uid]) => uid)).toEqual([]);

    const sums = await db.usageRecord.groupBy({ by: ['podUid'], where: { clusterId: dbId }, _sum: { seconds: true } });
    const got = new Map(sums.map((s) => [s.podUid, s._sum.seconds ?? 0]));
    const ledger = new Map((await db.billablePod.findMany({ where: { clusterId: dbId } })).map((r) => [r.podUid, r]));
    const explain = (uid: string) => {
      const p = life.get(uid);
      const r = ledger.get(uid);
      const evs = events.filter((e) => e.involvedUid === uid).map((e) => `#${e.sequence} ${e.type} ${e.reason} eventTime=${e.eventTime?.toISOString() ?? '-'} createdAt=${e.createdAt.toISOString()}`);
      return `${uid} (${p?.name}): events start=${p?.start} end=${p?.end} (${p?.endReason}); ledger from=${r?.from.getTime()} until=${r?.until?.getTime()} meteredUntil=${r?.meteredUntil?.getTime()}; buckets=${got.get(uid)}\n    ${evs.join('\n    ')}`;
    };
    const wrong = billed.filter(([uid, p]) => (got.get(uid) ?? 0) !== billedSeconds(p.start!, p.end!));
    expect(wrong.map(([uid, p]) => `${got.get(uid) ?? 0} s billed ≠ ${billedSeconds(p.start!, p.end!)} s: ${explain(uid)}`), report()).toEqual([]);
    // no usage for a pod that never pulled
    const unpulled = [...got.keys()].filter((uid) => life.get(uid)?.start == null);
    expect(unpulled.map(explain), report()).toEqual([]);
    const total = billed.reduce((s, [, p]) => s + billedSeconds(p.start!, p.end!), 0);
    expect([...got.values()].reduce((s, v) => s + v, 0)).toBe(total);
    expect(total).toBeGreaterThan(0);

    // the cluster's running cost is exactly the sum of its buckets
    const clusterCost = (await db.clusterCost.aggregate({ where: { clusterId: dbId }, _sum: { costNano: true } }))._sum.costNano;
    const bucketCost = (await db.usageRecord.aggregate({ where: { clusterId: dbId }, _sum: { costNano: true } }))._sum.costNano;
    expect(bucketCost).toBeGreaterThan(0n);
    expect(clusterCost).toBe(bucketCost);

    console.log(`billing.crash: ${billed.length} billed pods, ${total} s; chaos ${chaosDone - started} ms, settled ${running - chaosDone} ms, drained ${drained - running} ms; ${report()}`);
  }, 150_000);
});
