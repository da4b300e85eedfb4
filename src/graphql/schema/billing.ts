import type { Budget } from '../../generated/prisma/client';
import type { GraphQLResolveInfo } from 'graphql';
import { loaders } from '../loaders';
import { builder, cursorPage, decodeCursor, encodeCursor, parseId, requireAccount, requireOperator, UserErrorRef, type Context } from '../builder';
import { ClusterRef, PodRef } from './refs';
import { AppError, notFound } from '../../app/errors';
import { findCluster, isUuid } from '../../app/clusters';
import {
  clusterUsage,
  deleteBudget,
  finalizeDueInvoices,
  finalizeInvoice,
  loadVersions,
  priceQuote,
  publishPrices,
  regionCurrency,
  setBudget,
  settleInvoice,
  type BudgetAlertRecord,
  type CostTick,
  type InvoiceView,
  type PriceQuote,
  type UsageRow,
} from '../../app/billing';
import { budgetAlertStream, costTickerStream } from '../../app/billingStreams';
import { versionAt } from '../../core/billing/catalog';
import { divRound, formatMicro, formatNano, parseDecimal } from '../../core/billing/money';
import { formatQuantity, invoiceCsv, invoiceJson, invoiceTotal, quantityUnit, ratePercent, resourceLabel } from '../../core/billing/invoice';
import { percentOf } from '../../core/billing/budget';
import { monthKey } from '../../core/billing/months';
import { FULL_RATE_BP, type InvoiceLine, type PriceItems, type PriceVersion } from '../../core/billing/types';
import { BYTES_PER_MI, formatCpuMilli, formatMemoryMi, parseQuantity, toMilliCeil, toUnitsCeil } from '../../core/quantity';

// ───────────────────────────── money ─────────────────────────────

interface MoneyView {
  micro: bigint;
  currency: string;
}

const MoneyRef = builder.objectRef<MoneyView>('Money').implement({
  description: 'An amount of money: integer micro-units (10⁻⁶ of the currency), never a float.',
  fields: (t) => ({
    amount: t.string({ description: 'Exact decimal with 6 places, e.g. "0.073344".', resolve: (m) => formatMicro(m.micro) }),
    micro: t.string({ description: 'Micro-units as an integer string, e.g. "73344".', resolve: (m) => m.micro.toString() }),
    currency: t.exposeString('currency', { description: 'CNY or USD.' }),
  }),
});

const money = (micro: bigint, currency: string): MoneyView => ({ micro, currency });
/** A nano-unit running estimate shown as money (rounded half away from zero to the micro-unit). */
const moneyOfNano = (nano: bigint, currency: string): MoneyView => ({ micro: divRound(nano, 1000n), currency });

const ResourceEnum = builder.enumType('BilledResource', {
  description: 'What a line bills: CPU (core-seconds), memory (GiB-seconds) or GPU (card-seconds).',
  values: { CPU: { value: 'cpu' }, MEMORY: { value: 'memory' }, GPU: { value: 'gpu' } } as const,
});


// ───────────────────────────── prices ─────────────────────────────

interface UnitPrice {
  name: string;
  nano: number;
}

const UnitPriceRef = builder.objectRef<UnitPrice>('UnitPrice').implement({
  description: 'A unit price per second, in nano-units (10⁻⁹ of the currency).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The CPU type (intel, amd) or the GPU model (V100, T4).' }),
    nano: t.exposeInt('nano', { description: 'Nano-units per unit-second: 0.00003334 is 33340.' }),
    perSecond: t.string({ description: 'The price per second as an exact decimal.', resolve: (p) => formatNano(p.nano) }),
  }),
});

const GpuPriceRef = builder.objectRef<{ model: string; card: number; cpu: number; memory: number }>('GpuPrice').implement({
  description: 'A GPU model: per card-second (a vGPU slice bills its fraction), and its pods’ CPU and memory.',
  fields: (t) => ({
    model: t.exposeString('model'),
    cardNano: t.exposeInt('card', { description: 'Per card-second, nano-units.' }),
    cpuNano: t.exposeInt('cpu', { description: 'A GPU pod’s CPU per core-second, nano-units.' }),
    memoryNano: t.exposeInt('memory', { description: 'A GPU pod’s memory per GiB-second, nano-units.' }),
  }),
});

const DiscountRef = builder.objectRef<PriceItems['discounts'][number]>('SpecDiscount').implement({
  description: 'A small-spec discount: pay-as-you-go CPU pods of exactly this spec bill CPU and memory at `percent` of the list price.',
  fields: (t) => ({
    cpuType: t.exposeString('cpuType'),
    cpu: t.string({ resolve: (d) => formatCpuMilli(d.cpuMilli) }),
    memory: t.string({ resolve: (d) => formatMemoryMi(d.memoryMi) }),
    percent: t.string({ resolve: (d) => ratePercent(d.rateBp) }),
  }),
});

