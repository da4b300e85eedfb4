-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "invoiceSeq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Pod" ADD COLUMN     "billingFrom" TIMESTAMPTZ(3),
ADD COLUMN     "billingUntil" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Event" ADD COLUMN     "eventTime" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "BillablePod" (
    "podUid" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "clusterName" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "podName" TEXT NOT NULL,
    "workloadKind" TEXT,
    "workloadName" TEXT,
    "cpuMilli" INTEGER NOT NULL,
    "memoryMi" INTEGER NOT NULL,
    "cpuType" TEXT,
    "gpuModel" TEXT,
    "gpuMilli" INTEGER NOT NULL DEFAULT 0,
    "spot" BOOLEAN NOT NULL DEFAULT false,
    "from" TIMESTAMPTZ(3) NOT NULL,
    "until" TIMESTAMPTZ(3),
    "meteredUntil" TIMESTAMPTZ(3),
    "settled" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "BillablePod_pkey" PRIMARY KEY ("podUid")
);

-- CreateTable
CREATE TABLE "UsageRecord" (
    "podUid" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "currency" TEXT NOT NULL,
    "seconds" INTEGER NOT NULL,
    "costNano" BIGINT NOT NULL,
    "invoicedSeconds" INTEGER NOT NULL DEFAULT 0,
    "late" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "UsageRecord_pkey" PRIMARY KEY ("podUid","hour")
);

-- CreateTable
CREATE TABLE "ClusterCost" (
    "clusterId" UUID NOT NULL,
    "month" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "currency" TEXT NOT NULL,
    "costNano" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClusterCost_pkey" PRIMARY KEY ("clusterId","month")
);

-- CreateTable
CREATE TABLE "PriceVersion" (
    "id" UUID NOT NULL,
    "region" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "effectiveFrom" TIMESTAMPTZ(3) NOT NULL,
    "items" JSONB NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PriceVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Invoice" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "month" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'DRAFT',
    "number" INTEGER,
    "totalMicro" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finalizedAt" TIMESTAMPTZ(3),
    "paidAt" TIMESTAMPTZ(3),
    "voidedAt" TIMESTAMPTZ(3),
    "voidReason" TEXT,

    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InvoiceLine" (
    "invoiceId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "clusterId" UUID NOT NULL,
    "clusterName" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "workloadKind" TEXT,
    "workloadName" TEXT,
    "resource" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "spot" BOOLEAN NOT NULL,
    "quantity" BIGINT NOT NULL,
    "unitPriceNano" INTEGER NOT NULL,
    "rateBp" INTEGER NOT NULL,
    "amountMicro" BIGINT NOT NULL,
    "adjustmentFor" TEXT,

    CONSTRAINT "InvoiceLine_pkey" PRIMARY KEY ("invoiceId","position")
);

-- CreateTable
CREATE TABLE "Budget" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "clusterId" UUID,
    "amountMicro" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "alertedPercent" INTEGER NOT NULL DEFAULT 0,
    "alertedPeriod" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Budget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BudgetAlert" (
    "id" UUID NOT NULL,
    "budgetId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "threshold" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "spentNano" BIGINT NOT NULL,
    "budgetMicro" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BudgetAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BillablePod_clusterId_settled_meteredUntil_idx" ON "BillablePod"("clusterId", "settled", "meteredUntil");

-- CreateIndex
CREATE INDEX "BillablePod_accountId_from_idx" ON "BillablePod"("accountId", "from");

-- CreateIndex
CREATE INDEX "UsageRecord_accountId_currency_hour_idx" ON "UsageRecord"("accountId", "currency", "hour");

-- CreateIndex
CREATE INDEX "UsageRecord_clusterId_hour_idx" ON "UsageRecord"("clusterId", "hour");

-- CreateIndex
CREATE INDEX "UsageRecord_accountId_late_idx" ON "UsageRecord"("accountId", "late");

-- CreateIndex
CREATE INDEX "ClusterCost_accountId_month_idx" ON "ClusterCost"("accountId", "month");

-- CreateIndex
CREATE UNIQUE INDEX "PriceVersion_region_effectiveFrom_key" ON "PriceVersion"("region", "effectiveFrom");

-- CreateIndex
CREATE INDEX "Invoice_status_month_idx" ON "Invoice"("status", "month");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_accountId_currency_month_key" ON "Invoice"("accountId", "currency", "month");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_accountId_number_key" ON "Invoice"("accountId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "Budget_accountId_scope_key" ON "Budget"("accountId", "scope");

-- CreateIndex
CREATE INDEX "BudgetAlert_accountId_createdAt_idx" ON "BudgetAlert"("accountId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "BudgetAlert_budgetId_period_threshold_key" ON "BudgetAlert"("budgetId", "period", "threshold");

-- AddForeignKey
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_invoiceId_fkey" FOREIGN KEY ("invoiceId") REFERENCES "Invoice"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BudgetAlert" ADD CONSTRAINT "BudgetAlert_budgetId_fkey" FOREIGN KEY ("budgetId") REFERENCES "Budget"("id") ON DELETE CASCADE ON UPDATE CASCADE;
