/**
 * Usage storage: the meter's writes (ledger rows → hourly UsageRecord buckets, the clusters'
 * month-to-date cost) and the aggregations invoices and usage reports are built from.
 */
import type { Tx } from './objects';
import { costNano, ratesOf, versionAt } from '../../core/billing/catalog';
import { meterPlan } from '../../core/billing/meter';
import { monthKey } from '../../core/billing/months';
import type { BilledSpec, PriceVersion, UsageGroup } from '../../core/billing/types';

/** A ledger row's billed spec, as its columns come back. */
type SpecColumns = Pick<BilledSpec, 'cpuType' | 'gpuModel' | 'spot'> & { cpuMilli: number | bigint; memoryMi: number | bigint; gpuMilli: number | bigint };

/** A ledger row as read for metering. */
export interface LedgerRow extends SpecColumns {
  podUid: string;
  accountId: string;
  clusterId: string;
  region: string;
  currency: string;
  from: Date;
  until: Date | null;
  meteredUntil: Date | null;
}

const LEDGER_COLUMNS = `"podUid", "accountId", "clusterId", "region", "currency", "cpuMilli", "memoryMi", "cpuType", "gpuModel", "gpuMilli", "spot", "from", "until", "meteredUntil"`;

export const specOf = (r: SpecColumns): BilledSpec => ({
  cpuMilli: Number(r.cpuMilli),
  memoryMi: Number(r.memoryMi),
  cpuType: r.cpuType,
  gpuModel: r.gpuModel,
  gpuMilli: Number(r.gpuMilli),
  spot: r.spot,
});

const d = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
function normaliseLedger(r: LedgerRow): LedgerRow {
  return { ...r, cpuMilli: Number(r.cpuMilli), memoryMi: Number(r.memoryMi), gpuMilli: Number(r.gpuMilli), from: d(r.from)!, until: d(r.until), meteredUntil: d(r.meteredUntil) };
}

/**
 * The cluster's ledger rows that need metering, locked (FOR UPDATE: a second meter waits and
 * then re-reads them, so a stale read can never overwrite a fresher write): new rows, ended rows
 * not yet settled, and running rows last metered at or before `staleBefore`. Keyset-paged by uid.
 */
export async function lockDueRows(tx: Tx, clusterId: string, staleBefore: Date, afterUid: string | null, limit: number): Promise<LedgerRow[]> {
  const rows = await tx.$queryRawUnsafe<LedgerRow[]>(
    `SELECT ${LEDGER_COLUMNS} FROM "BillablePod"
     WHERE "clusterId" = $1::uuid AND NOT "settled" AND ("until" IS NOT NULL OR "meteredUntil" IS NULL OR "meteredUntil" <= $2)
       AND ($3::uuid IS NULL OR "podUid" > $3::uuid)
     ORDER BY "podUid" LIMIT $4 FOR UPDATE`,
    clusterId,
    staleBefore,
    afterUid,
    limit,
  );
  return rows.map(normaliseLedger);
}

/** An account's unsettled rows of one currency metered before `before` (or never), locked. */
export async function lockAccountRowsBefore(tx: Tx, accountId: string, currency: string, before: Date): Promise<LedgerRow[]> {
  const rows = await tx.$queryRawUnsafe<LedgerRow[]>(
    `SELECT ${LEDGER_COLUMNS} FROM "BillablePod"
     WHERE "accountId" = $1::uuid AND "currency" = $2 AND NOT "settled" AND ("meteredUntil" IS NULL OR "meteredUntil" < $3 OR "until" IS NOT NULL)
     ORDER BY "podUid" FOR UPDATE`,
    accountId,
    currency,
    before,
  );
  return rows.map(normaliseLedger);
}

/** Start of the month after the account's last finalized (or paid, or void) invoice in this currency; 0: none. */
export async function finalizedEnd(tx: Tx, accountId: string, currency: string): Promise<number> {
  const rows = await tx.$queryRaw<{ month: string | null }[]>`
    SELECT MAX("month") AS "month" FROM "Invoice" WHERE "accountId" = ${accountId}::uuid AND "currency" = ${currency} AND "status" <> 'DRAFT'`;
  const m = rows[0]?.month;
  if (!m) return 0;
  const [y, mo] = m.split('-').map(Number);
  return Date.UTC(y, mo, 1);
}

export interface MeterResult {
  /** Rows whose buckets were written. */
  metered: number;
  /** Rows that are now settled. */
  settled: number;
  /** Cost change per (cluster, month), nano-units. */
  deltas: Map<string, { clusterId: string; month: string; costNano: bigint }>;
}