/** A price map's entries in name order: the order a catalog was written in is not kept (a stored one comes back in jsonb's key order). */
const byName = <V>(o: Record<string, V>): [string, V][] => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const PriceVersionRef = builder.objectRef<PriceVersion>('PriceVersion').implement({
  description: 'A version of a region’s price catalog. It applies from effectiveFrom until the next version; past usage keeps the prices it was metered at.',
  fields: (t) => ({
    id: t.exposeString('id', { description: '"default-<region>" for the built-in catalog, else a UUID.' }),
    region: t.exposeString('region'),
    currency: t.exposeString('currency'),
    effectiveFrom: t.field({ type: 'DateTime', resolve: (v) => new Date(v.effectiveFrom) }),
    cpu: t.field({ type: [UnitPriceRef], description: 'CPU pods’ CPU per core-second, by CPU type (in name order).', resolve: (v) => byName(v.items.cpu).map(([name, nano]) => ({ name, nano })) }),
    memory: t.field({ type: [UnitPriceRef], description: 'CPU pods’ memory per GiB-second, by CPU type (in name order).', resolve: (v) => byName(v.items.memory).map(([name, nano]) => ({ name, nano })) }),
    gpu: t.field({ type: [GpuPriceRef], description: 'By GPU model (in name order).', resolve: (v) => byName(v.items.gpu).map(([model, p]) => ({ model, ...p })) }),
    spotPercent: t.string({ description: 'Spot pods bill CPU, memory and GPU at this share of the pay-as-you-go price.', resolve: (v) => ratePercent(v.items.spotRateBp) }),
    discounts: t.field({ type: [DiscountRef], resolve: (v) => v.items.discounts }),
  }),
});

const RegionPricesRef = builder.objectRef<{ region: string; versions: PriceVersion[]; now: number }>('RegionPrices').implement({
  fields: (t) => ({
    region: t.exposeString('region'),
    current: t.field({ type: PriceVersionRef, description: 'The prices in effect now.', resolve: (p) => versionAt(p.versions, p.region, p.now)! }),
    versions: t.field({ type: [PriceVersionRef], description: 'Every version, oldest first (scheduled ones included).', resolve: (p) => p.versions }),
  }),
});

builder.queryField('prices', (t) =>
  t.field({
    type: RegionPricesRef,
    description: 'The price catalog of a region: what is in effect now and every version.',
    args: { region: t.arg.string({ required: true }) },
    resolve: async (_, { region }, ctx) => {
      requireAccountOrOperator(ctx);
      if (!ctx.svc.fleet.regions.some((r) => r.name === region)) throw new AppError('BAD_USER_INPUT', `unknown region "${region}"; available: ${ctx.svc.fleet.regions.map((r) => r.name).join(', ')}`);
      return { region, versions: await loadVersions(ctx.svc, [region]), now: ctx.svc.clock.now() };
    },
  }),
);

function requireAccountOrOperator(ctx: Context): void {
  if (!ctx.operator) requireAccount(ctx);
}

const NamedPriceInput = builder.inputType('NamedPriceInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'CPU type (intel, amd).' }),
    perSecond: t.string({ required: true, description: 'Exact decimal per unit-second, at most 9 decimals: "0.00003334".' }),
  }),
});
const GpuPriceInput = builder.inputType('GpuPriceInput', {
  fields: (t) => ({
    model: t.string({ required: true }),
    cardPerSecond: t.string({ required: true }),
    cpuPerSecond: t.string({ required: true }),
    memoryPerSecond: t.string({ required: true }),
  }),
});
const DiscountInput = builder.inputType('SpecDiscountInput', {
  fields: (t) => ({
    cpuType: t.string({ required: true }),
    cpu: t.string({ required: true, description: 'A CPU quantity, e.g. "2".' }),
    memory: t.string({ required: true, description: 'A memory quantity, e.g. "4Gi".' }),
    percent: t.string({ required: true, description: 'Share of the list price billed, e.g. "67.5".' }),
  }),
});
const PublishPricesInput = builder.inputType('PublishPricesInput', {
  fields: (t) => ({
    region: t.string({ required: true }),
    effectiveFrom: t.field({ type: 'DateTime', required: true, description: 'A whole UTC hour in the future.' }),
    cpu: t.field({ type: [NamedPriceInput], required: true }),
    memory: t.field({ type: [NamedPriceInput], required: true }),
    gpu: t.field({ type: [GpuPriceInput], required: false }),
    spotPercent: t.string({ required: false, description: 'Default "20".' }),
    discounts: t.field({ type: [DiscountInput], required: false }),
    note: t.string({ required: false }),
  }),
});

