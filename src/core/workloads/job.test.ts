import { describe, expect, it } from 'vitest';
import { formatIndexes, JOB_BACKOFF_BASE_MS, JOB_BACKOFF_MAX_MS, jobBackoffMs, syncJob, type JobStatus, type JobSyncResult } from './job';
import type { JobSpec } from './specs';
import type { PodInfo, PodPhase } from './types';

const T0 = Date.UTC(2025, 0, 1);
const sec = (s: number) => T0 + s * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

function makeSpec(over: Partial<JobSpec> = {}, restartPolicy: 'Never' | 'OnFailure' = 'Never'): JobSpec {
  return {
    completions: 1,
    parallelism: 1,
    backoffLimit: 6,
    activeDeadlineSeconds: null,
    ttlSecondsAfterFinished: null,
    completionMode: 'NonIndexed',
    suspend: false,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } },
    template: {
      metadata: { labels: { app: 'pi' }, annotations: { note: 'x' } },
      spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy, terminationGracePeriodSeconds: 30 },
    },
    ...over,
  };
}

let ids = 0;
function pod(phase: PodPhase, over: Partial<PodInfo> = {}): PodInfo {
  const id = `p${++ids}`;
  return {
    id,
    name: `pi-${id}`,
    labels: {},
    templateHash: null,
    index: null,
    phase,
    scheduled: phase !== 'Pending',
    ready: phase === 'Running',
    readySince: phase === 'Running' ? new Date(T0) : null,
    restartCount: 0,
    createdAt: new Date(T0),
    finishedAt: phase === 'Succeeded' || phase === 'Failed' ? new Date(T0) : null,
    deletionTimestamp: null,
    ...over,
  };
}

function sync(spec: JobSpec, pods: PodInfo[], now = T0, status: Partial<JobStatus> = {}): JobSyncResult {
  return syncJob({ name: 'pi', namespace: 'default', uid: 'uid-1', generation: 1, spec, status, createdAt: new Date(T0) }, pods, now);
}

describe('formatIndexes', () => {
  const table = [
    { name: 'is empty for no indexes', in: [], out: '' },
    { name: 'lists a single index', in: [4], out: '4' },
    { name: 'lists two consecutive indexes without a range', in: [1, 2], out: '1,2' },
    { name: 'compresses three or more consecutive indexes into a range', in: [1, 3, 4, 5, 7], out: '1,3-5,7' },
    { name: 'sorts and removes duplicates', in: [7, 5, 3, 4, 1, 4], out: '1,3-5,7' },
    { name: 'handles a run at the end', in: [0, 2, 3, 4, 5], out: '0,2-5' },
  ];
  for (const row of table) it(row.name, () => expect(formatIndexes(row.in)).toBe(row.out));
});

describe('job back-off', () => {
  const table = [
    { name: 'is nothing before any failure', n: 0, ms: 0 },
    { name: 'is 10 s after the first failure', n: 1, ms: 10_000 },
    { name: 'doubles with each failure', n: 3, ms: 40_000 },
    { name: 'is capped at 6 minutes', n: 12, ms: 360_000 },
  ];
  for (const row of table) it(row.name, () => expect(jobBackoffMs(row.n)).toBe(row.ms));
  it('uses the exported base and cap', () => expect([JOB_BACKOFF_BASE_MS, JOB_BACKOFF_MAX_MS]).toEqual([10_000, 360_000]));
});

