import { describe, it, expect } from 'vitest';
import { reconcileAutoscaler, type MetricInput, type ReconcileInput, type ReconcileOutput, type ScaleTarget } from './reconcile';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from './normalize';
import type {
  AutoscalerMemory,
  ConditionType,
  ControllerConfig,
  CrossVersionObjectReference,
  HpaCondition,
  HpaSpec,
  HpaStatus,
  MetricSpec,
  MetricStatus,
  PodInfo,
  PodMetrics,
  PodPhase,
  Recommendation,
  ScalingPolicy,
  ScalingRules,
} from './types';

/*
 * One reconcile of an HPA, checked against the controller-level tests of Kubernetes'
 * pkg/controller/podautoscaler/horizontal_test.go (the ones that run reconcileAutoscaler through
 * fake clients). Each upstream fixture is rebuilt here the way its fake clients answer:
 *
 *  - pods: as many as reportedCPURequests names (else statusReplicas), "test-pod-<i>", Running,
 *    PodReady True, both the start time and the PodReady transition at the start time given (Go's
 *    zero time when none is: long before anything), two containers each requesting half the pod's
 *    CPU request (default 1 CPU);
 *  - resource metrics: one sample per reportedLevels entry, taken now over a 1 min window, each of
 *    the two containers reporting level/2 (integer division: 95 reads as 94 for the pod);
 *  - custom (Pods) metrics: level as a milli-value per pod; an Object metric: reportedLevels[0];
 *    an External metric: every level as one series;
 *  - the scale: spec.replicas = specReplicas, status.replicas = statusReplicas, selector set;
 *  - the HPA's status: currentReplicas = desiredReplicas = specReplicas, no conditions;
 *  - the recommendation history: unset (the controller seeds it) unless the test gives one.
 *
 * Controller settings as upstream's harness: tolerance 0.1, CPU initialization period 2 min,
 * initial readiness delay 10 s, downscale stabilization 5 min. "Hot" pods start now, "cool" ones
 * 3 min ago. Upstream's harness raises the legacy scale-up factor to 8 where the controller (and
 * this port) use 2, i.e. a cap of max(2·current, 4). No ported expectation reaches that cap
 * (each is bounded by maxReplicas first); one extra case below shows the real cap.
 *
 * A metric of an unknown source type ("CheddarCheese") cannot be written here: the spec type
 * admits the five real sources only, and the API refuses others. Those tests are ported with an
 * External metric whose read fails instead: same decision, the condition reason reads
 * FailedGetExternalMetric where upstream's reads InvalidMetricSourceType.
 */

const NOW = 1_700_000_000_000;
const GO_ZERO = 0;
const SEC = 1000;
const MINUTE = 60 * SEC;
const HOT = NOW;
const COOL = NOW - 3 * MINUTE;

const CONFIG: ControllerConfig = Object.freeze({
  tolerance: 0.1,
  cpuInitializationPeriodMs: 2 * MINUTE,
  delayOfInitialReadinessStatusMs: 10 * SEC,
  downscaleStabilizationWindowMs: 5 * MINUTE,
});

const RC: CrossVersionObjectReference = { apiVersion: 'v1', kind: 'ReplicationController', name: 'test-rc' };
const DEPLOYMENT: CrossVersionObjectReference = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'test-dep' };
const REPLICASET: CrossVersionObjectReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'test-replicaset' };
const SOME_DEPLOYMENT: CrossVersionObjectReference = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'some-deployment' };

/** How Go's %+v prints the empty *metav1.LabelSelector upstream's External metrics carry. */
const EMPTY_SELECTOR_TEXT = '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}';
const CPU_ABOVE = 'cpu resource utilization (percentage of request) above target';
const BELOW = 'All metrics below target';

// ───────────────────────────── metric specs as upstream writes them ─────────────────────────────

const cpuUtilization = (percent: number): MetricSpec => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } });
const containerCpu = (container: string, percent: number): MetricSpec => ({
  type: 'ContainerResource',
  containerResource: { name: 'cpu', container, target: { type: 'Utilization', averageUtilization: percent } },
});
const podsQps = (averageValue: string): MetricSpec => ({ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } } });
const objectQps = (value: string): MetricSpec => ({ type: 'Object', object: { describedObject: SOME_DEPLOYMENT, metric: { name: 'qps' }, target: { type: 'Value', value } } });
const objectQpsPerPod = (averageValue: string): MetricSpec => ({
  type: 'Object',
  object: { describedObject: SOME_DEPLOYMENT, metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } },
});
const externalQps = (value: string): MetricSpec => ({ type: 'External', external: { metric: { name: 'qps', selector: {} }, target: { type: 'Value', value } } });
const externalQpsPerPod = (averageValue: string): MetricSpec => ({
  type: 'External',
  external: { metric: { name: 'qps', selector: {} }, target: { type: 'AverageValue', averageValue } },
});
/** Stands in for upstream's "CheddarCheese" metric: an External metric whose read fails. */
const CHEDDAR: MetricSpec = { type: 'External', external: { metric: { name: 'cheddar' }, target: { type: 'Value', value: '1' } } };

/** Upstream's generateScalingRules: selectPolicy Max, the given window, a Pods and/or a Percent policy. */
function scalingRules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): ScalingRules {
  const policies: ScalingPolicy[] = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', policies };
}

// ───────────────────────────── the fixture (upstream's testCase) ─────────────────────────────

interface Fixture {
  minReplicas: number;
  maxReplicas: number;
  specReplicas: number;
  statusReplicas: number;
  /** > 0: a CPU Utilization metric comes first (upstream's CPUTarget). */
  cpuTarget?: number;
  /** Appended after the CPU metric (upstream's metricsTarget). */
  metrics?: MetricSpec[];
  /** upstream's reportedLevels (millicores for CPU, milli-values for custom metrics). */
  levels?: number[];
  /** upstream's reportedCPURequests in millicores; its length is the pod count. */
  cpuRequests?: number[];
  readiness?: boolean[];
  startTimes?: number[];
  phases?: PodPhase[];
  deleting?: boolean[];
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
  /** undefined: none yet, the controller seeds it (upstream's nil); [] and others as given. */
  recommendations?: Recommendation[];
  lastScaleTime?: number;
  resource?: CrossVersionObjectReference;
  /** Indexes (in the final metric list) whose read fails ("something went wrong"). */
  failing?: number[];
  /** The scale has no selector (TestConditionInvalidSelectorMissing). */
  noSelector?: boolean;
  /** Getting the scale fails (TestConditionFailedGetScale). */
  getScaleError?: string;
  activationThreshold?: bigint;
  now?: number;
}

function metricsOf(f: Fixture): MetricSpec[] {
  const metrics: MetricSpec[] = [];
  if ((f.cpuTarget ?? 0) > 0) metrics.push(cpuUtilization(f.cpuTarget!));
  metrics.push(...(f.metrics ?? []));
  // The API server's default when no metric is written: CPU at 80 %.
  if (metrics.length === 0) metrics.push(cpuUtilization(80));
  return metrics;
}

function specOf(f: Fixture): HpaSpec {
  const spec: HpaSpec = { scaleTargetRef: f.resource ?? RC, minReplicas: f.minReplicas, maxReplicas: f.maxReplicas, metrics: metricsOf(f) };
  // SetDefaults_HorizontalPodAutoscalerBehavior: a written direction makes the whole behavior, the other defaulted.
  if (f.scaleUp || f.scaleDown) spec.behavior = { scaleUp: f.scaleUp ?? DEFAULT_SCALE_UP, scaleDown: f.scaleDown ?? DEFAULT_SCALE_DOWN };
  return spec;
}

