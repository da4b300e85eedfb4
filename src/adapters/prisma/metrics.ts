/**
 * The metrics store: pod usage samples (metrics.k8s.io) and custom/external metric samples
 * (custom.metrics.k8s.io, external.metrics.k8s.io), kept as short series and pruned.
 */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from './client';
import { insertRows } from './objects';

type Tx = Db | Prisma.TransactionClient;

export interface ContainerUsage {
  name: string;
  cpuMilli: number;
  memoryBytes: string;
}

export interface PodSampleRow {
  id: string;
  clusterId: string;
  podId: string;
  workloadId: string | null;
  at: Date;
  windowMs: number;
  cpuMilli: number;
  memoryBytes: bigint;
  containers: ContainerUsage[];
  /** name → milli-value (as a decimal string). */
  custom: Record<string, string>;
  source: 'simulated' | 'reported';
}

const POD_METRIC_COLUMNS: Record<string, string> = { id: 'uuid', clusterId: 'uuid', podId: 'uuid', workloadId: 'uuid', at: 'timestamptz', windowMs: 'int', cpuMilli: 'int', memoryBytes: 'bigint', containers: 'jsonb', custom: 'jsonb', source: 'text' };

/** One statement for any number of samples (insertRows: a single jsonb parameter). */
export async function insertPodSamples(db: Tx, rows: PodSampleRow[]): Promise<void> {
  await insertRows(db, 'PodMetric', POD_METRIC_COLUMNS, rows.map((r) => ({ ...r, at: r.at.toISOString(), memoryBytes: r.memoryBytes.toString() })));
}

/** The newest sample of each pod taken at or after `since`. */
export async function latestPodSamples(db: Tx, podIds: string[], since: Date): Promise<Map<string, PodSampleRow>> {
  const out = new Map<string, PodSampleRow>();
  if (podIds.length === 0) return out;
  const rows = await db.$queryRaw<PodSampleRow[]>`
    SELECT DISTINCT ON ("podId") "id", "clusterId", "podId", "workloadId", "at", "windowMs", "cpuMilli", "memoryBytes", "containers", "custom", "source"
    FROM "PodMetric" WHERE "podId" = ANY(${podIds}::uuid[]) AND "at" >= ${since}
    ORDER BY "podId", "at" DESC, ("source" = 'reported') DESC`;
  for (const r of rows) out.set(r.podId, { ...r, memoryBytes: BigInt(r.memoryBytes) });
  return out;
}

/** Pods (of these) that had a sample reported (reportPodMetrics) at or after `since`. */
export async function podsWithReports(db: Tx, podIds: string[], since: Date): Promise<Set<string>> {
  if (podIds.length === 0) return new Set();
  const rows = await db.podMetric.findMany({ where: { podId: { in: podIds }, source: 'reported', at: { gte: since } }, select: { podId: true }, distinct: ['podId'] });
  return new Set(rows.map((r) => r.podId));
}

export interface WorkloadPoint {
  at: Date;
  pods: number;
  cpuMilli: bigint;
  memoryBytes: bigint;
}

export interface CustomSampleRow {
  id: string;
  clusterId: string;
  namespace: string;
  source: 'External' | 'Object';
  object: string;
  name: string;
  labels: Record<string, string>;
  at: Date;
  value: bigint;
}

export async function insertCustomSamples(db: Tx, rows: CustomSampleRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.customMetric.createMany({ data: rows });
}

/**
 * The newest sample of every series (distinct label set) of one metric, taken at or after
 * `since`, whose labels include `matchLabels` (found through the labels' GIN index: one series
 * among thousands of the same metric costs a lookup, not a scan).
 */
export async function latestCustomSamples(db: Tx, q: { clusterId: string; namespace: string; source: 'External' | 'Object'; name: string; object: string; since: Date; matchLabels?: Record<string, string> }): Promise<CustomSampleRow[]> {
  const contains = JSON.stringify(q.matchLabels ?? {});
  const rows = await db.$queryRaw<CustomSampleRow[]>`
    SELECT DISTINCT ON ("labels") "id", "clusterId", "namespace", "source", "object", "name", "labels", "at", "value"
    FROM "CustomMetric"
    WHERE "clusterId" = ${q.clusterId}::uuid AND "namespace" = ${q.namespace} AND "source" = ${q.source} AND "name" = ${q.name} AND "object" = ${q.object} AND "at" >= ${q.since}
      AND "labels" @> ${contains}::jsonb
    ORDER BY "labels", "at" DESC`;
  return rows.map((r) => ({ ...r, value: BigInt(r.value) }));
}

/** Drops the cluster's samples older than `before`. */
export async function pruneSamples(db: Tx, clusterId: string, before: Date): Promise<void> {
  await db.podMetric.deleteMany({ where: { clusterId, at: { lt: before } } });
  await db.customMetric.deleteMany({ where: { clusterId, at: { lt: before } } });
}

/**
 * Whether this External or Object series (namespace, object, name and exact labels) has a sample
 * at or after `since` (index on clusterId, namespace, source, name, at).
 */
export async function customSeriesExists(db: Tx, q: { clusterId: string; namespace: string; source: 'External' | 'Object'; name: string; object: string; labels: Record<string, string>; since: Date }): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    SELECT 1 FROM "CustomMetric"
    WHERE "clusterId" = ${q.clusterId}::uuid AND "namespace" = ${q.namespace} AND "source" = ${q.source} AND "name" = ${q.name} AND "object" = ${q.object} AND "at" >= ${q.since}
      AND "labels" = ${JSON.stringify(q.labels)}::jsonb
    LIMIT 1`;
  return rows.length > 0;
}

/** The reported per-pod (Pods-type) series of these pods with a sample at or after `since`, as `<podId>/<metric name>`. */
export async function reportedPodSeries(db: Tx, podIds: string[], since: Date): Promise<Set<string>> {
  if (podIds.length === 0) return new Set();
  const rows = await db.$queryRaw<{ podId: string; name: string }[]>`
    SELECT DISTINCT m."podId", k AS "name" FROM "PodMetric" m, jsonb_object_keys(m."custom") k
    WHERE m."podId" = ANY(${podIds}::uuid[]) AND m."source" = 'reported' AND m."at" >= ${since}`;
  return new Set(rows.map((r) => `${r.podId}/${r.name}`));
}

/**
 * The distinct custom-metric series of a cluster with a sample at or after `since`: External and
 * Object series (namespace, described object, name, labels) and reported per-pod metrics (pod, name).
 */
export async function countMetricSeries(db: Tx, clusterId: string, since: Date): Promise<number> {
  const [r] = await db.$queryRaw<{ n: number }[]>`
    SELECT (SELECT count(*) FROM (SELECT DISTINCT "namespace", "source", "object", "name", "labels" FROM "CustomMetric" WHERE "clusterId" = ${clusterId}::uuid AND "at" >= ${since}) s)::int
         + (SELECT count(*) FROM (SELECT DISTINCT m."podId", k FROM "PodMetric" m, jsonb_object_keys(m."custom") k WHERE m."clusterId" = ${clusterId}::uuid AND m."source" = 'reported' AND m."at" >= ${since}) t)::int AS "n"`;
  return Number(r.n);
}
