/**
 * The billed pod spec: which (CPU, memory[, GPU]) size a pod runs and is billed at, following the
 * Tencent EKS / TKE Serverless rule, and the ways (placement options) the pod may run.
 *
 * CPU pods
 * - Annotations `eks.tke.cloud.tencent.com/cpu` + `eks.tke.cloud.tencent.com/mem` name the
 *   spec explicitly; they must be given together and be exactly a supported spec.
 * - Otherwise, per resource and separately for app and init containers, the total is
 *   max(sum of requests, largest limit); the pod needs the larger of the two totals, rounded
 *   up to the smallest supported spec. No requests or limits at all → 1 CPU / 2 GiB.
 * - `eks.tke.cloud.tencent.com/cpu-type` (`intel`, `amd`, a comma list in priority order)
 *   gives one option per CPU type, all of the same size; without it, Tencent's default
 *   "Intel preferred when both match": intel, then amd.
 *
 * GPU pods (containers ask for `nvidia.com/gpu`, or a `gpu-type` / `gpu-count` annotation is set)
 * - `eks.tke.cloud.tencent.com/gpu-type` is required: `V100`, `T4`, `1/4*T4`, `1/2*T4`, or a
 *   comma list in priority order (`T4,V100`). One option per type.
 * - The GPU count is the containers' `nvidia.com/gpu` (requests, or limits when no request;
 *   whole numbers; request = limit when both are given; the larger of app and init containers)
 *   or `eks.tke.cloud.tencent.com/gpu-count` (both given: they must agree); a `gpu-type` alone
 *   means 1. A vGPU slice (1/4*T4, 1/2*T4) is 1 GPU.
 * - Per type: the smallest spec of GPU_SPECS with at least that many cards whose CPU and memory
 *   cover the pod's totals (computed as for CPU pods), over-allocating cards when the smaller
 *   specs do not cover them, as Tencent does. A type that cannot hold the pod is left out when
 *   another can. With cpu/mem annotations, a type's spec must be exactly the annotated one.
 * - `cpu-type` does not apply (GPU pods run on their GPU hosts' CPUs).
 *
 * Pure: no I/O, no clock, no randomness.
 *
 * Error messages are the detail part of a kubectl-style message ("Invalid value: \"12q\": ...");
 * callers prefix them with the rendered field path, which they know better (see manifest.ts).
 */
import {
  BYTES_PER_MI,
  ZERO,
  addQuantity,
  compareQuantity,
  fromInteger,
  fitsQuantityLimit,
  fromMilli,
  isNegative,
  isZero,
  maxQuantity,
  QUANTITY_TOO_LARGE,
  parseQuantity,
  parseQuantityValue,
  toMilliCeil,
  toUnitsCeil,
  type Quantity,
} from './quantity';
import type { CpuType, GpuModel, PlacementOption } from './scheduler/types';
import { quoted, renderValue, type FieldError } from './validation/errors';

export interface BilledSpec {
  cpuMilli: number;
  memoryMi: number;
}
export interface ResourceList {
  [name: string]: unknown;
}
export interface ContainerLike {
  name?: unknown;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}
export interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}
/** A sizing problem (the validation kit's FieldError). */
export type SizingError = FieldError;
export type SizingResult =
  | {
      ok: true;
      /** The CPU and memory the pod is billed at: those of options[0]. */
      spec: BilledSpec;
      /**
       * 'annotations': the cpu/mem annotations named it; 'default': nothing asked for any CPU or
       * memory (1 CPU / 2 GiB, or a GPU pod's smallest spec for its GPUs); 'resources': requests
       * and limits decided it.
       */
      source: 'default' | 'resources' | 'annotations';
      /** The ways to run the pod, in priority order; at least one. */
      options: PlacementOption[];
    }
  | { ok: false; errors: SizingError[] };

