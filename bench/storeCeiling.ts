/**
 * The store's ceiling for a write path, measured on the same database in the same run (used by
 * bench/scale-out.ts):
 *   1. rowWrites(): what the path actually wrote, read from PostgreSQL's own counters
 *      (pg_stat_user_tables: rows inserted, updated, deleted per table, triggers' writes included)
 *      before and after the measured window;
 *   2. replay(): the same number of row writes per pod, table by table, in the best batch form
 *      PostgreSQL offers a client (multi-row INSERT … SELECT FROM jsonb_populate_recordset, and
 *      UPDATE/DELETE joined to such a record set; one transaction per batch of pods) into scratch
 *      copies of the tables (same columns, defaults and indexes, rows copied from the run), over
 *      at least `minRows` rows. Pods per second of that replay is the ceiling.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sleep } from './support';

export interface TableWrites {
  table: string;
  inserted: number;
  updated: number;
  deleted: number;
}

type Counters = Map<string, { ins: number; upd: number; del: number }>;

async function counters(c: pg.Client, schema: string): Promise<Counters> {
  await c.query('SELECT pg_stat_clear_snapshot()');
  const r = await c.query<{ relname: string; ins: string; upd: string; del: string }>(
    `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del FROM pg_stat_user_tables WHERE schemaname = $1`,
    [schema],
  );
  return new Map(r.rows.map((x) => [x.relname, { ins: Number(x.ins), upd: Number(x.upd), del: Number(x.del) }]));
}

/**
 * PostgreSQL publishes a backend's counters at the end of a transaction at most once a second,
 * and those of a backend gone idle 10 s later: the counters are read once they have not moved
 * for 11 s (all writers idle).
 */
async function quiet(c: pg.Client, schema: string): Promise<Counters> {
  let last = '';
  let since = Date.now();
  for (;;) {
    const now = await counters(c, schema);
    const key = JSON.stringify([...now]);
    if (key !== last) {
      last = key;
      since = Date.now();
    } else if (Date.now() - since >= 11_000) return now;
    await sleep(1000);
  }
}

/** Snapshots the row counters of a schema's tables once the writers are idle; `since()` returns the writes after it. */
export async function rowWrites(connectionString: string, schema: string): Promise<{ since: () => Promise<TableWrites[]> }> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  const before = await quiet(c, schema);
  return {
    since: async () => {
      try {
        const now = await quiet(c, schema);
        const out: TableWrites[] = [];
        for (const [table, n] of now) {
          const b = before.get(table) ?? { ins: 0, upd: 0, del: 0 };
          const w = { table, inserted: n.ins - b.ins, updated: n.upd - b.upd, deleted: n.del - b.del };
          if (w.inserted + w.updated + w.deleted > 0 && !table.startsWith('_')) out.push(w);
        }
        return out.sort((a, b) => b.inserted + b.updated + b.deleted - (a.inserted + a.updated + a.deleted));
      } finally {
        await c.end();
      }
    },
  };
}

interface Scratch {
  name: string;
  /** Primary-key columns (rows to update and delete are picked by them). */
  key: string[];
  /** Columns of unique indexes (key included): varied per generated row. */
  unique: { name: string; type: string }[];
  template: Record<string, unknown>;
  /** Per pod. */
  ins: number;
  upd: number;
  del: number;
  /** Generated rows so far (for unique values), and the keys of rows present. */
  made: number;
  present: Record<string, unknown>[];
}

/**
 * Replays `writes` (made for `pods` pods) scaled to at least `minRows` rows, in batches of
 * `batchPods` pods per transaction; returns the pods per second of the replay.
 */
