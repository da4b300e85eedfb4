import type { ImageCache, Workload } from '../../generated/prisma/client';
import { builder, cursorPage, decodeCursor, encodeCursor, parseId, requireAccount, UserErrorRef } from '../builder';
import { ClusterRef, PodRef, WorkloadRef, type PodView } from './refs';
import { BilledSpecRef } from './pods';
import { applyManifest, type ApplyResult, type AppliedObject } from '../../app/manifests';
import { deletePod, deleteWorkload, rollbackWorkload, scaleWorkload } from '../../app/workloads';
import { createImageCache } from '../../app/imageCaches';
import { REVISION_ANNOTATION } from '../../core/workloads/deployment';
import type { Condition } from '../../core/workloads/specs';
import { isUuid } from '../../app/clusters';
import { loadPage, loaders } from '../loaders';

/** `children` lists at most this many (the newest). */
const MAX_CHILDREN = 100;

/** Every kind's status fields (Deployment, ReplicaSet, StatefulSet, Job, CronJob); absent ones are null. */
type AnyStatus = Partial<Record<string, unknown>> & { conditions?: Condition[] };

export const ConditionRef = builder.objectRef<Condition>('Condition').implement({
  description: 'A Kubernetes status condition (Available, Progressing, Complete, Failed, …).',
  fields: (t) => ({
    type: t.exposeString('type'),
    status: t.exposeString('status', { description: 'True, False or Unknown.' }),
    reason: t.exposeString('reason', { nullable: true }),
    message: t.exposeString('message', { nullable: true }),
    lastTransitionTime: t.field({ type: 'DateTime', nullable: true, resolve: (c) => (c.lastTransitionTime ? new Date(c.lastTransitionTime) : null) }),
    lastUpdateTime: t.field({ type: 'DateTime', nullable: true, resolve: (c) => (c.lastUpdateTime ? new Date(c.lastUpdateTime) : null) }),
  }),
});

