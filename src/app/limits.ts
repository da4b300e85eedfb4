import { Prisma } from '../generated/prisma/client';
import type { UserError } from './errors';
import { LIMIT_VARIABLES, type Limits } from './services';
import { jsonBytes } from '../core/objectLimits';
import { formatFieldPath } from '../core/validation/errors';
import { resourceName } from '../core/names';

type Tx = Prisma.TransactionClient;

/**
 * Serialises limit checks for one scope (an account, a cluster) until the transaction ends. An
 * advisory lock, not a row lock, so it never joins the row locks controllers take (no deadlock).
 *
 * A transaction takes the scopes it needs in this order, never the reverse: `objects:<cluster>`
 * (apply, scale, autoscaler writes: object counts and desired pods), then workload rows, then
 * `admission:<cluster>/<namespace>` (ResourceQuota usage); the live-pods counter row (podRoom)
 * and the cluster's event-sequence row (appendEvents) come after all of them.
 */
export async function lockScope(tx: Tx, scope: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${scope}))`;
}

/** The advisory-lock scopes (see lockScope for their order). */
export const scopes = {
  /** Creating a cluster's objects (counts per cluster and namespace) and the desired-pods check. */
  objects: (clusterId: string) => `objects:${clusterId}`,
  imageCaches: (accountId: string) => `image-caches:${accountId}`,
  /** New custom-metric series. */
  metrics: (clusterId: string) => `metrics:${clusterId}`,
};

/**
 * A refusal over a limit, as Kubernetes words admission refusals:
 * `pods "web-x" is forbidden: exceeded the cluster's pod limit: 20000 (NODELESS_PODS_PER_CLUSTER)`.
 */
export function exceeded(limits: Limits, key: keyof Limits, object: string, what: string): string {
  return `${object} is forbidden: exceeded ${what}: ${limits[key]} (${LIMIT_VARIABLES[key]})`;
}

/**
 * The pods of a cluster that count against podsPerCluster: every pod that exists and has not
 * finished (Succeeded or Failed), Terminating ones included (their sandboxes still run), whatever
 * created it. One row read: a trigger on Pod keeps the count (ClusterPods) in every pod write's
 * transaction.
 */
export async function livePods(tx: Tx, clusterId: string): Promise<number> {
  const [r] = await tx.$queryRaw<{ live: number }[]>`SELECT "live" FROM "ClusterPods" WHERE "clusterId" = ${clusterId}::uuid`;
  return Number(r?.live ?? 0);
}

/**
 * How many more pods the cluster may have now. Locks the cluster's live-pods counter row until
 * the transaction ends (after any row or admission lock), so concurrent creators count each
 * other's pods: create them in the same transaction (the trigger adds them to the locked row).
 * O(1) whatever the cluster's size; the row is created on first use.
 */
export async function podRoom(tx: Tx, clusterId: string, limit: number): Promise<number> {
  const [r] = await tx.$queryRaw<{ live: number }[]>`
    INSERT INTO "ClusterPods" ("clusterId", "live") VALUES (${clusterId}::uuid, 0)
    ON CONFLICT ("clusterId") DO UPDATE SET "live" = "ClusterPods"."live" RETURNING "live"`;
  return Math.max(0, limit - Number(r.live));
}

export interface ReplicaChange {
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
}

/**
 * The first line of the pods-per-cluster limit, at apply and scale: the pods the cluster would
 * run if these workloads were set to these replica counts, counted against the limit. A workload
 * not changed counts the larger of the pods it asks for (replicas, a Job's parallelism, a
 * CronJob's job parallelism) and the pods it runs now (its ReplicaSets' or Jobs' live pods: a
 * CronJob with concurrencyPolicy Allow runs as many Jobs as overlap); a changed workload counts its
 * new count (a CronJob: at least the pods its Jobs run now); a bare or orphaned pod counts one
 * while it lives. Controllers enforce the limit itself when they create pods (podRoom). Call
 * inside a transaction after lockScope(scopes.objects(cluster)).
 */
/** The pods a top-level workload `t` asks for: a Job's (or a CronJob's Jobs') parallelism, else its replicas. */
const DESIRED_PODS = Prisma.sql`CASE t."kind" WHEN 'Job' THEN (t."spec"->>'parallelism')::int WHEN 'CronJob' THEN (t."spec"->'jobTemplate'->'spec'->>'parallelism')::int ELSE (t."spec"->>'replicas')::int END`;

