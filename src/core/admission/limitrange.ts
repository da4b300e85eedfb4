/**
 * LimitRange (v1) and the LimitRanger admission plugin, as Kubernetes does them:
 *
 * - `parseLimitRange` validates a LimitRange's spec and applies Kubernetes' defaulting
 *   (SetDefaults_LimitRangeItem: for a Container item, `default` ← `max`, then
 *   `defaultRequest` ← `default`, then `defaultRequest` ← `min`, per resource, each only where
 *   unset), then checks min ≤ defaultRequest ≤ default ≤ max and the ratio on the result, with
 *   Kubernetes' messages ("min value 2 is greater than max value 1").
 * - `applyLimitRanges` is LimitRanger on a pod: missing limits come from `default`, missing
 *   requests from `defaultRequest` (first LimitRange first), then every container is checked
 *   against each Container item and the pod's totals against each Pod item ("maximum cpu usage
 *   per Container is 1, but limit is 2").
 *
 * Quantities are kept and printed as Kubernetes stores and prints them ("1.5Gi" → "1536Mi").
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { renderValue, type UserError } from '../validation/errors';
import { addQuantity, compareQuantity, fitsQuantityLimit, isNegative, QUANTITY_TOO_LARGE, toMilliCeil, type Quantity } from '../quantity';
import type { ContainerLike, PodSpecLike, ResourceList } from '../sizing';
import { formatQuantity, parseFormattedQuantity, type FormattedQuantity } from './quota';

export type LimitType = 'Container' | 'Pod' | 'PersistentVolumeClaim';
export const LIMIT_TYPES: readonly LimitType[] = Object.freeze(['Container', 'Pod', 'PersistentVolumeClaim'] as LimitType[]);

/** Resource name → quantity text, canonical ("500m", "1Gi"). */
export type ResourceQuantities = Record<string, string>;

export interface LimitRangeItem {
  type: LimitType;
  max?: ResourceQuantities;
  min?: ResourceQuantities;
  /** Default limit (Container only). */
  default?: ResourceQuantities;
  /** Default request (Container only). */
  defaultRequest?: ResourceQuantities;
  maxLimitRequestRatio?: ResourceQuantities;
}

export interface LimitRangeSpec {
  limits: LimitRangeItem[];
}

const FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
type ItemField = (typeof FIELDS)[number];

const RESOURCES_BY_TYPE: Readonly<Record<LimitType, readonly string[]>> = Object.freeze({
  Container: ['cpu', 'memory'],
  Pod: ['cpu', 'memory'],
  PersistentVolumeClaim: ['storage'],
});

/** Fields each type may set: Pod items have no defaults; claims have no limits, so only min and max. */
const FIELDS_BY_TYPE: Readonly<Record<LimitType, readonly ItemField[]>> = Object.freeze({
  Container: FIELDS,
  Pod: ['max', 'min', 'maxLimitRequestRatio'],
  PersistentVolumeClaim: ['max', 'min'],
});

const QUANTITY_HINT = 'must be a quantity such as "250m", "0.5", "2", "512Mi" or "2Gi"';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null;
}

