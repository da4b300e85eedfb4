/**
 * NodeResourcesFit (kube-scheduler's plugin, plus the fleet's CPU-type and GPU rules).
 *
 * Filter
 * - Static (per host kind): the option's CPU type, GPU model and vGPU slice size must be the
 *   host's; a mismatch is UnschedulableAndUnresolvable (preemption cannot change a host's kind).
 * - Resources (fit.go fitsRequest): free = allocatable − requested (− nominated pods of equal or
 *   higher priority). Every shortfall is listed, in kube-scheduler's order: "Too many pods",
 *   "Insufficient cpu", "Insufficient memory", "Insufficient nvidia.com/gpu". The status is
 *   UnschedulableAndUnresolvable when some request exceeds the host's whole allocatable
 *   (removing pods would not help), Unschedulable otherwise.
 *
 * Score (scoring strategies, all integer arithmetic as in Go: division truncates):
 * - LeastAllocated: per resource (capacity − requested) × 100 / capacity (0 when over), weighted
 *   mean truncated.
 * - MostAllocated: per resource min(requested, capacity) × 100 / capacity, weighted mean truncated.
 * - RequestedToCapacityRatio: per resource utilization = requested × 100 / capacity (100 when
 *   requested ≥ capacity), mapped through the shape (scores ×10, piecewise linear in integers);
 *   as in current upstream (requested_to_capacity_ratio.go), a resource scoring 0 is left out of
 *   the mean (neither its score nor its weight counts) and the mean is rounded with math.Round.
 * - Resources with capacity 0 are skipped (score and weight); the caller skips nvidia.com/gpu when
 *   the pod requests none.
 */
import type { HostInfo, PlacementOption, Status } from '../../types';
import { status, MAX_NODE_SCORE } from '../../status';

export const NAME = 'NodeResourcesFit';

export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_CPU = 'Insufficient cpu';
export const REASON_MEMORY = 'Insufficient memory';
export const REASON_GPU = 'Insufficient nvidia.com/gpu';

export const INSUFFICIENT_PODS = 1;
export const INSUFFICIENT_CPU = 2;
export const INSUFFICIENT_MEMORY = 4;
export const INSUFFICIENT_GPU = 8;

const insufficientCache: (Status | undefined)[] = new Array(32);

/** The status for a set of shortfalls (bit mask of INSUFFICIENT_*). */
export function insufficientStatus(mask: number, unresolvable: boolean): Status {
  const k = mask | (unresolvable ? 16 : 0);
  let s = insufficientCache[k];
  if (s === undefined) {
    const reasons: string[] = [];
    if (mask & INSUFFICIENT_PODS) reasons.push(REASON_TOO_MANY_PODS);
    if (mask & INSUFFICIENT_CPU) reasons.push(REASON_CPU);
    if (mask & INSUFFICIENT_MEMORY) reasons.push(REASON_MEMORY);
    if (mask & INSUFFICIENT_GPU) reasons.push(REASON_GPU);
    s = status(NAME, unresolvable ? 'UnschedulableAndUnresolvable' : 'Unschedulable', ...reasons);
    insufficientCache[k] = s;
  }
  return s;
}

/**
 * The resource check against given free amounts (allocatable − requested − nominated). Returns
 * null when the option fits.
 */
export function fitsResources(
  option: PlacementOption,
  freeCpu: number,
  freeMem: number,
  freeGpu: number,
  freePods: number,
  allocCpu: number,
  allocMem: number,
  allocGpu: number,
  allocPods: number,
): Status | null {
  let mask = 0;
  let unres = false;
  if (freePods < 1) {
    mask |= INSUFFICIENT_PODS;
    if (allocPods < 1) unres = true;
  }
  const cpu = option.cpuMilli;
  if (cpu > 0 && cpu > freeCpu) {
    mask |= INSUFFICIENT_CPU;
    if (cpu > allocCpu) unres = true;
  }
  const mem = option.memoryMi;
  if (mem > 0 && mem > freeMem) {
    mask |= INSUFFICIENT_MEMORY;
    if (mem > allocMem) unres = true;
  }
  const gpu = option.gpuMilli;
  if (gpu > 0 && gpu > freeGpu) {
    mask |= INSUFFICIENT_GPU;
    if (gpu > allocGpu) unres = true;
  }
  return mask === 0 ? null : insufficientStatus(mask, unres);
}

export function cpuTypeReason(t: string): string {
  return `node(s) didn't match the requested CPU type (${t})`;
}

export function gpuModelReason(m: string): string {
  return `node(s) didn't have the requested GPU (${m})`;
}