const PublishPricesPayload = builder.objectRef<{ priceVersion: PriceVersion | null; userErrors: { field: string[]; code: string; message: string }[] }>('PublishPricesPayload').implement({
  fields: (t) => ({
    priceVersion: t.field({ type: PriceVersionRef, nullable: true, resolve: (p) => p.priceVersion }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('publishPrices', (t) =>
  t.field({
    type: PublishPricesPayload,
    description: 'Operators: publishes a new price version for a region, effective at a future whole hour. Usage already metered keeps its prices.',
    args: { input: t.arg({ type: PublishPricesInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      requireOperator(ctx);
      const errors: { field: string[]; code: string; message: string }[] = [];
      const nano = (text: string, field: string[]): number => {
        const v = parseDecimal(text, 9);
        if (v === null || v > BigInt(Number.MAX_SAFE_INTEGER)) {
          errors.push({ field, code: 'INVALID_PRICE', message: `"${text}" is not a price: a non-negative decimal with at most 9 decimals (nano-units), e.g. "0.00003334"` });
          return 0;
        }
        return Number(v);
      };
      const percentBp = (text: string, field: string[]): number => {
        const v = parseDecimal(text, 2);
        if (v === null || v > 100n * 100n) {
          errors.push({ field, code: 'INVALID_RATE', message: `"${text}" is not a percentage from 0 to 100 with at most 2 decimals` });
          return FULL_RATE_BP;
        }
        return Number(v);
      };
      const items: PriceItems = {
        cpu: Object.fromEntries(input.cpu.map((p, i) => [p.name, nano(p.perSecond, ['input', 'cpu', String(i), 'perSecond'])])),
        memory: Object.fromEntries(input.memory.map((p, i) => [p.name, nano(p.perSecond, ['input', 'memory', String(i), 'perSecond'])])),
        gpu: Object.fromEntries((input.gpu ?? []).map((g, i) => [g.model, { card: nano(g.cardPerSecond, ['input', 'gpu', String(i), 'cardPerSecond']), cpu: nano(g.cpuPerSecond, ['input', 'gpu', String(i), 'cpuPerSecond']), memory: nano(g.memoryPerSecond, ['input', 'gpu', String(i), 'memoryPerSecond']) }])),
        spotRateBp: input.spotPercent ? percentBp(input.spotPercent, ['input', 'spotPercent']) : 2000,
        discounts: (input.discounts ?? []).map((d, i) => {
          const cpu = parseQuantity(d.cpu);
          const mem = parseQuantity(d.memory);
          if (!cpu) errors.push({ field: ['input', 'discounts', String(i), 'cpu'], code: 'INVALID_QUANTITY', message: `"${d.cpu}" is not a CPU quantity` });
          if (!mem) errors.push({ field: ['input', 'discounts', String(i), 'memory'], code: 'INVALID_QUANTITY', message: `"${d.memory}" is not a memory quantity` });
          return { cpuType: d.cpuType, cpuMilli: cpu ? Number(toMilliCeil(cpu)) : 0, memoryMi: mem ? Number(toUnitsCeil(mem) / BYTES_PER_MI) : 0, rateBp: percentBp(d.percent, ['input', 'discounts', String(i), 'percent']) };
        }),
      };
      if (errors.length > 0) return { priceVersion: null, userErrors: errors };
      const r = await publishPrices(ctx.svc, { region: input.region, effectiveFrom: input.effectiveFrom, items, note: input.note });
      return { priceVersion: r.version, userErrors: r.userErrors.map((e) => ({ ...e, field: e.field[0] === 'items' ? ['input', ...e.field.slice(1)] : ['input', ...e.field] })) };
    },
  }),
);

// ───────────────────────────── quotes ─────────────────────────────

const QuoteLineRef = builder.objectRef<PriceQuote['lines'][number] & { currency: string }>('QuoteLine').implement({
  fields: (t) => ({
    resource: t.field({ type: ResourceEnum, resolve: (l) => l.resource }),
    type: t.exposeString('kind', { description: 'CPU type or GPU model.' }),
    quantity: t.string({ description: 'In the unit below, exact.', resolve: (l) => formatQuantity(l.resource, l.quantity) }),
    unit: t.string({ resolve: (l) => quantityUnit(l.resource) }),
    unitPrice: t.string({ description: 'List price per unit-second.', resolve: (l) => formatNano(l.unitPriceNano) }),
    ratePercent: t.string({ description: 'Share of the list price billed (spot, discounts).', resolve: (l) => ratePercent(l.rateBp) }),
    amount: t.field({ type: MoneyRef, resolve: (l) => money(l.amountMicro, l.currency) }),
  }),
});

const QuoteRef = builder.objectRef<PriceQuote>('PriceQuote').implement({
  description: 'What a pod template will bill before you deploy it.',
  fields: (t) => ({
    billedAs: t.string({ description: 'The billed spec, e.g. "4C/8GiB intel" or "8C/40GiB 1×V100", plus "spot".', resolve: (q) => billedAs(q) }),
    cpu: t.string({ resolve: (q) => formatCpuMilli(q.spec.cpuMilli) }),
    memory: t.string({ resolve: (q) => formatMemoryMi(q.spec.memoryMi) }),
    cpuType: t.string({ nullable: true, resolve: (q) => (q.spec.gpuMilli > 0 ? null : q.spec.cpuType) }),
    gpuModel: t.string({ nullable: true, resolve: (q) => q.spec.gpuModel }),
    gpuCards: t.string({ resolve: (q) => String(q.spec.gpuMilli / 1000) }),
    spot: t.boolean({ resolve: (q) => q.spec.spot }),
    region: t.exposeString('region'),
    currency: t.exposeString('currency'),
    perPodHour: t.field({ type: MoneyRef, resolve: (q) => money(q.perPodHourMicro, q.currency) }),
    perHour: t.field({ type: MoneyRef, description: 'All replicas, one hour.', resolve: (q) => money(q.perHourMicro, q.currency) }),
    total: t.field({ type: MoneyRef, description: 'All replicas for all hours (each line rounded once).', resolve: (q) => money(q.totalMicro, q.currency) }),
    lines: t.field({ type: [QuoteLineRef], resolve: (q) => q.lines.map((l) => ({ ...l, currency: q.currency })) }),
    summary: t.string({
      description: 'E.g. "this will bill as 4C/8GiB intel, CNY 0.880128/hour" (per pod; with more replicas, also their hourly and total cost).',
      resolve: (q) =>
        `this will bill as ${billedAs(q)}, ${q.currency} ${formatMicro(q.perPodHourMicro)}/hour` +
        (q.replicas === 1 && q.hours === 1 ? '' : `; ${q.replicas} × ${q.hours} h: ${q.currency} ${formatMicro(q.perHourMicro)}/hour, ${q.currency} ${formatMicro(q.totalMicro)} in all`),
    }),
  }),
});

function billedAs(q: PriceQuote): string {
  const cores = formatCpuMilli(q.spec.cpuMilli);
  const gib = q.spec.memoryMi / 1024;
  const base = `${cores}C/${Number.isInteger(gib) ? gib : gib.toFixed(2)}GiB`;
  const extra = q.spec.gpuMilli > 0 ? ` ${q.spec.gpuMilli % 1000 === 0 ? `${q.spec.gpuMilli / 1000}×` : `${q.spec.gpuMilli / 1000} `}${q.spec.gpuModel}` : ` ${q.spec.cpuType}`;
  return `${base}${extra}${q.spec.spot ? ' spot' : ''}`;
}

const PriceQuoteResult = builder.objectRef<{ quote: PriceQuote | null; userErrors: { field: string[]; code: string; message: string }[] }>('PriceQuoteResult').implement({
  fields: (t) => ({
    quote: t.field({ type: QuoteRef, nullable: true, resolve: (r) => r.quote }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (r) => r.userErrors }),
  }),
});

builder.queryField('priceQuote', (t) =>
  t.field({
    type: PriceQuoteResult,
    description:
      'Prices a pod template (`{ metadata: { annotations }, spec }`, as in a Deployment) before deploying: the sizing rules give the billed spec, the region’s current prices its cost. Give `clusterId` or `region`.',
    args: {
      template: t.arg({ type: 'JSON', required: true }),
      clusterId: t.arg.id(),
      region: t.arg.string(),
      replicas: t.arg.int({ defaultValue: 1 }),
      hours: t.arg.int({ defaultValue: 1 }),
    },
    resolve: async (_, args, ctx) => {
      const account = requireAccount(ctx);
      let region = args.region ?? null;
      if (args.clusterId) {
        const id = parseId('Cluster', String(args.clusterId));
        const cluster = id ? await findCluster(ctx.svc, account.id, id) : null;
        if (!cluster) return { quote: null, userErrors: [{ field: ['clusterId'], code: 'NOT_FOUND', message: `cluster ${args.clusterId} not found` }] };
        region = cluster.region;
      }
      if (!region) return { quote: null, userErrors: [{ field: ['region'], code: 'REQUIRED', message: 'give clusterId or region' }] };
      const template = args.template;
      if (typeof template !== 'object' || template === null || Array.isArray(template)) return { quote: null, userErrors: [{ field: ['template'], code: 'INVALID_TEMPLATE', message: 'template must be an object: { metadata: { annotations }, spec: { containers: [...] } }' }] };
      return priceQuote(ctx.svc, { region, template: template as { spec?: unknown }, replicas: args.replicas ?? 1, hours: args.hours ?? 1 });
    },
  }),
);

// ───────────────────────────── invoices ─────────────────────────────

const InvoiceStatusEnum = builder.enumType('InvoiceStatus', {
  description: 'DRAFT while the month runs (totals accrue live), FINALIZED at month end (immutable, numbered), then PAID or VOID.',
  values: ['DRAFT', 'FINALIZED', 'PAID', 'VOID'] as const,
});

const InvoiceRef = builder.objectRef<InvoiceView>('Invoice');

interface LineView extends InvoiceLine {
  currency: string;
}

const InvoiceLineRef = builder.objectRef<LineView>('InvoiceLine').implement({
  description: 'One line: cluster → namespace → workload → resource, with quantity × unit price × rate = amount (rounded once, half away from zero, to the micro-unit).',
  fields: (t) => ({
    clusterId: t.exposeString('clusterId'),
    clusterName: t.exposeString('clusterName'),
    namespace: t.exposeString('namespace'),
    workloadKind: t.exposeString('workloadKind', { nullable: true, description: 'Deployment, StatefulSet, Job, CronJob; null for bare pods.' }),
    workloadName: t.exposeString('workloadName', { nullable: true }),
    resource: t.field({ type: ResourceEnum, resolve: (l) => l.resource }),
    type: t.exposeString('kind', { description: 'CPU type (intel, amd) or, for a GPU pod’s lines, the GPU model.' }),
    label: t.string({ description: 'E.g. "CPU (intel)", "GPU (T4) spot".', resolve: (l) => resourceLabel(l) }),
    spot: t.exposeBoolean('spot'),
    quantity: t.string({ description: 'Exact, in `unit`.', resolve: (l) => formatQuantity(l.resource, l.quantity) }),
    unit: t.string({ description: 'core-second, GiB-second or card-second.', resolve: (l) => quantityUnit(l.resource) }),
    unitPrice: t.string({ description: 'List price per unit-second (exact decimal).', resolve: (l) => formatNano(l.unitPriceNano) }),
    unitPriceNano: t.exposeInt('unitPriceNano'),
    ratePercent: t.string({ description: 'Share of the list price billed: 100.00, 20.00 for spot, or a small-spec discount.', resolve: (l) => ratePercent(l.rateBp) }),
    amount: t.field({ type: MoneyRef, resolve: (l) => money(l.amountMicro, l.currency) }),
    adjustmentFor: t.exposeString('adjustmentFor', { nullable: true, description: 'Late usage of this finalized month (YYYY-MM), carried on this invoice; null: this invoice’s own month.' }),
  }),
});

/** Lines of an invoice: read with the lines of every other invoice of the request (drafts computed once). */
const linesOf = (ctx: Context, info: GraphQLResolveInfo, inv: InvoiceView): Promise<InvoiceLine[]> => loaders(ctx, info).invoiceLines.load(inv);

const header = (inv: InvoiceView) => ({ number: inv.number === null ? null : String(inv.number), month: inv.month, currency: inv.currency, status: inv.status });

builder.node(InvoiceRef, {
  id: { resolve: (i) => i.id },
  description: 'One invoice per account, calendar month (UTC) and currency.',
  loadMany: async (ids, ctx) => {
    if (!ctx.account) return ids.map(() => null);
    const rows = await ctx.svc.db.invoice.findMany({ where: { id: { in: (ids as string[]).filter(isUuid) }, accountId: ctx.account.id } });
    const byId = new Map(rows.map((r) => [r.id, r as InvoiceView]));
    return ids.map((id) => byId.get(id) ?? null);
  },
  fields: (t) => ({
    month: t.exposeString('month', { description: 'YYYY-MM (UTC).' }),
    currency: t.exposeString('currency'),
    status: t.field({ type: InvoiceStatusEnum, resolve: (i) => i.status as 'DRAFT' }),
    number: t.exposeInt('number', { nullable: true, description: 'Sequential per account, given at finalization.' }),
    total: t.field({ type: MoneyRef, description: 'Σ of the lines. For a DRAFT, as of now (metered usage; the meter runs at least every minute).', resolve: async (i, _, ctx, info) => money(i.totalMicro ?? invoiceTotal(await linesOf(ctx, info, i)), i.currency) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finalizedAt: t.expose('finalizedAt', { type: 'DateTime', nullable: true }),
    paidAt: t.expose('paidAt', { type: 'DateTime', nullable: true }),
    voidedAt: t.expose('voidedAt', { type: 'DateTime', nullable: true }),
    voidReason: t.exposeString('voidReason', { nullable: true }),
    lines: t.connection({
      type: InvoiceLineRef,
      description: 'The lines in order (cluster, namespace, workload, resource; adjustments last).',
      resolve: async (i, args, ctx, info) => {
        const lines = await linesOf(ctx, info, i);
        return cursorPage(args, (l: LineView & { position: number }) => encodeCursor(l.position), async ({ after, before, limit, inverted }) => {
          const a = decodeCursor(after, (v): v is number => Number.isInteger(v));
          const b = decodeCursor(before, (v): v is number => Number.isInteger(v));
          const all = lines.map((l, position) => ({ ...l, currency: i.currency, position })).filter((l) => (a === undefined || l.position > a) && (b === undefined || l.position < b));
          return inverted ? all.reverse().slice(0, limit) : all.slice(0, limit);
        });
      },
    }),
    csv: t.string({ description: 'The invoice as CSV (RFC 4180): one row per line, then a TOTAL row.', resolve: async (i, _, ctx, info) => invoiceCsv(header(i), await linesOf(ctx, info, i)) }),
    json: t.field({ type: 'JSON', description: 'The invoice as JSON (amounts as exact decimal strings).', resolve: async (i, _, ctx, info) => invoiceJson(header(i), await linesOf(ctx, info, i)) }),
  }),
});

builder.queryField('invoices', (t) =>
  t.connection({
    type: InvoiceRef,
    description: 'Your invoices, newest month first.',
    args: { status: t.arg({ type: InvoiceStatusEnum }) },
    resolve: (_, args, ctx) => {
      const account = requireAccount(ctx);
      return cursorPage(args, (i: InvoiceView) => encodeCursor([i.month, i.id]), async ({ after, before, limit, inverted }) => {
        const isKey = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');
        const a = decodeCursor(after, isKey);
        const b = decodeCursor(before, isKey);
        const dir = inverted ? 'asc' : 'desc';
        return (await ctx.svc.db.invoice.findMany({
          where: {
            accountId: account.id,
            ...(args.status ? { status: args.status } : {}),
            AND: [a ? { OR: [{ month: { lt: a[0] } }, { month: a[0], id: { lt: a[1] } }] } : {}, b ? { OR: [{ month: { gt: b[0] } }, { month: b[0], id: { gt: b[1] } }] } : {}],
          },
          orderBy: [{ month: dir }, { id: dir }],
          take: limit,
        })) as InvoiceView[];
      });
    },
  }),
);

builder.queryField('invoice', (t) =>
  t.field({
    type: InvoiceRef,
    nullable: true,
    description: "One of your invoices; null when there is none (or it is another account's).",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const account = requireAccount(ctx);
      const uuid = parseId('Invoice', String(id));
      return uuid ? ((await ctx.svc.db.invoice.findFirst({ where: { id: uuid, accountId: account.id } })) as InvoiceView | null) : null;
    },
  }),
);

const invoiceIdArg = (raw: string) => {
  const id = parseId('Invoice', raw);
  if (!id) throw notFound(`invoice ${raw}`);
  return id;
};

builder.mutationField('finalizeInvoices', (t) =>
  t.int({
    description: 'Operators: finalizes now every draft whose month ended more than the grace period ago (the worker does it on its own). Returns how many.',
    resolve: async (_, __, ctx) => {
      requireOperator(ctx);
      return finalizeDueInvoices(ctx.svc);
    },
  }),
);

builder.mutationField('finalizeInvoice', (t) =>
  t.field({
    type: InvoiceRef,
    description: 'Operators: finalizes one draft whose month has ended (idempotent: a finalized invoice is returned as it is).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      requireOperator(ctx);
      return finalizeInvoice(ctx.svc, invoiceIdArg(String(id)));
    },
  }),
);

builder.mutationField('markInvoicePaid', (t) =>
  t.field({
    type: InvoiceRef,
    description: 'Operators: a FINALIZED invoice was paid.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      requireOperator(ctx);
      return settleInvoice(ctx.svc, invoiceIdArg(String(id)), 'PAID', null);
    },
  }),
);

builder.mutationField('voidInvoice', (t) =>
  t.field({
    type: InvoiceRef,
    description: 'Operators: cancels a FINALIZED invoice.',
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_, { id, reason }, ctx) => {
      requireOperator(ctx);
      if (reason.trim() === '' || reason.length > 500) throw new AppError('BAD_USER_INPUT', 'reason must be 1 to 500 characters');
      return settleInvoice(ctx.svc, invoiceIdArg(String(id)), 'VOID', reason);
    },
  }),
);

// ───────────────────────────── usage ─────────────────────────────

const UsageGroupByEnum = builder.enumType('UsageGroupBy', { values: ['NAMESPACE', 'WORKLOAD', 'RESOURCE', 'HOUR'] as const });

const UsageRowRef = builder.objectRef<UsageRow & { currency: string }>('UsageRow').implement({
  description: 'Billed usage of one group, with its cost rated as on an invoice.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The namespace, "namespace/Kind/name", "resource:type[:spot]" or the hour (ISO).' }),
    namespace: t.exposeString('namespace', { nullable: true }),
    workloadKind: t.exposeString('workloadKind', { nullable: true }),
    workloadName: t.exposeString('workloadName', { nullable: true }),
    resource: t.exposeString('resource', { nullable: true }),
    hour: t.expose('hour', { type: 'DateTime', nullable: true }),
    podSeconds: t.string({ description: 'Billed pod-seconds (0 for RESOURCE rows).', resolve: (r) => r.podSeconds.toString() }),
    coreSeconds: t.string({ resolve: (r) => formatQuantity('cpu', r.cpuMilliSeconds) }),
    gibSeconds: t.string({ resolve: (r) => formatQuantity('memory', r.memoryMiSeconds) }),
    cardSeconds: t.string({ resolve: (r) => formatQuantity('gpu', r.gpuMilliSeconds) }),
    cost: t.field({ type: MoneyRef, resolve: (r) => money(r.amountMicro, r.currency) }),
  }),
});

