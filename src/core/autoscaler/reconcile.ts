/**
 * One reconcile of a HorizontalPodAutoscaler, as Kubernetes' controller does it
 * (reconcileAutoscaler): read the target's scale, seed the recommendation history, handle the
 * out-of-range and disabled cases, compute a proposal per metric and take the largest valid one,
 * normalize it (stabilization, then rate policies and min/max), and say whether to rescale, with
 * the status, conditions and SuccessfulRescale message Kubernetes would write.
 *
 * Added for scale to zero (Nodeless, after KEDA's activation idea; documented in the README): when
 * minReplicas is 0 the Object and External metrics decide activation. The workload is active
 * while any of them is above the activation threshold (default 0). An inactive workload's
 * proposal is 0, and the scale-down stabilization window is the cool-down before it reaches 0.
 * An active one's proposal is at least 1, so a workload at 0 wakes on the first activation
 * even when none of its pods is ready to be counted yet.
 *
 * Pure: the caller fetches the scale, the pods and the metrics; the clock is `now`.
 */
import type {
  AutoscalerMemory,
  ControllerConfig,
  HpaCondition,
  HpaSpec,
  HpaStatus,
  MetricSpec,
  MetricStatus,
  PodInfo,
  PodMetrics,
  ReplicaProposal,
} from './types';
import {
  getExternalMetricReplicas,
  getExternalPerPodMetricReplicas,
  getObjectMetricReplicas,
  getObjectPerPodMetricReplicas,
  getPodsMetricReplicas,
  getRawResourceReplicas,
  getResourceReplicas,
  type CalcContext,
} from './replicas';
import { normalizeLegacy, normalizeWithBehavior, recordScaleEvent } from './normalize';
import { metricDescription, metricTarget, quantityMilli, tolerancesOf } from './spec';

/** Annotation: the activation threshold of scale to zero (a quantity; default 0). */
export const ACTIVATION_ANNOTATION = 'autoscaling.nodeless.io/activation-threshold';

/** What the caller could fetch for one metric of the spec (same index). */
export type MetricInput =
  /** Resource, ContainerResource (values already per pod: the sum over containers or the named one) and Pods metrics. */
  | { kind: 'pods'; metrics: PodMetrics }
  /** Object (one value) and External (every matching series) metrics. */
  | { kind: 'values'; values: bigint[]; timestamp: number }
  /** The metric could not be read (no series, the API failed …). */
  | { kind: 'error'; error: string };

export type ScaleTarget =
  | { ok: true; specReplicas: number; statusReplicas: number; hasSelector: boolean }
  | { ok: false; error: string };

export interface ReconcileInput {
  spec: HpaSpec;
  /** The status as last written (conditions keep their transition times), null for a new autoscaler. */
  status: HpaStatus | null;
  memory: AutoscalerMemory;
  target: ScaleTarget;
  /** The pods of the target (Deleting and Failed ones too: the calculator ignores them). */
  pods: PodInfo[];
  metrics: MetricInput[];
  /** Activation threshold for scale to zero (milli-value of the Object/External metrics). */
  activationThreshold: bigint;
  now: number;
  config: ControllerConfig;
}

export interface Rescale {
  from: number;
  to: number;
  /** The proposal before normalization. */
  proposed: number;
  /** "cpu resource utilization (percentage of request) above target", "All metrics below target", … */
  reason: string;
  /** The SuccessfulRescale event's message: "New size: 7; reason: …". */
  message: string;
  /** What held the result back from the proposal (a ScalingLimited or stabilization reason), null if nothing. */
  limitedBy: string | null;
}

export interface ReconcileOutput {
  status: HpaStatus;
  memory: AutoscalerMemory;
  rescale: Rescale | null;
  /** Warning events Kubernetes records (FailedGetScale, FailedGet…Metric, FailedComputeMetricsReplicas). */
  warnings: { reason: string; message: string }[];
}

const FAILED_REASON: Record<MetricSpec['type'], string> = {
  Resource: 'FailedGetResourceMetric',
  ContainerResource: 'FailedGetContainerResourceMetric',
  Pods: 'FailedGetPodsMetric',
  Object: 'FailedGetObjectMetric',
  External: 'FailedGetExternalMetric',
};

