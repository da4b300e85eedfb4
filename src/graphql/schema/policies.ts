import type { LimitRange, PriorityClass, ResourceQuota } from '../../generated/prisma/client';
import { builder, cursorPage, decodeCursor, encodeCursor, isStringTuple } from '../builder';
import { loadPage, loaders } from '../loaders';
import { ClusterRef } from './refs';
import { formatUsage } from '../../core/admission/quota';

const ResourceQuotaRef = builder.objectRef<ResourceQuota>('ResourceQuota').implement({
  description: 'A namespace ResourceQuota (v1). Apply one with applyManifest; pods over it are refused (FailedCreate for controller-made pods).',
  fields: (t) => ({
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace'),
    uid: t.exposeString('uid'),
    hard: t.field({ type: 'JSON', description: 'spec.hard, as Kubernetes stores it (e.g. {"pods": "10", "requests.cpu": "4"}).', resolve: (q) => q.hard }),
    used: t.field({
      type: 'JSON',
      description: "status.used, exact: computed from the namespace's pods (not finished, not being deleted), workloads and volume claims when read.",
      resolve: async (q, _, ctx, info) => formatUsage(await loaders(ctx, info).namespaceUsage.load({ clusterId: q.clusterId, namespace: q.namespace }), q.hard as Record<string, string>),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    resourceVersion: t.string({ resolve: (q) => String(q.resourceVersion) }),
  }),
});

const LimitRangeRef = builder.objectRef<LimitRange>('LimitRange').implement({
  description: 'A namespace LimitRange (v1): container defaults (applied when pods are created) and min/max bounds.',
  fields: (t) => ({
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace'),
    uid: t.exposeString('uid'),
    spec: t.field({ type: 'JSON', description: 'spec.limits with Kubernetes defaulting applied.', resolve: (l) => l.spec }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const PriorityClassRef = builder.objectRef<PriorityClass>('PriorityClass').implement({
  description: 'A PriorityClass (scheduling.k8s.io/v1) of the cluster. system-cluster-critical and system-node-critical are built in.',
  fields: (t) => ({
    name: t.exposeString('name'),
    value: t.exposeInt('value'),
    globalDefault: t.exposeBoolean('globalDefault'),
    preemptionPolicy: t.exposeString('preemptionPolicy'),
    description: t.exposeString('description'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const byNsName = <T extends { namespace: string; name: string }>(x: T) => encodeCursor([x.namespace, x.name]);

builder.objectFields(ClusterRef, (t) => ({
  resourceQuotas: t.connection({
    type: ResourceQuotaRef,
    description: 'ResourceQuotas by namespace and name, with their exact usage.',
    args: { namespace: t.arg.string() },
    resolve: (c, args, ctx, info) =>
      cursorPage(args, byNsName<ResourceQuota>, ({ after, before, limit, inverted }) =>
        loadPage(loaders(ctx, info).resourceQuotas, { parent: c.id, after: decodeCursor(after, isStringTuple(2)), before: decodeCursor(before, isStringTuple(2)), limit, inverted, filters: { namespace: args.namespace || null } }),
      ),
  }),
  limitRanges: t.connection({
    type: LimitRangeRef,
    description: 'LimitRanges by namespace and name.',
    args: { namespace: t.arg.string() },
    resolve: (c, args, ctx, info) =>
      cursorPage(args, byNsName<LimitRange>, ({ after, before, limit, inverted }) =>
        loadPage(loaders(ctx, info).limitRanges, { parent: c.id, after: decodeCursor(after, isStringTuple(2)), before: decodeCursor(before, isStringTuple(2)), limit, inverted, filters: { namespace: args.namespace || null } }),
      ),
  }),
  priorityClasses: t.connection({
    type: PriorityClassRef,
    description: "The cluster's PriorityClasses by name.",
    resolve: (c, args, ctx, info) =>
      cursorPage(args, (p: PriorityClass) => encodeCursor(p.name), ({ after, before, limit, inverted }) => {
        const a = decodeCursor(after, (v): v is string => typeof v === 'string');
        const b = decodeCursor(before, (v): v is string => typeof v === 'string');
        return loadPage(loaders(ctx, info).priorityClasses, { parent: c.id, after: a === undefined ? undefined : [a], before: b === undefined ? undefined : [b], limit, inverted });
      }),
  }),
}));
