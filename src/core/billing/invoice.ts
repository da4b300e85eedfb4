/**
 * Invoice lines and their exports (pure: no I/O, no clock, no environment).
 *
 * Usage groups are priced rate by rate (catalog.ratesOf) into line contributions; contributions
 * that share a line's key are merged by summing their integer quantities, and only then is the
 * line's amount computed and rounded, once per line (money.amountMicro). An invoice's total is
 * the Σ of its lines' rounded amounts.
 */
import { ratesOf } from './catalog';
import { amountMicro, formatMicro, formatNano } from './money';
import type { InvoiceLine, PriceVersion, Resource, UsageGroup } from './types';

/** The CPU types: a cpu or memory line of another kind is a GPU pod's (its kind is the GPU model). */
export const CPU_TYPES = ['intel', 'amd'] as const;
export type CpuType = (typeof CPU_TYPES)[number];

const RESOURCE_ORDER: Record<Resource, number> = { cpu: 0, memory: 1, gpu: 2 };

/** A line's identity: contributions with the same key are one line. */
function lineKey(l: Omit<InvoiceLine, 'quantity' | 'amountMicro' | 'clusterName'>): string {
  return JSON.stringify([
    l.clusterId,
    l.namespace,
    l.workloadKind,
    l.workloadName,
    l.resource,
    l.kind,
    l.spot,
    l.unitPriceNano,
    l.rateBp,
    l.adjustmentFor,
  ]);
}

/** Code-unit string order (locale-independent, so the order is the same everywhere). */
function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpNullFirst(a: unknown, b: unknown): number {
  return (a === null ? 0 : 1) - (b === null ? 0 : 1);
}

/** The invoice order: own month, then adjustments by month; then cluster → … → rate. */
export function compareLines(a: InvoiceLine, b: InvoiceLine): number {
  return (
    cmpNullFirst(a.adjustmentFor, b.adjustmentFor) ||
    cmpStr(a.adjustmentFor ?? '', b.adjustmentFor ?? '') ||
    cmpStr(a.clusterName, b.clusterName) ||
    cmpStr(a.namespace, b.namespace) ||
    cmpStr(a.workloadKind ?? '', b.workloadKind ?? '') ||
    cmpStr(a.workloadName ?? '', b.workloadName ?? '') ||
    RESOURCE_ORDER[a.resource] - RESOURCE_ORDER[b.resource] ||
    cmpStr(a.kind, b.kind) ||
    Number(a.spot) - Number(b.spot) ||
    a.unitPriceNano - b.unitPriceNano ||
    a.rateBp - b.rateBp ||
    // Tie-breakers so the order is total: two clusters of one name, null before ''.
    cmpStr(a.clusterId, b.clusterId) ||
    cmpNullFirst(a.workloadKind, b.workloadKind) ||
    cmpNullFirst(a.workloadName, b.workloadName)
  );
}

/**
 * Prices usage groups into invoice lines: every rate of every group contributes
 * seconds × perSecond to its line; a line's quantities are summed, then its amount is rounded
 * once. Lines whose quantity sums to 0 are dropped. Throws on an unknown price version (and
 * whatever catalog.ratesOf throws on a missing price).
 */
export function rateGroups(groups: UsageGroup[], versions: Map<string, PriceVersion>): InvoiceLine[] {
  const lines = new Map<string, InvoiceLine>();
  for (const g of groups) {
    const version = versions.get(g.versionId);
    if (!version) throw new Error(`unknown price version ${JSON.stringify(g.versionId)}`);
    for (const rate of ratesOf(version.items, g.spec)) {
      const quantity = g.seconds * BigInt(rate.perSecond);
      const contribution: InvoiceLine = {
        clusterId: g.clusterId,
        clusterName: g.clusterName,
        namespace: g.namespace,
        workloadKind: g.workloadKind,
        workloadName: g.workloadName,
        resource: rate.resource,
        kind: rate.kind,
        spot: g.spec.spot,
        quantity,
        unitPriceNano: rate.unitPriceNano,
        rateBp: rate.rateBp,
        amountMicro: 0n,
        adjustmentFor: g.adjustmentFor,
      };
      const key = lineKey(contribution);
      const line = lines.get(key);
      if (line) line.quantity += quantity;
      else lines.set(key, contribution);
    }
  }
  const out: InvoiceLine[] = [];
  for (const line of lines.values()) {
    if (line.quantity === 0n) continue;
    line.amountMicro = amountMicro(line.quantity, line.unitPriceNano, line.rateBp, line.resource);
    out.push(line);
  }
  return out.sort(compareLines);
}

/** Σ of the lines' (already rounded) amounts, micro-units. */
export function invoiceTotal(lines: InvoiceLine[]): bigint {
  let total = 0n;
  for (const l of lines) total += l.amountMicro;
  return total;
}

export type QuantityUnit = 'core-second' | 'GiB-second' | 'card-second';

/** The unit a resource is priced (and its quantity shown) in. */
export function quantityUnit(resource: Resource): QuantityUnit {
  switch (resource) {
    case 'cpu':
      return 'core-second';
    case 'memory':
      return 'GiB-second';
    case 'gpu':
      return 'card-second';
  }
}

