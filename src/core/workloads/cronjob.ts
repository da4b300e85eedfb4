/**
 * The CronJob controller as a pure function, after Kubernetes' cronjob controller v2: from the
 * stored CronJob, the Jobs it owns and `now`, decide which Job to start (at most one per sync),
 * which Jobs to delete (Replace policy, history limits), the new status, the events to record and
 * when to run again.
 *
 * Schedules are parsed and stepped by cron-parser; this module only decides which of its
 * syntax is accepted (the Kubernetes subset: 5 fields and a few macros) and in which zone.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { CronJobSpec, JobTemplateSpec } from './specs';
import type { WorkloadEvent } from './types';

export interface CronJobStatus {
  active: { name: string }[];
  lastScheduleTime: string | null;
  lastSuccessfulTime: string | null;
}

export interface CronJobInput {
  name: string;
  namespace: string;
  uid: string;
  createdAt: Date;
  spec: CronJobSpec;
  status: Partial<CronJobStatus>;
}

export interface JobOfCronJob {
  id: string;
  name: string;
  /** From its scheduled-timestamp annotation. */
  scheduledTime: Date;
  createdAt: Date;
  /** Complete/Failed condition, or null while running. */
  finished: { type: 'Complete' | 'Failed'; at: Date } | null;
}

export interface JobToCreate {
  name: string;
  scheduledTime: Date;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JobTemplateSpec['spec'];
}

export interface CronJobSyncResult {
  createJobs: JobToCreate[];
  deleteJobs: { id: string; name: string; why: string }[];
  status: CronJobStatus;
  events: WorkloadEvent[];
  requeueAfterMs: number | null;
}

/** The annotation a CronJob puts on each Job: its nominal start, RFC 3339 in the CronJob's zone. */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** More missed start times than this since the last run → `TooManyMissedTimes` (still one run). */
export const MAX_MISSED_START_TIMES = 100;

/**
 * Added to every requeue, as upstream's `nextScheduleDelta`: a timer that fires on the dot (or a
 * hair early after rounding) would find the next start time still in the future and do nothing.
 */
export const NEXT_SCHEDULE_SLACK_MS = 100;

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

type ScheduleError = { field: 'schedule' | 'timeZone'; message: string };

const invalid = (field: ScheduleError['field'], value: string, reason: string): ScheduleError => ({
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${reason}`,
});

/**
 * The schedule as 5 standard fields, or why it is refused. Beyond what cron-parser checks
 * (ranges, steps, names), this refuses what Kubernetes' parser does not know: seconds, `@every`,
 * `TZ=` prefixes, and cron-parser's extensions (`L`, `#`, `H`), and pads nothing (cron-parser
 * would accept 4 fields or an empty string).
 */
function standardFields(schedule: string): { fields: string } | { reason: string } {
  const s = schedule.trim();
  if (s === '') return { reason: 'schedule must be non-empty' };
  if (s.includes('TZ')) return { reason: 'cannot use TZ or CRON_TZ in schedule, use spec.timeZone instead' };
  if (s.startsWith('@')) {
    if (s.startsWith('@every')) return { reason: '@every is not supported, use a 5-field schedule' };
    const expanded = MACROS[s];
    if (expanded === undefined) return { reason: `unrecognized descriptor: ${s} (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or 5 fields)` };
    return { fields: expanded };
  }
  const parts = s.split(/\s+/);
  if (parts.length !== 5) {
    const hint = parts.length === 6 ? ' (a seconds field is not supported)' : '';
    return { reason: `expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]${hint}` };
  }
  for (let i = 0; i < 5; i++) {
    const field = parts[i];
    const names = i === 3 ? MONTH_NAMES : i === 4 ? DAY_NAMES : [];
    // Any run of letters must be a month/day name valid in this field; '#' is never valid.
    for (const word of field.match(/[A-Za-z]+/g) ?? []) {
      if (!names.includes(word.toUpperCase())) return { reason: `unsupported value ${JSON.stringify(word)} in the ${FIELD_NAMES[i]} field` };
    }
    if (/[^A-Za-z0-9*?,\-/]/.test(field)) return { reason: `unsupported character in the ${FIELD_NAMES[i]} field: ${JSON.stringify(field)}` };
  }
  return { fields: parts.join(' ') };
}

/** Kubernetes' time zone check: an explicit IANA name the runtime knows. */
function timeZoneError(timeZone: string): string | null {
  if (timeZone === '') return 'timeZone must be nil or non-empty string';
  if (timeZone.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  const unknown = `unknown time zone ${timeZone}`;
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) return unknown;
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return unknown;
  }
  // Intl matches names case-insensitively ("asia/shanghai"); zone names are case-sensitive.
  if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) return unknown;
  return null;
}

