import { describe, it, expect } from 'vitest';
import {
  CRONJOB_SCHEDULED_TIMESTAMP,
  NEXT_SCHEDULE_SLACK_MS,
  jobNameFor,
  nextScheduleAfter,
  rfc3339InZone,
  syncCronJob,
  validateSchedule,
  type CronJobInput,
  type CronJobStatus,
  type CronJobSyncResult,
  type JobOfCronJob,
} from './cronjob';
import type { CronJobSpec } from './specs';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function spec(over: Partial<CronJobSpec> = {}): CronJobSpec {
  return {
    schedule: '* * * * *',
    timeZone: null,
    concurrencyPolicy: 'Allow',
    startingDeadlineSeconds: null,
    suspend: false,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
    jobTemplate: {
      metadata: { labels: { app: 'report' }, annotations: { team: 'data' } },
      spec: {
        completions: 1,
        parallelism: 1,
        backoffLimit: 6,
        activeDeadlineSeconds: null,
        ttlSecondsAfterFinished: null,
        completionMode: 'NonIndexed',
        suspend: false,
        template: { metadata: { labels: {}, annotations: {} }, spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never', terminationGracePeriodSeconds: 30 } },
      },
    },
    ...over,
  };
}

function cronJob(over: Partial<CronJobSpec> = {}, createdAt = '2024-01-01T10:00:30Z', status: Partial<CronJobStatus> = {}): CronJobInput {
  return { name: 'report', namespace: 'default', uid: 'uid-1', createdAt: new Date(createdAt), spec: spec(over), status };
}

function job(name: string, scheduled: number, finished: JobOfCronJob['finished'] = null): JobOfCronJob {
  return { id: `id-${name}`, name, scheduledTime: new Date(scheduled), createdAt: new Date(scheduled), finished };
}

const reasons = (r: CronJobSyncResult) => r.events.map((e) => e.reason);

/**
 * A tiny world around the pure controller: it applies each result (creates, deletes, status) as
 * the I/O layer would, and finishes each job `runMs` after it was created.
 */
class World {
  jobs: JobOfCronJob[] = [];
  cj: CronJobInput;
  log: CronJobSyncResult[] = [];
  constructor(
    cj: CronJobInput,
    private runMs: number | null = 0,
    private outcome: 'Complete' | 'Failed' = 'Complete',
  ) {
    this.cj = cj;
  }
  finishDue(now: number) {
    if (this.runMs === null) return;
    for (const j of this.jobs) {
      const end = j.createdAt.getTime() + this.runMs;
      if (j.finished === null && end <= now) j.finished = { type: this.outcome, at: new Date(end) };
    }
  }
  sync(now: number): CronJobSyncResult {
    this.finishDue(now);
    const r = syncCronJob(this.cj, this.jobs.map((j) => ({ ...j })), now);
    const gone = new Set(r.deleteJobs.map((d) => d.id));
    this.jobs = this.jobs.filter((j) => !gone.has(j.id));
    for (const c of r.createJobs) this.jobs.push({ id: `id-${c.name}`, name: c.name, scheduledTime: c.scheduledTime, createdAt: new Date(now), finished: null });
    this.cj = { ...this.cj, status: r.status };
    this.log.push(r);
    return r;
  }
  created(): string[] {
    return this.log.flatMap((r) => r.createJobs.map((c) => c.name));
  }
}

describe('validateSchedule', () => {
  const good: Array<[string, string | null]> = [
    ['* * * * *', null],
    ['*/5 * * * *', null],
    ['0 9 * * MON-FRI', null],
    ['30 2 1,15 jan,jul *', null],
    ['0 0 ? * SUN', null],
    ['5/15 0-23/2 * * *', null],
    ['0 9 * * *', 'Asia/Shanghai'],
    ['0 9 * * *', 'America/New_York'],
    ['0 9 * * *', 'Etc/UTC'],
    ['0 9 * * *', 'UTC'],
    ['@yearly', null],
    ['@annually', null],
    ['@monthly', null],
    ['@weekly', null],
    ['@daily', null],
    ['@midnight', null],
    ['@hourly', 'Europe/Paris'],
    ['  0 * * * *  ', null],
  ];
  for (const [s, tz] of good) {
    it(`accepts "${s}"${tz ? ` in ${tz}` : ''}`, () => {
      expect(validateSchedule(s, tz)).toBeNull();
    });
  }

  const bad: Array<[string, string | null, 'schedule' | 'timeZone', string]> = [
    ['61 * * * *', null, 'schedule', 'Invalid value: "61 * * * *": Constraint error, got value 61 expected range 0-59'],
    ['* 24 * * *', null, 'schedule', 'Invalid value: "* 24 * * *": Constraint error, got value 24 expected range 0-23'],
    ['* * 0 * *', null, 'schedule', 'Invalid value: "* * 0 * *": Constraint error, got value 0 expected range 1-31'],
    ['*/0 * * * *', null, 'schedule', 'Invalid value: "*/0 * * * *": Constraint error, cannot repeat at every 0 time.'],
    ['5-3 * * * *', null, 'schedule', 'Invalid value: "5-3 * * * *": Invalid range: 5-3, min(5) > max(3)'],
    ['0 0 30 2 *', null, 'schedule', 'Invalid value: "0 0 30 2 *": the schedule never fires (no such day in the month given)'],
    ['* * * *', null, 'schedule', 'Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'],
    ['0 * * * * *', null, 'schedule', 'Invalid value: "0 * * * * *": expected exactly 5 fields, found 6: [0 * * * * *] (a seconds field is not supported)'],
    ['@every 5m', null, 'schedule', 'Invalid value: "@every 5m": @every is not supported, use a 5-field schedule'],
    ['@reboot', null, 'schedule', expect.stringMatching(/^Invalid value: "@reboot": unrecognized descriptor: @reboot/) as unknown as string],
    ['TZ=UTC 0 9 * * *', null, 'schedule', 'Invalid value: "TZ=UTC 0 9 * * *": cannot use TZ or CRON_TZ in schedule, use spec.timeZone instead'],
    ['CRON_TZ=Asia/Tokyo 0 9 * * *', null, 'schedule', 'Invalid value: "CRON_TZ=Asia/Tokyo 0 9 * * *": cannot use TZ or CRON_TZ in schedule, use spec.timeZone instead'],
    ['0 0 L * *', null, 'schedule', 'Invalid value: "0 0 L * *": unsupported value "L" in the day-of-month field'],
    ['0 0 * * 1#1', null, 'schedule', 'Invalid value: "0 0 * * 1#1": unsupported character in the day-of-week field: "1#1"'],
    ['H * * * *', null, 'schedule', 'Invalid value: "H * * * *": unsupported value "H" in the minute field'],
    ['0 9 * * MONDAY', null, 'schedule', 'Invalid value: "0 9 * * MONDAY": unsupported value "MONDAY" in the day-of-week field'],
    ['0 9 * MON *', null, 'schedule', 'Invalid value: "0 9 * MON *": unsupported value "MON" in the month field'],
    ['', null, 'schedule', 'Required value: schedule must be non-empty'],
    ['0 9 * * *', 'Mars/Olympus', 'timeZone', 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    ['0 9 * * *', 'asia/shanghai', 'timeZone', 'Invalid value: "asia/shanghai": unknown time zone asia/shanghai'],
    ['0 9 * * *', '+05:00', 'timeZone', 'Invalid value: "+05:00": unknown time zone +05:00'],
    ['0 9 * * *', '../etc/passwd', 'timeZone', 'Invalid value: "../etc/passwd": unknown time zone ../etc/passwd'],
    ['0 9 * * *', 'Local', 'timeZone', 'Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    ['0 9 * * *', '', 'timeZone', 'Invalid value: "": timeZone must be nil or non-empty string'],
  ];
  for (const [s, tz, field, message] of bad) {
    it(`refuses "${s}"${tz !== null ? ` in zone "${tz}"` : ''} on ${field}`, () => {
      expect(validateSchedule(s, tz)).toEqual({ field, message });
    });
  }
});

describe('nextScheduleAfter', () => {
  it('returns the first start strictly after the given time', () => {
    expect(iso(nextScheduleAfter('*/15 * * * *', null, at('2024-01-01T10:00:00Z')))).toBe('2024-01-01T10:15:00.000Z');
    expect(iso(nextScheduleAfter('*/15 * * * *', null, at('2024-01-01T10:14:59.999Z')))).toBe('2024-01-01T10:15:00.000Z');
  });

  it('reads the schedule in spec.timeZone: 09:00 in Asia/Shanghai is 01:00 UTC', () => {
    expect(iso(nextScheduleAfter('0 9 * * *', 'Asia/Shanghai', at('2024-01-01T00:00:00Z')))).toBe('2024-01-01T01:00:00.000Z');
    expect(iso(nextScheduleAfter('0 9 * * *', 'Asia/Shanghai', at('2024-01-01T01:00:00Z')))).toBe('2024-01-02T01:00:00.000Z');
  });

  it('expands macros: @weekly is Sunday midnight', () => {
    expect(iso(nextScheduleAfter('@weekly', null, at('2024-01-01T10:00:00Z')))).toBe('2024-01-07T00:00:00.000Z');
  });

  it('throws on an invalid schedule', () => {
    expect(() => nextScheduleAfter('@every 1m', null, 0)).toThrow(/@every is not supported/);
  });
});

describe('rfc3339InZone', () => {
  it('formats as Go does: Z for UTC, the offset elsewhere', () => {
    expect(rfc3339InZone(at('2024-01-01T01:00:00Z'), null)).toBe('2024-01-01T01:00:00Z');
    expect(rfc3339InZone(at('2024-01-01T01:00:00Z'), 'Asia/Shanghai')).toBe('2024-01-01T09:00:00+08:00');
    expect(rfc3339InZone(at('2024-07-01T13:00:00Z'), 'America/New_York')).toBe('2024-07-01T09:00:00-04:00');
    expect(rfc3339InZone(at('2024-01-01T09:00:00Z'), 'Europe/London')).toBe('2024-01-01T09:00:00Z');
    expect(rfc3339InZone(at('2024-01-01T04:00:00Z'), 'Asia/Kolkata')).toBe('2024-01-01T09:30:00+05:30');
  });
});

describe('syncCronJob: starting jobs', () => {
  it('creates exactly one job per minute for an every-minute schedule, driven by its own requeue', () => {
    const w = new World(cronJob({}, '2024-01-01T10:00:30Z'));
    let now = at('2024-01-01T10:00:30Z');
    const first = w.sync(now);
    expect(first.createJobs).toEqual([]);
    expect(first.requeueAfterMs).toBe(30_000 + NEXT_SCHEDULE_SLACK_MS);
    for (let i = 0; i < 10; i++) {
      now += w.log[w.log.length - 1].requeueAfterMs!;
      const r = w.sync(now);
      expect(r.createJobs).toHaveLength(1);
      expect(r.requeueAfterMs).toBe(MIN);
    }
    const minute0 = at('2024-01-01T10:01:00Z') / MIN;
    expect(w.created()).toEqual(Array.from({ length: 10 }, (_, i) => `report-${minute0 + i}`));
    expect(w.cj.status.lastScheduleTime).toBe('2024-01-01T10:10:00.000Z');
  });

  it('is idempotent: a second sync at the same instant creates nothing', () => {
    const w = new World(cronJob(), 60_000);
    const now = at('2024-01-01T10:01:05Z');
    expect(w.sync(now).createJobs).toHaveLength(1);
    const again = w.sync(now);
    expect(again.createJobs).toEqual([]);
    expect(again.events).toEqual([]);
  });

  it('never re-creates a job whose name exists, even if the status was not saved', () => {
    const now = at('2024-01-01T10:01:05Z');
    const existing = job(jobNameFor('report', at('2024-01-01T10:01:00Z')), at('2024-01-01T10:01:00Z'));
    const r = syncCronJob(cronJob(), [existing], now);
    expect(r.createJobs).toEqual([]);
    expect(r.status.lastScheduleTime).toBe('2024-01-01T10:01:00.000Z');
    expect(r.status.active).toEqual([{ name: existing.name }]);
  });

  it('stamps the job from the template: name, labels, annotations, spec and the scheduled timestamp', () => {
    const cj = cronJob({}, '2024-01-01T10:00:30Z');
    const r = syncCronJob(cj, [], at('2024-01-01T10:01:00.100Z'));
    const scheduled = at('2024-01-01T10:01:00Z');
    expect(r.createJobs).toEqual([
      {
        name: `report-${scheduled / MIN}`,
        scheduledTime: new Date(scheduled),
        labels: { app: 'report' },
        annotations: { team: 'data', [CRONJOB_SCHEDULED_TIMESTAMP]: '2024-01-01T10:01:00Z' },
        spec: cj.spec.jobTemplate.spec,
      },
    ]);
    expect(r.events).toEqual([{ type: 'Normal', reason: 'SuccessfulCreate', message: `Created job report-${scheduled / MIN}` }]);
    expect(r.status).toEqual({ active: [{ name: `report-${scheduled / MIN}` }], lastScheduleTime: '2024-01-01T10:01:00.000Z', lastSuccessfulTime: null });
  });

  it('runs @hourly on the hour and sleeps until the next one', () => {
    const w = new World(cronJob({ schedule: '@hourly' }, '2024-01-01T09:30:00Z'), 5 * MIN);
    expect(w.sync(at('2024-01-01T09:30:00Z')).requeueAfterMs).toBe(30 * MIN + NEXT_SCHEDULE_SLACK_MS);
    const r = w.sync(at('2024-01-01T10:00:00.100Z'));
    expect(r.createJobs.map((c) => iso(c.scheduledTime.getTime()))).toEqual(['2024-01-01T10:00:00.000Z']);
    expect(r.requeueAfterMs).toBe(HOUR);
    expect(w.sync(at('2024-01-01T10:30:00Z')).createJobs).toEqual([]);
    expect(w.sync(at('2024-01-01T11:00:00.100Z')).createJobs.map((c) => c.name)).toEqual([`report-${at('2024-01-01T11:00:00Z') / MIN}`]);
  });

  it('honours spec.timeZone: "0 9 * * *" in Asia/Shanghai runs at 01:00 UTC, annotated in +08:00', () => {
    const w = new World(cronJob({ schedule: '0 9 * * *', timeZone: 'Asia/Shanghai' }, '2024-01-01T00:00:00Z'), 10 * MIN);
    const idle = w.sync(at('2024-01-01T00:00:00Z'));
    expect(idle.createJobs).toEqual([]);
    expect(idle.requeueAfterMs).toBe(HOUR + NEXT_SCHEDULE_SLACK_MS);
    const r = w.sync(at('2024-01-01T01:00:00.100Z'));
    expect(r.createJobs).toHaveLength(1);
    expect(iso(r.createJobs[0].scheduledTime.getTime())).toBe('2024-01-01T01:00:00.000Z');
    expect(r.createJobs[0].annotations[CRONJOB_SCHEDULED_TIMESTAMP]).toBe('2024-01-01T09:00:00+08:00');
    expect(r.requeueAfterMs).toBe(24 * HOUR);
  });

  it('makes exactly one catch-up run after 3 hours of downtime with @hourly', () => {
    const cj = cronJob({ schedule: '@hourly' }, '2024-01-01T08:30:00Z', { active: [], lastScheduleTime: '2024-01-01T09:00:00Z', lastSuccessfulTime: null });
    const r = syncCronJob(cj, [job(`report-${at('2024-01-01T09:00:00Z') / MIN}`, at('2024-01-01T09:00:00Z'), { type: 'Complete', at: new Date(at('2024-01-01T09:05:00Z')) })], at('2024-01-01T12:20:00Z'));
    expect(r.createJobs.map((c) => iso(c.scheduledTime.getTime()))).toEqual(['2024-01-01T12:00:00.000Z']);
    expect(reasons(r)).toEqual(['SuccessfulCreate']);
    expect(r.status.lastScheduleTime).toBe('2024-01-01T12:00:00.000Z');
    expect(r.requeueAfterMs).toBe(40 * MIN + NEXT_SCHEDULE_SLACK_MS);
  });

  it('warns TooManyMissedTimes past 100 missed start times and still makes one run, the latest', () => {
    const cj = cronJob({}, '2024-01-01T00:00:00Z', { lastScheduleTime: '2024-01-01T08:00:00Z' });
    const r = syncCronJob(cj, [], at('2024-01-01T10:00:30Z'));
    expect(r.events[0]).toEqual({
      type: 'Warning',
      reason: 'TooManyMissedTimes',
      message: 'too many missed start times: >100. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
    });
    expect(r.createJobs.map((c) => iso(c.scheduledTime.getTime()))).toEqual(['2024-01-01T10:00:00.000Z']);
  });

  it('does not warn at exactly 100 missed start times', () => {
    const cj = cronJob({}, '2024-01-01T00:00:00Z', { lastScheduleTime: '2024-01-01T08:20:00Z' });
    const r = syncCronJob(cj, [], at('2024-01-01T10:00:30Z'));
    expect(reasons(r)).toEqual(['SuccessfulCreate']);
  });

  it('starts nothing when the latest start time is older than startingDeadlineSeconds, and says nothing', () => {
    const cj = cronJob({ schedule: '@hourly', startingDeadlineSeconds: 60 }, '2024-01-01T08:30:00Z', { lastScheduleTime: '2024-01-01T09:00:00Z' });
    const r = syncCronJob(cj, [], at('2024-01-01T10:05:00Z'));
    expect(r.createJobs).toEqual([]);
    expect(r.events).toEqual([]);
    expect(r.status.lastScheduleTime).toBe('2024-01-01T09:00:00.000Z');
    expect(r.requeueAfterMs).toBe(55 * MIN + NEXT_SCHEDULE_SLACK_MS);
  });

  it('starts a late run that is still within startingDeadlineSeconds', () => {
    const cj = cronJob({ schedule: '@hourly', startingDeadlineSeconds: 600 }, '2024-01-01T08:30:00Z', { lastScheduleTime: '2024-01-01T09:00:00Z' });
    const r = syncCronJob(cj, [], at('2024-01-01T10:05:00Z'));
    expect(r.createJobs.map((c) => iso(c.scheduledTime.getTime()))).toEqual(['2024-01-01T10:00:00.000Z']);
  });

  it('with startingDeadlineSeconds, does not warn TooManyMissedTimes for a long outage', () => {
    const cj = cronJob({ startingDeadlineSeconds: 120 }, '2024-01-01T00:00:00Z', { lastScheduleTime: '2024-01-01T01:00:00Z' });
    const r = syncCronJob(cj, [], at('2024-01-01T10:00:30Z'));
    expect(reasons(r)).toEqual(['SuccessfulCreate']);
  });

  it('creates nothing while suspended but keeps the active list and history, and does not requeue', () => {
    const runningJob = job('report-a', at('2024-01-01T09:58:00Z'));
    const old = [1, 2, 3, 4].map((i) => job(`report-done-${i}`, at('2024-01-01T09:00:00Z') + i * MIN, { type: 'Complete', at: new Date(at('2024-01-01T09:30:00Z') + i * MIN) }));
    const cj = cronJob({ suspend: true }, '2024-01-01T08:00:00Z', { active: [{ name: 'report-a' }, { name: 'report-done-4' }], lastScheduleTime: '2024-01-01T09:58:00Z' });
    const r = syncCronJob(cj, [runningJob, ...old], at('2024-01-01T10:00:30Z'));
    expect(r.createJobs).toEqual([]);
    expect(r.requeueAfterMs).toBeNull();
    expect(r.status.active).toEqual([{ name: 'report-a' }]);
    expect(r.deleteJobs).toEqual([{ id: 'id-report-done-1', name: 'report-done-1', why: 'history limit' }]);
    expect(reasons(r)).toEqual(['SawCompletedJob', 'SuccessfulDelete']);
  });

  it('refuses to run an invalid schedule or zone, with a Warning and no requeue', () => {
    const badZone = syncCronJob(cronJob({ timeZone: 'Mars/Olympus' }), [], at('2024-01-01T10:05:00Z'));
    expect(badZone.createJobs).toEqual([]);
    expect(badZone.requeueAfterMs).toBeNull();
    expect(badZone.events).toEqual([{ type: 'Warning', reason: 'UnknownTimeZone', message: 'Not starting jobs: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus' }]);
    const badSchedule = syncCronJob(cronJob({ schedule: '@every 1m' }), [], at('2024-01-01T10:05:00Z'));
    expect(badSchedule.createJobs).toEqual([]);
    expect(reasons(badSchedule)).toEqual(['UnparseableSchedule']);
  });
});

describe('syncCronJob: concurrency policies', () => {
  it('Forbid skips a start while the previous run is going, then starts it late when that run ends', () => {
    // Every minute; each run takes 90 s.
    const w = new World(cronJob({ concurrencyPolicy: 'Forbid' }, '2024-01-01T10:00:30Z'), 90_000);
    const t = (s: string) => at(`2024-01-01T${s}Z`);
    expect(w.sync(t('10:01:00.100')).createJobs).toHaveLength(1);
    const skipped = w.sync(t('10:02:00.100'));
    expect(skipped.createJobs).toEqual([]);
    expect(skipped.events).toEqual([{ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' }]);
    expect(skipped.status.lastScheduleTime).toBe('2024-01-01T10:01:00.000Z');
    expect(skipped.requeueAfterMs).toBe(MIN);
    // The 10:01 run ends at 10:02:30.100; the sync it triggers starts the 10:02 run late.
    const late = w.sync(t('10:02:30.100'));
    expect(reasons(late)).toEqual(['SawCompletedJob', 'SuccessfulCreate']);
    expect(late.createJobs.map((c) => iso(c.scheduledTime.getTime()))).toEqual(['2024-01-01T10:02:00.000Z']);
    expect(late.requeueAfterMs).toBe(29_900 + NEXT_SCHEDULE_SLACK_MS);
    // Never two at once.
    for (let now = t('10:03:00.100'); now < t('10:10:00'); now += 30_000) {
      w.sync(now);
      expect(w.jobs.filter((j) => j.finished === null).length).toBeLessThanOrEqual(1);
    }
  });

  it('Forbid drops a skipped start once it is past startingDeadlineSeconds', () => {
    const cj = cronJob({ concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 10 }, '2024-01-01T10:00:30Z', { lastScheduleTime: '2024-01-01T10:01:00Z', active: [] });
    const r = syncCronJob(cj, [job('report-x', at('2024-01-01T10:01:00Z'), { type: 'Complete', at: new Date(at('2024-01-01T10:02:30Z')) })], at('2024-01-01T10:02:30Z'));
    expect(r.createJobs).toEqual([]);
  });

  it('Replace deletes the running job and starts the new one', () => {
    const w = new World(cronJob({ concurrencyPolicy: 'Replace' }, '2024-01-01T10:00:30Z'), null);
    const first = w.sync(at('2024-01-01T10:01:00.100Z')).createJobs[0].name;
    const r = w.sync(at('2024-01-01T10:02:00.100Z'));
    expect(r.deleteJobs).toEqual([{ id: `id-${first}`, name: first, why: 'replaced by a newer run' }]);
    expect(r.events).toEqual([
      { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${first}` },
      { type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${r.createJobs[0].name}` },
    ]);
    expect(r.status.active).toEqual([{ name: r.createJobs[0].name }]);
    expect(w.jobs.map((j) => j.name)).toEqual([r.createJobs[0].name]);
  });

  it('Allow lets runs overlap', () => {
    const w = new World(cronJob({ concurrencyPolicy: 'Allow' }, '2024-01-01T10:00:30Z'), 150_000);
    for (let i = 1; i <= 3; i++) w.sync(at('2024-01-01T10:00:00.100Z') + i * MIN);
    expect(w.created()).toHaveLength(3);
    expect(w.cj.status.active).toHaveLength(3);
    const r = w.sync(at('2024-01-01T10:04:00.100Z'));
    expect(r.createJobs).toHaveLength(1);
    expect(r.status.active).toHaveLength(3);
    expect(reasons(r)).toEqual(['SawCompletedJob', 'SuccessfulCreate']);
  });
});

describe('syncCronJob: finished jobs and history', () => {
  it('reports each finished job once (SawCompletedJob) and records the last success', () => {
    const w = new World(cronJob({ schedule: '@hourly' }, '2024-01-01T09:30:00Z'), 10 * MIN);
    w.sync(at('2024-01-01T10:00:00.100Z'));
    const saw = w.sync(at('2024-01-01T10:15:00Z'));
    expect(saw.events).toEqual([{ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: report-${at('2024-01-01T10:00:00Z') / MIN}, status: Complete` }]);
    expect(saw.status.active).toEqual([]);
    expect(saw.status.lastSuccessfulTime).toBe('2024-01-01T10:10:00.100Z');
    expect(w.sync(at('2024-01-01T10:20:00Z')).events).toEqual([]);
    expect(w.sync(at('2024-01-01T10:25:00Z')).events).toEqual([]);
  });

  it('reports failures as status: Failed and leaves lastSuccessfulTime alone', () => {
    const w = new World(cronJob({ schedule: '@hourly' }, '2024-01-01T09:30:00Z', { lastSuccessfulTime: '2024-01-01T05:00:00Z' }), MIN, 'Failed');
    w.sync(at('2024-01-01T10:00:00.100Z'));
    const r = w.sync(at('2024-01-01T10:30:00Z'));
    expect(r.events[0].message).toMatch(/, status: Failed$/);
    expect(r.status.lastSuccessfulTime).toBe('2024-01-01T05:00:00.000Z');
  });

  it('says MissingJob when an active job disappeared', () => {
    const r = syncCronJob(cronJob({ suspend: true }, '2024-01-01T09:00:00Z', { active: [{ name: 'report-gone' }] }), [], at('2024-01-01T10:00:30Z'));
    expect(r.events).toEqual([{ type: 'Normal', reason: 'MissingJob', message: 'Active job went missing: report-gone' }]);
    expect(r.status.active).toEqual([]);
  });

  it('keeps the newest successful and failed jobs within their limits and deletes the rest', () => {
    const done = (n: number, type: 'Complete' | 'Failed') => job(`report-${type}-${n}`, at('2024-01-01T09:00:00Z') + n * MIN, { type, at: new Date(at('2024-01-01T09:00:30Z') + n * MIN) });
    const jobs = [done(1, 'Complete'), done(5, 'Complete'), done(3, 'Complete'), done(2, 'Failed'), done(4, 'Complete'), done(6, 'Failed'), done(7, 'Failed'), job('report-running', at('2024-01-01T08:00:00Z'))];
    const cj = cronJob({ suspend: true, successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, '2024-01-01T08:00:00Z', { active: [{ name: 'report-running' }] });
    const r = syncCronJob(cj, jobs, at('2024-01-01T10:00:00Z'));
    expect(r.deleteJobs.map((d) => d.name)).toEqual(['report-Complete-3', 'report-Complete-1', 'report-Failed-6', 'report-Failed-2']);
    expect(r.deleteJobs.every((d) => d.why === 'history limit')).toBe(true);
    expect(r.events.map((e) => e.message)).toEqual(['Deleted job report-Complete-3', 'Deleted job report-Complete-1', 'Deleted job report-Failed-6', 'Deleted job report-Failed-2']);
    expect(r.status.active).toEqual([{ name: 'report-running' }]);
    expect(r.status.lastSuccessfulTime).toBe('2024-01-01T09:05:30.000Z');
  });

  it('with a history limit of 0 deletes every finished job, running ones never', () => {
    const w = new World(cronJob({ successfulJobsHistoryLimit: 0 }, '2024-01-01T10:00:30Z'), 30_000);
    w.sync(at('2024-01-01T10:01:00.100Z'));
    const r = w.sync(at('2024-01-01T10:02:00.100Z'));
    expect(reasons(r)).toEqual(['SawCompletedJob', 'SuccessfulCreate', 'SuccessfulDelete']);
    expect(w.jobs.map((j) => j.name)).toEqual([r.createJobs[0].name]);
  });
});
