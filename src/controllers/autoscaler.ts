import type { Prisma } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { writeReplicas } from '../app/workloads';
import { appendEvents, type EventInput, type ScalingSnapshot } from '../adapters/prisma/objects';
import { latestCustomSamples, latestPodSamples } from '../adapters/prisma/metrics';
import { reconcileAutoscaler, setCondition, type MetricInput, type ScaleTarget } from '../core/autoscaler/reconcile';
import { labelsMatch, podInfoOf, podMetricsOf, type StoredSample } from '../core/autoscaler/pods';
import { quantityMilli } from '../core/autoscaler/spec';
import type { AutoscalerMemory, HpaSpec, HpaStatus } from '../core/autoscaler/types';
import { resourceName } from '../core/names';

/** Annotation: the activation threshold of scale to zero (a quantity; default 0). */
export const ACTIVATION_ANNOTATION = 'autoscaling.nodeless.io/activation-threshold';

/** Thrown when the autoscaler or its target changed while a decision was being written (the key is retried). */
class Conflict extends Error {}

/**
 * The HorizontalPodAutoscaler controller for one autoscaler: read the target's scale, its pods and
 * the newest metrics, run Kubernetes' algorithm (core/autoscaler), then in one transaction write
 * the new replicas through the scale path (`writeReplicas`, as `kubectl scale`), the status, the
 * decision memory and the decision, and record SuccessfulRescale. Runs when a metric arrives for
 * the target and at least every sync period (15 s).
 */
