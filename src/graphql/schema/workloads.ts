import type { Workload } from '../../generated/prisma/client';
import { builder, parseId, requireAccount, UserErrorRef } from '../builder';
import { ClusterRef, WorkloadRef } from './refs';
import { BilledSpecRef } from './pods';
import { applyManifest, type ApplyResult, type AppliedObject } from '../../app/manifests';
import { scaleWorkload } from '../../app/workloads';
import type { WorkloadStatus } from '../../controllers/workload';
import { isUuid } from '../../app/clusters';

const WorkloadStatusRef = builder.objectRef<Partial<WorkloadStatus>>('WorkloadStatus').implement({
  description: 'The status the controller last observed (Kubernetes Deployment status fields).',
  fields: (t) => ({
    observedGeneration: t.int({ resolve: (s) => s.observedGeneration ?? 0 }),
    replicas: t.int({ resolve: (s) => s.replicas ?? 0 }),
    updatedReplicas: t.int({ resolve: (s) => s.updatedReplicas ?? 0 }),
    readyReplicas: t.int({ resolve: (s) => s.readyReplicas ?? 0 }),
    availableReplicas: t.int({ resolve: (s) => s.availableReplicas ?? 0 }),
  }),
});

builder.node(WorkloadRef, {
  id: { resolve: (w) => w.id },
  description: 'A Deployment (later also StatefulSet, Job, CronJob), Kubernetes-shaped.',
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
    replicas: t.int({ description: 'spec.replicas', resolve: (w) => Number((w.spec as { replicas?: number }).replicas ?? 0) }),
    status: t.field({ type: WorkloadStatusRef, resolve: (w) => w.status as Partial<WorkloadStatus> }),
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

export { ClusterRef };
