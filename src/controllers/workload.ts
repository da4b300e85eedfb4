/**
 * The workload controllers' I/O: load a workload and what it owns, run its pure controller
 * (src/core/workloads), and apply the result in one transaction: pods, child workloads
 * (ReplicaSets, Jobs), volume claims, status and events. The workload row is locked for the
 * whole transaction, so however many workers run, one workload is reconciled by one at a time
 * and no duplicate pod or child is ever created.
 */
import { Prisma, type Pod, type Workload } from '../generated/prisma/client';
import { ConflictError } from '../app/errors';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { appendEvents, insertRows, POD_COLUMNS, POD_LIGHT, type EventInput } from '../adapters/prisma/objects';
import { earliest, initialPodState } from '../core/lifecycle';
import { admitPod, loadNamespacePolicy } from '../app/admission';
import { exceeded, podRoom } from '../app/limits';
import { canonicalJson, generatedName, nameSuffix } from '../core/pods';
import { parseQuantity, toUnitsCeil } from '../core/quantity';
import type { PodInfo, PodPhase, PodToCreate, PodToDelete, WorkloadEvent } from '../core/workloads/types';
import type { CronJobSpec, DeploymentSpec, JobSpec, ReplicaSetSpec, StatefulSetSpec } from '../core/workloads/specs';
import { podEventMessage, withGeneratedSelector } from '../core/workloads/owned';
import { deleteWorkloadTree, terminatePods } from '../app/cascade';
import { syncReplicaSet } from '../core/workloads/replicaset';
import { syncDeployment } from '../core/workloads/deployment';
import { replicaSetInfo } from '../app/workloads';
import { syncStatefulSet, type ClaimToCreate } from '../core/workloads/statefulset';
import { syncJob } from '../core/workloads/job';
import { CRONJOB_SCHEDULED_TIMESTAMP, syncCronJob, type JobOfCronJob } from '../core/workloads/cronjob';

/** Reason of the watch-style event recorded when a workload's status changes. */
export const STATUS_REASON = 'StatusUpdated';

interface Pass {
  svc: Services;
  tx: Prisma.TransactionClient;
  w: Workload;
  now: number;
  events: EventInput[];
  podsChanged: boolean;
  /** Other workload keys to reconcile after commit (children created or changed, the owner). */
  wake: Set<string>;
  requeueAfterMs: number | null;
}