describe('job pods', () => {
  it('are named after the job and carry the job labels (NonIndexed)', () => {
    const [p] = sync(makeSpec(), []).createPods;
    expect(p).toEqual({
      generateName: 'pi-',
      labels: { app: 'pi', 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi' },
      annotations: { note: 'x' },
      spec: makeSpec().template.spec,
      templateHash: null,
      index: null,
    });
  });
  it('carry their completion index in name, label, annotation, env and hostname (Indexed)', () => {
    const r = sync(makeSpec({ completionMode: 'Indexed', completions: 3, parallelism: 2 }), []);
    expect(r.createPods.map((p) => [p.generateName, p.index])).toEqual([['pi-0-', 0], ['pi-1-', 1]]);
    const p = r.createPods[1];
    expect(p.labels['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(p.annotations).toEqual({ note: 'x', 'batch.kubernetes.io/job-completion-index': '1' });
    expect(p.spec.containers[0].env).toEqual([{ name: 'JOB_COMPLETION_INDEX', value: '1' }]);
    expect(p.spec.hostname).toBe('pi-1');
  });
});

describe('how many pods a job creates', () => {
  const table: { name: string; spec: Partial<JobSpec>; pods: () => PodInfo[]; create: number; delete?: number; complete?: boolean }[] = [
    { name: 'one pod for a default job', spec: {}, pods: () => [], create: 1 },
    { name: 'parallelism pods when completions allow', spec: { completions: 5, parallelism: 2 }, pods: () => [], create: 2 },
    { name: 'no more than the completions still needed', spec: { completions: 5, parallelism: 3 }, pods: () => [pod('Succeeded'), pod('Succeeded'), pod('Succeeded'), pod('Running')], create: 1 },
    { name: 'none while parallelism pods are active', spec: { completions: 5, parallelism: 2 }, pods: () => [pod('Running'), pod('Pending')], create: 0 },
    { name: 'a replacement alongside a terminating pod', spec: { completions: 2, parallelism: 2 }, pods: () => [pod('Running'), pod('Running', { deletionTimestamp: new Date(T0) })], create: 1 },
    { name: 'deletes the extra pods when parallelism drops', spec: { completions: 5, parallelism: 1 }, pods: () => [pod('Running'), pod('Running'), pod('Pending')], create: 0, delete: 2 },
    { name: 'parallelism pods in work-queue mode', spec: { completions: null, parallelism: 3 }, pods: () => [], create: 3 },
    { name: 'none in work-queue mode once a pod succeeded', spec: { completions: null, parallelism: 3 }, pods: () => [pod('Succeeded'), pod('Running')], create: 0, complete: false },
    { name: 'none and completes in work-queue mode when the last active pod is done', spec: { completions: null, parallelism: 3 }, pods: () => [pod('Succeeded'), pod('Succeeded')], create: 0, complete: true },
    { name: 'none and completes when succeeded reaches completions', spec: { completions: 2, parallelism: 2 }, pods: () => [pod('Succeeded'), pod('Succeeded')], create: 0, complete: true },
  ];
  for (const row of table) {
    it(`is ${row.name}`, () => {
      const r = sync(makeSpec(row.spec), row.pods());
      expect(r.createPods).toHaveLength(row.create);
      expect(r.deletePods).toHaveLength(row.delete ?? 0);
      if (row.complete !== undefined) expect(r.status.conditions.some((c) => c.type === 'Complete')).toBe(row.complete);
    });
  }
});

describe('an Indexed job', () => {
  const spec = makeSpec({ completionMode: 'Indexed', completions: 6, parallelism: 3 });
  const at = (phase: PodPhase, index: number, over: Partial<PodInfo> = {}) => pod(phase, { index, ...over });
  const table: { name: string; pods: () => PodInfo[]; create: number[]; deleted?: number; status: Partial<JobStatus> }[] = [
    {
      name: 'creates the lowest indexes that have neither succeeded nor an active pod',
      pods: () => [at('Succeeded', 0), at('Running', 1), at('Failed', 2), at('Succeeded', 3)],
      create: [2, 4],
      status: { succeeded: 2, failed: 1, active: 1, completedIndexes: '0,3' },
    },
    {
      name: 'counts each succeeded index once',
      pods: () => [at('Succeeded', 0), at('Succeeded', 0), at('Succeeded', 1), at('Succeeded', 2), at('Running', 3)],
      create: [4, 5],
      status: { succeeded: 3, completedIndexes: '0-2', active: 1 },
    },
    {
      name: 'deletes a second active pod for the same index',
      pods: () => [at('Running', 0), at('Pending', 0), at('Running', 1), at('Running', 2)],
      create: [],
      deleted: 1,
      status: { active: 4 },
    },
    {
      name: 'completes when every index has succeeded',
      pods: () => [0, 1, 2, 3, 4, 5].map((i) => at('Succeeded', i)),
      create: [],
      status: { succeeded: 6, completedIndexes: '0-5', completionTime: iso(T0) },
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const r = sync(spec, row.pods());
      expect(r.createPods.map((p) => p.index)).toEqual(row.create);
      expect(r.deletePods).toHaveLength(row.deleted ?? 0);
      expect(r.status).toMatchObject(row.status);
    });
  }
});

/** A fake cluster for step-by-step job scenarios: created pods start Pending, deleted ones turn Terminating. */
class World {
  pods: PodInfo[] = [];
  status: Partial<JobStatus> = {};
  now = T0;
  everCreated = 0;
  constructor(public spec: JobSpec) {}
  sync(): JobSyncResult {
    const r = syncJob({ name: 'pi', namespace: 'default', uid: 'uid-1', generation: 1, spec: this.spec, status: this.status, createdAt: new Date(T0) }, this.pods, this.now);
    for (const d of r.deletePods) this.pods.find((p) => p.id === d.id)!.deletionTimestamp = new Date(this.now);
    for (const c of r.createPods) {
      this.everCreated++;
      this.pods.push(pod('Pending', { id: `w${this.everCreated}`, name: `pi-w${this.everCreated}`, index: c.index, createdAt: new Date(this.now) }));
    }
    this.status = r.status;
    return r;
  }
  live(): PodInfo[] {
    return this.pods.filter((p) => p.deletionTimestamp === null && p.phase !== 'Failed' && p.phase !== 'Succeeded');
  }
  finish(phase: 'Succeeded' | 'Failed'): void {
    const p = this.live()[0];
    Object.assign(p, { phase, ready: false, readySince: null, finishedAt: new Date(this.now) });
  }
  run(): void {
    for (const p of this.live()) Object.assign(p, { phase: 'Running', scheduled: true, ready: true, readySince: new Date(this.now) });
  }
}

type Step = { name: string; at: number; act?: (w: World) => void; created: number; deleted?: number; requeue?: number | null; check?: (w: World, r: JobSyncResult) => void };

function scenario(title: string, spec: JobSpec, steps: Step[]) {
  describe(title, () => {
    const w = new World(spec);
    for (const s of steps) {
      it(s.name, () => {
        w.now = sec(s.at);
        s.act?.(w);
        const r = w.sync();
        expect(r.createPods).toHaveLength(s.created);
        expect(r.deletePods).toHaveLength(s.deleted ?? 0);
        if (s.requeue !== undefined) expect(r.requeueAfterMs).toBe(s.requeue);
        s.check?.(w, r);
      });
    }
  });
}

const failedCondition = (r: JobSyncResult) => r.status.conditions.find((c) => c.type === 'Failed');

scenario('backoffLimit 2 with pods that always fail (restartPolicy Never)', makeSpec({ backoffLimit: 2 }), [
  { name: 'creates pod 1', at: 0, created: 1, check: (_w, r) => expect(r.status.startTime).toBe(iso(T0)) },
  { name: 'waits 10 s after pod 1 fails', at: 5, act: (w) => { w.run(); w.finish('Failed'); }, created: 0, requeue: 10_000, check: (_w, r) => expect(r.status.failed).toBe(1) },
  { name: 'still waits 1 s before the back-off ends', at: 14, created: 0, requeue: 1000 },
  { name: 'creates pod 2 once 10 s have passed', at: 15, created: 1, requeue: null },
  { name: 'waits 20 s after pod 2 fails', at: 20, act: (w) => w.finish('Failed'), created: 0, requeue: 20_000 },
  { name: 'creates pod 3 once 20 s have passed', at: 40, created: 1 },
  {
    name: 'fails the job when pod 3 fails: three failures exceed the limit of 2',
    at: 45,
    act: (w) => w.finish('Failed'),
    created: 0,
    check: (_w, r) => {
      expect(failedCondition(r)).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: iso(sec(45)) });
      expect(r.events).toEqual([{ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]);
      expect(r.status).toMatchObject({ failed: 3, active: 0, succeeded: 0, completionTime: null });
    },
  },
  { name: 'creates nothing more', at: 500, created: 0, check: (w, r) => { expect(w.everCreated).toBe(3); expect(r.events).toEqual([]); } },
]);

scenario('completions 3, parallelism 2', makeSpec({ completions: 3, parallelism: 2 }), [
  { name: 'starts two pods', at: 0, created: 2 },
  { name: 'reports them active and ready once running', at: 1, act: (w) => w.run(), created: 0, check: (_w, r) => expect(r.status).toMatchObject({ active: 2, ready: 2 }) },
  { name: 'starts the third when one succeeds', at: 2, act: (w) => w.finish('Succeeded'), created: 1, check: (_w, r) => expect(r.status.succeeded).toBe(1) },
  { name: 'starts no fourth when another succeeds', at: 3, act: (w) => w.finish('Succeeded'), created: 0 },
  {
    name: 'completes when the third succeeds',
    at: 4,
    act: (w) => w.finish('Succeeded'),
    created: 0,
    check: (_w, r) => {
      expect(r.status.conditions).toEqual([
        { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastTransitionTime: iso(sec(4)), lastProbeTime: iso(sec(4)) },
      ]);
      expect(r.status).toMatchObject({ succeeded: 3, active: 0, completionTime: iso(sec(4)), startTime: iso(T0) });
      expect(r.events).toEqual([{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
    },
  },
]);

describe('a job that completes with a pod still running', () => {
  it('deletes the still-active pod', () => {
    const r = sync(makeSpec({ completions: 1, parallelism: 2 }), [pod('Succeeded'), pod('Running')]);
    expect(r.deletePods.map((d) => d.why)).toEqual(['job completed']);
    expect(r.status).toMatchObject({ active: 0, ready: 0, terminating: 1, succeeded: 1 });
  });
});

scenario('restartPolicy OnFailure counting restarts, backoffLimit 2', makeSpec({ backoffLimit: 2 }, 'OnFailure'), [
  { name: 'starts a pod', at: 0, created: 1 },
  { name: 'keeps running after one container restart', at: 10, act: (w) => { w.run(); w.live()[0].restartCount = 1; }, created: 0, check: (_w, r) => expect(failedCondition(r)).toBeUndefined() },
  {
    name: 'fails the job once restarts reach the limit, deleting the pod',
    at: 20,
    act: (w) => { w.live()[0].restartCount = 2; },
    created: 0,
    deleted: 1,
    check: (_w, r) => expect(failedCondition(r)?.reason).toBe('BackoffLimitExceeded'),
  },
]);

describe('restartPolicy OnFailure with backoffLimit 0', () => {
  it('fails the job on the first container restart', () => {
    const r = sync(makeSpec({ backoffLimit: 0 }, 'OnFailure'), [pod('Running', { restartCount: 1 })]);
    expect(failedCondition(r)?.reason).toBe('BackoffLimitExceeded');
  });
});

scenario('activeDeadlineSeconds 30', makeSpec({ activeDeadlineSeconds: 30 }), [
  { name: 'sets the start time and looks again at the deadline', at: 0, created: 1, requeue: 30_000 },
  { name: 'counts the deadline from the start time', at: 20, act: (w) => w.run(), created: 0, requeue: 10_000 },
  {
    name: 'fails the job at the deadline and deletes its active pod',
    at: 30,
    created: 0,
    deleted: 1,
    requeue: null,
    check: (_w, r) => {
      expect(failedCondition(r)).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
      expect(r.events).toEqual([{ type: 'Warning', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }]);
      expect(r.status).toMatchObject({ active: 0, terminating: 1, completionTime: null });
    },
  },
  { name: 'only tracks its pods going away', at: 31, act: (w) => { w.pods = []; }, created: 0, check: (_w, r) => expect(r.status.terminating).toBe(0) },
]);

scenario('ttlSecondsAfterFinished 100', makeSpec({ ttlSecondsAfterFinished: 100 }), [
  { name: 'starts a pod', at: 0, created: 1, check: (_w, r) => expect(r.deleteJob).toBe(false) },
  { name: 'looks again 100 s after it completes', at: 10, act: (w) => w.finish('Succeeded'), created: 0, requeue: 100_000, check: (_w, r) => expect(r.deleteJob).toBe(false) },
  { name: 'is still kept 1 s before the ttl', at: 109, created: 0, requeue: 1000, check: (_w, r) => expect(r.deleteJob).toBe(false) },
  { name: 'asks to be deleted once the ttl has passed', at: 110, created: 0, requeue: null, check: (_w, r) => expect(r.deleteJob).toBe(true) },
]);

describe('ttlSecondsAfterFinished 0', () => {
  it('deletes a failed job as soon as it fails', () => {
    const r = sync(makeSpec({ ttlSecondsAfterFinished: 0, backoffLimit: 0 }), [pod('Failed')]);
    expect([failedCondition(r)?.reason, r.deleteJob]).toEqual(['BackoffLimitExceeded', true]);
  });
});

scenario('suspend and resume', makeSpec({ completions: 4, parallelism: 2 }), [
  { name: 'starts two pods', at: 0, created: 2 },
  {
    name: 'deletes the active pods and creates none when suspended',
    at: 10,
    act: (w) => { w.run(); w.spec = { ...w.spec, suspend: true }; },
    created: 0,
    deleted: 2,
    check: (_w, r) => {
      expect(r.status.conditions).toEqual([{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastTransitionTime: iso(sec(10)), lastProbeTime: iso(sec(10)) }]);
      expect(r.events).toEqual([{ type: 'Normal', reason: 'Suspended', message: 'Job suspended' }]);
      expect(r.status.startTime).toBeNull();
    },
  },
  { name: 'stays quiet while suspended', at: 20, act: (w) => { w.pods = []; }, created: 0, check: (_w, r) => expect(r.events).toEqual([]) },
  {
    name: 'starts pods again and restarts the clock when resumed',
    at: 30,
    act: (w) => { w.spec = { ...w.spec, suspend: false }; },
    created: 2,
    check: (_w, r) => {
      expect(r.status.conditions[0]).toMatchObject({ type: 'Suspended', status: 'False', reason: 'JobResumed', lastTransitionTime: iso(sec(30)) });
      expect(r.events).toEqual([{ type: 'Normal', reason: 'Resumed', message: 'Job resumed' }]);
      expect(r.status.startTime).toBe(iso(sec(30)));
    },
  },
]);

describe('a job created suspended', () => {
  it('creates no pod and has no start time', () => {
    const r = sync(makeSpec({ suspend: true, activeDeadlineSeconds: 5 }), [], sec(100));
    expect([r.createPods.length, r.status.startTime, r.requeueAfterMs]).toEqual([0, null, null]);
  });
});

describe('a finished job', () => {
  const cases: { name: string; spec: JobSpec; pods: () => PodInfo[] }[] = [
    { name: 'that completed', spec: makeSpec(), pods: () => [pod('Succeeded')] },
    { name: 'that failed', spec: makeSpec({ backoffLimit: 0 }), pods: () => [pod('Failed')] },
  ];
  for (const c of cases) {
    it(`returns no writes and the same status on every later sync (${c.name})`, () => {
      const pods = c.pods();
      const first = sync(c.spec, pods, sec(1));
      expect(first.events).toHaveLength(1);
      for (const later of [sec(2), sec(3600)]) {
        const r = sync(c.spec, pods, later, first.status);
        expect(r.createPods).toEqual([]);
        expect(r.deletePods).toEqual([]);
        expect(r.events).toEqual([]);
        expect(r.status).toEqual(first.status);
        expect(r.requeueAfterMs).toBeNull();
        expect(r.deleteJob).toBe(false);
      }
    });
  }
  it('ignores a later change of spec', () => {
    const done = sync(makeSpec(), [pod('Succeeded')], sec(1));
    const r = sync(makeSpec({ completions: 5, parallelism: 5 }), [pod('Succeeded')], sec(2), done.status);
    expect([r.createPods.length, r.status]).toEqual([0, done.status]);
  });
});

describe('job status counts', () => {
  it('come from the pods', () => {
    const pods = [
      pod('Succeeded'),
      pod('Failed'),
      pod('Running'),
      pod('Running', { ready: false, readySince: null }),
      pod('Pending'),
      pod('Running', { deletionTimestamp: new Date(T0) }),
      // Deleted first, then failed: not a failure of the job.
      pod('Failed', { deletionTimestamp: new Date(T0), finishedAt: new Date(sec(1)) }),
    ];
    const r = sync(makeSpec({ completions: 10, parallelism: 3 }), pods);
    expect(r.status).toMatchObject({ succeeded: 1, failed: 1, active: 3, ready: 1, terminating: 1, completedIndexes: '' });
  });
});
