/**
 * Billing use cases: metering a cluster, finalizing invoices, the price catalog, quotes,
 * budgets, usage reports and the live cost of a cluster. Pure rules live in core/billing; the
 * SQL in adapters/prisma/usage.ts.
 */
import { Prisma } from '../generated/prisma/client';
import type { Services } from './services';
import type { Tx } from '../adapters/prisma/objects';
import { AppError, capUserErrors, isUniqueViolation, notFound, type UserError } from './errors';
import { checkManifestSize } from './limits';
import { checkAnnotations, checkPodSpecLimits } from '../core/objectLimits';
import { ErrorBudget } from '../core/validation/errors';
import { findCluster, isUuid } from './clusters';
import { ensureDrafts, finalizedEnd, lateGroups, lockAccountRowsBefore, lockDueRows, markInvoiced, meterRows, specOf, usageGroups, type LedgerRow, type MeterResult } from '../adapters/prisma/usage';
import { costNano, defaultPriceVersion, quote, ratesOf, validatePriceItems, versionAt, type Quote } from '../core/billing/catalog';
import { invoiceTotal, rateGroups } from '../core/billing/invoice';
import { parseDecimal } from '../core/billing/money';
import { monthKey, monthStart, nextMonthStart, parseMonthKey } from '../core/billing/months';
import { crossedThresholds } from '../core/billing/budget';
import { hourStart } from '../core/billing/meter';
import { HOUR_MS, type BilledSpec, type InvoiceLine, type PriceItems, type PriceVersion } from '../core/billing/types';
import { sizePod, SPOT_ANNOTATION } from '../core/sizing';
import { topics } from './topics';

/** Ledger rows metered per transaction. */
export const METER_BATCH = 2000;

/** The currency a region bills in (its fleet entry's; CNY when the region is unknown). */
export function regionCurrency(svc: Services, region: string): string {
  return svc.fleet.regions.find((r) => r.name === region)?.currency ?? 'CNY';
}

/** Every price version of these regions: the built-in default (from epoch 0), then the published ones. */
export async function loadVersions(svc: Services, regions: string[], tx?: Tx): Promise<PriceVersion[]> {
  const db = tx ?? svc.db;
  const unique = [...new Set(regions)];
  const rows = unique.length === 0 ? [] : await db.priceVersion.findMany({ where: { region: { in: unique } }, orderBy: { effectiveFrom: 'asc' } });
  return [
    ...unique.map((r) => defaultPriceVersion(r, regionCurrency(svc, r))),
    ...rows.map((r) => ({ id: r.id, region: r.region, currency: r.currency, effectiveFrom: r.effectiveFrom.getTime(), items: r.items as unknown as PriceItems })),
  ];
}

const billingLock = (accountId: string) => `billing:${accountId}`;

/** Meter transactions of one account share this lock; finalizing its invoices takes it alone. */
async function lockBilling(tx: Tx, accountId: string, exclusive: boolean): Promise<void> {
  if (exclusive) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${billingLock(accountId)}))`;
  else await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtext(${billingLock(accountId)}))`;
}

export interface ClusterMeterPass {
  /** Ledger rows this pass looked at (new, ended, or due running rows). */
  touched: number;
  metered: number;
  /** Running (not yet ended) ledger rows remain: meter again after meterIntervalMs. */
  running: boolean;
  accountId: string | null;
}

/**
 * One meter pass over a cluster's ledger: new and ended rows, and running rows last metered a
 * meter interval ago or more, in batches of METER_BATCH, each batch one transaction (a crash
 * rolls the batch back; the next pass meters it again, to the same values).
 */