export const EKS_CPU_ANNOTATION = 'eks.tke.cloud.tencent.com/cpu';
export const EKS_MEM_ANNOTATION = 'eks.tke.cloud.tencent.com/mem';
/** GPU type(s), comma list in priority order: `V100`, `T4`, `1/4*T4`, `1/2*T4`. Required for GPU pods. */
export const GPU_TYPE_ANNOTATION = 'eks.tke.cloud.tencent.com/gpu-type';
/** Number of GPUs, a positive integer (`"2"`); must agree with the containers' nvidia.com/gpu when both are set. */
export const GPU_COUNT_ANNOTATION = 'eks.tke.cloud.tencent.com/gpu-count';
/** CPU type(s) of a CPU pod, comma list in priority order: `intel`, `amd`. */
export const CPU_TYPE_ANNOTATION = 'eks.tke.cloud.tencent.com/cpu-type';
/** `"true"`: run the pod on spot (preemptible) capacity; `"false"` or absent: regular capacity. */
export const SPOT_ANNOTATION = 'eks.tke.cloud.tencent.com/spot-pod';
/** The extended resource containers ask GPUs with. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The GPU types a pod may ask for; a slice (1/4*T4, 1/2*T4) is a vGPU, one per pod. */
export type GpuType = 'V100' | 'T4' | '1/4*T4' | '1/2*T4';
export const GPU_TYPES: readonly GpuType[] = Object.freeze(['V100', 'T4', '1/4*T4', '1/2*T4'] as GpuType[]);
export const CPU_TYPES: readonly CpuType[] = Object.freeze(['intel', 'amd'] as CpuType[]);
/** The options of a CPU pod without a cpu-type annotation: "Intel preferred when both match". */
export const DEFAULT_CPU_TYPES: readonly CpuType[] = CPU_TYPES;

/** One GPU pod spec of the Tencent table. */
export interface GpuSpec {
  gpuType: GpuType;
  /** The card the host carries (a slice type runs on a T4 host sliced to its size). */
  model: GpuModel;
  /** The nvidia.com/gpu the spec provides: whole cards, or 1 for a vGPU slice. */
  cards: number;
  /** GPU in thousandths of a card, as PlacementOption.gpuMilli: 1000 × cards, or 250 / 500 for a slice. */
  gpuMilli: number;
  cpuMilli: number;
  memoryMi: number;
}

function gpuSpec(gpuType: GpuType, model: GpuModel, cards: number, gpuMilli: number, cores: number, gi: number): GpuSpec {
  return Object.freeze({ gpuType, model, cards, gpuMilli, cpuMilli: cores * 1000, memoryMi: gi * 1024 });
}

/**
 * Every GPU pod spec (Tencent EKS, current China doc), by type in GPU_TYPES order, then
 * ascending by cards, CPU and memory (the order specs are tried in).
 */
export const GPU_SPECS: readonly GpuSpec[] = Object.freeze([
  gpuSpec('V100', 'V100', 1, 1000, 8, 40),
  gpuSpec('V100', 'V100', 2, 2000, 18, 80),
  gpuSpec('V100', 'V100', 4, 4000, 36, 160),
  gpuSpec('V100', 'V100', 8, 8000, 72, 320),
  gpuSpec('T4', 'T4', 1, 1000, 8, 32),
  gpuSpec('T4', 'T4', 1, 1000, 20, 80),
  gpuSpec('T4', 'T4', 1, 1000, 32, 128),
  gpuSpec('T4', 'T4', 2, 2000, 40, 160),
  gpuSpec('T4', 'T4', 4, 4000, 80, 320),
  gpuSpec('1/4*T4', 'T4', 1, 250, 4, 20),
  gpuSpec('1/2*T4', 'T4', 1, 500, 10, 40),
]);

/** CPU cores → memory sizes in GiB that Tencent EKS offers with that many cores. */
const SPEC_TABLE: ReadonlyArray<readonly [cpuCores: number, memoryGi: readonly number[]]> = [
  [0.25, [0.5, 1, 2]],
  [0.5, [1, 2, 3, 4]],
  [1, giRange(1, 8)],
  [2, giRange(4, 16)],
  [4, giRange(8, 32)],
  [8, giRange(16, 32)],
  [12, giRange(24, 48)],
  [16, giRange(32, 64)],
];

function giRange(from: number, to: number): number[] {
  const out: number[] = [];
  for (let gi = from; gi <= to; gi++) out.push(gi);
  return out;
}

