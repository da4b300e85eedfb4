import type { Cluster } from '../../generated/prisma/client';
import type { EventRecord, PodSnapshot, ScalingSnapshot, WorkloadSnapshot } from '../../adapters/prisma/objects';
import { builder, parseId, requireAccount } from '../builder';
import { ClusterRef, PodRef, podViewFromSnapshot } from './refs';
import { WorkloadStatusRef } from './workloads';
import { validateDns1123Label, validateDns1123Subdomain } from '../../core/names';
import { AppError } from '../../app/errors';
import { WatchEventTypeEnum } from './clusters';
import { clusterEventStream } from '../../app/streams';
import { clusterStatusStream } from '../../app/clusterStatus';
import { notFound } from '../../app/errors';

const PodEventRef = builder.objectRef<EventRecord>('PodEvent').implement({
  description: 'A change to a pod, as in a Kubernetes watch, with the Kubernetes event reason.',
  fields: (t) => ({
    sequence: t.exposeInt('sequence', { description: 'Per-cluster sequence number; resume with `since: <sequence>`.' }),
    type: t.field({ type: WatchEventTypeEnum, resolve: (e) => e.type }),
    reason: t.exposeString('reason'),
    message: t.exposeString('message'),
    occurredAt: t.field({ type: 'DateTime', description: 'When it was recorded.', resolve: (e) => new Date(e.createdAt) }),
    eventTime: t.field({ type: 'DateTime', description: "When it happened by its source's clock (the sandbox agent's for Pulling, Started, …; the exit for Completed and Failed; the sandbox's end for DELETED); otherwise occurredAt.", resolve: (e) => new Date(e.eventTime ?? e.createdAt) }),
    eventType: t.exposeString('eventType', { description: 'The Kubernetes event type: Normal or Warning.' }),
    pod: t.field({ type: PodRef, description: 'The pod after the change (before deletion for DELETED).', resolve: (e) => podViewFromSnapshot(e.object as PodSnapshot) }),
  }),
});

const WorkloadSnapshotRef = builder.objectRef<WorkloadSnapshot>('WorkloadSnapshot').implement({
  description: 'A workload as it was right after the event.',
  fields: (t) => ({
    kind: t.exposeString('kind'),
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace'),
    uid: t.exposeString('uid'),
    generation: t.exposeInt('generation'),
    observedGeneration: t.exposeInt('observedGeneration'),
    replicas: t.int({ nullable: true, description: 'spec.replicas (Deployment, ReplicaSet, StatefulSet).', resolve: (w) => w.replicas ?? null }),
    status: t.field({ type: WorkloadStatusRef, resolve: (w) => (w.status ?? {}) as object }),
    resourceVersion: t.string({ resolve: (w) => String(w.resourceVersion) }),
  }),
});

const WorkloadEventRef = builder.objectRef<EventRecord>('WorkloadEvent').implement({
  description:
    'A change to a workload or a Kubernetes event about it: status changes (reason StatusUpdated), ScalingReplicaSet, SuccessfulCreate / SuccessfulDelete of its pods, jobs and claims, Completed, BackoffLimitExceeded, SawCompletedJob, …',
  fields: (t) => ({
    sequence: t.exposeInt('sequence', { description: 'Per-cluster sequence number; resume with `since: <sequence>`.' }),
    type: t.field({ type: WatchEventTypeEnum, resolve: (e) => e.type }),
    eventType: t.exposeString('eventType', { description: 'Normal or Warning.' }),
    reason: t.exposeString('reason'),
    message: t.exposeString('message'),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.createdAt) }),
    involvedKind: t.string({ description: 'The workload kind (for an event about one of its pods, the owner kind).', resolve: (e) => (e.involvedKind === 'Pod' ? ((e.object as PodSnapshot).ownerKind ?? 'Pod') : e.involvedKind) }),
    involvedName: t.string({ description: 'The workload name (for an event about one of its pods, the owner).', resolve: (e) => (e.involvedKind === 'Pod' ? ((e.object as PodSnapshot).ownerName ?? e.involvedName) : e.involvedName) }),
    namespace: t.exposeString('namespace'),
    workload: t.field({ type: WorkloadSnapshotRef, nullable: true, description: 'The workload after the change (null for an event about a pod or an autoscaler).', resolve: (e) => (e.involvedKind === 'Pod' || e.involvedKind === 'HorizontalPodAutoscaler' ? null : (e.object as WorkloadSnapshot)) }),
    pod: t.field({ type: PodRef, nullable: true, description: 'The pod a SuccessfulCreate / SuccessfulDelete is about.', resolve: (e) => (e.involvedKind === 'Pod' ? podViewFromSnapshot(e.object as PodSnapshot) : null) }),
  }),
});