/** Kubernetes' setCondition: the transition time moves only when the status changes. */
export function setCondition(conditions: HpaCondition[], c: Omit<HpaCondition, 'lastTransitionTime'>, now: number): HpaCondition[] {
  const old = conditions.find((x) => x.type === c.type);
  const next: HpaCondition = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
  return old ? conditions.map((x) => (x.type === c.type ? next : x)) : [...conditions, next];
}

export function reconcileAutoscaler(input: ReconcileInput): ReconcileOutput {
  const { spec, now, config } = input;
  let conditions = input.status?.conditions ?? [];
  const set = (type: HpaCondition['type'], status: HpaCondition['status'], reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message }, now);
  };
  const previous: HpaStatus = input.status ?? { currentReplicas: 0, desiredReplicas: 0, currentMetrics: [], lastScaleTime: null, conditions: [] };
  const warnings: ReconcileOutput['warnings'] = [];

  if (!input.target.ok) {
    warnings.push({ reason: 'FailedGetScale', message: input.target.error });
    set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${input.target.error}`);
    return { status: { ...previous, conditions }, memory: input.memory, rescale: null, warnings };
  }
  set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
  const target = input.target;
  const current = target.specReplicas;
  const memory: AutoscalerMemory = {
    recommendations: input.memory.recommendations ?? [{ replicas: current, at: now }],
    scaleUpEvents: input.memory.scaleUpEvents ?? [],
    scaleDownEvents: input.memory.scaleDownEvents ?? [],
  };
  const min = spec.minReplicas;

  let desired = 0;
  let proposed = 0;
  let reason = '';
  let rescale = true;
  let limitedBy: string | null = null;
  // Kubernetes' setStatus writes the statuses of this reconcile: none when no metric was read.
  let currentMetrics: MetricStatus[] = [];

  if (current === 0 && min !== 0) {
    rescale = false;
    set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
  } else if (current > spec.maxReplicas) {
    reason = 'Current number of replicas above Spec.MaxReplicas';
    desired = proposed = spec.maxReplicas;
  } else if (current < min) {
    reason = 'Current number of replicas below Spec.MinReplicas';
    desired = proposed = min;
  } else {
    const computed = computeReplicasForMetrics(input, target.specReplicas, target.statusReplicas);
    warnings.push(...computed.warnings);
    if (computed.condition) set('ScalingActive', computed.condition.status, computed.condition.reason, computed.condition.message);
    if (computed.replicas === null) {
      warnings.push({ reason: 'FailedComputeMetricsReplicas', message: computed.error! });
      // setCurrentReplicasAndMetricsInStatus: desiredReplicas stays, the metrics read this time are reported
      return { status: { ...previous, currentReplicas: current, currentMetrics: computed.statuses, conditions }, memory, rescale: null, warnings };
    }
    currentMetrics = computed.statuses;
    let metricReplicas = computed.replicas;
    let metricName = computed.metric;
    if (min === 0) {
      const activation = activationOf(spec, input.metrics, input.activationThreshold);
      if (activation === 'inactive') {
        metricReplicas = 0;
        metricName = 'no activation metric above its threshold';
      } else if (activation === 'active' && metricReplicas < 1) metricReplicas = 1;
    }
    proposed = metricReplicas;
    if (metricReplicas > desired) desired = metricReplicas;
    if (desired > current) reason = `${metricName} above target`;
    if (desired < current) reason = 'All metrics below target';
    const normalized = spec.behavior
      ? normalizeWithBehavior({
          proposal: desired,
          currentReplicas: current,
          minReplicas: min,
          maxReplicas: spec.maxReplicas,
          behavior: spec.behavior,
          now,
          downscaleWindowMs: config.downscaleStabilizationWindowMs,
          recommendations: memory.recommendations!,
          scaleUpEvents: memory.scaleUpEvents,
          scaleDownEvents: memory.scaleDownEvents,
        })
      : normalizeLegacy({ proposal: desired, currentReplicas: current, minReplicas: min, maxReplicas: spec.maxReplicas, now, downscaleWindowMs: config.downscaleStabilizationWindowMs, recommendations: memory.recommendations! });
    memory.recommendations = normalized.recommendations;
    set('AbleToScale', 'True', normalized.ableToScale.reason, normalized.ableToScale.message);
    set('ScalingLimited', normalized.scalingLimited.status, normalized.scalingLimited.reason, normalized.scalingLimited.message);
    if (normalized.scalingLimited.status === 'True') limitedBy = normalized.scalingLimited.reason;
    else if (normalized.stabilized !== desired) limitedBy = normalized.ableToScale.reason;
    desired = normalized.replicas;
    rescale = desired !== current;
  }

  let out: Rescale | null = null;
  let lastScaleTime = previous.lastScaleTime;
  if (rescale) {
    set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
    out = { from: current, to: desired, proposed, reason, message: `New size: ${desired}; reason: ${reason}`, limitedBy };
    if (spec.behavior) {
      const events = recordScaleEvent({ behavior: spec.behavior, from: current, to: desired, now, scaleUpEvents: memory.scaleUpEvents, scaleDownEvents: memory.scaleDownEvents });
      memory.scaleUpEvents = events.scaleUpEvents;
      memory.scaleDownEvents = events.scaleDownEvents;
    }
    lastScaleTime = now;
  } else {
    desired = current;
  }
  return { status: { currentReplicas: current, desiredReplicas: desired, currentMetrics, lastScaleTime, conditions }, memory, rescale: out, warnings };
}

/** Whether the Object/External metrics say the workload has work ('none': it has no such metric that could be read). */
function activationOf(spec: HpaSpec, inputs: MetricInput[], threshold: bigint): 'active' | 'inactive' | 'none' {
  let seen = false;
  for (let i = 0; i < spec.metrics.length; i++) {
    const m = spec.metrics[i];
    const input = inputs[i];
    if ((m.type !== 'Object' && m.type !== 'External') || !input || input.kind !== 'values') continue;
    seen = true;
    if (input.values.reduce((a, b) => a + b, 0n) > threshold) return 'active';
  }
  return seen ? 'inactive' : 'none';
}

interface Computed {
  /** null: no usable proposal (every metric failed, or some did and the others would scale down). */
  replicas: number | null;
  metric: string;
  statuses: MetricStatus[];
  condition: { status: 'True' | 'False'; reason: string; message: string } | null;
  warnings: { reason: string; message: string }[];
  error?: string;
}

function computeReplicasForMetrics(input: ReconcileInput, specReplicas: number, statusReplicas: number): Computed {
  const { spec } = input;
  const warnings: Computed['warnings'] = [];
  if (input.target.ok && !input.target.hasSelector) {
    const message = 'selector is required';
    warnings.push({ reason: 'SelectorRequired', message });
    return { replicas: null, metric: '', statuses: [], warnings, condition: { status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" }, error: message };
  }
  const ctx: CalcContext = {
    tolerances: tolerancesOf(spec, input.config.tolerance),
    cpuInitializationPeriodMs: input.config.cpuInitializationPeriodMs,
    delayOfInitialReadinessStatusMs: input.config.delayOfInitialReadinessStatusMs,
    now: input.now,
  };
  const statuses: MetricStatus[] = [];
  let best: number | null = null;
  let bestName = '';
  let invalid = 0;
  let firstFailure: { reason: string; error: string } | null = null;
  spec.metrics.forEach((m, i) => {
    const r = proposalFor(m, input.metrics[i] ?? { kind: 'error', error: 'no metrics returned' }, specReplicas, statusReplicas, input.pods, ctx);
    if (!r.ok) {
      invalid++;
      const reason = FAILED_REASON[m.type];
      warnings.push({ reason, message: r.error });
      if (!firstFailure) firstFailure = { reason, error: r.error };
      return;
    }
    statuses.push(metricStatus(m, r));
    // as Kubernetes: a later metric replaces the pick while it is 0 (so, of several 0 proposals, the last names it)
    if (best === null || best === 0 || r.replicas > best) {
      best = r.replicas;
      bestName = metricDescription(m);
    }
  });
  const failure = firstFailure as { reason: string; error: string } | null;
  if (failure && (invalid >= spec.metrics.length || (best ?? 0) < specReplicas)) {
    return {
      replicas: null,
      metric: '',
      statuses,
      warnings,
      condition: { status: 'False', reason: failure.reason, message: `the HPA was unable to compute the replica count: ${failure.error}` },
      error: `invalid metrics (${invalid} invalid out of ${spec.metrics.length}), first error is: ${failure.error}`,
    };
  }
  return {
    replicas: best ?? 0,
    metric: bestName,
    statuses,
    warnings,
    condition: { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${bestName}` },
  };
}

