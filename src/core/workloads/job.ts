/**
 * The Job controller as a pure function: (Job, its pods, now) → pods to create and delete, the
 * new status, whether the Job's TTL has run out, and when to look again.
 *
 * Kubernetes semantics (pkg/controller/job/job_controller.go, backoff_utils.go,
 * indexed_job_utils.go), as of 1.32:
 *  - Finished pods are kept: they are the record of the run, and every count comes from them.
 *  - Failure is decided before completion: backoffLimit (Failed pods > limit; with OnFailure also
 *    the containers' restarts of running pods ≥ limit, > 0 when the limit is 0), then
 *    activeDeadlineSeconds (counted from status.startTime). A failed Job deletes its active pods.
 *  - Between a pod failure and the next creation the controller waits 10 s × 2^(n−1) (at most
 *    360 s), n = pods failed since the last success, counted from the last failure.
 *  - Complete: succeeded ≥ completions (work-queue mode: one success and no active pod); the
 *    condition's reason is `CompletionsReached`, as Kubernetes ≥ 1.31 writes it.
 *  - A finished Job only keeps its `terminating` count fresh, deletes any pod still active, and
 *    asks to be deleted once ttlSecondsAfterFinished has passed.
 *
 * Simplifications: the terminal condition is written at once (Kubernetes 1.31+ first writes
 * FailureTarget / SuccessCriteriaMet and waits for the pods to terminate); a pod deleted before
 * it finished (suspend, excess, the user) is not counted as a failure; `failed` counts Failed pods.
 */
import type { Condition, ContainerSpec, JobSpec, PodSpec } from './specs';
import { isActive, type PodInfo, type PodToCreate, type PodToDelete, type SyncResult, type WorkloadEvent } from './types';
import { earliest } from '../lifecycle';

