-- CreateTable
CREATE TABLE "Autoscaler" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" UUID NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "annotations" JSONB NOT NULL DEFAULT '{}',
    "spec" JSONB NOT NULL,
    "status" JSONB NOT NULL DEFAULT '{}',
    "memory" JSONB NOT NULL DEFAULT '{}',
    "targetKind" TEXT NOT NULL,
    "targetName" TEXT NOT NULL,
    "metricKeys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "generation" INTEGER NOT NULL DEFAULT 1,
    "observedGeneration" INTEGER NOT NULL DEFAULT 0,
    "resourceVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Autoscaler_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScalingDecision" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "autoscalerId" UUID,
    "workloadId" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "autoscalerName" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "fromReplicas" INTEGER NOT NULL,
    "toReplicas" INTEGER NOT NULL,
    "proposed" INTEGER NOT NULL,
    "metrics" JSONB NOT NULL,
    "reason" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "limitedBy" TEXT,

    CONSTRAINT "ScalingDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkloadLoad" (
    "workloadId" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "spec" JSONB NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkloadLoad_pkey" PRIMARY KEY ("workloadId")
);

-- CreateTable
CREATE TABLE "PodMetric" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "podId" UUID NOT NULL,
    "workloadId" UUID,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "windowMs" INTEGER NOT NULL,
    "cpuMilli" INTEGER NOT NULL,
    "memoryBytes" BIGINT NOT NULL,
    "containers" JSONB NOT NULL DEFAULT '[]',
    "custom" JSONB NOT NULL DEFAULT '{}',
    "source" TEXT NOT NULL DEFAULT 'simulated',

    CONSTRAINT "PodMetric_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomMetric" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "object" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL,
    "value" BIGINT NOT NULL,

    CONSTRAINT "CustomMetric_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Autoscaler_clusterId_namespace_targetKind_targetName_idx" ON "Autoscaler"("clusterId", "namespace", "targetKind", "targetName");

-- CreateIndex
CREATE INDEX "Autoscaler_metricKeys_idx" ON "Autoscaler" USING GIN ("metricKeys");

-- CreateIndex
CREATE UNIQUE INDEX "Autoscaler_clusterId_namespace_name_key" ON "Autoscaler"("clusterId", "namespace", "name");

-- CreateIndex
CREATE INDEX "ScalingDecision_workloadId_at_id_idx" ON "ScalingDecision"("workloadId", "at", "id");

-- CreateIndex
CREATE INDEX "ScalingDecision_clusterId_at_idx" ON "ScalingDecision"("clusterId", "at");

-- CreateIndex
CREATE INDEX "WorkloadLoad_clusterId_idx" ON "WorkloadLoad"("clusterId");

-- CreateIndex
CREATE INDEX "PodMetric_podId_at_idx" ON "PodMetric"("podId", "at");

-- CreateIndex
CREATE INDEX "PodMetric_workloadId_at_idx" ON "PodMetric"("workloadId", "at");

-- CreateIndex
CREATE INDEX "PodMetric_clusterId_at_idx" ON "PodMetric"("clusterId", "at");

-- CreateIndex
CREATE INDEX "CustomMetric_clusterId_namespace_source_name_at_idx" ON "CustomMetric"("clusterId", "namespace", "source", "name", "at");

-- CreateIndex
CREATE INDEX "CustomMetric_clusterId_at_idx" ON "CustomMetric"("clusterId", "at");

-- CreateIndex
CREATE INDEX "CustomMetric_labels_idx" ON "CustomMetric" USING GIN ("labels" jsonb_path_ops);

-- AddForeignKey
ALTER TABLE "Autoscaler" ADD CONSTRAINT "Autoscaler_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScalingDecision" ADD CONSTRAINT "ScalingDecision_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScalingDecision" ADD CONSTRAINT "ScalingDecision_autoscalerId_fkey" FOREIGN KEY ("autoscalerId") REFERENCES "Autoscaler"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScalingDecision" ADD CONSTRAINT "ScalingDecision_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkloadLoad" ADD CONSTRAINT "WorkloadLoad_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PodMetric" ADD CONSTRAINT "PodMetric_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomMetric" ADD CONSTRAINT "CustomMetric_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