/**
 * Meters locked ledger rows up to `now` (core/billing/meter's plans): replaces each row's buckets
 * from its plan's first hour on (a bucket no longer in the plan is zeroed, never deleted), keeps
 * the clusters' month-to-date cost by the change, and records how far each row is metered. A
 * bucket of a finalized month that changes becomes `late`: the first change keeps what was
 * invoiced in `invoicedSeconds`, and the next finalization carries the difference as an
 * adjustment.
 * Every value is set, never added (except the cost, by the exact change), so re-running a pass
 * writes the same rows. The caller holds the rows' locks and the account's share lock.
 */
export async function meterRows(tx: Tx, rows: LedgerRow[], now: number, versions: PriceVersion[], finalizedEndMs: number): Promise<MeterResult> {
  const result: MeterResult = { metered: 0, settled: 0, deltas: new Map() };
  const plans = rows.flatMap((r) => {
    const until = r.until?.getTime() ?? null;
    const plan = meterPlan({ from: r.from.getTime(), until, meteredUntil: r.meteredUntil?.getTime() ?? null }, now);
    // an end at exactly where a running pod was last metered: its buckets are complete already
    if (!plan && until !== null) return [{ row: r, plan: { fromHour: Infinity, buckets: [], meteredUntil: until, final: true } }];
    return plan ? [{ row: r, plan }] : [];
  });
  if (plans.length === 0) return result;
  const old = await tx.$queryRawUnsafe<{ podUid: string; hour: Date; seconds: number; costNano: bigint }[]>(
    `SELECT u."podUid", u."hour", u."seconds", u."costNano" FROM "UsageRecord" u
     JOIN jsonb_to_recordset($1::jsonb) AS v("podUid" uuid, "fromHour" timestamptz) ON u."podUid" = v."podUid" AND u."hour" >= v."fromHour"`,
    JSON.stringify(plans.filter(({ plan }) => Number.isFinite(plan.fromHour)).map(({ row, plan }) => ({ podUid: row.podUid, fromHour: new Date(plan.fromHour).toISOString() }))),
  );
  const oldBy = new Map<string, { seconds: number; costNano: bigint }>();
  const oldOf = new Map<string, { hour: number; seconds: number; costNano: bigint }[]>();
  for (const o of old) {
    const b = { hour: d(o.hour)!.getTime(), seconds: Number(o.seconds), costNano: BigInt(o.costNano) };
    oldBy.set(`${o.podUid}|${b.hour}`, b);
    oldOf.set(o.podUid, [...(oldOf.get(o.podUid) ?? []), b]);
  }
  const writes: { podUid: string; hour: string; accountId: string; clusterId: string; currency: string; seconds: number; costNano: string; late: boolean }[] = [];
  const addDelta = (clusterId: string, hour: number, delta: bigint) => {
    if (delta === 0n) return;
    const month = monthKey(hour);
    const k = `${clusterId}|${month}`;
    const cur = result.deltas.get(k) ?? { clusterId, month, costNano: 0n };
    cur.costNano += delta;
    result.deltas.set(k, cur);
  };
  const rateCache = new Map<string, ReturnType<typeof ratesOf>>();
  for (const { row, plan } of plans) {
    const spec = specOf(row);
    const seen = new Set<number>();
    for (const b of plan.buckets) {
      seen.add(b.hour);
      const version = versionAt(versions, row.region, b.hour);
      if (!version) throw new Error(`no price catalog for region ${row.region} at ${new Date(b.hour).toISOString()}`);
      const ck = `${version.id}|${spec.cpuMilli}|${spec.memoryMi}|${spec.cpuType}|${spec.gpuModel}|${spec.gpuMilli}|${spec.spot}`;
      let rates = rateCache.get(ck);
      if (!rates) rateCache.set(ck, (rates = ratesOf(version.items, spec)));
      const cost = costNano(rates, b.seconds);
      const prev = oldBy.get(`${row.podUid}|${b.hour}`);
      if (prev && prev.seconds === b.seconds && prev.costNano === cost) continue;
      addDelta(row.clusterId, b.hour, cost - (prev?.costNano ?? 0n));
      writes.push({ podUid: row.podUid, hour: new Date(b.hour).toISOString(), accountId: row.accountId, clusterId: row.clusterId, currency: row.currency, seconds: b.seconds, costNano: cost.toString(), late: b.hour < finalizedEndMs });
    }
    // buckets of an earlier pass that this one no longer has (a running pod metered past an end recorded late)
    for (const o of oldOf.get(row.podUid) ?? []) {
      if (seen.has(o.hour) || o.seconds === 0) continue;
      addDelta(row.clusterId, o.hour, -o.costNano);
      writes.push({ podUid: row.podUid, hour: new Date(o.hour).toISOString(), accountId: row.accountId, clusterId: row.clusterId, currency: row.currency, seconds: 0, costNano: '0', late: o.hour < finalizedEndMs });
    }
  }
  if (writes.length > 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO "UsageRecord" ("podUid", "hour", "accountId", "clusterId", "currency", "seconds", "costNano", "late")
       SELECT v."podUid", v."hour", v."accountId", v."clusterId", v."currency", v."seconds", v."costNano", v."late"
       FROM jsonb_to_recordset($1::jsonb) AS v("podUid" uuid, "hour" timestamptz, "accountId" uuid, "clusterId" uuid, "currency" text, "seconds" int, "costNano" bigint, "late" boolean)
       ON CONFLICT ("podUid", "hour") DO UPDATE SET "seconds" = EXCLUDED."seconds", "costNano" = EXCLUDED."costNano",
         "invoicedSeconds" = CASE WHEN EXCLUDED."late" AND NOT "UsageRecord"."late" THEN "UsageRecord"."seconds" ELSE "UsageRecord"."invoicedSeconds" END,
         "late" = "UsageRecord"."late" OR EXCLUDED."late"`,
      JSON.stringify(writes),
    );
  }
  await tx.$executeRawUnsafe(
    `UPDATE "BillablePod" AS b SET "meteredUntil" = v."meteredUntil", "settled" = v."settled"
     FROM jsonb_to_recordset($1::jsonb) AS v("podUid" uuid, "meteredUntil" timestamptz, "settled" boolean) WHERE b."podUid" = v."podUid"`,
    JSON.stringify(plans.map(({ row, plan }) => ({ podUid: row.podUid, meteredUntil: new Date(plan.meteredUntil).toISOString(), settled: plan.final }))),
  );
  const accountOf = new Map(rows.map((r) => [r.clusterId, { accountId: r.accountId, currency: r.currency }]));
  if (result.deltas.size > 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO "ClusterCost" ("clusterId", "month", "accountId", "currency", "costNano", "updatedAt")
       SELECT v."clusterId", v."month", v."accountId", v."currency", v."costNano", $2 FROM jsonb_to_recordset($1::jsonb) AS v("clusterId" uuid, "month" text, "accountId" uuid, "currency" text, "costNano" bigint)
       ON CONFLICT ("clusterId", "month") DO UPDATE SET "costNano" = "ClusterCost"."costNano" + EXCLUDED."costNano", "updatedAt" = EXCLUDED."updatedAt"`,
      JSON.stringify([...result.deltas.values()].map((x) => ({ ...accountOf.get(x.clusterId)!, clusterId: x.clusterId, month: x.month, costNano: x.costNano.toString() }))),
      new Date(now),
    );
  }
  result.metered = plans.length;
  result.settled = plans.filter((p) => p.plan.final).length;
  return result;
}

