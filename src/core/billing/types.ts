/**
 * Billing's shared vocabulary (pure). Money is integers everywhere:
 * - unit prices in nano-units of the currency per unit-second (0.00003334 CNY/core/s = 33_340);
 * - amounts in micro-units (10⁻⁶ of the currency), as bigint;
 * - rates (spot, small-spec discounts) in basis points of the list price (2000 = 20 %).
 * Quantities are integers in the finest unit a pod is sized in: CPU in milli-core-seconds,
 * memory in MiB-seconds, GPU in milli-card-seconds (a 1/4 T4 slice is 250 per second).
 * The one rounding rule: a line's amount is its exact value quantity × unit price × rate,
 * rounded half away from zero to the micro-unit, once per line (see money.ts).
 */

export type Resource = 'cpu' | 'memory' | 'gpu';

/** Basis points of the list price: 10_000 = the full price. */
export const FULL_RATE_BP = 10_000;

/** One resource's prices in a price version (nano-units per unit-second). */
export interface GpuPrices {
  /** Per card-second (a vGPU slice bills its fraction: gpuMilli / 1000 cards). */
  card: number;
  /** A GPU pod's CPU, per core-second. */
  cpu: number;
  /** A GPU pod's memory, per GiB-second. */
  memory: number;
}

/** A small-spec discount: pay-as-you-go pods of exactly this spec bill CPU and memory at rateBp. */
export interface SpecDiscount {
  cpuType: string;
  cpuMilli: number;
  memoryMi: number;
  rateBp: number;
}

/** The prices of one version of a region's catalog. */
export interface PriceItems {
  /** CPU pods' CPU per core-second, by CPU type (intel, amd). */
  cpu: Record<string, number>;
  /** CPU pods' memory per GiB-second, by CPU type. */
  memory: Record<string, number>;
  /** GPU pods, by GPU model (V100, T4). */
  gpu: Record<string, GpuPrices>;
  /** Spot pods bill CPU, memory and GPU at this share of the pay-as-you-go price (2000 = 20 %). */
  spotRateBp: number;
  /** Optional small-spec discounts (pay-as-you-go only; a spot pod takes the better rate). */
  discounts: SpecDiscount[];
}

/** A version of a region's price catalog; it applies from effectiveFrom (a whole UTC hour) on. */
export interface PriceVersion {
  id: string;
  region: string;
  currency: string;
  /** Epoch ms, a whole hour. */
  effectiveFrom: number;
  items: PriceItems;
}

/** What a pod is billed on: its sized spec and what it ran on (never its usage). */
export interface BilledSpec {
  cpuMilli: number;
  memoryMi: number;
  /** intel | amd (null: intel). */
  cpuType: string | null;
  /** V100 | T4, or null for a CPU pod. */
  gpuModel: string | null;
  /** GPU in thousandths of a card (0: none). */
  gpuMilli: number;
  spot: boolean;
}

/** One priced resource of a spec under a price version. */
export interface Rate {
  resource: Resource;
  /** What the unit price is for: the CPU type for a CPU pod's cpu and memory, else the GPU model. */
  kind: string;
  /** List price, nano-units per unit-second (core, GiB or card). */
  unitPriceNano: number;
  /** Share of the list price billed (spot, small-spec discount), basis points. */
  rateBp: number;
  /** Quantity per second of this spec: milli-cores, MiB or milli-cards. */
  perSecond: number;
}

export const HOUR_MS = 3_600_000;

/**
 * Σ seconds of the pods that share a line's dimensions and a spec, under one price version
 * (what the store aggregates from hourly usage buckets). `seconds` may be negative in an
 * adjustment group (usage of a finalized month that was corrected downwards).
 */
export interface UsageGroup {
  clusterId: string;
  clusterName: string;
  namespace: string;
  /** The top-level workload (Deployment, StatefulSet, Job, CronJob; null for a bare pod). */
  workloadKind: string | null;
  workloadName: string | null;
  spec: BilledSpec;
  versionId: string;
  seconds: bigint;
  /** Late usage of a finalized month (YYYY-MM) carried as an adjustment; null: the invoice's own month. */
  adjustmentFor: string | null;
}

/** One invoice line: cluster → namespace → workload → resource. */
export interface InvoiceLine {
  clusterId: string;
  clusterName: string;
  namespace: string;
  workloadKind: string | null;
  workloadName: string | null;
  resource: Resource;
  /** CPU type (intel, amd) for a CPU pod's cpu and memory; the GPU model for a GPU pod's lines. */
  kind: string;
  spot: boolean;
  /** milli-core-seconds, MiB-seconds or milli-card-seconds. */
  quantity: bigint;
  unitPriceNano: number;
  rateBp: number;
  amountMicro: bigint;
  adjustmentFor: string | null;
}

/** A ledger row as the meter sees it (epoch ms). */
export interface MeterInput {
  /** Start of the first image pull. */
  from: number;
  /** The pod's termination; null while it runs. */
  until: number | null;
  /** Up to when buckets were last written (exclusive); null: never metered. */
  meteredUntil: number | null;
}

/** What one meter pass writes for one ledger row. */
export interface MeterPlan {
  /**
   * Buckets of hours ≥ fromHour are replaced by `buckets` (hours before it are final and
   * unchanged): write these, delete the pod's other buckets with hour ≥ fromHour.
   */
  fromHour: number;
  buckets: { hour: number; seconds: number }[];
  /** The new meteredUntil (until, or now for a running pod). */
  meteredUntil: number;
  /** The pod has terminated and every second of it is recorded: nothing left to meter. */
  final: boolean;
}
