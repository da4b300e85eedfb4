-- DropIndex
DROP INDEX "ApiToken_accountId_idx";

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "suspendedAt" TIMESTAMPTZ(3),
ADD COLUMN     "suspendedReason" TEXT;

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "expiresAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastUsedAt" TIMESTAMPTZ(3),
ADD COLUMN     "name" TEXT NOT NULL DEFAULT 'default',
ADD COLUMN     "rotatedFromId" UUID,
ADD COLUMN     "scope" TEXT NOT NULL DEFAULT 'READ_WRITE';

-- CreateIndex
CREATE INDEX "ApiToken_accountId_createdAt_idx" ON "ApiToken"("accountId", "createdAt");