export const JOB_BACKOFF_BASE_MS = 10_000;
export const JOB_BACKOFF_MAX_MS = 360_000;

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** The labels a Job's pods carry and its generated selector matches (current and legacy keys). */
export function jobLabels(uid: string, name: string): Record<string, string> {
  return { [JOB_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, 'controller-uid': uid, 'job-name': name };
}

export interface JobStatus {
  startTime: string | null;
  completionTime: string | null;
  active: number;
  ready: number;
  succeeded: number;
  failed: number;
  terminating: number;
  completedIndexes: string;
  conditions: Condition[];
}

export interface JobInput {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  spec: JobSpec;
  status: Partial<JobStatus>;
  createdAt: Date;
}

export interface JobSyncResult extends SyncResult<JobStatus> {
  /** ttlSecondsAfterFinished has passed: delete the Job (its pods go with it) */
  deleteJob: boolean;
}

/** Kubernetes' completedIndexes text: sorted, distinct, runs of three or more as `a-b` ("1,3-5,7"). */
export function formatIndexes(indexes: number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j === i) parts.push(String(sorted[i]));
    else if (j === i + 1) parts.push(`${sorted[i]},${sorted[j]}`);
    else parts.push(`${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The back-off before the next pod after `failures` consecutive failures (0 → none). */
export function jobBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  // 2^(n−1) overflows nothing here: the cap is reached at n = 7.
  return Math.min(JOB_BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30), JOB_BACKOFF_MAX_MS);
}

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (s: string | null | undefined) => (s ? Date.parse(s) : NaN);

function finishedCondition(conditions: Condition[]): Condition | undefined {
  return conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** A Job condition: Kubernetes' JobCondition also carries lastProbeTime. */
export type JobCondition = Condition & { lastProbeTime?: string };

/** Sets a condition, keeping lastTransitionTime when its status does not change. */
function setCondition(conditions: Condition[], c: Omit<Condition, 'lastTransitionTime'>, now: number): Condition[] {
  const prev = conditions.find((x) => x.type === c.type);
  if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) return conditions;
  const next: JobCondition = { ...c, lastProbeTime: iso(now), lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : iso(now) };
  return prev ? conditions.map((x) => (x === prev ? next : x)) : [...conditions, next];
}

/** A pod that ended Failed on its own (not because it was deleted first). */
function isFailure(p: PodInfo): boolean {
  if (p.phase !== 'Failed') return false;
  if (p.deletionTimestamp === null) return true;
  return p.finishedAt !== null && p.finishedAt.getTime() < p.deletionTimestamp.getTime();
}

const isTerminating = (p: PodInfo) => p.deletionTimestamp !== null && p.phase !== 'Succeeded' && p.phase !== 'Failed';

/** Which of `pods` to delete first when there are too many: unscheduled, then not ready, then newest. */
function removalOrder(a: PodInfo, b: PodInfo): number {
  if (a.scheduled !== b.scheduled) return a.scheduled ? 1 : -1;
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  return b.createdAt.getTime() - a.createdAt.getTime();
}

export function syncJob(job: JobInput, pods: PodInfo[], now: number): JobSyncResult {
  const { spec } = job;
  const indexed = spec.completionMode === 'Indexed' && spec.completions !== null;
  const completions = spec.completions;
  const stored = job.status;
  let conditions: Condition[] = [...(stored.conditions ?? [])];

  const active = pods.filter(isActive);
  const terminatingCount = pods.filter(isTerminating).length;
  const succeededPods = pods.filter((p) => p.phase === 'Succeeded');
  const failedPods = pods.filter(isFailure);
  const succeededIndexes = indexed
    ? [...new Set(succeededPods.map((p) => p.index).filter((i): i is number => i !== null && i >= 0 && i < completions!))].sort((a, b) => a - b)
    : [];
  const succeeded = indexed ? succeededIndexes.length : succeededPods.length;
  const completedIndexes = indexed ? formatIndexes(succeededIndexes) : '';

  const events: WorkloadEvent[] = [];
  const deletePods: PodToDelete[] = [];
  const createPods: PodToCreate[] = [];

  // A finished Job keeps its record; it only tracks its pods going away, and its TTL.
  const done = finishedCondition(conditions);
  if (done) {
    for (const p of active) deletePods.push({ id: p.id, why: `job finished: ${done.type}` });
    const status: JobStatus = {
      startTime: stored.startTime ?? null,
      completionTime: stored.completionTime ?? null,
      active: 0,
      ready: 0,
      succeeded: stored.succeeded ?? succeeded,
      failed: stored.failed ?? failedPods.length,
      terminating: terminatingCount + deletePods.length,
      completedIndexes: stored.completedIndexes ?? completedIndexes,
      conditions,
    };
    return { createPods, deletePods, status, events, ...ttl(spec, ms(done.lastTransitionTime), now) };
  }

  // Suspend / resume, and the start time the deadline counts from.
  let startTime: string | null = stored.startTime ?? null;
  const wasSuspended = conditions.some((c) => c.type === 'Suspended' && c.status === 'True');
  if (spec.suspend) {
    if (!wasSuspended) {
      conditions = setCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, now);
      events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    }
    startTime = null;
  } else {
    if (wasSuspended) {
      conditions = setCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, now);
      events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      startTime = iso(now);
    }
    startTime ??= iso(now);
  }

  // Failure: backoff limit first, then the deadline.
  const restarts = active.reduce((n, p) => n + (p.phase === 'Running' || p.phase === 'Pending' ? p.restartCount : 0), 0);
  const pastRestartLimit = spec.template.spec.restartPolicy === 'OnFailure' && (spec.backoffLimit === 0 ? restarts > 0 : restarts >= spec.backoffLimit);
  let failure: { reason: string; message: string } | null = null;
  if (failedPods.length > spec.backoffLimit || pastRestartLimit) {
    failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
  }
  let requeueAfterMs: number | null = null;
  if (!failure && !spec.suspend && spec.activeDeadlineSeconds !== null && startTime !== null) {
    const deadline = ms(startTime) + spec.activeDeadlineSeconds * 1000;
    if (now >= deadline) failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    else requeueAfterMs = deadline - now;
  }

  const counts = { active: active.length, ready: active.filter((p) => p.ready).length, succeeded, failed: failedPods.length, terminating: terminatingCount, completedIndexes };

  if (failure) {
    conditions = setCondition(conditions, { type: 'Failed', status: 'True', ...failure }, now);
    events.push({ type: 'Warning', reason: failure.reason, message: failure.message });
    for (const p of active) deletePods.push({ id: p.id, why: `job failed: ${failure.reason}` });
    const status: JobStatus = { startTime, completionTime: null, ...counts, active: 0, ready: 0, terminating: terminatingCount + active.length, conditions };
    return { createPods, deletePods, status, events, ...ttl(spec, now, now) };
  }

  // Complete.
  const complete = completions === null ? succeeded > 0 && active.length === 0 : succeeded >= completions;
  if (complete) {
    conditions = setCondition(conditions, { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }, now);
    events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    for (const p of active) deletePods.push({ id: p.id, why: 'job completed' });
    const status: JobStatus = { startTime, completionTime: iso(now), ...counts, active: 0, ready: 0, terminating: terminatingCount + active.length, conditions };
    return { createPods, deletePods, status, events, ...ttl(spec, now, now) };
  }

  // Running (or suspended): converge the active pods.
  if (spec.suspend) {
    for (const p of active) deletePods.push({ id: p.id, why: 'job suspended' });
  } else {
    let keep = active;
    if (indexed) {
      // One active pod per pending index, in range: drop duplicates, strays and done indexes.
      const seen = new Set<number>();
      const done = new Set(succeededIndexes);
      keep = [];
      for (const p of [...active].sort((a, b) => removalOrder(b, a))) {
        const i = p.index;
        if (i === null || i < 0 || i >= completions! || done.has(i) || seen.has(i)) {
          deletePods.push({ id: p.id, why: i !== null && done.has(i) ? `index ${i} already succeeded` : 'duplicate or out-of-range completion index' });
        } else {
          seen.add(i);
          keep.push(p);
        }
      }
    }
    const remaining = completions === null ? (succeeded > 0 ? keep.length : spec.parallelism) : completions - succeeded;
    const wantActive = Math.max(0, Math.min(spec.parallelism, remaining));
    if (keep.length > wantActive) {
      const order = indexed ? [...keep].sort((a, b) => (b.index ?? 0) - (a.index ?? 0)) : [...keep].sort(removalOrder);
      for (const p of order.slice(0, keep.length - wantActive)) deletePods.push({ id: p.id, why: `too many active pods: want ${wantActive}` });
    } else if (keep.length < wantActive) {
      // Back-off after failures, counted from the last one.
      const lastSuccess = Math.max(-Infinity, ...succeededPods.map((p) => p.finishedAt?.getTime() ?? -Infinity));
      const recent = failedPods.filter((p) => (p.finishedAt?.getTime() ?? Infinity) > lastSuccess);
      const lastFailure = Math.max(-Infinity, ...recent.map((p) => p.finishedAt?.getTime() ?? now));
      const wait = recent.length > 0 ? lastFailure + jobBackoffMs(recent.length) - now : 0;
      if (wait > 0) {
        requeueAfterMs = earliest(requeueAfterMs, wait);
      } else {
        const n = wantActive - keep.length;
        if (indexed) {
          const busy = new Set([...keep.map((p) => p.index!), ...succeededIndexes]);
          for (let i = 0; i < completions! && createPods.length < n; i++) if (!busy.has(i)) createPods.push(newPod(job, i));
        } else {
          for (let k = 0; k < n; k++) createPods.push(newPod(job, null));
        }
      }
    }
  }

  const status: JobStatus = { startTime, completionTime: null, ...counts, conditions };
  return { createPods, deletePods, status, events, requeueAfterMs, deleteJob: false };
}

/** deleteJob once ttlSecondsAfterFinished has passed since `finishedAt`, else when to look again. */
function ttl(spec: JobSpec, finishedAt: number, now: number): { deleteJob: boolean; requeueAfterMs: number | null } {
  if (spec.ttlSecondsAfterFinished === null || spec.ttlSecondsAfterFinished === undefined || Number.isNaN(finishedAt)) return { deleteJob: false, requeueAfterMs: null };
  const at = finishedAt + spec.ttlSecondsAfterFinished * 1000;
  return now >= at ? { deleteJob: true, requeueAfterMs: null } : { deleteJob: false, requeueAfterMs: at - now };
}

/** A pod of the Job: NonIndexed `<job>-xxxxx`, Indexed `<job>-<i>-xxxxx` with its index. */
function newPod(job: JobInput, index: number | null): PodToCreate {
  const template = structuredClone(job.spec.template);
  const labels: Record<string, string> = { ...template.metadata.labels, ...jobLabels(job.uid, job.name) };
  const annotations: Record<string, string> = { ...template.metadata.annotations };
  let spec: PodSpec = template.spec;
  if (index !== null) {
    labels[JOB_COMPLETION_INDEX] = String(index);
    annotations[JOB_COMPLETION_INDEX] = String(index);
    const withIndex = (c: ContainerSpec): ContainerSpec => {
      const env = Array.isArray(c.env) ? (c.env as { name: string }[]) : [];
      if (env.some((e) => e.name === 'JOB_COMPLETION_INDEX')) return c;
      return { ...c, env: [...env, { name: 'JOB_COMPLETION_INDEX', value: String(index) }] };
    };
    spec = {
      ...spec,
      // Indexed pods get a stable hostname, `<job>-<index>`.
      hostname: typeof spec.hostname === 'string' && spec.hostname ? spec.hostname : `${job.name}-${index}`,
      containers: spec.containers.map(withIndex),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(withIndex) } : {}),
    };
  }
  return {
    generateName: index === null ? `${job.name}-` : `${job.name}-${index}-`,
    labels,
    annotations,
    spec,
    templateHash: null,
    index,
  };
}