/** Every supported pod spec, ascending by CPU, then by memory. */
export const SUPPORTED_SPECS: readonly BilledSpec[] = Object.freeze(
  SPEC_TABLE.flatMap(([cores, gis]) =>
    gis.map((gi) => Object.freeze({ cpuMilli: Math.round(cores * 1000), memoryMi: Math.round(gi * 1024) })),
  ),
);

/** The spec used when no container asks for anything. */
export const DEFAULT_SPEC: BilledSpec = Object.freeze({ cpuMilli: 1000, memoryMi: 2048 });

const LARGEST_SPEC = SUPPORTED_SPECS[SUPPORTED_SPECS.length - 1];

const CPU = 'cpu';
const MEMORY = 'memory';

const QUANTITY_HINT = 'must be a quantity such as "250m", "0.5", "2", "512Mi" or "2Gi"';

const TOTALS_RULE =
  '(per resource, the larger of the sum of requests and the largest limit, over containers and over init containers)';

export function sizePod(spec: PodSpecLike, annotations: Record<string, string> | undefined): SizingResult {
  const annErrors: SizingError[] = [];
  const resErrors: SizingError[] = [];

  const specAnn = readSpecAnnotations(annotations, annErrors);
  const gpuTypes = readTypeList(annotations, GPU_TYPE_ANNOTATION, GPU_TYPES, 'UNSUPPORTED_GPU_TYPE', 'GPU', annErrors);
  const gpuCount = readGpuCount(annotations, annErrors);
  const cpuTypes = readTypeList(annotations, CPU_TYPE_ANNOTATION, CPU_TYPES, 'UNSUPPORTED_CPU_TYPE', 'CPU', annErrors);
  // Requests and limits are checked even when annotations decide the size: Kubernetes
  // would refuse a malformed pod either way.
  const app = containerTotals(spec?.containers, 'containers', resErrors);
  const init = containerTotals(spec?.initContainers, 'initContainers', resErrors);
  const totals: Totals = {
    cpu: maxQuantity(app.cpu, init.cpu),
    memory: maxQuantity(app.memory, init.memory),
    gpu: app.gpu > init.gpu ? app.gpu : init.gpu,
    gpuAsked: app.gpuAsked || init.gpuAsked,
  };

  const isGpu = gpuTypes !== undefined || gpuCount !== undefined || totals.gpuAsked;
  const input: SizingInput = { annotations: annotations ?? {}, specAnn, gpuTypes, gpuCount, cpuTypes, totals, annErrors, resErrors };
  return isGpu ? sizeGpuPod(input) : sizeCpuPod(input);
}

interface SizingInput {
  annotations: Record<string, string>;
  specAnn: SpecAnnotations | undefined | 'invalid';
  gpuTypes: GpuType[] | undefined | 'invalid';
  gpuCount: number | undefined | 'invalid';
  cpuTypes: CpuType[] | undefined | 'invalid';
  totals: Totals;
  annErrors: SizingError[];
  resErrors: SizingError[];
}

function sizeCpuPod(i: SizingInput): SizingResult {
  const { specAnn, totals } = i;
  const annotated = specAnn && specAnn !== 'invalid' ? matchCpuSpec(specAnn, i.annotations, i.annErrors) : undefined;
  const errors = [...i.annErrors, ...i.resErrors];
  if (errors.length > 0 || specAnn === 'invalid' || i.cpuTypes === 'invalid') return { ok: false, errors };

  const types = i.cpuTypes ?? DEFAULT_CPU_TYPES;
  const result = (s: BilledSpec, source: 'default' | 'resources' | 'annotations'): SizingResult => ({
    ok: true,
    spec: { cpuMilli: s.cpuMilli, memoryMi: s.memoryMi },
    source,
    options: types.map((cpuType) => ({ cpuMilli: s.cpuMilli, memoryMi: s.memoryMi, cpuType, gpuModel: null, gpuMilli: 0 })),
  });
  if (annotated) return result(annotated, 'annotations');

  if (isZero(totals.cpu) && isZero(totals.memory)) return result(DEFAULT_SPEC, 'default');
  const fit = SUPPORTED_SPECS.find((s) => covers(s, totals));
  if (fit) return result(fit, 'resources');

  errors.push({
    field: ['spec', 'containers'],
    code: 'SPEC_TOO_LARGE',
    message:
      `Forbidden: the pod needs ${describeCpu(totals.cpu)} CPU and ${describeMemory(totals.memory)} of memory ` +
      `${TOTALS_RULE}, more than the largest supported pod spec, ${describeSpec(LARGEST_SPEC)}`,
  });
  return { ok: false, errors };
}

