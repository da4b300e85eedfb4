import type { Services } from './services';
import { Channel } from './channel';
import { requireCluster } from './clusters';
import { sharedRefreshingStream } from './feeds/refresher';
import { topics } from './topics';
import { costTick, type BudgetAlertRecord, type CostTick } from './billing';

/**
 * A cluster's running cost this month: now, then at every meter pass of the cluster (a pod
 * started or stopped billing, or the periodic pass of running pods), and every STREAM_CATCHUP_MS
 * when the running pods changed (an announcement can be lost). Clients extrapolate between ticks
 * with the burn rate.
 */
export async function costTickerStream(svc: Services, accountId: string, clusterId: string): Promise<AsyncIterableIterator<CostTick>> {
  const cluster = await requireCluster(svc, accountId, clusterId);
  let last: CostTick | null = null;
  // one read per meter pass or tick for every ticker of the cluster in this process
  return sharedRefreshingStream(svc, `cost:${clusterId}`, topics.clusterCost(clusterId), () => costTick(svc, clusterId, cluster.region), (t, announced) => {
    const moved = !last || last.runningPods !== t.runningPods || last.burnRateNanoPerHour !== t.burnRateNanoPerHour || last.month !== t.month;
    if (!announced && !moved) return null;
    last = t;
    return t;
  });
}

/**
 * Budget alerts of the account (or of one of its clusters' budgets) as they happen; with
 * `since`, first the stored alerts recorded after it (no duplicate at the seam).
 */
export async function budgetAlertStream(svc: Services, accountId: string, opts: { clusterId: string | null; since: Date | null }): Promise<AsyncIterableIterator<BudgetAlertRecord>> {
  if (opts.clusterId) await requireCluster(svc, accountId, opts.clusterId);
  const out = new Channel<BudgetAlertRecord>();
  const seen = new Set<string>();
  const wanted = (a: BudgetAlertRecord) => !opts.clusterId || a.clusterId === opts.clusterId;
  let replaying = opts.since !== null;
  const held: BudgetAlertRecord[] = [];
  const emit = (a: BudgetAlertRecord) => {
    if (seen.has(a.id) || !wanted(a)) return;
    seen.add(a.id);
    out.push(a);
  };
  const unsubscribe = await svc.bus.subscribe(topics.budgetAlerts(accountId), (m) => {
    const a = m as BudgetAlertRecord;
    if (replaying) held.push(a);
    else emit(a);
  });
  out.onClose(unsubscribe);
  if (opts.since) {
    const rows = await svc.db.budgetAlert.findMany({ where: { accountId, createdAt: { gt: opts.since }, ...(opts.clusterId ? { clusterId: opts.clusterId } : {}) }, orderBy: [{ createdAt: 'asc' }, { threshold: 'asc' }], take: 1000 });
    for (const r of rows) emit({ ...r, spentNano: r.spentNano.toString(), budgetMicro: r.budgetMicro.toString(), createdAt: r.createdAt.toISOString() });
    replaying = false;
    for (const a of held.splice(0)) emit(a);
  }
  return out;
}
