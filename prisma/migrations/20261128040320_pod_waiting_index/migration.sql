-- CreateIndex
CREATE INDEX "Pod_schedulingAttempts_idx" ON "Pod"("schedulingAttempts");
