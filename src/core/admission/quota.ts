/**
 * ResourceQuota (v1) admission, as the Kubernetes ResourceQuota plugin does it for the resources
 * this platform tracks: parse and validate a quota's `spec.hard`, measure what a pod (or a
 * workload object, or a claim) would consume, and refuse a request that would take a namespace
 * over any of its quotas, in Kubernetes' own words:
 *
 *   exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=3, limited: requests.cpu=4
 *   failed quota: compute: must specify limits.cpu for: app; requests.memory for: app,web
 *
 * Usage is kept as exact integers in canonical units (a `QuotaUsage`): CPU and GPU in
 * thousandths (millicores, milli-GPUs), memory and storage in bytes, object counts as counts.
 * Quantities in messages and in `status.used` are rendered the way Kubernetes' Quantity.String()
 * renders them ("500m", "2", "1536Mi", "1Gi", "1k"); `formatQuantity` is that rendering.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { renderValue, type UserError } from '../validation/errors';
import {
  fromInteger,
  fitsQuantityLimit,
  fromMilli,
  isNegative,
  parseQuantityValue,
  QUANTITY_TOO_LARGE,
  toMilliCeil,
  toUnitsCeil,
  type Quantity,
} from '../quantity';
import type { ContainerLike, PodSpecLike } from '../sizing';

// ---------------------------------------------------------------------------------------------
// Kubernetes quantity rendering

/** How a Kubernetes quantity remembers to print itself: by the kind of suffix it was written with. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL_SUFFIX: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};
const NANO_DEN = 10n ** 9n;

/** The format Kubernetes gives a quantity parsed from `text` ("1Gi" binary, "1e3" exponent, else decimal). */
export function quantityFormatOf(text: string): QuantityFormat {
  if (/(?:Ki|Mi|Gi|Ti|Pi|Ei)$/.test(text)) return 'BinarySI';
  if (/[eE][+-]?\d+$/.test(text)) return 'DecimalExponent';
  return 'DecimalSI';
}

/**
 * A quantity as Kubernetes' Quantity.String() prints it: values are first rounded up to a
 * whole nano-unit; BinarySI values of at least 1024 that are whole numbers use the largest
 * binary suffix that keeps the mantissa whole ("1536Mi", "2Gi"), everything else uses the
 * largest power-of-1000 suffix that keeps it whole ("1500m", "2k", "1G"), or "e<n>" for
 * DecimalExponent.
 */
export function formatQuantity(q: Quantity, format: QuantityFormat): string {
  if (q.num === 0n) return '0';
  const negative = q.num < 0n;
  let abs = negative ? -q.num : q.num;
  let den = q.den;
  if (den > NANO_DEN) {
    const f = den / NANO_DEN;
    abs = (abs + f - 1n) / f;
    den = NANO_DEN;
  }

  let body: string;
  if (format === 'BinarySI' && abs >= 1024n * den && abs % den === 0n) {
    let m = abs / den;
    let e = 0;
    while (e < BINARY_SUFFIX.length - 1 && m % 1024n === 0n) {
      m /= 1024n;
      e++;
    }
    body = `${m}${BINARY_SUFFIX[e]}`;
  } else {
    let m = abs;
    let e = -(den.toString().length - 1);
    while (m % 10n === 0n) {
      m /= 10n;
      e++;
    }
    const r = ((e % 3) + 3) % 3;
    if (r !== 0) {
      m *= 10n ** BigInt(r);
      e -= r;
    }
    if (format === 'DecimalExponent') {
      body = e === 0 ? `${m}` : `${m}e${e}`;
    } else {
      if (e > 18) {
        m *= 10n ** BigInt(e - 18);
        e = 18;
      }
      body = `${m}${DECIMAL_SUFFIX[e]}`;
    }
  }
  return negative ? `-${body}` : body;
}

/** A quantity as the user wrote it (string or YAML number), parsed with the format Kubernetes would keep. */
export interface FormattedQuantity {
  q: Quantity;
  format: QuantityFormat;
}

export function parseFormattedQuantity(raw: unknown): FormattedQuantity | null {
  const q = parseQuantityValue(raw);
  if (!q) return null;
  return { q, format: quantityFormatOf(typeof raw === 'string' ? raw : String(raw)) };
}

