/**
 * Fan-out benchmark, run with `npm run bench:fanout`: many subscribers of one cluster's podEvents
 * while its Deployment starts BENCH_PODS pods.
 *
 * The api and the worker run in a child process (bench/fanout-server.ts, with --expose-gc), the
 * subscribers in this one, so the api's CPU and memory are measured without the clients'. Embedded
 * (PGlite in memory, in-process bus and queue) unless DATABASE_URL / REDIS_URL are set (then a
 * fresh `bench_<random>` schema and queue name, removed at the end). Sandboxes boot at once.
 *
 *  1. baseline: ONE graphql-ws subscriber; the Deployment goes 0 → BENCH_PODS → 0.
 *  2. idle: BENCH_SUBSCRIBERS graphql-ws sockets (one subscription each) and BENCH_SSE SSE
 *     subscribers attach; the api's heap (after a full GC) with them, against without them.
 *  3. fan-out: the Deployment goes 0 → BENCH_PODS again with all of them subscribed.
 *  4. they disconnect: the shared feed must close and the heap go back down.
 *
 * Delivery latency is the arrival time minus the time the event was published (right after its
 * commit; the api process records it, same machine clock); `from_write_*` measure from the event's
 * `occurredAt` instead (when the worker wrote it, so they include the worker's transaction). Printed: per phase, events, missed deliveries, latency p50/p99/max, bytes per
 * subscriber, the api's CPU per event; the idle cost per subscriber. The last line on stdout is
 * one JSON object. Targets: every subscriber gets every event, delivery p99 ≤ 50 ms, ≤ 50 KB of
 * api memory per idle subscriber.
 *
 * Environment:
 *   BENCH_SUBSCRIBERS  graphql-ws subscribers, one socket each (default 1000; BENCH_QUICK: 20)
 *   BENCH_SSE          SSE subscribers (default 100; BENCH_QUICK: 5)
 *   BENCH_PODS         pods started (default 1000; BENCH_QUICK: 50)
 *   BENCH_TIMEOUT_MS   give up waiting for pods or deliveries (default 300000)
 *   BENCH_IDLE_MS      how long the api's CPU is measured with idle subscribers (default 10000; BENCH_QUICK: 2000)
 *   BENCH_QUICK=1      a small configuration for CI (seconds)
 *   BENCH_CPU_PROF=dir write a CPU profile of the api process into dir
 *   BENCH_SHARED_RESULTS=0  execute every subscriber's events on its own (what sharing saves)
 *   DATABASE_URL, REDIS_URL   services mode when set
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { makeGql, nginxDeployment, signup } from '../test/support/stack';
import { gqlOk, int, log, percentile, round, sleep, runBench } from './support';

const QUICK = ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const N = int('BENCH_SUBSCRIBERS', QUICK ? 20 : 1000, 1);
const M = int('BENCH_SSE', QUICK ? 5 : 100, 0);
const P = int('BENCH_PODS', QUICK ? 50 : 1000, 1);
const TIMEOUT_MS = int('BENCH_TIMEOUT_MS', 300_000, 1000);
const IDLE_MS = int('BENCH_IDLE_MS', QUICK ? 2000 : 10_000, 0);
const SUB = 'subscription($c: ID!) { podEvents(clusterId: $c) { sequence occurredAt type pod { name status } } }';
const SUB_SINCE = 'subscription($c: ID!, $since: Int) { podEvents(clusterId: $c, since: $since) { sequence occurredAt type pod { name status } } }';

/** The api+worker child and its IPC commands. */
class Server {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  url = '';
  wsUrl = '';
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: any) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.reply);
    });
  }
  static async start(): Promise<Server> {
    const child = fork(new URL('./fanout-server.ts', import.meta.url).pathname, [], {
      cwd: new URL('..', import.meta.url).pathname,
      execArgv: ['--expose-gc', '--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
      env: { ...process.env, FANOUT_SUBSCRIBERS: String(N + M + 10) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const s = new Server(child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the api process exited with ${code}`)));
      child.on('message', (m: any) => {
        if (m.ready) {
          s.url = m.url;
          s.wsUrl = m.wsUrl;
          resolve();
        }
      });
    });
    return s;
  }
  call<T = any>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, ...args });
    });
  }
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once('exit', () => resolve())));
    await Promise.race([this.call('stop').catch(() => undefined), sleep(30_000)]);
    await Promise.race([exited, sleep(30_000)]);
    this.child.kill();
  }
}

interface Stats {
  rss: number;
  heapUsed: number;
  cpu: { user: number; system: number };
  gc: boolean;
  executions: { executed: number; reused: number };
}

/** One subscriber's deliveries. */
abstract class Subscriber {
  received = 0;
  bytes = 0;
  latencies: number[] = [];
  failure: string | null = null;
  /** Times the subscription was cut (SLOW_CONSUMER, or a socket closed) and resumed with `since`. */
  resumes = 0;
  duplicates = 0;
  protected lastSeq = 0;
  protected onEvent(raw: number, payload: any) {
    this.bytes += raw;
    const e = payload?.data?.podEvents;
    if (payload?.errors) this.failure ??= JSON.stringify(payload.errors);
    if (!e) return;
    if (e.sequence <= this.lastSeq) {
      this.duplicates++;
      return;
    }
    this.lastSeq = e.sequence;
    this.received++;
    const now = Date.now();
    this.latencies.push(now - Date.parse(e.occurredAt));
    this.arrivals.push(e.sequence, now);
  }
  /** [sequence, arrival time] pairs. */
  arrivals: number[] = [];
  reset() {
    this.received = 0;
    this.bytes = 0;
    this.latencies = [];
    this.arrivals = [];
    this.resumes = 0;
    this.duplicates = 0;
  }
  abstract close(): void;
}

/**
 * A graphql-ws client as an application would write it: one socket, one podEvents subscription;
 * cut off (a SLOW_CONSUMER error, or the socket closed under it), it resumes with `since` = the
 * last sequence it saw, on a new socket if needed.
 */
class WsSubscriber extends Subscriber {
  private ws!: WebSocket;
  private closing = false;
  private op = 0;
  readonly ready: Promise<void>;
  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly clusterId: string,
  ) {
    super();
    this.ready = this.connect(null);
  }
  private subscribe(since: number | null) {
    this.op++;
    const query = since === null ? SUB : SUB_SINCE;
    this.ws.send(JSON.stringify({ id: String(this.op), type: 'subscribe', payload: { query, variables: since === null ? { c: this.clusterId } : { c: this.clusterId, since } } }));
  }
  private connect(since: number | null): Promise<void> {
    const ws = new WebSocket(this.url, 'graphql-transport-ws');
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${this.token}` } })));
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'connection_ack') {
          this.subscribe(since);
          resolve();
        } else if (m.type === 'next') this.onEvent(d.length, m.payload);
        else if (m.type === 'error') {
          const resumeAt = m.payload?.[0]?.extensions?.lastSequence;
          if (typeof resumeAt === 'number') {
            this.resumes++;
            this.subscribe(this.lastSeq || resumeAt);
          } else this.failure ??= JSON.stringify(m.payload);
        }
      });
      ws.on('close', (code, reason) => {
        if (this.closing) return;
        if (this.lastSeq > 0 && code !== 4403 && code !== 4429) {
          this.resumes++;
          void this.connect(this.lastSeq).catch((err) => (this.failure ??= String(err)));
          return;
        }
        this.failure ??= `closed ${code} ${reason}`;
        reject(new Error(this.failure));
      });
      ws.on('error', (err) => reject(err));
    });
  }
  close() {
    this.closing = true;
    this.ws.close();
  }
}