/** Level-triggered reconcile of one workload of any kind. */
export async function reconcileWorkload(svc: Services, id: string): Promise<void> {
  const now = svc.clock.now();
  const outcome = await svc.db.$transaction(
    async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Workload" WHERE "id" = ${id}::uuid FOR UPDATE`;
      if (locked.length === 0) return null;
      const w = await tx.workload.findUniqueOrThrow({ where: { id } });
      const pass: Pass = { svc, tx, w, now, events: [], podsChanged: false, wake: new Set(), requeueAfterMs: null };
      switch (w.kind) {
        case 'ReplicaSet':
          await reconcileReplicaSet(pass);
          break;
        case 'Deployment':
          await reconcileDeployment(pass);
          break;
        case 'StatefulSet':
          await reconcileStatefulSet(pass);
          break;
        case 'Job':
          await reconcileJob(pass);
          break;
        case 'CronJob':
          await reconcileCronJob(pass);
          break;
        default:
          return null;
      }
      const records = await appendEvents(tx, w.clusterId, pass.events, new Date(now), () => svc.ids.uuid());
      return { clusterId: w.clusterId, records, podsChanged: pass.podsChanged, wake: pass.wake, requeueAfterMs: pass.requeueAfterMs };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  if (!outcome) return;
  await publishEvents(svc.bus, outcome.clusterId, outcome.records);
  if (outcome.podsChanged) await svc.queue.add(keys.pods(outcome.clusterId));
  for (const k of outcome.wake) await svc.queue.add(k);
  if (outcome.requeueAfterMs !== null) {
    if (outcome.requeueAfterMs <= 0) await svc.queue.add(keys.workload(id));
    else await svc.queue.addAfter(keys.workload(id), outcome.requeueAfterMs);
  }
}

// ---------------------------------------------------------------------------------------------
// shared steps

/** The columns of an owned pod the workload controllers read at every pass (a third of the cost of whole rows at thousands of pods). */
const OWNED_POD = { id: true, name: true, labels: true, templateHash: true, index: true, phase: true, hostId: true, ready: true, readyAt: true, restartCount: true, createdAt: true, finishedAt: true, deletionTimestamp: true, resourceVersion: true } as const;
type OwnedPod = Pick<Pod, keyof typeof OWNED_POD>;

function podInfo(p: OwnedPod): PodInfo {
  return {
    id: p.id,
    name: p.name,
    labels: (p.labels ?? {}) as Record<string, string>,
    templateHash: p.templateHash,
    index: p.index,
    phase: p.phase as PodPhase,
    scheduled: p.hostId !== null,
    ready: p.ready,
    readySince: p.readyAt,
    restartCount: p.restartCount,
    createdAt: p.createdAt,
    finishedAt: p.finishedAt,
    deletionTimestamp: p.deletionTimestamp,
  };
}

async function loadPods(pass: Pass): Promise<OwnedPod[]> {
  return pass.tx.pod.findMany({ where: { workloadId: pass.w.id }, select: OWNED_POD });
}


function requeue(pass: Pass, ms: number | null): void {
  pass.requeueAfterMs = earliest(pass.requeueAfterMs, ms);
}

function workloadEvents(pass: Pass, events: WorkloadEvent[]): void {
  for (const e of events) pass.events.push({ type: 'MODIFIED', eventType: e.type, reason: e.reason, message: e.message, workload: pass.w });
}

/** How soon a controller first retries pods admission refused (over quota, LimitRange); doubling up to FAILED_CREATE_MAX_RETRY_MS. */
export const FAILED_CREATE_RETRY_MS = 10_000;
export const FAILED_CREATE_MAX_RETRY_MS = 300_000;

interface FailedCreate {
  message: string;
  count: number;
  since: string;
}

/**
 * Creates pods (names generated where asked) with their ADDED/SuccessfulCreate events, those
 * admission lets in and the cluster's pod limit has room for; the others are refused
 * (FailedCreate, retried with back-off).
 */
async function createPods(pass: Pass, drafts: PodToCreate[], pods: OwnedPod[]): Promise<void> {
  if (drafts.length === 0) {
    if (pass.w.failedCreate !== null) await recordFailedCreate(pass, null); // nothing left to create
    return;
  }
  const { svc, w } = pass;
  const taken = new Set(pods.map((p) => p.name));
  const policy = await loadNamespacePolicy(pass.tx, w.clusterId, w.namespace);
  const rows: Prisma.PodCreateManyInput[] = [];
  const refused = new Map<string, string>();
  for (const d of drafts) {
    let name = d.name;
    if (name === undefined) {
      const prefix = d.generateName ?? `${w.name}-`;
      do name = generatedName(prefix, nameSuffix(svc.ids.randomInts(5)));
      while (taken.has(name));
    }
    // admission: LimitRange defaults and bounds, priority, sizing, ResourceQuota
    const admitted = admitPod(policy, { name, spec: d.spec as unknown as Record<string, unknown>, annotations: d.annotations });
    if (!admitted.ok) {
      refused.set(admitted.message, admitted.code);
      continue;
    }
    taken.add(name);
    const { spec, ...columns } = admitted.pod;
    rows.push({
      id: svc.ids.uuid(),
      uid: svc.ids.uuid(),
      clusterId: w.clusterId,
      namespace: w.namespace,
      name,
      workloadId: w.id,
      ownerKind: w.kind,
      ownerName: w.name,
      templateHash: d.templateHash,
      index: d.index,
      labels: d.labels,
      annotations: d.annotations,
      spec: spec as unknown as Prisma.InputJsonValue,
      createdAt: new Date(pass.now),
      resourceVersion: 1,
      ...initialPodState,
      ...columns,
    });
  }
  // the cluster's pod limit counts every live pod, whoever made it: under its lock, taken last
  if (rows.length > 0) {
    const limits = svc.settings.limits;
    const room = await podRoom(pass.tx, w.clusterId, limits.podsPerCluster);
    if (rows.length > room) {
      const over = rows.splice(room);
      refused.set(exceeded(limits, 'podsPerCluster', `pods "${over[0].name}"`, "the cluster's pod limit"), 'LIMIT_EXCEEDED');
    }
  }
  await recordFailedCreate(pass, [...refused.keys()][0] ?? null);
  if (rows.length === 0) return;
  await insertRows(pass.tx, 'Pod', POD_COLUMNS, rows);
  for (const r of rows) {
    const pod = { ...r, workloadId: r.workloadId ?? null } as unknown as Pod;
    pass.events.push({ type: 'ADDED', reason: 'SuccessfulCreate', message: podEventMessage(w.kind, w.name, 'create', pod.name), pod });
    pods.push(pod);
  }
  pass.podsChanged = true;
}

/** Starts graceful deletion of pods, with the controller's SuccessfulDelete event for each (a lost race retries the whole reconcile). */
/**
 * Kubernetes' FailedCreate: a warning when admission starts refusing the pods (or refuses them
 * for a new reason), not at every retry (the event recorder folds repeats); retries back off
 * 10 s doubling to 5 min. The refusal stays on the workload (failedCreate, the ReplicaFailure
 * condition) until pods are created again.
 */
async function recordFailedCreate(pass: Pass, message: string | null): Promise<void> {
  const { w } = pass;
  const last = w.failedCreate as FailedCreate | null;
  if (message === null) {
    if (last !== null) pass.w = await pass.tx.workload.update({ where: { id: w.id }, data: { failedCreate: Prisma.DbNull } });
    return;
  }
  // the same refusal for another generated pod name is the same refusal
  const same = (a: string) => a.replace(/^pods "[^"]*" /, '');
  const next: FailedCreate = last !== null && same(last.message) === same(message) ? { ...last, message, count: last.count + 1 } : { message, count: 1, since: new Date(pass.now).toISOString() };
  if (next.count === 1) pass.events.push({ type: 'MODIFIED', eventType: 'Warning', reason: 'FailedCreate', message: `Error creating: ${message}`, workload: w });
  pass.w = await pass.tx.workload.update({ where: { id: w.id }, data: { failedCreate: next as unknown as Prisma.InputJsonValue } });
  requeue(pass, Math.min(FAILED_CREATE_RETRY_MS * 2 ** (next.count - 1), FAILED_CREATE_MAX_RETRY_MS));
}

async function deletePods(pass: Pass, victims: PodToDelete[], pods: OwnedPod[]): Promise<void> {
  if (victims.length === 0) return;
  // the victims' whole rows (the pass read only what the controller decides on), as they were read
  const read = new Map(pods.map((p) => [p.id, p.resourceVersion]));
  const rows = (await pass.tx.pod.findMany({ where: { id: { in: victims.map((v) => v.id) } }, omit: POD_LIGHT })) as Pod[];
  if (rows.length < new Set(victims.map((v) => v.id)).size || rows.some((p) => p.resourceVersion !== read.get(p.id))) throw new ConflictError(`pods of ${pass.w.kind} ${pass.w.name} changed concurrently; retrying`);
  const byId = new Map(rows.map((p) => [p.id, p]));
  // one `why` per pod: group the victims by it (a pass rarely has more than one)
  const groups = new Map<string, Pod[]>();
  for (const v of victims) {
    const p = byId.get(v.id);
    if (p && p.deletionTimestamp === null) groups.set(v.why, [...(groups.get(v.why) ?? []), p]);
  }
  const fresh = new Map<string, Pod>();
  for (const [reason, group] of groups) {
    const { written, events } = await terminatePods(pass.tx, group, reason, new Date(pass.now));
    if (written.length < group.length) throw new ConflictError(`pods of ${pass.w.kind} ${pass.w.name} changed concurrently; retrying`);
    for (const e of events) {
      pass.events.push({ type: 'MODIFIED', reason: 'SuccessfulDelete', message: podEventMessage(pass.w.kind, pass.w.name, 'delete', e.pod.name), pod: e.pod }, e);
      fresh.set(e.pod.id, e.pod);
    }
  }
  for (let i = 0; i < pods.length; i++) pods[i] = fresh.get(pods[i].id) ?? pods[i];
  pass.podsChanged = true;
}

/**
 * Creates a workload this one controls (a Deployment's ReplicaSet, a CronJob's Job): same
 * namespace, billed pod spec copied, `ownerId` set; its controller is woken after commit.
 */
async function createChild(pass: Pass, c: { uid?: string; kind: string; apiVersion: string; name: string; labels: Record<string, string>; annotations: Record<string, string>; spec: object }): Promise<void> {
  const { w, svc } = pass;
  const now = new Date(pass.now);
  const child = await pass.tx.workload.create({
    data: {
      id: svc.ids.uuid(),
      uid: c.uid ?? svc.ids.uuid(),
      clusterId: w.clusterId,
      namespace: w.namespace,
      kind: c.kind,
      apiVersion: c.apiVersion,
      name: c.name,
      labels: c.labels,
      annotations: c.annotations,
      spec: c.spec as Prisma.InputJsonValue,
      podCpuMilli: w.podCpuMilli,
      podMemoryMi: w.podMemoryMi,
      ownerId: w.id,
      createdAt: now,
      updatedAt: now,
    },
  });
  pass.events.push({ type: 'ADDED', reason: 'SuccessfulCreate', message: `Created ${c.kind} ${c.name}`, workload: child });
  pass.wake.add(keys.workload(child.id));
}

/** Writes the status (and observedGeneration) if it changed, with a watch-style event; wakes the owner. */
async function writeStatus(pass: Pass, status: object, extra: Prisma.WorkloadUpdateInput = {}): Promise<void> {
  const { w } = pass;
  // canonical JSON: jsonb does not keep key order
  const changed = canonicalJson(w.status) !== canonicalJson(status) || w.observedGeneration !== w.generation;
  if (!changed && Object.keys(extra).length === 0) return;
  pass.w = await pass.tx.workload.update({
    where: { id: w.id },
    data: { ...extra, status: status as Prisma.InputJsonValue, observedGeneration: w.generation, resourceVersion: { increment: 1 } },
  });
  if (changed) {
    pass.events.push({ type: 'MODIFIED', reason: STATUS_REASON, message: statusMessage(pass.w.kind, status as Record<string, unknown>), workload: pass.w });
    if (w.ownerId) pass.wake.add(keys.workload(w.ownerId));
  }
}

function statusMessage(kind: string, s: Record<string, unknown>): string {
  const n = (k: string) => Number(s[k] ?? 0);
  switch (kind) {
    case 'Job':
      return `active ${n('active')}, succeeded ${n('succeeded')}, failed ${n('failed')}`;
    case 'CronJob':
      return `active ${(s.active as unknown[] | undefined)?.length ?? 0}, last schedule ${String(s.lastScheduleTime ?? 'never')}`;
    case 'StatefulSet':
      return `${n('readyReplicas')}/${n('replicas')} ready, ${n('updatedReplicas')} updated`;
    default:
      return `${n('readyReplicas')}/${n('replicas')} ready, ${n('availableReplicas')} available${kind === 'Deployment' ? `, ${n('updatedReplicas')} up to date` : ''}`;
  }
}

// ---------------------------------------------------------------------------------------------
// ReplicaSet

async function reconcileReplicaSet(pass: Pass): Promise<void> {
  const pods = await loadPods(pass);
  const spec = pass.w.spec as unknown as ReplicaSetSpec;
  const r = syncReplicaSet({ name: pass.w.name, namespace: pass.w.namespace, generation: pass.w.generation, spec, status: pass.w.status as object }, pods.map(podInfo), pass.now);
  await deletePods(pass, r.deletePods, pods);
  await createPods(pass, r.createPods, pods);
  workloadEvents(pass, r.events);
  await writeStatus(pass, r.status);
  requeue(pass, r.requeueAfterMs);
}

// ---------------------------------------------------------------------------------------------
// Deployment


async function reconcileDeployment(pass: Pass): Promise<void> {
  const { tx, w } = pass;
  const rsRows = await tx.workload.findMany({ where: { ownerId: w.id, kind: 'ReplicaSet' }, orderBy: { createdAt: 'asc' } });
  const counts = await tx.pod.groupBy({ by: ['workloadId'], where: { workloadId: { in: rsRows.map((r) => r.id) } }, _count: { _all: true } });
  const podCount = new Map(counts.map((c) => [c.workloadId!, c._count._all]));
  const replicaSets = rsRows.map((r) => replicaSetInfo(r, podCount.get(r.id) ?? 0));
  const d = { name: w.name, namespace: w.namespace, generation: w.generation, spec: w.spec as unknown as DeploymentSpec, status: w.status as object, annotations: w.annotations as Record<string, string>, createdAt: w.createdAt };
  const r = syncDeployment(d, replicaSets, pass.now);
  const now = new Date(pass.now);
  for (const c of r.createReplicaSets) {
    await createChild(pass, { kind: 'ReplicaSet', apiVersion: 'apps/v1', name: c.name, labels: c.spec.template.metadata.labels, annotations: c.annotations, spec: c.spec });
  }
  for (const u of r.updateReplicaSets) {
    const row = rsRows.find((x) => x.id === u.id);
    if (!row) continue;
    const spec = row.spec as unknown as ReplicaSetSpec;
    const replicasChange = u.replicas !== undefined && u.replicas !== spec.replicas;
    const readyChange = u.minReadySeconds !== undefined && u.minReadySeconds !== spec.minReadySeconds;
    const nextSpec = { ...spec, ...(replicasChange ? { replicas: u.replicas } : {}), ...(readyChange ? { minReadySeconds: u.minReadySeconds } : {}) };
    await tx.workload.update({
      where: { id: u.id },
      data: {
        ...(replicasChange || readyChange ? { spec: nextSpec as unknown as Prisma.InputJsonValue, generation: { increment: 1 } } : {}),
        ...(u.annotations ? { annotations: u.annotations } : {}),
        resourceVersion: { increment: 1 },
        updatedAt: now,
      },
    });
    pass.wake.add(keys.workload(u.id));
  }
  if (r.deleteReplicaSets.length > 0) {
    if (await deleteWorkloadTree(tx, r.deleteReplicaSets.map((x) => x.id), 'old revision cleaned up', pass.now, pass.events)) pass.podsChanged = true;
  }
  workloadEvents(pass, r.events);
  await writeStatus(pass, r.status, r.annotations ? { annotations: r.annotations } : {});
  requeue(pass, r.requeueAfterMs);
}

// ---------------------------------------------------------------------------------------------
// StatefulSet

async function reconcileStatefulSet(pass: Pass): Promise<void> {
  const { tx, w } = pass;
  const pods = await loadPods(pass);
  const claims = await tx.volumeClaim.findMany({ where: { clusterId: w.clusterId, namespace: w.namespace, workloadId: w.id }, select: { name: true } });
  const spec = w.spec as unknown as StatefulSetSpec;
  const r = syncStatefulSet({ name: w.name, namespace: w.namespace, generation: w.generation, spec, status: w.status as object }, pods.map(podInfo), claims.map((c) => c.name), pass.now);
  await createClaims(pass, r.createClaims);
  await deletePods(pass, r.deletePods, pods);
  await createPods(pass, r.createPods, pods);
  workloadEvents(pass, r.events);
  await writeStatus(pass, r.status);
  requeue(pass, r.requeueAfterMs);
}

async function createClaims(pass: Pass, claims: ClaimToCreate[]): Promise<void> {
  for (const c of claims) {
    const q = parseQuantity(c.storage);
    await pass.tx.volumeClaim.createMany({
      data: [{
        id: pass.svc.ids.uuid(),
        uid: pass.svc.ids.uuid(),
        clusterId: pass.w.clusterId,
        namespace: pass.w.namespace,
        name: c.name,
        labels: c.labels,
        storageClassName: c.storageClassName,
        accessModes: c.accessModes,
        storage: c.storage,
        storageBytes: q ? toUnitsCeil(q) : 0n,
        phase: 'Bound',
        workloadId: pass.w.id,
        createdAt: new Date(pass.now),
      }],
      skipDuplicates: true,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Job

async function reconcileJob(pass: Pass): Promise<void> {
  const { w } = pass;
  const pods = await loadPods(pass);
  const spec = w.spec as unknown as JobSpec;
  const r = syncJob({ name: w.name, namespace: w.namespace, uid: w.uid, generation: w.generation, spec, status: w.status as object, createdAt: w.createdAt }, pods.map(podInfo), pass.now);
  if (r.deleteJob) {
    workloadEvents(pass, r.events);
    if (w.ownerId) pass.wake.add(keys.workload(w.ownerId));
    if (await deleteWorkloadTree(pass.tx, [w.id], 'ttlSecondsAfterFinished passed', pass.now, pass.events)) pass.podsChanged = true;
    return;
  }
  await deletePods(pass, r.deletePods, pods);
  await createPods(pass, r.createPods, pods);
  workloadEvents(pass, r.events);
  await writeStatus(pass, r.status);
  requeue(pass, r.requeueAfterMs);
}

// ---------------------------------------------------------------------------------------------
// CronJob

function jobFinished(status: unknown): JobOfCronJob['finished'] {
  const conditions = ((status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] })?.conditions ?? []);
  const c = conditions.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c ? { type: c.type as 'Complete' | 'Failed', at: new Date(c.lastTransitionTime ?? 0) } : null;
}

async function reconcileCronJob(pass: Pass): Promise<void> {
  const { tx, w, svc } = pass;
  const jobRows = await tx.workload.findMany({ where: { ownerId: w.id, kind: 'Job' } });
  const jobs: JobOfCronJob[] = jobRows.map((j) => ({
    id: j.id,
    name: j.name,
    scheduledTime: new Date((j.annotations as Record<string, string>)[CRONJOB_SCHEDULED_TIMESTAMP] ?? j.createdAt),
    createdAt: j.createdAt,
    finished: jobFinished(j.status),
  }));
  const spec = w.spec as unknown as CronJobSpec;
  const r = syncCronJob({ name: w.name, namespace: w.namespace, uid: w.uid, createdAt: w.createdAt, spec, status: w.status as object }, jobs, pass.now);
  if (r.deleteJobs.length > 0) {
    if (await deleteWorkloadTree(tx, r.deleteJobs.map((j) => j.id), 'deleted by its CronJob', pass.now, pass.events)) pass.podsChanged = true;
  }
  for (const c of r.createJobs) {
    if (jobRows.some((j) => j.name === c.name)) continue;
    const uid = svc.ids.uuid();
    const jobSpec = withGeneratedSelector(c.spec, uid, c.name);
    await createChild(pass, { uid, kind: 'Job', apiVersion: 'batch/v1', name: c.name, labels: c.labels, annotations: c.annotations, spec: jobSpec });
  }
  workloadEvents(pass, r.events);
  await writeStatus(pass, r.status);
  requeue(pass, r.requeueAfterMs);
}
