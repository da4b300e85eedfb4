/**
 * Scale-out benchmark (services mode: PostgreSQL + Redis), run with `npm run bench:scale`.
 *
 * Starts the api and the worker in this process on a fresh PostgreSQL schema and a unique
 * work-queue name, signs up, creates a cluster, subscribes to podEvents over a real graphql-ws
 * socket, applies a Deployment with 0 replicas and scales it to N (BENCH_PODS, default 1000).
 * It measures, as seen by the subscriber:
 *   - pods_per_s: N / seconds from the scaleWorkload mutation to the last Running event;
 *   - per pod, create→Running latency from the arrival of its ADDED event to the arrival of its
 *     Running event (p50_ms, p99_ms), and from the mutation (printed for people);
 * Then the store's ceiling for the same work (bench/storeCeiling.ts): the rows the run wrote per
 * pod, table by table, as PostgreSQL counted them (pg_stat_user_tables: inserts, updates and
 * deletes, triggers' writes included), replayed in the best batch form over at least 50,000 rows
 * (BENCH_CEILING_ROWS) into scratch copies of the tables: ceiling_pods_per_s, and
 * ratio = pods_per_s / ceiling_pods_per_s.
 * With BENCH_WORKERS=2 (or more), the run is made twice: with one worker process, then with all
 * of them (the first Deployment scaled back to 0 in between); second_worker_ratio = the second
 * run's pods/s over the first's.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object.
 *
 * Environment:
 *   DATABASE_URL   default postgres://postgres@127.0.0.1:5432/test (a `bench_<random>` schema is used and dropped)
 *   REDIS_URL      default redis://127.0.0.1:6379 (keys of the unique queue name are deleted at the end)
 *   BENCH_PODS     pods to scale to (default 1000)
 *   BENCH_CONCURRENCY or NODELESS_WORKER_CONCURRENCY   worker concurrency (default 4)
 *   BENCH_WORKERS  worker processes (`npm run worker`, the scaled-out mode) beside this process,
 *                  which then runs only the api and the subscriber (default 1; 0 = the worker
 *                  runs in this process, as with `npm start`)
 *   BENCH_WARMUP   pods of a warm-up Deployment run first, also proving the subscription live (default 10, 0 = none)
 *   BENCH_TIMEOUT_MS   give up after this long waiting for Running pods (default 300000)
 *   BENCH_CEILING_ROWS rows the store-ceiling replay writes at least (default 50000)
 *   BENCH_PROFILE=1    also print where the time goes: SQL statements (count, round-trip time),
 *                      reconcile passes per key kind, bus/queue/provider calls (adds some overhead).
 *   BENCH_CPU_PROFILE=file.cpuprofile   CPU-profile this process during the measured window only
 *                      (open in Chrome DevTools); the heaviest functions and packages are printed.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { createClient as createRedis } from 'redis';
import { createClient as createWs, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { spawn, type ChildProcess } from 'node:child_process';
import { openStore, type Store } from '../src/adapters/prisma/client';
import { startApp, type App } from '../src/main/app';
import { dropSchema, makeGql, nginxDeployment, signup, testConfig, type Gql } from '../test/support/stack';
import { replay, rowWrites } from './storeCeiling';
import { benchTarget, deleteRedisKeys, gqlOk, instrumentPg, int, log, percentile, round, sleep, startWorkerProcess, Stats, runBench } from './support';

const N = int('BENCH_PODS', 1000, 1);
const CONCURRENCY = int('BENCH_CONCURRENCY', int('NODELESS_WORKER_CONCURRENCY', 4, 1), 1);
const WARMUP = int('BENCH_WARMUP', 10, 0);
const TIMEOUT_MS = int('BENCH_TIMEOUT_MS', 300_000, 1000);
const PROFILE = ['1', 'true', 'yes'].includes(process.env.BENCH_PROFILE ?? '');
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE || '';
const WORKER_PROCESSES = int('BENCH_WORKERS', 1, 0);
const CEILING_ROWS = int('BENCH_CEILING_ROWS', 50_000, 1);
const DEPLOYMENT = 'bench';
const WARMUP_DEPLOYMENT = 'warmup';

/**
 * Waits until the work queue has nothing in flight and nothing due within the next 5 s (periodic
 * keys such as the billing meter's stay queued for later; in-process worker: its idle() first).
 */
