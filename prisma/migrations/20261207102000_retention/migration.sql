-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "eventsPrunedThrough" INTEGER NOT NULL DEFAULT 0;