function sizeGpuPod(i: SizingInput): SizingResult {
  const { annotations, specAnn, gpuTypes, gpuCount, cpuTypes, totals } = i;
  const errors = [...i.annErrors, ...i.resErrors];
  if (Array.isArray(cpuTypes)) {
    errors.push({
      field: annotationField(CPU_TYPE_ANNOTATION),
      code: 'INVALID_ANNOTATION',
      message:
        `Invalid value: ${renderValue(annotations[CPU_TYPE_ANNOTATION])}: ` +
        'GPU pods run on the CPUs of their GPU hosts; cpu-type applies to CPU pods',
    });
  }
  if (gpuTypes === undefined) {
    errors.push({
      field: annotationField(GPU_TYPE_ANNOTATION),
      code: 'GPU_TYPE_REQUIRED',
      message: `Required value: the ${GPU_TYPE_ANNOTATION} annotation is required for GPU pods; supported: ${quoted(GPU_TYPES)}`,
    });
  }
  if (typeof gpuCount === 'number' && totals.gpu > 0n && BigInt(gpuCount) !== totals.gpu) {
    errors.push({
      field: annotationField(GPU_COUNT_ANNOTATION),
      code: 'INVALID_ANNOTATION',
      message:
        `Invalid value: ${renderValue(annotations[GPU_COUNT_ANNOTATION])}: must equal the ${GPU_RESOURCE} ` +
        `the containers ask for (${totals.gpu}) when both are given`,
    });
  }
  if (errors.length > 0 || !Array.isArray(gpuTypes) || gpuCount === 'invalid' || specAnn === 'invalid') {
    return { ok: false, errors };
  }

  const count = typeof gpuCount === 'number' ? gpuCount : totals.gpu > 0n ? Number(totals.gpu) : 1;
  const options: PlacementOption[] = [];
  for (const t of gpuTypes) {
    const specs = GPU_SPECS.filter((s) => s.gpuType === t && s.cards >= count);
    const pick = specAnn
      ? specs.find((s) => compareQuantity(fromMilli(s.cpuMilli), specAnn.cpu) === 0 && compareQuantity(specBytes(s), specAnn.mem) === 0)
      : specs.find((s) => covers(s, totals));
    if (pick) options.push({ cpuMilli: pick.cpuMilli, memoryMi: pick.memoryMi, cpuType: null, gpuModel: pick.model, gpuMilli: pick.gpuMilli });
  }
  if (options.length > 0) {
    const source = specAnn ? 'annotations' : isZero(totals.cpu) && isZero(totals.memory) ? 'default' : 'resources';
    return { ok: true, spec: { cpuMilli: options[0].cpuMilli, memoryMi: options[0].memoryMi }, source, options };
  }

  const gpus = `${count} GPU${count === 1 ? '' : 's'}`;
  const sliceHint = count > 1 && gpuTypes.some(isSliceType) ? '; a vGPU type (1/4*T4, 1/2*T4) is exactly 1 GPU' : '';
  if (specAnn) {
    const typeSpecs = gpuTypes.map((t) => `${t} specs are ${GPU_SPECS.filter((s) => s.gpuType === t).map(describeGpuSpec).join(', ')}`);
    errors.push({
      field: ['metadata', 'annotations'],
      code: 'UNSUPPORTED_SPEC',
      message:
        `Unsupported value: ${EKS_CPU_ANNOTATION}=${renderValue(annotations[EKS_CPU_ANNOTATION])}, ` +
        `${EKS_MEM_ANNOTATION}=${renderValue(annotations[EKS_MEM_ANNOTATION])}: ` +
        `not a GPU pod spec of ${gpuTypes.join(' or ')}${count > 1 ? ` with at least ${gpus}` : ''}; ` +
        `${typeSpecs.join('; ')}${sliceHint}`,
    });
    return { ok: false, errors };
  }
  const maxCards = Math.max(...gpuTypes.map((t) => largestGpuSpec(t).cards));
  const countFromAnnotation = typeof gpuCount === 'number' && totals.gpu === 0n;
  errors.push({
    field: countFromAnnotation && count > maxCards ? annotationField(GPU_COUNT_ANNOTATION) : ['spec', 'containers'],
    code: 'SPEC_TOO_LARGE',
    message:
      `Forbidden: the pod needs ${gpus}, ${describeCpu(totals.cpu)} CPU and ${describeMemory(totals.memory)} of memory ` +
      `${TOTALS_RULE}, more than the largest spec of ${gpuTypes.length === 1 ? 'the requested GPU type' : 'each requested GPU type'}: ` +
      `${gpuTypes.map((t) => `${t}: ${describeGpuSpec(largestGpuSpec(t))}`).join('; ')}${sliceHint}`,
  });
  return { ok: false, errors };
}

