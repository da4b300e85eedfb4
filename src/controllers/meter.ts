import type { Services } from '../app/services';
import { keys } from '../app/topics';
import { checkBudgets, finalizeDueInvoices, meterCluster, publishCostChanged } from '../app/billing';

/**
 * The billing meter of one cluster: turns its ledger (pods' billable periods) into hourly usage
 * buckets, then refreshes its cost tickers and checks its budgets. Runs when a pod starts or
 * stops billing (the pod loop enqueues it) and every meter interval while pods run.
 */
export async function reconcileMeter(svc: Services, clusterId: string): Promise<void> {
  const pass = await meterCluster(svc, clusterId);
  if (pass.accountId === null) return;
  // a pod that just started billing has no seconds yet, but its ticker's running pods changed
  if (pass.touched > 0) await publishCostChanged(svc, clusterId);
  if (pass.metered > 0) await checkBudgets(svc, pass.accountId, clusterId);
  if (pass.running) await svc.queue.addAfter(keys.meter(clusterId), svc.settings.billing.meterIntervalMs);
}

/** Finalizes the invoices of months that ended (plus the grace period), then looks again later. */
export async function reconcileInvoices(svc: Services): Promise<void> {
  await finalizeDueInvoices(svc);
}
