import { Prisma } from '../../generated/prisma/client';
import type { Services } from '../../app/services';
import { Loader } from './loader';
import { keysetWhere } from '../../app/keyset';

/**
 * One page of a Relay connection for many parents at once: `workloads { edges { node {
 * scalingHistory(first: 5) } } }` or `clusters { edges { node { pods(first: 10) } } }` reads
 * every parent's page with ONE statement (a LATERAL join: each parent's own ORDER BY … LIMIT,
 * which the keyset indexes serve) plus one read of the rows by id.
 */

/** A column a page is ordered by, with the SQL type its cursor values are cast to. */
export interface OrderColumn {
  name: string;
  cast?: 'uuid' | 'timestamptz' | 'int';
}

/** How one table's pages are read. Names here are constants of the code, never input. */
export interface PageTable {
  table: string;
  /** The column that names the parent (`clusterId`, `workloadId`, `ownerId`). */
  parent: string;
  order: readonly OrderColumn[];
  /** The natural order: `asc` (a before z) or `desc` (newest first). */
  dir: 'asc' | 'desc';
}

/** What one parent's connection asks for (the decoded page of `cursorPage`). */
export interface PageKey {
  parent: string;
  after?: readonly (string | number)[];
  before?: readonly (string | number)[];
  limit: number;
  inverted: boolean;
  /** Column = value filters (namespace, kind). */
  filters?: Readonly<Record<string, string | null | undefined>>;
  /** Pods only: the pods of this workload or of the workloads it owns. */
  workload?: string;
}

const ident = (s: string) => Prisma.raw(`"${s.replace(/"/g, '""')}"`);
const col = (c: string) => Prisma.raw(`t."${c.replace(/"/g, '""')}"`);

function value(v: string | number, c: OrderColumn): Prisma.Sql {
  return c.cast ? Prisma.sql`${v}::${Prisma.raw(c.cast)}` : Prisma.sql`${v}`;
}

/** `(a, b) > (x, y)`: rows after a keyset position, in the order of `cols` (all one direction). */
function keyset(cols: readonly OrderColumn[], values: readonly (string | number)[], op: '>' | '<'): Prisma.Sql {
  const left = Prisma.join(cols.map((c) => col(c.name)));
  const right = Prisma.join(cols.map((c, i) => value(values[i], c)));
  return Prisma.sql`(${left}) ${Prisma.raw(op)} (${right})`;
}

/** The filters shared by every parent of one group (same page arguments). */
export const groupOf = (k: PageKey) => JSON.stringify([k.after ?? null, k.before ?? null, k.limit, k.inverted, k.filters ?? {}, k.workload ?? null]);

/** A page's identity: its arguments' group and its parent. */
const pageKey = (k: PageKey) => `${groupOf(k)}\u0000${k.parent}`;

/**
 * The statement reading, for each parent, the ids of its page in order: the parent's rows that
 * belong to the caller's account (through their cluster), after/before the cursors, `limit` of
 * them in the page's order. Returns `id`, `parent` and `rn` (the position in the page).
 */
export function pageIdsSql(spec: PageTable, accountId: string, parents: readonly string[], page: Omit<PageKey, 'parent'>): Prisma.Sql {
  const asc = (spec.dir === 'asc') !== page.inverted;
  const dir = Prisma.raw(asc ? 'ASC' : 'DESC');
  const forward = spec.dir === 'asc' ? '>' : '<';
  const backward = spec.dir === 'asc' ? '<' : '>';
  const where: Prisma.Sql[] = [Prisma.sql`c."accountId" = ${accountId}::uuid`, Prisma.sql`${col(spec.parent)} = p."pid"`];
  if (page.after) where.push(keyset(spec.order, page.after, forward));
  if (page.before) where.push(keyset(spec.order, page.before, backward));
  for (const [name, v] of Object.entries(page.filters ?? {})) if (v !== undefined && v !== null) where.push(Prisma.sql`${col(name)} = ${v}`);
  if (page.workload) where.push(Prisma.sql`(t."workloadId" = ${page.workload}::uuid OR t."workloadId" IN (SELECT o."id" FROM "Workload" o WHERE o."ownerId" = ${page.workload}::uuid))`);
  const orderBy = Prisma.join(spec.order.map((c) => Prisma.sql`${col(c.name)} ${dir}`));
  return Prisma.sql`SELECT x."id"::text AS "id", p."pid"::text AS "parent", x."rn"::int AS "rn"
FROM unnest(ARRAY[${Prisma.join(parents.map((id) => Prisma.sql`${id}::uuid`))}]) AS p("pid")
CROSS JOIN LATERAL (
  SELECT t."id", ROW_NUMBER() OVER (ORDER BY ${orderBy}) AS "rn"
  FROM ${ident(spec.table)} t JOIN "Cluster" c ON c."id" = t."clusterId"
  WHERE ${Prisma.join(where, ' AND ')}
  ORDER BY ${orderBy}
  LIMIT ${page.limit}
) x`;
}

