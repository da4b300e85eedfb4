/**
 * What may change when an object is applied again: Kubernetes' update validation of workload
 * specs (apps/v1 Deployment and StatefulSet, batch/v1 Job and CronJob, v1 Pod). Both specs are
 * the validated, defaulted shapes `parseManifest` returns (or their stored form).
 *
 * Errors carry code IMMUTABLE (INVALID_VALUE for a Pod's activeDeadlineSeconds rules), the field
 * path `[...source, 'spec', ...]` and a kubectl-style message:
 * `spec.selector: Invalid value: {"matchLabels":{"app":"web"}}: field is immutable`.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { JOB_GENERATED_LABELS } from './manifest';
import { formatFieldPath, renderValue, type UserError } from './validation/errors';

type Spec = Record<string, unknown>;

/** StatefulSet fields an update may change (apps/v1 ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
] as const;

const STATEFULSET_FORBIDDEN =
  "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
  "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

const POD_FORBIDDEN =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, ' +
  '`spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to existing tolerations)';

/**
 * The problems with replacing `oldSpec` by `newSpec` on an existing object of `kind`; empty
 * when the update is allowed (and for kinds without immutable fields: CronJob, Namespace).
 */
export function validateUpdate(kind: string, oldSpec: unknown, newSpec: unknown, source: string[]): UserError[] {
  const before = asSpec(oldSpec);
  const after = asSpec(newSpec);
  const errors: UserError[] = [];
  const report = (path: string[], code: string, detail: string) => {
    const rel = ['spec', ...path];
    errors.push({ field: [...source, ...rel], code, message: `${formatFieldPath(rel)}: ${detail}` });
  };
  const immutable = (key: string, value: unknown) => report([key], 'IMMUTABLE', `Invalid value: ${renderValue(value)}: field is immutable`);

  switch (kind) {
    case 'Deployment':
      if (!deepEqual(before.selector, after.selector)) immutable('selector', after.selector);
      break;

    case 'StatefulSet': {
      const changed = Object.keys({ ...before, ...after })
        .filter((k) => !(STATEFULSET_MUTABLE as readonly string[]).includes(k))
        .filter((k) => !deepEqual(before[k], after[k]))
        .sort();
      if (changed.length > 0) report([], 'IMMUTABLE', `${STATEFULSET_FORBIDDEN} (changed: ${changed.join(', ')})`);
      break;
    }

    case 'Job': {
      // The stored Job carries the selector and template labels generated at create time; a
      // re-applied manifest that leaves the selector to be generated again does not change them.
      const generated = isAbsent(after.selector) && after.manualSelector !== true;
      if (!generated && !deepEqual(before.selector, after.selector)) immutable('selector', after.selector);
      if (!deepEqual(before.completions, after.completions)) immutable('completions', after.completions);
      if (!deepEqual(before.completionMode, after.completionMode)) immutable('completionMode', after.completionMode);
      const oldTemplate = generated ? withoutGeneratedLabels(before.template, after.template) : before.template;
      if (!deepEqual(oldTemplate, after.template)) immutable('template', after.template);
      break;
    }

    case 'Pod':
      validatePodUpdate(before, after, report);
      break;

    default:
      // CronJob: every field may change. Namespace and unknown kinds: no spec rules.
      break;
  }
  return errors;
}

function validatePodUpdate(before: Spec, after: Spec, report: (path: string[], code: string, detail: string) => void): void {
  const oldDeadline = before.activeDeadlineSeconds;
  const newDeadline = after.activeDeadlineSeconds;
  if (!isAbsent(newDeadline)) {
    if (typeof oldDeadline === 'number' && typeof newDeadline === 'number' && newDeadline > oldDeadline) {
      report(['activeDeadlineSeconds'], 'INVALID_VALUE', `Invalid value: ${renderValue(newDeadline)}: must be less than or equal to previous value`);
    }
  } else if (!isAbsent(oldDeadline)) {
    report(['activeDeadlineSeconds'], 'INVALID_VALUE', 'Invalid value: null: must not update from a positive integer to nil value');
  }

  // Everything but the mutable fields must be equal: copy them from the new spec onto the old.
  const allowed: Spec = { ...before };
  for (const key of ['containers', 'initContainers']) {
    const olds = before[key];
    const news = after[key];
    if (Array.isArray(olds) && Array.isArray(news) && olds.length === news.length) {
      allowed[key] = olds.map((c: unknown, i) => (isRecord(c) && isRecord(news[i]) ? { ...c, image: news[i].image } : c));
    }
  }
  setOrDelete(allowed, 'activeDeadlineSeconds', after.activeDeadlineSeconds);
  const oldTolerations = Array.isArray(before.tolerations) ? before.tolerations : [];
  const newTolerations = Array.isArray(after.tolerations) ? after.tolerations : [];
  if (oldTolerations.every((t) => newTolerations.some((n) => deepEqual(t, n)))) setOrDelete(allowed, 'tolerations', after.tolerations);
  if (!deepEqual(allowed, after)) report([], 'IMMUTABLE', POD_FORBIDDEN);
}

/**
 * The old template without the labels the Job controller generated, unless the new template
 * writes them itself.
 */
function withoutGeneratedLabels(oldTemplate: unknown, newTemplate: unknown): unknown {
  if (!isRecord(oldTemplate) || !isRecord(oldTemplate.metadata) || !isRecord(oldTemplate.metadata.labels)) return oldTemplate;
  const newLabels = isRecord(newTemplate) && isRecord(newTemplate.metadata) && isRecord(newTemplate.metadata.labels) ? newTemplate.metadata.labels : {};
  const labels = { ...oldTemplate.metadata.labels };
  for (const key of JOB_GENERATED_LABELS) if (!(key in newLabels)) delete labels[key];
  return { ...oldTemplate, metadata: { ...oldTemplate.metadata, labels } };
}

function setOrDelete(o: Spec, key: string, value: unknown): void {
  if (value === undefined) delete o[key];
  else o[key] = value;
}

function asSpec(v: unknown): Spec {
  return isRecord(v) ? v : {};
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Structural equality of JSON values; key order does not matter, an absent key equals undefined. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}