export async function meterCluster(svc: Services, clusterId: string): Promise<ClusterMeterPass> {
  const first = await svc.db.billablePod.findFirst({ where: { clusterId }, select: { accountId: true, region: true, currency: true } });
  if (!first) return { touched: 0, metered: 0, running: false, accountId: null };
  const versions = await loadVersions(svc, [first.region]);
  let after: string | null = null;
  let metered = 0;
  let touched = 0;
  for (;;) {
    const now = svc.clock.now();
    const batch: { rows: LedgerRow[]; result: MeterResult } = await svc.db.$transaction(async (tx) => {
      await lockBilling(tx, first.accountId, false);
      const rows = await lockDueRows(tx, clusterId, new Date(now - svc.settings.billing.meterIntervalMs + 1000), after, METER_BATCH);
      if (rows.length === 0) return { rows, result: { metered: 0, settled: 0, deltas: new Map() } };
      const end = await finalizedEnd(tx, first.accountId, first.currency);
      const result = await meterRows(tx, rows, now, versions, end);
      const months = [...result.deltas.values()].map((x) => (parseMonthKey(x.month)! < end ? monthKey(now) : x.month));
      await ensureDrafts(tx, first.accountId, first.currency, months, () => svc.ids.uuid());
      return { rows, result };
    }, { timeout: 60_000 });
    metered += batch.result.metered;
    touched += batch.rows.length;
    if (batch.rows.length < METER_BATCH) break;
    after = batch.rows[batch.rows.length - 1].podUid;
  }
  const running = (await svc.db.billablePod.count({ where: { clusterId, until: null } })) > 0;
  return { touched, metered, running, accountId: first.accountId };
}

// ---------------------------------------------------------------- live cost and budgets

/** A cluster's cost this month so far, and how fast it grows (for a live ticker). */
export interface CostTick {
  clusterId: string;
  month: string;
  currency: string;
  /** Month-to-date cost (nano-units): metered buckets plus what running pods accrued since. */
  amountNano: bigint;
  /** What the running pods cost per hour now (nano-units). */
  burnRateNanoPerHour: bigint;
  runningPods: number;
  asOf: number;
}

export async function costTick(svc: Services, clusterId: string, region: string): Promise<CostTick> {
  return (await costTicks(svc, [{ id: clusterId, region }]))[0];
}

/**
 * The cost ticks of several clusters with three statements whatever their number (a page of
 * clusters showing their cost); with `accountId`, only that account's rows are read.
 */
export async function costTicks(svc: Services, clusters: readonly { id: string; region: string }[], accountId?: string): Promise<CostTick[]> {
  if (clusters.length === 0) return [];
  const now = svc.clock.now();
  const month = monthKey(now);
  const ids = [...new Set(clusters.map((c) => c.id))];
  const ofAccount = accountId ? Prisma.sql`AND "accountId" = ${accountId}::uuid` : Prisma.empty;
  const [costs, running, versions] = await Promise.all([
    svc.db.clusterCost.findMany({ where: { clusterId: { in: ids }, month, ...(accountId ? { accountId } : {}) } }),
    svc.db.$queryRaw<{ clusterId: string; cpuMilli: number; memoryMi: number; cpuType: string | null; gpuModel: string | null; gpuMilli: number; spot: boolean; pods: bigint; unmeteredMs: number | null }[]>`
      SELECT "clusterId"::text AS "clusterId", "cpuMilli", "memoryMi", "cpuType", "gpuModel", "gpuMilli", "spot", COUNT(*)::bigint AS "pods",
             SUM(GREATEST(0, EXTRACT(EPOCH FROM (${new Date(now)}::timestamptz - GREATEST(COALESCE("meteredUntil", "from"), ${new Date(monthStart(now))}::timestamptz))) * 1000))::float8 AS "unmeteredMs"
      FROM "BillablePod" WHERE "clusterId" = ANY(${ids}::uuid[]) AND "until" IS NULL ${ofAccount}
      GROUP BY "clusterId", "cpuMilli", "memoryMi", "cpuType", "gpuModel", "gpuMilli", "spot"`,
    loadVersions(svc, clusters.map((c) => c.region)),
  ]);
  return clusters.map(({ id: clusterId, region }) => {
    const version = versionAt(versions, region, now)!;
    let burn = 0n;
    let accrued = 0n;
    let pods = 0;
    for (const g of running) {
      if (g.clusterId !== clusterId) continue;
      const rates = ratesOf(version.items, specOf(g));
      burn += costNano(rates, 3600) * BigInt(g.pods);
      accrued += costNano(rates, Math.floor(Number(g.unmeteredMs ?? 0) / 1000));
      pods += Number(g.pods);
    }
    const cost = costs.find((c) => c.clusterId === clusterId);
    return { clusterId, month, currency: regionCurrency(svc, region), amountNano: BigInt(cost?.costNano ?? 0n) + accrued, burnRateNanoPerHour: burn, runningPods: pods, asOf: now };
  });
}

