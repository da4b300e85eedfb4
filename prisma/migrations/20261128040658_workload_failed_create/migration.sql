-- AlterTable
ALTER TABLE "Workload" ADD COLUMN     "failedCreate" JSONB;
