import type { Autoscaler, Workload } from '../../generated/prisma/client';
import type { Services } from '../../app/services';
import { isUuid } from '../../app/clusters';
import type { PodSampleRow, WorkloadPoint } from '../../adapters/prisma/metrics';
import { byKey, Loader } from './loader';
import { pageLoader, type PageTable } from './pages';

/** A workload named by its cluster, namespace, kind and name (an autoscaler's target). */
export interface WorkloadName {
  clusterId: string;
  namespace: string;
  kind: string;
  name: string;
}

interface AutoscalerName {
  clusterId: string;
  namespace: string;
  name: string;
}

const autoscalerKey = (k: AutoscalerName) => `${k.clusterId}/${k.namespace}/${k.name}`;
const nameKey = (k: WorkloadName) => `${k.clusterId}/${k.namespace}/${k.kind}/${k.name}`;

/** A workload's children: newest first, as `children` lists them. */
export const CHILDREN: PageTable = { table: 'Workload', parent: 'ownerId', order: [{ name: 'createdAt', cast: 'timestamptz' }, { name: 'name' }], dir: 'desc' };

/** Every loader of workloads, autoscalers and metrics; each query keeps to `accountId`'s clusters. */
export function workloadLoaders(db: Services['db'], accountId: string, now: number) {
  const inAccount = { cluster: { accountId } };
  /** A workload by id (an owner); every workload another loader reads is cached here too. */
  const workload = new Loader<string, Workload | null>(async (ids) => {
    const rows = await db.workload.findMany({ where: { id: { in: ids.filter(isUuid) }, ...inAccount } });
    return byKey(ids, rows, (r) => r.id, String, (f) => f?.[0] ?? null);
  });
  const primeWorkloads = (rows: readonly Workload[]) => rows.forEach((r) => workload.prime(r.id, r));
  return {
    workload,
    primeWorkloads,

    /** What a workload owns, newest first (at most `limit`). */
    children: pageLoader<Workload>(db, accountId, CHILDREN, (args) => db.workload.findMany(args), primeWorkloads),

    /** A workload by cluster, namespace, kind and name (null: none). */
    workloadByName: new Loader<WorkloadName, Workload | null>(
      async (keys) => {
        const rows = await db.workload.findMany({ where: { ...inAccount, OR: keys.map((k) => ({ clusterId: k.clusterId, namespace: k.namespace, kind: k.kind, name: k.name })) } });
        primeWorkloads(rows);
        return byKey(keys, rows, (r) => nameKey(r), nameKey, (f) => f?.[0] ?? null);
      },
      { key: nameKey },
    ),

    /** The autoscaler that targets a workload (the oldest, should there be several). */
    autoscalerOf: new Loader<WorkloadName, Autoscaler | null>(
      async (keys) => {
        const rows = await db.autoscaler.findMany({
          where: { ...inAccount, OR: keys.map((k) => ({ clusterId: k.clusterId, namespace: k.namespace, targetKind: k.kind, targetName: k.name })) },
          orderBy: [{ createdAt: 'asc' }, { name: 'asc' }],
        });
        return byKey(keys, rows, (r) => nameKey({ clusterId: r.clusterId, namespace: r.namespace, kind: r.targetKind, name: r.targetName }), nameKey, (f) => f?.[0] ?? null);
      },
      { key: nameKey },
    ),

    /** An autoscaler by cluster, namespace and name (null: none). */
    autoscalerByName: new Loader<AutoscalerName, Autoscaler | null>(
      async (keys) => {
        const rows = await db.autoscaler.findMany({ where: { ...inAccount, OR: keys.map((k) => ({ clusterId: k.clusterId, namespace: k.namespace, name: k.name })) } });
        return byKey(keys, rows, autoscalerKey, autoscalerKey, (f) => f?.[0] ?? null);
      },
      { key: autoscalerKey },
    ),

    /**
     * A workload's usage over the last `seconds` (of the request's one "now"): its own pods'
     * samples and those of the workloads it owns.
     */
    workloadSeries: new Loader<{ id: string; seconds: number }, WorkloadPoint[]>(
      async (keys) => {
        const bySeconds = new Map<number, string[]>();
        for (const k of keys) (bySeconds.get(k.seconds) ?? bySeconds.set(k.seconds, []).get(k.seconds)!).push(k.id);
        const out = new Map<string, WorkloadPoint[]>();
        await Promise.all(
          [...bySeconds].map(async ([seconds, ids]) => {
            const sinceMs = now - seconds * 1000;
            const rows = await db.$queryRaw<{ root: string; at: Date; pods: bigint; cpu: bigint; memory: bigint }[]>`
              SELECT s."root", s."at", count(*) AS "pods", sum(s."cpuMilli")::bigint AS "cpu", sum(s."memoryBytes")::bigint AS "memory"
              FROM (
                SELECT m."workloadId"::text AS "root", m."at", m."cpuMilli", m."memoryBytes"
                FROM "PodMetric" m JOIN "Cluster" c ON c."id" = m."clusterId"
                WHERE c."accountId" = ${accountId}::uuid AND m."workloadId" = ANY(${ids}::uuid[]) AND m."at" >= ${new Date(sinceMs)}
                UNION ALL
                SELECT w."ownerId"::text AS "root", m."at", m."cpuMilli", m."memoryBytes"
                FROM "PodMetric" m JOIN "Workload" w ON w."id" = m."workloadId" JOIN "Cluster" c ON c."id" = m."clusterId"
                WHERE c."accountId" = ${accountId}::uuid AND w."ownerId" = ANY(${ids}::uuid[]) AND m."at" >= ${new Date(sinceMs)}
              ) s
              GROUP BY s."root", s."at" ORDER BY s."root", s."at"`;
            for (const r of rows) {
              const point = { at: r.at, pods: Number(r.pods), cpuMilli: BigInt(r.cpu), memoryBytes: BigInt(r.memory) };
              const key = `${r.root}@${seconds}`;
              (out.get(key) ?? out.set(key, []).get(key)!).push(point);
            }
          }),
        );
        return keys.map((k) => out.get(`${k.id}@${k.seconds}`) ?? []);
      },
      { key: (k) => `${k.id}@${k.seconds}` },
    ),

    /** A pod's newest usage sample since `since`. */
    podSample: (since: Date) =>
      new Loader<string, PodSampleRow | undefined>(async (podIds) => {
        const rows = await db.$queryRaw<PodSampleRow[]>`
          SELECT DISTINCT ON (m."podId") m."id", m."clusterId", m."podId", m."workloadId", m."at", m."windowMs", m."cpuMilli", m."memoryBytes", m."containers", m."custom", m."source"
          FROM "PodMetric" m JOIN "Cluster" c ON c."id" = m."clusterId"
          WHERE c."accountId" = ${accountId}::uuid AND m."podId" = ANY(${podIds.filter(isUuid)}::uuid[]) AND m."at" >= ${since}
          ORDER BY m."podId", m."at" DESC, (m."source" = 'reported') DESC`;
        return byKey(podIds, rows, (r) => r.podId, String, (f) => (f ? { ...f[0], memoryBytes: BigInt(f[0].memoryBytes) } : undefined));
      }),
  };
}
