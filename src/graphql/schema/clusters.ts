import type { Cluster, Event, VolumeClaim, Workload } from '../../generated/prisma/client';
import { builder, cursorPage, decodeCursor, encodeCursor, isStringTuple, parseId, requireAccount, UserErrorRef } from '../builder';
import { ClusterRef, PodRef, WorkloadRef, type PodView } from './refs';
import { createCluster, findCluster } from '../../app/clusters';
import { loadPage, loaders } from '../loaders';

export const ClusterStatusEnum = builder.enumType('ClusterStatus', {
  values: ['PROVISIONING', 'RUNNING', 'DELETING'] as const,
});

export const WatchEventTypeEnum = builder.enumType('WatchEventType', {
  description: 'What happened to the object, as in a Kubernetes watch.',
  values: ['ADDED', 'MODIFIED', 'DELETED'] as const,
});

const NamespaceRef = builder.objectRef<{ name: string; phase: string; labels: unknown; createdAt: Date }>('Namespace').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    phase: t.exposeString('phase'),
    labels: t.field({ type: 'JSON', resolve: (n) => n.labels }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const EventRef = builder.objectRef<Event>('Event').implement({
  description: 'A Kubernetes-style event in the cluster log, numbered by a per-cluster sequence.',
  fields: (t) => ({
    sequence: t.exposeInt('sequence'),
    type: t.field({ type: WatchEventTypeEnum, resolve: (e) => e.type as 'ADDED' }),
    reason: t.exposeString('reason'),
    message: t.exposeString('message'),
    eventType: t.exposeString('eventType', { description: 'Normal or Warning.' }),
    involvedKind: t.exposeString('involvedKind'),
    involvedName: t.exposeString('involvedName'),
    namespace: t.exposeString('namespace'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    eventTime: t.field({ type: 'DateTime', description: "When it happened by its source's clock (a sandbox agent's event, a pod's exit, the end of a deleted pod's sandbox); otherwise when it was recorded.", resolve: (e) => e.eventTime ?? e.createdAt }),
  }),
});

/** What a malformed workload id filters by: no workload has it. */
const NO_WORKLOAD = '00000000-0000-0000-0000-000000000000';

const VolumeClaimRef = builder.objectRef<VolumeClaim>('VolumeClaim').implement({
  description: 'A PersistentVolumeClaim. StatefulSet claim templates make one per ordinal (`www-web-0`); it outlives its pod and is re-attached to the pod of the same ordinal.',
  fields: (t) => ({
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace'),
    uid: t.exposeString('uid'),
    storageClassName: t.exposeString('storageClassName'),
    accessModes: t.stringList({ resolve: (c) => c.accessModes as string[] }),
    storage: t.exposeString('storage', { description: 'Requested size, as written (e.g. "1Gi").' }),
    phase: t.exposeString('phase'),
    labels: t.field({ type: 'JSON', resolve: (c) => c.labels }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const isSeqCursor = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 2_147_483_647;

builder.node(ClusterRef, {
  id: { resolve: (c) => c.id },
  description: 'A serverless Kubernetes cluster: a control plane with no nodes.',
  loadOne: (id, ctx) => (ctx.account ? findCluster(ctx.svc, ctx.account.id, id) : null),
  fields: (t) => ({
    name: t.exposeString('name'),
    region: t.exposeString('region'),
    version: t.exposeString('version', { description: 'Kubernetes version served.' }),
    status: t.field({ type: ClusterStatusEnum, resolve: (c) => c.status as 'RUNNING' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastEventSequence: t.exposeInt('eventSeq', { description: 'Sequence of the newest event; pass it as `since` to podEvents to stream from now.' }),
    namespaces: t.field({
      type: [NamespaceRef],
      resolve: (c, _, ctx, info) => loaders(ctx, info).namespaces.load(c.id),
    }),
    workloads: t.connection({
      type: WorkloadRef,
      args: { namespace: t.arg.string(), kind: t.arg.string() },
      resolve: (c, args, ctx, info) =>
        cursorPage(args, (w: Workload) => encodeCursor([w.namespace, w.kind, w.name]), ({ after, before, limit, inverted }) =>
          loadPage(loaders(ctx, info).workloads, { parent: c.id, after: decodeCursor(after, isStringTuple(3)), before: decodeCursor(before, isStringTuple(3)), limit, inverted, filters: { namespace: args.namespace || null, kind: args.kind || null } }),
        ),
    }),
    pods: t.connection({
      type: PodRef,
      description: 'Pods ordered by namespace and name, optionally of one workload. One SQL query per page, whatever its size.',
      args: { namespace: t.arg.string(), workload: t.arg.id({ description: 'Only the pods of this workload (its id).' }) },
      resolve: (c, args, ctx, info) =>
        cursorPage(args, (p: PodView) => encodeCursor([p.namespace, p.name]), ({ after, before, limit, inverted }) =>
          loadPage(loaders(ctx, info).pods, {
            parent: c.id,
            after: decodeCursor(after, isStringTuple(2)),
            before: decodeCursor(before, isStringTuple(2)),
            limit,
            inverted,
            filters: { namespace: args.namespace || null },
            // pods of the workload or of the workloads it owns (a Deployment's belong to its ReplicaSets)
            workload: args.workload ? (parseId('Workload', String(args.workload)) ?? NO_WORKLOAD) : undefined,
          }),
        ),
    }),
    volumeClaims: t.connection({
      type: VolumeClaimRef,
      description: 'Volume claims by namespace and name.',
      args: { namespace: t.arg.string() },
      resolve: (c, args, ctx, info) =>
        cursorPage(args, (v: VolumeClaim) => encodeCursor([v.namespace, v.name]), ({ after, before, limit, inverted }) =>
          loadPage(loaders(ctx, info).volumeClaims, { parent: c.id, after: decodeCursor(after, isStringTuple(2)), before: decodeCursor(before, isStringTuple(2)), limit, inverted, filters: { namespace: args.namespace || null } }),
        ),
    }),
    events: t.connection({
      type: EventRef,
      description: 'The event log in sequence order (oldest first; use `last` for the newest).',
      resolve: (c, args, ctx, info) =>
        cursorPage(args, (e: Event) => encodeCursor(e.sequence), ({ after, before, limit, inverted }) => {
          const a = decodeCursor(after, isSeqCursor);
          const b = decodeCursor(before, isSeqCursor);
          return loadPage(loaders(ctx, info).events, { parent: c.id, after: a === undefined ? undefined : [a], before: b === undefined ? undefined : [b], limit, inverted });
        }),
    }),
  }),
});

builder.queryField('cluster', (t) =>
  t.field({
    type: ClusterRef,
    nullable: true,
    description: "One of your clusters by id; null when there is none (or it is another account's).",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => {
      const account = requireAccount(ctx);
      const uuid = parseId('Cluster', String(id));
      return uuid ? findCluster(ctx.svc, account.id, uuid) : null;
    },
  }),
);

builder.queryField('clusters', (t) =>
  t.connection({
    type: ClusterRef,
    description: 'Your clusters, by name.',
    resolve: (_, args, ctx) => {
      const account = requireAccount(ctx);
      return cursorPage(args, (c: Cluster) => encodeCursor(c.name), async ({ after, before, limit, inverted }) => {
        const a = decodeCursor(after, (v): v is string => typeof v === 'string');
        const b = decodeCursor(before, (v): v is string => typeof v === 'string');
        return ctx.svc.db.cluster.findMany({
          where: { accountId: account.id, name: { ...(a !== undefined ? { gt: a } : {}), ...(b !== undefined ? { lt: b } : {}) } },
          orderBy: { name: inverted ? 'desc' : 'asc' },
          take: limit,
        });
      });
    },
  }),
);

const CreateClusterInput = builder.inputType('CreateClusterInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'A DNS-1123 label, unique in your account.' }),
    region: t.string({ required: true, description: 'One of `regions { name }`.' }),
  }),
});

const CreateClusterPayload = builder.objectRef<Awaited<ReturnType<typeof createCluster>>>('CreateClusterPayload').implement({
  fields: (t) => ({
    cluster: t.field({ type: ClusterRef, nullable: true, resolve: (p) => p.cluster }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('createCluster', (t) =>
  t.field({
    type: CreateClusterPayload,
    description: 'Creates a cluster. It starts PROVISIONING and becomes RUNNING with a `default` namespace (watch it with `clusterStatus`).',
    args: { input: t.arg({ type: CreateClusterInput, required: true }) },
    resolve: (_, { input }, ctx) => createCluster(ctx.svc, requireAccount(ctx).id, input),
  }),
);