async function settle(app: App): Promise<void> {
  if (app.worker) await app.worker.idle();
  for (;;) {
    const { inFlight } = await app.runtime.svc.queue.size();
    const next = await app.runtime.svc.queue.nextDueAt();
    if (inFlight === 0 && (next === null || next > Date.now() + 5000)) break;
    await sleep(10);
  }
  await sleep(50);
}

// ---------------------------------------------------------------------------------------------
// Profiling (BENCH_PROFILE=1): wraps objects from the outside; src/ is not changed.

const sqlStats = new Stats();
const callStats = new Stats();
const passStats = new Stats();

/** Normalises an SQL statement into a short label (statement kind + table). */
function sqlLabel(text: string): string {
  const s = text.slice(0, 400).replace(/\s+/g, ' ').trim();
  const verb = /^(SELECT|INSERT INTO|UPDATE|DELETE FROM|BEGIN|COMMIT|ROLLBACK|WITH)\b/i.exec(s)?.[1]?.toUpperCase();
  if (!verb) return s.slice(0, 60);
  if (verb === 'BEGIN' || verb === 'COMMIT' || verb === 'ROLLBACK') return verb;
  const table = verb === 'SELECT' || verb === 'WITH' ? /\bFROM\s+(?:"\w+"\.)?"(\w+)"/i.exec(text.slice(0, 4000))?.[1] : /^\S+(?:\s+INTO|\s+FROM)?\s+(?:"\w+"\.)?"(\w+)"/i.exec(s)?.[1];
  const extra = /jsonb_to_recordset/.test(s) ? ' (jsonb batch)' : /GROUP BY/i.test(s) ? ' (group by)' : /FOR UPDATE/i.test(s) ? ' (for update)' : /ON CONFLICT/i.test(s) ? ' (on conflict)' : '';
  return `${verb} ${table ?? '?'}${extra}`;
}


function wrapMethods(obj: object, label: string, names: string[]): void {
  const o = obj as Record<string, unknown>;
  for (const name of names) {
    const fn = o[name];
    if (typeof fn !== 'function') continue;
    o[name] = async function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
      } finally {
        callStats.add(`${label}.${name}`, performance.now() - t);
      }
    };
  }
}

/** Per key kind, the time from a claim to its done/fail: one reconcile pass. */
function instrumentQueue(queue: object): void {
  const q = queue as Record<string, (...a: any[]) => Promise<any>>;
  const started = new Map<string, number>();
  const claim = q.claim.bind(queue);
  const done = q.done.bind(queue);
  const fail = q.fail.bind(queue);
  q.claim = async (...a: unknown[]) => {
    const lease = await claim(...a);
    if (lease) started.set(lease.token, performance.now());
    return lease;
  };
  const finish = (lease: { key: string; token: string }, outcome: string) => {
    const t = started.get(lease.token);
    started.delete(lease.token);
    if (t !== undefined) passStats.add(`${lease.key.slice(0, lease.key.indexOf(':'))}${outcome}`, performance.now() - t);
  };
  q.done = async (lease: { key: string; token: string }) => {
    finish(lease, '');
    return done(lease);
  };
  q.fail = async (lease: { key: string; token: string }) => {
    finish(lease, ' (failed)');
    return fail(lease);
  };
}

// ---------------------------------------------------------------------------------------------
// CPU profile of the measured window (BENCH_CPU_PROFILE=file).

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

async function startCpuProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return session;
}

