import { readdirSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../../generated/prisma/client';

export type Db = PrismaClient;

export interface Store {
  prisma: PrismaClient;
  kind: 'postgres' | 'pglite';
  /** PostgreSQL schema the tables live in. */
  schema: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… (a `schema` query parameter selects the PostgreSQL schema). Unset → PGlite. */
  databaseUrl?: string;
  /** PGlite data folder; unset (with no databaseUrl) → in-memory PGlite. */
  dataDir?: string;
  /** Called for every SQL statement Prisma sends (used by tests to count queries). */
  onQuery?: (sql: string) => void;
  poolSize?: number;
}

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prisma/migrations');

/** Splits a DATABASE_URL into the connection string pg understands and the schema name. */
export function parseDatabaseUrl(url: string): { connectionString: string; schema: string } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  u.searchParams.delete('schema');
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new Error(`invalid schema name in DATABASE_URL: ${schema}`);
  return { connectionString: u.toString(), schema };
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts);
  return openPglite(opts);
}

function makeClient(adapter: PrismaPg | PrismaPGlite, onQuery?: (sql: string) => void): PrismaClient {
  if (!onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ level: 'query', emit: 'event' }] });
  client.$on('query', (e: { query: string }) => onQuery(e.query));
  return client as unknown as PrismaClient;
}

async function openPostgres(url: string, opts: StoreOptions): Promise<Store> {
  const { connectionString, schema } = parseDatabaseUrl(url);
  const pool = new pg.Pool({ connectionString, max: opts.poolSize ?? 10, options: `-c search_path="${schema}"` });
  const client = await pool.connect();
  try {
    // Several processes may start at once: one creates the schema and migrates, the others wait
    // (the lock is database-wide, so it is taken before the schema exists; CREATE SCHEMA IF NOT
    // EXISTS alone is not safe against concurrent creators).
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`nodeless-migrate:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await migrate({ exec: (sql) => client.query(sql).then(() => undefined), query: (sql) => client.query(sql).then((r) => r.rows) });
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`nodeless-migrate:${schema}`]);
    }
  } finally {
    client.release();
  }
  const prisma = makeClient(new PrismaPg(pool, { schema }), opts.onQuery);
  return {
    prisma,
    kind: 'postgres',
    schema,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

async function openPglite(opts: StoreOptions): Promise<Store> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const db = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  await db.waitReady;
  await migrate({ exec: (sql) => db.exec(sql).then(() => undefined), query: (sql) => db.query(sql).then((r) => r.rows as Record<string, unknown>[]) });
  const prisma = makeClient(new PrismaPGlite(db), opts.onQuery);
  return {
    prisma,
    kind: 'pglite',
    schema: 'public',
    async close() {
      await prisma.$disconnect();
      await db.close();
    },
  };
}

interface SqlRunner {
  exec(sql: string): Promise<void>;
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/** The migration folders, oldest first. */
export function listMigrations(dir = migrationsDir): { name: string; sql: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(path.join(dir, d, 'migration.sql')))
    .sort()
    .map((name) => ({ name, sql: readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') }));
}

/**
 * Applies the committed SQL migrations that have not run yet, each in its own transaction, and
 * records them in `_nodeless_migrations`. Runs with the connection's search_path as the schema.
 */
export async function migrate(db: SqlRunner, dir = migrationsDir): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS "_nodeless_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const done = new Set((await db.query(`SELECT "name" FROM "_nodeless_migrations"`)).map((r) => String(r.name)));
  const applied: string[] = [];
  for (const m of listMigrations(dir)) {
    if (done.has(m.name)) continue;
    // The generated SQL starts with CREATE SCHEMA "public"; tables are unqualified, so they land
    // in the connection's schema.
    await db.exec(`BEGIN;\n${m.sql}\nINSERT INTO "_nodeless_migrations" ("name") VALUES ('${m.name.replace(/'/g, "''")}');\nCOMMIT;`);
    applied.push(m.name);
  }
  return applied;
}