/** v / 10^places as an exact decimal string with exactly `places` decimals. */
function scaled(v: bigint, places: number): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(places + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -places)}.${s.slice(-places)}`;
}

/**
 * A quantity in its priced unit, exactly: milli-core- and milli-card-seconds / 1000 with 3
 * decimals; MiB-seconds / 1024 GiB-seconds with as many decimals as it takes (up to 10, since
 * 1/1024 = 9765625/10^10), trailing zeros trimmed down to 3 decimals.
 */
export function formatQuantity(resource: Resource, quantity: bigint): string {
  if (resource !== 'memory') return scaled(quantity, 3);
  // q / 1024 = q × 5^10 / 10^10.
  let s = scaled(quantity * 9_765_625n, 10);
  while (s.endsWith('0') && s.length - s.indexOf('.') - 1 > 3) s = s.slice(0, -1);
  return s;
}

/** "CPU (intel)", "Memory (T4 pod)", "GPU (T4)", with " spot" for spot lines. */
export function resourceLabel(line: Pick<InvoiceLine, 'resource' | 'kind' | 'spot'>): string {
  const spot = line.spot ? ' spot' : '';
  if (line.resource === 'gpu') return `GPU (${line.kind})${spot}`;
  const name = line.resource === 'cpu' ? 'CPU' : 'Memory';
  const cpuPod = (CPU_TYPES as readonly string[]).includes(line.kind);
  return `${name} (${line.kind}${cpuPod ? '' : ' pod'})${spot}`;
}

export interface InvoiceHeader {
  /** null for a draft that has no number yet. */
  number: string | null;
  /** YYYY-MM */
  month: string;
  currency: string;
  status: string;
}

/** Basis points as a percentage with 2 decimals (2000 → "20.00"). */
export function ratePercent(rateBp: number): string {
  return scaled(BigInt(rateBp), 2);
}

export const INVOICE_CSV_COLUMNS = [
  'invoice',
  'month',
  'currency',
  'status',
  'cluster',
  'namespace',
  'workload_kind',
  'workload',
  'resource',
  'type',
  'spot',
  'adjustment_for',
  'quantity',
  'unit',
  'unit_price',
  'rate_percent',
  'amount',
] as const;

/** A field that is a name: neutralised against spreadsheet formula injection. */
function text(v: string | null): CsvField {
  return { value: v ?? '', name: true };
}

/** A field we produced (a number, a unit, a flag): never prefixed. */
function produced(v: string): CsvField {
  return { value: v, name: false };
}

interface CsvField {
  value: string;
  name: boolean;
}

/** Starts a spreadsheet would read as a formula (=, +, -, @, and tab / CR as OWASP lists). */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(f: CsvField): string {
  const v = f.name && FORMULA_START.test(f.value) ? `'${f.value}` : f.value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvRow(fields: CsvField[]): string {
  return fields.map(csvField).join(',');
}

/**
 * The invoice as RFC 4180 CSV (CRLF line ends): a header row, one row per line, and a final
 * TOTAL row with only the amount. A bare pod's workload_kind and workload are left empty.
 */
export function invoiceCsv(header: InvoiceHeader, lines: InvoiceLine[]): string {
  const rows: string[] = [csvRow(INVOICE_CSV_COLUMNS.map(produced))];
  for (const l of lines) {
    rows.push(
      csvRow([
        text(header.number),
        text(header.month),
        text(header.currency),
        text(header.status),
        text(l.clusterName),
        text(l.namespace),
        text(l.workloadKind),
        text(l.workloadName),
        produced(l.resource),
        text(l.kind),
        produced(l.spot ? 'true' : 'false'),
        text(l.adjustmentFor),
        produced(formatQuantity(l.resource, l.quantity)),
        produced(quantityUnit(l.resource)),
        produced(formatNano(l.unitPriceNano)),
        produced(ratePercent(l.rateBp)),
        produced(formatMicro(l.amountMicro)),
      ]),
    );
  }
  const total = INVOICE_CSV_COLUMNS.map((c): CsvField => {
    if (c === 'resource') return produced('TOTAL');
    if (c === 'amount') return produced(formatMicro(invoiceTotal(lines)));
    return produced('');
  });
  rows.push(csvRow(total));
  return rows.map((r) => `${r}\r\n`).join('');
}

export interface InvoiceJsonLine {
  cluster: string;
  clusterId: string;
  namespace: string;
  workloadKind: string | null;
  workload: string | null;
  resource: Resource;
  type: string;
  spot: boolean;
  adjustmentFor: string | null;
  /** In the priced unit (formatQuantity). */
  quantity: string;
  unit: QuantityUnit;
  /** The integer quantity (milli-core-, MiB- or milli-card-seconds). */
  quantityRaw: string;
  unitPriceNano: number;
  unitPrice: string;
  ratePercent: string;
  amount: string;
  amountMicro: string;
}

export interface InvoiceJson {
  invoice: string | null;
  month: string;
  currency: string;
  status: string;
  total: string;
  totalMicro: string;
  lines: InvoiceJsonLine[];
}

/** The invoice as a JSON-ready object (bigints as strings, so JSON.stringify works). */
export function invoiceJson(header: InvoiceHeader, lines: InvoiceLine[]): InvoiceJson {
  const total = invoiceTotal(lines);
  return {
    invoice: header.number,
    month: header.month,
    currency: header.currency,
    status: header.status,
    total: formatMicro(total),
    totalMicro: total.toString(),
    lines: lines.map((l) => ({
      cluster: l.clusterName,
      clusterId: l.clusterId,
      namespace: l.namespace,
      workloadKind: l.workloadKind,
      workload: l.workloadName,
      resource: l.resource,
      type: l.kind,
      spot: l.spot,
      adjustmentFor: l.adjustmentFor,
      quantity: formatQuantity(l.resource, l.quantity),
      unit: quantityUnit(l.resource),
      quantityRaw: l.quantity.toString(),
      unitPriceNano: l.unitPriceNano,
      unitPrice: formatNano(l.unitPriceNano),
      ratePercent: ratePercent(l.rateBp),
      amount: formatMicro(l.amountMicro),
      amountMicro: l.amountMicro.toString(),
    })),
  };
}