function parse(fields: string, timeZone: string | null, currentDate: number): CronExpression {
  return CronExpressionParser.parse(fields, { currentDate: new Date(currentDate), tz: timeZone ?? 'UTC' });
}

/** A fixed reference date for validation (validation must not depend on the clock). */
const VALIDATION_DATE = Date.UTC(2000, 0, 1);

function cronParserReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('Invalid explicit day of month')) return 'the schedule never fires (no such day in the month given)';
  return message;
}

/**
 * Checks spec.schedule and spec.timeZone as the API server does; null when both are good.
 * Messages are kubectl-style: `Invalid value: "61 * * * *": Constraint error, got value 61 expected range 0-59`.
 */
export function validateSchedule(schedule: string, timeZone: string | null): ScheduleError | null {
  const std = standardFields(schedule);
  if ('reason' in std) return schedule.trim() === '' ? { field: 'schedule', message: 'Required value: schedule must be non-empty' } : invalid('schedule', schedule, std.reason);
  try {
    parse(std.fields, null, VALIDATION_DATE).next();
  } catch (err) {
    return invalid('schedule', schedule, cronParserReason(err));
  }
  if (timeZone !== null) {
    const reason = timeZoneError(timeZone);
    if (reason !== null) return invalid('timeZone', timeZone, reason);
  }
  return null;
}

/** A parsed schedule, or throws with the validation message. */
function compile(schedule: string, timeZone: string | null): string {
  const error = validateSchedule(schedule, timeZone);
  if (error !== null) throw new Error(`${error.field}: ${error.message}`);
  return (standardFields(schedule) as { fields: string }).fields;
}

function nextAfter(fields: string, timeZone: string | null, after: number): number {
  return parse(fields, timeZone, after).next().getTime();
}

/** The first start time strictly after `after` (epoch ms). Throws if the schedule or zone is invalid. */
export function nextScheduleAfter(schedule: string, timeZone: string | null, after: number): number {
  return nextAfter(compile(schedule, timeZone), timeZone, after);
}

/**
 * The latest start time t with earliest < t ≤ now, and how many start times fell in that window
 * (counted up to MAX_MISSED_START_TIMES + 1, newest first, so a long outage costs little).
 */
function mostRecentStart(fields: string, timeZone: string | null, earliest: number, now: number): { time: number; count: number } | null {
  if (earliest >= now) return null;
  const it = parse(fields, timeZone, now + 1);
  let latest: number | null = null;
  let count = 0;
  while (count <= MAX_MISSED_START_TIMES) {
    const t = it.prev().getTime();
    if (t <= earliest) break;
    latest ??= t;
    count++;
  }
  return latest === null ? null : { time: latest, count };
}

/** UTC offset of `timeZone` at `epochMs`, in minutes east of UTC. */
function offsetMinutes(timeZone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((local - Math.floor(epochMs / 1000) * 1000) / 60000);
}

