import type { Services } from '../app/services';
import { keys } from '../app/topics';
import { tenantOf } from '../ports/workqueue';

/**
 * The periodic resync of level-triggered controllers: enqueue every object that may need work,
 * so anything a lost message or a crashed worker missed is healed. Cheap because the queue
 * dedupes keys that are already waiting. Every key is added with its tenant (read here with the
 * object), so the queue needs no lookup.
 */
export async function resyncOnce(svc: Services): Promise<number> {
  const withAccount = { cluster: { select: { accountId: true } } } as const;
  const [retained, workloads, podClusters, autoscalers, loads, metered] = await Promise.all([
    // every cluster: its retention pass (armed here for a new cluster, then re-arming itself), and those still provisioning
    svc.db.cluster.findMany({ select: { id: true, accountId: true, status: true } }),
    svc.db.workload.findMany({ select: { id: true, clusterId: true, ...withAccount } }),
    // pods waiting to be placed, being deleted, or whose sandbox will change (a crash loop, a readiness delay)
    svc.db.pod.findMany({ where: { OR: [{ phase: 'Pending' }, { deletionTimestamp: { not: null } }, { nextCheckAt: { not: null } }] }, select: { clusterId: true, ...withAccount }, distinct: ['clusterId'] }),
    svc.db.autoscaler.findMany({ select: { id: true, clusterId: true, ...withAccount } }),
    svc.db.workloadLoad.findMany({ select: { clusterId: true, workload: { select: withAccount } }, distinct: ['clusterId'] }),
    // clusters with billing periods not yet fully metered (running pods, or ends a crash left unmetered)
    svc.db.$queryRaw<{ clusterId: string; accountId: string }[]>`SELECT DISTINCT b."clusterId", c."accountId" FROM "BillablePod" b JOIN "Cluster" c ON c."id" = b."clusterId" WHERE NOT b."settled"`,
  ]);
  const clusters = retained.filter((c) => c.status === 'PROVISIONING');
  // autoscalers and metrics agents re-arm themselves; this heals a timer lost with a worker
  // (a key already waiting keeps its earlier due time, so this adds no extra evaluations)
  const sampled = new Map<string, string>();
  for (const x of autoscalers) sampled.set(x.clusterId, tenantOf(x.cluster.accountId, x.clusterId));
  for (const x of loads) sampled.set(x.clusterId, tenantOf(x.workload.cluster.accountId, x.clusterId));
  for (const a of autoscalers) await svc.queue.addAfter(keys.autoscaler(a.id), svc.settings.autoscaling.syncPeriodMs, tenantOf(a.cluster.accountId, a.clusterId));
  for (const [c, tenant] of sampled) await svc.queue.addAfter(keys.metrics(c), svc.settings.autoscaling.metricsIntervalMs, tenant);
  for (const m of metered) await svc.queue.addAfter(keys.meter(m.clusterId), svc.settings.billing.meterIntervalMs, tenantOf(m.accountId, m.clusterId));
  for (const c of retained) await svc.queue.addAfter(keys.retention(c.id), svc.settings.retention.intervalMs, tenantOf(c.accountId, c.id));
  await svc.queue.add(keys.invoices(), '');
  for (const c of clusters) await svc.queue.add(keys.cluster(c.id), tenantOf(c.accountId, c.id));
  for (const w of workloads) await svc.queue.add(keys.workload(w.id), tenantOf(w.cluster.accountId, w.clusterId));
  for (const p of podClusters) await svc.queue.add(keys.pods(p.clusterId), tenantOf(p.cluster.accountId, p.clusterId));
  return clusters.length + retained.length + workloads.length + podClusters.length + autoscalers.length + sampled.size + metered.length + 1;
}
