/**
 * The autoscaler's contract: the autoscaling/v2 HorizontalPodAutoscaler spec as stored (Kubernetes
 * field names, quantities as strings, defaults filled in), and the pure inputs and outputs of the
 * HPA algorithm (replica calculator, stabilization, rate limits, one reconcile).
 *
 * Units: every metric value in the core is a Kubernetes milli-value (bigint): CPU in millicores,
 * memory in thousandths of a byte, a custom metric of 1.5 is 1500n. Times are milliseconds since
 * the epoch; durations are milliseconds unless a field says seconds (spec fields do, as
 * Kubernetes' do).
 */

// ───────────────────────────── the spec (stored, served back) ─────────────────────────────

export interface CrossVersionObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
}

/** A label selector over metric series labels (matchLabels and matchExpressions, as Kubernetes'). */
export interface MetricSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface MetricIdentifier {
  name: string;
  selector?: MetricSelector;
}

export type MetricTargetType = 'Utilization' | 'Value' | 'AverageValue';

/**
 * Exactly the field matching `type` is set: `averageUtilization` (an integer percentage of the
 * request) for Utilization, `value` for Value, `averageValue` for AverageValue (quantities as
 * Kubernetes writes them: "500m", "1Gi", "30").
 */
export interface MetricTarget {
  type: MetricTargetType;
  averageUtilization?: number;
  value?: string;
  averageValue?: string;
}

export type MetricSpec =
  | { type: 'Resource'; resource: { name: string; target: MetricTarget } }
  | { type: 'ContainerResource'; containerResource: { name: string; container: string; target: MetricTarget } }
  | { type: 'Pods'; pods: { metric: MetricIdentifier; target: MetricTarget } }
  | { type: 'Object'; object: { describedObject: CrossVersionObjectReference; metric: MetricIdentifier; target: MetricTarget } }
  | { type: 'External'; external: { metric: MetricIdentifier; target: MetricTarget } };

export type ScalingPolicyType = 'Pods' | 'Percent';
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface ScalingPolicy {
  type: ScalingPolicyType;
  value: number;
  periodSeconds: number;
}

/** One direction of `behavior`, after Kubernetes' defaulting (policies and selectPolicy always set). */
export interface ScalingRules {
  /** Unset on scaleDown means "the controller's --horizontal-pod-autoscaler-downscale-stabilization" (300 s). */
  stabilizationWindowSeconds?: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
  /** KEP-4951 per-direction tolerance (a quantity such as "0.05"); unset: the controller's 0.1. */
  tolerance?: string;
}

export interface HpaBehavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

export interface HpaSpec {
  scaleTargetRef: CrossVersionObjectReference;
  /** Defaulted to 1. 0 only with at least one Object or External metric (scale to zero). */
  minReplicas: number;
  maxReplicas: number;
  /** Defaulted, when empty, to CPU Utilization 80 %. */
  metrics: MetricSpec[];
  /** Present only when the user wrote `behavior` (the legacy path runs otherwise), then fully defaulted. */
  behavior?: HpaBehavior;
}

// ───────────────────────────── status (stored, served back) ─────────────────────────────

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export interface HpaCondition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** ms; changes only when status changes (as Kubernetes' setCondition). */
  lastTransitionTime: number;
}

/** One entry of status.currentMetrics (Kubernetes' MetricStatus; quantities as strings). */
export type MetricStatus =
  | { type: 'Resource'; resource: { name: string; current: MetricValueStatus } }
  | { type: 'ContainerResource'; containerResource: { name: string; container: string; current: MetricValueStatus } }
  | { type: 'Pods'; pods: { metric: MetricIdentifier; current: MetricValueStatus } }
  | { type: 'Object'; object: { describedObject: CrossVersionObjectReference; metric: MetricIdentifier; current: MetricValueStatus } }
  | { type: 'External'; external: { metric: MetricIdentifier; current: MetricValueStatus } };

export interface MetricValueStatus {
  averageUtilization?: number;
  value?: string;
  averageValue?: string;
}

export interface HpaStatus {
  currentReplicas: number;
  desiredReplicas: number;
  currentMetrics: MetricStatus[];
  /** ms */
  lastScaleTime: number | null;
  conditions: HpaCondition[];
}

// ───────────────────────────── algorithm inputs ─────────────────────────────

/** Controller settings (kube-controller-manager flags). */
export interface ControllerConfig {
  /** --horizontal-pod-autoscaler-tolerance, both directions (0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  delayOfInitialReadinessStatusMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
  downscaleStabilizationWindowMs: number;
}

export const DEFAULT_CONTROLLER_CONFIG: Readonly<ControllerConfig> = Object.freeze({
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
  downscaleStabilizationWindowMs: 5 * 60_000,
});

/** The tolerance the replica calculator applies: within iff 1 − down ≤ ratio ≤ 1 + up (inclusive). */
export interface Tolerances {
  up: number;
  down: number;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A pod of the scale target, as the replica calculator sees it. */
export interface PodInfo {
  name: string;
  phase: PodPhase;
  /** deletionTimestamp is set. */
  deleting: boolean;
  /** The PodReady condition: null when the pod has none. */
  ready: boolean | null;
  /** lastTransitionTime of PodReady (ms), null when there is no condition. */
  readyTransitionAt: number | null;
  /** status.startTime (ms), null when not started. */
  startedAt: number | null;
  /** Per container, its requests as milli-values by resource name ('cpu', 'memory'); a missing key = no request. */
  containers: { name: string; requests: Record<string, bigint> }[];
}

/** One pod's sample of one metric: the value (milli), when it was taken and over what window. */
export interface PodMetric {
  value: bigint;
  timestamp: number;
  windowMs: number;
}

/** Pod name → sample. For Resource metrics the value is the sum over containers (or the named container's). */
export type PodMetrics = Map<string, PodMetric>;

/** What one per-metric computation yields (Kubernetes' replica calculator return values). */
export type ReplicaProposal =
  | {
      ok: true;
      replicas: number;
      /** Utilization targets: the integer percentage; otherwise undefined. */
      utilization?: number;
      /** The average (Resource, Pods: floor(Σ/n); Object/External AverageValue: the per-pod average) or value, milli. */
      value: bigint;
      /** The newest sample time the proposal used (ms). */
      timestamp: number;
    }
  | { ok: false; error: string };

// ───────────────────────────── stabilization and rate limits ─────────────────────────────

export interface Recommendation {
  replicas: number;
  at: number;
}

export interface ScaleEvent {
  /** Absolute size of the change (≥ 0). */
  change: number;
  at: number;
  outdated: boolean;
}

/**
 * What Kubernetes keeps per HPA in memory (and loses on restart); stored here, so a worker
 * crash or a move to another worker changes no decision. `recommendations` null = never seen
 * (the first reconcile seeds it with {currentReplicas, now}).
 */
export interface AutoscalerMemory {
  recommendations: Recommendation[] | null;
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

/** The outcome of normalizing the maximum proposal into the replicas to set. */
export interface Normalized {
  replicas: number;
  /** The recommendation after stabilization, before the rate limits / clamping. */
  stabilized: number;
  /** AbleToScale's reason (ReadyForNewScale, ScaleDownStabilized, ScaleUpStabilized) and message. */
  ableToScale: { reason: string; message: string };
  /** ScalingLimited: status True iff replicas ≠ stabilized; reason TooFewReplicas, TooManyReplicas, ScaleUpLimit, ScaleDownLimit or DesiredWithinRange. */
  scalingLimited: { status: 'True' | 'False'; reason: string; message: string };
  /** The recommendation list after storing this proposal. */
  recommendations: Recommendation[];
}