/** RFC 3339 (seconds precision) in the given zone, as Go's `t.In(loc).Format(time.RFC3339)`. */
export function rfc3339InZone(epochMs: number, timeZone: string | null): string {
  const offset = timeZone === null ? 0 : offsetMinutes(timeZone, epochMs);
  const local = new Date(Math.floor(epochMs / 1000) * 1000 + offset * 60000).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A Job's name for a start time: `<cronjob>-<minutes since the epoch>`, the same on every retry. */
export function jobNameFor(cronJobName: string, scheduledTime: number): string {
  return `${cronJobName}-${Math.floor(scheduledTime / 60000)}`;
}

function parseTime(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Newest first: scheduled time, then creation time, then name. */
function newestFirst(a: JobOfCronJob, b: JobOfCronJob): number {
  return b.scheduledTime.getTime() - a.scheduledTime.getTime() || b.createdAt.getTime() - a.createdAt.getTime() || byName(b, a);
}

/**
 * One reconcile of a CronJob. In order (as upstream):
 *  1. Jobs that were in status.active and have finished → `SawCompletedJob` (status.active is the
 *     memory, so each is reported once); active jobs that vanished → `MissingJob`;
 *     lastSuccessfulTime = latest Complete time (never moves back).
 *  2. Unless suspended (or the schedule/zone is invalid: a Warning, no run), find the most recent
 *     start time t with max(lastScheduleTime ?? createdAt, now − startingDeadlineSeconds) < t ≤ now.
 *     Missed earlier times are dropped (one catch-up run at most); over 100 → `TooManyMissedTimes`.
 *     If t's Job already exists it only records t; Forbid with a running Job skips t without
 *     recording it (so it runs late once the Job ends, while t is still within the deadline);
 *     Replace deletes the running Jobs first; then the Job for t is created.
 *  3. Finished Jobs beyond the history limits are deleted, oldest first.
 *  4. Requeue at the next start time after now (+ NEXT_SCHEDULE_SLACK_MS); null when suspended.
 *     A Forbid skip also needs a wake-up when the running Job finishes (the I/O layer's job).
 */
export function syncCronJob(cj: CronJobInput, jobs: JobOfCronJob[], now: number): CronJobSyncResult {
  const { spec } = cj;
  const events: WorkloadEvent[] = [];
  const createJobs: JobToCreate[] = [];
  const deleteJobs: CronJobSyncResult['deleteJobs'] = [];

  // 1. What happened to the Jobs since the last sync.
  const wasActive = new Set((cj.status.active ?? []).map((a) => a.name));
  const byJobName = new Map(jobs.map((j) => [j.name, j]));
  for (const name of [...wasActive].sort()) {
    const job = byJobName.get(name);
    if (job === undefined) events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${name}` });
    else if (job.finished !== null) events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${name}, status: ${job.finished.type}` });
  }
  let lastSuccessful = parseTime(cj.status.lastSuccessfulTime);
  for (const j of jobs) {
    if (j.finished?.type === 'Complete' && (lastSuccessful === null || j.finished.at.getTime() > lastSuccessful)) lastSuccessful = j.finished.at.getTime();
  }
  let running = jobs.filter((j) => j.finished === null);
  let lastSchedule = parseTime(cj.status.lastScheduleTime);

  // 2. Whether a start time is due.
  let requeueAfterMs: number | null = null;
  const error = validateSchedule(spec.schedule, spec.timeZone);
  if (error !== null) {
    const reason = error.field === 'timeZone' ? 'UnknownTimeZone' : 'UnparseableSchedule';
    events.push({ type: 'Warning', reason, message: `Not starting jobs: spec.${error.field}: ${error.message}` });
  } else if (!spec.suspend) {
    const fields = (standardFields(spec.schedule) as { fields: string }).fields;
    const tz = spec.timeZone;
    const since = lastSchedule ?? cj.createdAt.getTime();
    const deadline = spec.startingDeadlineSeconds === null ? null : now - spec.startingDeadlineSeconds * 1000;
    const due = mostRecentStart(fields, tz, deadline === null ? since : Math.max(since, deadline), now);
    if (due !== null) {
      if (due.count > MAX_MISSED_START_TIMES) {
        events.push({
          type: 'Warning',
          reason: 'TooManyMissedTimes',
          message: `too many missed start times: >${MAX_MISSED_START_TIMES}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
        });
      }
      const name = jobNameFor(cj.name, due.time);
      if (byJobName.has(name)) {
        // Already started (a previous sync created it): only catch the status up.
        lastSchedule = Math.max(lastSchedule ?? due.time, due.time);
      } else if (spec.concurrencyPolicy === 'Forbid' && running.length > 0) {
        events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
      } else {
        if (spec.concurrencyPolicy === 'Replace') {
          for (const j of [...running].sort(byName)) {
            deleteJobs.push({ id: j.id, name: j.name, why: 'replaced by a newer run' });
            events.push({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${j.name}` });
          }
          running = [];
        }
        const template = spec.jobTemplate;
        createJobs.push({
          name,
          scheduledTime: new Date(due.time),
          labels: { ...template.metadata.labels },
          annotations: { ...template.metadata.annotations, [CRONJOB_SCHEDULED_TIMESTAMP]: rfc3339InZone(due.time, tz) },
          spec: template.spec,
        });
        events.push({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${name}` });
        lastSchedule = due.time;
      }
    }
    // As upstream: the next start after the later of now and the last recorded start.
    const from = Math.max(now, lastSchedule ?? cj.createdAt.getTime());
    requeueAfterMs = nextAfter(fields, tz, from) - now + NEXT_SCHEDULE_SLACK_MS;
  }

  // 3. History limits (finished Jobs only; running ones are never cleaned up here).
  const prune = (type: 'Complete' | 'Failed', limit: number) => {
    const finished = jobs.filter((j) => j.finished?.type === type).sort(newestFirst);
    for (const j of finished.slice(Math.max(0, limit))) {
      deleteJobs.push({ id: j.id, name: j.name, why: 'history limit' });
      events.push({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${j.name}` });
    }
  };
  prune('Complete', spec.successfulJobsHistoryLimit);
  prune('Failed', spec.failedJobsHistoryLimit);

  const active = [...running.map((j) => ({ name: j.name })), ...createJobs.map((j) => ({ name: j.name }))].sort(byName);
  return {
    createJobs,
    deleteJobs,
    status: {
      active,
      lastScheduleTime: lastSchedule === null ? null : new Date(lastSchedule).toISOString(),
      lastSuccessfulTime: lastSuccessful === null ? null : new Date(lastSuccessful).toISOString(),
    },
    events,
    requeueAfterMs,
  };
}
