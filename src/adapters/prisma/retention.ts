/**
 * The retention store: the oldest events of a cluster's log and their pruning (with the
 * cluster's pruned-through mark, in one transaction), finished pods the pod GC may delete, and
 * the pruning of scaling history. Every delete is bounded (`limit`): no statement holds locks
 * on an unbounded number of rows.
 */
import type { Db } from './client';
import type { Tx } from './objects';
import type { EventHead } from '../../core/retention';

/** The cluster's pruning state: the newest sequence handed out and what is pruned. */
export async function eventLogState(db: Tx, clusterId: string): Promise<{ eventSeq: number; prunedThrough: number } | null> {
  const c = await db.cluster.findUnique({ where: { id: clusterId }, select: { eventSeq: true, eventsPrunedThrough: true } });
  return c ? { eventSeq: c.eventSeq, prunedThrough: c.eventsPrunedThrough } : null;
}

/** The oldest `limit` events still kept (sequence > prunedThrough), in sequence order. */
export async function eventHead(db: Tx, clusterId: string, prunedThrough: number, limit: number): Promise<EventHead[]> {
  const rows = await db.event.findMany({ where: { clusterId, sequence: { gt: prunedThrough } }, orderBy: { sequence: 'asc' }, take: limit, select: { sequence: true, createdAt: true } });
  return rows.map((r) => ({ sequence: r.sequence, createdAtMs: r.createdAt.getTime() }));
}

/**
 * Deletes the cluster's events up to `cut` and moves its pruned-through mark there, in one
 * transaction: a reader sees both or neither (one whose read finds events gone also finds the
 * mark past them). The cluster's row, which every event append locks, is written last, so it is
 * held for one statement and the commit, not during the delete; a key-share lock taken first
 * (which appends do not wait for) keeps the order of locks the same as a cascade from the cluster.
 * Returns the events deleted.
 */
export async function pruneEventsThrough(db: Db, clusterId: string, cut: number): Promise<number> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Cluster" WHERE "id" = ${clusterId}::uuid FOR KEY SHARE`;
    const deleted = await tx.$executeRaw`DELETE FROM "Event" WHERE "clusterId" = ${clusterId}::uuid AND "sequence" <= ${cut}::int`;
    await tx.$executeRaw`UPDATE "Cluster" SET "eventsPrunedThrough" = GREATEST("eventsPrunedThrough", ${cut}::int) WHERE "id" = ${clusterId}::uuid`;
    return deleted;
  });
}

/** Finished pods of the cluster that are not being deleted (what the GC threshold counts). */
export async function finishedPodCount(db: Tx, clusterId: string): Promise<number> {
  return db.pod.count({ where: { clusterId, phase: { in: ['Succeeded', 'Failed'] }, deletionTimestamp: null } });
}

/**
 * Finished pods the GC may delete, oldest finished first: sandbox released, not being deleted,
 * every billed second settled in hourly buckets (no unsettled ledger row, and a settled one when
 * the pod started billing), and, for a Job's pod, the Job finished (a running Job counts its
 * finished pods: deleting one would have it run again).
 */
export async function collectablePods(db: Tx, clusterId: string, limit: number): Promise<{ id: string; resourceVersion: number }[]> {
  const rows = await db.$queryRaw<{ id: string; resourceVersion: number }[]>`
    SELECT p."id", p."resourceVersion" FROM "Pod" p
    LEFT JOIN "Workload" w ON w."id" = p."workloadId"
    WHERE p."clusterId" = ${clusterId}::uuid AND p."phase" IN ('Succeeded', 'Failed') AND p."deletionTimestamp" IS NULL
      AND p."finishedAt" IS NOT NULL AND p."sandboxId" IS NULL AND NOT p."allocated"
      AND NOT EXISTS (SELECT 1 FROM "BillablePod" b WHERE b."podUid" = p."uid" AND NOT b."settled")
      AND (p."billingFrom" IS NULL OR EXISTS (SELECT 1 FROM "BillablePod" b WHERE b."podUid" = p."uid" AND b."settled"))
      AND (w."id" IS NULL OR w."kind" <> 'Job'
           OR COALESCE(w."status"->'conditions', '[]'::jsonb) @> '[{"type":"Complete","status":"True"}]'::jsonb
           OR COALESCE(w."status"->'conditions', '[]'::jsonb) @> '[{"type":"Failed","status":"True"}]'::jsonb)
    ORDER BY p."finishedAt", p."id"
    LIMIT ${limit}::int`;
  return rows.map((r) => ({ id: r.id, resourceVersion: Number(r.resourceVersion) }));
}

/** Deletes up to `limit` of the cluster's scaling decisions recorded before `before`; returns how many. */
export async function pruneDecisionsBefore(db: Tx, clusterId: string, before: Date, limit: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "ScalingDecision" WHERE "id" IN (
      SELECT "id" FROM "ScalingDecision" WHERE "clusterId" = ${clusterId}::uuid AND "at" < ${before} ORDER BY "at" LIMIT ${limit}::int)`;
}

/** Deletes up to `limit` of the cluster's scaling decisions beyond the newest `keep` of each workload; returns how many. */
export async function pruneDecisionsBeyond(db: Tx, clusterId: string, keep: number, limit: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "ScalingDecision" WHERE "id" IN (
      SELECT "id" FROM (
        SELECT "id", row_number() OVER (PARTITION BY "workloadId" ORDER BY "at" DESC, "id" DESC) AS "rank"
        FROM "ScalingDecision" WHERE "clusterId" = ${clusterId}::uuid
      ) ranked WHERE "rank" > ${keep}::int LIMIT ${limit}::int)`;
}
