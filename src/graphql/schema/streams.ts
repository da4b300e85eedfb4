import type { Cluster } from '../../generated/prisma/client';
import type { EventRecord } from '../../adapters/prisma/objects';
import { builder, parseId, requireAccount } from '../builder';
import { ClusterRef, PodRef, podViewFromSnapshot } from './refs';
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
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.createdAt) }),
    pod: t.field({ type: PodRef, description: 'The pod after the change (before deletion for DELETED).', resolve: (e) => podViewFromSnapshot(e.object) }),
  }),
});

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