function proposalFor(m: MetricSpec, input: MetricInput, specReplicas: number, statusReplicas: number, pods: PodInfo[], ctx: CalcContext): ReplicaProposal {
  if (input.kind === 'error') return { ok: false, error: input.error };
  const target = metricTarget(m);
  const milli = (q: string | undefined) => quantityMilli(q ?? '0');
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      if (input.kind !== 'pods') return { ok: false, error: 'no metrics returned from resource metrics API' };
      const resource = m.type === 'Resource' ? m.resource.name : m.containerResource.name;
      const container = m.type === 'ContainerResource' ? m.containerResource.container : undefined;
      if (target.type === 'Utilization') return getResourceReplicas({ currentReplicas: specReplicas, targetUtilization: target.averageUtilization ?? 0, resource, container, pods, metrics: input.metrics }, ctx);
      return getRawResourceReplicas({ currentReplicas: specReplicas, targetAverageValue: milli(target.averageValue), resource, container, pods, metrics: input.metrics }, ctx);
    }
    case 'Pods':
      if (input.kind !== 'pods') return { ok: false, error: 'no metrics returned from custom metrics API' };
      return getPodsMetricReplicas({ currentReplicas: specReplicas, targetAverageValue: milli(target.averageValue), pods, metrics: input.metrics }, ctx);
    case 'Object': {
      if (input.kind !== 'values' || input.values.length === 0) return { ok: false, error: 'no metrics returned from custom metrics API' };
      if (target.type === 'Value') return getObjectMetricReplicas({ currentReplicas: specReplicas, targetValue: milli(target.value), value: input.values[0], timestamp: input.timestamp, pods }, ctx);
      return getObjectPerPodMetricReplicas({ statusReplicas, targetAverageValue: milli(target.averageValue), value: input.values[0], timestamp: input.timestamp }, ctx);
    }
    case 'External': {
      if (input.kind !== 'values' || input.values.length === 0) return { ok: false, error: 'no metrics returned from external metrics API' };
      if (target.type === 'Value') return getExternalMetricReplicas({ currentReplicas: specReplicas, targetValue: milli(target.value), values: input.values, timestamp: input.timestamp, pods }, ctx);
      return getExternalPerPodMetricReplicas({ statusReplicas, targetAverageValue: milli(target.averageValue), values: input.values, timestamp: input.timestamp }, ctx);
    }
  }
}

