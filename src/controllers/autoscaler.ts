import type { Prisma } from '../generated/prisma/client';
import { ConflictError } from '../app/errors';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { writeReplicas } from '../app/workloads';
import { appendEvents, type EventInput, type EventRecord, type ScalingSnapshot } from '../adapters/prisma/objects';
import { latestCustomSamples, latestPodSamples } from '../adapters/prisma/metrics';
import { ACTIVATION_ANNOTATION, reconcileAutoscaler, setCondition, type MetricInput, type ScaleTarget } from '../core/autoscaler/reconcile';
import { labelsMatch, podInfoOf, podMetricsOf, type StoredSample } from '../core/autoscaler/pods';
import { metricTarget, quantityMilli } from '../core/autoscaler/spec';
import type { AutoscalerMemory, HpaSpec, HpaStatus } from '../core/autoscaler/types';
import { resourceName } from '../core/names';

/** The scale was refused (the pods-per-cluster limit): the decision is rolled back and recorded as FailedRescale. */
class RescaleRefused extends Error {}

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
  const since = new Date(now - settings.metricStalenessMs);
  const readsUsage = spec.metrics.some((m) => m.type === 'Resource' || m.type === 'ContainerResource' || m.type === 'Pods');
  // pods count for usage metrics and for Object/External Value targets (their ready pods); AverageValue targets need none
  const needsPods = readsUsage || spec.metrics.some((m) => (m.type === 'Object' || m.type === 'External') && metricTarget(m).type === 'Value');
  const targetWhere = { namespace: hpa.namespace, kind: ref.kind, name: ref.name };
  // the target, its pods and the Object/External samples, read at once
  const [workload, rows, customs] = await Promise.all([
    svc.db.workload.findUnique({ where: { clusterId_namespace_kind_name: { clusterId: hpa.clusterId, ...targetWhere } } }),
    needsPods
      ? svc.db.pod.findMany({
          where: { clusterId: hpa.clusterId, OR: [{ workload: targetWhere }, { workload: { owner: targetWhere } }] },
          select: { id: true, name: true, phase: true, deletionTimestamp: true, ready: true, readyAt: true, startedAt: true, billedCpuMilli: true, billedMemoryMi: true, spec: true },
        })
      : Promise.resolve([]),
    Promise.all(
      spec.metrics.map((m) => {
        if (m.type !== 'Object' && m.type !== 'External') return Promise.resolve(null);
        const metric = m.type === 'Object' ? m.object.metric : m.external.metric;
        const object = m.type === 'Object' ? `${m.object.describedObject.kind}/${m.object.describedObject.name}` : '';
        return latestCustomSamples(svc.db, { clusterId: hpa.clusterId, namespace: hpa.namespace, source: m.type, name: metric.name, object, since, matchLabels: metric.selector?.matchLabels }).then((series) => series.filter((x) => labelsMatch(x.labels, metric.selector)));
      }),
    ),
  ]);
  const target: ScaleTarget = workload
    ? { ok: true, specReplicas: Number((workload.spec as { replicas?: number }).replicas ?? 0), statusReplicas: Number((workload.status as { replicas?: number }).replicas ?? 0), hasSelector: true }
    : { ok: false, error: `${resourceName(ref.kind, true)} "${ref.name}" not found` };
  const samplesById = readsUsage && workload ? await latestPodSamples(svc.db, rows.map((r) => r.id), since) : new Map();
  const samples = new Map<string, StoredSample>();
  for (const r of rows) {
    const x = samplesById.get(r.id);
    if (x) samples.set(r.name, x);
  }
  const metrics: MetricInput[] = spec.metrics.map((m, i): MetricInput => {
    switch (m.type) {
      case 'Resource':
        return samples.size ? { kind: 'pods', metrics: podMetricsOf(samples, { resource: m.resource.name }) } : { kind: 'error', error: 'no metrics returned from resource metrics API' };
      case 'ContainerResource':
        return samples.size ? { kind: 'pods', metrics: podMetricsOf(samples, { resource: m.containerResource.name, container: m.containerResource.container }) } : { kind: 'error', error: 'no metrics returned from resource metrics API' };
      case 'Pods': {
        const found = podMetricsOf(samples, { custom: m.pods.metric.name });
        return found.size ? { kind: 'pods', metrics: found } : { kind: 'error', error: `unable to get metric ${m.pods.metric.name}: no metrics returned from custom metrics API` };
      }
      case 'Object':
      case 'External': {
        const series = customs[i] ?? [];
        if (series.length > 0) return { kind: 'values', values: series.map((x) => x.value), timestamp: Math.max(...series.map((x) => x.at.getTime())) };
        const what = m.type === 'Object' ? `object metric ${m.object.metric.name} of ${m.object.describedObject.kind}/${m.object.describedObject.name}` : `external metric ${hpa.namespace}/${m.external.metric.name}`;
        return { kind: 'error', error: `unable to get ${what}: no metrics returned from ${m.type === 'Object' ? 'custom' : 'external'} metrics API` };
      }
    }
  });
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
  const who = { uid: hpa.uid, name: hpa.name, namespace: hpa.namespace };
  const snapshot = (s: Partial<ScalingSnapshot>): ScalingSnapshot => ({ ...base, decisionId: null, fromReplicas: target.ok ? target.specReplicas : 0, toReplicas: target.ok ? target.specReplicas : 0, proposed: 0, reason: '', limitedBy: null, metrics: out.status.currentMetrics, at: at.toISOString(), ...s });
  // warnings are recorded when they are new (Kubernetes' recorder folds repeats into a count)
  const before = new Set((previous?.conditions ?? []).map((c) => `${c.type}/${c.status}/${c.reason}/${c.message}`));
  const changed = out.status.conditions.some((c) => !before.has(`${c.type}/${c.status}/${c.reason}/${c.message}`));
  const warnings: EventInput[] = changed ? out.warnings.map((w) => ({ type: 'MODIFIED', eventType: 'Warning', reason: w.reason, message: w.message, autoscaler: who, snapshot: snapshot({ reason: w.message }) })) : [];

  /** Status and memory, guarded by the autoscaler's resourceVersion (a concurrent spec change wins: the key runs again). */
  const writeAutoscaler = async (tx: Prisma.TransactionClient | Services['db'], status: HpaStatus, memory: AutoscalerMemory) => {
    const { count } = await tx.autoscaler.updateMany({
      where: { id: hpa.id, resourceVersion: hpa.resourceVersion },
      data: { status: status as unknown as Prisma.InputJsonValue, memory: memory as unknown as Prisma.InputJsonValue, observedGeneration: hpa.generation, resourceVersion: { increment: 1 }, updatedAt: at },
    });
    if (count === 0) throw new ConflictError('the autoscaler changed meanwhile');
  };

  let written: { records: EventRecord[]; decided: boolean };
  if (!out.rescale && warnings.length === 0) {
    // nothing but status and memory: one statement, no transaction (most reconciles of a steady autoscaler)
    await writeAutoscaler(svc.db, out.status, out.memory);
    await svc.queue.addAfter(keys.autoscaler(hpa.id), syncDelay(hpa.id, settings.syncPeriodMs));
    return;
  }
  try {
    written = await svc.db.$transaction(async (tx) => {
      const events = [...warnings];
      const r = out.rescale;
      // The target first, as apply writes it: a scale-up takes the cluster's objects lock (the
      // desired-pods check) before any row lock, then the workload row; a scale-down takes the
      // workload row only, so the decisions of a cluster's autoscalers run in parallel. Then the
      // autoscaler's own row, and the event sequence last (appendEvents).
      if (r && workload) {
        const scaled = await writeReplicas(svc, tx, workload, r.to, ['spec', 'maxReplicas']);
        if (scaled === null) throw new ConflictError('the target changed while scaling');
        if ('error' in scaled) throw new RescaleRefused(scaled.error.message);
      }
      await writeAutoscaler(tx, out.status, out.memory);
      if (r && workload) {
        const decisionId = svc.ids.uuid();
        await tx.scalingDecision.create({
          data: { id: decisionId, clusterId: hpa.clusterId, autoscalerId: hpa.id, workloadId: workload.id, namespace: hpa.namespace, autoscalerName: hpa.name, at, fromReplicas: r.from, toReplicas: r.to, proposed: r.proposed, metrics: out.status.currentMetrics as unknown as Prisma.InputJsonValue, reason: r.reason, message: r.message, limitedBy: r.limitedBy },
          select: { id: true },
        });
        events.push({ type: 'MODIFIED', reason: 'SuccessfulRescale', message: r.message, autoscaler: who, snapshot: snapshot({ decisionId, fromReplicas: r.from, toReplicas: r.to, proposed: r.proposed, reason: r.reason, limitedBy: r.limitedBy }) });
      }
      return { records: await appendEvents(tx, hpa.clusterId, events, at, () => svc.ids.uuid()), decided: r !== null && workload !== null };
    });
  } catch (err) {
    if (!(err instanceof RescaleRefused) || !out.rescale) throw err;
    // FailedRescale (over the pods-per-cluster limit): nothing scaled, so no scale event is remembered either
    const r = out.rescale;
    const old = memoryOf(hpa.memory);
    const conditions = setCondition(out.status.conditions, { type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${err.message}` }, now);
    const status: HpaStatus = { ...out.status, desiredReplicas: r.from, lastScaleTime: previous?.lastScaleTime ?? null, conditions };
    const failed: EventInput = { type: 'MODIFIED', eventType: 'Warning', reason: 'FailedRescale', message: `${r.message}; error: ${err.message}`, autoscaler: who, snapshot: snapshot({ fromReplicas: r.from, toReplicas: r.from, proposed: r.proposed, reason: r.reason, limitedBy: r.limitedBy }) };
    // recorded when the refusal starts or its reason changes, not at every sync while it lasts
    const was = previous?.conditions.find((c) => c.type === 'AbleToScale');
    const repeat = was?.reason === 'FailedUpdateScale' && was.message === conditions.find((c) => c.type === 'AbleToScale')!.message;
    written = await svc.db.$transaction(async (tx) => {
      await writeAutoscaler(tx, status, { ...out.memory, scaleUpEvents: old.scaleUpEvents, scaleDownEvents: old.scaleDownEvents });
      return { records: await appendEvents(tx, hpa.clusterId, [...warnings, ...(repeat ? [] : [failed])], at, () => svc.ids.uuid()), decided: false };
    });
  }
  await publishEvents(svc.bus, hpa.clusterId, written.records);
  if (written.decided && out.rescale) svc.metrics.autoscalerDecisions.inc({ direction: out.rescale.to > out.rescale.from ? 'up' : 'down' });
  if (written.decided && workload) await svc.queue.add(keys.workload(workload.id));
  await svc.queue.addAfter(keys.autoscaler(hpa.id), syncDelay(hpa.id, settings.syncPeriodMs));
}

/**
 * The next periodic evaluation: the sync period, less up to 10 % picked from the id, so
 * autoscalers created together (one manifest of 100) do not all come due in the same instant.
 */
export function syncDelay(id: string, syncPeriodMs: number): number {
  const spread = parseInt(id.replace(/-/g, '').slice(0, 8), 16) % 1000;
  return Math.round(syncPeriodMs * (1 - spread / 10_000));
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
