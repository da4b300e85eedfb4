/** Helpers shared by the benchmarks (environment, statistics, worker processes, clean-up). */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createClient as createRedis } from 'redis';
import { parseDatabaseUrl } from '../src/adapters/prisma/client';
import type { Gql } from '../test/support/stack';

/** An integer from the environment (≥ min), or the fallback when unset. */
export function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

export const log = (...args: unknown[]) => console.error('[bench]', ...args);

/** Runs a bench's main and exits with its code (0 when it returns nothing); a failure prints and exits 1. */
export function runBench(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const round = (x: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The p-th percentile of an ascending list (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Starts `src/main/worker.ts` (what `npm run worker` runs) and waits until it is running. */
export async function startWorkerProcess(config: { workerConcurrency: number }, databaseUrl: string, redisUrl: string, queueName: string): Promise<ChildProcess> {
  // BENCH_WORKER_CPU_PROF=dir: a CPU profile of each worker process, written into dir when it exits
  const prof = process.env.BENCH_WORKER_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_WORKER_CPU_PROF] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'src/main/worker.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, NODELESS_QUEUE_NAME: queueName, NODELESS_WORKER_CONCURRENCY: String(config.workerConcurrency), NODELESS_RESYNC_MS: '0', NODELESS_BOOT_MS: '0', NODELESS_PULL_MS: '0', NODELESS_STOP_MS: '0', NODELESS_CLUSTER_PROVISION_MS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('worker running')) resolve();
    });
  });
  return child;
}

/** A GraphQL call that must succeed (no errors, no userErrors in its payload). */
export async function gqlOk<T = any>(gql: Gql, what: string, query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const r = await gql<T>(query, variables, token);
  if (r.errors?.length) throw new Error(`${what}: ${JSON.stringify(r.errors)}`);
  const payload = Object.values(r.data as Record<string, any>)[0];
  if (payload?.userErrors?.length) throw new Error(`${what}: ${JSON.stringify(payload.userErrors)}`);
  return r.data as T;
}

/** Deletes the Redis keys matching these patterns; returns how many. */
export async function deleteRedisKeys(url: string, patterns: string[]): Promise<number> {
  const r = createRedis({ url });
  r.on('error', () => {});
  await r.connect();
  let n = 0;
  try {
    for (const match of patterns) {
      for await (const chunk of r.scanIterator({ MATCH: match, COUNT: 500 })) {
        const ks = (Array.isArray(chunk) ? chunk : [chunk]) as string[];
        if (ks.length > 0) n += await r.del(ks);
      }
    }
  } finally {
    await r.close();
  }
  return n;
}

/** Where a bench run lives: its own PostgreSQL schema and work-queue name (both removed at the end). */
export function benchTarget(): { redisUrl: string; schema: string; queueName: string; base: ReturnType<typeof parseDatabaseUrl>; benchDbUrl: string } {
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const tag = randomBytes(5).toString('hex');
  const schema = `bench_${tag}`;
  const base = parseDatabaseUrl(databaseUrl);
  const u = new URL(base.connectionString);
  u.searchParams.set('schema', schema);
  return { redisUrl, schema, queueName: `bench_${tag}`, base, benchDbUrl: u.toString() };
}

/** Timings by label: count, total, max (for BENCH_PROFILE output). */
export class Stats {
  private readonly m = new Map<string, { n: number; ms: number; max: number }>();
  add(key: string, ms: number): void {
    const s = this.m.get(key) ?? { n: 0, ms: 0, max: 0 };
    s.n++;
    s.ms += ms;
    s.max = Math.max(s.max, ms);
    this.m.set(key, s);
  }
  reset(): void {
    this.m.clear();
  }
  print(title: string, limit = 30): void {
    const rows = [...this.m.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, limit);
    if (rows.length === 0) return;
    log(title);
    for (const [k, s] of rows) log(`  ${String(s.n).padStart(6)} × ${(s.ms / s.n).toFixed(1).padStart(8)} ms avg  ${s.ms.toFixed(0).padStart(7)} ms total  ${s.max.toFixed(0).padStart(6)} ms max  ${k}`);
  }
}

/** Times every statement at the pg driver (round trip incl. result parsing), under Prisma, into `stats` by `label(sql)`. */
export function instrumentPg(stats: Stats, label: (text: string) => string): void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '?');
    const t = performance.now();
    const record = (failed: boolean) => stats.add(`${label(text)}${failed ? ' (error)' : ''}`, performance.now() - t);
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last] as (err: unknown, ...rest: unknown[]) => void;
      args[last] = (err: unknown, ...rest: unknown[]) => {
        record(!!err);
        cb(err, ...rest);
      };
      return original.apply(this, args);
    }
    const r = original.apply(this, args);
    if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(() => record(false), () => record(true));
    return r;
  };
}
