/**
 * The billing ledger (BillablePod): written by the pod loop in the same transaction as the pod
 * transition that revealed it, so a crash can neither lose nor double a billable period.
 */
import type { Pod } from '../../generated/prisma/client';
import type { Tx } from './objects';

/** The cluster a ledger row belongs to (copied: the ledger outlives pods and clusters). */
export interface LedgerCluster {
  id: string;
  accountId: string;
  name: string;
  region: string;
  currency: string;
}

export type LedgerPod = Pick<Pod, 'uid' | 'namespace' | 'name' | 'workloadId' | 'billedCpuMilli' | 'billedMemoryMi' | 'cpuType' | 'gpuModel' | 'gpuMilli' | 'spot'>;

/** A pod's billable period as the provider reported it (until null: still billing). */
export interface LedgerEntry {
  pod: LedgerPod;
  from: Date;
  until: Date | null;
}

/** The pod's ledger entry when its billing record appeared or ended in this write, else null. */
export function ledgerChange(before: Pick<Pod, 'billingFrom' | 'billingUntil'>, after: Pod): LedgerEntry | null {
  if (!after.billingFrom) return null;
  const opened = !before.billingFrom;
  const closed = !before.billingUntil && !!after.billingUntil;
  return opened || closed ? { pod: after, from: after.billingFrom, until: after.billingUntil ?? null } : null;
}

/**
 * Records billable periods (rows taken in uid order, as the meter locks them, so the two never
 * wait on each other in a cycle): a new pod gets its row (with its top-level workload: a ReplicaSet's
 * Deployment, a Job's CronJob), and an end is recorded once (the first `until` stays: the
 * provider's record is final). Idempotent, so a pass that is run again changes nothing.
 */
export async function recordBillable(tx: Tx, cluster: LedgerCluster, entries: LedgerEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const payload = JSON.stringify(
    entries.map((e) => ({
      podUid: e.pod.uid,
      namespace: e.pod.namespace,
      podName: e.pod.name,
      workloadId: e.pod.workloadId,
      cpuMilli: e.pod.billedCpuMilli,
      memoryMi: e.pod.billedMemoryMi,
      cpuType: e.pod.cpuType,
      gpuModel: e.pod.gpuModel,
      gpuMilli: e.pod.gpuMilli ?? 0,
      spot: e.pod.spot ?? false,
      from: e.from.toISOString(),
      until: e.until?.toISOString() ?? null,
    })),
  );
  return tx.$executeRawUnsafe(
    `INSERT INTO "BillablePod" ("podUid", "accountId", "clusterId", "clusterName", "region", "currency", "namespace", "podName", "workloadKind", "workloadName",
                                "cpuMilli", "memoryMi", "cpuType", "gpuModel", "gpuMilli", "spot", "from", "until")
     SELECT v."podUid", $2::uuid, $3::uuid, $4, $5, $6, v."namespace", v."podName",
            CASE WHEN w."id" IS NULL THEN NULL ELSE COALESCE(o."kind", w."kind") END, CASE WHEN w."id" IS NULL THEN NULL ELSE COALESCE(o."name", w."name") END,
            v."cpuMilli", v."memoryMi", v."cpuType", v."gpuModel", v."gpuMilli", v."spot", v."from", v."until"
     FROM jsonb_to_recordset($1::jsonb) AS v("podUid" uuid, "namespace" text, "podName" text, "workloadId" uuid, "cpuMilli" int, "memoryMi" int,
                                             "cpuType" text, "gpuModel" text, "gpuMilli" int, "spot" boolean, "from" timestamptz, "until" timestamptz)
     LEFT JOIN "Workload" w ON w."id" = v."workloadId"
     LEFT JOIN "Workload" o ON o."id" = w."ownerId"
     ORDER BY v."podUid"
     ON CONFLICT ("podUid") DO UPDATE SET "until" = COALESCE("BillablePod"."until", EXCLUDED."until")
     WHERE "BillablePod"."until" IS NULL AND EXCLUDED."until" IS NOT NULL`,
    payload,
    cluster.accountId,
    cluster.id,
    cluster.name,
    cluster.region,
    cluster.currency,
  );
}
