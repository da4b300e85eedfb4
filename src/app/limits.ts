import type { Prisma } from '../generated/prisma/client';
import type { UserError } from './errors';

type Tx = Prisma.TransactionClient;

/**
 * Serialises limit checks for one scope (an account, a cluster) until the transaction ends. An
 * advisory lock, not a row lock, so it never joins the row locks controllers take (no deadlock).
 */
export async function lockScope(tx: Tx, scope: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${scope}))`;
}

export interface ReplicaChange {
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
}

/**
 * The pods a cluster would ask for (sum of spec.replicas, a Job's parallelism, one per bare pod) if these workloads were set to these
 * replica counts, checked against the limit. Call inside a transaction after lockScope(cluster).
 */
export async function checkPodsPerCluster(tx: Tx, clusterId: string, limit: number, changes: ReplicaChange[], field: (i: number) => string[]): Promise<UserError | null> {
  // Top-level objects only (a ReplicaSet's pods are its Deployment's; a Job's of a CronJob, its CronJob's).
  const rows = await tx.$queryRaw<{ namespace: string; kind: string; name: string; replicas: number | null }[]>`
    SELECT "namespace", "kind", "name",
      CASE "kind" WHEN 'Job' THEN ("spec"->>'parallelism')::int WHEN 'CronJob' THEN ("spec"->'jobTemplate'->'spec'->>'parallelism')::int ELSE ("spec"->>'replicas')::int END AS "replicas"
    FROM "Workload" WHERE "clusterId" = ${clusterId}::uuid AND "ownerId" IS NULL
    UNION ALL
    SELECT "namespace", 'Pod', "name", 1 FROM "Pod" WHERE "clusterId" = ${clusterId}::uuid AND "workloadId" IS NULL AND "deletionTimestamp" IS NULL`;
  const key = (w: { namespace: string; kind: string; name: string }) => `${w.namespace}/${w.kind}/${w.name}`;
  const desired = new Map(rows.map((r) => [key(r), Number(r.replicas ?? 0)]));
  for (const c of changes) desired.set(key(c), c.replicas);
  let total = 0;
  for (const v of desired.values()) total += v;
  if (total <= limit) return null;
  const worst = changes.reduce((best, c, i) => (c.replicas > changes[best].replicas ? i : best), 0);
  return { field: field(worst), code: 'LIMIT_EXCEEDED', message: `the cluster would run ${total} pods; a cluster may run at most ${limit}` };
}
