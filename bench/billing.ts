/**
 * Billing benchmark (the meter and invoice finalization on the store), run with `npm run bench:billing`.
 *
 * On a fresh PostgreSQL schema (as the other benches: DATABASE_URL, default the local test
 * database; a `bench_<random>` schema is used and dropped) — or an in-memory PGlite with
 * BENCH_STORE=pglite — it creates one account and BENCH_CLUSTERS (10) clusters in ap-guangzhou
 * with the use cases of src/app, and writes BENCH_PODS_PER_CLUSTER (1,000) ledger rows per cluster
 * straight into BillablePod: every pod ended, BENCH_HOURS (10) hours long, started at a random
 * instant of November 2026 (so nearly all span 11 hour buckets), in a handful of namespaces and
 * workloads per cluster, of a few CPU/memory sizes, Intel or AMD, ~10 % spot. By default that is
 * 10,000 pods and 100,000 pod-hours. The clock is a ManualClock. Then:
 *   1. meter_ms: wall time to meter every cluster (meterCluster, BENCH_CONCURRENCY clusters at
 *      once, default 10) until every ledger row is settled, the clock after the pods ended but
 *      inside the month. It throws unless Σ UsageRecord.seconds = Σ over the rows of
 *      ceil((until − from) / 1000), so a wrong fast result is never reported;
 *   2. invoice_ms: wall time of finalizeInvoice for the month's draft invoice, the clock past the
 *      month end and the grace period (nothing is left to meter: it aggregates the buckets, rates
 *      them, stores the lines and marks the buckets invoiced). It throws unless the total is
 *      Σ of the stored lines and the lines' CPU and memory quantities are the ledger's.
 * Baselines, measured in the same run on the same database:
 *   baseline_insert_ms: the buckets the meter wrote (the same rows, per cluster, with the same
 *     concurrency), inserted with plain insertRows (one jsonb_to_recordset INSERT per cluster)
 *     into a scratch TEMP table LIKE "UsageRecord" (same columns, defaults and indexes; a temp
 *     table writes no WAL): the raw write cost the meter cannot beat;
 *   baseline_sum_ms: one SELECT SUM("seconds") of the month's buckets grouped by cluster (median
 *     of 5): the least an invoice's aggregation can cost;
 *   meter_ratio = meter_ms / baseline_insert_ms, invoice_ratio = invoice_ms / baseline_sum_ms.
 * Target (the issue): meter + invoice under 2 s.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object:
 *   {"bench":"billing","pod_hours":100000,"pods":10000,"buckets":…,"meter_ms":…,"invoice_ms":…,
 *    "baseline_insert_ms":…,"baseline_sum_ms":…,"meter_ratio":…,"invoice_ratio":…,"target_ms":2000,"store":"postgres"}
 *
 * Environment:
 *   DATABASE_URL             default postgres://postgres@127.0.0.1:5432/test (a `bench_<random>` schema is used and dropped)
 *   BENCH_STORE              `pglite`: an in-memory PGlite instead (DATABASE_URL is then ignored)
 *   BENCH_CLUSTERS           clusters (default 10; at most the per-region cluster limit, 10)
 *   BENCH_PODS_PER_CLUSTER   ledger rows per cluster (default 1000)
 *   BENCH_HOURS              each pod's billed hours (default 10)
 *   BENCH_CONCURRENCY        clusters metered at once (default 10)
 *   BENCH_SEED               PRNG seed of the pods' specs and start instants (default 42)
 *   BENCH_PROFILE=1          also print every SQL statement of the meter and of the invoice,
 *                            timed at the pg driver (PostgreSQL only; adds a little overhead)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/adapters/clock';
import { openStore, type Store } from '../src/adapters/prisma/client';
import { insertRows } from '../src/adapters/prisma/objects';
import { createAccount } from '../src/app/accounts';
import { finalizeInvoice, invoiceLines, meterCluster, type InvoiceView } from '../src/app/billing';
import { createCluster } from '../src/app/clusters';
import { buildRuntime, type Runtime } from '../src/main/compose';
import { dropSchema, testConfig } from '../test/support/stack';
import { benchTarget, instrumentPg, int, log, round, Stats, runBench } from './support';
import { mulberry32 } from '../src/core/random';

const CLUSTERS = int('BENCH_CLUSTERS', 10, 1);
const PODS_PER_CLUSTER = int('BENCH_PODS_PER_CLUSTER', 1000, 1);
const HOURS = int('BENCH_HOURS', 10, 1);
const CONCURRENCY = int('BENCH_CONCURRENCY', 10, 1);
const SEED = int('BENCH_SEED', 42, 0);
const PGLITE = process.env.BENCH_STORE === 'pglite';
const PROFILE = process.env.BENCH_PROFILE === '1';
const TARGET_MS = 2000;

const REGION = 'ap-guangzhou';
const HOUR_MS = 3_600_000;
const MONTH = '2026-11';
const MONTH_START = Date.UTC(2026, 10, 1);
const MONTH_END = Date.UTC(2026, 11, 1);
/** Pods start in the first 20 days of the month, so every one has ended by the 22nd. */
const START_SPAN_MS = 20 * 24 * HOUR_MS;
/** The meter runs after every pod ended, inside the month. */
const METER_AT = MONTH_START + START_SPAN_MS + (HOURS + 24) * HOUR_MS;