/** "1/4 T4", "1/2 T4", "3/4 T4"; whole cards: "1 T4", "2 V100". */
export function gpuShare(gpuMilli: number, model: string): string {
  if (gpuMilli >= 1000 && gpuMilli % 1000 === 0) return `${gpuMilli / 1000} ${model}`;
  const g = gcd(gpuMilli, 1000);
  return `${gpuMilli / g}/${1000 / g} ${model}`;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export function gpuSliceReason(gpuMilli: number, model: string): string {
  return `node(s) didn't offer the requested vGPU slice (${gpuShare(gpuMilli, model)})`;
}

/**
 * The host-kind part of the filter: CPU type, GPU model, vGPU slice. A fractional request
 * (gpuMilli < 1000) runs only on a host sliced to exactly that size; whole cards only on
 * whole-card hosts.
 */
export function filterStatic(option: PlacementOption, host: HostInfo): Status | null {
  if (option.cpuType !== null && option.cpuType !== host.cpuType) return cpuTypeStatus(option.cpuType);
  if (option.gpuModel !== null) {
    if (host.gpuModel !== option.gpuModel) return gpuModelStatus(option.gpuModel);
    const want = option.gpuMilli < 1000 ? option.gpuMilli : 1000;
    if (host.gpuSliceMilli !== want) return gpuSliceStatus(option.gpuMilli, option.gpuModel);
  }
  return null;
}

const cpuTypeStatuses = new Map<string, Status>();
const gpuModelStatuses = new Map<string, Status>();
const gpuSliceStatuses = new Map<string, Map<number, Status>>();

function cpuTypeStatus(t: string): Status {
  let s = cpuTypeStatuses.get(t);
  if (s === undefined) cpuTypeStatuses.set(t, (s = status(NAME, 'UnschedulableAndUnresolvable', cpuTypeReason(t))));
  return s;
}

function gpuModelStatus(m: string): Status {
  let s = gpuModelStatuses.get(m);
  if (s === undefined) gpuModelStatuses.set(m, (s = status(NAME, 'UnschedulableAndUnresolvable', gpuModelReason(m))));
  return s;
}

function gpuSliceStatus(gpuMilli: number, m: string): Status {
  let byMilli = gpuSliceStatuses.get(m);
  if (byMilli === undefined) gpuSliceStatuses.set(m, (byMilli = new Map()));
  let s = byMilli.get(gpuMilli);
  if (s === undefined) byMilli.set(gpuMilli, (s = status(NAME, 'UnschedulableAndUnresolvable', gpuSliceReason(gpuMilli, m))));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Scoring

/** least_allocated.go leastRequestedScore. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** most_allocated.go mostRequestedScore (requested clamped to capacity). */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) requested = capacity;
  return Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

/** requested × max / capacity with requested clamped to [0, capacity] (scaledUtilization). */
export function scaledUtilization(requested: number, capacity: number, max: number): number {
  if (capacity <= 0 || requested <= 0) return 0;
  if (requested >= capacity) return max;
  return Math.trunc((requested * max) / capacity);
}

export interface ShapePoint {
  utilization: number;
  score: number;
}

/**
 * helper.BuildBrokenLinearFunction on a shape already scaled to 0..100 scores: the first point's
 * score below it, the last one's above it, integer interpolation between (Go division truncates
 * toward zero, also for descending segments).
 */
export function brokenLinear(p: number, utils: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = utils.length;
  for (let i = 0; i < n; i++) {
    if (p <= utils[i]) {
      if (i === 0) return scores[0];
      return scores[i - 1] + Math.trunc(((scores[i] - scores[i - 1]) * (p - utils[i - 1])) / (utils[i] - utils[i - 1]));
    }
  }
  return scores[n - 1];
}

/** MaxNodeScore / MaxCustomPriorityScore: profile shapes score 0..10. */
export const SHAPE_SCALE = 10;

/** One resource's RequestedToCapacityRatio score (capacity 0 or over capacity: the shape at 100). */
export function rtcrResourceScore(requested: number, capacity: number, utils: ArrayLike<number>, scaledScores: ArrayLike<number>): number {
  if (capacity === 0 || requested > capacity) return brokenLinear(100, utils, scaledScores);
  return brokenLinear(scaledUtilization(requested, capacity, 100), utils, scaledScores);
}

/** LeastAllocated over parallel arrays (capacity-0 resources skipped, weighted mean truncated). */
export function leastAllocatedScore(requested: readonly number[], capacity: readonly number[], weights: readonly number[]): number {
  let score = 0;
  let wsum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (capacity[i] === 0) continue;
    score += leastRequestedScore(requested[i], capacity[i]) * weights[i];
    wsum += weights[i];
  }
  return wsum === 0 ? 0 : Math.trunc(score / wsum);
}

/** MostAllocated over parallel arrays (capacity-0 resources skipped, weighted mean truncated). */
export function mostAllocatedScore(requested: readonly number[], capacity: readonly number[], weights: readonly number[]): number {
  let score = 0;
  let wsum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (capacity[i] === 0) continue;
    score += mostRequestedScore(requested[i], capacity[i]) * weights[i];
    wsum += weights[i];
  }
  return wsum === 0 ? 0 : Math.trunc(score / wsum);
}

/** The profile shape (score 0..10) as parallel arrays scaled to 0..100. */
export function scaleShape(shape: readonly ShapePoint[]): { utils: number[]; scores: number[] } {
  return { utils: shape.map((p) => p.utilization), scores: shape.map((p) => p.score * (MAX_NODE_SCORE / SHAPE_SCALE)) };
}

/**
 * RequestedToCapacityRatio over parallel arrays; `shape` in profile units (score 0..10).
 * Resources scoring 0 are left out of the mean; the mean is rounded (math.Round).
 */
export function requestedToCapacityRatioScore(
  requested: readonly number[],
  capacity: readonly number[],
  weights: readonly number[],
  shape: readonly ShapePoint[],
): number {
  const { utils, scores } = scaleShape(shape);
  let score = 0;
  let wsum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (capacity[i] === 0) continue;
    const s = rtcrResourceScore(requested[i], capacity[i], utils, scores);
    if (s > 0) {
      score += s * weights[i];
      wsum += weights[i];
    }
  }
  return wsum === 0 ? 0 : Math.round(score / wsum);
}