/** Makes sure the account has a DRAFT invoice for each of these months (the months its usage accrues in). */
export async function ensureDrafts(tx: Tx, accountId: string, currency: string, months: string[], uuid: () => string): Promise<void> {
  if (months.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO "Invoice" ("id", "accountId", "month", "currency") SELECT v."id", $2::uuid, v."month", $3 FROM jsonb_to_recordset($1::jsonb) AS v("id" uuid, "month" text)
     ON CONFLICT ("accountId", "currency", "month") DO NOTHING`,
    JSON.stringify([...new Set(months)].map((month) => ({ id: uuid(), month }))),
    accountId,
    currency,
  );
}

/** The end of the last version's range (a date PostgreSQL can hold). */
const FAR_FUTURE = Date.UTC(9999, 11, 31);

/** Version ranges for SQL: [effectiveFrom, next version's effectiveFrom) per region. */
function versionRanges(versions: PriceVersion[]): { region: string; id: string; lo: string; hi: string }[] {
  const byRegion = new Map<string, PriceVersion[]>();
  for (const v of versions) byRegion.set(v.region, [...(byRegion.get(v.region) ?? []), v]);
  const out: { region: string; id: string; lo: string; hi: string }[] = [];
  for (const [region, list] of byRegion) {
    const sorted = [...list].sort((a, b) => a.effectiveFrom - b.effectiveFrom);
    sorted.forEach((v, i) => out.push({ region, id: v.id, lo: new Date(v.effectiveFrom).toISOString(), hi: new Date(i + 1 < sorted.length ? sorted[i + 1].effectiveFrom : FAR_FUTURE).toISOString() }));
  }
  return out;
}

/** What a line and its rates depend on: the pod's place and spec, and the bucket's price version. */
const GROUP_DIMENSIONS = `b."clusterId", b."clusterName", b."namespace", b."workloadKind", b."workloadName", b."cpuMilli", b."memoryMi", b."cpuType", b."gpuModel", b."gpuMilli", b."spot", v."id"`;

/** Buckets with their ledger row and the price version of their hour (the ranges are $1). */
const GROUP_SOURCE = `FROM "UsageRecord" u
     JOIN "BillablePod" b ON b."podUid" = u."podUid"
     JOIN jsonb_to_recordset($1::jsonb) AS v("region" text, "id" text, "lo" timestamptz, "hi" timestamptz) ON v."region" = b."region" AND u."hour" >= v."lo" AND u."hour" < v."hi"`;

interface GroupRow extends SpecColumns {
  clusterId: string;
  clusterName: string;
  namespace: string;
  workloadKind: string | null;
  workloadName: string | null;
  id: string;
  seconds: bigint | number | string;
  adjustmentFor: string | null;
  hour?: Date;
}

export interface UsageScope {
  accountId: string;
  currency: string;
  clusterId?: string;
  /** Buckets with from ≤ hour < to. */
  from: Date;
  to: Date;
}

/**
 * Σ seconds by line dimensions, spec and price version over a range of hours (optionally also
 * by hour). One query; the version of each bucket comes from the ranges joined in.
 */
export async function usageGroups(tx: Tx, scope: UsageScope, versions: PriceVersion[], byHour = false): Promise<(UsageGroup & { hour: number | null })[]> {
  const rows = await tx.$queryRawUnsafe<GroupRow[]>(
    `SELECT ${GROUP_DIMENSIONS}, SUM(u."seconds")::bigint AS "seconds", NULL::text AS "adjustmentFor"${byHour ? ', u."hour"' : ''}
     ${GROUP_SOURCE}
     WHERE u."accountId" = $2::uuid AND u."currency" = $3 AND u."hour" >= $4 AND u."hour" < $5 AND ($6::uuid IS NULL OR u."clusterId" = $6::uuid) AND u."seconds" <> 0
     GROUP BY ${GROUP_DIMENSIONS}${byHour ? ', u."hour"' : ''}`,
    JSON.stringify(versionRanges(versions)),
    scope.accountId,
    scope.currency,
    scope.from,
    scope.to,
    scope.clusterId ?? null,
  );
  return rows.map((r) => toGroup(r, byHour ? d(r.hour)!.getTime() : null));
}

/** Late usage: Σ (seconds − invoiced seconds) of late buckets of months before `before`, by month. */
export async function lateGroups(tx: Tx, accountId: string, currency: string, before: Date, versions: PriceVersion[]): Promise<UsageGroup[]> {
  const rows = await tx.$queryRawUnsafe<GroupRow[]>(
    `SELECT ${GROUP_DIMENSIONS}, SUM(u."seconds" - u."invoicedSeconds")::bigint AS "seconds", to_char(u."hour" AT TIME ZONE 'UTC', 'YYYY-MM') AS "adjustmentFor"
     ${GROUP_SOURCE}
     WHERE u."accountId" = $2::uuid AND u."late" AND u."currency" = $3 AND u."hour" < $4
     GROUP BY ${GROUP_DIMENSIONS}, "adjustmentFor"`,
    JSON.stringify(versionRanges(versions)),
    accountId,
    currency,
    before,
  );
  return rows.map((r) => toGroup(r, null)).filter((g) => g.seconds !== 0n);
}

function toGroup(r: GroupRow, hour: number | null): UsageGroup & { hour: number | null } {
  return {
    clusterId: r.clusterId,
    clusterName: r.clusterName,
    namespace: r.namespace,
    workloadKind: r.workloadKind,
    workloadName: r.workloadName,
    spec: specOf(r),
    versionId: r.id,
    seconds: BigInt(r.seconds),
    adjustmentFor: r.adjustmentFor,
    hour,
  };
}

/**
 * After finalization: the late buckets carried as adjustments are invoiced now. (The month's own
 * buckets need no write: a bucket of a finalized month that is not late holds what was invoiced;
 * the meter keeps the invoiced seconds when it first changes one, see meterRows.)
 */
export async function markInvoiced(tx: Tx, accountId: string, currency: string, before: Date): Promise<void> {
  await tx.$executeRaw`
    UPDATE "UsageRecord" SET "invoicedSeconds" = "seconds", "late" = false
    WHERE "accountId" = ${accountId}::uuid AND "late" AND "currency" = ${currency} AND "hour" < ${before}`;
}