/** A milli-value as Kubernetes prints a DecimalSI milli quantity ("1500m", "2", "0"). */
export function formatMilli(v: bigint): string {
  if (v % 1000n === 0n) {
    const units = v / 1000n;
    for (const [suffix, f] of [['E', 10n ** 18n], ['P', 10n ** 15n], ['T', 10n ** 12n], ['G', 10n ** 9n], ['M', 10n ** 6n], ['k', 1000n]] as const) {
      if (units !== 0n && units % f === 0n) return `${units / f}${suffix}`;
    }
    return String(units);
  }
  return `${v}m`;
}

function metricStatus(m: MetricSpec, r: Extract<ReplicaProposal, { ok: true }>): MetricStatus {
  const target = metricTarget(m);
  switch (m.type) {
    case 'Resource':
      return { type: 'Resource', resource: { name: m.resource.name, current: target.type === 'Utilization' ? { averageUtilization: r.utilization, averageValue: formatMilli(r.value) } : { averageValue: formatMilli(r.value) } } };
    case 'ContainerResource':
      return {
        type: 'ContainerResource',
        containerResource: { name: m.containerResource.name, container: m.containerResource.container, current: target.type === 'Utilization' ? { averageUtilization: r.utilization, averageValue: formatMilli(r.value) } : { averageValue: formatMilli(r.value) } },
      };
    case 'Pods':
      return { type: 'Pods', pods: { metric: m.pods.metric, current: { averageValue: formatMilli(r.value) } } };
    case 'Object':
      return { type: 'Object', object: { describedObject: m.object.describedObject, metric: m.object.metric, current: target.type === 'Value' ? { value: formatMilli(r.value) } : { averageValue: formatMilli(r.value) } } };
    case 'External':
      return { type: 'External', external: { metric: m.external.metric, current: target.type === 'Value' ? { value: formatMilli(r.value) } : { averageValue: formatMilli(r.value) } } };
  }
}
