/**
 * The price catalog (pure): the default prices, checking a catalog an admin edits, the version in
 * force at an instant, the priced resources (rates) of a billed spec, running estimates and quotes.
 * Units are those of types.ts: unit prices in nano-units per unit-second, amounts in micro-units,
 * rates in basis points.
 */
import { amountMicro, amountNano } from './money';
import { FULL_RATE_BP, type BilledSpec, type GpuPrices, type PriceItems, type PriceVersion, type Rate, type Resource } from './types';

export type Currency = 'CNY' | 'USD';

/** The fixed rate the USD GPU prices are derived at (CNY per USD), as a fraction: 7.2 = 72 / 10. */
const CNY_PER_USD_NUM = 72;
const CNY_PER_USD_DEN = 10;

/** A CNY nano-price in USD at 7.2 CNY per USD, rounded half up to the nano-unit (integer arithmetic). */
function cnyToUsd(cnyNano: number): number {
  return Math.floor((cnyNano * CNY_PER_USD_DEN * 2 + CNY_PER_USD_NUM) / (2 * CNY_PER_USD_NUM));
}

const CNY_GPU: Record<string, GpuPrices> = {
  V100: { card: 3_193_000, cpu: 57_780, memory: 33_890 },
  T4: { card: 1_447_000, cpu: 24_110, memory: 24_110 },
};

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Tencent EKS published pay-as-you-go prices, nano-units per unit-second (core, GiB or card).
 * Frozen: defaultPriceVersion hands out copies.
 */
export const DEFAULT_PRICES: Readonly<Record<Currency, PriceItems>> = deepFreeze({
  CNY: {
    cpu: { intel: 33_340, amd: 15_280 },
    memory: { intel: 13_890, amd: 8_890 },
    gpu: CNY_GPU,
    spotRateBp: 2000,
    discounts: [],
  },
  USD: {
    // Tencent international site.
    cpu: { intel: 4_976, amd: 2_190 },
    memory: { intel: 2_073, amd: 1_270 },
    // DERIVED, not published: the international site lists no GPU pod prices, so these are the
    // CNY ones at a fixed 7.2 CNY per USD, rounded half up to the nano-unit
    // (V100 card 3_193_000 / 7.2 = 443_472.2… → 443_472).
    gpu: Object.fromEntries(
      Object.entries(CNY_GPU).map(([m, p]) => [m, { card: cnyToUsd(p.card), cpu: cnyToUsd(p.cpu), memory: cnyToUsd(p.memory) }]),
    ),
    spotRateBp: 2000,
    discounts: [],
  },
});

function copyItems(items: PriceItems): PriceItems {
  return {
    cpu: { ...items.cpu },
    memory: { ...items.memory },
    gpu: Object.fromEntries(Object.entries(items.gpu).map(([m, p]) => [m, { ...p }])),
    spotRateBp: items.spotRateBp,
    discounts: items.discounts.map((d) => ({ ...d })),
  };
}

/** The default catalog of a region: the published prices of its currency, in force from the epoch. */
export function defaultPriceVersion(region: string, currency: string): PriceVersion {
  if (!Object.hasOwn(DEFAULT_PRICES, currency)) {
    throw new RangeError(`no default prices for currency "${currency}": use one of ${Object.keys(DEFAULT_PRICES).join(', ')}`);
  }
  return { id: `default-${region}`, region, currency, effectiveFrom: 0, items: copyItems(DEFAULT_PRICES[currency as Currency]) };
}

export interface CatalogError {
  field: string[];
  code: string;
  message: string;
}

const isPrice = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPositiveInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isRate = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= FULL_RATE_BP;
const has = (o: object | null | undefined, key: string): boolean => o != null && Object.hasOwn(o, key);
const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));

const PRICE_HINT = 'must be a whole, non-negative number of nano-units per unit-second (0.00003334 per second is 33340)';

/**
 * Problems with a catalog's prices (empty: valid). `need` names the CPU types and GPU models that
 * must be priced (those the region's pods may run on). Every CPU type priced for CPU or memory
 * must be priced for both.
 */