function isSliceType(t: GpuType): boolean {
  return t === '1/4*T4' || t === '1/2*T4';
}

function largestGpuSpec(t: GpuType): GpuSpec {
  const specs = GPU_SPECS.filter((s) => s.gpuType === t);
  return specs[specs.length - 1];
}

/** Whether a spec's CPU and memory hold the pod's totals. */
function covers(s: BilledSpec, totals: { cpu: Quantity; memory: Quantity }): boolean {
  return compareQuantity(fromMilli(s.cpuMilli), totals.cpu) >= 0 && compareQuantity(specBytes(s), totals.memory) >= 0;
}

function specBytes(s: BilledSpec): Quantity {
  return fromInteger(BigInt(s.memoryMi) * BYTES_PER_MI);
}

// ---------------------------------------------------------------------------------------------
// Annotations

const CPU_ANNOTATION_RE = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const MEM_ANNOTATION_RE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:Gi|Mi)$/;
const GPU_COUNT_RE = /^[1-9][0-9]*$/;

interface SpecAnnotations {
  cpu: Quantity;
  mem: Quantity;
}

function annotationField(key: string): string[] {
  return ['metadata', 'annotations', key];
}

function hasAnnotation(annotations: Record<string, string> | undefined, key: string): annotations is Record<string, string> {
  return !!annotations && typeof annotations === 'object' && Object.prototype.hasOwnProperty.call(annotations, key);
}

/**
 * Returns the CPU and memory named by the cpu/mem annotations, undefined when neither
 * annotation is present, or 'invalid' after pushing errors. Whether they name a supported
 * spec is decided later (CPU and GPU pods have different tables).
 */
function readSpecAnnotations(
  annotations: Record<string, string> | undefined,
  errors: SizingError[],
): SpecAnnotations | undefined | 'invalid' {
  const hasCpu = hasAnnotation(annotations, EKS_CPU_ANNOTATION);
  const hasMem = hasAnnotation(annotations, EKS_MEM_ANNOTATION);
  if (!annotations || (!hasCpu && !hasMem)) return undefined;

  const before = errors.length;

  if (!hasCpu || !hasMem) {
    const [missing, present] = hasCpu ? [EKS_MEM_ANNOTATION, EKS_CPU_ANNOTATION] : [EKS_CPU_ANNOTATION, EKS_MEM_ANNOTATION];
    errors.push({
      field: annotationField(missing),
      code: 'INVALID_ANNOTATION',
      message: `Required value: "${missing}" must be set together with "${present}"`,
    });
  }

  let cpu: Quantity | null = null;
  if (hasCpu) {
    const raw: unknown = annotations[EKS_CPU_ANNOTATION];
    cpu = typeof raw === 'string' && CPU_ANNOTATION_RE.test(raw) ? parseQuantity(raw) : null;
    if (!cpu) {
      errors.push({
        field: annotationField(EKS_CPU_ANNOTATION),
        code: 'INVALID_ANNOTATION',
        message: `Invalid value: ${renderValue(raw)}: must be a plain number of CPU cores, e.g. "0.25", "1" or "2"`,
      });
    }
  }

  let mem: Quantity | null = null;
  if (hasMem) {
    const raw: unknown = annotations[EKS_MEM_ANNOTATION];
    mem = typeof raw === 'string' && MEM_ANNOTATION_RE.test(raw) ? parseQuantity(raw) : null;
    if (!mem) {
      errors.push({
        field: annotationField(EKS_MEM_ANNOTATION),
        code: 'INVALID_ANNOTATION',
        message: `Invalid value: ${renderValue(raw)}: must be a memory size in Gi or Mi, e.g. "512Mi", "0.5Gi" or "16Gi"`,
      });
    }
  }

  if (errors.length > before || !cpu || !mem) return 'invalid';
  return { cpu, mem };
}

