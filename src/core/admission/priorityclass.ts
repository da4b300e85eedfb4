/**
 * PriorityClass (scheduling.k8s.io/v1, cluster-scoped) and the Priority admission plugin, as
 * Kubernetes does them:
 *
 * - `parsePriorityClass` validates a PriorityClass object: `value` is a required 32-bit integer
 *   and at most 1000000000 (HighestUserDefinablePriority) for user classes, names starting with
 *   "system-" are reserved, `preemptionPolicy` defaults to PreemptLowerPriority.
 * - `resolvePriority` is the Priority plugin on pod creation: the named class must exist (the
 *   built-in system classes always do); without a name, the global default class (the lowest
 *   valued one if there are several) or priority 0; a pod may not set `priority` or
 *   `preemptionPolicy` to anything other than what the class gives.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { renderValue, type UserError } from '../validation/errors';

export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';
export const PREEMPTION_POLICIES: readonly PreemptionPolicy[] = Object.freeze(['PreemptLowerPriority', 'Never'] as PreemptionPolicy[]);

/** Kubernetes' HighestUserDefinablePriority. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** Kubernetes' SystemCriticalPriority: system-cluster-critical; system-node-critical is 1000 above. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
/** Priority of a pod without a class when no class is the global default. */
export const DEFAULT_PRIORITY = 0;
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export interface PriorityClassInfo {
  name: string;
  value: number;
  globalDefault: boolean;
  preemptionPolicy: PreemptionPolicy;
}

export interface PriorityClassDescription extends PriorityClassInfo {
  description: string;
}

