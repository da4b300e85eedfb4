import type { LimitRange, PriorityClass, ResourceQuota } from '../../generated/prisma/client';
import { builder, cursorPage, decodeCursor, encodeCursor, isStringTuple, keysetWhere, type Context } from '../builder';
import { ClusterRef } from './refs';
import { namespaceUsage } from '../../app/admission';
import { formatUsage, type QuotaUsage } from '../../core/admission/quota';

/** One usage computation per namespace per request, however many quotas the page holds. */
const usageMemo = new WeakMap<Context, Map<string, Promise<QuotaUsage>>>();
function usageOf(ctx: Context, clusterId: string, namespace: string): Promise<QuotaUsage> {
  let m = usageMemo.get(ctx);
  if (!m) usageMemo.set(ctx, (m = new Map()));
  const key = `${clusterId}/${namespace}`;
  if (!m.has(key)) m.set(key, namespaceUsage(ctx.svc.db, clusterId, namespace));
  return m.get(key)!;
}

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
      resolve: async (q, _, ctx) => formatUsage(await usageOf(ctx, q.clusterId, q.namespace), q.hard as Record<string, string>),
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
    resolve: (c, args, ctx) =>
      cursorPage(args, byNsName<ResourceQuota>, async ({ after, before, limit, inverted }) => {
        const a = decodeCursor(after, isStringTuple(2));
        const b = decodeCursor(before, isStringTuple(2));
        const dir = inverted ? 'desc' : 'asc';
        return ctx.svc.db.resourceQuota.findMany({
          where: { clusterId: c.id, ...(args.namespace ? { namespace: args.namespace } : {}), AND: [a ? keysetWhere(['namespace', 'name'], a, 'gt') : {}, b ? keysetWhere(['namespace', 'name'], b, 'lt') : {}] },
          orderBy: [{ namespace: dir }, { name: dir }],
          take: limit,
        });
      }),
  }),
  limitRanges: t.connection({
    type: LimitRangeRef,
    description: 'LimitRanges by namespace and name.',
    args: { namespace: t.arg.string() },
    resolve: (c, args, ctx) =>
      cursorPage(args, byNsName<LimitRange>, async ({ after, before, limit, inverted }) => {
        const a = decodeCursor(after, isStringTuple(2));
        const b = decodeCursor(before, isStringTuple(2));
        const dir = inverted ? 'desc' : 'asc';
        return ctx.svc.db.limitRange.findMany({
          where: { clusterId: c.id, ...(args.namespace ? { namespace: args.namespace } : {}), AND: [a ? keysetWhere(['namespace', 'name'], a, 'gt') : {}, b ? keysetWhere(['namespace', 'name'], b, 'lt') : {}] },
          orderBy: [{ namespace: dir }, { name: dir }],
          take: limit,
        });
      }),
  }),
  priorityClasses: t.connection({
    type: PriorityClassRef,
    description: "The cluster's PriorityClasses by name.",
    resolve: (c, args, ctx) =>
      cursorPage(args, (p: PriorityClass) => encodeCursor(p.name), async ({ after, before, limit, inverted }) => {
        const a = decodeCursor(after, (v): v is string => typeof v === 'string');
        const b = decodeCursor(before, (v): v is string => typeof v === 'string');
        return ctx.svc.db.priorityClass.findMany({
          where: { clusterId: c.id, name: { ...(a !== undefined ? { gt: a } : {}), ...(b !== undefined ? { lt: b } : {}) } },
          orderBy: { name: inverted ? 'desc' : 'asc' },
          take: limit,
        });
      }),
  }),
}));