export function validatePriceItems(items: PriceItems, need: { cpuTypes: string[]; gpuModels: string[] }): CatalogError[] {
  const errors: CatalogError[] = [];
  const fail = (field: string[], code: string, message: string) => errors.push({ field: ['items', ...field], code, message });

  for (const resource of ['cpu', 'memory'] as const) {
    for (const [kind, price] of Object.entries(items[resource] ?? {})) {
      if (!isPrice(price)) fail([resource, kind], 'INVALID_PRICE', `The ${resource} price of CPU type "${kind}" ${PRICE_HINT}; got ${show(price)}.`);
    }
  }
  const cpuTypes = new Set([...need.cpuTypes, ...Object.keys(items.cpu ?? {}), ...Object.keys(items.memory ?? {})]);
  for (const kind of cpuTypes) {
    for (const resource of ['cpu', 'memory'] as const) {
      if (!has(items[resource], kind)) fail([resource, kind], 'MISSING_PRICE', `CPU type "${kind}" has no ${resource} price: add one.`);
    }
  }

  const gpuModels = new Set([...need.gpuModels, ...Object.keys(items.gpu ?? {})]);
  for (const model of gpuModels) {
    if (!has(items.gpu, model)) {
      fail(['gpu', model], 'MISSING_PRICE', `GPU model "${model}" has no prices: add its card, CPU and memory prices.`);
      continue;
    }
    const prices = items.gpu[model] as Partial<GpuPrices> | null;
    for (const part of ['card', 'cpu', 'memory'] as const) {
      if (!has(prices, part)) fail(['gpu', model, part], 'MISSING_PRICE', `GPU model "${model}" has no ${part} price: add one.`);
      else if (!isPrice(prices![part])) fail(['gpu', model, part], 'INVALID_PRICE', `The ${part} price of GPU model "${model}" ${PRICE_HINT}; got ${show(prices![part])}.`);
    }
  }

  if (!isRate(items.spotRateBp, 0)) {
    fail(['spotRateBp'], 'INVALID_RATE', `The spot rate must be a whole number of basis points from 0 to 10000 (2000 is 20 % of the price); got ${show(items.spotRateBp)}.`);
  }

  const seen = new Map<string, number>();
  (items.discounts ?? []).forEach((d, i) => {
    const at = ['discounts', String(i)];
    if (!has(items.cpu, d.cpuType)) {
      fail([...at, 'cpuType'], 'UNSUPPORTED_CPU_TYPE', `Discount ${i + 1} is for CPU type ${show(d.cpuType)}, which has no CPU price: use one of ${Object.keys(items.cpu ?? {}).map((k) => `"${k}"`).join(', ') || 'the priced CPU types'}.`);
    }
    if (!isPositiveInt(d.cpuMilli)) fail([...at, 'cpuMilli'], 'INVALID_VALUE', `Discount ${i + 1}'s CPU must be a whole, positive number of milli-cores (2 cores is 2000); got ${show(d.cpuMilli)}.`);
    if (!isPositiveInt(d.memoryMi)) fail([...at, 'memoryMi'], 'INVALID_VALUE', `Discount ${i + 1}'s memory must be a whole, positive number of MiB (4 GiB is 4096); got ${show(d.memoryMi)}.`);
    if (!isRate(d.rateBp, 1)) fail([...at, 'rateBp'], 'INVALID_RATE', `Discount ${i + 1}'s rate must be a whole number of basis points from 1 to 10000 (8000 bills 80 % of the price); got ${show(d.rateBp)}.`);
    const key = JSON.stringify([d.cpuType, d.cpuMilli, d.memoryMi]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else fail(at, 'DUPLICATE_DISCOUNT', `Discount ${i + 1} is for the same spec as discount ${first + 1} (CPU type ${show(d.cpuType)}, ${show(d.cpuMilli)} milli-cores, ${show(d.memoryMi)} MiB): keep one of them.`);
  });
  return errors;
}

/** The version of a region in force at `at` (epoch ms): the greatest effectiveFrom ≤ at, the later one on a tie. */
export function versionAt(versions: PriceVersion[], region: string, at: number): PriceVersion | null {
  let best: PriceVersion | null = null;
  for (const v of versions) {
    if (v.region === region && v.effectiveFrom <= at && (best === null || v.effectiveFrom >= best.effectiveFrom)) best = v;
  }
  return best;
}

/** A catalog lacks a price a spec needs. */
export class MissingPriceError extends Error {
  constructor(
    /** The price that is missing (gpu also when a GPU model has no prices at all). */
    readonly resource: Resource,
    /** The CPU type or GPU model. */
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingPriceError';
  }
}

function priceOf(table: Record<string, number> | GpuPrices | undefined, key: string, resource: Resource, kind: string, message: string): number {
  if (!has(table, key)) throw new MissingPriceError(resource, kind, message);
  return (table as Record<string, number>)[key];
}

/**
 * The priced resources of a spec, in order cpu, memory, (gpu). A GPU pod (gpuMilli > 0 and a GPU
 * model) bills its CPU and memory at the model's GPU-pod prices and gpuMilli milli-cards; any other
 * pod bills CPU and memory at its CPU type's prices (intel when unset). Spot pods bill at the spot
 * rate; a pay-as-you-go CPU pod of exactly a discount's spec bills CPU and memory at its rate; a
 * spot pod that also matches a discount takes the lower rate. Throws MissingPriceError.
 */
export function ratesOf(items: PriceItems, spec: BilledSpec): Rate[] {
  const base = spec.spot ? items.spotRateBp : FULL_RATE_BP;
  if (spec.gpuMilli > 0 && spec.gpuModel !== null) {
    const m = spec.gpuModel;
    if (!has(items.gpu, m)) throw new MissingPriceError('gpu', m, `no prices for GPU model "${m}"`);
    const p = items.gpu[m];
    const msg = (part: string) => `no ${part} price for GPU model "${m}"`;
    return [
      { resource: 'cpu', kind: m, unitPriceNano: priceOf(p, 'cpu', 'cpu', m, msg('cpu')), rateBp: base, perSecond: spec.cpuMilli },
      { resource: 'memory', kind: m, unitPriceNano: priceOf(p, 'memory', 'memory', m, msg('memory')), rateBp: base, perSecond: spec.memoryMi },
      { resource: 'gpu', kind: m, unitPriceNano: priceOf(p, 'card', 'gpu', m, msg('card')), rateBp: base, perSecond: spec.gpuMilli },
    ];
  }
  const kind = spec.cpuType ?? 'intel';
  const cpu = priceOf(items.cpu, kind, 'cpu', kind, `no cpu price for cpu type "${kind}"`);
  const memory = priceOf(items.memory, kind, 'memory', kind, `no memory price for cpu type "${kind}"`);
  let rateBp = base;
  for (const d of items.discounts) {
    if (d.cpuType === kind && d.cpuMilli === spec.cpuMilli && d.memoryMi === spec.memoryMi) rateBp = Math.min(rateBp, d.rateBp);
  }
  return [
    { resource: 'cpu', kind, unitPriceNano: cpu, rateBp, perSecond: spec.cpuMilli },
    { resource: 'memory', kind, unitPriceNano: memory, rateBp, perSecond: spec.memoryMi },
  ];
}

/** A running estimate in nano-units of `seconds` of a spec's rates (budgets, the live cost ticker). */
export function costNano(rates: Rate[], seconds: number | bigint): bigint {
  const s = BigInt(seconds);
  let total = 0n;
  for (const r of rates) total += amountNano(s * BigInt(r.perSecond), r.unitPriceNano, r.rateBp, r.resource);
  return total;
}

export interface QuoteLine {
  resource: Resource;
  kind: string;
  /** perSecond × 3600 × replicas × hours. */
  quantity: bigint;
  unitPriceNano: number;
  rateBp: number;
  amountMicro: bigint;
}

export interface Quote {
  rates: Rate[];
  /** One pod for one hour (rounded once per rate). */
  perPodHourMicro: bigint;
  /** All replicas for one hour (rounded once per rate). */
  perHourMicro: bigint;
  /** Σ of the lines' amounts. */
  totalMicro: bigint;
  lines: QuoteLine[];
}

/** What `replicas` pods of a spec cost over `hours` hours, as invoice-style lines (one per rate). */
export function quote(items: PriceItems, spec: BilledSpec, replicas: number, hours: number): Quote {
  if (!Number.isSafeInteger(replicas) || replicas < 0) throw new RangeError(`replicas must be a whole, non-negative number; got ${replicas}`);
  if (!Number.isSafeInteger(hours) || hours < 0) throw new RangeError(`hours must be a whole, non-negative number; got ${hours}`);
  const rates = ratesOf(items, spec);
  const n = BigInt(replicas);
  const h = BigInt(hours);
  let perPodHourMicro = 0n;
  let perHourMicro = 0n;
  let totalMicro = 0n;
  const lines: QuoteLine[] = rates.map((r) => {
    const podHour = BigInt(r.perSecond) * 3600n;
    perPodHourMicro += amountMicro(podHour, r.unitPriceNano, r.rateBp, r.resource);
    perHourMicro += amountMicro(podHour * n, r.unitPriceNano, r.rateBp, r.resource);
    const quantity = podHour * n * h;
    const amount = amountMicro(quantity, r.unitPriceNano, r.rateBp, r.resource);
    totalMicro += amount;
    return { resource: r.resource, kind: r.kind, quantity, unitPriceNano: r.unitPriceNano, rateBp: r.rateBp, amountMicro: amount };
  });
  return { rates, perPodHourMicro, perHourMicro, totalMicro, lines };
}