/** The text Kubernetes stores and prints for a quantity written as `raw` ("1000m" → "1", "1.5Gi" → "1536Mi"); null when invalid. */
export function canonicalQuantity(raw: unknown): string | null {
  const fq = parseFormattedQuantity(raw);
  return fq ? formatQuantity(fq.q, fq.format) : null;
}

// ---------------------------------------------------------------------------------------------
// Resources a quota may track

/** Usage in canonical units, by quota resource name. A name that is absent counts as 0. */
export type QuotaUsage = Record<string, bigint>;

type Unit = 'milli' | 'bytes' | 'count';

/** Every resource name a quota may list, with the unit its usage is kept in. */
const QUOTA_RESOURCES: ReadonlyMap<string, Unit> = new Map<string, Unit>(Object.entries({
  pods: 'count',
  'count/pods': 'count',
  cpu: 'milli',
  'requests.cpu': 'milli',
  'limits.cpu': 'milli',
  memory: 'bytes',
  'requests.memory': 'bytes',
  'limits.memory': 'bytes',
  'requests.nvidia.com/gpu': 'milli',
  'count/deployments.apps': 'count',
  'count/statefulsets.apps': 'count',
  'count/jobs.batch': 'count',
  'count/cronjobs.batch': 'count',
  persistentvolumeclaims: 'count',
  'count/persistentvolumeclaims': 'count',
  'requests.storage': 'bytes',
}) as [string, Unit][]);

export const SUPPORTED_QUOTA_RESOURCES: readonly string[] = Object.freeze([...QUOTA_RESOURCES.keys()]);

/**
 * Quota resources whose presence a pod must declare on every container when a quota tracks them
 * (Kubernetes' backward-compatibility rule, kept for cpu and memory only).
 */
export const REQUIRED_CONTAINER_RESOURCES: readonly string[] = Object.freeze([
  'cpu',
  'limits.cpu',
  'limits.memory',
  'memory',
  'requests.cpu',
  'requests.memory',
]);

/** A quantity in the canonical unit of `resource`: usage rounds up, a hard limit rounds down. */
function toUnits(q: Quantity, unit: Unit, round: 'up' | 'down'): bigint {
  if (round === 'up') return unit === 'milli' ? toMilliCeil(q) : toUnitsCeil(q);
  const scaled = unit === 'milli' ? q.num * 1000n : q.num;
  const quotient = scaled / q.den;
  return scaled % q.den < 0n ? quotient - 1n : quotient;
}

/** A usage amount as Kubernetes shows it: CPU and GPU as DecimalSI, memory and storage as BinarySI, counts as DecimalSI. */
function renderUsage(resource: string, amount: bigint): string {
  const unit = QUOTA_RESOURCES.get(resource) ?? 'count';
  if (unit === 'milli') return formatQuantity(fromMilli(amount), 'DecimalSI');
  if (unit === 'bytes') return formatQuantity(fromInteger(amount), 'BinarySI');
  return formatQuantity(fromInteger(amount), 'DecimalSI');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null;
}

function supportedList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Parsing

export interface ResourceQuotaSpec {
  /** Resource name → quantity, in the canonical text Kubernetes stores ("1000m" becomes "1"). */
  hard: Record<string, string>;
}

const QUANTITY_HINT = 'must be a quantity such as "10", "500m", "4", "512Mi" or "8Gi"';

/**
 * Parses and validates a ResourceQuota's `spec`. `path` is the field path of the spec itself;
 * errors carry paths below it. `spec.hard` keeps only valid entries, canonicalized.
 */
