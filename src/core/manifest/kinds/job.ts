/**
 * Job (batch/v1): completions, parallelism, backoff, deadlines, the completion mode, the
 * generated or manual selector, and a pod template whose restartPolicy must be written. The
 * spec reader is shared with CronJob, whose jobTemplate holds a Job spec.
 */
import type { BilledSpec } from '../../sizing';
import { isAbsent, type ManifestContext, type Path } from '../context';
import type { KindHandler } from '../handler';
import { podTemplate } from '../podTemplate';
import type { JobManifestSpec } from '../types';

export const jobHandler: KindHandler = {
  kind: 'Job',
  nameRule: 'subdomain',
  parse(c, value, path, metadata, source) {
    const r = jobSpec(c, value.spec, [...path, 'spec'], 'Job');
    return metadata && r ? { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: r.spec, billed: r.billed, source } : undefined;
  },
};

/**
 * A Job spec (`mode: 'Job'`), or the spec of a CronJob's jobTemplate (`'JobTemplate'`, where
 * the selector is always generated). Defaults as batch/v1 does: completions and parallelism
 * 1 when neither is set (completions null, a work queue, when only parallelism is), backoffLimit
 * 6, completionMode NonIndexed, suspend false.
 */
export function jobSpec(c: ManifestContext, raw: unknown, path: Path, mode: 'Job' | 'JobTemplate'): { spec: JobManifestSpec; billed: BilledSpec } | undefined {
  if (!c.requireMapping(raw, path)) return undefined;
  const before = c.errorCount;

  const parallelism = c.int(raw.parallelism, [...path, 'parallelism'], 0);
  const completions = c.int(raw.completions, [...path, 'completions'], 0);
  const backoffLimit = c.int(raw.backoffLimit, [...path, 'backoffLimit'], 0);
  const activeDeadlineSeconds = c.int(raw.activeDeadlineSeconds, [...path, 'activeDeadlineSeconds'], 1, 'must be greater than 0');
  const ttl = c.int(raw.ttlSecondsAfterFinished, [...path, 'ttlSecondsAfterFinished'], 0);
  const completionMode = c.oneOf(raw.completionMode, [...path, 'completionMode'], ['NonIndexed', 'Indexed'] as const);
  if (completionMode === 'Indexed' && isAbsent(raw.completions)) {
    c.add([...path, 'completions'], 'REQUIRED', 'Required value: when completion mode is Indexed');
  }
  const suspend = c.bool(raw.suspend, [...path, 'suspend']);
  const manualSelector = c.bool(raw.manualSelector, [...path, 'manualSelector']);
  // Job features this platform does not run yet: refused rather than silently ignored.
  for (const field of ['podFailurePolicy', 'successPolicy', 'backoffLimitPerIndex', 'maxFailedIndexes', 'podReplacementPolicy', 'managedBy']) {
    if (!isAbsent(raw[field])) c.add([...path, field], 'UNSUPPORTED_FIELD', `Forbidden: ${field} is not supported yet`);
  }

  const selPath = [...path, 'selector'];
  let matchLabels: Record<string, string> | undefined;
  if (mode === 'JobTemplate') {
    if (!isAbsent(raw.selector)) c.invalid(selPath, raw.selector, '`selector` will be auto-generated');
    if (manualSelector === true) c.notSupported([...path, 'manualSelector'], true, ['nil', 'false']);
  } else if (manualSelector === true) {
    matchLabels = c.selector(raw.selector, selPath, 'Job');
  } else if (!isAbsent(raw.selector)) {
    c.invalid(selPath, raw.selector, '`selector` will be auto-generated; set manualSelector: true to choose it yourself');
  }

  const template = podTemplate(c, raw.template, [...path, 'template'], 'Job', matchLabels);

  if (
    c.errorCount > before || !template || parallelism === undefined || completions === undefined ||
    backoffLimit === undefined || activeDeadlineSeconds === undefined || ttl === undefined ||
    completionMode === undefined || suspend === undefined || manualSelector === undefined
  ) {
    return undefined;
  }
  const spec: JobManifestSpec = {
    ...raw,
    parallelism: parallelism ?? 1,
    completions: completions ?? (parallelism === null ? 1 : null),
    backoffLimit: backoffLimit ?? 6,
    activeDeadlineSeconds,
    ttlSecondsAfterFinished: ttl,
    completionMode: completionMode ?? 'NonIndexed',
    suspend: suspend ?? false,
    template: template.template,
  };
  if (matchLabels) spec.selector = { matchLabels };
  else delete spec.selector;
  if (manualSelector === null) delete spec.manualSelector;
  else spec.manualSelector = manualSelector;
  return { spec, billed: template.billed };
}