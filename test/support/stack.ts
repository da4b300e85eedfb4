import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { openStore, parseDatabaseUrl, type Store } from '../../src/adapters/prisma/client';
import { loadConfig, type Config } from '../../src/config';
import { startApp, type App } from '../../src/main/app';
import type { Overrides } from '../../src/main/compose';
import type { Clock } from '../../src/ports/clock';

/** True when CI (or the developer) asks for the real services: then their absence is a failure. */
export const servicesRequired = process.env.NODELESS_REQUIRE_SERVICES === '1';
export const hasPostgres = !!process.env.DATABASE_URL;
export const hasRedis = !!process.env.REDIS_URL;

/**
 * A store for one test file: a fresh PostgreSQL schema when DATABASE_URL is set (dropped at the
 * end), an in-memory PGlite otherwise. Same migrations, same code.
 */
export async function testStore(opts: { onQuery?: (sql: string) => void } = {}): Promise<Store & { databaseUrl?: string }> {
  if (!process.env.DATABASE_URL) return openStore({ onQuery: opts.onQuery });
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const base = parseDatabaseUrl(process.env.DATABASE_URL);
  const u = new URL(base.connectionString);
  u.searchParams.set('schema', schema);
  const databaseUrl = u.toString();
  const store = await openStore({ databaseUrl, onQuery: opts.onQuery });
  return {
    ...store,
    databaseUrl,
    async close() {
      await store.close();
      await dropSchema(base.connectionString, schema);
    },
  };
}

export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NODELESS_ALLOW_SIGNUP: 'true',
    NODELESS_BOOT_MS: '0',
    NODELESS_PULL_MS: '0',
    NODELESS_STOP_MS: '0',
    NODELESS_CLUSTER_PROVISION_MS: '0',
    NODELESS_RESYNC_MS: '0',
    NODELESS_LOG_LEVEL: 'warn',
    // test files sign up many accounts from 127.0.0.1 and query hard: the guard's own tests set low limits
    NODELESS_SIGNUPS_PER_HOUR: '100000',
    NODELESS_RATE_POINTS_PER_MINUTE: '100000000',
    NODELESS_RATE_ANONYMOUS_POINTS_PER_MINUTE: '100000000',
    NODELESS_RATE_METRIC_SAMPLES_PER_MINUTE: '100000000',
    ...env,
  });
}

export interface Stack {
  app: App;
  /** With a driven clock: resolves once the worker is idle and nothing is due before the clock's now. */
  converge(clock: Clock): Promise<void>;
  url: string;
  wsUrl: string;
  gql: Gql;
  signup(name?: string): Promise<{ token: string; accountId: string }>;
  stop(): Promise<void>;
}

/** The api and worker in this process, with a real HTTP and WebSocket server on a free port. */
export async function startStack(opts: { env?: Record<string, string>; overrides?: Overrides; worker?: boolean; store?: Store } = {}): Promise<Stack> {
  const store = opts.store ?? (await testStore());
  const config = testConfig(opts.env);
  const app = await startApp(config, { api: true, worker: opts.worker ?? true }, { store, ...opts.overrides });
  const url = app.api!.url;
  const gql = makeGql(url);
  return {
    app,
    url,
    wsUrl: app.api!.wsUrl,
    gql,
    signup: (name = 'tester') => signup(gql, name),
    async converge(clock) {
      const { worker, runtime } = app;
      for (let round = 0; round < 1000; round++) {
        await worker!.idle();
        const { inFlight } = await runtime.svc.queue.size();
        const next = await runtime.svc.queue.nextDueAt();
        if (inFlight === 0 && (next === null || next > clock.now())) return;
      }
      throw new Error('did not converge');
    },
    async stop() {
      await app.stop();
      if (!opts.store) await store.close();
    },
  };
}

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string }; path?: (string | number)[] }[];
}
export type Gql = <T = any>(query: string, variables?: Record<string, unknown>, token?: string) => Promise<GqlResult<T>>;

export function makeGql(url: string): Gql {
  return async (query, variables, token) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult;
  };
}

export async function signup(gql: Gql, name: string): Promise<{ token: string; accountId: string }> {
  const r = await gql(`mutation($n: String!) { createAccount(input: { name: $n }) { token account { id } userErrors { code } } }`, { n: name });
  if (!r.data?.createAccount?.token) throw new Error(`sign-up failed: ${JSON.stringify(r)}`);
  return { token: r.data.createAccount.token, accountId: r.data.createAccount.account.id };
}

/**
 * A live graphql-ws subscription over a real socket that records every message and lets a
 * test await the first one (from now or from the start) matching a predicate.
 */
export class Subscription<T = any> {
  readonly items: T[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  private waiters: { pred: (items: T[]) => boolean; resolve: () => void }[] = [];
  private dispose: () => void = () => {};
  private client: Client;

  constructor(wsUrl: string, token: string | null, query: string, variables: Record<string, unknown>, pick: (data: any) => T) {
    this.client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: token ? { authorization: `Bearer ${token}` } : {}, retryAttempts: 0, lazy: false });
    this.dispose = this.client.subscribe(
      { query, variables },
      {
        next: (m) => {
          if (m.errors) this.errors.push(...m.errors);
          if (m.data) this.items.push(pick(m.data));
          this.check();
        },
        error: (e) => {
          this.errors.push(e);
          this.check();
        },
        complete: () => {
          this.completed = true;
          this.check();
        },
      },
    );
  }

  private check() {
    this.waiters = this.waiters.filter((w) => {
      if (w.pred(this.items) || this.errors.length > 0 || this.completed) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Resolves when `pred(items)` holds (or the stream errors/completes); rejects after a generous bound. */
  until(pred: (items: T[]) => boolean, what = 'condition', timeoutMs = 30_000): Promise<void> {
    if (pred(this.items)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${this.items.length} items, errors ${JSON.stringify(this.errors)}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          if (!pred(this.items)) reject(new Error(`subscription ended before ${what}: ${JSON.stringify(this.errors)}`));
          else resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    this.dispose();
    await this.client.dispose();
  }
}

/** Polls an async condition (for real I/O across processes only; bounded; never to let time pass). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { nginxDeployment } from './docs';

export const POD_EVENTS = `subscription($c: ID!, $since: Int) { podEvents(clusterId: $c, since: $since) { sequence type reason message pod { name phase status billedSpec { cpu memory } } } }`;
export interface PodEventItem {
  sequence: number;
  type: string;
  reason: string;
  message: string;
  pod: { name: string; phase: string; status: string; billedSpec: { cpu: string; memory: string } };
}