class SseSubscriber extends Subscriber {
  private readonly abort = new AbortController();
  readonly ready: Promise<void>;
  constructor(url: string, token: string, clusterId: string) {
    super();
    this.ready = fetch(url, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: SUB, variables: { c: clusterId } }),
      signal: this.abort.signal,
    }).then((res) => {
      if (!res.ok || !res.body) throw new Error(`SSE ${res.status}`);
      void this.read(res.body.getReader());
    });
  }
  private async read(reader: ReadableStreamDefaultReader<Uint8Array>) {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data:'));
          if (block.startsWith('event: next') && data) this.onEvent(block.length + 2, JSON.parse(data.slice(5)));
        }
      }
    } catch {
      /* aborted */
    }
  }
  close() {
    this.abort.abort();
  }
}

/** All CPUs' busy and total jiffies since boot (Linux /proc/stat), or null elsewhere. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - (f[4] ?? 0), total }; // minus idle and iowait
  } catch {
    return null;
  }
}

const kb = (bytes: number) => round(bytes / 1024, 1);
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

async function main(): Promise<number> {
  log(`${N} graphql-ws + ${M} SSE subscribers of one cluster's podEvents while ${P} pods start; api+worker in a child process; ${process.env.DATABASE_URL ? 'postgres' : 'pglite'}, ${process.env.REDIS_URL ? 'redis' : 'in-process'} bus${QUICK ? ' (quick)' : ''}`);
  const server = await Server.start();
  let subs: Subscriber[] = [];
  try {
    const gql = makeGql(server.url);
    const { token } = await signup(gql, 'fanout');
    const created = await gqlOk(gql, 'createCluster', `mutation { createCluster(input: { name: "fanout", region: "ap-guangzhou" }) { cluster { id } userErrors { code message } } }`, {}, token);
    const cluster: string = created.createCluster.cluster.id;
    const clusterId = Buffer.from(cluster, 'base64').toString('utf8').replace(/^Cluster:/, '');
    for (const deadline = Date.now() + 60_000; ; ) {
      const r = await gql(`query($c: ID!) { cluster(id: $c) { status } }`, { c: cluster }, token);
      if (r.data?.cluster?.status === 'RUNNING') break;
      if (Date.now() > deadline) throw new Error(`cluster not RUNNING: ${JSON.stringify(r)}`);
      await sleep(20);
    }
    await gqlOk(gql, 'applyManifest', `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { code message } } }`, { c: cluster, m: nginxDeployment(0, 'web') }, token);
    const scale = (replicas: number) =>
      gqlOk(gql, 'scaleWorkload', `mutation($c: ID!, $r: Int!) { scaleWorkload(input: { clusterId: $c, namespace: "default", kind: "Deployment", name: "web", replicas: $r }) { userErrors { code message } } }`, { c: cluster, r: replicas }, token);
    const pods = () => server.call<Record<string, number>>('running', { clusterId });
    const until = async (pred: () => Promise<boolean>, what: string) => {
      const deadline = performance.now() + TIMEOUT_MS;
      while (!(await pred())) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(100);
      }
    };

    /** The Deployment goes 0 → P; every subscriber should receive every pod event of that. */
    const phase = async (label: string, group: Subscriber[]) => {
      for (const s of group) s.reset();
      const { eventSeq: seq0 } = await server.call('events', { clusterId, after: 0 });
      const s0 = await server.call<Stats>('stats');
      const c0 = process.cpuUsage();
      const m0 = machineCpu();
      const t0 = performance.now();
      await scale(P);
      await until(async () => ((await pods()).Running ?? 0) >= P, `${P} pods Running`);
      const podsSeconds = (performance.now() - t0) / 1000;
      const { count: events } = await server.call('events', { clusterId, after: seq0 });
      // deliveries settle (or stop progressing)
      let last = -1;
      let still = 0;
      for (;;) {
        const got = group.reduce((n, s) => n + s.received, 0);
        if (got >= events * group.length) break;
        still = got === last ? still + 1 : 0;
        if (still > 100) break; // 10 s without a delivery
        last = got;
        await sleep(100);
      }
      const s1 = await server.call<Stats>('stats');
      const cpuMs = (s1.cpu.user + s1.cpu.system - s0.cpu.user - s0.cpu.system) / 1000;
      // the subscribers' own CPU (this process) and the whole machine's, over the phase: a
      // client that is saturated delays arrivals by its own backlog
      const c1 = process.cpuUsage(c0);
      const clientCpuMs = (c1.user + c1.system) / 1000;
      const m1 = machineCpu();
      const machineBusy = m0 && m1 ? round((100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total), 1) : null;
      const committed = group.flatMap((s) => s.latencies).sort((a, b) => a - b);
      const pairs = await server.call<number[]>('published', { after: seq0 });
      const publishedAt = new Map<number, number>();
      for (let i = 0; i < pairs.length; i += 2) publishedAt.set(pairs[i], pairs[i + 1]);
      const lat: number[] = [];
      for (const s of group) for (let i = 0; i < s.arrivals.length; i += 2) {
        const t = publishedAt.get(s.arrivals[i]);
        if (t !== undefined) lat.push(s.arrivals[i + 1] - t);
      }
      lat.sort((a, b) => a - b);
      const delivered = group.reduce((n, s) => n + s.received, 0);
      const missed = events * group.length - delivered;
      const failures = group.filter((s) => s.failure).length;
      const resumes = group.reduce((n, s) => n + s.resumes, 0);
      const duplicates = group.reduce((n, s) => n + s.duplicates, 0);
      const fig = {
        subscribers: group.length,
        events,
        delivered,
        missed,
        failures,
        resumes,
        duplicates,
        p50_ms: round(percentile(lat, 50), 1),
        p99_ms: round(percentile(lat, 99), 1),
        max_ms: round(lat[lat.length - 1] ?? NaN, 1),
        from_write_p50_ms: round(percentile(committed, 50), 1),
        from_write_p99_ms: round(percentile(committed, 99), 1),
        bytes_per_subscriber: Math.round(group.reduce((n, s) => n + s.bytes, 0) / group.length),
        cpu_ms: Math.round(cpuMs),
        cpu_ms_per_event: round(cpuMs / Math.max(1, events), 3),
        cpu_us_per_delivery: round((cpuMs * 1000) / Math.max(1, delivered), 1),
        client_cpu_ms: Math.round(clientCpuMs),
        machine_busy_percent: machineBusy,
        api_rss_mb: mb(s1.rss),
        executions: s1.executions.executed - s0.executions.executed,
        reused_executions: s1.executions.reused - s0.executions.reused,
        pods_seconds: round(podsSeconds, 2),
      };
      log(`${label}: ${group.length} subscribers, ${events} events, ${missed} missed (${failures} failed, ${resumes} resumed with since, ${duplicates} duplicates); delivery (from publish, right after commit) p50 ${fig.p50_ms} ms, p99 ${fig.p99_ms} ms, max ${fig.max_ms} ms (from the event's occurredAt: p50 ${fig.from_write_p50_ms} ms, p99 ${fig.from_write_p99_ms} ms); ${fig.bytes_per_subscriber} bytes/subscriber; api CPU ${fig.cpu_ms} ms (${fig.cpu_ms_per_event} ms/event, ${fig.cpu_us_per_delivery} µs/delivery), ${fig.executions} executions (${fig.reused_executions} reused); RSS ${fig.api_rss_mb} MB; pods Running in ${fig.pods_seconds} s; subscribers' CPU ${fig.client_cpu_ms} ms; machine ${fig.machine_busy_percent ?? '?'} % busy`);
      if (failures) log(`  first failure: ${group.find((s) => s.failure)!.failure}`);
      await scale(0);
      await until(async () => ((await pods()).Running ?? 0) === 0, 'the pods to stop');
      return fig;
    };

    // 1. baseline: one subscriber
    const one = new WsSubscriber(server.wsUrl, token, cluster);
    await one.ready;
    await until(async () => (await server.call('feeds')).subscribers === 1, 'the baseline subscriber');
    const baseline = await phase('baseline', [one]);
    one.close();
    await until(async () => (await server.call('feeds')).clusterFeeds === 0, 'the baseline feed to close');

    // 2. idle subscribers
    const idle0 = await server.call<Stats>('stats');
    const opening: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const s = new WsSubscriber(server.wsUrl, token, cluster);
      subs.push(s);
      opening.push(s.ready);
      if (i % 50 === 49) await Promise.all(opening.splice(0));
    }
    for (let i = 0; i < M; i++) {
      const s = new SseSubscriber(server.url, token, cluster);
      subs.push(s);
      opening.push(s.ready);
    }
    await Promise.all(opening);
    await until(async () => (await server.call('feeds')).subscribers === N + M, `${N + M} subscribers on the feed`);
    const idle1 = await server.call<Stats>('stats');
    const perIdleKb = kb((idle1.heapUsed - idle0.heapUsed) / (N + M));
    // what idle subscribers cost the api in CPU (no events: timers, catch-up reads, keep-alives)
    const idleA = await server.call<Stats>('stats', { gc: false });
    const idleT0 = performance.now();
    await sleep(IDLE_MS);
    const idleB = await server.call<Stats>('stats', { gc: false });
    const idleCpuPercent = round((100 * ((idleB.cpu.user + idleB.cpu.system - idleA.cpu.user - idleA.cpu.system) / 1000)) / (performance.now() - idleT0), 1);
    log(`idle: the api's CPU over ${IDLE_MS / 1000} s with ${N + M} idle subscribers: ${idleCpuPercent} % of a core`);
    log(`idle: ${N + M} subscribers hold ${mb(idle1.heapUsed - idle0.heapUsed)} MB of api heap (${perIdleKb} KB each${idle1.gc ? ', after a full GC' : ', no --expose-gc'}), RSS ${mb(idle0.rss)} → ${mb(idle1.rss)} MB`);

    // 3. fan-out
    const load = await phase('fan-out', subs);

    // 4. disconnect
    for (const s of subs) s.close();
    subs = [];
    await until(async () => (await server.call('feeds')).clusterFeeds === 0, 'the feed to close after the last subscriber');
    const after = await server.call<Stats>('stats');
    log(`after disconnect: feed closed; api heap ${mb(after.heapUsed)} MB (idle before: ${mb(idle0.heapUsed)} MB), RSS ${mb(after.rss)} MB`);

    const targetsMet = load.missed === 0 && load.duplicates === 0 && load.p99_ms <= 50 && perIdleKb <= 50;
    const result = {
      bench: 'fanout',
      store: process.env.DATABASE_URL ? 'postgres' : 'pglite',
      bus: process.env.REDIS_URL ? 'redis' : 'memory',
      shared_results: process.env.BENCH_SHARED_RESULTS !== '0',
      ws_subscribers: N,
      sse_subscribers: M,
      pods: P,
      subscribers: load.subscribers,
      events: load.events,
      missed: load.missed,
      failures: load.failures,
      resumes: load.resumes,
      duplicates: load.duplicates,
      p50_ms: load.p50_ms,
      p99_ms: load.p99_ms,
      max_ms: load.max_ms,
      from_write_p50_ms: load.from_write_p50_ms,
      from_write_p99_ms: load.from_write_p99_ms,
      bytes_per_subscriber: load.bytes_per_subscriber,
      api_rss_mb: load.api_rss_mb,
      memory_per_idle_subscriber_kb: perIdleKb,
      idle_cpu_percent: idleCpuPercent,
      heap_after_disconnect_mb: mb(after.heapUsed),
      heap_before_subscribers_mb: mb(idle0.heapUsed),
      cpu_ms_per_event: load.cpu_ms_per_event,
      cpu_us_per_delivery: load.cpu_us_per_delivery,
      pods_running_s: load.pods_seconds,
      baseline_pods_running_s: baseline.pods_seconds,
      client_cpu_ms: load.client_cpu_ms,
      machine_busy_percent: load.machine_busy_percent,
      executions: load.executions,
      reused_executions: load.reused_executions,
      baseline_p50_ms: baseline.p50_ms,
      baseline_p99_ms: baseline.p99_ms,
      baseline_cpu_ms_per_event: baseline.cpu_ms_per_event,
      cpu_per_event_ratio: round(load.cpu_ms_per_event / Math.max(0.001, baseline.cpu_ms_per_event), 2),
      p99_ratio: round(load.p99_ms / Math.max(1, baseline.p99_ms), 2),
      targets_met: targetsMet,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    console.error('[bench] failed:', err);
    return 1;
  } finally {
    for (const s of subs) s.close();
    await server.stop();
  }
}

runBench(main);