const int = (v: unknown) => (typeof v === 'number' ? v : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const time = (v: unknown) => (typeof v === 'string' ? new Date(v) : null);

export const WorkloadStatusRef = builder.objectRef<AnyStatus>('WorkloadStatus').implement({
  description: 'The status the controller last observed, with the Kubernetes field names of each kind; fields of other kinds are null.',
  fields: (t) => ({
    observedGeneration: t.int({ nullable: true, resolve: (s) => int(s.observedGeneration) }),
    replicas: t.int({ nullable: true, description: 'Deployment, ReplicaSet, StatefulSet.', resolve: (s) => int(s.replicas) }),
    updatedReplicas: t.int({ nullable: true, resolve: (s) => int(s.updatedReplicas) }),
    readyReplicas: t.int({ nullable: true, resolve: (s) => int(s.readyReplicas) }),
    availableReplicas: t.int({ nullable: true, resolve: (s) => int(s.availableReplicas) }),
    unavailableReplicas: t.int({ nullable: true, description: 'Deployment.', resolve: (s) => int(s.unavailableReplicas) }),
    currentReplicas: t.int({ nullable: true, description: 'StatefulSet: pods at currentRevision.', resolve: (s) => int(s.currentReplicas) }),
    currentRevision: t.string({ nullable: true, description: 'StatefulSet.', resolve: (s) => str(s.currentRevision) }),
    updateRevision: t.string({ nullable: true, description: 'StatefulSet.', resolve: (s) => str(s.updateRevision) }),
    active: t.int({ nullable: true, description: 'Job: running pods. (CronJob: see activeJobs.)', resolve: (s) => int(s.active) }),
    ready: t.int({ nullable: true, description: 'Job.', resolve: (s) => int(s.ready) }),
    succeeded: t.int({ nullable: true, description: 'Job.', resolve: (s) => int(s.succeeded) }),
    failed: t.int({ nullable: true, description: 'Job.', resolve: (s) => int(s.failed) }),
    completedIndexes: t.string({ nullable: true, description: 'Indexed Job, e.g. "0-2,5".', resolve: (s) => str(s.completedIndexes) }),
    startTime: t.field({ type: 'DateTime', nullable: true, description: 'Job.', resolve: (s) => time(s.startTime) }),
    completionTime: t.field({ type: 'DateTime', nullable: true, description: 'Job.', resolve: (s) => time(s.completionTime) }),
    activeJobs: t.stringList({ nullable: true, description: 'CronJob: names of its running Jobs.', resolve: (s) => (Array.isArray(s.active) ? (s.active as { name: string }[]).map((a) => a.name) : null) }),
    lastScheduleTime: t.field({ type: 'DateTime', nullable: true, description: 'CronJob.', resolve: (s) => time(s.lastScheduleTime) }),
    lastSuccessfulTime: t.field({ type: 'DateTime', nullable: true, description: 'CronJob.', resolve: (s) => time(s.lastSuccessfulTime) }),
    conditions: t.field({ type: [ConditionRef], resolve: (s) => s.conditions ?? [] }),
  }),
});

const FailedCreateRef = builder.objectRef<{ message: string; count: number; since: string }>('FailedCreate').implement({
  description: "Admission refuses this workload's pods (Kubernetes' ReplicaFailure condition, reason FailedCreate).",
  fields: (t) => ({
    message: t.exposeString('message', { description: 'The latest refusal, e.g. `pods "web-…" is forbidden: exceeded quota: …`.' }),
    count: t.exposeInt('count', { description: 'Refusals in a row (retries back off from 10 s to 5 min).' }),
    since: t.field({ type: 'DateTime', resolve: (f) => new Date(f.since) }),
  }),
});

builder.node(WorkloadRef, {
  id: { resolve: (w) => w.id },
  description: 'A Deployment, ReplicaSet, StatefulSet, Job or CronJob, Kubernetes-shaped.',
  loadMany: async (ids, ctx) => {
    if (!ctx.account) return ids.map(() => null);
    const rows = await ctx.svc.db.workload.findMany({ where: { id: { in: (ids as string[]).filter(isUuid) }, cluster: { accountId: ctx.account.id } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  },
  fields: (t) => ({
    kind: t.exposeString('kind'),
    apiVersion: t.exposeString('apiVersion'),
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace'),
    uid: t.exposeString('uid'),
    labels: t.field({ type: 'JSON', resolve: (w) => w.labels }),
    annotations: t.field({ type: 'JSON', resolve: (w) => w.annotations }),
    spec: t.field({ type: 'JSON', description: 'The Kubernetes spec as applied, with defaults.', resolve: (w) => w.spec }),
    replicas: t.int({ nullable: true, description: 'spec.replicas (Deployment, ReplicaSet, StatefulSet).', resolve: (w) => int((w.spec as { replicas?: number }).replicas) }),
    failedCreate: t.field({
      type: FailedCreateRef,
      nullable: true,
      description: 'Set while admission (ResourceQuota, LimitRange, PriorityClass) refuses the pods this workload creates; null once they are created.',
      resolve: (w) => (w.failedCreate as { message: string; count: number; since: string } | null) ?? null,
    }),
    revision: t.int({ nullable: true, description: 'Deployment and ReplicaSet: the `deployment.kubernetes.io/revision` annotation.', resolve: (w) => { const r = (w.annotations as Record<string, string>)[REVISION_ANNOTATION]; return r === undefined ? null : Number(r); } }),
    status: t.field({ type: WorkloadStatusRef, resolve: (w) => w.status as AnyStatus }),
    owner: t.field({
      type: WorkloadRef,
      nullable: true,
      description: "The controlling owner: a ReplicaSet's Deployment, a Job's CronJob.",
      resolve: (w, _, ctx, info) => (w.ownerId ? loaders(ctx, info).workload.load(w.ownerId) : null),
    }),
    children: t.field({
      type: [WorkloadRef],
      description: "What it owns: a Deployment's ReplicaSets (newest revision first), a CronJob's Jobs (newest first).",
      resolve: (w, _, ctx, info) => loadPage(loaders(ctx, info).children, { parent: w.id, limit: MAX_CHILDREN, inverted: false }),
    }),
    generation: t.exposeInt('generation'),
    observedGeneration: t.exposeInt('observedGeneration'),
    podBilledSpec: t.field({ type: BilledSpecRef, description: 'The spec each pod of this workload is billed for.', resolve: (w) => ({ cpuMilli: w.podCpuMilli, memoryMi: w.podMemoryMi }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ApplyActionEnum = builder.enumType('ApplyAction', { values: ['CREATED', 'CONFIGURED', 'UNCHANGED'] as const });

const AppliedObjectRef = builder.objectRef<AppliedObject>('AppliedObject').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    apiVersion: t.exposeString('apiVersion'),
    namespace: t.exposeString('namespace', { nullable: true }),
    name: t.exposeString('name'),
    action: t.field({ type: ApplyActionEnum, resolve: (o) => o.action }),
    workload: t.field({ type: WorkloadRef, nullable: true, resolve: (o) => o.workload }),
  }),
});

const ApplyManifestInput = builder.inputType('ApplyManifestInput', {
  fields: (t) => ({
    clusterId: t.id({ required: true }),
    manifest: t.string({ required: true, description: 'Kubernetes YAML: one or more documents separated by `---` (or a List).' }),
  }),
});

const ApplyManifestPayload = builder.objectRef<ApplyResult>('ApplyManifestPayload').implement({
  fields: (t) => ({
    objects: t.field({ type: [AppliedObjectRef], resolve: (p) => p.objects }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

const notFoundCluster = (id: string) => [{ field: ['clusterId'], code: 'NOT_FOUND', message: `cluster ${id} not found` }];

builder.mutationField('applyManifest', (t) =>
  t.field({
    type: ApplyManifestPayload,
    description: '`kubectl apply`: validates every object first (nothing is written if one is invalid), then creates or updates them all.',
    args: { input: t.arg({ type: ApplyManifestInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = parseId('Cluster', String(input.clusterId));
      if (!clusterId) return { objects: [], userErrors: notFoundCluster(String(input.clusterId)) };
      return applyManifest(ctx.svc, account.id, { clusterId, manifest: input.manifest });
    },
  }),
);

const ScaleWorkloadInput = builder.inputType('ScaleWorkloadInput', {
  fields: (t) => ({
    clusterId: t.id({ required: true }),
    namespace: t.string({ required: true, defaultValue: 'default' }),
    kind: t.string({ required: true, defaultValue: 'Deployment' }),
    name: t.string({ required: true }),
    replicas: t.int({ required: true }),
  }),
});

const ScaleWorkloadPayload = builder.objectRef<{ workload: Workload | null; userErrors: { field: string[]; message: string; code: string }[] }>('ScaleWorkloadPayload').implement({
  fields: (t) => ({
    workload: t.field({ type: WorkloadRef, nullable: true, resolve: (p) => p.workload }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('scaleWorkload', (t) =>
  t.field({
    type: ScaleWorkloadPayload,
    description: '`kubectl scale`: sets the desired replicas; pods are created or terminated by the controllers.',
    args: { input: t.arg({ type: ScaleWorkloadInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = parseId('Cluster', String(input.clusterId));
      if (!clusterId) return { workload: null, userErrors: notFoundCluster(String(input.clusterId)) };
      return scaleWorkload(ctx.svc, account.id, { ...input, clusterId });
    },
  }),
);

const WorkloadRefInput = builder.inputType('WorkloadRefInput', {
  fields: (t) => ({
    clusterId: t.id({ required: true }),
    namespace: t.string({ required: true, defaultValue: 'default' }),
    kind: t.string({ required: true, description: 'Deployment, StatefulSet, Job or CronJob (a ReplicaSet belongs to its Deployment).' }),
    name: t.string({ required: true }),
  }),
});

const RollbackWorkloadInput = builder.inputType('RollbackWorkloadInput', {
  fields: (t) => ({
    clusterId: t.id({ required: true }),
    namespace: t.string({ required: true, defaultValue: 'default' }),
    name: t.string({ required: true, description: 'The Deployment.' }),
    revision: t.int({ required: true, defaultValue: 0, description: 'The revision to go back to (see `children { revision }`); 0 = the previous one.' }),
  }),
});

const RollbackWorkloadPayload = builder.objectRef<{ workload: Workload | null; userErrors: { field: string[]; message: string; code: string }[] }>('RollbackWorkloadPayload').implement({
  fields: (t) => ({
    workload: t.field({ type: WorkloadRef, nullable: true, description: 'The Deployment, with the old template as its spec (its new revision shows once the controller has run).', resolve: (p) => p.workload }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('rollbackWorkload', (t) =>
  t.field({
    type: RollbackWorkloadPayload,
    description: '`kubectl rollout undo deployment/<name> --to-revision=N`: the template of that revision becomes the Deployment template and is rolled out.',
    args: { input: t.arg({ type: RollbackWorkloadInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = parseId('Cluster', String(input.clusterId));
      if (!clusterId) return { workload: null, userErrors: notFoundCluster(String(input.clusterId)) };
      return rollbackWorkload(ctx.svc, account.id, { ...input, clusterId });
    },
  }),
);

const DeleteWorkloadPayload = builder.objectRef<{ deleted: boolean; userErrors: { field: string[]; message: string; code: string }[] }>('DeleteWorkloadPayload').implement({
  fields: (t) => ({
    deleted: t.exposeBoolean('deleted'),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('deleteWorkload', (t) =>
  t.field({
    type: DeleteWorkloadPayload,
    description: '`kubectl delete`: removes the workload and what it owns; its pods terminate gracefully.',
    args: { input: t.arg({ type: WorkloadRefInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = parseId('Cluster', String(input.clusterId));
      if (!clusterId) return { deleted: false, userErrors: notFoundCluster(String(input.clusterId)) };
      return deleteWorkload(ctx.svc, account.id, { ...input, clusterId });
    },
  }),
);

const DeletePodInput = builder.inputType('DeletePodInput', {
  fields: (t) => ({
    clusterId: t.id({ required: true }),
    namespace: t.string({ required: true, defaultValue: 'default' }),
    name: t.string({ required: true }),
  }),
});

const DeletePodPayload = builder.objectRef<{ pod: PodView | null; userErrors: { field: string[]; message: string; code: string }[] }>('DeletePodPayload').implement({
  fields: (t) => ({
    pod: t.field({ type: PodRef, nullable: true, description: 'The pod, now Terminating.', resolve: (p) => p.pod }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('deletePod', (t) =>
  t.field({
    type: DeletePodPayload,
    description: '`kubectl delete pod`: Terminating for terminationGracePeriodSeconds (or until its process exits), then gone. Its controller, if any, replaces it.',
    args: { input: t.arg({ type: DeletePodInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = parseId('Cluster', String(input.clusterId));
      if (!clusterId) return { pod: null, userErrors: notFoundCluster(String(input.clusterId)) };
      const r = await deletePod(ctx.svc, account.id, { ...input, clusterId });
      return { pod: r.pod as unknown as PodView | null, userErrors: r.userErrors };
    },
  }),
);

export const ImageCacheRef = builder.objectRef<ImageCache>('ImageCache').implement({
  description: 'A cached image: pods whose images are all cached skip the image pull.',
  fields: (t) => ({
    image: t.exposeString('image'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateImageCachePayload = builder.objectRef<{ imageCache: ImageCache | null; userErrors: { field: string[]; message: string; code: string }[] }>('CreateImageCachePayload').implement({
  fields: (t) => ({
    imageCache: t.field({ type: ImageCacheRef, nullable: true, resolve: (p) => p.imageCache }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('createImageCache', (t) =>
  t.field({
    type: CreateImageCachePayload,
    description: 'Caches an image for your account (the EKS image cache): new pods using it start without pulling. Idempotent.',
    args: { image: t.arg.string({ required: true }) },
    resolve: (_, { image }, ctx) => createImageCache(ctx.svc, requireAccount(ctx).id, { image }),
  }),
);

builder.queryField('imageCaches', (t) =>
  t.connection({
    type: ImageCacheRef,
    description: "Your account's cached images, by image.",
    resolve: (_, args, ctx) => {
      const account = requireAccount(ctx);
      return cursorPage(args, (c: ImageCache) => encodeCursor(c.image), async ({ after, before, limit, inverted }) => {
        const a = decodeCursor(after, (v): v is string => typeof v === 'string');
        const b = decodeCursor(before, (v): v is string => typeof v === 'string');
        return ctx.svc.db.imageCache.findMany({
          where: { accountId: account.id, image: { ...(a !== undefined ? { gt: a } : {}), ...(b !== undefined ? { lt: b } : {}) } },
          orderBy: { image: inverted ? 'desc' : 'asc' },
          take: limit,
        });
      });
    },
  }),
);

export { ClusterRef };