function podsOf(f: Fixture): PodInfo[] {
  const count = f.cpuRequests !== undefined ? f.cpuRequests.length : f.statusReplicas;
  const pods: PodInfo[] = [];
  for (let i = 0; i < count; i++) {
    const request = BigInt(f.cpuRequests?.[i] ?? 1000);
    const start = f.startTimes?.[i] ?? GO_ZERO;
    pods.push({
      name: `test-pod-${i}`,
      phase: f.phases?.[i] ?? 'Running',
      deleting: f.deleting?.[i] ?? false,
      ready: f.readiness?.[i] ?? true,
      readyTransitionAt: start,
      startedAt: start,
      containers: [
        { name: 'container1', requests: { cpu: request / 2n } },
        { name: 'container2', requests: { cpu: request / 2n } },
      ],
    });
  }
  return pods;
}

/** One sample per level: "test-pod-<i>", now, over 1 min; `value` turns the level into the pod's sample. */
function podSamples(levels: number[], value: (level: number) => bigint): PodMetrics {
  const out: PodMetrics = new Map();
  levels.forEach((level, i) => out.set(`test-pod-${i}`, { value: value(level), timestamp: NOW, windowMs: MINUTE }));
  return out;
}

/** What upstream's fake metrics clients answer for each metric of the spec. */
function inputsOf(f: Fixture, metrics: MetricSpec[]): MetricInput[] {
  const levels = f.levels ?? [];
  const half = (l: number) => BigInt(Math.floor(l / 2));
  return metrics.map((m, i): MetricInput => {
    if (f.failing?.includes(i)) return { kind: 'error', error: 'something went wrong' };
    switch (m.type) {
      case 'Resource':
        return { kind: 'pods', metrics: podSamples(levels, (l) => 2n * half(l)) };
      case 'ContainerResource':
        return { kind: 'pods', metrics: podSamples(levels, half) };
      case 'Pods':
        return { kind: 'pods', metrics: podSamples(levels, (l) => BigInt(l)) };
      case 'Object':
        return { kind: 'values', values: [BigInt(levels[0])], timestamp: NOW };
      case 'External':
        return { kind: 'values', values: levels.map((l) => BigInt(l)), timestamp: NOW };
    }
  });
}

function inputOf(f: Fixture, overrides: Partial<ReconcileInput> = {}): ReconcileInput {
  const spec = specOf(f);
  const target: ScaleTarget = f.getScaleError
    ? { ok: false, error: f.getScaleError }
    : { ok: true, specReplicas: f.specReplicas, statusReplicas: f.statusReplicas, hasSelector: !f.noSelector };
  const memory: AutoscalerMemory = { recommendations: f.recommendations ?? null, scaleUpEvents: [], scaleDownEvents: [] };
  const status: HpaStatus = { currentReplicas: f.specReplicas, desiredReplicas: f.specReplicas, currentMetrics: [], lastScaleTime: f.lastScaleTime ?? null, conditions: [] };
  return {
    spec,
    status,
    memory,
    target,
    pods: podsOf(f),
    metrics: inputsOf(f, spec.metrics),
    activationThreshold: f.activationThreshold ?? 0n,
    now: f.now ?? NOW,
    config: CONFIG,
    ...overrides,
  };
}

// ───────────────────────────── expectations ─────────────────────────────

type Cond = [ConditionType, 'True' | 'False', string];

/** Upstream's statusOk: rescaled, a valid metric, desired within range. */
const STATUS_OK: Cond[] = [
  ['AbleToScale', 'True', 'SucceededRescale'],
  ['ScalingActive', 'True', 'ValidMetricFound'],
  ['ScalingLimited', 'False', 'DesiredWithinRange'],
];

/** Upstream's statusOkWithOverrides: statusOk with each override replacing the condition of its type. */
function ok(...overrides: Cond[]): Cond[] {
  let out = STATUS_OK.map((c) => [...c] as Cond);
  for (const o of overrides) out = out.map((c) => (c[0] === o[0] ? o : c));
  return out;
}

const readyForNewScale: Cond = ['AbleToScale', 'True', 'ReadyForNewScale'];
const scaleDownStabilized: Cond = ['AbleToScale', 'True', 'ScaleDownStabilized'];
const limited = (reason: string): Cond => ['ScalingLimited', 'True', reason];
const gotScaleThenInactive = (reason: string): Cond[] => [
  ['AbleToScale', 'True', 'SucceededGetScale'],
  ['ScalingActive', 'False', reason],
];

const condTuples = (conditions: HpaCondition[]): Cond[] => conditions.map((c) => [c.type, c.status as 'True' | 'False', c.reason]);

function cpuUtilizationOf(metrics: MetricStatus[]): number | undefined {
  for (const m of metrics) if (m.type === 'Resource' && m.resource.name === 'cpu') return m.resource.current.averageUtilization;
  return undefined;
}

interface Expected {
  desiredReplicas: number;
  /** Default: upstream's statusOk. */
  conditions?: Cond[];
  /** upstream's verifyCPUCurrent: the CPU utilization reported in status.currentMetrics. */
  cpuCurrent?: number;
  /** The SuccessfulRescale reason (after "New size: N; reason: "). */
  reason?: string;
  /** Warning event reasons, in order. Default none. */
  warnings?: string[];
}

interface Case extends Fixture, Expected {
  name: string;
}

function check(c: Case, out: ReconcileOutput): void {
  const expectRescale = c.desiredReplicas !== c.specReplicas;
  expect(out.status.desiredReplicas).toBe(c.desiredReplicas);
  if (!c.getScaleError) expect(out.status.currentReplicas).toBe(c.specReplicas);
  expect(condTuples(out.status.conditions)).toEqual(c.conditions ?? STATUS_OK);
  expect(out.warnings.map((w) => w.reason)).toEqual(c.warnings ?? []);
  if (c.cpuCurrent !== undefined) expect(cpuUtilizationOf(out.status.currentMetrics)).toBe(c.cpuCurrent);
  if (expectRescale) {
    expect(out.rescale).not.toBeNull();
    expect(out.rescale!.from).toBe(c.specReplicas);
    expect(out.rescale!.to).toBe(c.desiredReplicas);
    expect(out.rescale!.message.startsWith(`New size: ${c.desiredReplicas}; reason: `)).toBe(true);
    if (c.reason !== undefined) expect(out.rescale!.message).toBe(`New size: ${c.desiredReplicas}; reason: ${c.reason}`);
    expect(out.status.lastScaleTime).toBe(c.now ?? NOW);
  } else {
    expect(out.rescale).toBeNull();
    expect(out.status.lastScaleTime).toBe(c.lastScaleTime ?? null);
  }
}

const ONE_CPU = 1000;
const cpus = (n: number, milli = ONE_CPU) => Array.from({ length: n }, () => milli);
const T = true;
const F = false;

// ───────────────────────────── the ported table ─────────────────────────────

