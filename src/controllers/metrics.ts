import type { Services } from '../app/services';
import { keys } from '../app/topics';
import { RESOURCE_KEY } from '../core/autoscaler/metricKeys';
import { insertPodSamples, podsWithReports, pruneSamples, type PodSampleRow } from '../adapters/prisma/metrics';
import { offeredRps, podUsage, type LoadSpec } from '../core/load';

/**
 * The simulated provider's metrics agent for one cluster (what the kubelet's cAdvisor and
 * metrics-server do): every metricsIntervalMs it samples the usage of the running pods of every
 * workload that has an offered load or an autoscaler, from the load model (core/load), stores the
 * samples, prunes old ones, and wakes the autoscalers that read pod usage (Resource metrics: a
 * metric arrived). Autoscalers on Pods/External/Object metrics are woken by their reports.
 * It keeps running while the cluster has something to sample.
 */
export async function reconcileMetrics(svc: Services, clusterId: string): Promise<void> {
  const settings = svc.settings.autoscaling;
  const now = svc.clock.now();
  const at = new Date(now);
  // what to sample: workloads with an offered load, and the targets of autoscalers
  const [loads, targets] = await Promise.all([
    svc.db.workloadLoad.findMany({ where: { clusterId }, include: { workload: { select: { id: true } } } }),
    svc.db.$queryRaw<{ id: string; autoscalerId: string; readsUsage: boolean }[]>`
      SELECT w."id", a."id" AS "autoscalerId", ${RESOURCE_KEY} = ANY(a."metricKeys") AS "readsUsage" FROM "Autoscaler" a
      JOIN "Workload" w ON w."clusterId" = a."clusterId" AND w."namespace" = a."namespace" AND w."kind" = a."targetKind" AND w."name" = a."targetName"
      WHERE a."clusterId" = ${clusterId}::uuid`,
  ]);
  const workloads = new Map<string, { load: { spec: LoadSpec; startedAt: Date } | null }>();
  for (const t of targets) workloads.set(t.id, { load: null });
  for (const l of loads) workloads.set(l.workloadId, { load: { spec: l.spec as unknown as LoadSpec, startedAt: l.startedAt } });
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
  // a sample arrived for each of them: their autoscalers evaluate now
  for (const t of targets) if (t.readsUsage) await svc.queue.addUrgent(keys.autoscaler(t.autoscalerId));
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
