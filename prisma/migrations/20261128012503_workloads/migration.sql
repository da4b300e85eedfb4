-- AlterTable
ALTER TABLE "Workload" ADD COLUMN     "ownerId" UUID;

-- AlterTable
ALTER TABLE "Pod" ADD COLUMN     "containerStatuses" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "finishedAt" TIMESTAMPTZ(3),
ADD COLUMN     "index" INTEGER,
ADD COLUMN     "nextCheckAt" TIMESTAMPTZ(3),
ADD COLUMN     "ready" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "readyAt" TIMESTAMPTZ(3),
ADD COLUMN     "restartCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "syncedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Event" ADD COLUMN     "eventType" TEXT NOT NULL DEFAULT 'Normal';

-- AlterTable
ALTER TABLE "SimSandbox" ADD COLUMN     "behaviour" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "VolumeClaim" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" UUID NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "storageClassName" TEXT NOT NULL,
    "accessModes" JSONB NOT NULL DEFAULT '[]',
    "storage" TEXT NOT NULL,
    "storageBytes" BIGINT NOT NULL,
    "phase" TEXT NOT NULL DEFAULT 'Bound',
    "workloadId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resourceVersion" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "VolumeClaim_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImageCache" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "image" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImageCache_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "VolumeClaim_workloadId_idx" ON "VolumeClaim"("workloadId");

-- CreateIndex
CREATE UNIQUE INDEX "VolumeClaim_clusterId_namespace_name_key" ON "VolumeClaim"("clusterId", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ImageCache_accountId_image_key" ON "ImageCache"("accountId", "image");

-- CreateIndex
CREATE INDEX "Workload_ownerId_idx" ON "Workload"("ownerId");

-- CreateIndex
CREATE INDEX "Pod_clusterId_nextCheckAt_idx" ON "Pod"("clusterId", "nextCheckAt");

-- AddForeignKey
ALTER TABLE "Workload" ADD CONSTRAINT "Workload_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Workload"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VolumeClaim" ADD CONSTRAINT "VolumeClaim_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImageCache" ADD CONSTRAINT "ImageCache_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
