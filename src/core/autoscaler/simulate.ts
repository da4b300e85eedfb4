/**
 * Dry run: replays a metrics timeline through the same reconcile the controller runs, so a
 * behavior can be tuned before it is applied.
 *
 * The simulated workload: `currentReplicas` pods, all Running and Ready long before the timeline
 * starts, each requesting 1 CPU and 1 GiB; a rescale takes effect at once (new pods are Ready
 * at the next step). Each timeline step gives one value per metric of the spec, in the spec's
 * order, as `kubectl describe hpa` shows them:
 * - Resource / ContainerResource with a Utilization target: the average utilization, percent;
 * - Resource AverageValue and Pods metrics: the per-pod average (a quantity: "250m", "300Mi");
 * - Object and External metrics: the metric's value (the total, for AverageValue targets too).
 * A missing or null value is a metric that could not be read at that step.
 *
 * Pure.
 */
import { reconcileAutoscaler, type MetricInput, type Rescale } from './reconcile';
import { quantityMilli } from './spec';
import type { AutoscalerMemory, ControllerConfig, HpaCondition, HpaSpec, HpaStatus, PodInfo, PodMetrics } from './types';

export interface TimelineStep {
  /** Seconds from the start. */
  at: number;
  values: (string | null)[];
}

export interface SimulatedDecision {
  at: number;
  currentReplicas: number;
  desiredReplicas: number;
  rescale: Rescale | null;
  conditions: HpaCondition[];
}

export const MAX_TIMELINE_STEPS = 10_000;

const CPU_REQUEST = 1000n;
const MEMORY_REQUEST = 1024n * 1024n * 1024n * 1000n;

export function simulateAutoscaler(spec: HpaSpec, currentReplicas: number, timeline: TimelineStep[], config: ControllerConfig, activationThreshold = 0n): SimulatedDecision[] {
  const start = 0;
  let replicas = currentReplicas;
  let memory: AutoscalerMemory = { recommendations: null, scaleUpEvents: [], scaleDownEvents: [] };
  let status: HpaStatus | null = null;
  const out: SimulatedDecision[] = [];
  const long = config.cpuInitializationPeriodMs + config.delayOfInitialReadinessStatusMs + 3_600_000;
  for (const step of timeline) {
    const now = start + step.at * 1000 + long;
    const pods: PodInfo[] = Array.from({ length: replicas }, (_, i) => ({
      name: `pod-${i}`,
      phase: 'Running',
      deleting: false,
      ready: true,
      readyTransitionAt: 0,
      startedAt: 0,
      containers: [{ name: 'app', requests: { cpu: CPU_REQUEST, memory: MEMORY_REQUEST } }],
    }));
    const metrics: MetricInput[] = spec.metrics.map((m, i) => {
      const raw = step.values[i];
      if (raw === null || raw === undefined) return { kind: 'error', error: 'no value in the timeline at this step' };
      if (m.type === 'Object' || m.type === 'External') return { kind: 'values', values: [quantityMilli(raw)], timestamp: now };
      const resource = m.type === 'Resource' ? m.resource.name : m.type === 'ContainerResource' ? m.containerResource.name : null;
      const target = m.type === 'Resource' ? m.resource.target : m.type === 'ContainerResource' ? m.containerResource.target : m.pods.target;
      let perPod: bigint;
      if (target.type === 'Utilization') {
        const request = resource === 'memory' ? MEMORY_REQUEST : CPU_REQUEST;
        perPod = (quantityMilli(raw) * request) / 100_000n; // raw is a percentage
      } else {
        perPod = quantityMilli(raw);
      }
      const samples: PodMetrics = new Map(pods.map((p) => [p.name, { value: perPod, timestamp: now, windowMs: 15_000 }]));
      return { kind: 'pods', metrics: samples };
    });
    const r = reconcileAutoscaler({
      spec,
      status,
      memory,
      target: { ok: true, specReplicas: replicas, statusReplicas: replicas, hasSelector: true },
      pods,
      metrics,
      activationThreshold,
      now,
      config,
    });
    out.push({ at: step.at, currentReplicas: replicas, desiredReplicas: r.rescale ? r.rescale.to : replicas, rescale: r.rescale, conditions: r.status.conditions });
    memory = r.memory;
    status = r.status;
    if (r.rescale) replicas = r.rescale.to;
  }
  return out;
}
