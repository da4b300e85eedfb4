import type { Db } from './client';
import type { Pod, Prisma } from '../../generated/prisma/client';
import type { WatchType } from '../../core/lifecycle';

const EVENT_COLUMNS: Record<string, string> = { id: 'uuid', clusterId: 'uuid', sequence: 'int', type: 'text', eventType: 'text', involvedKind: 'text', involvedName: 'text', involvedUid: 'uuid', namespace: 'text', reason: 'text', message: 'text', object: 'jsonb', createdAt: 'timestamptz', eventTime: 'timestamptz' };
export const POD_COLUMNS: Record<string, string> = { id: 'uuid', clusterId: 'uuid', namespace: 'text', name: 'text', uid: 'uuid', workloadId: 'uuid', ownerKind: 'text', ownerName: 'text', templateHash: 'text', labels: 'jsonb', annotations: 'jsonb', spec: 'jsonb', phase: 'text', status: 'text', reason: 'text', message: 'text', billedCpuMilli: 'int', billedMemoryMi: 'int', zone: 'text', hostId: 'text', sandboxId: 'text', createdAt: 'timestamptz', scheduledAt: 'timestamptz', startedAt: 'timestamptz', deletionTimestamp: 'timestamptz', ready: 'boolean', readyAt: 'timestamptz', restartCount: 'int', containerStatuses: 'jsonb', finishedAt: 'timestamptz', index: 'int', nextCheckAt: 'timestamptz', syncedAt: 'timestamptz', resourceVersion: 'int', priority: 'int', preemptionPolicy: 'text', spot: 'boolean', cpuType: 'text', gpuModel: 'text', gpuMilli: 'int', allocated: 'boolean', schedulingAttempts: 'int', nextScheduleAt: 'timestamptz', nominatedHost: 'text', requestCpuMilli: 'int', requestMemoryBytes: 'bigint', limitCpuMilli: 'int', limitMemoryBytes: 'bigint', billingFrom: 'timestamptz', billingUntil: 'timestamptz' };
/** Pod columns returned by bulk writes: everything but the heavy JSON (spec, annotations, container statuses). */
const RETURNED = Object.keys(POD_COLUMNS)
  .filter((c) => c !== 'spec' && c !== 'annotations' && c !== 'containerStatuses' && c !== 'requestMemoryBytes' && c !== 'limitMemoryBytes')
  .map((c) => `p."${c}"`)
  .join(', ');

/** Pod columns most readers never need (the heavy JSON): pass as `omit` to pod queries. */
export const POD_LIGHT = { spec: true, annotations: true, containerStatuses: true } as const;

/** A Prisma client or an interactive transaction. */
export type Tx = Db | Prisma.TransactionClient;

/** What an event records of a pod (the `object` of a watch event). Dates as ISO strings. */
export interface PodSnapshot {
  id: string;
  uid: string;
  clusterId: string;
  namespace: string;
  name: string;
  ownerKind: string | null;
  ownerName: string | null;
  labels: Record<string, string>;
  phase: string;
  status: string;
  reason: string | null;
  message: string | null;
  billedCpuMilli: number;
  billedMemoryMi: number;
  zone: string | null;
  hostId: string | null;
  createdAt: string;
  scheduledAt: string | null;
  startedAt: string | null;
  deletionTimestamp: string | null;
  ready: boolean;
  restartCount: number;
  finishedAt: string | null;
  resourceVersion: number;
  /** Scheduling (absent in events recorded before the scheduler existed). */
  priority?: number;
  spot?: boolean;
  cpuType?: string | null;
  gpuModel?: string | null;
  gpuMilli?: number;
  nominatedHost?: string | null;
}

/** What an event records of a workload (ReplicaSet, Deployment, StatefulSet, Job, CronJob). */
export interface WorkloadSnapshot {
  id: string;
  uid: string;
  clusterId: string;
  kind: string;
  namespace: string;
  name: string;
  ownerId: string | null;
  generation: number;
  observedGeneration: number;
  /** spec.replicas (Deployment, ReplicaSet, StatefulSet), else null. The spec itself is not copied into events. */
  replicas: number | null;
  status: unknown;
  resourceVersion: number;
}

/** The workload fields a snapshot needs. */
export type WorkloadLike = Pick<WorkloadSnapshot, 'id' | 'uid' | 'clusterId' | 'kind' | 'namespace' | 'name' | 'ownerId' | 'generation' | 'observedGeneration' | 'status' | 'resourceVersion'> & { spec: unknown };