/** The widest usage range one query may ask for. */
const MAX_USAGE_RANGE_MS = 93 * 24 * 3_600_000;

builder.queryField('usage', (t) =>
  t.field({
    type: [UsageRowRef],
    description: 'Billed usage of a cluster over [from, to) at hour resolution (from rounds down, to up, to whole hours), grouped. At most 93 days.',
    args: { clusterId: t.arg.id({ required: true }), from: t.arg({ type: 'DateTime', required: true }), to: t.arg({ type: 'DateTime', required: true }), groupBy: t.arg({ type: UsageGroupByEnum, required: true }) },
    resolve: async (_, args, ctx) => {
      const account = requireAccount(ctx);
      const id = parseId('Cluster', String(args.clusterId));
      const cluster = id ? await findCluster(ctx.svc, account.id, id) : null;
      if (!cluster) throw notFound(`cluster ${args.clusterId}`);
      if (args.to.getTime() <= args.from.getTime()) throw new AppError('BAD_USER_INPUT', '`to` must be after `from`');
      if (args.to.getTime() - args.from.getTime() > MAX_USAGE_RANGE_MS) throw new AppError('BAD_USER_INPUT', 'the range may span at most 93 days');
      const currency = regionCurrency(ctx.svc, cluster.region);
      return (await clusterUsage(ctx.svc, cluster, args.from, args.to, args.groupBy)).map((r) => ({ ...r, currency }));
    },
  }),
);

