/**
 * The fleet's hosts in the store: synchronised from the fleet file, read as scheduler
 * snapshots. Host usage (used*) is maintained by the database itself (triggers on Pod, see the
 * scheduling migration): it changes in the same transaction as the pod write that binds,
 * finishes or deletes a pod, so it is exact whatever the path and whoever crashes.
 */
import type { Db } from './client';
import type { Tx } from './objects';
import { expandFleet, type Fleet } from '../../core/fleet';
import type { CapacityPool, CpuType, GpuModel, HostInfo, Taint } from '../../core/scheduler/types';

export interface HostRow {
  id: string;
  region: string;
  zone: string;
  hostGroup: string;
  cpuType: string;
  pool: string;
  gpuModel: string | null;
  gpuSliceMilli: number;
  labels: unknown;
  taints: unknown;
  allocCpuMilli: number;
  allocMemoryMi: number;
  allocGpuMilli: number;
  allocPods: number;
  usedCpuMilli: number;
  usedMemoryMi: number;
  usedGpuMilli: number;
  usedPods: number;
  schedulable: boolean;
  reclaimedAt: Date | null;
  inFleet: boolean;
}

/**
 * Makes the Host table match the fleet (new hosts added, allocatable and labels updated, hosts
 * no longer in the file marked out of the fleet and unschedulable; usage is never touched).
 * Skipped when the table was last synchronised from the same file content.
 */
export async function syncHosts(db: Db, fleet: Fleet, hash: string, now: Date): Promise<boolean> {
  const state = await db.fleetState.findUnique({ where: { id: 1 } });
  if (state?.hash === hash) return false;
  const hosts = expandFleet(fleet).map((h) => ({
    id: h.id,
    region: h.region,
    zone: h.zone,
    hostGroup: h.hostGroup,
    cpuType: h.cpuType,
    pool: h.pool,
    gpuModel: h.gpuModel,
    gpuSliceMilli: h.gpuSliceMilli,
    labels: h.labels,
    taints: h.taints,
    allocCpuMilli: h.allocatable.cpuMilli,
    allocMemoryMi: h.allocatable.memoryMi,
    allocGpuMilli: h.allocatable.gpuMilli,
    allocPods: h.allocatable.pods,
  }));
  await db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('nodeless-fleet-sync'))`;
      const again = await tx.fleetState.findUnique({ where: { id: 1 } });
      if (again?.hash === hash) return;
      await tx.$executeRawUnsafe(
        `INSERT INTO "Host" ("id","region","zone","hostGroup","cpuType","pool","gpuModel","gpuSliceMilli","labels","taints","allocCpuMilli","allocMemoryMi","allocGpuMilli","allocPods","inFleet","schedulable")
         SELECT v.*, true, true FROM jsonb_to_recordset($1::jsonb) AS v("id" text, "region" text, "zone" text, "hostGroup" text, "cpuType" text, "pool" text, "gpuModel" text, "gpuSliceMilli" int, "labels" jsonb, "taints" jsonb, "allocCpuMilli" int, "allocMemoryMi" int, "allocGpuMilli" int, "allocPods" int)
         ON CONFLICT ("id") DO UPDATE SET "region" = EXCLUDED."region", "zone" = EXCLUDED."zone", "hostGroup" = EXCLUDED."hostGroup", "cpuType" = EXCLUDED."cpuType", "pool" = EXCLUDED."pool",
           "gpuModel" = EXCLUDED."gpuModel", "gpuSliceMilli" = EXCLUDED."gpuSliceMilli", "labels" = EXCLUDED."labels", "taints" = EXCLUDED."taints", "allocCpuMilli" = EXCLUDED."allocCpuMilli",
           "allocMemoryMi" = EXCLUDED."allocMemoryMi", "allocGpuMilli" = EXCLUDED."allocGpuMilli", "allocPods" = EXCLUDED."allocPods", "inFleet" = true, "schedulable" = "Host"."reclaimedAt" IS NULL`,
        JSON.stringify(hosts),
      );
      await tx.$executeRawUnsafe(`UPDATE "Host" SET "inFleet" = false, "schedulable" = false WHERE NOT ("id" = ANY($1::text[]))`, hosts.map((h) => h.id));
      await tx.fleetState.upsert({ where: { id: 1 }, create: { id: 1, hash, syncedAt: now }, update: { hash, syncedAt: now } });
    },
    { timeout: 60_000 },
  );
  return true;
}

/** A host row as the scheduler sees it (without this cluster's pods, which the caller adds). */
export function hostInfo(r: HostRow): HostInfo {
  return {
    id: r.id,
    region: r.region,
    zone: r.zone,
    labels: (r.labels ?? {}) as Record<string, string>,
    taints: (r.taints ?? []) as Taint[],
    pool: r.pool as CapacityPool,
    cpuType: r.cpuType as CpuType,
    gpuModel: (r.gpuModel as GpuModel | null) ?? null,
    gpuSliceMilli: r.gpuSliceMilli,
    schedulable: r.schedulable,
    allocatable: { cpuMilli: r.allocCpuMilli, memoryMi: r.allocMemoryMi, gpuMilli: r.allocGpuMilli, pods: r.allocPods },
    requested: { cpuMilli: r.usedCpuMilli, memoryMi: r.usedMemoryMi, gpuMilli: r.usedGpuMilli, pods: r.usedPods },
    pods: [],
  };
}

/** Every host of a region that is still in the fleet, in id order. */
export async function regionHosts(db: Tx, region: string): Promise<HostRow[]> {
  return (await db.host.findMany({ where: { region, inFleet: true }, orderBy: { id: 'asc' } })) as HostRow[];
}

/**
 * Locks these hosts (id order) and returns their rows: the bind transaction checks the pods it
 * is about to bind against fresh usage under the lock, so two schedulers never over-commit.
 */
export async function lockHosts(tx: Tx, ids: string[]): Promise<HostRow[]> {
  if (ids.length === 0) return [];
  return tx.$queryRawUnsafe<HostRow[]>(`SELECT * FROM "Host" WHERE "id" = ANY($1::text[]) ORDER BY "id" FOR UPDATE`, ids);
}