export interface EventRecord {
  id: string;
  clusterId: string;
  sequence: number;
  type: WatchType;
  /** Kubernetes event type: Normal | Warning. */
  eventType: string;
  involvedKind: string;
  involvedName: string;
  involvedUid: string;
  namespace: string;
  reason: string;
  message: string;
  /** A PodSnapshot when involvedKind is Pod, a ScalingSnapshot for a HorizontalPodAutoscaler, else a WorkloadSnapshot. */
  object: PodSnapshot | WorkloadSnapshot | ScalingSnapshot;
  createdAt: string;
  /** When it happened by its source's clock (a sandbox agent's event, a pod's exit or end), when that differs from createdAt. */
  eventTime?: string;
}

/** An event about a pod … */
export interface PodEventInput {
  type: WatchType;
  eventType?: 'Normal' | 'Warning';
  reason: string;
  message: string;
  pod: Pod;
  /** When it happened (epoch ms) by the source's clock; absent: when recorded. */
  at?: number;
}
/** … or about a workload. */
export interface WorkloadEventInput {
  type: WatchType;
  eventType?: 'Normal' | 'Warning';
  reason: string;
  message: string;
  workload: WorkloadLike;
}
/** … or about an autoscaler (its decisions: SuccessfulRescale, and its warnings). */
export interface AutoscalerEventInput {
  type: WatchType;
  eventType?: 'Normal' | 'Warning';
  reason: string;
  message: string;
  autoscaler: { uid: string; name: string; namespace: string };
  snapshot: ScalingSnapshot;
}
export type EventInput = PodEventInput | WorkloadEventInput | AutoscalerEventInput;

/** What an autoscaler's event carries: the decision (for a rescale) and the target. */
export interface ScalingSnapshot {
  autoscalerId: string;
  autoscalerName: string;
  namespace: string;
  targetKind: string;
  targetName: string;
  /** The decision's row id (null for a warning). */
  decisionId: string | null;
  fromReplicas: number;
  toReplicas: number;
  proposed: number;
  reason: string;
  limitedBy: string | null;
  /** status.currentMetrics when it was decided. */
  metrics: unknown;
  at: string;
}