// ───────────────────────────── live cost ─────────────────────────────

const CostTickRef = builder.objectRef<CostTick>('CostTick').implement({
  description: 'A cluster’s running cost this month. Between ticks, amount grows by burnRatePerHour.',
  fields: (t) => ({
    month: t.exposeString('month'),
    currency: t.exposeString('currency'),
    amount: t.field({ type: MoneyRef, description: 'Month to date (a running estimate: the invoice rates the same seconds and rounds once per line).', resolve: (c) => moneyOfNano(c.amountNano, c.currency) }),
    burnRatePerHour: t.field({ type: MoneyRef, description: 'What the running pods cost per hour now.', resolve: (c) => moneyOfNano(c.burnRateNanoPerHour, c.currency) }),
    runningPods: t.exposeInt('runningPods', { description: 'Pods billing now.' }),
    asOf: t.field({ type: 'DateTime', resolve: (c) => new Date(c.asOf) }),
  }),
});

builder.objectFields(ClusterRef, (t) => ({
  cost: t.field({ type: CostTickRef, description: 'The cluster’s cost this month so far.', resolve: (c, _, ctx, info) => loaders(ctx, info).costTick.load(c) }),
}));

builder.subscriptionField('costTicker', (t) =>
  t.field({
    type: CostTickRef,
    description: 'The cluster’s cost this month so far: now, then as pods start and stop billing and at every meter pass.',
    args: { clusterId: t.arg.id({ required: true }) },
    subscribe: async (_, { clusterId }, ctx) => {
      const account = requireAccount(ctx);
      const id = parseId('Cluster', String(clusterId));
      if (!id) throw notFound(`cluster ${clusterId}`);
      return costTickerStream(ctx.svc, account.id, id);
    },
    resolve: (c: CostTick) => c,
  }),
);

