import type { Services } from '../app/services';
import { keys } from '../app/topics';
import { autoscalersOfWorkloads } from '../app/autoscalers';
import { insertPodSamples, podsWithReports, pruneSamples, type PodSampleRow } from '../adapters/prisma/metrics';
import { offeredRps, podUsage, type LoadSpec } from '../core/load';

/**
 * The simulated provider's metrics agent for one cluster (what the kubelet's cAdvisor and
 * metrics-server do): every metricsIntervalMs it samples the usage of the running pods of every
 * workload that has an offered load or an autoscaler, from the load model (core/load), stores the
 * samples, prunes old ones, and wakes the autoscalers of those workloads (a metric arrived).
 * It keeps running while the cluster has something to sample.
 */
export async function reconcileMetrics(svc: Services, clusterId: string): Promise<void> {
  const settings = svc.settings.autoscaling;
  const now = svc.clock.now();
  const at = new Date(now);
  const [loads, autoscalers] = await Promise.all([
    svc.db.workloadLoad.findMany({ where: { clusterId }, include: { workload: { select: { id: true, namespace: true, kind: true, name: true } } } }),
    svc.db.autoscaler.findMany({ where: { clusterId }, select: { namespace: true, targetKind: true, targetName: true } }),
  ]);
  const targets = autoscalers.length
    ? await svc.db.workload.findMany({ where: { clusterId, OR: autoscalers.map((a) => ({ namespace: a.namespace, kind: a.targetKind, name: a.targetName })) }, select: { id: true, namespace: true, kind: true, name: true } })
    : [];
  const workloads = new Map<string, { id: string; namespace: string; kind: string; name: string; load: { spec: LoadSpec; startedAt: Date } | null }>();
  for (const t of targets) workloads.set(t.id, { ...t, load: null });
  for (const l of loads) workloads.set(l.workloadId, { ...l.workload, load: { spec: l.spec as unknown as LoadSpec, startedAt: l.startedAt } });
  if (workloads.size === 0) {
    await pruneSamples(svc.db, clusterId, new Date(now - settings.metricsRetentionMs));
    return; // nothing to sample: stop until a load or an autoscaler appears
  }
  const ids = [...workloads.keys()];
  const pods = await svc.db.pod.findMany({
    where: { clusterId, phase: 'Running', deletionTimestamp: null, OR: [{ workloadId: { in: ids } }, { workload: { ownerId: { in: ids } } }] },
    select: { id: true, name: true, ready: true, workloadId: true, billedCpuMilli: true, billedMemoryMi: true, spec: true, workload: { select: { ownerId: true } } },
  });
  const topOf = (p: (typeof pods)[number]) => (p.workload?.ownerId && workloads.has(p.workload.ownerId) ? p.workload.ownerId : p.workloadId!);
  const byWorkload = new Map<string, typeof pods>();
  for (const p of pods) {
    const top = topOf(p);
    const list = byWorkload.get(top) ?? [];
    list.push(p);
    byWorkload.set(top, list);
  }
  // Pods of a workload without a load are sampled idle, unless someone reports their real usage.
  const idle = pods.filter((p) => !workloads.get(topOf(p))?.load).map((p) => p.id);
  const reported = await podsWithReports(svc.db, idle, new Date(now - settings.metricStalenessMs));
  const rows: PodSampleRow[] = [];
  for (const [id, w] of workloads) {
    const list = (byWorkload.get(id) ?? []).filter((p) => !reported.has(p.id));
    const load = w.load;
    const serving = list.filter((p) => p.ready).map((p) => ({ name: p.id, cpuMilli: p.billedCpuMilli, memoryMi: p.billedMemoryMi }));
    const usage = load ? podUsage(load.spec, offeredRps(load.spec, now - load.startedAt.getTime()), serving) : new Map();
    for (const p of list) {
      // pods not ready yet serve nothing and idle at the base usage
      const u = usage.get(p.id) ?? (load ? podUsage(load.spec, 0, [{ name: p.id, cpuMilli: p.billedCpuMilli, memoryMi: p.billedMemoryMi }]).get(p.id)! : { cpuMilli: 0, memoryBytes: 0n });
      rows.push({ id: svc.ids.uuid(), clusterId, podId: p.id, workloadId: p.workloadId, at, windowMs: settings.metricsIntervalMs, cpuMilli: u.cpuMilli, memoryBytes: u.memoryBytes, containers: splitOverContainers(p.spec, u.cpuMilli, u.memoryBytes), custom: {}, source: 'simulated' });
    }
  }
  await insertPodSamples(svc.db, rows);
  await pruneSamples(svc.db, clusterId, new Date(now - settings.metricsRetentionMs));
  for (const a of await autoscalersOfWorkloads(svc, clusterId, [...workloads.values()])) await svc.queue.add(keys.autoscaler(a));
  await svc.queue.addAfter(keys.metrics(clusterId), settings.metricsIntervalMs);
}

/** A pod's usage split evenly over its containers (the model does not tell them apart). */
function splitOverContainers(spec: unknown, cpuMilli: number, memoryBytes: bigint): { name: string; cpuMilli: number; memoryBytes: string }[] {
  const names = ((spec as { containers?: { name?: string }[] } | null)?.containers ?? []).map((c) => String(c.name ?? ''));
  if (names.length === 0) return [];
  const n = names.length;
  return names.map((name, i) => ({
    name,
    cpuMilli: Math.floor(cpuMilli / n) + (i < cpuMilli % n ? 1 : 0),
    memoryBytes: String(memoryBytes / BigInt(n) + (BigInt(i) < memoryBytes % BigInt(n) ? 1n : 0n)),
  }));
}