/** Controller events about pods that belong in their owner's event list. */
const OWNER_POD_REASONS = new Set(['SuccessfulCreate', 'SuccessfulDelete']);

/** Whether an event belongs to `workloadEvents(namespace, name)`. */
export function isWorkloadEvent(e: EventRecord, namespace: string | null | undefined, name: string | null | undefined): boolean {
  if (namespace && e.namespace !== namespace) return false;
  if (e.involvedKind === 'Pod') {
    if (!OWNER_POD_REASONS.has(e.reason)) return false;
    const owner = (e.object as PodSnapshot).ownerName;
    return owner !== null && (!name || owner === name);
  }
  // an autoscaler's events (SuccessfulRescale, …) belong to the workload it scales
  if (e.involvedKind === 'HorizontalPodAutoscaler') return !name || (e.object as ScalingSnapshot).targetName === name || e.involvedName === name;
  return !name || e.involvedName === name;
}

builder.subscriptionField('workloadEvents', (t) =>
  t.field({
    type: WorkloadEventRef,
    description:
      "Workload status changes and Kubernetes events of a cluster, optionally of one namespace and one workload name (a Deployment's ReplicaSets have their own names: `web-5d9f…`). With `since` you first get every later event, then live ones.",
    args: { clusterId: t.arg.id({ required: true }), namespace: t.arg.string(), name: t.arg.string(), since: t.arg.int() },
    subscribe: async (_, { clusterId, namespace, name, since }, ctx) => {
      const account = requireAccount(ctx);
      const id = parseId('Cluster', String(clusterId));
      if (!id) throw notFound(`cluster ${clusterId}`);
      if (namespace) { const [bad] = validateDns1123Label(namespace); if (bad) throw new AppError('BAD_USER_INPUT', `namespace: Invalid value: ${JSON.stringify(namespace)}: ${bad}`); }
      if (name) { const [bad] = validateDns1123Subdomain(name); if (bad) throw new AppError('BAD_USER_INPUT', `name: Invalid value: ${JSON.stringify(name)}: ${bad}`); }
      return clusterEventStream(ctx.svc, account.id, id, { since, filter: (e) => isWorkloadEvent(e, namespace, name) });
    },
    resolve: (e) => e,
  }),
);

builder.subscriptionField('podEvents', (t) =>
  t.field({
    type: PodEventRef,
    description: 'Pod changes of a cluster. With `since` (the last sequence you saw) you first get every later event, then live ones: no gap, no duplicate.',
    args: { clusterId: t.arg.id({ required: true }), since: t.arg.int() },
    subscribe: async (_, { clusterId, since }, ctx) => {
      const account = requireAccount(ctx);
      const id = parseId('Cluster', String(clusterId));
      if (!id) throw notFound(`cluster ${clusterId}`);
      return clusterEventStream(ctx.svc, account.id, id, { since, filter: (e) => e.involvedKind === 'Pod' });
    },
    resolve: (e) => e,
  }),
);

builder.subscriptionField('clusterStatus', (t) =>
  t.field({
    type: ClusterRef,
    description: 'The cluster now, then again every time its status changes.',
    args: { clusterId: t.arg.id({ required: true }) },
    subscribe: async (_, { clusterId }, ctx) => {
      const account = requireAccount(ctx);
      const id = parseId('Cluster', String(clusterId));
      if (!id) throw notFound(`cluster ${clusterId}`);
      return clusterStatusStream(ctx.svc, account.id, id);
    },
    resolve: (c: Cluster) => c,
  }),
);