/** Billed sizes (Tencent CPU specs). */
const SIZES = [
  { cpuMilli: 250, memoryMi: 512 },
  { cpuMilli: 500, memoryMi: 1024 },
  { cpuMilli: 1000, memoryMi: 2048 },
  { cpuMilli: 2000, memoryMi: 4096 },
  { cpuMilli: 4000, memoryMi: 8192 },
];
const NAMESPACES = ['default', 'web', 'batch', 'data', 'ops'];
const WORKLOADS: { kind: string | null; name: string | null }[] = [
  { kind: 'Deployment', name: 'frontend' },
  { kind: 'Deployment', name: 'api' },
  { kind: 'Deployment', name: 'worker' },
  { kind: 'StatefulSet', name: 'db' },
  { kind: 'Job', name: 'etl' },
  { kind: 'CronJob', name: 'report' },
  { kind: null, name: null }, // bare pods
];

const LEDGER_COLUMNS: Record<string, string> = {
  podUid: 'uuid',
  accountId: 'uuid',
  clusterId: 'uuid',
  clusterName: 'text',
  region: 'text',
  currency: 'text',
  namespace: 'text',
  podName: 'text',
  workloadKind: 'text',
  workloadName: 'text',
  cpuMilli: 'int',
  memoryMi: 'int',
  cpuType: 'text',
  gpuModel: 'text',
  gpuMilli: 'int',
  spot: 'boolean',
  from: 'timestamptz',
  until: 'timestamptz',
};

const USAGE_COLUMNS: Record<string, string> = {
  podUid: 'uuid',
  hour: 'timestamptz',
  accountId: 'uuid',
  clusterId: 'uuid',
  currency: 'text',
  seconds: 'int',
  costNano: 'bigint',
  late: 'boolean',
};

interface LedgerInsert {
  podUid: string;
  accountId: string;
  clusterId: string;
  clusterName: string;
  region: string;
  currency: string;
  namespace: string;
  podName: string;
  workloadKind: string | null;
  workloadName: string | null;
  cpuMilli: number;
  memoryMi: number;
  cpuType: string;
  gpuModel: null;
  gpuMilli: number;
  spot: boolean;
  from: string;
  until: string;
}

/** One cluster's ledger: each workload (in its namespace) has one size and CPU type; ~10 % of pods are spot. */
function ledgerRows(rand: () => number, accountId: string, cluster: { id: string; name: string }, currency: string): LedgerInsert[] {
  const shapes = WORKLOADS.map((w, i) => ({
    ...w,
    namespace: NAMESPACES[(i + Math.floor(rand() * NAMESPACES.length)) % NAMESPACES.length],
    size: SIZES[Math.floor(rand() * SIZES.length)],
    cpuType: rand() < 0.7 ? 'intel' : 'amd',
  }));
  return Array.from({ length: PODS_PER_CLUSTER }, (_, i) => {
    const s = shapes[Math.floor(rand() * shapes.length)];
    const from = MONTH_START + Math.floor(rand() * START_SPAN_MS);
    return {
      podUid: randomUUID(),
      accountId,
      clusterId: cluster.id,
      clusterName: cluster.name,
      region: REGION,
      currency,
      namespace: s.namespace,
      podName: `${s.name ?? 'pod'}-${i.toString(36).padStart(5, '0')}`,
      workloadKind: s.kind,
      workloadName: s.name,
      cpuMilli: s.size.cpuMilli,
      memoryMi: s.size.memoryMi,
      cpuType: s.cpuType,
      gpuModel: null,
      gpuMilli: 0,
      spot: rand() < 0.1,
      from: new Date(from).toISOString(),
      until: new Date(from + HOURS * HOUR_MS).toISOString(),
    };
  });
}

