/**
 * The billed pod spec: which (CPU, memory) size a pod runs and is billed at, following the
 * Tencent EKS / TKE Serverless rule.
 *
 * - Annotations `eks.tke.cloud.tencent.com/cpu` + `eks.tke.cloud.tencent.com/mem` name the
 *   spec explicitly; they must be given together and be exactly a supported spec.
 * - Otherwise, per resource and separately for app and init containers, the total is
 *   max(sum of requests, largest limit); the pod needs the larger of the two totals, rounded
 *   up to the smallest supported spec. No requests or limits at all → 1 CPU / 2 GiB.
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
  fromMilli,
  isNegative,
  isZero,
  maxQuantity,
  parseQuantity,
  parseQuantityValue,
  toMilliCeil,
  toUnitsCeil,
  type Quantity,
} from './quantity';

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
export interface SizingError {
  field: string[];
  message: string;
  code: string;
}
export type SizingResult =
  | { ok: true; spec: BilledSpec; source: 'default' | 'resources' | 'annotations' }
  | { ok: false; errors: SizingError[] };

export const EKS_CPU_ANNOTATION = 'eks.tke.cloud.tencent.com/cpu';
export const EKS_MEM_ANNOTATION = 'eks.tke.cloud.tencent.com/mem';

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

export function sizePod(spec: PodSpecLike, annotations: Record<string, string> | undefined): SizingResult {
  const errors: SizingError[] = [];

  const fromAnnotations = readAnnotations(annotations, errors);
  // Requests and limits are checked even when annotations decide the size: Kubernetes
  // would refuse a malformed pod either way.
  const app = containerTotals(spec?.containers, 'containers', errors);
  const init = containerTotals(spec?.initContainers, 'initContainers', errors);

  if (fromAnnotations === 'invalid' || errors.length > 0) return { ok: false, errors };
  if (fromAnnotations) return { ok: true, spec: { ...fromAnnotations }, source: 'annotations' };

  const cpu = maxQuantity(app.cpu, init.cpu);
  const memory = maxQuantity(app.memory, init.memory);
  if (isZero(cpu) && isZero(memory)) return { ok: true, spec: { ...DEFAULT_SPEC }, source: 'default' };

  const fit = SUPPORTED_SPECS.find(
    (s) => compareQuantity(fromMilli(s.cpuMilli), cpu) >= 0 && compareQuantity(specBytes(s), memory) >= 0,
  );
  if (fit) return { ok: true, spec: { ...fit }, source: 'resources' };

  errors.push({
    field: ['spec', 'containers'],
    code: 'SPEC_TOO_LARGE',
    message:
      `Forbidden: the pod needs ${describeCpu(cpu)} CPU and ${describeMemory(memory)} of memory ` +
      `(per resource, the larger of the sum of requests and the largest limit, over containers and over init containers), ` +
      `more than the largest supported pod spec, ${describeSpec(LARGEST_SPEC)}`,
  });
  return { ok: false, errors };
}

function specBytes(s: BilledSpec): Quantity {
  return fromInteger(BigInt(s.memoryMi) * BYTES_PER_MI);
}

// ---------------------------------------------------------------------------------------------
// Annotations

const CPU_ANNOTATION_RE = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const MEM_ANNOTATION_RE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:Gi|Mi)$/;

/**
 * Returns the spec named by the annotations, undefined when neither annotation is present,
 * or 'invalid' after pushing errors.
 */
function readAnnotations(
  annotations: Record<string, string> | undefined,
  errors: SizingError[],
): BilledSpec | undefined | 'invalid' {
  if (!annotations || typeof annotations !== 'object') return undefined;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(annotations, k);
  const hasCpu = has(EKS_CPU_ANNOTATION);
  const hasMem = has(EKS_MEM_ANNOTATION);
  if (!hasCpu && !hasMem) return undefined;

  const field = (k: string) => ['metadata', 'annotations', k];
  const before = errors.length;

  if (!hasCpu || !hasMem) {
    const [missing, present] = hasCpu ? [EKS_MEM_ANNOTATION, EKS_CPU_ANNOTATION] : [EKS_CPU_ANNOTATION, EKS_MEM_ANNOTATION];
    errors.push({
      field: field(missing),
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
        field: field(EKS_CPU_ANNOTATION),
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
        field: field(EKS_MEM_ANNOTATION),
        code: 'INVALID_ANNOTATION',
        message: `Invalid value: ${renderValue(raw)}: must be a memory size in Gi or Mi, e.g. "512Mi", "0.5Gi" or "16Gi"`,
      });
    }
  }

  if (errors.length > before || !cpu || !mem) return 'invalid';

  const cpuQ = cpu;
  const memQ = mem;
  const exact = SUPPORTED_SPECS.find(
    (s) => compareQuantity(fromMilli(s.cpuMilli), cpuQ) === 0 && compareQuantity(specBytes(s), memQ) === 0,
  );
  if (exact) return exact;

  const sameCpu = SUPPORTED_SPECS.filter((s) => compareQuantity(fromMilli(s.cpuMilli), cpuQ) === 0);
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
  return 'invalid';
}

// ---------------------------------------------------------------------------------------------
// Requests and limits

interface Totals {
  cpu: Quantity;
  memory: Quantity;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function containerTotals(list: unknown, key: 'containers' | 'initContainers', errors: SizingError[]): Totals {
  let sumCpu = ZERO;
  let sumMem = ZERO;
  let maxLimitCpu = ZERO;
  let maxLimitMem = ZERO;
  if (list === undefined || list === null) return { cpu: ZERO, memory: ZERO };
  if (!Array.isArray(list)) {
    errors.push({ field: ['spec', key], code: 'INVALID_VALUE', message: 'Invalid value: must be a list of containers' });
    return { cpu: ZERO, memory: ZERO };
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

    // Kubernetes refuses a limit below the request, for every resource.
    for (const [name, limit] of limits) {
      const request = requests.get(name);
      if (request && compareQuantity(limit.q, request.q) < 0) {
        errors.push({
          field: [...base, 'limits', name],
          code: 'INVALID_VALUE',
          message:
            `Invalid value: ${renderValue(limit.raw)}: ` +
            `must be greater than or equal to ${name} request of ${renderValue(request.raw)}`,
        });
      }
    }

    // As the Kubernetes API server does, a request that is not set defaults to the limit.
    const reqCpu = requests.get(CPU)?.q ?? limits.get(CPU)?.q ?? ZERO;
    const reqMem = requests.get(MEMORY)?.q ?? limits.get(MEMORY)?.q ?? ZERO;
    sumCpu = addQuantity(sumCpu, reqCpu);
    sumMem = addQuantity(sumMem, reqMem);
    maxLimitCpu = maxQuantity(maxLimitCpu, limits.get(CPU)?.q ?? ZERO);
    maxLimitMem = maxQuantity(maxLimitMem, limits.get(MEMORY)?.q ?? ZERO);
  });

  return { cpu: maxQuantity(sumCpu, maxLimitCpu), memory: maxQuantity(sumMem, maxLimitMem) };
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
    } else {
      out.set(name, { q, raw: value });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A value as kubectl shows it in "Invalid value: ..." messages. */
function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

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