export interface CostTickMessage {
  clusterId: string;
}

/** Tells cost tickers of the cluster to refresh (they compute the tick themselves). */
export async function publishCostChanged(svc: Services, clusterId: string): Promise<void> {
  await svc.bus.publish(topics.clusterCost(clusterId), { clusterId } satisfies CostTickMessage);
}

/** A budget alert as stored and streamed. */
export interface BudgetAlertRecord {
  id: string;
  budgetId: string;
  accountId: string;
  clusterId: string | null;
  threshold: number;
  period: string;
  spentNano: string;
  budgetMicro: string;
  currency: string;
  createdAt: string;
}

/**
 * Checks the budgets that cover a cluster (its own and its account's) against this month's
 * cost, and records and streams each threshold crossed for the first time this month. A
 * threshold is claimed by a conditional update, so concurrent meters alert once.
 */
export async function checkBudgets(svc: Services, accountId: string, clusterId: string): Promise<BudgetAlertRecord[]> {
  const budgets = await svc.db.budget.findMany({ where: { accountId, scope: { in: ['account', clusterId] } } });
  if (budgets.length === 0) return [];
  const now = svc.clock.now();
  const month = monthKey(now);
  const out: BudgetAlertRecord[] = [];
  for (const b of budgets) {
    const spent = await budgetSpentNano(svc, b, month);
    const alerted = b.alertedPeriod === month ? b.alertedPercent : 0;
    const crossed = crossedThresholds(spent, b.amountMicro, alerted);
    if (crossed.length === 0) continue;
    const top = crossed[crossed.length - 1];
    const records = await svc.db.$transaction(async (tx) => {
      const claimed = await tx.budget.updateMany({ where: { id: b.id, OR: [{ alertedPeriod: { not: month } }, { alertedPercent: { lt: top } }] }, data: { alertedPercent: top, alertedPeriod: month } });
      if (claimed.count === 0) return [];
      const rows: BudgetAlertRecord[] = crossed.map((t) => ({ id: svc.ids.uuid(), budgetId: b.id, accountId, clusterId: b.clusterId, threshold: t, period: month, spentNano: spent.toString(), budgetMicro: b.amountMicro.toString(), currency: b.currency, createdAt: new Date(now).toISOString() }));
      await tx.budgetAlert.createMany({ data: rows.map((r) => ({ ...r, spentNano: BigInt(r.spentNano), budgetMicro: BigInt(r.budgetMicro), createdAt: new Date(r.createdAt) })), skipDuplicates: true });
      return rows;
    });
    for (const r of records) await svc.bus.publish(topics.budgetAlerts(accountId), r);
    out.push(...records);
  }
  return out;
}

/** What a budget's scope (its cluster, or the whole account) cost in a month, in its currency (nano-units, the running estimate). */
export async function budgetSpentNano(svc: Services, b: { accountId: string; clusterId: string | null; currency: string }, month: string): Promise<bigint> {
  const where = b.clusterId ? { clusterId: b.clusterId, month, currency: b.currency } : { accountId: b.accountId, month, currency: b.currency };
  return BigInt((await svc.db.clusterCost.aggregate({ where, _sum: { costNano: true } }))._sum.costNano ?? 0n);
}

export interface SetBudgetInput {
  clusterId: string | null;
  amount: string;
  currency?: string | null;
  period: 'MONTHLY';
}

