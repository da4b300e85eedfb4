import { Prisma, type Autoscaler, Event, LimitRange, Namespace, PriorityClass, ResourceQuota, ScalingDecision, VolumeClaim, Workload } from '../../generated/prisma/client';
import { usageOfRows, type UsageRow } from '../../app/admission';
import type { QuotaUsage } from '../../core/admission/quota';
import type { Services } from '../../app/services';
import type { PodView } from '../schema/refs';
import { byKey, Loader } from './loader';
import { pageLoader, type PageTable } from './pages';

const byNsName = (table: string): PageTable => ({ table, parent: 'clusterId', order: [{ name: 'namespace' }, { name: 'name' }], dir: 'asc' });

/** The connections under a cluster (and a workload's scaling history), as their resolvers order them. */
export const PAGES = {
  workloads: { table: 'Workload', parent: 'clusterId', order: [{ name: 'namespace' }, { name: 'kind' }, { name: 'name' }], dir: 'asc' },
  pods: byNsName('Pod'),
  volumeClaims: byNsName('VolumeClaim'),
  autoscalers: byNsName('Autoscaler'),
  resourceQuotas: byNsName('ResourceQuota'),
  limitRanges: byNsName('LimitRange'),
  priorityClasses: { table: 'PriorityClass', parent: 'clusterId', order: [{ name: 'name' }], dir: 'asc' },
  events: { table: 'Event', parent: 'clusterId', order: [{ name: 'sequence', cast: 'int' }], dir: 'asc' },
  scalingHistory: { table: 'ScalingDecision', parent: 'workloadId', order: [{ name: 'at', cast: 'timestamptz' }, { name: 'id', cast: 'uuid' }], dir: 'desc' },
} satisfies Record<string, PageTable>;

/** Every loader of what a cluster holds; each query keeps to `accountId`'s clusters. */
export function clusterLoaders(db: Services['db'], accountId: string, primeWorkloads: (rows: Workload[]) => void = () => {}) {
  return {
    namespaces: new Loader<string, Namespace[]>(async (clusterIds) => {
      const rows = await db.namespace.findMany({ where: { clusterId: { in: [...clusterIds] }, cluster: { accountId } }, orderBy: [{ clusterId: 'asc' }, { name: 'asc' }] });
      return byKey(clusterIds, rows, (r) => r.clusterId, String, (f) => f ?? []);
    }),
    /** A namespace's quota usage (`status.used`): every namespace of the request with three statements. */
    namespaceUsage: new Loader<{ clusterId: string; namespace: string }, QuotaUsage>(
      async (keys) => {
        const pairs = Prisma.join(keys.map((k) => Prisma.sql`(${k.clusterId}::uuid, ${k.namespace})`));
        const or = keys.map((k) => ({ clusterId: k.clusterId, namespace: k.namespace }));
        const [pods, kinds, claims] = await Promise.all([
          db.$queryRaw<(UsageRow & { clusterId: string; namespace: string })[]>`
            SELECT p."clusterId"::text AS "clusterId", p."namespace", count(*) AS pods, sum(p."requestCpuMilli") AS rc, sum(p."requestMemoryBytes") AS rm, sum(p."limitCpuMilli") AS lc, sum(p."limitMemoryBytes") AS lm, sum(p."gpuMilli") AS g
            FROM "Pod" p JOIN "Cluster" c ON c."id" = p."clusterId"
            WHERE c."accountId" = ${accountId}::uuid AND (p."clusterId", p."namespace") IN (${pairs}) AND p."deletionTimestamp" IS NULL AND p."phase" NOT IN ('Succeeded', 'Failed')
            GROUP BY p."clusterId", p."namespace"`,
          db.workload.groupBy({ by: ['clusterId', 'namespace', 'kind'], where: { cluster: { accountId }, OR: or }, _count: { _all: true } }),
          db.volumeClaim.findMany({ where: { cluster: { accountId }, OR: or }, select: { clusterId: true, namespace: true, storage: true } }),
        ]);
        const nsKey = (r: { clusterId: string; namespace: string }) => `${r.clusterId}/${r.namespace}`;
        const podsOf = byKey(keys, pods, nsKey, nsKey, (f) => f?.[0]);
        const kindsOf = byKey(keys, kinds, nsKey, nsKey, (f) => (f ?? []).map((k) => ({ kind: k.kind, count: k._count._all })));
        const claimsOf = byKey(keys, claims, nsKey, nsKey, (f) => f ?? []);
        return keys.map((_, i) => usageOfRows(podsOf[i], kindsOf[i], claimsOf[i]));
      },
      { key: (k) => `${k.clusterId}/${k.namespace}` },
    ),
    workloads: pageLoader<Workload>(db, accountId, PAGES.workloads, (args) => db.workload.findMany(args), primeWorkloads),
    pods: pageLoader<PodView>(db, accountId, PAGES.pods, async (args) => (await db.pod.findMany({ ...args, omit: { spec: true, annotations: true } })) as unknown as PodView[]),
    volumeClaims: pageLoader<VolumeClaim>(db, accountId, PAGES.volumeClaims, (args) => db.volumeClaim.findMany(args)),
    autoscalers: pageLoader<Autoscaler>(db, accountId, PAGES.autoscalers, (args) => db.autoscaler.findMany(args)),
    resourceQuotas: pageLoader<ResourceQuota>(db, accountId, PAGES.resourceQuotas, (args) => db.resourceQuota.findMany(args)),
    limitRanges: pageLoader<LimitRange>(db, accountId, PAGES.limitRanges, (args) => db.limitRange.findMany(args)),
    priorityClasses: pageLoader<PriorityClass>(db, accountId, PAGES.priorityClasses, (args) => db.priorityClass.findMany(args)),
    events: pageLoader<Event>(db, accountId, PAGES.events, (args) => db.event.findMany(args)),
    scalingHistory: pageLoader<ScalingDecision>(db, accountId, PAGES.scalingHistory, (args) => db.scalingDecision.findMany(args)),
  };
}