export async function replay(connectionString: string, schema: string, writes: TableWrites[], pods: number, minRows: number, batchPods = 500): Promise<{ podsPerS: number; seconds: number; pods: number; rows: number }> {
  const perPod = writes.reduce((n, w) => n + w.inserted + w.updated + w.deleted, 0) / pods;
  const total = Math.max(pods, Math.ceil(minRows / Math.max(perPod, 1e-9)));
  const c = new pg.Client({ connectionString, options: `-c search_path="${schema}"` });
  await c.connect();
  const tables: Scratch[] = [];
  try {
    for (const w of writes) {
      const name = `bench_scratch_${w.table}`;
      await c.query(`DROP TABLE IF EXISTS "${name}"`);
      await c.query(`CREATE TABLE "${name}" (LIKE "${w.table}" INCLUDING DEFAULTS INCLUDING INDEXES)`);
      const t = await c.query(`SELECT to_jsonb(t) AS row FROM "${w.table}" t LIMIT 1`);
      if (t.rows.length === 0) continue; // nothing left to copy (all deleted): its writes are left out
      const idx = await c.query<{ col: string; type: string; primary: boolean }>(
        `SELECT a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type, i.indisprimary AS primary
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = $1::regclass AND i.indisunique`,
        [`"${schema}"."${name}"`],
      );
      const unique = [...new Map(idx.rows.map((r) => [r.col, { name: r.col, type: r.type }])).values()];
      tables.push({ name, key: idx.rows.filter((r) => r.primary).map((r) => r.col), unique, template: t.rows[0].row, ins: w.inserted / pods, upd: w.updated / pods, del: w.deleted / pods, made: 0, present: [] });
    }
    const fresh = (t: Scratch) => {
      const row = { ...t.template };
      const i = t.made++;
      for (const u of t.unique) {
        if (u.type === 'uuid') row[u.name] = randomUUID();
        else if (/int|numeric/.test(u.type)) row[u.name] = Number(row[u.name] ?? 0) + 1_000_000_000 + i;
        else if (/timestamp/.test(u.type)) row[u.name] = new Date(Date.parse(String(row[u.name] ?? '2026-01-01T00:00:00Z')) + 1000 * (i + 1)).toISOString();
        else row[u.name] = `${String(row[u.name] ?? '')}~${i}`;
      }
      return row;
    };
    const insert = (t: Scratch, rows: Record<string, unknown>[]) => c.query(`INSERT INTO "${t.name}" SELECT * FROM jsonb_populate_recordset(NULL::"${t.name}", $1::jsonb)`, [JSON.stringify(rows)]);
    const match = (t: Scratch) => t.key.map((k) => `s."${k}" = v."${k}"`).join(' AND ');
    let done = 0;
    let rows = 0;
    // tables only updated (a cluster's or a host's row): the rows exist before the run
    for (const t of tables) {
      if (t.ins === 0 && t.key.length > 0) {
        const seed = Array.from({ length: Math.max(1, Math.min(100, Math.ceil(t.upd * batchPods))) }, () => fresh(t));
        await insert(t, seed);
        t.present.push(...seed);
      }
    }
    const carry = new Map<Scratch, { ins: number; upd: number; del: number }>(tables.map((t) => [t, { ins: 0, upd: 0, del: 0 }]));
    const t0 = performance.now();
    while (done < total) {
      const n = Math.min(batchPods, total - done);
      await c.query('BEGIN');
      for (const t of tables) {
        const k = carry.get(t)!;
        k.ins += t.ins * n;
        k.upd += t.upd * n;
        k.del += t.del * n;
        const ins = Math.floor(k.ins);
        k.ins -= ins;
        if (ins > 0) {
          const batch = Array.from({ length: ins }, () => fresh(t));
          await insert(t, batch);
          t.present.push(...batch);
          rows += ins;
        }
        if (t.key.length === 0) continue;
        let upd = Math.floor(k.upd);
        k.upd -= upd;
        rows += upd;
        // one statement updates each row once: rows updated more often than that take more statements
        while (upd > 0 && t.present.length > 0) {
          const m = Math.min(upd, t.present.length);
          const targets = t.present.slice(t.present.length - m);
          const cols = Object.keys(t.template).filter((x) => !t.key.includes(x));
          await c.query(`UPDATE "${t.name}" AS s SET ${cols.map((x) => `"${x}" = v."${x}"`).join(', ')} FROM jsonb_populate_recordset(NULL::"${t.name}", $1::jsonb) AS v WHERE ${match(t)}`, [JSON.stringify(targets)]);
          upd -= m;
        }
        const del = Math.min(Math.floor(k.del), t.present.length);
        k.del -= Math.floor(k.del);
        if (del > 0) {
          const gone = t.present.splice(0, del);
          await c.query(`DELETE FROM "${t.name}" AS s USING jsonb_populate_recordset(NULL::"${t.name}", $1::jsonb) AS v WHERE ${match(t)}`, [JSON.stringify(gone)]);
          rows += del;
        }
      }
      await c.query('COMMIT');
      done += n;
    }
    const seconds = (performance.now() - t0) / 1000;
    return { podsPerS: total / seconds, seconds, pods: total, rows };
  } finally {
    for (const t of tables) await c.query(`DROP TABLE IF EXISTS "${t.name}"`).catch(() => undefined);
    await c.end();
  }
}