export async function reconcileAutoscalerKey(svc: Services, id: string): Promise<void> {
  const hpa = await svc.db.autoscaler.findUnique({ where: { id } });
  if (!hpa) return;
  const settings = svc.settings.autoscaling;
  const now = svc.clock.now();
  const spec = hpa.spec as unknown as HpaSpec;
  const ref = spec.scaleTargetRef;
  const workload = await svc.db.workload.findUnique({ where: { clusterId_namespace_kind_name: { clusterId: hpa.clusterId, namespace: hpa.namespace, kind: ref.kind, name: ref.name } } });
  const target: ScaleTarget = workload
    ? { ok: true, specReplicas: Number((workload.spec as { replicas?: number }).replicas ?? 0), statusReplicas: Number((workload.status as { replicas?: number }).replicas ?? 0), hasSelector: true }
    : { ok: false, error: `${resourceName(ref.kind, true)} "${ref.name}" not found` };
  const rows = workload
    ? await svc.db.pod.findMany({
        where: { clusterId: hpa.clusterId, OR: [{ workloadId: workload.id }, { workload: { ownerId: workload.id } }] },
        select: { id: true, name: true, phase: true, deletionTimestamp: true, ready: true, readyAt: true, startedAt: true, billedCpuMilli: true, billedMemoryMi: true, spec: true },
      })
    : [];
  const since = new Date(now - settings.metricStalenessMs);
  const needsPods = spec.metrics.some((m) => m.type === 'Resource' || m.type === 'ContainerResource' || m.type === 'Pods');
  const samplesById = needsPods ? await latestPodSamples(svc.db, rows.map((r) => r.id), since) : new Map();
  const samples = new Map<string, StoredSample>();
  for (const r of rows) {
    const s = samplesById.get(r.id);
    if (s) samples.set(r.name, s);
  }
  const metrics: MetricInput[] = [];
  for (const m of spec.metrics) {
    switch (m.type) {
      case 'Resource':
        metrics.push(samples.size ? { kind: 'pods', metrics: podMetricsOf(samples, { resource: m.resource.name }) } : { kind: 'error', error: 'no metrics returned from resource metrics API' });
        break;
      case 'ContainerResource':
        metrics.push(samples.size ? { kind: 'pods', metrics: podMetricsOf(samples, { resource: m.containerResource.name, container: m.containerResource.container }) } : { kind: 'error', error: 'no metrics returned from resource metrics API' });
        break;
      case 'Pods': {
        const found = podMetricsOf(samples, { custom: m.pods.metric.name });
        metrics.push(found.size ? { kind: 'pods', metrics: found } : { kind: 'error', error: `unable to get metric ${m.pods.metric.name}: no metrics returned from custom metrics API` });
        break;
      }
      case 'Object':
      case 'External': {
        const metric = m.type === 'Object' ? m.object.metric : m.external.metric;
        const object = m.type === 'Object' ? `${m.object.describedObject.kind}/${m.object.describedObject.name}` : '';
        const series = (await latestCustomSamples(svc.db, { clusterId: hpa.clusterId, namespace: hpa.namespace, source: m.type, name: metric.name, object, since })).filter((s) => labelsMatch(s.labels, metric.selector));
        if (series.length === 0) {
          const what = m.type === 'Object' ? `object metric ${metric.name} of ${object}` : `external metric ${hpa.namespace}/${metric.name}`;
          metrics.push({ kind: 'error', error: `unable to get ${what}: no metrics returned from ${m.type === 'Object' ? 'custom' : 'external'} metrics API` });
        } else {
          metrics.push({ kind: 'values', values: series.map((s) => s.value), timestamp: Math.max(...series.map((s) => s.at.getTime())) });
        }
        break;
      }
    }
  }
  const previous = hasStatus(hpa.status) ? (hpa.status as unknown as HpaStatus) : null;
  const annotations = hpa.annotations as Record<string, string>;
  const out = reconcileAutoscaler({
    spec,
    status: previous,
    memory: memoryOf(hpa.memory),
    target,
    pods: rows.map(podInfoOf),
    metrics,
    activationThreshold: activationThreshold(annotations[ACTIVATION_ANNOTATION]),
    now,
    config: settings,
  });

  const at = new Date(now);
  const base = { autoscalerId: hpa.id, autoscalerName: hpa.name, namespace: hpa.namespace, targetKind: ref.kind, targetName: ref.name };
  const written = await svc.db.$transaction(async (tx) => {
    let status = out.status;
    let memory = out.memory;
    const events: EventInput[] = [];
    const who = { uid: hpa.uid, name: hpa.name, namespace: hpa.namespace };
    // warnings are recorded when they are new (Kubernetes' recorder folds repeats into a count)
    const before = new Set((previous?.conditions ?? []).map((c) => `${c.type}/${c.status}/${c.reason}/${c.message}`));
    const changed = status.conditions.some((c) => !before.has(`${c.type}/${c.status}/${c.reason}/${c.message}`));
    if (changed) for (const w of out.warnings) events.push({ type: 'MODIFIED', eventType: 'Warning', reason: w.reason, message: w.message, autoscaler: who, snapshot: { ...base, decisionId: null, fromReplicas: target.ok ? target.specReplicas : 0, toReplicas: target.ok ? target.specReplicas : 0, proposed: 0, reason: w.message, limitedBy: null, metrics: status.currentMetrics, at: at.toISOString() } });
    let decided: ScalingSnapshot | null = null;
    if (out.rescale && workload) {
      const r = out.rescale;
      const scaled = await writeReplicas(svc, tx, workload, r.to, ['spec', 'maxReplicas']);
      if (scaled === null) throw new Conflict('the target changed while scaling');
      if ('error' in scaled) {
        // FailedRescale: nothing scaled, so no scale event is remembered either
        memory = { ...memory, scaleUpEvents: memoryOf(hpa.memory).scaleUpEvents, scaleDownEvents: memoryOf(hpa.memory).scaleDownEvents };
        const conditions = setCondition(status.conditions, { type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${scaled.error.message}` }, now);
        status = { ...status, desiredReplicas: r.from, lastScaleTime: previous?.lastScaleTime ?? null, conditions };
        events.push({ type: 'MODIFIED', eventType: 'Warning', reason: 'FailedRescale', message: `${r.message}; error: ${scaled.error.message}`, autoscaler: who, snapshot: { ...base, decisionId: null, fromReplicas: r.from, toReplicas: r.from, proposed: r.proposed, reason: r.reason, limitedBy: r.limitedBy, metrics: status.currentMetrics, at: at.toISOString() } });
      } else {
        const decisionId = svc.ids.uuid();
        await tx.scalingDecision.create({
          data: { id: decisionId, clusterId: hpa.clusterId, autoscalerId: hpa.id, workloadId: workload.id, namespace: hpa.namespace, autoscalerName: hpa.name, at, fromReplicas: r.from, toReplicas: r.to, proposed: r.proposed, metrics: status.currentMetrics as unknown as Prisma.InputJsonValue, reason: r.reason, message: r.message, limitedBy: r.limitedBy },
        });
        decided = { ...base, decisionId, fromReplicas: r.from, toReplicas: r.to, proposed: r.proposed, reason: r.reason, limitedBy: r.limitedBy, metrics: status.currentMetrics, at: at.toISOString() };
        events.push({ type: 'MODIFIED', reason: 'SuccessfulRescale', message: r.message, autoscaler: who, snapshot: decided });
      }
    }
    const { count } = await tx.autoscaler.updateMany({
      where: { id: hpa.id, resourceVersion: hpa.resourceVersion },
      data: { status: status as unknown as Prisma.InputJsonValue, memory: memory as unknown as Prisma.InputJsonValue, observedGeneration: hpa.generation, resourceVersion: { increment: 1 }, updatedAt: at },
    });
    if (count === 0) throw new Conflict('the autoscaler changed meanwhile');
    return { records: await appendEvents(tx, hpa.clusterId, events, at, () => svc.ids.uuid()), decided };
  });
  await publishEvents(svc.bus, hpa.clusterId, written.records);
  if (written.decided && workload) await svc.queue.add(keys.workload(workload.id));
  await svc.queue.addAfter(keys.autoscaler(hpa.id), settings.syncPeriodMs);
}

function hasStatus(s: unknown): boolean {
  return typeof s === 'object' && s !== null && Array.isArray((s as HpaStatus).conditions);
}

function memoryOf(raw: unknown): AutoscalerMemory {
  const m = (raw ?? {}) as Partial<AutoscalerMemory>;
  return { recommendations: m.recommendations ?? null, scaleUpEvents: m.scaleUpEvents ?? [], scaleDownEvents: m.scaleDownEvents ?? [] };
}

function activationThreshold(raw: string | undefined): bigint {
  if (raw === undefined) return 0n;
  try {
    return quantityMilli(raw);
  } catch {
    return 0n;
  }
}