/** The built-in classes every cluster has; users cannot create, change or delete them. */
export const SYSTEM_PRIORITY_CLASSES: readonly Readonly<PriorityClassDescription>[] = Object.freeze([
  Object.freeze({
    name: 'system-node-critical',
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority' as const,
    description: 'Used for system critical pods that must not be moved from their current node.',
  }),
  Object.freeze({
    name: 'system-cluster-critical',
    value: SYSTEM_CRITICAL_PRIORITY,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority' as const,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  }),
]);

export interface ParsedPriorityClass {
  value: number;
  globalDefault: boolean;
  preemptionPolicy: PreemptionPolicy;
  description: string;
  errors: UserError[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null;
}

/**
 * Validates and defaults a PriorityClass object (the whole object: `value`, `globalDefault`,
 * `preemptionPolicy` and `description` sit at its top level). `path` is the object's field path.
 * Object metadata other than the reserved-name rule is the caller's business.
 */
export function parsePriorityClass(raw: unknown, path: string[]): ParsedPriorityClass {
  const out: ParsedPriorityClass = {
    value: DEFAULT_PRIORITY,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority',
    description: '',
    errors: [],
  };
  const errors = out.errors;
  if (!isPlainObject(raw)) {
    errors.push({ field: [...path], code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(raw)}: must be a mapping` });
    return out;
  }

  const valuePath = [...path, 'value'];
  const value = raw.value;
  let valueOk = false;
  if (isBlank(value)) {
    errors.push({ field: valuePath, code: 'REQUIRED', message: 'Required value: the priority of pods of this class, an integer up to 1000000000' });
  } else if (typeof value !== 'number' || !Number.isInteger(value)) {
    errors.push({ field: valuePath, code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(value)}: must be an integer` });
  } else if (value < INT32_MIN || value > INT32_MAX) {
    errors.push({
      field: valuePath,
      code: 'INVALID_VALUE',
      message: `Invalid value: ${value}: must be a 32-bit integer (between ${INT32_MIN} and ${INT32_MAX})`,
    });
  } else {
    out.value = value;
    valueOk = true;
  }

  const metadata = isPlainObject(raw.metadata) ? raw.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const builtIn = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
    errors.push({
      field: [...path, 'metadata', 'name'],
      code: 'RESERVED_NAME',
      message:
        `Forbidden: priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ` +
        (builtIn ? `${name} is a built-in system priority class (value ${builtIn.value}) and cannot be created or changed` : `${name} is not a known system priority class`),
    });
  } else if (valueOk && out.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errors.push({
      field: valuePath,
      code: 'FORBIDDEN',
      message: `Forbidden: maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
    });
  }

  const gd = raw.globalDefault;
  if (!isBlank(gd)) {
    if (typeof gd === 'boolean') out.globalDefault = gd;
    else errors.push({ field: [...path, 'globalDefault'], code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(gd)}: must be true or false` });
  }

  const pp = raw.preemptionPolicy;
  if (!isBlank(pp)) {
    if (typeof pp === 'string' && (PREEMPTION_POLICIES as readonly string[]).includes(pp)) out.preemptionPolicy = pp as PreemptionPolicy;
    else
      errors.push({
        field: [...path, 'preemptionPolicy'],
        code: 'UNSUPPORTED_VALUE',
        message: `Unsupported value: ${renderValue(pp)}: supported values: ${PREEMPTION_POLICIES.map((p) => JSON.stringify(p)).join(', ')}`,
      });
  }

  const desc = raw.description;
  if (!isBlank(desc)) {
    if (typeof desc === 'string') out.description = desc;
    else errors.push({ field: [...path, 'description'], code: 'INVALID_VALUE', message: `Invalid value: ${renderValue(desc)}: must be a string` });
  }
  return out;
}

/**
 * The Priority plugin's checks that need the classes already stored, for creating or replacing
 * class `name`: only one class may be the global default ("PriorityClass low is already marked
 * as default. Only one default can exist"), and `value` and `preemptionPolicy` cannot change.
 */
export function checkPriorityClassAgainstExisting(
  name: string,
  pc: { value: number; globalDefault: boolean; preemptionPolicy: PreemptionPolicy },
  existing: readonly PriorityClassInfo[],
  path: string[] = [],
): UserError[] {
  const errors: UserError[] = [];
  const old = existing.find((c) => c.name === name);
  if (old && old.value !== pc.value) {
    errors.push({ field: [...path, 'value'], code: 'FORBIDDEN', message: 'Forbidden: may not be changed in an update.' });
  }
  if (old && old.preemptionPolicy !== pc.preemptionPolicy) {
    errors.push({
      field: [...path, 'preemptionPolicy'],
      code: 'IMMUTABLE',
      message: `Invalid value: ${JSON.stringify(pc.preemptionPolicy)}: field is immutable`,
    });
  }
  if (pc.globalDefault) {
    const other = existing.filter((c) => c.globalDefault && c.name !== name).sort((a, b) => a.value - b.value)[0];
    if (other) {
      errors.push({
        field: [...path, 'globalDefault'],
        code: 'FORBIDDEN',
        message: `Forbidden: PriorityClass ${other.name} is already marked as default. Only one default can exist`,
      });
    }
  }
  return errors;
}

export interface PodPriorityFields {
  priorityClassName?: unknown;
  priority?: unknown;
  preemptionPolicy?: unknown;
}

export type PriorityResolution =
  | { ok: true; priority: number; preemptionPolicy: PreemptionPolicy; className: string | null }
  | { ok: false; code: 'PRIORITY_CLASS_NOT_FOUND' | 'PRIORITY_MISMATCH' | 'PREEMPTION_POLICY_MISMATCH'; message: string };

/**
 * The Priority admission plugin on pod creation. `className` is what the pod's
 * `spec.priorityClassName` becomes: the named class, else the global default class, else null.
 */
export function resolvePriority(podSpec: PodPriorityFields, classes: readonly PriorityClassInfo[]): PriorityResolution {
  const named = typeof podSpec?.priorityClassName === 'string' && podSpec.priorityClassName !== '' ? podSpec.priorityClassName : null;

  let resolved: { className: string | null; value: number; preemptionPolicy: PreemptionPolicy };
  if (named !== null) {
    const pc = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === named) ?? classes.find((c) => c.name === named);
    if (!pc) return { ok: false, code: 'PRIORITY_CLASS_NOT_FOUND', message: `no PriorityClass with name ${named} was found` };
    resolved = { className: pc.name, value: pc.value, preemptionPolicy: pc.preemptionPolicy };
  } else {
    // Should a race leave several global defaults, Kubernetes takes the lowest value.
    let dpc: PriorityClassInfo | undefined;
    for (const c of classes) if (c.globalDefault && (!dpc || c.value < dpc.value)) dpc = c;
    resolved = dpc
      ? { className: dpc.name, value: dpc.value, preemptionPolicy: dpc.preemptionPolicy }
      : { className: null, value: DEFAULT_PRIORITY, preemptionPolicy: 'PreemptLowerPriority' };
  }

  const given = podSpec?.priority;
  if (!isBlank(given) && given !== resolved.value) {
    return {
      ok: false,
      code: 'PRIORITY_MISMATCH',
      message:
        `the integer value of priority (${renderScalar(given)}) must not be provided in pod spec; ` +
        `priority admission controller computed ${resolved.value} from the given PriorityClass name`,
    };
  }
  const givenPolicy = podSpec?.preemptionPolicy;
  if (!isBlank(givenPolicy) && givenPolicy !== resolved.preemptionPolicy) {
    return {
      ok: false,
      code: 'PREEMPTION_POLICY_MISMATCH',
      message:
        `the string value of PreemptionPolicy (${renderScalar(givenPolicy)}) must not be provided in pod spec; ` +
        `priority admission controller computed ${resolved.preemptionPolicy} from the given PriorityClass name`,
    };
  }
  return { ok: true, priority: resolved.value, preemptionPolicy: resolved.preemptionPolicy, className: resolved.className };
}

function renderScalar(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : renderValue(v);
}
