/**
 * CronJob (batch/v1): the schedule and time zone, the concurrency policy, history limits, and
 * the jobTemplate (its metadata, and a Job spec read as a Job's is, its selector always
 * generated). The name is kept short enough for the Jobs it creates.
 */
import type { BilledSpec } from '../../sizing';
import { renderValue } from '../../validation/errors';
import { validateSchedule } from '../../workloads/cronjob';
import type { CronJobSpec, JobTemplateSpec } from '../../workloads/specs';
import { isBlank, type ManifestContext, type Path } from '../context';
import type { KindHandler } from '../handler';
import { jobSpec } from './job';

/** A CronJob's name plus the 11-character suffix of its Jobs must stay a 63-character label. */
const CRONJOB_NAME_MAX = 52;

export const cronJobHandler: KindHandler = {
  kind: 'CronJob',
  nameRule: 'subdomain',
  checkName(c, metadata, namePath) {
    if (metadata.name.length > CRONJOB_NAME_MAX) {
      c.invalid(namePath, metadata.name, `must be no more than ${CRONJOB_NAME_MAX} characters`);
    }
  },
  parse(c, value, path, metadata, source) {
    const r = cronJobSpec(c, value.spec, [...path, 'spec']);
    return metadata && r ? { apiVersion: 'batch/v1', kind: 'CronJob', metadata, spec: r.spec, billed: r.billed, source } : undefined;
  },
};

function cronJobSpec(c: ManifestContext, raw: unknown, path: Path): { spec: CronJobSpec; billed: BilledSpec } | undefined {
  if (!c.requireMapping(raw, path)) return undefined;
  const before = c.errorCount;

  const schedPath = [...path, 'schedule'];
  const tzPath = [...path, 'timeZone'];
  let schedule: string | undefined;
  if (isBlank(raw.schedule)) c.add(schedPath, 'REQUIRED', 'Required value');
  else schedule = c.str(raw.schedule, schedPath) ?? undefined;
  let timeZone = c.str(raw.timeZone, tzPath);
  if (timeZone === '') timeZone = null;
  if (schedule !== undefined && timeZone !== undefined) {
    const problem = validateSchedule(schedule, timeZone);
    if (problem) {
      const isTz = problem.field === 'timeZone';
      const detail = /^(Invalid value|Required value|Unsupported value|Forbidden):/.test(problem.message)
        ? problem.message
        : `Invalid value: ${renderValue(isTz ? timeZone : schedule)}: ${problem.message}`;
      c.add(isTz ? tzPath : schedPath, detail.startsWith('Required value') ? 'REQUIRED' : 'INVALID_VALUE', detail);
    }
  }

  const concurrencyPolicy = c.oneOf(raw.concurrencyPolicy, [...path, 'concurrencyPolicy'], ['Allow', 'Forbid', 'Replace'] as const);
  const startingDeadlineSeconds = c.int(raw.startingDeadlineSeconds, [...path, 'startingDeadlineSeconds'], 0);
  const suspend = c.bool(raw.suspend, [...path, 'suspend']);
  const successful = c.int(raw.successfulJobsHistoryLimit, [...path, 'successfulJobsHistoryLimit'], 0);
  const failed = c.int(raw.failedJobsHistoryLimit, [...path, 'failedJobsHistoryLimit'], 0);

  const jtPath = [...path, 'jobTemplate'];
  let jobTemplate: JobTemplateSpec | undefined;
  let billed: BilledSpec | undefined;
  if (c.requireMapping(raw.jobTemplate, jtPath)) {
    const jt = raw.jobTemplate;
    const metaPath = [...jtPath, 'metadata'];
    const meta = c.optionalMapping(jt.metadata, metaPath);
    const labels = c.labels(meta?.labels, [...metaPath, 'labels']);
    const annotations = c.annotations(meta?.annotations, [...metaPath, 'annotations']);
    const job = jobSpec(c, jt.spec, [...jtPath, 'spec'], 'JobTemplate');
    if (job && meta) {
      jobTemplate = { ...jt, metadata: { labels, annotations }, spec: job.spec };
      billed = job.billed;
    }
  }

  if (
    c.errorCount > before || schedule === undefined || timeZone === undefined || concurrencyPolicy === undefined ||
    startingDeadlineSeconds === undefined || suspend === undefined || successful === undefined || failed === undefined ||
    !jobTemplate || !billed
  ) {
    return undefined;
  }
  return {
    spec: {
      ...raw,
      schedule,
      timeZone,
      concurrencyPolicy: concurrencyPolicy ?? 'Allow',
      startingDeadlineSeconds,
      suspend: suspend ?? false,
      successfulJobsHistoryLimit: successful ?? 3,
      failedJobsHistoryLimit: failed ?? 1,
      jobTemplate,
    },
    billed,
  };
}