// ───────────────────────────── budgets ─────────────────────────────

const BudgetPeriodEnum = builder.enumType('BudgetPeriod', { description: 'A budget renews every calendar month (UTC).', values: ['MONTHLY'] as const });

const BudgetRef = builder.objectRef<Budget>('Budget').implement({
  description: 'A monthly spending budget for the account or one cluster; alerts at 50, 80 and 100 %.',
  fields: (t) => ({
    id: t.exposeString('id'),
    clusterId: t.exposeString('clusterId', { nullable: true, description: 'null: the whole account.' }),
    amount: t.field({ type: MoneyRef, resolve: (b) => money(b.amountMicro, b.currency) }),
    period: t.field({ type: BudgetPeriodEnum, resolve: () => 'MONTHLY' as const }),
    spent: t.field({ type: MoneyRef, description: 'This month so far (metered).', resolve: async (b, _, ctx, info) => moneyOfNano(await loaders(ctx, info).budgetSpentNano.load(b), b.currency) }),
    percentUsed: t.float({ description: 'Spent as a percentage of the budget, floored to 0.1.', resolve: async (b, _, ctx, info) => percentOf(await loaders(ctx, info).budgetSpentNano.load(b), b.amountMicro) }),
    alertedPercent: t.int({ description: 'The highest threshold alerted this month (0: none).', resolve: (b, _, ctx) => (b.alertedPeriod === monthKey(ctx.svc.clock.now()) ? b.alertedPercent : 0) }),
  }),
});