/** Where a function lives, by package (node_modules/<pkg>) or project folder. */
function area(url: string): string {
  if (!url) return '(native / vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node core';
  const m = /\/(src\/[^/]+(?:\/[^/]+)?|bench|test\/support)\//.exec(url);
  return m ? m[1] : url;
}

async function stopCpuProfile(session: Session, file: string): Promise<void> {
  const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: CpuNode[]; samples: number[]; timeDeltas: number[] } };
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Leave out the profiler's own start-up (sampled under startCpuProfile).
  const excluded = new Set<number>();
  const exclude = (id: number) => {
    excluded.add(id);
    for (const c of byId.get(id)?.children ?? []) exclude(c);
  };
  for (const n of profile.nodes) if (n.callFrame.functionName === 'startCpuProfile' && !excluded.has(n.id)) exclude(n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (!excluded.has(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|test)\//, '$1/')}:${f.lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    const a = f.functionName === '(idle)' ? '(idle)' : f.functionName === '(garbage collector)' ? '(garbage collector)' : f.functionName === '(program)' ? '(program)' : area(f.url);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  log(`CPU profile of the measured window written to ${file} (${(total / 1000).toFixed(0)} ms sampled); self time by package/folder:`);
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 15)) log(`  ${pct(us)}  ${a}`);
  log('heaviest functions (self time):');
  for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, 25)) log(`  ${pct(us)}  ${f}`);
}

// ---------------------------------------------------------------------------------------------
// The subscriber: a real graphql-ws socket, timestamps taken on arrival.

const POD_EVENTS = `subscription($c: ID!, $since: Int) { podEvents(clusterId: $c, since: $since) { sequence type reason pod { name status } } }`;

interface PodTimes {
  added?: number;
  scheduled?: number;
  running?: number;
}

class EventWatcher {
  readonly pods = new Map<string, PodTimes>();
  running = 0;
  received = 0;
  readonly errors: unknown[] = [];
  completed = false;
  /** first/last arrival per event reason (bench deployment only) */
  readonly phases = new Map<string, { first: number; last: number; n: number }>();
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  private readonly client: WsClient;
  private dispose: () => void = () => {};
  onRunning: (count: number) => void = () => {};

  constructor(wsUrl: string, token: string, clusterId: string, public prefix: string) {
    this.client = createWs({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false });
    this.dispose = this.client.subscribe<{ podEvents: { sequence: number; type: string; reason: string; pod: { name: string; status: string } } }>(
      { query: POD_EVENTS, variables: { c: clusterId, since: 0 } },
      {
        next: (m) => {
          const now = performance.now();
          this.received++;
          if (m.errors) this.errors.push(...m.errors);
          const e = m.data?.podEvents;
          if (e) this.record(e, now);
          this.check();
        },
        error: (err) => {
          this.errors.push(err);
          this.check();
        },
        complete: () => {
          this.completed = true;
          this.check();
        },
      },
    );
  }

  /** Running events of pods of a deployment (by name prefix). */
  runningOf(deployment: string): number {
    let n = 0;
    for (const [name, t] of this.pods) if (name.startsWith(`${deployment}-`) && t.running !== undefined) n++;
    return n;
  }

  private record(e: { type: string; reason: string; pod: { name: string; status: string } }, now: number) {
    const t = this.pods.get(e.pod.name) ?? {};
    this.pods.set(e.pod.name, t);
    const mine = e.pod.name.startsWith(this.prefix);
    if (e.type === 'ADDED') t.added ??= now;
    else if (e.pod.status === 'ContainerCreating') t.scheduled ??= now;
    if (e.pod.status === 'Running' && t.running === undefined) {
      t.running = now;
      if (mine) {
        this.running++;
        this.onRunning(this.running);
      }
    }
    if (mine) {
      const key = `${e.type} ${e.pod.status}`;
      const p = this.phases.get(key) ?? { first: now, last: now, n: 0 };
      p.last = now;
      p.n++;
      this.phases.set(key, p);
    }
  }