export async function checkPodsPerCluster(tx: Tx, clusterId: string, limit: number, changes: ReplicaChange[], field: (i: number) => string[]): Promise<UserError | null> {
  // Fast path, two index reads and no pod scan: what every top-level workload asks for, plus
  // every live pod (the counter), plus the new counts bound the exact figure from above.
  const [bound] = await tx.$queryRaw<{ desired: number; live: number }[]>`
    SELECT coalesce((SELECT sum(${DESIRED_PODS}) FROM "Workload" t WHERE t."clusterId" = ${clusterId}::uuid AND t."ownerId" IS NULL), 0)::int AS "desired",
           coalesce((SELECT "live" FROM "ClusterPods" WHERE "clusterId" = ${clusterId}::uuid), 0)::int AS "live"`;
  if (Number(bound.desired) + Number(bound.live) + changes.reduce((n, c) => n + c.replicas, 0) <= limit) return null;
  const rows = await tx.$queryRaw<{ namespace: string; kind: string; name: string; replicas: number | null; live: number }[]>`
    WITH "live" AS (
      SELECT coalesce(w."ownerId", p."workloadId") AS "top", count(*)::int AS "n"
      FROM "Pod" p JOIN "Workload" w ON w."id" = p."workloadId"
      WHERE p."clusterId" = ${clusterId}::uuid AND p."phase" NOT IN ('Succeeded', 'Failed')
      GROUP BY 1
    )
    SELECT t."namespace", t."kind", t."name",
      ${DESIRED_PODS} AS "replicas",
      coalesce(l."n", 0) AS "live"
    FROM "Workload" t LEFT JOIN "live" l ON l."top" = t."id"
    WHERE t."clusterId" = ${clusterId}::uuid AND t."ownerId" IS NULL
    UNION ALL
    SELECT "namespace", 'Pod', "name", 1, 1 FROM "Pod"
    WHERE "clusterId" = ${clusterId}::uuid AND "workloadId" IS NULL AND "phase" NOT IN ('Succeeded', 'Failed')`;
  const key = (w: { namespace: string; kind: string; name: string }) => `${w.namespace}/${w.kind}/${w.name}`;
  const counted = new Map(rows.map((r) => [key(r), Math.max(Number(r.replicas ?? 0), Number(r.live))]));
  const live = new Map(rows.map((r) => [key(r), Number(r.live)]));
  // a changed CronJob keeps the Jobs it runs; other kinds scale their pods to the new count
  for (const c of changes) counted.set(key(c), c.kind === 'CronJob' ? Math.max(c.replicas, live.get(key(c)) ?? 0) : c.replicas);
  let total = 0;
  for (const v of counted.values()) total += v;
  if (total <= limit) return null;
  const worst = changes.reduce((best, c, i) => (c.replicas > changes[best].replicas ? i : best), 0);
  return { field: field(worst), code: 'LIMIT_EXCEEDED', message: `the cluster would run ${total} pods; a cluster may run at most ${limit} (NODELESS_PODS_PER_CLUSTER)` };
}

/** An object a request would create or update, for the object-count limits. */
export interface CountedObject {
  kind: string;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** Where the refusal is reported (its metadata.name). */
  field: string[];
}

/** Kinds counted per cluster (workload kinds are counted together: top-level ones). */
const PER_CLUSTER: Record<string, { key: keyof Limits; what: string }> = {
  Namespace: { key: 'namespacesPerCluster', what: "the cluster's namespace limit" },
  Workload: { key: 'workloadsPerCluster', what: "the cluster's workload limit" },
  HorizontalPodAutoscaler: { key: 'autoscalersPerCluster', what: "the cluster's autoscaler limit" },
  PriorityClass: { key: 'priorityClassesPerCluster', what: "the cluster's priority class limit" },
};
const PER_NAMESPACE: Record<string, { key: keyof Limits; what: string }> = {
  ResourceQuota: { key: 'resourceQuotasPerNamespace', what: "the namespace's ResourceQuota limit" },
  LimitRange: { key: 'limitRangesPerNamespace', what: "the namespace's LimitRange limit" },
};
/** Top-level workload kinds, counted together against the workload limit. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob']);

/** The stored names of one counted kind in a cluster (and namespace), and how many there are. */
async function stored(tx: Tx, clusterId: string, kind: string, namespace: string, names: string[]): Promise<{ count: number; existing: Set<string> }> {
  const pick = <T extends { name: string }>(rows: T[]) => new Set(rows.map((r) => r.name));
  switch (kind) {
    case 'Namespace':
      return { count: await tx.namespace.count({ where: { clusterId } }), existing: pick(await tx.namespace.findMany({ where: { clusterId, name: { in: names } }, select: { name: true } })) };
    case 'HorizontalPodAutoscaler':
      return { count: await tx.autoscaler.count({ where: { clusterId } }), existing: pick(await tx.autoscaler.findMany({ where: { clusterId, namespace, name: { in: names } }, select: { name: true } })) };
    case 'PriorityClass':
      return { count: await tx.priorityClass.count({ where: { clusterId } }), existing: pick(await tx.priorityClass.findMany({ where: { clusterId, name: { in: names } }, select: { name: true } })) };
    case 'ResourceQuota':
      return { count: await tx.resourceQuota.count({ where: { clusterId, namespace } }), existing: pick(await tx.resourceQuota.findMany({ where: { clusterId, namespace, name: { in: names } }, select: { name: true } })) };
    case 'LimitRange':
      return { count: await tx.limitRange.count({ where: { clusterId, namespace } }), existing: pick(await tx.limitRange.findMany({ where: { clusterId, namespace, name: { in: names } }, select: { name: true } })) };
    default:
      throw new Error(`not a counted kind: ${kind}`);
  }
}