export function workloadSnapshot(w: WorkloadLike): WorkloadSnapshot {
  const replicas = (w.spec as { replicas?: unknown } | null)?.replicas;
  return { id: w.id, uid: w.uid, clusterId: w.clusterId, kind: w.kind, namespace: w.namespace, name: w.name, ownerId: w.ownerId, generation: w.generation, observedGeneration: w.observedGeneration, replicas: typeof replicas === 'number' ? replicas : null, status: w.status, resourceVersion: w.resourceVersion };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function podSnapshot(p: Pod): PodSnapshot {
  return {
    id: p.id,
    uid: p.uid,
    clusterId: p.clusterId,
    namespace: p.namespace,
    name: p.name,
    ownerKind: p.ownerKind,
    ownerName: p.ownerName,
    labels: (p.labels ?? {}) as Record<string, string>,
    phase: p.phase,
    status: p.status,
    reason: p.reason,
    message: p.message,
    billedCpuMilli: p.billedCpuMilli,
    billedMemoryMi: p.billedMemoryMi,
    zone: p.zone,
    hostId: p.hostId,
    createdAt: p.createdAt.toISOString(),
    scheduledAt: iso(p.scheduledAt),
    startedAt: iso(p.startedAt),
    deletionTimestamp: iso(p.deletionTimestamp),
    ready: p.ready ?? false,
    restartCount: p.restartCount ?? 0,
    finishedAt: iso(p.finishedAt ?? null),
    resourceVersion: p.resourceVersion,
    priority: p.priority ?? 0,
    spot: p.spot ?? false,
    cpuType: p.cpuType ?? null,
    gpuModel: p.gpuModel ?? null,
    gpuMilli: p.gpuMilli ?? 0,
    nominatedHost: p.nominatedHost ?? null,
  };
}

/**
 * Appends events to a cluster's log inside the caller's transaction: call it as the transaction's
 * last statement. Sequence numbers come from the cluster row (`eventSeq`): one statement bumps it
 * and inserts the events numbered from it, and the row lock it takes is held until commit, so
 * events of one cluster commit in sequence order with no gaps (subscribers resume from a
 * sequence, and fill a gap from the store knowing that a later sequence's commit implies the
 * earlier ones). Last, so that lock is held for one round trip and the COMMIT, not while the
 * transaction does its other writes: a cluster's writers run in parallel up to that point.
 */
export async function appendEvents(tx: Tx, clusterId: string, inputs: EventInput[], now: Date, uuid: () => string): Promise<EventRecord[]> {
  if (inputs.length === 0) return [];
  // `sequence` is first the offset within this batch (0, 1, 2 …), as the statement takes it
  const records: EventRecord[] = inputs.map((e, i) => {
    const base = { id: uuid(), clusterId, sequence: i, type: e.type, eventType: e.eventType ?? 'Normal', reason: e.reason, message: e.message, createdAt: now.toISOString() };
    if ('pod' in e) return { ...base, involvedKind: 'Pod', involvedName: e.pod.name, involvedUid: e.pod.uid, namespace: e.pod.namespace, object: podSnapshot(e.pod), ...(e.at !== undefined ? { eventTime: new Date(e.at).toISOString() } : {}) };
    if ('autoscaler' in e) return { ...base, involvedKind: 'HorizontalPodAutoscaler', involvedName: e.autoscaler.name, involvedUid: e.autoscaler.uid, namespace: e.autoscaler.namespace, object: e.snapshot };
    const w = e.workload;
    return { ...base, involvedKind: w.kind, involvedName: w.name, involvedUid: w.uid, namespace: w.namespace, object: workloadSnapshot(w) };
  });
  const payload = JSON.stringify(records);
  const rows = await tx.$queryRawUnsafe<{ first: number }[]>(APPEND_EVENTS, clusterId, records.length, payload);
  if (rows.length === 0) throw new Error(`cluster ${clusterId} vanished`);
  const first = Number(rows[0].first);
  records.forEach((r, i) => (r.sequence = first + i));
  return records;
}

/** Bumps the cluster's eventSeq by $2 and inserts the $3 events numbered from the old value + 1, in one statement; returns the first number. */
const APPEND_EVENTS = (() => {
  const names = Object.keys(EVENT_COLUMNS);
  const list = names.map((c) => `"${c}"`).join(', ');
  const defs = names.map((c) => `"${c}" ${EVENT_COLUMNS[c]}`).join(', ');
  const values = names.map((c) => (c === 'sequence' ? `s."eventSeq" - $2::int + 1 + v."sequence"` : c === 'clusterId' ? `s."id"` : `v."${c}"`)).join(', ');
  return `WITH s AS (UPDATE "Cluster" SET "eventSeq" = "eventSeq" + $2::int WHERE "id" = $1::uuid RETURNING "id", "eventSeq"),
    i AS (INSERT INTO "Event" (${list}) SELECT ${values} FROM s, jsonb_to_recordset($3::jsonb) AS v(${defs}))
    SELECT s."eventSeq" - $2::int + 1 AS "first" FROM s`;
})();

/** Columns a controller may change on a pod (besides the resourceVersion it bumps). */
const MUTABLE = ['phase', 'status', 'reason', 'message', 'zone', 'hostId', 'sandboxId', 'scheduledAt', 'startedAt', 'deletionTimestamp', 'ready', 'readyAt', 'restartCount', 'finishedAt', 'nextCheckAt', 'syncedAt', 'billedCpuMilli', 'billedMemoryMi', 'cpuType', 'gpuModel', 'gpuMilli', 'allocated', 'schedulingAttempts', 'nextScheduleAt', 'nominatedHost', 'billingFrom', 'billingUntil'] as const;
const COLUMN_TYPES: Record<(typeof MUTABLE)[number], string> = {
  phase: 'text',
  status: 'text',
  reason: 'text',
  message: 'text',
  zone: 'text',
  hostId: 'text',
  sandboxId: 'text',
  scheduledAt: 'timestamptz',
  startedAt: 'timestamptz',
  deletionTimestamp: 'timestamptz',
  ready: 'boolean',
  readyAt: 'timestamptz',
  restartCount: 'int',
  finishedAt: 'timestamptz',
  nextCheckAt: 'timestamptz',
  syncedAt: 'timestamptz',
  billedCpuMilli: 'int',
  billedMemoryMi: 'int',
  cpuType: 'text',
  gpuModel: 'text',
  gpuMilli: 'int',
  allocated: 'boolean',
  schedulingAttempts: 'int',
  nextScheduleAt: 'timestamptz',
  nominatedHost: 'text',
  billingFrom: 'timestamptz',
  billingUntil: 'timestamptz',
};

/**
 * Writes new states of many pods in one statement, each guarded by the resourceVersion the
 * caller read (optimistic concurrency). Returns the rows actually written (with their new
 * resourceVersion); a pod another writer changed in the meantime is left out, and the caller
 * retries it from a fresh read.
 */
export async function writePods(tx: Tx, pods: Pod[]): Promise<Pod[]> {
  if (pods.length === 0) return [];
  const payload = JSON.stringify(
    pods.map((p) => {
      const o: Record<string, unknown> = { id: p.id, rv: p.resourceVersion };
      for (const c of MUTABLE) {
        const v = p[c];
        o[c] = v instanceof Date ? v.toISOString() : v;
      }
      // container statuses are written only by whoever read them (the pod loop); others keep them
      if (p.containerStatuses !== undefined) o.cs = p.containerStatuses;
      return o;
    }),
  );
  const cols = MUTABLE.map((c) => `"${c}" ${COLUMN_TYPES[c]}`).join(', ');
  const sets = MUTABLE.map((c) => `"${c}" = v."${c}"`).join(', ');
  const rows = await tx.$queryRawUnsafe<Pod[]>(
    `UPDATE "Pod" AS p SET ${sets}, "containerStatuses" = COALESCE(v."cs", p."containerStatuses"), "resourceVersion" = p."resourceVersion" + 1
     FROM jsonb_to_recordset($1::jsonb) AS v("id" uuid, "rv" int, "cs" jsonb, ${cols})
     WHERE p."id" = v."id" AND p."resourceVersion" = v."rv"
     RETURNING ${RETURNED}`,
    payload,
  );
  return rows.map(normalisePodRow);
}

/** Deletes pods guarded by resourceVersion; returns the rows deleted. */
export async function deletePods(tx: Tx, pods: Pick<Pod, 'id' | 'resourceVersion'>[]): Promise<Pod[]> {
  if (pods.length === 0) return [];
  const payload = JSON.stringify(pods.map((p) => ({ id: p.id, rv: p.resourceVersion })));
  const rows = await tx.$queryRawUnsafe<Pod[]>(
    `DELETE FROM "Pod" AS p USING jsonb_to_recordset($1::jsonb) AS v("id" uuid, "rv" int)
     WHERE p."id" = v."id" AND p."resourceVersion" = v."rv" RETURNING ${RETURNED}`,
    payload,
  );
  return rows.map(normalisePodRow);
}

/** Raw rows come back with driver types; make them look like Prisma's. */
function normalisePodRow(r: Pod): Pod {
  const d = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    ...r,
    createdAt: d(r.createdAt) as Date,
    scheduledAt: d(r.scheduledAt),
    startedAt: d(r.startedAt),
    deletionTimestamp: d(r.deletionTimestamp),
    readyAt: d(r.readyAt),
    finishedAt: d(r.finishedAt),
    nextCheckAt: d(r.nextCheckAt),
    syncedAt: d(r.syncedAt),
    nextScheduleAt: d(r.nextScheduleAt),
    billingFrom: d(r.billingFrom),
    billingUntil: d(r.billingUntil),
    gpuMilli: Number(r.gpuMilli ?? 0),
    priority: Number(r.priority ?? 0),
    schedulingAttempts: Number(r.schedulingAttempts ?? 0),
    requestCpuMilli: Number(r.requestCpuMilli ?? 0),
    limitCpuMilli: Number(r.limitCpuMilli ?? 0),
    restartCount: Number(r.restartCount ?? 0),
    index: r.index === null || r.index === undefined ? null : Number(r.index),
    containerStatuses: r.containerStatuses === undefined ? [] : j(r.containerStatuses),
    labels: j(r.labels),
    annotations: r.annotations === undefined ? {} : j(r.annotations),
    spec: r.spec === undefined ? {} : j(r.spec),
    billedCpuMilli: Number(r.billedCpuMilli),
    billedMemoryMi: Number(r.billedMemoryMi),
    resourceVersion: Number(r.resourceVersion),
  };
}


/** One INSERT … SELECT FROM jsonb_to_recordset($1): a single parameter whatever the row count. */
export async function insertRows(tx: Tx, table: string, columns: Record<string, string>, rows: object[], onConflictDoNothing = false): Promise<number> {
  if (rows.length === 0) return 0;
  const names = Object.keys(columns);
  const list = names.map((c) => `"${c}"`).join(', ');
  const defs = names.map((c) => `"${c}" ${columns[c]}`).join(', ');
  return tx.$executeRawUnsafe(
    `INSERT INTO "${table}" (${list}) SELECT ${list} FROM jsonb_to_recordset($1::jsonb) AS v(${defs})${onConflictDoNothing ? ' ON CONFLICT DO NOTHING' : ''}`,
    JSON.stringify(rows),
  );
}