export function parseResourceQuota(raw: unknown, path: string[]): { spec: ResourceQuotaSpec; errors: UserError[] } {
  const errors: UserError[] = [];
  const spec: ResourceQuotaSpec = { hard: {} };

  if (isBlank(raw)) {
    errors.push({ field: [...path], code: 'REQUIRED', message: 'Required value: a ResourceQuota needs a spec with "hard" limits' });
    return { spec, errors };
  }
  if (!isPlainObject(raw)) {
    errors.push({ field: [...path], code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(raw)}: must be a mapping` });
    return { spec, errors };
  }

  for (const key of ['scopes', 'scopeSelector'] as const) {
    const v = raw[key];
    if (isBlank(v) || (Array.isArray(v) && v.length === 0)) continue;
    errors.push({
      field: [...path, key],
      code: 'UNSUPPORTED_VALUE',
      message: `Unsupported value: ${renderValue(v)}: quota ${key === 'scopes' ? 'scopes' : 'scope selectors'} are not supported yet; a quota here covers every pod in its namespace`,
    });
  }

  const hardPath = [...path, 'hard'];
  const hard = raw.hard;
  if (isBlank(hard)) {
    errors.push({ field: hardPath, code: 'REQUIRED', message: 'Required value' });
    return { spec, errors };
  }
  if (!isPlainObject(hard)) {
    errors.push({
      field: hardPath,
      code: 'INVALID_VALUE',
      message: `Invalid value: ${renderValue(hard)}: must be a mapping of resource names to quantities, e.g. {pods: "10", requests.cpu: "4"}`,
    });
    return { spec, errors };
  }

  for (const [name, value] of Object.entries(hard)) {
    const field = [...hardPath, name];
    const unit = QUOTA_RESOURCES.get(name);
    if (!unit) {
      errors.push({
        field,
        code: 'UNSUPPORTED_RESOURCE',
        message: `Unsupported value: ${JSON.stringify(name)}: supported values: ${supportedList(SUPPORTED_QUOTA_RESOURCES)}`,
      });
      continue;
    }
    const fq = parseFormattedQuantity(value);
    if (!fq) {
      errors.push({ field, code: 'INVALID_QUANTITY', message: `Invalid value: ${renderValue(value)}: ${QUANTITY_HINT}` });
      continue;
    }
    const before = errors.length;
    if (isNegative(fq.q)) {
      errors.push({ field, code: 'INVALID_QUANTITY', message: `Invalid value: ${renderValue(value)}: must be greater than or equal to 0` });
    } else if (!fitsQuantityLimit(fq.q)) {
      errors.push({ field, code: 'TOO_LARGE', message: `Invalid value: ${renderValue(value)}: ${QUANTITY_TOO_LARGE}` });
    }
    // Kubernetes: MilliValue() % 1000 != 0 for integer resources.
    if (unit === 'count' && toMilliCeil(fq.q) % 1000n !== 0n) {
      errors.push({ field, code: 'INVALID_QUANTITY', message: `Invalid value: ${renderValue(value)}: must be an integer` });
    }
    if (errors.length === before) spec.hard[name] = formatQuantity(fq.q, fq.format);
  }
  return { spec, errors };
}

// ---------------------------------------------------------------------------------------------
// Usage

/** Missing declarations found by `podQuotaUsage`: per quota resource, the containers that do not set it. */
export interface MissingResource {
  resource: string;
  containers: string[];
}

interface ContainerAmounts {
  requests: Map<string, bigint>;
  limits: Map<string, bigint>;
}

const POD_COMPUTE: ReadonlyArray<readonly [name: 'cpu' | 'memory', unit: Unit]> = [
  ['cpu', 'milli'],
  ['memory', 'bytes'],
];

function readAmounts(list: unknown, unitOf: (name: string) => Unit | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (!isPlainObject(list)) return out;
  for (const [name, raw] of Object.entries(list)) {
    const unit = unitOf(name);
    if (!unit) continue;
    const q = parseQuantityValue(raw);
    if (!q || isNegative(q)) continue; // the manifest validator reports these
    out.set(name, toUnits(q, unit, 'up'));
  }
  return out;
}

function containerAmounts(c: ContainerLike): ContainerAmounts {
  const unitOf = (name: string) => POD_COMPUTE.find(([n]) => n === name)?.[1];
  const resources = isPlainObject(c?.resources) ? c.resources : {};
  const requests = readAmounts(resources.requests, unitOf);
  const limits = readAmounts(resources.limits, unitOf);
  // API defaulting: a request that is not set is the limit.
  for (const [name, v] of limits) if (!requests.has(name)) requests.set(name, v);
  return { requests, limits };
}

function isSidecar(c: unknown): boolean {
  return isPlainObject(c) && c.restartPolicy === 'Always';
}

function addInto(into: Map<string, bigint>, from: Map<string, bigint>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0n) + v);
}

function maxInto(into: Map<string, bigint>, from: Map<string, bigint>): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    if (cur === undefined || v > cur) into.set(k, v);
  }
}

function asList(v: unknown): ContainerLike[] {
  return Array.isArray(v) ? (v.filter((c) => isPlainObject(c)) as ContainerLike[]) : [];
}

/**
 * Pod requests or limits the way Kubernetes totals them (PodRequests / PodLimits): the sum over
 * app containers and sidecars (init containers with restartPolicy Always), or the largest init
 * container plus the sidecars started before it, whichever is larger, per resource.
 */
function podTotal(spec: PodSpecLike, pick: (a: ContainerAmounts) => Map<string, bigint>): Map<string, bigint> {
  const total = new Map<string, bigint>();
  for (const c of asList(spec?.containers)) addInto(total, pick(containerAmounts(c)));
  const sidecars = new Map<string, bigint>();
  const initPeak = new Map<string, bigint>();
  for (const c of asList(spec?.initContainers)) {
    const own = pick(containerAmounts(c));
    if (isSidecar(c)) {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const running = new Map(own);
      addInto(running, sidecars);
      maxInto(initPeak, running);
    }
  }
  maxInto(total, initPeak);
  return total;
}

/**
 * What creating one pod consumes, in every quota resource a pod counts against (Kubernetes' pod
 * evaluator): 1 of `pods` and `count/pods`; requests (`cpu` = `requests.cpu`, `memory` =
 * `requests.memory`) and limits of CPU and memory totalled as Kubernetes totals a pod (app
 * containers summed, init containers as a peak); `requests.nvidia.com/gpu` = `gpuMilli`.
 * A container's request defaults to its limit.
 *
 * `missing` lists, for each of cpu, memory, requests.cpu, requests.memory, limits.cpu and
 * limits.memory, the containers (app and init) that do not set it; a quota tracking one of them
 * refuses the pod (see `checkQuotas`).
 */
export function podQuotaUsage(podSpec: PodSpecLike, gpuMilli: number): { usage: QuotaUsage; missing: MissingResource[] } {
  if (!Number.isSafeInteger(gpuMilli) || gpuMilli < 0) {
    throw new RangeError(`gpuMilli must be a non-negative integer, got ${gpuMilli}`);
  }
  const requests = podTotal(podSpec, (a) => a.requests);
  const limits = podTotal(podSpec, (a) => a.limits);
  const cpu = requests.get('cpu') ?? 0n;
  const memory = requests.get('memory') ?? 0n;
  const usage: QuotaUsage = {
    pods: 1n,
    'count/pods': 1n,
    cpu,
    'requests.cpu': cpu,
    'limits.cpu': limits.get('cpu') ?? 0n,
    memory,
    'requests.memory': memory,
    'limits.memory': limits.get('memory') ?? 0n,
    'requests.nvidia.com/gpu': BigInt(gpuMilli),
  };

  const missingBy = new Map<string, string[]>();
  const note = (resource: string, container: string) => {
    const list = missingBy.get(resource) ?? [];
    if (!list.includes(container)) list.push(container);
    missingBy.set(resource, list);
  };
  for (const c of [...asList(podSpec?.containers), ...asList(podSpec?.initContainers)]) {
    const name = typeof c.name === 'string' ? c.name : String(c.name ?? '');
    const { requests: req, limits: lim } = containerAmounts(c);
    for (const [resource] of POD_COMPUTE) {
      if (!req.has(resource)) {
        note(resource, name);
        note(`requests.${resource}`, name);
      }
      if (!lim.has(resource)) note(`limits.${resource}`, name);
    }
  }
  const missing = [...missingBy.keys()].sort().map((resource) => ({ resource, containers: missingBy.get(resource)! }));
  return { usage, missing };
}

/** What one PersistentVolumeClaim consumes: 1 claim and its storage request (a quantity such as "10Gi"). */
export function pvcQuotaUsage(storageRequest: unknown): QuotaUsage {
  const q = parseQuantityValue(storageRequest);
  return {
    persistentvolumeclaims: 1n,
    'count/persistentvolumeclaims': 1n,
    'requests.storage': q && !isNegative(q) ? toUnitsCeil(q) : 0n,
  };
}

const WORKLOAD_RESOURCES: Readonly<Record<string, string>> = Object.freeze({
  Deployment: 'count/deployments.apps',
  StatefulSet: 'count/statefulsets.apps',
  Job: 'count/jobs.batch',
  CronJob: 'count/cronjobs.batch',
});

/**
 * The object-count quota resource a workload kind counts against (Deployment →
 * count/deployments.apps, …). Null for kinds without one here; a bare Pod counts through
 * `podQuotaUsage`.
 */
export function workloadQuotaResource(kind: string): string | null {
  return Object.prototype.hasOwnProperty.call(WORKLOAD_RESOURCES, kind) ? WORKLOAD_RESOURCES[kind] : null;
}

/** a + b, per resource. */
export function addUsage(a: QuotaUsage, b: QuotaUsage): QuotaUsage {
  const out: QuotaUsage = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0n) + v;
  return out;
}

/** u × n, per resource (n pods of one template). */
export function scaleUsage(u: QuotaUsage, n: number | bigint): QuotaUsage {
  const f = BigInt(n);
  const out: QuotaUsage = {};
  for (const [k, v] of Object.entries(u)) out[k] = v * f;
  return out;
}

/** `status.used` as Kubernetes shows it: one entry per resource in `hard`, rendered canonically. */
export function formatUsage(used: QuotaUsage, hard: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(hard).sort()) out[name] = renderUsage(name, used[name] ?? 0n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Admission

export interface QuotaState {
  name: string;
  hard: Record<string, string>;
  used: QuotaUsage;
}

export type QuotaCheckResult =
  | { ok: true }
  | { ok: false; code: 'EXCEEDED_QUOTA' | 'QUOTA_MISSING_REQUESTS'; quota: string; message: string };

/**
 * The ResourceQuota admission decision for a request that adds `delta`:
 *
 * 1. When `missing` is given (a pod), every quota that tracks cpu or memory requests or limits
 *    requires each container to set them: "failed quota: <name>: must specify limits.cpu for:
 *    app; requests.memory for: app,web" (resources and containers sorted).
 * 2. For every quota, in order, each resource it tracks that the request adds to (delta > 0)
 *    must stay within hard: used + delta ≤ hard. The first quota that would be exceeded refuses
 *    the request, listing the exceeded resources sorted by name:
 *    "exceeded quota: <name>, requested: requests.cpu=2, used: requests.cpu=3, limited: requests.cpu=4".
 */
export function checkQuotas(quotas: readonly QuotaState[], delta: QuotaUsage, missing: readonly MissingResource[] = []): QuotaCheckResult {
  for (const quota of quotas) {
    const required = new Set(Object.keys(quota.hard).filter((r) => REQUIRED_CONTAINER_RESOURCES.includes(r)));
    const parts = missing
      .filter((m) => required.has(m.resource) && m.containers.length > 0)
      .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0))
      .map((m) => `${m.resource} for: ${[...new Set(m.containers)].sort().join(',')}`);
    if (parts.length > 0) {
      return {
        ok: false,
        code: 'QUOTA_MISSING_REQUESTS',
        quota: quota.name,
        message: `failed quota: ${quota.name}: must specify ${parts.join('; ')}`,
      };
    }
  }

  for (const quota of quotas) {
    const exceeded: { name: string; requested: bigint; used: bigint; hard: string }[] = [];
    for (const [name, hardText] of Object.entries(quota.hard)) {
      const unit = QUOTA_RESOURCES.get(name);
      const requested = delta[name] ?? 0n;
      if (!unit || requested <= 0n) continue;
      const fq = parseFormattedQuantity(hardText);
      if (!fq) continue;
      const used = quota.used[name] ?? 0n;
      if (used + requested > toUnits(fq.q, unit, 'down')) {
        exceeded.push({ name, requested, used, hard: formatQuantity(fq.q, fq.format) });
      }
    }
    if (exceeded.length === 0) continue;
    exceeded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const list = (f: (e: (typeof exceeded)[number]) => string) => exceeded.map((e) => `${e.name}=${f(e)}`).join(',');
    return {
      ok: false,
      code: 'EXCEEDED_QUOTA',
      quota: quota.name,
      message:
        `exceeded quota: ${quota.name}, ` +
        `requested: ${list((e) => renderUsage(e.name, e.requested))}, ` +
        `used: ${list((e) => renderUsage(e.name, e.used))}, ` +
        `limited: ${list((e) => e.hard)}`,
    };
  }
  return { ok: true };
}