const cases: Case[] = [
  // ── scale up on CPU ──
  {
    name: 'TestScaleUp: 50 % against a 30 % target on 3 pods asks for 5',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30,
    levels: [300, 500, 700], cpuRequests: cpus(3),
    desiredReplicas: 5, cpuCurrent: 50, reason: CPU_ABOVE,
  },
  {
    name: 'TestScaleUpContainer: container1 alone at 50 % of its request against 30 % asks for 5',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [containerCpu('container1', 30)],
    levels: [300, 500, 700], cpuRequests: cpus(3),
    desiredReplicas: 5, reason: 'cpu container resource utilization (percentage of request) above target',
  },
  {
    name: 'TestScaleUpUnreadyLessScale: an unready pod counts as 0 % on a scale-up, so 4 instead of 5',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30,
    levels: [300, 500, 700], cpuRequests: cpus(3), readiness: [F, T, T],
    desiredReplicas: 4, cpuCurrent: 60, reason: CPU_ABOVE,
  },
  {
    name: 'TestScaleUpHotCpuLessScale: a pod still in its CPU initialization period counts as 0 %, so 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30,
    levels: [300, 500, 700], cpuRequests: cpus(3), startTimes: [HOT, COOL, COOL],
    desiredReplicas: 4, cpuCurrent: 60, reason: CPU_ABOVE,
  },
  {
    name: 'TestScaleUpUnreadyNoScale: two unready pods at 0 % pull the ratio below 1, so no scale',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30,
    levels: [400, 500, 700], cpuRequests: cpus(3), readiness: [T, F, F],
    desiredReplicas: 3, cpuCurrent: 40, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestScaleUpHotCpuNoScale: two hot unready pods at 0 % pull the ratio below 1, so no scale',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30,
    levels: [400, 500, 700], cpuRequests: cpus(3), readiness: [T, F, F], startTimes: [COOL, HOT, HOT],
    desiredReplicas: 3, cpuCurrent: 40, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestScaleUpIgnoresFailedPods: failed pods take no part; 2 pods at 60 % against 30 % ask for 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 2, statusReplicas: 2, cpuTarget: 30,
    levels: [500, 700], cpuRequests: cpus(4), readiness: [T, T, F, F], phases: ['Running', 'Running', 'Failed', 'Failed'],
    desiredReplicas: 4, cpuCurrent: 60, reason: CPU_ABOVE,
  },
  {
    name: 'TestScaleUpIgnoresDeletionPods: pods being deleted take no part; 2 pods at 60 % ask for 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 2, statusReplicas: 2, cpuTarget: 30,
    levels: [500, 700], cpuRequests: cpus(4), readiness: [T, T, F, F], deleting: [F, F, T, T],
    desiredReplicas: 4, cpuCurrent: 60, reason: CPU_ABOVE,
  },
  {
    name: 'TestScaleUpDeployment: a Deployment target scales like a ReplicationController (5)',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, resource: DEPLOYMENT,
    levels: [300, 500, 700], cpuRequests: cpus(3),
    desiredReplicas: 5, cpuCurrent: 50, reason: CPU_ABOVE,
  },
  {
    name: 'TestScaleUpReplicaSet: a ReplicaSet target scales like a ReplicationController (5)',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, resource: REPLICASET,
    levels: [300, 500, 700], cpuRequests: cpus(3),
    desiredReplicas: 5, cpuCurrent: 50, reason: CPU_ABOVE,
  },

  // ── scale up on custom metrics ──
  {
    name: 'TestScaleUpCM: a Pods metric averaging 20 against 15 on 3 pods asks for 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [podsQps('15')],
    levels: [20000, 10000, 30000], cpuRequests: cpus(3),
    desiredReplicas: 4, reason: 'pods metric qps above target',
  },
  {
    name: 'TestScaleUpCMUnreadyAndHotCpuNoLessScale: a Pods metric ignores readiness and CPU warm-up: 30 against 15 on 3 pods asks for 6',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [podsQps('15')],
    levels: [50000, 10000, 30000], cpuRequests: cpus(3), readiness: [T, T, F], startTimes: [COOL, COOL, HOT],
    desiredReplicas: 6, reason: 'pods metric qps above target',
  },
  {
    name: 'TestScaleUpCMUnreadyandCpuHot: unready hot pods still count for a Pods metric; 7 is held at maxReplicas 6',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [podsQps('15')],
    levels: [50000, 15000, 30000], cpuRequests: cpus(3), readiness: [F, T, F], startTimes: [HOT, COOL, HOT],
    desiredReplicas: 6, conditions: ok(limited('TooManyReplicas')), reason: 'pods metric qps above target',
  },
  {
    name: 'TestScaleUpHotCpuNoScaleWouldScaleDown: hot pods still count for a Pods metric; 7 is held at maxReplicas 6',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [podsQps('15')],
    levels: [50000, 15000, 30000], cpuRequests: cpus(3), startTimes: [HOT, COOL, HOT],
    desiredReplicas: 6, conditions: ok(limited('TooManyReplicas')), reason: 'pods metric qps above target',
  },
  {
    name: 'TestScaleUpCMObject: an Object metric at 20 against a Value of 15 times 3 ready pods asks for 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [objectQps('15')],
    levels: [20000],
    desiredReplicas: 4, reason: 'Deployment metric qps above target',
  },
  {
    name: 'TestScaleUpFromZeroCMObject: from 0 replicas (minReplicas 0) an Object metric asks for ceil(20/15) = 2',
    minReplicas: 0, maxReplicas: 6, specReplicas: 0, statusReplicas: 0, metrics: [objectQps('15')],
    levels: [20000],
    desiredReplicas: 2, reason: 'Deployment metric qps above target',
  },
  {
    name: 'TestScaleUpFromZeroIgnoresToleranceCMObject: from 0 replicas a ratio of exactly 1 still asks for 1',
    minReplicas: 0, maxReplicas: 6, specReplicas: 0, statusReplicas: 0, metrics: [objectQps('1')],
    levels: [1000],
    desiredReplicas: 1, reason: 'Deployment metric qps above target',
  },
  {
    name: 'TestScaleUpPerPodCMObject: an Object metric of 40 against 10 per pod asks for ceil(40/10) = 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [objectQpsPerPod('10')],
    levels: [40000],
    // upstream names an Object AverageValue metric "external metric …" in its events; so does the port
    desiredReplicas: 4, reason: 'external metric qps(nil) above target',
  },
  {
    name: 'TestScaleUpCMExternal: an External metric at 8.6 against a Value of 6.666 times 3 ready pods asks for 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [externalQps('6666m')],
    levels: [8600],
    desiredReplicas: 4, reason: `external metric qps(${EMPTY_SELECTOR_TEXT}) above target`,
  },
  {
    name: 'TestScaleUpPerPodCMExternal: an External metric of 8.6 against 2.222 per pod asks for ceil(3.87) = 4',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [externalQpsPerPod('2222m')],
    levels: [8600],
    desiredReplicas: 4, reason: `external metric qps(${EMPTY_SELECTOR_TEXT}) above target`,
  },

  // ── scale down ──
  {
    name: 'TestScaleDown: 28 % against 50 % on 5 pods asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50,
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 3, cpuCurrent: 28, reason: BELOW,
  },
  {
    name: 'TestScaleDownContainerResource: container2 alone at 28 % against 50 % asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [containerCpu('container2', 50)],
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 3, reason: BELOW,
  },
  {
    name: 'TestScaleDownWithScalingRules: written scale-up rules put the HPA on the behavior path; the default scale-down allows 5 → 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, scaleUp: scalingRules(0, 0, 100, 15, 30),
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 3, cpuCurrent: 28, reason: BELOW,
  },
  {
    name: 'TestScaleDownStabilizeInitialSize: a new HPA remembers its current size, so a scale-down waits out the window',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50,
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), recommendations: undefined,
    desiredReplicas: 5, cpuCurrent: 28, conditions: ok(scaleDownStabilized),
  },
  {
    name: 'TestScaleDownCM: a Pods metric averaging 12 against 20 on 5 pods asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [podsQps('20')],
    levels: [12000, 12000, 12000, 12000, 12000], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 3, reason: BELOW,
  },
  {
    name: 'TestScaleDownCMObject: an Object metric at 12 against a Value of 20 times 5 ready pods asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [objectQps('20')],
    levels: [12000], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 3, reason: BELOW,
  },
  {
    name: 'TestScaleDownToZeroCMObject: with minReplicas 0 an Object metric at 0 takes the target to 0',
    minReplicas: 0, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [objectQps('20')],
    levels: [0], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 0, reason: BELOW,
  },
  {
    name: 'TestScaleDownPerPodCMObject: an Object metric of 60 against 20 per pod asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [objectQpsPerPod('20')],
    levels: [60000], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 3, reason: BELOW,
  },
  {
    name: 'TestScaleDownCMExternal: an External metric at 8.6 against a Value of 14.4 times 5 ready pods asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [externalQps('14400m')],
    levels: [8600], recommendations: [],
    desiredReplicas: 3, reason: BELOW,
  },
  {
    name: 'TestScaleDownToZeroCMExternal: with minReplicas 0 an External metric at 0 takes the target to 0',
    minReplicas: 0, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [externalQps('14400m')],
    levels: [0], recommendations: [],
    desiredReplicas: 0, reason: BELOW,
  },
  {
    name: 'TestScaleDownPerPodCMExternal: an External metric of 8.6 against 3 per pod asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, metrics: [externalQpsPerPod('3000m')],
    levels: [8600], recommendations: [],
    desiredReplicas: 3, reason: BELOW,
  },
  {
    name: 'TestScaleDownIncludeUnreadyPods: unready pods are left out of a scale-down: 30 % on 3 ready pods asks for 2',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50,
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), readiness: [T, T, T, F, F], recommendations: [],
    desiredReplicas: 2, cpuCurrent: 30, reason: BELOW,
  },
  {
    name: 'TestScaleDownIgnoreHotCpuPods: hot pods are left out of a scale-down: 30 % on 3 pods asks for 2',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50,
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), startTimes: [COOL, COOL, COOL, HOT, HOT], recommendations: [],
    desiredReplicas: 2, cpuCurrent: 30, reason: BELOW,
  },
  {
    name: 'TestScaleDownIgnoresFailedPods: failed pods take no part: 28 % on 5 pods asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50,
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(7), readiness: [T, T, T, T, T, F, F],
    phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'], recommendations: [],
    desiredReplicas: 3, cpuCurrent: 28, reason: BELOW,
  },
  {
    name: 'TestScaleDownIgnoresDeletionPods: pods being deleted take no part: 28 % on 5 pods asks for 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50,
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(7), readiness: [T, T, T, T, T, F, F],
    deleting: [F, F, F, F, F, T, T], recommendations: [],
    desiredReplicas: 3, cpuCurrent: 28, reason: BELOW,
  },

  // ── one metric failing ──
  {
    name: 'TestScaleUpOneMetricInvalid: a failing second metric does not stop a scale-up the CPU metric asks for (4)',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, metrics: [CHEDDAR], failing: [1],
    levels: [300, 400, 500], cpuRequests: cpus(3),
    desiredReplicas: 4, cpuCurrent: 40, reason: CPU_ABOVE, warnings: ['FailedGetExternalMetric'],
  },
  {
    name: 'TestScaleUpOneMetricEmpty: an External metric that cannot be read does not stop a CPU scale-up (4)',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, metrics: [externalQps('100m')], failing: [1],
    levels: [300, 400, 500], cpuRequests: cpus(3),
    desiredReplicas: 4, cpuCurrent: 40, reason: CPU_ABOVE, warnings: ['FailedGetExternalMetric'],
  },
  {
    name: 'TestScaleUpFromZeroOneMetricInvalid (Kubernetes ≤ 1.34, before the ScaledToZero condition): from 0 with minReplicas 0 the CPU metric alone asks for 4',
    minReplicas: 0, maxReplicas: 6, specReplicas: 0, statusReplicas: 0, cpuTarget: 30, metrics: [CHEDDAR], failing: [1],
    levels: [300, 400, 500], cpuRequests: cpus(3), recommendations: [],
    desiredReplicas: 4, cpuCurrent: 40, reason: CPU_ABOVE, warnings: ['FailedGetExternalMetric'],
  },
  {
    name: 'TestScaleUpBothMetricsEmpty: when no metric can be read nothing scales and ScalingActive turns False',
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, metrics: [CHEDDAR], failing: [0],
    levels: [], cpuRequests: cpus(3),
    desiredReplicas: 3, conditions: gotScaleThenInactive('FailedGetExternalMetric'),
    warnings: ['FailedGetExternalMetric', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestNoScaleDownOneMetricInvalid (was TestScaleDownOneMetricInvalid): a failing metric blocks the scale-down the others ask for',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, metrics: [CHEDDAR], failing: [1],
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 5, conditions: gotScaleThenInactive('FailedGetExternalMetric'),
    warnings: ['FailedGetExternalMetric', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestNoScaleDownOneMetricEmpty (was TestScaleDownOneMetricEmpty): an External metric that cannot be read blocks a scale-down',
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, metrics: [externalQps('1000m')], failing: [1],
    levels: [100, 300, 500, 250, 250], cpuRequests: cpus(5), recommendations: [],
    desiredReplicas: 5, conditions: gotScaleThenInactive('FailedGetExternalMetric'),
    warnings: ['FailedGetExternalMetric', 'FailedComputeMetricsReplicas'],
  },

  // ── tolerance ──
  {
    name: 'TestTolerance: 102 % against 100 % is within the 10 % tolerance',
    minReplicas: 1, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 100,
    levels: [1010, 1030, 1020], cpuRequests: [900, 1000, 1100],
    desiredReplicas: 3, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestToleranceCM: a Pods metric averaging 20.333 against 20 is within tolerance',
    minReplicas: 1, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, metrics: [podsQps('20')],
    levels: [20000, 20001, 21000], cpuRequests: [900, 1000, 1100],
    desiredReplicas: 3, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestToleranceCMObject: an Object metric at 20.05 against 20 is within tolerance',
    minReplicas: 1, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, metrics: [objectQps('20')],
    levels: [20050], cpuRequests: [900, 1000, 1100],
    desiredReplicas: 3, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestToleranceCMExternal: an External metric at 8.6 against 8.666 is within tolerance',
    minReplicas: 2, maxReplicas: 6, specReplicas: 4, statusReplicas: 4, metrics: [externalQps('8666m')],
    levels: [8600],
    desiredReplicas: 4, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestTolerancePerPodCMObject: an Object metric of 8.6 against 2.2 × 4 pods is within tolerance',
    minReplicas: 2, maxReplicas: 6, specReplicas: 4, statusReplicas: 4,
    metrics: [{ type: 'Object', object: { describedObject: SOME_DEPLOYMENT, metric: { name: 'qps', selector: {} }, target: { type: 'AverageValue', averageValue: '2200m' } } }],
    levels: [8600],
    desiredReplicas: 4, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestTolerancePerPodCMExternal: an External metric of 8.6 against 2.2 × 4 pods is within tolerance',
    minReplicas: 2, maxReplicas: 6, specReplicas: 4, statusReplicas: 4, metrics: [externalQpsPerPod('2200m')],
    levels: [8600],
    desiredReplicas: 4, conditions: ok(readyForNewScale),
  },

  // ── min / max ──
  {
    name: 'TestMinReplicas: 3 % against 90 % asks for 1, held at minReplicas 2',
    minReplicas: 2, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90,
    levels: [10, 95, 10], cpuRequests: [900, 1000, 1100], recommendations: [],
    desiredReplicas: 2, conditions: ok(limited('TooFewReplicas')), reason: BELOW,
  },
  {
    name: 'TestZeroMinReplicasDesiredZero: with minReplicas 0 an idle CPU metric takes the target to 0',
    minReplicas: 0, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90,
    levels: [0, 0, 0], cpuRequests: [900, 1000, 1100], recommendations: [],
    desiredReplicas: 0, reason: BELOW,
  },
  {
    name: 'TestMinReplicasDesiredZero: an idle CPU metric asks for 0, held at minReplicas 2',
    minReplicas: 2, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90,
    levels: [0, 0, 0], cpuRequests: [900, 1000, 1100], recommendations: [],
    desiredReplicas: 2, conditions: ok(limited('TooFewReplicas')), reason: BELOW,
  },
  {
    name: 'TestZeroReplicas: a target scaled to 0 by hand (minReplicas 3) disables autoscaling',
    minReplicas: 3, maxReplicas: 5, specReplicas: 0, statusReplicas: 0, cpuTarget: 90,
    levels: [], cpuRequests: [],
    desiredReplicas: 0, conditions: gotScaleThenInactive('ScalingDisabled'),
  },
  {
    name: 'TestTooFewReplicas: a target below minReplicas goes to minReplicas without reading metrics',
    minReplicas: 3, maxReplicas: 5, specReplicas: 2, statusReplicas: 2, cpuTarget: 90,
    levels: [], cpuRequests: [],
    desiredReplicas: 3, conditions: [['AbleToScale', 'True', 'SucceededRescale']], reason: 'Current number of replicas below Spec.MinReplicas',
  },
  {
    name: 'TestTooManyReplicas: a target above maxReplicas goes to maxReplicas without reading metrics',
    minReplicas: 3, maxReplicas: 5, specReplicas: 10, statusReplicas: 10, cpuTarget: 90,
    levels: [], cpuRequests: [],
    desiredReplicas: 5, conditions: [['AbleToScale', 'True', 'SucceededRescale']], reason: 'Current number of replicas above Spec.MaxReplicas',
  },
  {
    name: 'TestMaxReplicas: 616 % against 90 % asks for 21, held at maxReplicas 5',
    minReplicas: 2, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90,
    levels: [8000, 9500, 1000], cpuRequests: [900, 1000, 1100],
    desiredReplicas: 5, conditions: ok(limited('TooManyReplicas')), reason: CPU_ABOVE,
  },
  {
    name: "TestMaxReplicas with maxReplicas raised to 30 (not upstream: its harness's factor 8 would give 21): the legacy cap max(2·3, 4) = 6 holds it",
    minReplicas: 2, maxReplicas: 30, specReplicas: 3, statusReplicas: 3, cpuTarget: 90,
    levels: [8000, 9500, 1000], cpuRequests: [900, 1000, 1100],
    desiredReplicas: 6, conditions: ok(limited('ScaleUpLimit')), reason: CPU_ABOVE,
  },
  {
    name: 'TestSuperfluousMetrics: samples of pods the target does not have are skipped; 24 is held at maxReplicas 6',
    minReplicas: 2, maxReplicas: 6, specReplicas: 4, statusReplicas: 4, cpuTarget: 100,
    levels: [4000, 9500, 3000, 7000, 3200, 2000], cpuRequests: cpus(4),
    desiredReplicas: 6, conditions: ok(limited('TooManyReplicas')), reason: CPU_ABOVE,
  },
  {
    name: 'TestMissingMetrics: on a scale-down pods without samples count as at their request: 4 → 3',
    minReplicas: 2, maxReplicas: 6, specReplicas: 4, statusReplicas: 4, cpuTarget: 100,
    levels: [400, 95], cpuRequests: cpus(4), recommendations: [],
    desiredReplicas: 3, reason: BELOW,
  },
  {
    name: 'TestEmptyMetrics: no CPU samples at all: FailedGetResourceMetric and no scale',
    minReplicas: 2, maxReplicas: 6, specReplicas: 4, statusReplicas: 4, cpuTarget: 100,
    levels: [], cpuRequests: cpus(4),
    desiredReplicas: 4, conditions: gotScaleThenInactive('FailedGetResourceMetric'),
    warnings: ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestEmptyCPURequest: no pods to relate the sample to: FailedGetResourceMetric and no scale',
    minReplicas: 1, maxReplicas: 5, specReplicas: 1, statusReplicas: 1, cpuTarget: 100,
    levels: [200], cpuRequests: [],
    desiredReplicas: 1, conditions: gotScaleThenInactive('FailedGetResourceMetric'),
    warnings: ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas'],
  },

  // ── events ──
  {
    name: 'TestEventCreated: a rescale comes with "New size: 2; reason: cpu resource utilization (percentage of request) above target"',
    minReplicas: 1, maxReplicas: 5, specReplicas: 1, statusReplicas: 1, cpuTarget: 50,
    levels: [200], cpuRequests: [200],
    desiredReplicas: 2, reason: CPU_ABOVE,
  },
  {
    name: 'TestEventNotCreated: on target, no rescale and no event',
    minReplicas: 1, maxReplicas: 5, specReplicas: 2, statusReplicas: 2, cpuTarget: 50,
    levels: [200, 200], cpuRequests: [400, 400],
    desiredReplicas: 2, conditions: ok(readyForNewScale),
  },
  {
    name: 'TestMissingReports: one pod reporting 100 % against 50 % asks for 2 of 4',
    minReplicas: 1, maxReplicas: 5, specReplicas: 4, statusReplicas: 4, cpuTarget: 50,
    levels: [200], cpuRequests: [200], recommendations: [],
    desiredReplicas: 2, reason: BELOW,
  },

  // ── rate limits ──
  {
    name: 'TestUpscaleCap: a 700 % per 60 s scale-up policy lets 3 grow to 24 of the 60 asked for',
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, statusReplicas: 3, scaleUp: scalingRules(0, 0, 700, 60, 0), cpuTarget: 10,
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 24, conditions: ok(limited('ScaleUpLimit')), reason: CPU_ABOVE,
  },
  {
    name: 'TestUpscaleCapGreaterThanMaxReplicas: the same policy is held at maxReplicas 20 first',
    minReplicas: 1, maxReplicas: 20, specReplicas: 3, statusReplicas: 3, scaleUp: scalingRules(0, 0, 700, 60, 0), cpuTarget: 10,
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 20, conditions: ok(limited('TooManyReplicas')), reason: CPU_ABOVE,
  },
  {
    name: 'TestMoreReplicasThanSpecNoScale: during a surge 5 pods on target compare with spec.replicas 4: no scale',
    minReplicas: 1, maxReplicas: 8, specReplicas: 4, statusReplicas: 5, cpuTarget: 50,
    levels: [500, 500, 500, 500, 500], cpuRequests: cpus(5),
    desiredReplicas: 4, conditions: ok(readyForNewScale),
  },

  // ── conditions ──
  {
    name: 'TestConditionInvalidSelectorMissing: a scale without a selector sets ScalingActive False / InvalidSelector',
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, noSelector: true,
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 3, conditions: gotScaleThenInactive('InvalidSelector'),
    warnings: ['SelectorRequired', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestConditionFailedGetMetrics/FailedGetResourceMetric: the resource metrics API fails',
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, failing: [0],
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 3, conditions: gotScaleThenInactive('FailedGetResourceMetric'),
    warnings: ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestConditionFailedGetMetrics/FailedGetPodsMetric: the custom metrics API fails for a Pods metric',
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, statusReplicas: 3, metrics: [podsQps('15')], failing: [0],
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 3, conditions: gotScaleThenInactive('FailedGetPodsMetric'),
    warnings: ['FailedGetPodsMetric', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestConditionFailedGetMetrics/FailedGetObjectMetric: the custom metrics API fails for an Object metric',
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, statusReplicas: 3, metrics: [objectQps('15')], failing: [0],
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 3, conditions: gotScaleThenInactive('FailedGetObjectMetric'),
    warnings: ['FailedGetObjectMetric', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestConditionFailedGetMetrics/FailedGetExternalMetric: the external metrics API fails',
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, statusReplicas: 3, metrics: [externalQps('300m')], failing: [0],
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 3, conditions: gotScaleThenInactive('FailedGetExternalMetric'),
    warnings: ['FailedGetExternalMetric', 'FailedComputeMetricsReplicas'],
  },
  {
    name: 'TestConditionFailedGetScale: the scale cannot be read: AbleToScale False / FailedGetScale, nothing else',
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, getScaleError: 'something went wrong',
    levels: [100, 200, 300], cpuRequests: cpus(3, 100),
    desiredReplicas: 3, conditions: [['AbleToScale', 'False', 'FailedGetScale']], warnings: ['FailedGetScale'],
  },

  // ── no backoff, stabilization ──
  {
    name: 'TestNoBackoffUpscaleCM: a scale-up right after the last scale is not held back (3 → 4)',
    minReplicas: 1, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, metrics: [podsQps('15')], lastScaleTime: NOW,
    levels: [20000, 10000, 30000], cpuRequests: cpus(3),
    desiredReplicas: 4, reason: 'pods metric qps above target',
  },
  {
    name: 'TestNoBackoffUpscaleCMNoBackoffCpu: neither on CPU plus a Pods metric: 15 asked, held at maxReplicas 5',
    minReplicas: 1, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, metrics: [podsQps('15')], lastScaleTime: NOW,
    levels: [20000, 10000, 30000], cpuRequests: cpus(3),
    desiredReplicas: 5, conditions: ok(limited('TooManyReplicas')), reason: CPU_ABOVE,
  },
  {
    name: 'TestStabilizeDownscale: a 4 recommended 1 min ago holds a scale-down to 2; a 10 from 10 min ago no longer counts',
    minReplicas: 1, maxReplicas: 5, specReplicas: 4, statusReplicas: 4, cpuTarget: 100,
    levels: [50, 50, 50], cpuRequests: cpus(3, 100),
    recommendations: [{ replicas: 10, at: NOW - 10 * MINUTE }, { replicas: 4, at: NOW - MINUTE }],
    desiredReplicas: 4, conditions: ok(scaleDownStabilized),
  },

  // ── out of range acts at once ──
  {
    name: 'TestScaleUpRCImmediately: below minReplicas the target grows at once, right after a scale',
    minReplicas: 2, maxReplicas: 6, specReplicas: 1, statusReplicas: 1, lastScaleTime: NOW,
    levels: [0, 0, 0, 0], cpuRequests: cpus(4),
    desiredReplicas: 2, conditions: [['AbleToScale', 'True', 'SucceededRescale']], reason: 'Current number of replicas below Spec.MinReplicas',
  },
  {
    name: 'TestScaleDownRCImmediately: above maxReplicas the target shrinks at once, right after a scale',
    minReplicas: 2, maxReplicas: 5, specReplicas: 6, statusReplicas: 6, cpuTarget: 50, lastScaleTime: NOW,
    levels: [8000, 9500, 1000], cpuRequests: [900, 1000, 1100],
    desiredReplicas: 5, conditions: [['AbleToScale', 'True', 'SucceededRescale']], reason: 'Current number of replicas above Spec.MaxReplicas',
  },
];

// TestComputedToleranceAlgImplementation: 10 pods use 150 m each and request twice that; a target
// just past 1/(2·(1 − tolerance)) must scale down, one just inside it must not.
function computedToleranceCases(): Case[] {
  const startPods = 10;
  const totalUsed = startPods * 150;
  const totalRequested = 2 * totalUsed;
  const requestedToUsed = Math.trunc(totalRequested / totalUsed);
  const perPod = totalRequested / startPods;
  const requests = [perPod + 100, perPod - 100, perPod + 10, perPod - 10, perPod + 2, perPod - 2, perPod + 1, perPod - 1, perPod, perPod];
  const levels = Array.from({ length: startPods }, () => totalUsed / 10);
  const breach = Math.abs(1 / (requestedToUsed * (1 - CONFIG.tolerance))) + 0.01;
  const breachTarget = Math.trunc(breach * 100);
  const finalPods = Math.ceil((totalUsed / (totalRequested * breach)) * startPods);
  const within = Math.abs(1 / (requestedToUsed * (1 - CONFIG.tolerance))) + 0.004;
  const withinTarget = Math.trunc(within * 100);
  const base = { minReplicas: 0, maxReplicas: 1000, specReplicas: startPods, statusReplicas: startPods, levels, cpuRequests: requests, recommendations: [] };
  return [
    { name: `TestComputedToleranceAlgImplementation: a ${breachTarget} % target breaches the tolerance: 10 → ${finalPods}`, ...base, cpuTarget: breachTarget, desiredReplicas: finalPods, reason: BELOW },
    { name: `TestComputedToleranceAlgImplementation: a ${withinTarget} % target stays within the tolerance: 10 stay`, ...base, cpuTarget: withinTarget, desiredReplicas: startPods, conditions: ok(readyForNewScale) },
  ];
}

describe("ports upstream horizontal_test.go: one reconcile through the controller's fake clients", () => {
  const all = [...cases, ...computedToleranceCases()];

  it('covers every ported test with a distinct name', () => {
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
  });

  it('derives the two TestComputedToleranceAlgImplementation targets as upstream does (56 % → 9 pods, 55 % → no scale)', () => {
    const [breach, within] = computedToleranceCases();
    expect([breach.cpuTarget, breach.desiredReplicas, within.cpuTarget, within.desiredReplicas]).toEqual([56, 9, 55, 10]);
  });

  it.each(all)('$name', (c) => {
    check(c, reconcileAutoscaler(inputOf(c)));
  });
});

// ───────────────────────────── status and memory details upstream checks elsewhere ─────────────────────────────

describe('ports the status parts of upstream reconcile tests', () => {
  it('TestAvoidUnnecessaryUpdates: with nothing changed the status comes back equal (so no update is written)', () => {
    // Upstream's fixture: CPU target 80 % (its comment explains why), one cool pod at 40 %, two hot
    // ones left out; the scale-down to 1 is held at minReplicas 2, as the last status already said.
    const lastScale = NOW - 60 * MINUTE;
    const f: Fixture = {
      minReplicas: 2, maxReplicas: 6, specReplicas: 2, statusReplicas: 2, cpuTarget: 80,
      levels: [400, 500, 700], cpuRequests: cpus(3), startTimes: [COOL, HOT, HOT], lastScaleTime: lastScale, recommendations: [],
    };
    const previous: HpaStatus = {
      currentReplicas: 2,
      desiredReplicas: 2,
      lastScaleTime: lastScale,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40, averageValue: '400m' } } }],
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size', lastTransitionTime: lastScale },
        {
          type: 'ScalingActive',
          status: 'True',
          reason: 'ValidMetricFound',
          message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
          lastTransitionTime: lastScale,
        },
        { type: 'ScalingLimited', status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count', lastTransitionTime: lastScale },
      ],
    };
    const out = reconcileAutoscaler(inputOf(f, { status: structuredClone(previous) }));
    expect(out.rescale).toBeNull();
    expect(out.warnings).toEqual([]);
    expect(out.status).toEqual(previous);
  });

  it('TestScaleUp: status.currentMetrics reports 50 % and the raw average 500m', () => {
    const out = reconcileAutoscaler(inputOf(cases[0]));
    expect(out.status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 50, averageValue: '500m' } } }]);
  });

  it('TestScaleUpContainer: status.currentMetrics names the container and reports its utilization', () => {
    const out = reconcileAutoscaler(inputOf(cases[1]));
    expect(out.status.currentMetrics).toEqual([
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'container1', current: { averageUtilization: 50, averageValue: '250m' } } },
    ]);
  });

  it('TestScaleUpCMObject: status.currentMetrics carries the described object and the value read', () => {
    const out = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestScaleUpCMObject'))!));
    expect(out.status.currentMetrics).toEqual([{ type: 'Object', object: { describedObject: SOME_DEPLOYMENT, metric: { name: 'qps' }, current: { value: '20' } } }]);
  });

  it('TestScaleUpPerPodCMObject and TestScaleUpPerPodCMExternal: AverageValue targets report ceil(total / status.replicas)', () => {
    const object = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestScaleUpPerPodCMObject'))!));
    expect(object.status.currentMetrics).toEqual([{ type: 'Object', object: { describedObject: SOME_DEPLOYMENT, metric: { name: 'qps' }, current: { averageValue: '13334m' } } }]);
    const external = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestScaleUpPerPodCMExternal'))!));
    expect(external.status.currentMetrics).toEqual([{ type: 'External', external: { metric: { name: 'qps', selector: {} }, current: { averageValue: '2867m' } } }]);
  });

  it('TestScaleUpCM: a Pods metric reports the average of its samples', () => {
    const out = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestScaleUpCM:'))!));
    expect(out.status.currentMetrics).toEqual([{ type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '20' } } }]);
  });

  it('TestEventCreated / TestEventNotCreated: the SuccessfulRescale message, and none without a rescale', () => {
    const created = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestEventCreated'))!));
    expect(created.rescale?.message).toBe('New size: 2; reason: cpu resource utilization (percentage of request) above target');
    expect(created.rescale).toMatchObject({ from: 1, to: 2, proposed: 2, reason: CPU_ABOVE, limitedBy: null });
    const notCreated = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestEventNotCreated'))!));
    expect(notCreated.rescale).toBeNull();
  });

  it('TestScaleDownStabilizeInitialSize: the first reconcile seeds the history with the current size, then stores the proposal', () => {
    const out = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestScaleDownStabilizeInitialSize'))!));
    expect(out.memory.recommendations).toEqual([
      { replicas: 5, at: NOW },
      { replicas: 3, at: NOW },
    ]);
    const cond = out.status.conditions.find((c) => c.type === 'AbleToScale')!;
    expect(cond.message).toBe('recent recommendations were higher than current one, applying the highest recent recommendation');
  });

  it('TestStabilizeDownscale: the proposal takes the slot of the recommendation older than the window', () => {
    const out = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestStabilizeDownscale'))!));
    expect(out.memory.recommendations).toEqual([
      { replicas: 2, at: NOW },
      { replicas: 4, at: NOW - MINUTE },
    ]);
  });

  it('TestUpscaleCap: with a behavior the rescale is remembered as a scale-up event; the legacy path remembers none', () => {
    const withRules = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestUpscaleCap:'))!));
    expect(withRules.memory.scaleUpEvents).toEqual([{ change: 21, at: NOW, outdated: false }]);
    expect(withRules.memory.scaleDownEvents).toEqual([]);
    expect(withRules.rescale).toMatchObject({ from: 3, to: 24, proposed: 60, limitedBy: 'ScaleUpLimit' });
    const legacy = reconcileAutoscaler(inputOf(cases[0]));
    expect(legacy.memory.scaleUpEvents).toEqual([]);
  });

  it('TestScaleDownWithScalingRules: a scale-down on the behavior path is remembered as a scale-down event', () => {
    const out = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestScaleDownWithScalingRules'))!));
    expect(out.memory.scaleDownEvents).toEqual([{ change: 2, at: NOW, outdated: false }]);
    expect(out.memory.scaleUpEvents).toEqual([]);
  });

  it('TestZeroReplicas, TestTooFewReplicas, TestTooManyReplicas: no metric is read and status.currentMetrics is emptied (setStatus writes nil)', () => {
    for (const prefix of ['TestZeroReplicas', 'TestTooFewReplicas', 'TestTooManyReplicas']) {
      const c = cases.find((x) => x.name.startsWith(prefix))!;
      const stale: MetricStatus[] = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '120m' } } }];
      const input = inputOf(c);
      const out = reconcileAutoscaler({ ...input, status: { ...input.status!, currentMetrics: stale } });
      expect(out.status.currentMetrics).toEqual([]);
      // nothing normalized: the history only got its seed
      expect(out.memory.recommendations).toEqual([{ replicas: c.specReplicas, at: NOW }]);
    }
  });

  it('TestNoScaleDownOneMetricInvalid: a blocked reconcile keeps desiredReplicas and reports the metrics it could read', () => {
    const c = cases.find((x) => x.name.startsWith('TestNoScaleDownOneMetricInvalid'))!;
    const input = inputOf(c);
    const out = reconcileAutoscaler({ ...input, status: { ...input.status!, desiredReplicas: 7, currentMetrics: [] } });
    expect(out.status.desiredReplicas).toBe(7);
    expect(out.status.currentReplicas).toBe(5);
    expect(out.status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 28, averageValue: '280m' } } }]);
    const failure = out.warnings.find((w) => w.reason === 'FailedComputeMetricsReplicas')!;
    expect(failure.message).toBe('invalid metrics (1 invalid out of 2), first error is: something went wrong');
    const active = out.status.conditions.find((x) => x.type === 'ScalingActive')!;
    expect(active.message).toBe('the HPA was unable to compute the replica count: something went wrong');
  });

  it('TestConditionInvalidSelectorMissing: the condition and events read as upstream writes them', () => {
    const out = reconcileAutoscaler(inputOf(cases.find((c) => c.name.startsWith('TestConditionInvalidSelectorMissing'))!));
    expect(out.warnings).toEqual([
      { reason: 'SelectorRequired', message: 'selector is required' },
      { reason: 'FailedComputeMetricsReplicas', message: 'selector is required' },
    ]);
    expect(out.status.conditions[1].message).toBe("the HPA target's scale is missing a selector");
    expect(out.status.currentMetrics).toEqual([]);
  });

  it('TestConditionFailedGetScale: the status is left as it was apart from AbleToScale', () => {
    const c = cases.find((x) => x.name.startsWith('TestConditionFailedGetScale'))!;
    const out = reconcileAutoscaler(inputOf(c));
    expect(out.status).toMatchObject({ currentReplicas: 3, desiredReplicas: 3, lastScaleTime: null });
    expect(out.status.conditions[0].message).toBe("the HPA controller was unable to get the target's current scale: something went wrong");
    expect(out.memory).toEqual({ recommendations: null, scaleUpEvents: [], scaleDownEvents: [] });
  });

  it('setCondition: a condition keeps its transition time while its status holds, and moves when it flips', () => {
    const c = cases.find((x) => x.name.startsWith('TestEventNotCreated'))!;
    const earlier = NOW - 30 * MINUTE;
    const input = inputOf(c);
    const out = reconcileAutoscaler({
      ...input,
      status: {
        ...input.status!,
        conditions: [
          { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'x', lastTransitionTime: earlier },
          { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'y', lastTransitionTime: earlier },
        ],
      },
    });
    const byType = Object.fromEntries(out.status.conditions.map((x) => [x.type, x]));
    expect(byType.AbleToScale).toMatchObject({ reason: 'ReadyForNewScale', lastTransitionTime: earlier });
    expect(byType.ScalingActive).toMatchObject({ status: 'True', reason: 'ValidMetricFound', lastTransitionTime: NOW });
    expect(byType.ScalingLimited).toMatchObject({ status: 'False', reason: 'DesiredWithinRange', lastTransitionTime: NOW });
    expect(out.status.conditions.map((x) => x.type)).toEqual(['AbleToScale', 'ScalingActive', 'ScalingLimited']);
  });

  it('computeReplicasForMetrics: of several metrics all proposing 0 the last one names the proposal (upstream keeps replacing while replicas is 0)', () => {
    const f: Fixture = {
      minReplicas: 1, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90, metrics: [podsQps('20')],
      levels: [0, 0, 0], cpuRequests: cpus(3), recommendations: [],
    };
    const out = reconcileAutoscaler(inputOf(f));
    expect(out.status.desiredReplicas).toBe(1);
    const active = out.status.conditions.find((x) => x.type === 'ScalingActive')!;
    expect(active.message).toBe('the HPA was able to successfully calculate a replica count from pods metric qps');
  });

  it('computeReplicasForMetrics: the largest proposal wins and names the scale-up', () => {
    const f: Fixture = {
      minReplicas: 1, maxReplicas: 10, specReplicas: 3, statusReplicas: 3, cpuTarget: 100, metrics: [podsQps('10')],
      levels: [20000, 20000, 20000], cpuRequests: cpus(3, 100_000), recommendations: [],
    };
    // CPU: 20 m of 100 CPUs is 0 % → 0; qps 20 against 10 → 6
    const out = reconcileAutoscaler(inputOf(f));
    expect(out.rescale?.message).toBe('New size: 6; reason: pods metric qps above target');
    expect(out.status.currentMetrics.map((m) => m.type)).toEqual(['Resource', 'Pods']);
  });
});