/** A Prisma `findMany` argument (the one shape every table's delegate takes here). */
export interface FindArgs {
  where: Record<string, unknown>;
  orderBy?: Record<string, 'asc' | 'desc'>[];
  take?: number;
}

const prismaValue = (v: string | number, c: OrderColumn) => (c.cast === 'timestamptz' ? new Date(v) : v);

/** `(a > x) OR (a = x AND b > y) …` as a Prisma filter. */
function keysetFilter(cols: readonly OrderColumn[], values: readonly (string | number)[], op: 'gt' | 'lt'): Record<string, unknown> {
  return keysetWhere(cols.map((c) => c.name), values.map((v, i) => prismaValue(v, cols[i])), op);
}

/** One parent's page as a single Prisma query: what a page costs when it is the only one asked for. */
export function singlePageArgs(spec: PageTable, accountId: string, key: PageKey): FindArgs {
  const asc = (spec.dir === 'asc') !== key.inverted;
  const forward = spec.dir === 'asc' ? 'gt' : 'lt';
  const backward = spec.dir === 'asc' ? 'lt' : 'gt';
  const filters = Object.fromEntries(Object.entries(key.filters ?? {}).filter(([, v]) => v !== undefined && v !== null));
  return {
    where: {
      [spec.parent]: key.parent,
      cluster: { accountId },
      ...filters,
      AND: [
        key.after ? keysetFilter(spec.order, key.after, forward) : {},
        key.before ? keysetFilter(spec.order, key.before, backward) : {},
        key.workload ? { OR: [{ workloadId: key.workload }, { workload: { ownerId: key.workload } }] } : {},
      ],
    },
    orderBy: spec.order.map((c) => ({ [c.name]: asc ? 'asc' : 'desc' })),
    take: key.limit,
  };
}

/**
 * A loader of pages of one table. A page asked for alone is one query; pages of many parents
 * with the same arguments are one statement for their ids, then one read of all their rows.
 * `find` is the table's `findMany`; every query it gets filters by the account. `onRows` sees
 * every row read (to prime other loaders with them).
 */
export function pageLoader<R extends { id: string }>(db: Services['db'], accountId: string, spec: PageTable, find: (args: FindArgs) => Promise<R[]>, onRows: (rows: R[]) => void = () => {}): Loader<PageKey, R[]> {
  return new Loader<PageKey, R[]>(
    async (keys) => {
      if (keys.length === 1) {
        const page = await find(singlePageArgs(spec, accountId, keys[0]));
        onRows(page);
        return [page];
      }
      const groups = new Map<string, PageKey[]>();
      for (const k of keys) {
        const g = groupOf(k);
        const list = groups.get(g);
        if (list) list.push(k);
        else groups.set(g, [k]);
      }
      const idRows = (
        await Promise.all(
          // the loader hands each (group, parent) once
          [...groups].map(([group, ks]) =>
            db.$queryRaw<{ id: string; parent: string; rn: number }[]>(pageIdsSql(spec, accountId, ks.map((k) => k.parent), ks[0])).then((rows) => rows.map((r) => ({ ...r, group }))),
          ),
        )
      ).flat();
      const rows = idRows.length ? await find({ where: { id: { in: [...new Set(idRows.map((r) => r.id))] }, cluster: { accountId } } }) : [];
      onRows(rows);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const pages = new Map<string, { rn: number; row: R }[]>();
      for (const r of idRows) {
        const row = byId.get(r.id);
        if (!row) continue; // gone between the two reads, or not the account's
        const key = `${r.group}\u0000${r.parent}`;
        const list = pages.get(key);
        if (list) list.push({ rn: r.rn, row });
        else pages.set(key, [{ rn: r.rn, row }]);
      }
      return keys.map((k) => (pages.get(pageKey(k)) ?? []).sort((a, b) => a.rn - b.rn).map((e) => e.row));
    },
    { key: pageKey },
  );
}
