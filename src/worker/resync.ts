import type { Services } from '../app/services';
import { keys } from '../app/topics';

/**
 * The periodic resync of level-triggered controllers: enqueue every object that may need work,
 * so anything a lost message or a crashed worker missed is healed. Cheap because the queue
 * dedupes keys that are already waiting.
 */
export async function resyncOnce(svc: Services): Promise<number> {
  const [clusters, workloads, podClusters, autoscalers, loads, metered] = await Promise.all([
    svc.db.cluster.findMany({ where: { status: 'PROVISIONING' }, select: { id: true } }),
    svc.db.workload.findMany({ select: { id: true } }),
    // pods waiting to be placed, being deleted, or whose sandbox will change (a crash loop, a readiness delay)
    svc.db.pod.findMany({ where: { OR: [{ phase: 'Pending' }, { deletionTimestamp: { not: null } }, { nextCheckAt: { not: null } }] }, select: { clusterId: true }, distinct: ['clusterId'] }),
    svc.db.autoscaler.findMany({ select: { id: true, clusterId: true } }),
    svc.db.workloadLoad.findMany({ select: { clusterId: true }, distinct: ['clusterId'] }),
    // clusters with billing periods not yet fully metered (running pods, or ends a crash left unmetered)
    svc.db.$queryRaw<{ clusterId: string }[]>`SELECT DISTINCT "clusterId" FROM "BillablePod" WHERE NOT "settled"`,
  ]);
  // autoscalers and metrics agents re-arm themselves; this heals a timer lost with a worker
  // (a key already waiting keeps its earlier due time, so this adds no extra evaluations)
  const sampled = new Set([...autoscalers.map((a) => a.clusterId), ...loads.map((l) => l.clusterId)]);
  for (const a of autoscalers) await svc.queue.addAfter(keys.autoscaler(a.id), svc.settings.autoscaling.syncPeriodMs);
  for (const c of sampled) await svc.queue.addAfter(keys.metrics(c), svc.settings.autoscaling.metricsIntervalMs);
  for (const m of metered) await svc.queue.addAfter(keys.meter(m.clusterId), svc.settings.billing.meterIntervalMs);
  await svc.queue.add(keys.invoices());
  for (const c of clusters) await svc.queue.add(keys.cluster(c.id));
  for (const w of workloads) await svc.queue.add(keys.workload(w.id));
  for (const p of podClusters) await svc.queue.add(keys.pods(p.clusterId));
  return clusters.length + workloads.length + podClusters.length + autoscalers.length + sampled.size + metered.length + 1;
}