// ───────────────────────────── Nodeless: activation for minReplicas 0 ─────────────────────────────

describe('Nodeless deviation: with minReplicas 0 the Object and External metrics decide activation', () => {
  const queue = (target: string): MetricSpec => ({ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: target } } });
  const queueValue = (target: string): MetricSpec => ({ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: target } } });

  it('an activation metric above the threshold keeps at least 1 replica where Kubernetes multiplies by 0 ready pods and asks for 0', () => {
    const f: Fixture = {
      minReplicas: 0, maxReplicas: 6, specReplicas: 2, statusReplicas: 2, metrics: [queueValue('10')],
      levels: [50_000], phases: ['Pending', 'Pending'], recommendations: [],
    };
    const out = reconcileAutoscaler(inputOf(f));
    expect(out.status.desiredReplicas).toBe(1);
    expect(out.rescale).toMatchObject({ from: 2, to: 1, proposed: 1, message: 'New size: 1; reason: All metrics below target' });
  });

  it('below the activation threshold the proposal is 0 although the metric asks for 4 (KEDA: target 10, activation 50, 40 waiting)', () => {
    const f: Fixture = {
      minReplicas: 0, maxReplicas: 10, specReplicas: 2, statusReplicas: 2, metrics: [queue('10')],
      levels: [40_000], recommendations: [], activationThreshold: 50_000n,
    };
    const out = reconcileAutoscaler(inputOf(f));
    expect(out.status.desiredReplicas).toBe(0);
    expect(out.rescale).toMatchObject({ from: 2, to: 0, proposed: 0, message: 'New size: 0; reason: All metrics below target' });
    // the metric itself was read fine
    expect(condTuples(out.status.conditions)).toEqual(STATUS_OK);
    expect(out.status.currentMetrics).toEqual([{ type: 'External', external: { metric: { name: 'queue' }, current: { averageValue: '20' } } }]);
  });

  it('a value equal to the threshold does not activate (strictly above does)', () => {
    const base: Fixture = { minReplicas: 0, maxReplicas: 10, specReplicas: 0, statusReplicas: 0, metrics: [queue('10')], levels: [40_000], recommendations: [] };
    expect(reconcileAutoscaler(inputOf({ ...base, activationThreshold: 40_000n })).status.desiredReplicas).toBe(0);
    expect(reconcileAutoscaler(inputOf({ ...base, activationThreshold: 39_999n })).status.desiredReplicas).toBe(4);
  });

  it("the threshold applies to the sum of an External metric's series", () => {
    const f: Fixture = { minReplicas: 0, maxReplicas: 10, specReplicas: 0, statusReplicas: 0, metrics: [queue('10')], levels: [1, 1], recommendations: [], activationThreshold: 1n };
    const out = reconcileAutoscaler(inputOf(f));
    expect(out.status.desiredReplicas).toBe(1);
    expect(out.rescale?.message).toBe('New size: 1; reason: external metric queue(nil) above target');
  });

  it('one activation metric above its threshold is enough', () => {
    const f: Fixture = { minReplicas: 0, maxReplicas: 10, specReplicas: 0, statusReplicas: 0, metrics: [queue('10'), objectQps('15')], levels: [20_000], recommendations: [] };
    const input = inputOf(f);
    input.metrics = [{ kind: 'values', values: [0n], timestamp: NOW }, { kind: 'values', values: [20_000n], timestamp: NOW }];
    const out = reconcileAutoscaler(input);
    expect(out.status.desiredReplicas).toBe(2);
    expect(out.rescale?.message).toBe('New size: 2; reason: Deployment metric qps above target');
  });

  it('an inactive workload proposes 0 even when a Resource metric asks for more', () => {
    const f: Fixture = {
      minReplicas: 0, maxReplicas: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, metrics: [queueValue('10')],
      levels: [300, 500, 700], cpuRequests: cpus(3), recommendations: [],
    };
    const input = inputOf(f);
    input.metrics[1] = { kind: 'values', values: [0n], timestamp: NOW };
    const out = reconcileAutoscaler(input);
    expect(out.status.desiredReplicas).toBe(0);
    expect(out.rescale).toMatchObject({ proposed: 0, message: 'New size: 0; reason: All metrics below target' });
    expect(out.status.conditions.find((c) => c.type === 'ScalingActive')?.reason).toBe('ValidMetricFound');
  });

  it('the scale-down stabilization window is the cool-down before 0', () => {
    const f: Fixture = { minReplicas: 0, maxReplicas: 6, specReplicas: 2, statusReplicas: 2, metrics: [queue('10')], levels: [0] };
    // first sight of the autoscaler: its history is seeded with 2 → held
    const first = reconcileAutoscaler(inputOf(f));
    expect(first.status.desiredReplicas).toBe(2);
    expect(first.rescale).toBeNull();
    expect(condTuples(first.status.conditions)).toEqual(ok(scaleDownStabilized));
    // still inside the window (the legacy path counts a recommendation exactly one window old)
    const atWindow = reconcileAutoscaler(inputOf({ ...f, now: NOW + 5 * MINUTE }, { memory: first.memory, status: first.status }));
    expect(atWindow.status.desiredReplicas).toBe(2);
    // past it: to 0
    const after = reconcileAutoscaler(inputOf({ ...f, now: NOW + 5 * MINUTE + 1 }, { memory: atWindow.memory, status: atWindow.status }));
    expect(after.status.desiredReplicas).toBe(0);
    expect(after.rescale).toMatchObject({ from: 2, to: 0, proposed: 0 });
  });

  it('with a behavior the scale-down window of the behavior is the cool-down', () => {
    const f: Fixture = {
      minReplicas: 0, maxReplicas: 6, specReplicas: 2, statusReplicas: 2, metrics: [queue('10')], levels: [0],
      scaleDown: { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 60 },
    };
    const first = reconcileAutoscaler(inputOf(f));
    expect(first.status.desiredReplicas).toBe(2);
    const later = reconcileAutoscaler(inputOf({ ...f, now: NOW + MINUTE + 1 }, { memory: first.memory, status: first.status }));
    expect(later.status.desiredReplicas).toBe(0);
    expect(later.memory.scaleDownEvents).toEqual([{ change: 2, at: NOW + MINUTE + 1, outdated: false }]);
  });

  it('an activation metric that cannot be read does not decide; the metrics that can scale as Kubernetes would', () => {
    const f: Fixture = {
      minReplicas: 0, maxReplicas: 6, specReplicas: 2, statusReplicas: 2, cpuTarget: 30, metrics: [queueValue('10')], failing: [1],
      levels: [300, 500], cpuRequests: cpus(2), recommendations: [],
    };
    const out = reconcileAutoscaler(inputOf(f));
    expect(out.status.desiredReplicas).toBe(3);
    expect(out.warnings.map((w) => w.reason)).toEqual(['FailedGetExternalMetric']);
  });

  it('with minReplicas 1 activation plays no part: below the threshold the metric still asks for 4', () => {
    const f: Fixture = { minReplicas: 1, maxReplicas: 10, specReplicas: 2, statusReplicas: 2, metrics: [queue('10')], levels: [40_000], recommendations: [], activationThreshold: 50_000n };
    expect(reconcileAutoscaler(inputOf(f)).status.desiredReplicas).toBe(4);
  });

  it('a workload at 0 wakes on its External metric although its CPU metric has no pod to read', () => {
    const f: Fixture = {
      minReplicas: 0, maxReplicas: 6, specReplicas: 0, statusReplicas: 0, cpuTarget: 50, metrics: [queueValue('10')],
      levels: [], cpuRequests: [],
    };
    const input = inputOf(f);
    input.metrics[1] = { kind: 'values', values: [5_000n], timestamp: NOW };
    const out = reconcileAutoscaler(input);
    expect(out.status.desiredReplicas).toBe(1);
    expect(out.rescale?.message).toBe('New size: 1; reason: external metric queue(nil) above target');
    expect(out.warnings.map((w) => w.reason)).toEqual(['FailedGetResourceMetric']);
    expect(out.status.conditions.find((c) => c.type === 'ScalingActive')?.reason).toBe('ValidMetricFound');
  });

  it('an inactive workload at 0 stays at 0, quietly', () => {
    const f: Fixture = { minReplicas: 0, maxReplicas: 6, specReplicas: 0, statusReplicas: 0, metrics: [queue('10')], levels: [0] };
    const out = reconcileAutoscaler(inputOf(f));
    expect(out.status.desiredReplicas).toBe(0);
    expect(out.rescale).toBeNull();
    expect(condTuples(out.status.conditions)).toEqual(ok(readyForNewScale));
  });

  it('Object metrics activate as External ones do: below the threshold an Object metric keeps the workload at 0', () => {
    const f: Fixture = { minReplicas: 0, maxReplicas: 6, specReplicas: 0, statusReplicas: 0, metrics: [objectQps('15')], levels: [20_000], activationThreshold: 30_000n };
    expect(reconcileAutoscaler(inputOf(f)).status.desiredReplicas).toBe(0);
    expect(reconcileAutoscaler(inputOf({ ...f, activationThreshold: 0n })).status.desiredReplicas).toBe(2);
  });
});
