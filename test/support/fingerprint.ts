/**
 * Cheap fingerprints of the store, to assert that a refused request wrote nothing (or that
 * another tenant's requests changed nothing of an account's): per table, a row count and an md5
 * over every row as JSON, in a stable order. One SQL statement per fingerprint.
 */
import type { Db } from '../../src/adapters/prisma/client';

/** Written by reads, on purpose: a token's last use (at most once a minute). Left out of every fingerprint. */
export const READ_BOOKKEEPING_COLUMNS = ['lastUsedAt'];

export type Fingerprint = Record<string, string>;

/** The tables of the store's schema (the migrator's own bookkeeping table left out). */
export async function storeTables(db: Db): Promise<{ table: string; columns: string[] }[]> {
  const rows = await db.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_nodeless_migrations' ORDER BY table_name, ordinal_position`,
  );
  const by = new Map<string, string[]>();
  for (const r of rows) by.set(r.table_name, [...(by.get(r.table_name) ?? []), r.column_name]);
  return [...by].map(([table, columns]) => ({ table, columns }));
}

/** A row as text: the row itself (cheap), or its JSON less the read-bookkeeping columns where the table has one. */
const rowText = (columns: string[]) => {
  const skip = READ_BOOKKEEPING_COLUMNS.filter((c) => columns.includes(c));
  return skip.length ? `(to_jsonb(x) ${skip.map((c) => `- '${c}'`).join(' ')})::text` : 'x::text';
};

function fingerprintSql(parts: { table: string; columns: string[]; where: string }[]): string {
  return parts
    .map((p) => {
      const row = rowText(p.columns);
      return `SELECT '${p.table}' AS t, count(*)::int AS n, md5(coalesce(string_agg(${row}, '|' ORDER BY ${row}), '')) AS h FROM "${p.table}" x WHERE ${p.where}`;
    })
    .join('\nUNION ALL\n');
}

async function run(db: Db, sql: string): Promise<Fingerprint> {
  const rows = await db.$queryRawUnsafe<{ t: string; n: number; h: string }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
}

/** Every table, every row. */
export async function storeFingerprinter(db: Db, opts: { exclude?: string[] } = {}): Promise<() => Promise<Fingerprint>> {
  const tables = (await storeTables(db)).filter((t) => !(opts.exclude ?? []).includes(t.table));
  const sql = fingerprintSql(tables.map((t) => ({ table: t.table, columns: t.columns, where: 'true' })));
  return () => run(db, sql);
}

/**
 * Where the rows of one account are, per table: the account itself, rows carrying its accountId,
 * rows of its clusters (clusterId), of its invoices (invoiceId) and of its budgets (budgetId).
 * Tables that belong to no account (the fleet's hosts, the price catalog) are `unscoped`.
 */
export async function accountScopes(db: Db, accountId: string): Promise<{ parts: { table: string; columns: string[]; where: string }[]; unscoped: string[] }> {
  const tables = await storeTables(db);
  const a = `'${accountId.replace(/[^0-9a-f-]/gi, '')}'::uuid`;
  const parts: { table: string; columns: string[]; where: string }[] = [];
  const unscoped: string[] = [];
  for (const { table, columns } of tables) {
    const has = (c: string) => columns.includes(c);
    const where: string[] = [];
    if (table === 'Account') where.push(`x."id" = ${a}`);
    if (has('accountId')) where.push(`x."accountId" = ${a}`);
    if (has('clusterId')) where.push(`x."clusterId" IN (SELECT "id" FROM "Cluster" WHERE "accountId" = ${a})`);
    if (has('invoiceId')) where.push(`x."invoiceId" IN (SELECT "id" FROM "Invoice" WHERE "accountId" = ${a})`);
    if (has('budgetId')) where.push(`x."budgetId" IN (SELECT "id" FROM "Budget" WHERE "accountId" = ${a})`);
    if (where.length === 0) unscoped.push(table);
    else parts.push({ table, columns, where: where.map((w) => `(${w})`).join(' OR ') });
  }
  return { parts, unscoped };
}

/** A fingerprint of one account's rows (see accountScopes); `unscoped` names the tables left out. */
export async function accountFingerprinter(db: Db, accountId: string): Promise<{ fingerprint: () => Promise<Fingerprint>; unscoped: string[] }> {
  const { parts, unscoped } = await accountScopes(db, accountId);
  const sql = fingerprintSql(parts);
  return { fingerprint: () => run(db, sql), unscoped };
}

/** Every row of one account, as JSON objects by table. */
export async function accountRows(db: Db, accountId: string): Promise<Record<string, Record<string, unknown>[]>> {
  const { parts } = await accountScopes(db, accountId);
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const p of parts) {
    const rows = await db.$queryRawUnsafe<{ j: Record<string, unknown> }[]>(`SELECT to_jsonb(x) AS j FROM "${p.table}" x WHERE ${p.where}`);
    out[p.table] = rows.map((r) => r.j);
  }
  return out;
}

/** The tables whose fingerprints differ. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]).sort();
}