  private check() {
    this.waiters = this.waiters.filter((w) => {
      if (w.pred() || this.errors.length > 0 || this.completed) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  until(pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.received} events received)`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          if (pred()) resolve();
          else reject(new Error(`subscription ended before ${what}: ${JSON.stringify(this.errors)} completed=${this.completed}`));
        },
      });
    });
  }

  async close(): Promise<void> {
    this.dispose();
    await this.client.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { redisUrl, schema, queueName, base, benchDbUrl } = benchTarget();

  const config = testConfig({
    DATABASE_URL: benchDbUrl,
    REDIS_URL: redisUrl,
    NODELESS_QUEUE_NAME: queueName,
    NODELESS_WORKER_CONCURRENCY: String(CONCURRENCY),
    NODELESS_RESYNC_MS: '0',
    NODELESS_BOOT_MS: '0',
    NODELESS_STOP_MS: '0',
    NODELESS_CLUSTER_PROVISION_MS: '0',
    // room for N pods (two Deployments of N with BENCH_WORKERS ≥ 2, one scaling down)
    NODELESS_REPLICAS_PER_WORKLOAD: String(Math.max(5000, N)),
    NODELESS_PODS_PER_CLUSTER: String(Math.max(20_000, 2 * N + 100)),
  });
  log(`N=${N} pods, worker concurrency ${CONCURRENCY}, schema ${schema}, queue ${queueName}${PROFILE ? ', profiling' : ''}`);

  if (PROFILE) instrumentPg(sqlStats, sqlLabel);
  let store: Store | null = null;
  let app: App | null = null;
  let watcher: EventWatcher | null = null;
  let exitCode = 0;
  const workers: ChildProcess[] = [];
  try {
    store = await openStore({ databaseUrl: benchDbUrl });
    app = await startApp(config, { api: true, worker: WORKER_PROCESSES === 0 }, { store });
    // with BENCH_WORKERS ≥ 2 the others start before the second run
    if (WORKER_PROCESSES > 0) workers.push(await startWorkerProcess(config, benchDbUrl, redisUrl, queueName));
    if (app.runtime.mode !== 'services') throw new Error(`expected services mode, got ${app.runtime.mode}`);
    const svc = app.runtime.svc;
    if (PROFILE) {
      instrumentQueue(svc.queue);
      wrapMethods(svc.queue, 'queue', ['add', 'addAfter']);
      wrapMethods(svc.bus, 'bus', ['publish']);
      wrapMethods(svc.provider, 'provider', ['createSandboxes', 'describeSandboxes', 'deleteSandboxes']);
    }
    const gql = makeGql(app.api!.url);
    const { token } = await signup(gql, 'bench');
    const created = await gqlOk(gql, 'createCluster', `mutation { createCluster(input: { name: "bench", region: "ap-guangzhou" }) { cluster { id } userErrors { field code message } } }`, {}, token);
    const clusterId: string = created.createCluster.cluster.id;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await gql(`query($c: ID!) { cluster(id: $c) { status } }`, { c: clusterId }, token);
      if (r.data?.cluster?.status === 'RUNNING') break;
      if (Date.now() > deadline) throw new Error(`cluster not RUNNING: ${JSON.stringify(r)}`);
      await sleep(20);
    }
    log('cluster RUNNING');

    watcher = new EventWatcher(app.api!.wsUrl, token, clusterId, `${DEPLOYMENT}-`);
    const w = watcher;
    const apply = (manifest: string) =>
      gqlOk(gql, 'applyManifest', `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { name action } userErrors { field message code } } }`, { c: clusterId, m: manifest }, token);
    const scale = (name: string, replicas: number) =>
      gqlOk(gql, 'scaleWorkload', `mutation($c: ID!, $n: String!, $r: Int!) { scaleWorkload(input: { clusterId: $c, namespace: "default", kind: "Deployment", name: $n, replicas: $r }) { workload { replicas } userErrors { field code message } } }`, { c: clusterId, n: name, r: replicas }, token);

    if (WARMUP > 0) {
      // Warms up the code paths and proves the subscription delivers before the measured run.
      await apply(nginxDeployment(WARMUP, WARMUP_DEPLOYMENT));
      await w.until(() => w.runningOf(WARMUP_DEPLOYMENT) >= WARMUP, `${WARMUP} warm-up pods Running`, 60_000);
      log(`warm-up: ${WARMUP} pods Running, subscription live`);
    } else {
      await sleep(300); // no warm-up: give the socket time to subscribe (events are replayed anyway)
    }
    const a = app;
    /** One measured scale-out of a fresh Deployment of 0 to N replicas. */
    const measure = async (deployment: string, label: string) => {
      await apply(nginxDeployment(0, deployment));
      await settle(a);
      w.prefix = `${deployment}-`;
      w.running = 0;
      w.phases.clear();
      sqlStats.reset();
      callStats.reset();
      passStats.reset();
      const writes = await rowWrites(base.connectionString, schema);
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      let nextReport = 1;
      const t0 = performance.now();
      w.onRunning = (count) => {
        while (count >= Math.ceil((nextReport / 10) * N) && nextReport <= 10) {
          const s = (performance.now() - t0) / 1000;
          log(`${label}${String(nextReport * 10).padStart(3)}%: ${count}/${N} Running after ${s.toFixed(2)} s (${(count / s).toFixed(0)} pods/s so far)`);
          nextReport++;
        }
      };
      const profiler = CPU_PROFILE ? await startCpuProfile() : null;
      const tScale = performance.now();
      await scale(deployment, N);
      const tScaled = performance.now();
      await w.until(() => w.running >= N, `${N} pods Running`, TIMEOUT_MS);
      const mine = [...w.pods.entries()].filter(([name]) => name.startsWith(`${deployment}-`)).map(([, t]) => t);
      const tEnd = Math.max(...mine.map((t) => t.running ?? 0));
      const elu = performance.eventLoopUtilization(elu0);
      const cpu = process.cpuUsage(cpu0);
      if (profiler) await stopCpuProfile(profiler, CPU_PROFILE);

      const seconds = (tEnd - tScale) / 1000;
      const podsPerS = N / seconds;
      const fromAdded = mine.map((t) => t.running! - t.added!).filter(Number.isFinite).sort((x, y) => x - y);
      const fromMutation = mine.map((t) => t.running! - tScale).sort((x, y) => x - y);
      log(`${label}all ${N} pods Running in ${seconds.toFixed(3)} s: ${podsPerS.toFixed(0)} pods/s end to end (scale mutation took ${(tScaled - tScale).toFixed(0)} ms)`);
      log(`${label}create→Running, ADDED→Running at the subscriber: p50 ${fromAdded.length ? percentile(fromAdded, 50).toFixed(0) : '?'} ms, p99 ${percentile(fromAdded, 99).toFixed(0)} ms (${fromAdded.length} pods with both events)`);
      log(`${label}create→Running, mutation→Running:                p50 ${percentile(fromMutation, 50).toFixed(0)} ms, p99 ${percentile(fromMutation, 99).toFixed(0)} ms`);
      log('event arrival at the subscriber, from the mutation (first … last, count):');
      for (const [k, p] of [...w.phases.entries()].sort((x, y) => x[1].first - y[1].first)) {
        log(`  ${k.padEnd(28)} ${(p.first - tScale).toFixed(0).padStart(6)} … ${(p.last - tScale).toFixed(0).padStart(6)} ms  (${p.n})`);
      }
      log(`process during the run: event loop ${(elu.utilization * 100).toFixed(0)}% busy, CPU user ${(cpu.user / 1000).toFixed(0)} ms + system ${(cpu.system / 1000).toFixed(0)} ms over ${(seconds * 1000).toFixed(0)} ms wall`);
      await settle(a);
      if (PROFILE) {
        passStats.print('reconcile passes (claim → done), per key kind:');
        callStats.print('port calls:');
        sqlStats.print('SQL statements (pg round trip, incl. queueing for a pool connection):');
      }
      return { podsPerS, fromAdded, writes: await writes.since() };
    };

    const first = await measure(DEPLOYMENT, WORKER_PROCESSES >= 2 ? '[1 worker] ' : '');
    let secondWorkerRatio: number | null = null;
    if (WORKER_PROCESSES >= 2) {
      await scale(DEPLOYMENT, 0);
      await settle(a);
      for (let i = 1; i < WORKER_PROCESSES; i++) workers.push(await startWorkerProcess(config, benchDbUrl, redisUrl, queueName));
      const second = await measure(`${DEPLOYMENT}2`, `[${WORKER_PROCESSES} workers] `);
      secondWorkerRatio = second.podsPerS / first.podsPerS;
      log(`${WORKER_PROCESSES} worker processes: ${second.podsPerS.toFixed(0)} pods/s against ${first.podsPerS.toFixed(0)} with one: ratio ${secondWorkerRatio.toFixed(2)}`);
    }
    const { podsPerS, fromAdded, writes } = first;

    await watcher.close();
    watcher = null;
    await app.stop();
    app = null;
    for (const wp of workers.splice(0)) {
      wp.kill('SIGTERM');
      await new Promise((r) => wp.once('exit', r));
    }
    // The store's ceiling for the same rows, in the best batch form (see storeCeiling.ts)
    const rowsPerPod = writes.reduce((n, t) => n + t.inserted + t.updated + t.deleted, 0) / N;
    log(`rows the run wrote per pod (PostgreSQL's counters): ${rowsPerPod.toFixed(2)}`);
    for (const t of writes) log(`  ${t.table.padEnd(18)} inserted ${(t.inserted / N).toFixed(2).padStart(6)}  updated ${(t.updated / N).toFixed(2).padStart(6)}  deleted ${(t.deleted / N).toFixed(2).padStart(6)} per pod`);
    const ceiling = await replay(base.connectionString, schema, writes, N, CEILING_ROWS);
    log(`store ceiling: the same writes for ${ceiling.pods} pods (${ceiling.rows} rows, multi-row statements, one transaction per 500 pods) in ${ceiling.seconds.toFixed(3)} s = ${ceiling.podsPerS.toFixed(0)} pods/s (${(ceiling.rows / ceiling.seconds).toFixed(0)} rows/s)`);

    const result = {
      bench: 'scale-out',
      pods: N,
      pods_per_s: Math.round(podsPerS),
      p50_ms: Math.round(percentile(fromAdded, 50)),
      p99_ms: Math.round(percentile(fromAdded, 99)),
      rows_per_pod: round(rowsPerPod, 2),
      ceiling_pods_per_s: Math.round(ceiling.podsPerS),
      ceiling_rows_per_s: Math.round(ceiling.rows / ceiling.seconds),
      ratio: round(podsPerS / ceiling.podsPerS, 3),
      ...(secondWorkerRatio !== null ? { workers: WORKER_PROCESSES, second_worker_ratio: round(secondWorkerRatio, 2) } : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    console.error('[bench] failed:', err);
    exitCode = 1;
  } finally {
    await watcher?.close().catch(() => undefined);
    for (const wp of workers) {
      wp.kill('SIGTERM');
      await new Promise((r) => wp.once('exit', r));
    }
    await app?.stop().catch((e) => console.error('[bench] stop:', e));
    await store?.close().catch(() => undefined);
    await dropSchema(base.connectionString, schema).catch((e) => console.error('[bench] drop schema:', e));
    const n = await deleteRedisKeys(redisUrl, [`nodeless:wq:${queueName}:*`, `nodeless:${queueName}:*`]).catch((e) => {
      console.error('[bench] redis cleanup:', e);
      return 0;
    });
    log(`cleaned up: schema ${schema} dropped, ${n} Redis keys deleted`);
  }
  return exitCode;
}

runBench(main);