/** Runs fn over items, at most `limit` at once. */
async function pooled<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Profiling (BENCH_PROFILE=1): every statement timed at the pg driver; src/ is not changed.

const sqlStats = new Stats();

/** A short label per statement, naming meterRows' and finalizeInvoice's statements. */
function sqlLabel(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  if (/^(BEGIN|COMMIT|ROLLBACK)/i.test(s)) return s.slice(0, 8).toUpperCase();
  if (/pg_advisory_xact_lock/.test(s)) return 'advisory lock (billing)';
  if (/FROM "BillablePod".*FOR UPDATE/.test(s)) return 'SELECT BillablePod … FOR UPDATE (due rows)';
  if (/^SELECT u\."podUid", u\."hour", u\."seconds", u\."costNano" FROM "UsageRecord"/.test(s)) return 'meterRows: old-bucket SELECT UsageRecord';
  if (/^INSERT INTO "UsageRecord"/.test(s)) return 'meterRows: upsert UsageRecord';
  if (/^UPDATE "BillablePod"/.test(s)) return 'meterRows: UPDATE BillablePod (meteredUntil, settled)';
  if (/^INSERT INTO "ClusterCost"/.test(s)) return 'meterRows: upsert ClusterCost';
  if (/^INSERT INTO "Invoice"/.test(s)) return 'ensureDrafts: INSERT Invoice';
  if (/MAX\("month"\)/.test(s)) return 'finalizedEnd: SELECT MAX(month) Invoice';
  if (/SUM\(u\."seconds" - u\."invoicedSeconds"\)/.test(s)) return 'lateGroups: SELECT … GROUP BY';
  if (/SUM\(u\."seconds"\)::bigint/.test(s)) return 'usageGroups: SELECT … GROUP BY';
  if (/^UPDATE "UsageRecord" SET "invoicedSeconds"/.test(s)) return 'markInvoiced: UPDATE UsageRecord';
  const verb = /^(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b/i.exec(s)?.[1]?.toUpperCase() ?? s.slice(0, 30);
  const table = /\b(?:FROM|INTO|UPDATE)\s+(?:"\w+"\.)?"(\w+)"/i.exec(s)?.[1];
  return `${verb} ${table ?? '?'}`;
}


// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const target = PGLITE ? null : benchTarget();
  const storeKind = PGLITE ? 'pglite' : 'postgres';
  log(`${CLUSTERS} clusters × ${PODS_PER_CLUSTER} pods × ${HOURS} h = ${CLUSTERS * PODS_PER_CLUSTER * HOURS} pod-hours, metering concurrency ${CONCURRENCY}, ${PGLITE ? 'in-memory PGlite' : `PostgreSQL schema ${target!.schema}`}${PROFILE && !PGLITE ? ', profiling' : ''}`);
  if (PROFILE && !PGLITE) instrumentPg(sqlStats, sqlLabel);
  let store: Store | null = null;
  let runtime: Runtime | null = null;
  let exitCode = 0;
  try {
    store = await openStore({ databaseUrl: target?.benchDbUrl, poolSize: Math.max(10, CONCURRENCY) });
    const clock = new ManualClock(MONTH_START - 24 * HOUR_MS);
    const config = testConfig({ DATABASE_URL: target?.benchDbUrl });
    runtime = await buildRuntime(config, { store, clock });
    const svc = runtime.svc;
    const db = svc.db;

    // ---- the ledger
    const t0 = performance.now();
    const account = await createAccount(svc, { name: 'bench-billing' });
    if (!account.account) throw new Error(`createAccount: ${JSON.stringify(account.userErrors)}`);
    const accountId = account.account.id;
    const clusters: { id: string; name: string }[] = [];
    for (let c = 0; c < CLUSTERS; c++) {
      const r = await createCluster(svc, accountId, { name: `bill-${c}`, region: REGION });
      if (!r.cluster) throw new Error(`createCluster: ${JSON.stringify(r.userErrors)}`);
      clusters.push({ id: r.cluster.id, name: r.cluster.name });
    }
    const currency = svc.fleet.regions.find((r) => r.name === REGION)?.currency ?? 'CNY';
    const rand = mulberry32(SEED);
    const ledger: LedgerInsert[] = clusters.flatMap((c) => ledgerRows(rand, accountId, c, currency));
    for (let i = 0; i < ledger.length; i += 2000) await insertRows(db, 'BillablePod', LEDGER_COLUMNS, ledger.slice(i, i + 2000));
    await db.$executeRawUnsafe(`ANALYZE "BillablePod"`); // as autovacuum would have by the time the meter runs
    const expectedSeconds = ledger.reduce((s, r) => s + Math.ceil((Date.parse(r.until) - Date.parse(r.from)) / 1000), 0);
    const expectedCpu = ledger.reduce((s, r) => s + BigInt(Math.ceil((Date.parse(r.until) - Date.parse(r.from)) / 1000)) * BigInt(r.cpuMilli), 0n);
    const expectedMemory = ledger.reduce((s, r) => s + BigInt(Math.ceil((Date.parse(r.until) - Date.parse(r.from)) / 1000)) * BigInt(r.memoryMi), 0n);
    const podHours = expectedSeconds / 3600;
    log(`ledger: ${ledger.length} ended pods (${podHours} pod-hours) in ${CLUSTERS} clusters, ${new Set(ledger.map((r) => `${r.clusterId}|${r.namespace}|${r.workloadName}`)).size} workloads, ${ledger.filter((r) => r.spot).length} spot, written in ${round(performance.now() - t0, 0)} ms`);

    // Open the pool's connections before timing (a running worker has them open).
    await Promise.all(Array.from({ length: Math.max(10, CONCURRENCY) }, () => db.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT 1'))));

    // ---- 1. meter
    clock.set(METER_AT);
    sqlStats.reset();
    const tMeter = performance.now();
    let passes = 0;
    let metered = 0;
    for (;;) {
      passes++;
      await pooled(clusters, CONCURRENCY, async (c) => {
        const pass = await meterCluster(svc, c.id);
        metered += pass.metered;
      });
      const unsettled = await db.billablePod.count({ where: { accountId, settled: false } });
      if (unsettled === 0) break;
      if (passes >= 5) throw new Error(`${unsettled} ledger rows still unsettled after ${passes} meter passes`);
    }
    const meterMs = performance.now() - tMeter;
    if (PROFILE) sqlStats.print(`SQL of the meter (pg round trip, incl. waiting for a pool connection; ${CONCURRENCY} clusters at once):`);
    const [{ seconds: meteredSeconds, buckets: bucketCount }] = await db.$queryRawUnsafe<{ seconds: bigint; buckets: bigint }[]>(`SELECT COALESCE(SUM("seconds"), 0)::bigint AS "seconds", COUNT(*)::bigint AS "buckets" FROM "UsageRecord" WHERE "accountId" = $1::uuid`, accountId);
    if (Number(meteredSeconds) !== expectedSeconds) throw new Error(`metered ${meteredSeconds} s, expected ${expectedSeconds} s`);
    const buckets = Number(bucketCount);
    log(`meter: ${metered} rows into ${buckets} hourly buckets (${round(buckets / ledger.length, 2)} per pod), ${passes} pass(es), Σ seconds = ${meteredSeconds} ✓ — ${round(meterMs, 1)} ms (${round(buckets / (meterMs / 1000), 0)} buckets/s)`);
    await db.$executeRawUnsafe(`ANALYZE "UsageRecord"`); // as autovacuum would have by the month's end

    // ---- baseline: the same buckets, plain insertRows into a scratch temp table, same concurrency
    const byCluster = new Map<string, object[]>();
    for (const c of clusters) {
      const rows = await db.$queryRawUnsafe<{ podUid: string; hour: Date; accountId: string; clusterId: string; currency: string; seconds: number; costNano: string; late: boolean }[]>(
        `SELECT "podUid", "hour", "accountId", "clusterId", "currency", "seconds", "costNano"::text AS "costNano", "late" FROM "UsageRecord" WHERE "clusterId" = $1::uuid`,
        c.id,
      );
      byCluster.set(c.id, rows.map((r) => ({ ...r, hour: new Date(r.hour).toISOString(), seconds: Number(r.seconds) })));
    }
    let insertStart = Infinity;
    let insertEnd = 0;
    let inserted = 0;
    await pooled(clusters, CONCURRENCY, async (c) => {
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`CREATE TEMP TABLE "usage_scratch" (LIKE "UsageRecord" INCLUDING ALL) ON COMMIT DROP`);
        const s = performance.now();
        insertStart = Math.min(insertStart, s);
        const n = await insertRows(tx, 'usage_scratch', USAGE_COLUMNS, byCluster.get(c.id)!);
        inserted += n;
        insertEnd = Math.max(insertEnd, performance.now());
      }, { timeout: 60_000 });
    });
    const baselineInsertMs = insertEnd - insertStart;
    if (inserted !== buckets) throw new Error(`baseline inserted ${inserted} rows, expected ${buckets}`);
    byCluster.clear();
    log(`baseline: ${inserted} bucket rows, plain insertRows into a temp table LIKE "UsageRecord" (${CONCURRENCY} at once): ${round(baselineInsertMs, 1)} ms`);

    // ---- baseline: Σ seconds of the month by cluster
    const sums: number[] = [];
    let sumRows: { clusterId: string; seconds: bigint }[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      sumRows = await db.$queryRawUnsafe(
        `SELECT "clusterId", SUM("seconds")::bigint AS "seconds" FROM "UsageRecord" WHERE "accountId" = $1::uuid AND "currency" = $2 AND "hour" >= $3 AND "hour" < $4 GROUP BY "clusterId"`,
        accountId,
        currency,
        new Date(MONTH_START),
        new Date(MONTH_END),
      );
      sums.push(performance.now() - s);
    }
    sums.sort((a, b) => a - b);
    const baselineSumMs = sums[2];
    if (sumRows.reduce((s, r) => s + Number(r.seconds), 0) !== expectedSeconds) throw new Error('baseline SUM disagrees with the ledger');
    log(`baseline: SELECT SUM(seconds) of the month's ${buckets} buckets GROUP BY cluster: ${round(baselineSumMs, 2)} ms (median of 5)`);

    // ---- 2. the invoice
    const draft = await db.invoice.findFirst({ where: { accountId, month: MONTH, status: 'DRAFT' } });
    if (!draft) throw new Error(`no draft invoice for ${MONTH}`);
    clock.set(MONTH_END + svc.settings.billing.finalizeGraceMs);
    sqlStats.reset();
    const tInvoice = performance.now();
    const invoice = await finalizeInvoice(svc, draft.id);
    const invoiceMs = performance.now() - tInvoice;
    if (PROFILE) sqlStats.print('SQL of finalizeInvoice (pg round trip):');
    if (invoice.status !== 'FINALIZED') throw new Error(`invoice is ${invoice.status}`);
    const lines = await invoiceLines(svc, invoice);
    const sum = lines.reduce((s, l) => s + l.amountMicro, 0n);
    if (invoice.totalMicro !== sum) throw new Error(`invoice total ${invoice.totalMicro} ≠ Σ lines ${sum}`);
    const quantity = (resource: string) => lines.filter((l) => l.resource === resource).reduce((s, l) => s + l.quantity, 0n);
    if (quantity('cpu') !== expectedCpu || quantity('memory') !== expectedMemory) throw new Error(`invoice quantities cpu ${quantity('cpu')} / memory ${quantity('memory')} ≠ ledger ${expectedCpu} / ${expectedMemory}`);
    const total = `${invoice.totalMicro! / 1_000_000n}.${String(invoice.totalMicro! % 1_000_000n).padStart(6, '0')}`;
    log(`invoice ${MONTH}: ${lines.length} lines, total ${currency} ${total} = Σ lines ✓, cpu/memory quantities = ledger ✓ — finalized in ${round(invoiceMs, 1)} ms`);

    const meterRatio = meterMs / baselineInsertMs;
    const invoiceRatio = invoiceMs / baselineSumMs;
    log(`meter ${round(meterMs, 1)} ms = ${round(meterRatio, 1)} × the raw insert; invoice ${round(invoiceMs, 1)} ms = ${round(invoiceRatio, 1)} × the raw SUM; meter + invoice ${round(meterMs + invoiceMs, 0)} ms vs target ${TARGET_MS} ms: ${meterMs + invoiceMs < TARGET_MS ? 'met' : 'MISSED'}`);
    const result = {
      bench: 'billing',
      pod_hours: podHours,
      pods: ledger.length,
      buckets,
      meter_ms: round(meterMs, 1),
      invoice_ms: round(invoiceMs, 1),
      baseline_insert_ms: round(baselineInsertMs, 1),
      baseline_sum_ms: round(baselineSumMs, 2),
      meter_ratio: round(meterRatio, 2),
      invoice_ratio: round(invoiceRatio, 1),
      target_ms: TARGET_MS,
      store: storeKind,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    console.error('[bench] failed:', err);
    exitCode = 1;
  } finally {
    await runtime?.close().catch((e) => console.error('[bench] close runtime:', e));
    await store?.close().catch(() => undefined);
    if (target) {
      await dropSchema(target.base.connectionString, target.schema).catch((e) => console.error('[bench] drop schema:', e));
      log(`cleaned up: schema ${target.schema} dropped`);
    }
  }
  return exitCode;
}

runBench(main);