/** Sets (or replaces) the monthly budget of the account or of one of its clusters. */
export async function setBudget(svc: Services, accountId: string, input: SetBudgetInput): Promise<{ budget: Awaited<ReturnType<Services['db']['budget']['upsert']>> | null; userErrors: UserError[] }> {
  const fail = (field: string[], code: string, message: string) => ({ budget: null, userErrors: [{ field, code, message }] });
  const amountMicro = parseDecimal(input.amount, 6);
  if (amountMicro === null || amountMicro <= 0n) return fail(['amount'], 'INVALID_AMOUNT', `amount must be a positive decimal with at most 6 decimals (e.g. "1000" or "12.5"), got "${input.amount}"`);
  if (amountMicro > 10n ** 18n) return fail(['amount'], 'INVALID_AMOUNT', 'amount is too large');
  let currency: string;
  let scope = 'account';
  if (input.clusterId !== null) {
    const cluster = await findCluster(svc, accountId, input.clusterId);
    if (!cluster) return fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`);
    currency = regionCurrency(svc, cluster.region);
    if (input.currency && input.currency !== currency) return fail(['currency'], 'CURRENCY_MISMATCH', `cluster ${cluster.name} bills in ${currency} (region ${cluster.region}); set the budget in ${currency}`);
    scope = cluster.id;
  } else {
    const currencies = [...new Set(svc.fleet.regions.map((r) => r.currency))];
    currency = input.currency ?? (await svc.db.cluster.findFirst({ where: { accountId }, orderBy: { createdAt: 'asc' }, select: { region: true } }).then((c) => (c ? regionCurrency(svc, c.region) : 'CNY')));
    if (!currencies.includes(currency)) return fail(['currency'], 'UNKNOWN_CURRENCY', `unknown currency "${currency}"; regions bill in ${currencies.join(', ')}`);
  }
  const now = new Date(svc.clock.now());
  const data = { amountMicro, currency, period: input.period, clusterId: input.clusterId, updatedAt: now, alertedPercent: 0, alertedPeriod: '' };
  // a replaced budget alerts afresh: this month's alerts of the old one go with it
  const budget = await svc.db.$transaction(async (tx) => {
    const b = await tx.budget.upsert({ where: { accountId_scope: { accountId, scope } }, create: { id: svc.ids.uuid(), accountId, scope, ...data, createdAt: now }, update: data });
    await tx.budgetAlert.deleteMany({ where: { budgetId: b.id, period: monthKey(now.getTime()) } });
    return b;
  });
  // a new budget may already be crossed: check it now rather than at the next meter pass
  const clusters = input.clusterId ? [input.clusterId] : (await svc.db.cluster.findMany({ where: { accountId }, select: { id: true }, take: 1 })).map((c) => c.id);
  for (const c of clusters) await checkBudgets(svc, accountId, c);
  return { budget: await svc.db.budget.findUniqueOrThrow({ where: { id: budget.id } }), userErrors: [] };
}

export async function deleteBudget(svc: Services, accountId: string, clusterId: string | null): Promise<boolean> {
  const { count } = await svc.db.budget.deleteMany({ where: { accountId, scope: clusterId ?? 'account' } });
  return count > 0;
}

// ---------------------------------------------------------------- invoices

export interface InvoiceView {
  id: string;
  accountId: string;
  month: string;
  currency: string;
  status: string;
  number: number | null;
  createdAt: Date;
  finalizedAt: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  voidReason: string | null;
  totalMicro: bigint | null;
}

/** The lines of an invoice: stored once finalized; computed from usage while it is a draft. */
export async function invoiceLines(svc: Services, invoice: InvoiceView): Promise<InvoiceLine[]> {
  if (invoice.status !== 'DRAFT') {
    const rows = await svc.db.invoiceLine.findMany({ where: { invoiceId: invoice.id }, orderBy: { position: 'asc' } });
    return rows.map((r) => ({ ...r, resource: r.resource as InvoiceLine['resource'] }));
  }
  return draftLines(svc, svc.db, invoice.accountId, invoice.currency, invoice.month);
}

/** A month's lines as they stand: its usage, plus the late usage of finalized months. */
async function draftLines(svc: Services, tx: Tx, accountId: string, currency: string, month: string): Promise<InvoiceLine[]> {
  const from = parseMonthKey(month)!;
  const to = nextMonthStart(from);
  // (Prisma's `distinct` would read every ledger row of the account and dedupe in memory)
  const regions = (await tx.$queryRaw<{ region: string }[]>`SELECT DISTINCT "region" FROM "BillablePod" WHERE "accountId" = ${accountId}::uuid AND "currency" = ${currency}`).map((r) => r.region);
  const versions = await loadVersions(svc, regions, tx);
  const [own, late] = await Promise.all([
    usageGroups(tx, { accountId, currency, from: new Date(from), to: new Date(to) }, versions),
    lateGroups(tx, accountId, currency, new Date(from), versions),
  ]);
  return rateGroups([...own, ...late], new Map(versions.map((v) => [v.id, v])));
}

/**
 * Finalizes a DRAFT invoice whose month has ended: meters every pod of the account up to now
 * (so the month is complete), fixes its lines (the month's usage, and late usage of earlier
 * finalized months as adjustment lines), numbers it (sequential per account) and marks the
 * buckets invoiced. One transaction under the account's billing lock, so meters wait and a
 * second finalization finds it done (idempotent).
 */
export async function finalizeInvoice(svc: Services, invoiceId: string): Promise<InvoiceView> {
  return svc.db.$transaction(async (tx) => {
    const head = await tx.invoice.findUnique({ where: { id: invoiceId } });
    if (!head) throw notFound(`invoice ${invoiceId}`);
    await lockBilling(tx, head.accountId, true);
    const inv = (await tx.invoice.findUniqueOrThrow({ where: { id: invoiceId } })) as InvoiceView;
    if (inv.status !== 'DRAFT') return inv;
    const now = svc.clock.now();
    const from = parseMonthKey(inv.month)!;
    const to = nextMonthStart(from);
    if (now < to) throw new AppError('BAD_USER_INPUT', `invoice ${inv.month} cannot be finalized before its month ends`);
    const earlier = await tx.invoice.count({ where: { accountId: inv.accountId, currency: inv.currency, status: 'DRAFT', month: { lt: inv.month } } });
    if (earlier > 0) throw new AppError('BAD_USER_INPUT', `an earlier invoice of the account is still a draft: finalize months in order`);
    const rows = await lockAccountRowsBefore(tx, inv.accountId, inv.currency, new Date(to));
    if (rows.length > 0) {
      const versions = await loadVersions(svc, rows.map((r) => r.region), tx);
      const end = await finalizedEnd(tx, inv.accountId, inv.currency);
      const result = await meterRows(tx, rows, now, versions, end);
      await ensureDrafts(tx, inv.accountId, inv.currency, [...result.deltas.values()].map((x) => x.month).filter((m) => m > inv.month), () => svc.ids.uuid());
    }
    const lines = await draftLines(svc, tx, inv.accountId, inv.currency, inv.month);
    if (lines.length > 0) {
      await tx.invoiceLine.createMany({ data: lines.map((l, position) => ({ ...l, invoiceId: inv.id, position })) });
    }
    await markInvoiced(tx, inv.accountId, inv.currency, new Date(from));
    const seq = await tx.account.update({ where: { id: inv.accountId }, data: { invoiceSeq: { increment: 1 } }, select: { invoiceSeq: true } });
    return (await tx.invoice.update({ where: { id: inv.id }, data: { status: 'FINALIZED', number: seq.invoiceSeq, totalMicro: invoiceTotal(lines), finalizedAt: new Date(now) } })) as InvoiceView;
  }, { timeout: 120_000 });
}

/** Finalizes every draft whose month ended at least the grace period ago, oldest month first. */
export async function finalizeDueInvoices(svc: Services): Promise<number> {
  const now = svc.clock.now();
  const cutoff = monthKey(monthStart(now - svc.settings.billing.finalizeGraceMs) - 1);
  const due = await svc.db.invoice.findMany({ where: { status: 'DRAFT', month: { lte: cutoff } }, orderBy: [{ month: 'asc' }, { id: 'asc' }], select: { id: true } });
  for (const d of due) await finalizeInvoice(svc, d.id);
  return due.length;
}

/** PAID or VOID (operators): from FINALIZED only. */
export async function settleInvoice(svc: Services, invoiceId: string, to: 'PAID' | 'VOID', reason: string | null): Promise<InvoiceView> {
  const now = new Date(svc.clock.now());
  const data = to === 'PAID' ? { status: 'PAID', paidAt: now } : { status: 'VOID', voidedAt: now, voidReason: reason };
  const { count } = await svc.db.invoice.updateMany({ where: { id: invoiceId, status: 'FINALIZED' }, data });
  const inv = isUuid(invoiceId) ? await svc.db.invoice.findUnique({ where: { id: invoiceId } }) : null;
  if (!inv) throw notFound(`invoice ${invoiceId}`);
  if (count === 0 && inv.status !== to) throw new AppError('BAD_USER_INPUT', `invoice ${inv.month} is ${inv.status}: only a FINALIZED invoice can become ${to}`);
  return inv as InvoiceView;
}

// ---------------------------------------------------------------- usage reports

export type UsageGroupBy = 'NAMESPACE' | 'WORKLOAD' | 'RESOURCE' | 'HOUR';

export interface UsageRow {
  key: string;
  namespace: string | null;
  workloadKind: string | null;
  workloadName: string | null;
  resource: string | null;
  hour: Date | null;
  /** Σ billed pod-seconds (not for RESOURCE rows). */
  podSeconds: bigint;
  cpuMilliSeconds: bigint;
  memoryMiSeconds: bigint;
  gpuMilliSeconds: bigint;
  amountMicro: bigint;
}

/** Usage of a cluster over [from, to) at hour resolution, grouped, with its cost (lines rated as on an invoice). */
export async function clusterUsage(svc: Services, cluster: { id: string; accountId: string; region: string }, from: Date, to: Date, groupBy: UsageGroupBy): Promise<UsageRow[]> {
  const lo = hourStart(from.getTime());
  const hi = Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS;
  const versions = await loadVersions(svc, [cluster.region]);
  const groups = await usageGroups(svc.db, { accountId: cluster.accountId, currency: regionCurrency(svc, cluster.region), clusterId: cluster.id, from: new Date(lo), to: new Date(hi) }, versions, groupBy === 'HOUR');
  const byVersion = new Map(versions.map((v) => [v.id, v]));
  const rows = new Map<string, UsageRow>();
  for (const g of groups) {
    const lines = rateGroups([g], byVersion);
    const keys: { key: string; resource: string | null; lines: InvoiceLine[] }[] =
      groupBy === 'RESOURCE'
        ? lines.map((l) => ({ key: `${l.resource}:${l.kind}${l.spot ? ':spot' : ''}`, resource: `${l.resource}:${l.kind}${l.spot ? ':spot' : ''}`, lines: [l] }))
        : [{ key: groupBy === 'NAMESPACE' ? g.namespace : groupBy === 'WORKLOAD' ? `${g.namespace}/${g.workloadKind ?? 'Pod'}/${g.workloadName ?? '-'}` : new Date(g.hour!).toISOString(), resource: null, lines }];
    for (const k of keys) {
      const row = rows.get(k.key) ?? {
        key: k.key,
        namespace: groupBy === 'NAMESPACE' || groupBy === 'WORKLOAD' ? g.namespace : null,
        workloadKind: groupBy === 'WORKLOAD' ? g.workloadKind : null,
        workloadName: groupBy === 'WORKLOAD' ? g.workloadName : null,
        resource: k.resource,
        hour: groupBy === 'HOUR' ? new Date(g.hour!) : null,
        podSeconds: 0n,
        cpuMilliSeconds: 0n,
        memoryMiSeconds: 0n,
        gpuMilliSeconds: 0n,
        amountMicro: 0n,
      };
      if (groupBy !== 'RESOURCE') row.podSeconds += g.seconds;
      for (const l of k.lines) {
        if (l.resource === 'cpu') row.cpuMilliSeconds += l.quantity;
        else if (l.resource === 'memory') row.memoryMiSeconds += l.quantity;
        else row.gpuMilliSeconds += l.quantity;
        row.amountMicro += l.amountMicro;
      }
      rows.set(k.key, row);
    }
  }
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---------------------------------------------------------------- prices and quotes

/** Publishes a price version for a region (operators). It takes effect at a future whole hour and never reprices past usage. */
export async function publishPrices(svc: Services, input: { region: string; effectiveFrom: Date; items: PriceItems; note?: string | null }): Promise<{ version: PriceVersion | null; userErrors: UserError[] }> {
  const fail = (field: string[], code: string, message: string) => ({ version: null, userErrors: [{ field, code, message }] });
  const region = svc.fleet.regions.find((r) => r.name === input.region);
  if (!region) return fail(['region'], 'UNKNOWN_REGION', `unknown region "${input.region}"; available: ${svc.fleet.regions.map((r) => r.name).join(', ')}`);
  const at = input.effectiveFrom.getTime();
  if (!Number.isFinite(at) || at % HOUR_MS !== 0) return fail(['effectiveFrom'], 'NOT_WHOLE_HOUR', 'effectiveFrom must be a whole UTC hour (usage is settled hourly)');
  if (at <= svc.clock.now()) return fail(['effectiveFrom'], 'IN_THE_PAST', 'effectiveFrom must be in the future: a price change never rewrites past usage');
  const groups = region.zones.flatMap((z) => z.hostGroups);
  const errors = validatePriceItems(input.items, { cpuTypes: [...new Set(groups.map((g) => g.cpuType))], gpuModels: [...new Set(groups.flatMap((g) => (g.gpu ? [g.gpu.model] : [])))] });
  if (errors.length > 0) return { version: null, userErrors: capUserErrors(errors, svc.settings.limits.userErrors) };
  const id = svc.ids.uuid();
  try {
    await svc.db.priceVersion.create({ data: { id, region: region.name, currency: region.currency, effectiveFrom: input.effectiveFrom, items: input.items as object, note: input.note ?? '' } });
  } catch (err) {
    if (isUniqueViolation(err)) return fail(['effectiveFrom'], 'ALREADY_EXISTS', `region ${region.name} already has a price version taking effect at ${input.effectiveFrom.toISOString()}`);
    throw err;
  }
  return { version: { id, region: region.name, currency: region.currency, effectiveFrom: at, items: input.items }, userErrors: [] };
}

export interface PriceQuote extends Quote {
  replicas: number;
  hours: number;
  spec: BilledSpec;
  currency: string;
  region: string;
  versionId: string;
}

/**
 * What a pod template will cost before it is deployed: sized by the sizing core (the billed
 * spec, its first placement option's CPU type or GPU), priced at the region's current prices.
 */
export async function priceQuote(svc: Services, input: { region: string; template: { metadata?: { annotations?: Record<string, string> }; spec?: unknown }; replicas: number; hours: number }): Promise<{ quote: PriceQuote | null; userErrors: UserError[] }> {
  const fail = (field: string[], code: string, message: string) => ({ quote: null, userErrors: [{ field, code, message }] });
  if (!svc.fleet.regions.some((r) => r.name === input.region)) return fail(['region'], 'UNKNOWN_REGION', `unknown region "${input.region}"; available: ${svc.fleet.regions.map((r) => r.name).join(', ')}`);
  if (!Number.isSafeInteger(input.replicas) || input.replicas < 0 || input.replicas > 100_000) return fail(['replicas'], 'INVALID_VALUE', 'replicas must be an integer from 0 to 100000');
  if (!Number.isSafeInteger(input.hours) || input.hours < 0 || input.hours > 24 * 366) return fail(['hours'], 'INVALID_VALUE', 'hours must be an integer from 0 to 8784');
  // the template is held to what a pod template in a manifest may be: its size, then what one pod may hold
  const limits = svc.settings.limits;
  const tooLarge = checkManifestSize(input.template, ['template'], limits);
  if (tooLarge) return { quote: null, userErrors: [tooLarge] };
  const budget = new ErrorBudget(limits.userErrors);
  const annotations = input.template.metadata?.annotations ?? {};
  if (typeof annotations === 'object' && annotations !== null && Object.values(annotations).every((v) => typeof v === 'string')) {
    checkAnnotations(annotations, budget.at(['template', 'metadata', 'annotations'], ['metadata', 'annotations']));
  }
  checkPodSpecLimits(input.template.spec, limits, budget.at(['template', 'spec'], ['spec']));
  if (budget.count > 0) return { quote: null, userErrors: capUserErrors(budget.list(), limits.userErrors) };
  const sized = sizePod((input.template.spec ?? {}) as Parameters<typeof sizePod>[0], annotations);
  // sizing reports paths from the pod template (spec.…, metadata.annotations.…)
  if (!sized.ok) return { quote: null, userErrors: capUserErrors(sized.errors.map((e) => ({ field: ['template', ...e.field], code: e.code, message: e.message })), limits.userErrors) };
  const o = sized.options[0];
  const spec: BilledSpec = { cpuMilli: o.cpuMilli, memoryMi: o.memoryMi, cpuType: o.cpuType ?? 'intel', gpuModel: o.gpuModel, gpuMilli: o.gpuMilli, spot: annotations[SPOT_ANNOTATION] === 'true' };
  const versions = await loadVersions(svc, [input.region]);
  const version = versionAt(versions, input.region, svc.clock.now())!;
  return { quote: { ...quote(version.items, spec, input.replicas, input.hours), replicas: input.replicas, hours: input.hours, spec, currency: version.currency, region: input.region, versionId: version.id }, userErrors: [] };
}