/** The CPU pod spec the annotations name exactly, or undefined after pushing UNSUPPORTED_SPEC. */
function matchCpuSpec(ann: SpecAnnotations, annotations: Record<string, string>, errors: SizingError[]): BilledSpec | undefined {
  const exact = SUPPORTED_SPECS.find(
    (s) => compareQuantity(fromMilli(s.cpuMilli), ann.cpu) === 0 && compareQuantity(specBytes(s), ann.mem) === 0,
  );
  if (exact) return exact;

  const sameCpu = SUPPORTED_SPECS.filter((s) => compareQuantity(fromMilli(s.cpuMilli), ann.cpu) === 0);
  const hint =
    sameCpu.length > 0
      ? `with ${describeCores(sameCpu[0].cpuMilli)} CPU the memory must be ${describeMemoryChoices(sameCpu.map((s) => s.memoryMi))}`
      : `the CPU must be one of ${[...new Set(SUPPORTED_SPECS.map((s) => describeCores(s.cpuMilli)))].join(', ')} cores`;
  errors.push({
    field: ['metadata', 'annotations'],
    code: 'UNSUPPORTED_SPEC',
    message:
      `Unsupported value: ${EKS_CPU_ANNOTATION}=${renderValue(annotations[EKS_CPU_ANNOTATION])}, ` +
      `${EKS_MEM_ANNOTATION}=${renderValue(annotations[EKS_MEM_ANNOTATION])}: not a supported pod spec; ${hint}`,
  });
  return undefined;
}

/**
 * A comma list of types in priority order (`T4,V100`; whitespace around items allowed):
 * undefined when the annotation is absent, 'invalid' after pushing errors (unknown or repeated
 * items), the list otherwise.
 */
function readTypeList<T extends string>(
  annotations: Record<string, string> | undefined,
  key: string,
  supported: readonly T[],
  code: string,
  what: 'GPU' | 'CPU',
  errors: SizingError[],
): T[] | undefined | 'invalid' {
  if (!hasAnnotation(annotations, key)) return undefined;
  const raw: unknown = annotations[key];
  const example = what === 'GPU' ? '"T4,V100"' : '"intel,amd"';
  const listHint = `; several may be given, comma-separated, in priority order (e.g. ${example})`;
  if (typeof raw !== 'string') {
    errors.push({ field: annotationField(key), code, message: `Unsupported value: ${renderValue(raw)}: supported values: ${quoted(supported)}${listHint}` });
    return 'invalid';
  }
  const out: T[] = [];
  let ok = true;
  for (const item of raw.split(',').map((s) => s.trim())) {
    if (!(supported as readonly string[]).includes(item)) {
      ok = false;
      errors.push({ field: annotationField(key), code, message: `Unsupported value: ${renderValue(item)}: supported values: ${quoted(supported)}${listHint}` });
    } else if ((out as string[]).includes(item)) {
      ok = false;
      errors.push({
        field: annotationField(key),
        code,
        message: `Duplicate value: ${renderValue(item)}: list each ${what} type at most once; supported values: ${quoted(supported)}`,
      });
    } else {
      out.push(item as T);
    }
  }
  return ok ? out : 'invalid';
}

