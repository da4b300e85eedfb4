import { builder } from '../builder';
import { PodRef, type PodView } from './refs';
import { formatCpuMilli, formatMemoryMi } from '../../core/quantity';
import { isUuid } from '../../app/clusters';

export const PodPhaseEnum = builder.enumType('PodPhase', {
  description: 'The Kubernetes pod phase.',
  values: { PENDING: { value: 'Pending' }, RUNNING: { value: 'Running' }, SUCCEEDED: { value: 'Succeeded' }, FAILED: { value: 'Failed' }, UNKNOWN: { value: 'Unknown' } } as const,
});

export const BilledSpecRef = builder.objectRef<{ cpuMilli: number; memoryMi: number }>('BilledSpec').implement({
  description: 'The supported spec a pod is sized to and billed for (not its usage).',
  fields: (t) => ({
    cpu: t.string({ description: 'CPU as a Kubernetes quantity, e.g. "250m" or "4".', resolve: (s) => formatCpuMilli(s.cpuMilli) }),
    memory: t.string({ description: 'Memory as a Kubernetes quantity, e.g. "512Mi" or "8Gi".', resolve: (s) => formatMemoryMi(s.memoryMi) }),
    cpuMillicores: t.exposeInt('cpuMilli'),
    memoryMebibytes: t.exposeInt('memoryMi'),
  }),
});

const GpuRef = builder.objectRef<{ model: string; milli: number }>('PodGpu').implement({
  fields: (t) => ({
    model: t.exposeString('model', { description: 'V100 or T4.' }),
    cards: t.string({ description: 'Cards as a number: "1", "4", or "0.25" / "0.5" for vGPU slices.', resolve: (g) => String(g.milli / 1000) }),
    milli: t.exposeInt('milli', { description: 'Thousandths of a card.' }),
  }),
});

builder.node(PodRef, {
  id: { resolve: (p) => p.id },
  description: 'A pod: one isolated sandbox on the provider fleet.',
  loadMany: async (ids, ctx) => {
    if (!ctx.account) return ids.map(() => null);
    const rows = await ctx.svc.db.pod.findMany({ where: { id: { in: (ids as string[]).filter(isUuid) }, cluster: { accountId: ctx.account.id } }, omit: { spec: true, annotations: true } });
    const byId = new Map(rows.map((r) => [r.id, r as PodView]));
    return ids.map((id) => byId.get(id) ?? null);
  },
  fields: (t) => ({
    uid: t.exposeString('uid'),
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace'),
    phase: t.field({ type: PodPhaseEnum, resolve: (p) => p.phase as 'Pending' }),
    status: t.exposeString('status', { description: 'What `kubectl get pods` shows in STATUS: Pending, ContainerCreating, Running, CrashLoopBackOff, Completed, Error, Terminating, …' }),
    ready: t.exposeBoolean('ready', { description: 'The Ready condition (readinessProbe passed).' }),
    restartCount: t.exposeInt('restartCount', { description: 'Container restarts (CrashLoopBackOff, restartPolicy OnFailure).' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it reached Succeeded or Failed; its sandbox was released then.' }),
    index: t.int({ nullable: true, description: 'StatefulSet ordinal or Job completion index (null in event snapshots).', resolve: (p) => p.index ?? null }),
    containerStatuses: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Kubernetes ContainerStatus list (state, lastState with exit code and reason, restartCount, ready). Null in event snapshots: query the pod.',
      resolve: (p) => p.containerStatuses ?? null,
    }),
    reason: t.exposeString('reason', { nullable: true }),
    message: t.exposeString('message', { nullable: true }),
    labels: t.field({ type: 'JSON', resolve: (p) => p.labels ?? {} }),
    ownerKind: t.exposeString('ownerKind', { nullable: true }),
    ownerName: t.exposeString('ownerName', { nullable: true }),
    billedSpec: t.field({ type: BilledSpecRef, resolve: (p) => ({ cpuMilli: p.billedCpuMilli, memoryMi: p.billedMemoryMi }) }),
    zone: t.exposeString('zone', { nullable: true }),
    priority: t.int({ description: 'From its PriorityClass (0 without one); higher-priority pods are scheduled first and may preempt lower ones.', resolve: (p) => p.priority ?? 0 }),
    spot: t.boolean({ description: 'Runs on spot capacity (eks.tke.cloud.tencent.com/spot-pod: "true"): billed at spot prices, may be interrupted.', resolve: (p) => p.spot ?? false }),
    cpuType: t.string({ nullable: true, description: 'The CPU type it runs on (intel, amd), once bound.', resolve: (p) => p.cpuType ?? null }),
    gpu: t.field({
      type: GpuRef,
      nullable: true,
      description: 'Its GPU (model and cards; 0.25 / 0.5 for vGPU slices), null for CPU pods.',
      resolve: (p) => (p.gpuModel ? { model: p.gpuModel, milli: p.gpuMilli ?? 0 } : null),
    }),
    nominatedHost: t.string({ nullable: true, description: 'status.nominatedNodeName: the host a preemption is freeing for this pod.', resolve: (p) => p.nominatedHost ?? null }),
    host: t.exposeString('hostId', { nullable: true, description: 'The fleet host the sandbox runs on.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    scheduledAt: t.expose('scheduledAt', { type: 'DateTime', nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    deletionTimestamp: t.expose('deletionTimestamp', { type: 'DateTime', nullable: true }),
    resourceVersion: t.string({ resolve: (p) => String(p.resourceVersion) }),
  }),
});