builder.queryField('budgets', (t) =>
  t.field({
    type: [BudgetRef],
    description: 'Your budgets (the account’s and its clusters’).',
    resolve: (_, __, ctx) => ctx.svc.db.budget.findMany({ where: { accountId: requireAccount(ctx).id }, orderBy: { createdAt: 'asc' } }),
  }),
);

const SetBudgetPayload = builder.objectRef<{ budget: Budget | null; userErrors: { field: string[]; code: string; message: string }[] }>('SetBudgetPayload').implement({
  fields: (t) => ({
    budget: t.field({ type: BudgetRef, nullable: true, resolve: (p) => p.budget }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('setBudget', (t) =>
  t.field({
    type: SetBudgetPayload,
    description: 'Sets the monthly budget of a cluster (clusterId) or of the whole account (no clusterId). Replaces an earlier one; alerts start over.',
    args: {
      clusterId: t.arg.id(),
      amount: t.arg.string({ required: true, description: 'A decimal amount, e.g. "1000" or "12.50".' }),
      period: t.arg({ type: BudgetPeriodEnum, defaultValue: 'MONTHLY' }),
      currency: t.arg.string({ description: 'Account budgets: CNY or USD (default: the currency of your first cluster). Cluster budgets use the cluster’s.' }),
    },
    resolve: async (_, args, ctx) => {
      const account = requireAccount(ctx);
      let clusterId: string | null = null;
      if (args.clusterId) {
        clusterId = parseId('Cluster', String(args.clusterId));
        if (!clusterId) return { budget: null, userErrors: [{ field: ['clusterId'], code: 'NOT_FOUND', message: `cluster ${args.clusterId} not found` }] };
      }
      return setBudget(ctx.svc, account.id, { clusterId, amount: args.amount, currency: args.currency, period: 'MONTHLY' });
    },
  }),
);

builder.mutationField('deleteBudget', (t) =>
  t.boolean({
    description: 'Removes the budget of a cluster (clusterId) or of the account. False when there was none.',
    args: { clusterId: t.arg.id() },
    resolve: async (_, args, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = args.clusterId ? parseId('Cluster', String(args.clusterId)) : null;
      if (args.clusterId && !clusterId) return false;
      return deleteBudget(ctx.svc, account.id, clusterId);
    },
  }),
);

const BudgetAlertRef = builder.objectRef<BudgetAlertRecord>('BudgetAlert').implement({
  description: 'A budget crossed a threshold (50, 80 or 100 %) this month.',
  fields: (t) => ({
    id: t.exposeString('id'),
    budgetId: t.exposeString('budgetId'),
    clusterId: t.exposeString('clusterId', { nullable: true, description: 'The cluster of a cluster budget; null for the account’s.' }),
    threshold: t.exposeInt('threshold'),
    period: t.exposeString('period', { description: 'YYYY-MM.' }),
    spent: t.field({ type: MoneyRef, resolve: (a) => moneyOfNano(BigInt(a.spentNano), a.currency) }),
    budget: t.field({ type: MoneyRef, resolve: (a) => money(BigInt(a.budgetMicro), a.currency) }),
    createdAt: t.field({ type: 'DateTime', resolve: (a) => new Date(a.createdAt) }),
  }),
});

builder.subscriptionField('budgetAlerts', (t) =>
  t.field({
    type: BudgetAlertRef,
    description: 'Budget alerts as they happen (all of the account’s, or those of one cluster’s budget). With `since`, first the alerts recorded after it.',
    args: { clusterId: t.arg.id(), since: t.arg({ type: 'DateTime' }) },
    subscribe: async (_, args, ctx) => {
      const account = requireAccount(ctx);
      let clusterId: string | null = null;
      if (args.clusterId) {
        clusterId = parseId('Cluster', String(args.clusterId));
        if (!clusterId) throw notFound(`cluster ${args.clusterId}`);
      }
      return budgetAlertStream(ctx.svc, account.id, { clusterId, since: args.since ?? null });
    },
    resolve: (a: BudgetAlertRecord) => a,
  }),
);

// ───────────────────────────── pods ─────────────────────────────

builder.objectFields(PodRef, (t) => ({
  billedSince: t.field({ type: 'DateTime', nullable: true, description: 'When the pod started billing (its first image pull); null: not (yet).', resolve: (p) => (p as { billingFrom?: Date | null }).billingFrom ?? null }),
  billedUntil: t.field({ type: 'DateTime', nullable: true, description: 'When the pod stopped billing (it finished); null while it bills.', resolve: (p) => (p as { billingUntil?: Date | null }).billingUntil ?? null }),
}));
