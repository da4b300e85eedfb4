-- AlterTable
ALTER TABLE "Pod" ADD COLUMN     "allocated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "cpuType" TEXT,
ADD COLUMN     "gpuMilli" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "gpuModel" TEXT,
ADD COLUMN     "limitCpuMilli" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "limitMemoryBytes" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "nextScheduleAt" TIMESTAMPTZ(3),
ADD COLUMN     "nominatedHost" TEXT,
ADD COLUMN     "preemptionPolicy" TEXT NOT NULL DEFAULT 'PreemptLowerPriority',
ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "requestCpuMilli" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "requestMemoryBytes" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "schedulingAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "spot" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "zone" TEXT NOT NULL,
    "hostGroup" TEXT NOT NULL,
    "cpuType" TEXT NOT NULL,
    "pool" TEXT NOT NULL,
    "gpuModel" TEXT,
    "gpuSliceMilli" INTEGER NOT NULL DEFAULT 0,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "taints" JSONB NOT NULL DEFAULT '[]',
    "allocCpuMilli" INTEGER NOT NULL,
    "allocMemoryMi" INTEGER NOT NULL,
    "allocGpuMilli" INTEGER NOT NULL DEFAULT 0,
    "allocPods" INTEGER NOT NULL,
    "usedCpuMilli" INTEGER NOT NULL DEFAULT 0,
    "usedMemoryMi" INTEGER NOT NULL DEFAULT 0,
    "usedGpuMilli" INTEGER NOT NULL DEFAULT 0,
    "usedPods" INTEGER NOT NULL DEFAULT 0,
    "schedulable" BOOLEAN NOT NULL DEFAULT true,
    "reclaimedAt" TIMESTAMPTZ(3),
    "inFleet" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FleetState" (
    "id" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "FleetState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResourceQuota" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" UUID NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "annotations" JSONB NOT NULL DEFAULT '{}',
    "hard" JSONB NOT NULL,
    "resourceVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ResourceQuota_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LimitRange" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" UUID NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "annotations" JSONB NOT NULL DEFAULT '{}',
    "spec" JSONB NOT NULL,
    "resourceVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LimitRange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PriorityClass" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "uid" UUID NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "value" INTEGER NOT NULL,
    "globalDefault" BOOLEAN NOT NULL DEFAULT false,
    "preemptionPolicy" TEXT NOT NULL DEFAULT 'PreemptLowerPriority',
    "description" TEXT NOT NULL DEFAULT '',
    "resourceVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PriorityClass_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Host_region_zone_idx" ON "Host"("region", "zone");

-- CreateIndex
CREATE UNIQUE INDEX "ResourceQuota_clusterId_namespace_name_key" ON "ResourceQuota"("clusterId", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "LimitRange_clusterId_namespace_name_key" ON "LimitRange"("clusterId", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "PriorityClass_clusterId_name_key" ON "PriorityClass"("clusterId", "name");

-- CreateIndex
CREATE INDEX "Cluster_accountId_region_idx" ON "Cluster"("accountId", "region");

-- CreateIndex
CREATE INDEX "Pod_hostId_idx" ON "Pod"("hostId");

-- AddForeignKey
ALTER TABLE "ResourceQuota" ADD CONSTRAINT "ResourceQuota_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LimitRange" ADD CONSTRAINT "LimitRange_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PriorityClass" ADD CONSTRAINT "PriorityClass_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Host usage follows the pods that hold capacity (Pod.allocated on Pod.hostId), in the same
-- transaction as the pod write, whatever the path (bind, finish, delete, cluster cascade).
-- One statement-level trigger per operation aggregates the change per host and applies it in
-- host id order, so concurrent writers lock hosts in the same order and never deadlock on them.
CREATE FUNCTION nodeless_host_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR r IN SELECT "hostId" AS h, sum("billedCpuMilli")::int AS cpu, sum("billedMemoryMi")::int AS mem, sum("gpuMilli")::int AS gpu, count(*)::int AS pods
             FROM new_rows WHERE "allocated" AND "hostId" IS NOT NULL GROUP BY "hostId" ORDER BY "hostId" LOOP
      UPDATE "Host" SET "usedCpuMilli" = "usedCpuMilli" + r.cpu, "usedMemoryMi" = "usedMemoryMi" + r.mem, "usedGpuMilli" = "usedGpuMilli" + r.gpu, "usedPods" = "usedPods" + r.pods WHERE "id" = r.h;
    END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR r IN SELECT "hostId" AS h, sum("billedCpuMilli")::int AS cpu, sum("billedMemoryMi")::int AS mem, sum("gpuMilli")::int AS gpu, count(*)::int AS pods
             FROM old_rows WHERE "allocated" AND "hostId" IS NOT NULL GROUP BY "hostId" ORDER BY "hostId" LOOP
      UPDATE "Host" SET "usedCpuMilli" = "usedCpuMilli" - r.cpu, "usedMemoryMi" = "usedMemoryMi" - r.mem, "usedGpuMilli" = "usedGpuMilli" - r.gpu, "usedPods" = "usedPods" - r.pods WHERE "id" = r.h;
    END LOOP;
  ELSE
    FOR r IN SELECT h, sum(cpu)::int AS cpu, sum(mem)::int AS mem, sum(gpu)::int AS gpu, sum(pods)::int AS pods FROM (
               SELECT "hostId" AS h, "billedCpuMilli" AS cpu, "billedMemoryMi" AS mem, "gpuMilli" AS gpu, 1 AS pods FROM new_rows WHERE "allocated" AND "hostId" IS NOT NULL
               UNION ALL
               SELECT "hostId", -"billedCpuMilli", -"billedMemoryMi", -"gpuMilli", -1 FROM old_rows WHERE "allocated" AND "hostId" IS NOT NULL
             ) d GROUP BY h HAVING sum(cpu) <> 0 OR sum(mem) <> 0 OR sum(gpu) <> 0 OR sum(pods) <> 0 ORDER BY h LOOP
      UPDATE "Host" SET "usedCpuMilli" = "usedCpuMilli" + r.cpu, "usedMemoryMi" = "usedMemoryMi" + r.mem, "usedGpuMilli" = "usedGpuMilli" + r.gpu, "usedPods" = "usedPods" + r.pods WHERE "id" = r.h;
    END LOOP;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Pod_host_usage_insert" AFTER INSERT ON "Pod" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nodeless_host_usage();
CREATE TRIGGER "Pod_host_usage_update" AFTER UPDATE ON "Pod" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nodeless_host_usage();
CREATE TRIGGER "Pod_host_usage_delete" AFTER DELETE ON "Pod" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION nodeless_host_usage();