function readGpuCount(annotations: Record<string, string> | undefined, errors: SizingError[]): number | undefined | 'invalid' {
  if (!hasAnnotation(annotations, GPU_COUNT_ANNOTATION)) return undefined;
  const raw: unknown = annotations[GPU_COUNT_ANNOTATION];
  if (typeof raw === 'string' && GPU_COUNT_RE.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  errors.push({
    field: annotationField(GPU_COUNT_ANNOTATION),
    code: 'INVALID_ANNOTATION',
    message: `Invalid value: ${renderValue(raw)}: must be a positive whole number of GPUs, e.g. "1" or "2"`,
  });
  return 'invalid';
}

// ---------------------------------------------------------------------------------------------
// Requests and limits

interface Totals {
  cpu: Quantity;
  memory: Quantity;
  /** nvidia.com/gpu: the sum over the containers (whole numbers only; others are reported). */
  gpu: bigint;
  /** Whether any container asks for a non-zero nvidia.com/gpu (even a malformed one). */
  gpuAsked: boolean;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isWhole(q: Quantity): boolean {
  return q.num % q.den === 0n;
}

function containerTotals(list: unknown, key: 'containers' | 'initContainers', errors: SizingError[]): Totals {
  let sumCpu = ZERO;
  let sumMem = ZERO;
  let maxLimitCpu = ZERO;
  let maxLimitMem = ZERO;
  let gpu = 0n;
  let gpuAsked = false;
  const none: Totals = { cpu: ZERO, memory: ZERO, gpu: 0n, gpuAsked: false };
  if (list === undefined || list === null) return none;
  if (!Array.isArray(list)) {
    errors.push({ field: ['spec', key], code: 'INVALID_VALUE', message: 'Invalid value: must be a list of containers' });
    return none;
  }

  list.forEach((container: unknown, i) => {
    if (!isPlainObject(container)) return; // shape problems are the manifest validator's business
    const base = ['spec', key, String(i), 'resources'];
    const resources = container.resources;
    if (resources === undefined || resources === null) return;
    if (!isPlainObject(resources)) {
      errors.push({
        field: base,
        code: 'INVALID_VALUE',
        message: 'Invalid value: must be a mapping with optional "requests" and "limits"',
      });
      return;
    }
    const requests = readResourceList(resources.requests, [...base, 'requests'], errors);
    const limits = readResourceList(resources.limits, [...base, 'limits'], errors);

    // Kubernetes refuses a limit below the request, for every resource (GPUs: see below).
    for (const [name, limit] of limits) {
      const request = requests.get(name);
      if (name !== GPU_RESOURCE && request && compareQuantity(limit.q, request.q) < 0) {
        errors.push({
          field: [...base, 'limits', name],
          code: 'INVALID_VALUE',
          message:
            `Invalid value: ${renderValue(limit.raw)}: ` +
            `must be greater than or equal to ${name} request of ${renderValue(request.raw)}`,
        });
      }
    }

    // nvidia.com/gpu is an extended resource: whole numbers, and a request equal to the limit.
    const gpuRequest = requests.get(GPU_RESOURCE);
    const gpuLimit = limits.get(GPU_RESOURCE);
    let gpuOk = true;
    for (const [where, g] of [['requests', gpuRequest], ['limits', gpuLimit]] as const) {
      if (!g) continue;
      if (!isZero(g.q)) gpuAsked = true;
      if (!isWhole(g.q)) {
        gpuOk = false;
        errors.push({ field: [...base, where, GPU_RESOURCE], code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(g.raw)}: must be an integer` });
      }
    }
    if (gpuOk && gpuRequest && gpuLimit && compareQuantity(gpuRequest.q, gpuLimit.q) !== 0) {
      gpuOk = false;
      errors.push({
        field: [...base, 'requests', GPU_RESOURCE],
        code: 'INVALID_VALUE',
        message: `Invalid value: ${renderValue(gpuRequest.raw)}: must be equal to ${GPU_RESOURCE} limit of ${renderValue(gpuLimit.raw)}`,
      });
    }
    const gpuQ = gpuRequest?.q ?? gpuLimit?.q;
    if (gpuOk && gpuQ) gpu += toUnitsCeil(gpuQ);

    // As the Kubernetes API server does, a request that is not set defaults to the limit.
    const reqCpu = requests.get(CPU)?.q ?? limits.get(CPU)?.q ?? ZERO;
    const reqMem = requests.get(MEMORY)?.q ?? limits.get(MEMORY)?.q ?? ZERO;
    sumCpu = addQuantity(sumCpu, reqCpu);
    sumMem = addQuantity(sumMem, reqMem);
    maxLimitCpu = maxQuantity(maxLimitCpu, limits.get(CPU)?.q ?? ZERO);
    maxLimitMem = maxQuantity(maxLimitMem, limits.get(MEMORY)?.q ?? ZERO);
  });

  return { cpu: maxQuantity(sumCpu, maxLimitCpu), memory: maxQuantity(sumMem, maxLimitMem), gpu, gpuAsked };
}

interface ParsedQuantity {
  q: Quantity;
  raw: unknown;
}

/** Parses every entry of a requests/limits map; invalid entries are reported and left out. */
function readResourceList(raw: unknown, field: string[], errors: SizingError[]): Map<string, ParsedQuantity> {
  const out = new Map<string, ParsedQuantity>();
  if (raw === undefined || raw === null) return out;
  if (!isPlainObject(raw)) {
    errors.push({
      field,
      code: 'INVALID_VALUE',
      message: `Invalid value: ${renderValue(raw)}: must be a mapping of resource names to quantities, e.g. {cpu: 250m, memory: 512Mi}`,
    });
    return out;
  }
  for (const [name, value] of Object.entries(raw)) {
    const q = parseQuantityValue(value);
    if (!q) {
      errors.push({
        field: [...field, name],
        code: 'INVALID_QUANTITY',
        message: `Invalid value: ${renderValue(value)}: ${QUANTITY_HINT}`,
      });
    } else if (isNegative(q)) {
      errors.push({
        field: [...field, name],
        code: 'INVALID_QUANTITY',
        message: `Invalid value: ${renderValue(value)}: must be greater than or equal to 0`,
      });
    } else if (!fitsQuantityLimit(q)) {
      errors.push({ field: [...field, name], code: 'TOO_LARGE', message: `Invalid value: ${renderValue(value)}: ${QUANTITY_TOO_LARGE}` });
    } else {
      out.set(name, { q, raw: value });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function describeCores(cpuMilli: number | bigint): string {
  const m = BigInt(cpuMilli);
  if (m % 1000n === 0n) return String(m / 1000n);
  const whole = m / 1000n;
  const frac = String(m % 1000n).padStart(3, '0').replace(/0+$/, '');
  return `${whole}.${frac}`;
}

function describeMi(mi: bigint): string {
  return mi % 1024n === 0n ? `${mi / 1024n}Gi` : `${mi}Mi`;
}

function describeCpu(q: Quantity): string {
  return describeCores(toMilliCeil(q));
}

function describeMemory(q: Quantity): string {
  const bytes = toUnitsCeil(q);
  const mi = (bytes + BYTES_PER_MI - 1n) / BYTES_PER_MI;
  return describeMi(mi);
}

/** "one of 512Mi, 1Gi, 2Gi", or "4Gi to 16Gi in 1Gi steps" for a long run of whole GiB. */
function describeMemoryChoices(mis: number[]): string {
  const stepped = mis.length > 3 && mis.every((m, i) => m % 1024 === 0 && (i === 0 || m - mis[i - 1] === 1024));
  if (stepped) return `${describeMi(BigInt(mis[0]))} to ${describeMi(BigInt(mis[mis.length - 1]))} in 1Gi steps`;
  return `one of ${mis.map((m) => describeMi(BigInt(m))).join(', ')}`;
}

function describeSpec(s: BilledSpec): string {
  return `${describeCores(s.cpuMilli)} CPU / ${describeMi(BigInt(s.memoryMi))}`;
}

function describeGpuSpec(s: GpuSpec): string {
  const gpu = isSliceType(s.gpuType) ? s.gpuType : `${s.cards} × ${s.gpuType}`;
  return `${gpu} with ${describeSpec(s)}`;
}