/**
 * The object-count limits for what a request would write: namespaces, top-level workloads,
 * autoscalers and priority classes per cluster; ResourceQuotas and LimitRanges per namespace.
 * Objects that exist already are updates and count nothing new; one error per limit, at the
 * first new object past it. Call inside a transaction after lockScope(scopes.objects(cluster)).
 */
export async function checkObjectCounts(tx: Tx, clusterId: string, limits: Limits, objects: CountedObject[]): Promise<UserError[]> {
  const errors: UserError[] = [];
  const refuse = (o: CountedObject, rule: { key: keyof Limits; what: string }) =>
    errors.push({ field: o.field, code: 'LIMIT_EXCEEDED', message: exceeded(limits, rule.key, `${resourceName(o.kind, true)} "${o.name}"`, rule.what) });
  const check = (rule: { key: keyof Limits; what: string }, count: number, fresh: CountedObject[]) => {
    const room = Math.max(0, limits[rule.key] - count);
    if (fresh.length > room) refuse(fresh[room], rule);
  };

  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  if (workloads.length > 0) {
    const [count, existing] = await Promise.all([
      tx.workload.count({ where: { clusterId, ownerId: null } }),
      tx.workload.findMany({ where: { clusterId, ownerId: null, OR: workloads.map((w) => ({ namespace: w.namespace, kind: w.kind, name: w.name })) }, select: { namespace: true, kind: true, name: true } }),
    ]);
    const known = new Set(existing.map((w) => `${w.namespace}/${w.kind}/${w.name}`));
    check(PER_CLUSTER.Workload, count, workloads.filter((w) => !known.has(`${w.namespace}/${w.kind}/${w.name}`)));
  }
  for (const [kind, rule] of Object.entries(PER_CLUSTER)) {
    if (kind === 'Workload') continue;
    const mine = objects.filter((o) => o.kind === kind);
    if (mine.length === 0) continue;
    // autoscalers are namespaced: look their names up per namespace
    const groups = kind === 'HorizontalPodAutoscaler' ? groupBy(mine, (o) => o.namespace) : new Map([['', mine]]);
    let count = 0;
    const fresh: CountedObject[] = [];
    for (const [namespace, group] of groups) {
      const s = await stored(tx, clusterId, kind, namespace, group.map((o) => o.name));
      count = s.count;
      fresh.push(...group.filter((o) => !s.existing.has(o.name)));
    }
    check(rule, count, fresh);
  }
  for (const [kind, rule] of Object.entries(PER_NAMESPACE)) {
    for (const [namespace, group] of groupBy(objects.filter((o) => o.kind === kind), (o) => o.namespace)) {
      const s = await stored(tx, clusterId, kind, namespace, group.map((o) => o.name));
      check(rule, s.count, group.filter((o) => !s.existing.has(o.name)));
    }
  }
  return errors;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const group = out.get(k);
    if (group) group.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/**
 * One size limit for every field that takes a manifest (applyManifest, simulateAutoscaler) or a
 * template (priceQuote, measured as JSON): limits.manifestBytes, refused before parsing.
 */
export function checkManifestSize(value: unknown, field: string[], limits: Pick<Limits, 'manifestBytes'>): UserError | null {
  const size = typeof value === 'string' ? Buffer.byteLength(value) : jsonBytes(value);
  if (size <= limits.manifestBytes) return null;
  return { field, code: 'TOO_LARGE', message: `${formatFieldPath(field)}: Too long: ${size} bytes; at most ${limits.manifestBytes} bytes (NODELESS_MAX_MANIFEST_BYTES)` };
}