function supported(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** Comparison at Kubernetes' precision (whole thousandths, rounded up). */
function cmpMilli(a: Quantity, b: Quantity): number {
  const x = toMilliCeil(a);
  const y = toMilliCeil(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Go's %f: six decimals. */
function fixed6(x: number): string {
  return Number.isFinite(x) ? x.toFixed(6) : x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
}

// ---------------------------------------------------------------------------------------------
// Parsing, defaulting, validation

/**
 * Parses a LimitRange's `spec` (`path` is the spec's field path). The returned spec is defaulted
 * as Kubernetes stores it and keeps only valid entries; `errors` lists every problem.
 */
export function parseLimitRange(raw: unknown, path: string[]): { spec: LimitRangeSpec; errors: UserError[] } {
  const errors: UserError[] = [];
  const spec: LimitRangeSpec = { limits: [] };
  if (isBlank(raw)) {
    errors.push({ field: [...path], code: 'REQUIRED', message: 'Required value: a LimitRange needs a spec with "limits"' });
    return { spec, errors };
  }
  if (!isPlainObject(raw)) {
    errors.push({ field: [...path], code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(raw)}: must be a mapping` });
    return { spec, errors };
  }
  const limitsPath = [...path, 'limits'];
  if (isBlank(raw.limits)) {
    errors.push({ field: limitsPath, code: 'REQUIRED', message: 'Required value' });
    return { spec, errors };
  }
  if (!Array.isArray(raw.limits)) {
    errors.push({ field: limitsPath, code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(raw.limits)}: must be a list of limit items` });
    return { spec, errors };
  }

  const seenTypes = new Set<string>();
  raw.limits.forEach((rawItem: unknown, i) => {
    const itemPath = [...limitsPath, String(i)];
    if (!isPlainObject(rawItem)) {
      errors.push({
        field: itemPath,
        code: 'INVALID_VALUE',
        message: `Invalid value: ${renderValue(rawItem)}: must be a mapping with "type" and any of max, min, default, defaultRequest, maxLimitRequestRatio`,
      });
      return;
    }
    const item = parseItem(rawItem, itemPath, seenTypes, errors);
    if (item) spec.limits.push(item);
  });
  return { spec, errors };
}

function parseItem(raw: Record<string, unknown>, path: string[], seenTypes: Set<string>, errors: UserError[]): LimitRangeItem | null {
  const typePath = [...path, 'type'];
  const type = raw.type;
  if (isBlank(type) || type === '') {
    errors.push({ field: typePath, code: 'REQUIRED', message: `Required value: supported values: ${supported(LIMIT_TYPES)}` });
    return null;
  }
  if (typeof type !== 'string' || !(LIMIT_TYPES as readonly string[]).includes(type)) {
    errors.push({ field: typePath, code: 'UNSUPPORTED_VALUE', message: `Unsupported value: ${renderValue(type)}: supported values: ${supported(LIMIT_TYPES)}` });
    return null;
  }
  const limitType = type as LimitType;
  const before = errors.length;
  if (seenTypes.has(limitType)) {
    errors.push({ field: typePath, code: 'DUPLICATE', message: `Duplicate value: ${JSON.stringify(limitType)}` });
  }
  seenTypes.add(limitType);

  const parsed: Partial<Record<ItemField, Map<string, FormattedQuantity>>> = {};
  for (const f of FIELDS) {
    const value = raw[f];
    if (isBlank(value)) continue;
    if (!FIELDS_BY_TYPE[limitType].includes(f)) {
      errors.push({ field: [...path, f], code: 'FORBIDDEN', message: `Forbidden: may not be specified when \`type\` is '${limitType}'` });
      continue;
    }
    parsed[f] = parseResourceMap(value, [...path, f], RESOURCES_BY_TYPE[limitType], errors);
  }

  if (limitType === 'PersistentVolumeClaim' && !parsed.min?.has('storage') && !parsed.max?.has('storage') && errors.length === before) {
    errors.push({
      field: [...path, 'limits'],
      code: 'REQUIRED',
      message: 'Required value: either minimum or maximum storage value is required, but neither was provided',
    });
  }

  // SetDefaults_LimitRangeItem, in Kubernetes' order.
  if (limitType === 'Container') {
    const max = parsed.max ?? new Map();
    const min = parsed.min ?? new Map();
    const def = (parsed.default ??= new Map());
    const defReq = (parsed.defaultRequest ??= new Map());
    for (const [k, v] of max) if (!def.has(k)) def.set(k, v);
    for (const [k, v] of def) if (!defReq.has(k)) defReq.set(k, v);
    for (const [k, v] of min) if (!defReq.has(k)) defReq.set(k, v);
  }

  validateItem(parsed, path, errors);
  if (errors.length > before) return null;

  const item: LimitRangeItem = { type: limitType };
  for (const f of FIELDS) {
    const m = parsed[f];
    if (!m || m.size === 0) continue;
    const out: ResourceQuantities = {};
    for (const k of [...m.keys()].sort()) out[k] = formatQuantity(m.get(k)!.q, m.get(k)!.format);
    item[f] = out;
  }
  return item;
}

function parseResourceMap(raw: unknown, path: string[], names: readonly string[], errors: UserError[]): Map<string, FormattedQuantity> {
  const out = new Map<string, FormattedQuantity>();
  if (!isPlainObject(raw)) {
    errors.push({
      field: path,
      code: 'INVALID_VALUE',
      message: `Invalid value: ${renderValue(raw)}: must be a mapping of resource names to quantities, e.g. {${names[0]}: ${names[0] === 'cpu' ? '500m' : '1Gi'}}`,
    });
    return out;
  }
  for (const [name, value] of Object.entries(raw)) {
    const field = [...path, name];
    if (!names.includes(name)) {
      errors.push({ field, code: 'UNSUPPORTED_RESOURCE', message: `Unsupported value: ${JSON.stringify(name)}: supported values: ${supported(names)}` });
      continue;
    }
    const fq = parseFormattedQuantity(value);
    if (!fq) {
      errors.push({ field, code: 'INVALID_QUANTITY', message: `Invalid value: ${renderValue(value)}: ${QUANTITY_HINT}` });
    } else if (isNegative(fq.q)) {
      errors.push({ field, code: 'INVALID_QUANTITY', message: `Invalid value: ${renderValue(value)}: must be greater than or equal to 0` });
    } else if (!fitsQuantityLimit(fq.q)) {
      errors.push({ field, code: 'TOO_LARGE', message: `Invalid value: ${renderValue(value)}: ${QUANTITY_TOO_LARGE}` });
    } else {
      out.set(name, fq);
    }
  }
  return out;
}

/** ValidateLimitRange's per-resource checks, on the defaulted item, in Kubernetes' order and words. */
function validateItem(parsed: Partial<Record<ItemField, Map<string, FormattedQuantity>>>, path: string[], errors: UserError[]): void {
  const keys = new Set<string>();
  for (const f of FIELDS) for (const k of parsed[f]?.keys() ?? []) keys.add(k);
  const str = (fq: FormattedQuantity) => formatQuantity(fq.q, fq.format);
  const invalid = (f: ItemField, k: string, shown: FormattedQuantity, message: string) =>
    errors.push({ field: [...path, f, k], code: 'INVALID_VALUE', message: `Invalid value: ${JSON.stringify(str(shown))}: ${message}` });

  for (const k of [...keys].sort()) {
    const min = parsed.min?.get(k);
    const max = parsed.max?.get(k);
    const def = parsed.default?.get(k);
    const defReq = parsed.defaultRequest?.get(k);
    const ratio = parsed.maxLimitRequestRatio?.get(k);

    if (min && max && compareQuantity(min.q, max.q) > 0) {
      invalid('min', k, min, `min value ${str(min)} is greater than max value ${str(max)}`);
    }
    if (defReq && min && compareQuantity(min.q, defReq.q) > 0) {
      invalid('defaultRequest', k, defReq, `min value ${str(min)} is greater than default request value ${str(defReq)}`);
    }
    if (defReq && max && compareQuantity(defReq.q, max.q) > 0) {
      invalid('defaultRequest', k, defReq, `default request value ${str(defReq)} is greater than max value ${str(max)}`);
    }
    if (defReq && def && compareQuantity(defReq.q, def.q) > 0) {
      invalid('defaultRequest', k, defReq, `default request value ${str(defReq)} is greater than default limit value ${str(def)}`);
    }
    // Kubernetes shows min (and, below, max) as the invalid value of these two.
    if (def && min && compareQuantity(min.q, def.q) > 0) {
      invalid('default', k, min, `min value ${str(min)} is greater than default value ${str(def)}`);
    }
    if (def && max && compareQuantity(def.q, max.q) > 0) {
      invalid('default', k, max, `default value ${str(def)} is greater than max value ${str(max)}`);
    }
    if (ratio && compareQuantity(ratio.q, { num: 1n, den: 1n }) < 0) {
      invalid('maxLimitRequestRatio', k, ratio, `ratio ${str(ratio)} is less than 1`);
    }
    if (ratio && min && max) {
      const minMilli = toMilliCeil(min.q);
      const maxMilli = toMilliCeil(max.q);
      const ratioMilli = toMilliCeil(ratio.q);
      // ratio > max/min, exactly; a zero min allows any ratio.
      if (minMilli > 0n && ratioMilli * minMilli > maxMilli * 1000n) {
        invalid('maxLimitRequestRatio', k, ratio, `ratio ${str(ratio)} is greater than max/min = ${fixed6(Number(maxMilli) / Number(minMilli))}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// LimitRanger admission

/** A container's requests or limits: parsed values with the text to print them by. */
type ResourceValues = Map<string, FormattedQuantity>;

function readValues(list: unknown): ResourceValues {
  const out: ResourceValues = new Map();
  if (!isPlainObject(list)) return out;
  for (const [k, v] of Object.entries(list)) {
    const fq = parseFormattedQuantity(v);
    if (fq) out.set(k, fq); // invalid ones are the manifest validator's business
  }
  return out;
}

/** Kubernetes' addResourceList: the sum keeps the format of the first value added. */
function addValues(into: ResourceValues, from: ResourceValues): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    into.set(k, cur ? { q: addQuantity(cur.q, v.q), format: cur.format } : v);
  }
}

/** Kubernetes' maxResourceList. */
function maxValues(into: ResourceValues, from: ResourceValues): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    if (!cur || compareQuantity(v.q, cur.q) > 0) into.set(k, v);
  }
}

interface AdmittedContainer {
  requests: ResourceValues;
  limits: ResourceValues;
  sidecar: boolean;
}

/** Pod requests or limits as LimitRanger totals them (app containers and sidecars summed, init containers as a peak). */
function podValues(containers: AdmittedContainer[], inits: AdmittedContainer[], pick: 'requests' | 'limits'): ResourceValues {
  const total: ResourceValues = new Map();
  for (const c of containers) addValues(total, c[pick]);
  const sidecars: ResourceValues = new Map();
  const initPeak: ResourceValues = new Map();
  for (const c of inits) {
    if (c.sidecar) {
      addValues(total, c[pick]);
      addValues(sidecars, c[pick]);
      maxValues(initPeak, sidecars);
    } else {
      const running: ResourceValues = new Map();
      addValues(running, c[pick]);
      addValues(running, sidecars);
      maxValues(initPeak, running);
    }
  }
  maxValues(total, initPeak);
  return total;
}

const str = (fq: FormattedQuantity) => formatQuantity(fq.q, fq.format);

/** A LimitRange's own quantity (stored canonical). */
function enforced(text: string): FormattedQuantity {
  const fq = parseFormattedQuantity(text);
  if (!fq) throw new Error(`LimitRange quantity is not a quantity: ${text}`);
  return fq;
}

type Constraint = (type: string, name: string, enforced: FormattedQuantity, requests: ResourceValues, limits: ResourceValues) => string | null;

const minConstraint: Constraint = (type, name, enforced, requests, limits) => {
  const req = requests.get(name);
  const lim = limits.get(name);
  const e = str(enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${e}.  No request is specified`;
  if (cmpMilli(req.q, enforced.q) < 0) return `minimum ${name} usage per ${type} is ${e}, but request is ${str(req)}`;
  if (lim && cmpMilli(lim.q, enforced.q) < 0) return `minimum ${name} usage per ${type} is ${e}, but limit is ${str(lim)}`;
  return null;
};

const maxConstraint: Constraint = (type, name, enforced, requests, limits) => {
  const req = requests.get(name);
  const lim = limits.get(name);
  const e = str(enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${e}.  No limit is specified`;
  if (cmpMilli(lim.q, enforced.q) > 0) return `maximum ${name} usage per ${type} is ${e}, but limit is ${str(lim)}`;
  if (req && cmpMilli(req.q, enforced.q) > 0) return `maximum ${name} usage per ${type} is ${e}, but request is ${str(req)}`;
  return null;
};

/** Claims have no limits: max applies to the request (Kubernetes' maxRequestConstraint). */
const maxRequestConstraint: Constraint = (type, name, enforced, requests) => {
  const req = requests.get(name);
  const e = str(enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${e}.  No request is specified`;
  if (cmpMilli(req.q, enforced.q) > 0) return `maximum ${name} usage per ${type} is ${e}, but request is ${str(req)}`;
  return null;
};

const ratioConstraint: Constraint = (type, name, enforced, requests, limits) => {
  const req = requests.get(name);
  const lim = limits.get(name);
  const e = str(enforced);
  const reqMilli = req ? toMilliCeil(req.q) : 0n;
  const limMilli = lim ? toMilliCeil(lim.q) : 0n;
  if (reqMilli === 0n) return `${name} max limit to request ratio per ${type} is ${e}, but no request is specified or request is 0`;
  if (limMilli === 0n) return `${name} max limit to request ratio per ${type} is ${e}, but no limit is specified or limit is 0`;
  if (limMilli * 1000n > toMilliCeil(enforced.q) * reqMilli) {
    return `${name} max limit to request ratio per ${type} is ${e}, but provided ratio is ${fixed6(Number(limMilli) / Number(reqMilli))}`;
  }
  return null;
};

function checkAll(
  type: string,
  checks: ReadonlyArray<readonly [ResourceQuantities | undefined, Constraint]>,
  requests: ResourceValues,
  limits: ResourceValues,
  errors: string[],
): void {
  for (const [m, check] of checks) {
    for (const k of Object.keys(m ?? {}).sort()) {
      const err = check(type, k, enforced(m![k]), requests, limits);
      if (err) errors.push(err);
    }
  }
}

function checkItem(type: string, item: LimitRangeItem, requests: ResourceValues, limits: ResourceValues, errors: string[]): void {
  checkAll(
    type,
    [
      [item.min, minConstraint],
      [item.max, maxConstraint],
      [item.maxLimitRequestRatio, ratioConstraint],
    ],
    requests,
    limits,
    errors,
  );
}

function copyContainer(c: ContainerLike): ContainerLike {
  if (!isPlainObject(c)) return c;
  const out: ContainerLike = { ...c };
  if (isPlainObject(c.resources)) {
    const r = c.resources;
    out.resources = { ...r };
    if (isPlainObject(r.requests)) out.resources.requests = { ...r.requests };
    if (isPlainObject(r.limits)) out.resources.limits = { ...r.limits };
  }
  return out;
}

/**
 * LimitRanger on a pod spec (or a pod template's spec): returns a copy with requests and limits
 * defaulted as the API server stores the pod, and every violation in Kubernetes' words.
 *
 * Per container (app and init): a request that is not set is the container's own limit (API
 * defaulting); then, LimitRange by LimitRange, a limit that is still not set comes from the
 * Container item's `default` and a request from its `defaultRequest`. If a defaulted limit ends
 * up below the request, the pod is invalid as Kubernetes' validation would say
 * ("spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu
 * limit of 1") and only those errors are returned, as Kubernetes stops there. Otherwise each
 * container is checked against every Container item's min/max/maxLimitRequestRatio, and the
 * pod's totals against every Pod item's.
 *
 * Does not modify `podSpec`.
 */
export function applyLimitRanges<T extends PodSpecLike>(podSpec: T, ranges: readonly LimitRangeSpec[]): { spec: T; errors: string[] } {
  const spec = { ...podSpec } as T;
  const lists = ['containers', 'initContainers'] as const;
  for (const key of lists) {
    const list = podSpec?.[key];
    if (Array.isArray(list)) spec[key] = list.map(copyContainer) as T[typeof key];
  }

  const validation: string[] = [];
  const admitted: Record<(typeof lists)[number], AdmittedContainer[]> = { containers: [], initContainers: [] };

  for (const key of lists) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((container: ContainerLike, i) => {
      if (!isPlainObject(container)) return;
      const c = container as ContainerLike & Record<string, unknown>;
      if (c.resources !== undefined && c.resources !== null && !isPlainObject(c.resources)) return;
      const own = c.resources ?? {};
      const requests: ResourceList = { ...(isPlainObject(own.requests) ? own.requests : {}) };
      const limits: ResourceList = { ...(isPlainObject(own.limits) ? own.limits : {}) };
      const defaulted = new Set<string>();

      for (const [k, v] of Object.entries(limits)) if (!Object.hasOwn(requests, k)) requests[k] = v;
      for (const range of ranges) {
        for (const item of range.limits) {
          if (item.type !== 'Container') continue;
          for (const [k, v] of Object.entries(item.default ?? {})) {
            if (!Object.hasOwn(limits, k)) {
              limits[k] = v;
              defaulted.add(k);
            }
          }
          for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
            if (!Object.hasOwn(requests, k)) {
              requests[k] = v;
              defaulted.add(k);
            }
          }
        }
      }
      if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) {
        const resources: NonNullable<ContainerLike['resources']> = { ...own };
        if (Object.keys(requests).length > 0) resources.requests = requests;
        if (Object.keys(limits).length > 0) resources.limits = limits;
        c.resources = resources;
      }

      const reqValues = readValues(requests);
      const limValues = readValues(limits);
      for (const k of [...defaulted].sort()) {
        const req = reqValues.get(k);
        const lim = limValues.get(k);
        if (req && lim && compareQuantity(req.q, lim.q) > 0) {
          validation.push(
            `spec.${key}[${i}].resources.requests: Invalid value: ${JSON.stringify(str(req))}: ` +
              `must be less than or equal to ${k} limit of ${str(lim)}`,
          );
        }
      }
      admitted[key].push({ requests: reqValues, limits: limValues, sidecar: c.restartPolicy === 'Always' });
    });
  }
  if (validation.length > 0) return { spec, errors: validation };

  const errors: string[] = [];
  for (const range of ranges) {
    for (const item of range.limits) {
      if (item.type === 'Container') {
        for (const c of [...admitted.containers, ...admitted.initContainers]) checkItem('Container', item, c.requests, c.limits, errors);
      } else if (item.type === 'Pod') {
        const requests = podValues(admitted.containers, admitted.initContainers, 'requests');
        const limits = podValues(admitted.containers, admitted.initContainers, 'limits');
        checkItem('Pod', item, requests, limits, errors);
      }
    }
  }
  return { spec, errors };
}

/** Whether pods of this template could ever be admitted: the errors every pod of it would get. */
export function checkTemplateAgainstLimitRanges(podSpec: PodSpecLike, ranges: readonly LimitRangeSpec[]): string[] {
  return applyLimitRanges(podSpec, ranges).errors;
}

/**
 * LimitRanger on a PersistentVolumeClaim (e.g. a StatefulSet's volumeClaimTemplates): its
 * `resources.requests` against every PersistentVolumeClaim item's min and max.
 */
export function checkClaimAgainstLimitRanges(requests: Record<string, unknown> | undefined, ranges: readonly LimitRangeSpec[]): string[] {
  const values = readValues(requests);
  const errors: string[] = [];
  for (const range of ranges) {
    for (const item of range.limits) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      checkAll(
        item.type,
        [
          [item.min, minConstraint],
          [item.max, maxRequestConstraint],
        ],
        values,
        new Map(),
        errors,
      );
    }
  }
  return errors;
}
