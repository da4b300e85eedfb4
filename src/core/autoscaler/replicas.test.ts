import { describe, it, expect } from 'vitest';
import {
  getExternalMetricReplicas,
  getExternalPerPodMetricReplicas,
  getObjectMetricReplicas,
  getObjectPerPodMetricReplicas,
  getPodsMetricReplicas,
  getRawResourceReplicas,
  getResourceReplicas,
  groupPods,
  withinTolerance,
  type CalcContext,
} from './replicas';
import type { PodInfo, PodMetrics, PodPhase, ReplicaProposal, Tolerances } from './types';

// The vectors below are Kubernetes' replica_calculator_test.go, re-expressed with plain numbers.
//
// Upstream's fixtures run at time.Now() with a 2 min CPU initialization period and a 10 s
// initial-readiness delay; "hot" pods start now, "cool" pods 3 min ago. Every other time the
// fixtures leave unset is Go's zero time (long before anything): the default pod start, the
// PodReady transition and the metric sample time. GO_ZERO stands for it.
const NOW = 1_700_000_000_000;
const GO_ZERO = 0;
const MINUTE = 60_000;
const HOT = NOW;
const COOL = NOW - 3 * MINUTE;
const DEFAULT_TOL: Tolerances = { up: 0.1, down: 0.1 };
const CONTAINERS_PER_POD = 2;
const MAX_INT32 = 2_147_483_647;
const MAX_INT64 = (1n << 63n) - 1n;

function context(tolerances: Tolerances = DEFAULT_TOL): CalcContext {
  return { tolerances, cpuInitializationPeriodMs: 2 * MINUTE, delayOfInitialReadinessStatusMs: 10_000, now: NOW };
}

/** Upstream's Tolerances{scaleDown, scaleUp}, in that order. */
function tol(scaleDown: number, scaleUp: number): Tolerances {
  return { down: scaleDown, up: scaleUp };
}

/** Every container of pod i reports the same usage levels[i]. */
function podLevels(...levels: number[]): number[][] {
  return levels.map((l) => Array.from({ length: CONTAINERS_PER_POD }, () => l));
}

/** n identical per-container CPU requests in millicores. */
function reqs(n: number, milli: number): number[] {
  return Array.from({ length: n }, () => milli);
}

// ───────────────────────────── fixtures (upstream's fake clients) ─────────────────────────────

interface Fixture {
  currentReplicas: number;
  /** PodReady per pod (default True); the condition is always there, transitioned at GO_ZERO. */
  readiness?: boolean[];
  startTimes?: number[];
  phases?: PodPhase[];
  deleting?: boolean[];
  /** Per-pod request of each of the two containers (milli); pods past the end have none. */
  requests?: number[];
}

/** Upstream lists currentReplicas pods, or as many as podPhase names (failed pods come on top). */
function buildPods(f: Fixture, resource = 'cpu'): PodInfo[] {
  const count = Math.max(f.currentReplicas, f.phases?.length ?? 0);
  const pods: PodInfo[] = [];
  for (let i = 0; i < count; i++) {
    const request = f.requests && i < f.requests.length ? BigInt(f.requests[i]) : undefined;
    const requests: Record<string, bigint> = request === undefined ? {} : { [resource]: request };
    pods.push({
      name: `test-pod-${i}`,
      phase: f.phases?.[i] ?? 'Running',
      deleting: f.deleting?.[i] ?? false,
      ready: f.readiness && i < f.readiness.length ? f.readiness[i] : true,
      readyTransitionAt: GO_ZERO,
      startedAt: f.startTimes ? f.startTimes[i] : GO_ZERO,
      containers: [
        { name: 'container1', requests: { ...requests } },
        { name: 'container2', requests: { ...requests } },
      ],
    });
  }
  return pods;
}

/**
 * What metrics.k8s.io returns, as the metrics client sums it: per pod the sum over containers
 * (a pod with a container lacking the resource is left out), or the named container's usage
 * (a pod without it is left out). Samples cover one minute, taken at GO_ZERO.
 */
function resourceMetrics(levels: number[][], container?: string, podNames: string[] = []): PodMetrics {
  const m: PodMetrics = new Map();
  levels.forEach((perContainer, i) => {
    const name = podNames[i] ?? `test-pod-${i}`;
    let value: bigint | undefined;
    if (container) {
      const idx = Number(container.replace('container', '')) - 1;
      value = perContainer[idx] === undefined ? undefined : BigInt(perContainer[idx]);
    } else if (perContainer.length === CONTAINERS_PER_POD) {
      value = perContainer.reduce((s, v) => s + BigInt(v), 0n);
    }
    if (value !== undefined) m.set(name, { value, timestamp: GO_ZERO, windowMs: MINUTE });
  });
  return m;
}

/** What the custom metrics API returns for pods: one sample per pod, in order. */
function podsMetrics(levels: bigint[]): PodMetrics {
  const m: PodMetrics = new Map();
  levels.forEach((value, i) => m.set(`test-pod-${i}`, { value, timestamp: GO_ZERO, windowMs: MINUTE }));
  return m;
}

type Expected =
  | { replicas: number; utilization?: number; value: bigint; timestamp?: number }
  | { error: string };

function check(got: ReplicaProposal, want: Expected): void {
  if ('error' in want) {
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.error).toContain(want.error);
    return;
  }
  expect(got).toEqual({
    ok: true,
    replicas: want.replicas,
    ...(want.utilization === undefined ? {} : { utilization: want.utilization }),
    value: want.value,
    timestamp: want.timestamp ?? GO_ZERO,
  });
}

// ───────────────────────────── tolerance ─────────────────────────────

describe('withinTolerance', () => {
  it('is inclusive at both ends and uses the down tolerance below, the up tolerance above', () => {
    expect(withinTolerance(0.9, DEFAULT_TOL)).toBe(true);
    expect(withinTolerance(1.1, DEFAULT_TOL)).toBe(true);
    expect(withinTolerance(0.8999, DEFAULT_TOL)).toBe(false);
    expect(withinTolerance(1.1001, DEFAULT_TOL)).toBe(false);
    expect(withinTolerance(1.04, tol(0.5, 0.05))).toBe(true);
    expect(withinTolerance(1.06, tol(0.5, 0.05))).toBe(false);
    expect(withinTolerance(0.5, tol(0.5, 0.05))).toBe(true);
    expect(withinTolerance(1, tol(0, 0))).toBe(true);
  });
});

// ───────────────────────────── Resource, Utilization target ─────────────────────────────

interface ResourceCase {
  name: string;
  fixture: Fixture;
  levels: number[][];
  podNames?: string[];
  container?: string;
  targetUtilization: number;
  tolerances?: Tolerances;
  want: Expected;
}

const resourceCases: ResourceCase[] = [
  {
    name: 'refuses when no sample belongs to a listed pod (TestReplicaCalcDisjointResourcesMetrics)',
    fixture: { currentReplicas: 1, requests: [1000] },
    levels: podLevels(100),
    podNames: ['an-older-pod-name'],
    targetUtilization: 100,
    want: { error: 'no metrics returned matched known pods' },
  },
  {
    name: 'scales up to the utilization ratio times the ready pods (TestReplicaCalcScaleUp)',
    fixture: { currentReplicas: 3, requests: reqs(3, 1000) },
    levels: podLevels(300, 500, 700),
    targetUtilization: 30,
    want: { replicas: 5, utilization: 50, value: BigInt(CONTAINERS_PER_POD * 500) },
  },
  {
    name: 'scales up on one container’s usage and request (TestReplicaCalcContainerScaleUp)',
    fixture: { currentReplicas: 3, requests: reqs(3, 1000) },
    levels: [[1000, 300], [1000, 500], [1000, 700]],
    container: 'container2',
    targetUtilization: 30,
    want: { replicas: 5, utilization: 50, value: 500n },
  },
  {
    name: 'scales up with unready pods counted as zero (TestReplicaCalcScaleUpUnreadyLessScale)',
    fixture: { currentReplicas: 3, readiness: [false, true, true], requests: reqs(3, 1000) },
    levels: podLevels(300, 500, 700),
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: BigInt(CONTAINERS_PER_POD * 600) },
  },
  {
    name: 'scales up less when a container’s pod is still in its CPU initialization (TestReplicaCalcScaleUpContainerHotCpuLessScale)',
    fixture: { currentReplicas: 3, startTimes: [HOT, COOL, COOL], requests: reqs(3, 1000) },
    levels: [[0, 300], [0, 500], [0, 700]],
    container: 'container2',
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: 600n },
  },
  {
    name: 'scales up less when a pod is still in its CPU initialization (TestReplicaCalcScaleUpHotCpuLessScale)',
    fixture: { currentReplicas: 3, startTimes: [HOT, COOL, COOL], requests: reqs(3, 1000) },
    levels: podLevels(300, 500, 700),
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: BigInt(CONTAINERS_PER_POD * 600) },
  },
  {
    name: 'does not scale when zero-filled unready pods bring the ratio into tolerance (TestReplicaCalcScaleUpUnreadyNoScale)',
    fixture: { currentReplicas: 3, readiness: [true, false, false], requests: reqs(3, 1000) },
    levels: podLevels(400, 500, 700),
    targetUtilization: 30,
    want: { replicas: 3, utilization: 40, value: BigInt(CONTAINERS_PER_POD * 400) },
  },
  {
    name: 'does not scale when zero-filled initializing pods bring the ratio into tolerance (TestReplicaCalcScaleHotCpuNoScale)',
    fixture: { currentReplicas: 3, readiness: [true, false, false], startTimes: [COOL, HOT, HOT], requests: reqs(3, 1000) },
    levels: podLevels(400, 500, 700),
    targetUtilization: 30,
    want: { replicas: 3, utilization: 40, value: BigInt(CONTAINERS_PER_POD * 400) },
  },
  {
    name: 'scales up ignoring failed pods (TestReplicaCalcScaleUpIgnoresFailedPods)',
    fixture: {
      currentReplicas: 2,
      readiness: [true, true, false, false],
      phases: ['Running', 'Running', 'Failed', 'Failed'],
      requests: reqs(4, 1000),
    },
    levels: podLevels(500, 700),
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: BigInt(CONTAINERS_PER_POD * 600) },
  },
  {
    name: 'scales up ignoring failed pods that lack the container’s sample (TestReplicaCalcMissingContainerMetricScaleUpIgnoresFailedPods)',
    fixture: {
      currentReplicas: 2,
      readiness: [true, true, false, false],
      phases: ['Running', 'Running', 'Failed', 'Failed'],
      requests: reqs(4, 1000),
    },
    levels: [[1000, 500], [9000, 700], [1000], [9000]],
    container: 'container2',
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: 600n },
  },
  {
    name: 'scales up on a container ignoring failed pods (TestReplicaCalcScaleUpContainerIgnoresFailedPods)',
    fixture: {
      currentReplicas: 2,
      readiness: [true, true, false, false],
      phases: ['Running', 'Running', 'Failed', 'Failed'],
      requests: reqs(4, 1000),
    },
    levels: [[1000, 500], [9000, 700]],
    container: 'container2',
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: 600n },
  },
  {
    name: 'scales up ignoring pods being deleted (TestReplicaCalcScaleUpIgnoresDeletionPods)',
    fixture: {
      currentReplicas: 2,
      readiness: [true, true, false, false],
      phases: ['Running', 'Running', 'Running', 'Running'],
      deleting: [false, false, true, true],
      requests: reqs(4, 1000),
    },
    levels: podLevels(500, 700),
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: BigInt(CONTAINERS_PER_POD * 600) },
  },
  {
    name: 'scales up on a container ignoring pods being deleted (TestReplicaCalcScaleUpContainerIgnoresDeletionPods)',
    fixture: {
      currentReplicas: 2,
      readiness: [true, true, false, false],
      phases: ['Running', 'Running', 'Running', 'Running'],
      deleting: [false, false, true, true],
      requests: reqs(4, 1000),
    },
    levels: podLevels(500, 700),
    container: 'container1',
    targetUtilization: 30,
    want: { replicas: 4, utilization: 60, value: 600n },
  },
  {
    name: 'scales down to the utilization ratio times the ready pods (TestReplicaCalcScaleDown)',
    fixture: { currentReplicas: 5, requests: reqs(5, 1000) },
    levels: podLevels(100, 300, 500, 250, 250),
    targetUtilization: 50,
    want: { replicas: 3, utilization: 28, value: BigInt(CONTAINERS_PER_POD * 280) },
  },
  {
    name: 'scales down on one container’s usage and request (TestReplicaCalcContainerScaleDown)',
    fixture: { currentReplicas: 5, requests: reqs(5, 1000) },
    levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]],
    container: 'container2',
    targetUtilization: 50,
    want: { replicas: 3, utilization: 28, value: 280n },
  },
  {
    name: 'scales down leaving unready pods out (TestReplicaCalcScaleDownExcludeUnreadyPods)',
    fixture: { currentReplicas: 5, readiness: [true, true, true, false, false], requests: reqs(5, 1000) },
    levels: podLevels(100, 300, 500, 250, 250),
    targetUtilization: 50,
    want: { replicas: 2, utilization: 30, value: BigInt(CONTAINERS_PER_POD * 300) },
  },
  {
    name: 'scales down on a container leaving unready pods out (TestReplicaCalcScaleDownContainerExcludeUnreadyPods)',
    fixture: { currentReplicas: 5, readiness: [true, true, true, false, false], requests: reqs(5, 1000) },
    levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]],
    container: 'container2',
    targetUtilization: 50,
    want: { replicas: 2, utilization: 30, value: 300n },
  },
  {
    name: 'scales down leaving pending pods out (TestReplicaCalcScaleDownExcludeUnscheduledPods)',
    fixture: {
      currentReplicas: 5,
      readiness: [true, false, false, false, false],
      phases: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
      requests: reqs(5, 1000),
    },
    levels: podLevels(100),
    targetUtilization: 50,
    want: { replicas: 1, utilization: 10, value: BigInt(CONTAINERS_PER_POD * 100) },
  },
  {
    name: 'scales down on a container leaving pending pods out, samples and all (TestReplicaCalcScaleDownContainerExcludeUnscheduledPods)',
    fixture: {
      currentReplicas: 5,
      readiness: [true, false, false, false, false],
      phases: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
      requests: reqs(5, 1000),
    },
    levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]],
    container: 'container2',
    targetUtilization: 50,
    want: { replicas: 1, utilization: 10, value: 100n },
  },
  {
    name: 'scales down leaving initializing pods out (TestReplicaCalcScaleDownIgnoreHotCpuPods)',
    fixture: { currentReplicas: 5, startTimes: [COOL, COOL, COOL, HOT, HOT], requests: reqs(5, 1000) },
    levels: podLevels(100, 300, 500, 250, 250),
    targetUtilization: 50,
    want: { replicas: 2, utilization: 30, value: BigInt(CONTAINERS_PER_POD * 300) },
  },
  {
    name: 'scales down on a container leaving initializing pods out (TestReplicaCalcScaleDownContainerIgnoreHotCpuPods)',
    fixture: { currentReplicas: 5, startTimes: [COOL, COOL, COOL, HOT, HOT], requests: reqs(5, 1000) },
    levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 1000], [1000, 1000]],
    container: 'container2',
    targetUtilization: 50,
    want: { replicas: 2, utilization: 30, value: 300n },
  },
  {
    name: 'scales down ignoring failed pods (TestReplicaCalcScaleDownIgnoresFailedPods)',
    fixture: {
      currentReplicas: 5,
      readiness: [true, true, true, true, true, false, false],
      phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      requests: reqs(7, 1000),
    },
    levels: podLevels(100, 300, 500, 250, 250),
    targetUtilization: 50,
    want: { replicas: 3, utilization: 28, value: BigInt(CONTAINERS_PER_POD * 280) },
  },
  {
    name: 'scales down on a container ignoring failed pods (TestReplicaCalcScaleDownContainerIgnoresFailedPods)',
    fixture: {
      currentReplicas: 5,
      readiness: [true, true, true, true, true, false, false],
      phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      requests: reqs(7, 1000),
    },
    levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]],
    container: 'container2',
    targetUtilization: 50,
    want: { replicas: 3, utilization: 28, value: 280n },
  },
  {
    name: 'scales down ignoring pods being deleted (TestReplicaCalcScaleDownIgnoresDeletionPods)',
    fixture: {
      currentReplicas: 5,
      readiness: [true, true, true, true, true, false, false],
      phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
      deleting: [false, false, false, false, false, true, true],
      requests: reqs(7, 1000),
    },
    levels: podLevels(100, 300, 500, 250, 250),
    targetUtilization: 50,
    want: { replicas: 3, utilization: 28, value: BigInt(CONTAINERS_PER_POD * 280) },
  },
  {
    name: 'scales down ignoring still-running pods being deleted (TestReplicaCalcScaleDownIgnoresDeletionPods_StillRunning)',
    fixture: {
      currentReplicas: 5,
      readiness: [true, true, true, true, true, false, false],
      phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
      deleting: [false, false, false, false, false, true, true],
      requests: reqs(7, 1000),
    },
    levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]],
    container: 'container2',
    targetUtilization: 50,
    want: { replicas: 3, utilization: 28, value: 280n },
  },
  {
    name: 'stays within the default tolerance after truncating the utilization to 102 % (TestReplicaCalcTolerance)',
    fixture: { currentReplicas: 3, requests: [900, 1000, 1100] },
    levels: podLevels(1010, 1030, 1020),
    targetUtilization: 100,
    want: { replicas: 3, utilization: 102, value: BigInt(CONTAINERS_PER_POD * 1020) },
  },
  {
    name: 'scales up outside a 0 % tolerance (TestReplicaCalcConfigurableTolerance: Outside of a 0% tolerance)',
    fixture: { currentReplicas: 3, requests: [900, 1000, 1100] },
    levels: podLevels(909, 1010, 1111),
    targetUtilization: 100,
    tolerances: tol(0, 0),
    want: { replicas: 4, utilization: 101, value: BigInt(CONTAINERS_PER_POD * 1010) },
  },
  {
    name: 'stays within a 200 % scale-up tolerance (TestReplicaCalcConfigurableTolerance: Within a 200% scale-up tolerance)',
    fixture: { currentReplicas: 3, requests: [900, 1000, 1100] },
    levels: podLevels(1890, 1910, 1900),
    targetUtilization: 100,
    tolerances: tol(0.1, 2),
    want: { replicas: 3, utilization: 190, value: BigInt(CONTAINERS_PER_POD * 1900) },
  },
  {
    name: 'scales up outside an 8 % scale-up tolerance whatever the scale-down one (TestReplicaCalcConfigurableTolerance: Outside 8% scale-up tolerance)',
    fixture: { currentReplicas: 3, requests: [900, 1000, 1100] },
    levels: podLevels(1100, 1080, 1090),
    targetUtilization: 100,
    tolerances: tol(2, 0.08),
    want: { replicas: 4, utilization: 109, value: BigInt(CONTAINERS_PER_POD * 1090) },
  },
  {
    name: 'stays within a 36 % scale-down tolerance (TestReplicaCalcConfigurableTolerance: Within a 36% scale-down tolerance)',
    fixture: { currentReplicas: 3, requests: [900, 1000, 1100] },
    levels: podLevels(660, 640, 650),
    targetUtilization: 100,
    tolerances: tol(0.36, 0.1),
    want: { replicas: 3, utilization: 65, value: BigInt(CONTAINERS_PER_POD * 650) },
  },
  {
    name: 'scales down outside a 34 % scale-down tolerance (TestReplicaCalcConfigurableTolerance: Outside a 34% scale-down tolerance)',
    fixture: { currentReplicas: 3, requests: [900, 1000, 1100] },
    levels: podLevels(660, 640, 650),
    targetUtilization: 100,
    tolerances: tol(0.34, 0.1),
    want: { replicas: 2, utilization: 65, value: BigInt(CONTAINERS_PER_POD * 650) },
  },
  {
    name: 'multiplies by the ready pods, not by the extra samples of unknown pods (TestReplicaCalcSuperfluousMetrics)',
    fixture: { currentReplicas: 4, requests: reqs(4, 1000) },
    levels: podLevels(4000, 9500, 3000, 7000, 3200, 2000),
    targetUtilization: 100,
    want: { replicas: 24, utilization: 587, value: BigInt(CONTAINERS_PER_POD * 5875) },
  },
  {
    name: 'scales down with pods lacking samples counted at their full request (TestReplicaCalcMissingMetrics)',
    fixture: { currentReplicas: 4, requests: reqs(4, 1000) },
    levels: podLevels(400, 95),
    targetUtilization: 100,
    want: { replicas: 3, utilization: 24, value: 495n },
  },
  {
    name: 'refuses when the resource metrics API returns nothing (TestReplicaCalcEmptyMetrics)',
    fixture: { currentReplicas: 4, requests: reqs(3, 1000) },
    levels: podLevels(),
    targetUtilization: 100,
    want: { error: 'unable to get metrics for resource cpu: no metrics returned from resource metrics API' },
  },
  {
    name: 'refuses when a container has no CPU request (TestReplicaCalcEmptyCPURequest)',
    fixture: { currentReplicas: 1, requests: [] },
    levels: podLevels(200),
    targetUtilization: 100,
    want: { error: 'missing request for cpu in container container1 of Pod test-pod-0' },
  },
  {
    name: 'keeps the count when the missing pod leaves the ratio at exactly 1 (TestReplicaCalcMissingMetricsNoChangeEq)',
    fixture: { currentReplicas: 2, requests: reqs(2, 1000) },
    levels: podLevels(1000),
    targetUtilization: 100,
    want: { replicas: 2, utilization: 100, value: BigInt(CONTAINERS_PER_POD * 1000) },
  },
  {
    name: 'keeps the count when a zero-filled missing pod brings the ratio into tolerance (TestReplicaCalcMissingMetricsNoChangeGt)',
    fixture: { currentReplicas: 2, requests: reqs(2, 1000) },
    levels: podLevels(1900),
    targetUtilization: 100,
    want: { replicas: 2, utilization: 190, value: BigInt(CONTAINERS_PER_POD * 1900) },
  },
  {
    name: 'keeps the count when a request-filled missing pod flips the direction (TestReplicaCalcMissingMetricsNoChangeLt)',
    fixture: { currentReplicas: 2, requests: reqs(2, 1000) },
    levels: podLevels(600),
    targetUtilization: 100,
    want: { replicas: 2, utilization: 60, value: BigInt(CONTAINERS_PER_POD * 600) },
  },
  {
    name: 'keeps the count with an unready pod and a missing one near target (TestReplicaCalcMissingMetricsUnreadyChange)',
    fixture: { currentReplicas: 3, readiness: [false, true, true], requests: reqs(3, 1000) },
    levels: podLevels(100, 450),
    targetUtilization: 50,
    want: { replicas: 3, utilization: 45, value: BigInt(CONTAINERS_PER_POD * 450) },
  },
  {
    name: 'keeps the count with an initializing pod and a missing one near target (TestReplicaCalcMissingMetricsHotCpuNoChange)',
    fixture: { currentReplicas: 3, startTimes: [HOT, COOL, COOL], requests: reqs(3, 1000) },
    levels: podLevels(100, 450),
    targetUtilization: 50,
    want: { replicas: 3, utilization: 45, value: BigInt(CONTAINERS_PER_POD * 450) },
  },
  {
    name: 'scales up with an unready pod and a missing one both at zero (TestReplicaCalcMissingMetricsUnreadyScaleUp)',
    fixture: { currentReplicas: 3, readiness: [false, true, true], requests: reqs(3, 1000) },
    levels: podLevels(100, 2000),
    targetUtilization: 50,
    want: { replicas: 4, utilization: 200, value: BigInt(CONTAINERS_PER_POD * 2000) },
  },
  {
    name: 'scales up with an initializing pod and a missing one both at zero (TestReplicaCalcMissingMetricsHotCpuScaleUp)',
    fixture: { currentReplicas: 3, readiness: [false, true, true], startTimes: [HOT, COOL, COOL], requests: reqs(3, 1000) },
    levels: podLevels(100, 2000),
    targetUtilization: 50,
    want: { replicas: 4, utilization: 200, value: BigInt(CONTAINERS_PER_POD * 2000) },
  },
  {
    name: 'scales down with an unready pod left out and a missing one at its request (TestReplicaCalcMissingMetricsUnreadyScaleDown)',
    fixture: { currentReplicas: 4, readiness: [false, true, true, true], requests: reqs(4, 1000) },
    levels: podLevels(100, 100, 100),
    targetUtilization: 50,
    want: { replicas: 3, utilization: 10, value: BigInt(CONTAINERS_PER_POD * 100) },
  },
  {
    name: 'scales down with a missing pod counted at the above-100 % target share of its request (TestReplicaCalcMissingMetricsScaleDownTargetOver100)',
    fixture: { currentReplicas: 4, readiness: [false, true, true, true], requests: [1000, 1000, 2000, 2000] },
    levels: podLevels(200, 100, 100),
    targetUtilization: 300,
    want: { replicas: 2, utilization: 6, value: BigInt(CONTAINERS_PER_POD * 100) },
  },
  {
    name: 'does not scale down past the spec replicas during a surge rollout (TestReplicaCalcDuringRollingUpdateWithMaxSurge)',
    fixture: { currentReplicas: 2, phases: ['Running', 'Running', 'Running'], requests: reqs(3, 1000) },
    levels: podLevels(100, 100),
    targetUtilization: 50,
    want: { replicas: 2, utilization: 10, value: BigInt(CONTAINERS_PER_POD * 100) },
  },
];

describe('getResourceReplicas (Utilization target), upstream vectors', () => {
  for (const c of resourceCases) {
    it(c.name, () => {
      const got = getResourceReplicas(
        {
          currentReplicas: c.fixture.currentReplicas,
          targetUtilization: c.targetUtilization,
          resource: 'cpu',
          container: c.container,
          pods: buildPods(c.fixture),
          metrics: resourceMetrics(c.levels, c.container, c.podNames),
        },
        context(c.tolerances),
      );
      check(got, c.want);
    });
  }

  it('scales down just past the tolerance and not just inside it (TestReplicaCalcComputedToleranceAlgImplementation)', () => {
    // Upstream derives the target from the tolerance: 10 pods each using 150m of a 300m request
    // (jittered), a target just past 1/(2·0.9) must scale down, one just inside must not.
    const startPods = 10;
    const totalUsed = startPods * 150;
    const totalRequested = 2 * totalUsed;
    const requestedToUsed = Math.trunc(totalRequested / totalUsed);
    const perPodRequested = totalRequested / startPods;
    const requests = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0].map((d) => perPodRequested + d);
    const fixture: Fixture = { currentReplicas: startPods, requests };
    const levels = podLevels(...Array.from({ length: 10 }, () => totalUsed / 10));

    let target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.01;
    let targetPercent = Math.trunc(target * 100);
    const usedRatio = totalUsed / (totalRequested * target);
    const finalPods = Math.ceil(usedRatio * startPods);
    expect([targetPercent, finalPods]).toEqual([56, 9]);
    const want = {
      utilization: Math.trunc((totalUsed * 100) / totalRequested),
      value: BigInt((CONTAINERS_PER_POD * totalUsed) / 10),
    };

    const run = (targetUtilization: number) =>
      getResourceReplicas(
        { currentReplicas: startPods, targetUtilization, resource: 'cpu', pods: buildPods(fixture), metrics: resourceMetrics(levels) },
        context(),
      );
    check(run(targetPercent), { replicas: finalPods, ...want });

    target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.004;
    targetPercent = Math.trunc(target * 100);
    expect(targetPercent).toBe(55);
    check(run(targetPercent), { replicas: startPods, ...want });
  });
});

// ───────────────────────────── Pods, Object, External ─────────────────────────────

type MetricKind = 'pods' | 'object' | 'objectPerPod' | 'external' | 'externalPerPod';

interface MetricCase {
  name: string;
  kind: MetricKind;
  fixture: Fixture;
  levels: bigint[];
  /** Value target (pods, object, external) or per-pod target (objectPerPod, externalPerPod). */
  target: bigint;
  tolerances?: Tolerances;
  want: Expected;
}

/** Object and External samples carry a real time here; upstream's fixture leaves it unset. */
const SAMPLE_AT = NOW - 15_000;

function runMetricCase(c: MetricCase): ReplicaProposal {
  const ctx = context(c.tolerances);
  const current = c.fixture.currentReplicas;
  switch (c.kind) {
    case 'pods':
      return getPodsMetricReplicas(
        { currentReplicas: current, targetAverageValue: c.target, pods: buildPods(c.fixture), metrics: podsMetrics(c.levels) },
        ctx,
      );
    case 'object':
      return getObjectMetricReplicas(
        { currentReplicas: current, targetValue: c.target, value: c.levels[0], timestamp: SAMPLE_AT, pods: buildPods(c.fixture) },
        ctx,
      );
    case 'objectPerPod':
      // Upstream passes the current replica count as status.replicas.
      return getObjectPerPodMetricReplicas(
        { statusReplicas: current, targetAverageValue: c.target, value: c.levels[0], timestamp: SAMPLE_AT },
        ctx,
      );
    case 'external':
      return getExternalMetricReplicas(
        { currentReplicas: current, targetValue: c.target, values: c.levels, timestamp: SAMPLE_AT, pods: buildPods(c.fixture) },
        ctx,
      );
    case 'externalPerPod':
      return getExternalPerPodMetricReplicas(
        { statusReplicas: current, targetAverageValue: c.target, values: c.levels, timestamp: SAMPLE_AT },
        ctx,
      );
  }
}

function wantAt(kind: MetricKind, replicas: number, value: bigint): Expected {
  return { replicas, value, timestamp: kind === 'pods' ? GO_ZERO : SAMPLE_AT };
}

const metricCases: MetricCase[] = [
  {
    name: 'caps an Object value scale-up at the int32 maximum (TestReplicaCalcScaleUpOverflow)',
    kind: 'object',
    fixture: { currentReplicas: 3 },
    levels: [MAX_INT64],
    target: 1n,
    want: wantAt('object', MAX_INT32, MAX_INT64),
  },
  {
    name: 'caps an External per-pod scale-up at the int32 maximum (TestExternalPerPodMetricReplicaOverflow)',
    kind: 'externalPerPod',
    fixture: { currentReplicas: 1 },
    levels: [MAX_INT64],
    target: 1n,
    want: wantAt('externalPerPod', MAX_INT32, MAX_INT64),
  },
  {
    name: 'reports an int64-maximum External per-pod average without overflowing (TestExternalPerPodMetricUsageOverflow)',
    kind: 'externalPerPod',
    fixture: { currentReplicas: 1 },
    levels: [MAX_INT64],
    target: MAX_INT64,
    want: wantAt('externalPerPod', 1, MAX_INT64),
  },
  {
    name: 'caps an overflowing External sum at the int64 maximum (TestReplicaCalcExternalMetricUsageOverflow)',
    kind: 'external',
    fixture: { currentReplicas: 3 },
    levels: [MAX_INT64 / 2n + 1n, MAX_INT64 / 2n + 1n],
    target: MAX_INT64,
    want: wantAt('external', 3, MAX_INT64),
  },
  {
    name: 'scales up on a Pods metric average (TestReplicaCalcScaleUpCM)',
    kind: 'pods',
    fixture: { currentReplicas: 3 },
    levels: [20000n, 10000n, 30000n],
    target: 15000n,
    want: wantAt('pods', 4, 20000n),
  },
  {
    name: 'scales a Pods metric without the CPU readiness rules (TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale)',
    kind: 'pods',
    fixture: { currentReplicas: 3, readiness: [true, true, false], startTimes: [COOL, COOL, HOT] },
    levels: [50000n, 10000n, 30000n],
    target: 15000n,
    want: wantAt('pods', 6, 30000n),
  },
  {
    name: 'scales a Pods metric up over unready, initializing pods as if ready (TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown)',
    kind: 'pods',
    fixture: { currentReplicas: 3, readiness: [false, true, false], startTimes: [HOT, COOL, HOT] },
    levels: [50000n, 15000n, 30000n],
    target: 15000n,
    want: wantAt('pods', 7, 31666n),
  },
  {
    name: 'scales up on an Object value (TestReplicaCalcScaleUpCMObject)',
    kind: 'object',
    fixture: { currentReplicas: 3 },
    levels: [20000n],
    target: 15000n,
    want: wantAt('object', 4, 20000n),
  },
  {
    name: 'scales up on an Object per-pod average (TestReplicaCalcScaleUpCMPerPodObject)',
    kind: 'objectPerPod',
    fixture: { currentReplicas: 3 },
    levels: [20000n],
    target: 5000n,
    want: wantAt('objectPerPod', 4, 6667n),
  },
  {
    name: 'multiplies an Object ratio by the ready pods only (TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods)',
    kind: 'object',
    fixture: { currentReplicas: 3, readiness: [false, true, false] },
    levels: [50000n],
    target: 10000n,
    want: wantAt('object', 5, 50000n),
  },
  {
    name: 'scales up on one pod’s metric (TestReplicaCalcScaleUpCMExternal, which upstream runs as a Pods metric)',
    kind: 'pods',
    fixture: { currentReplicas: 1 },
    levels: [8600n],
    target: 4400n,
    want: wantAt('pods', 2, 8600n),
  },
  {
    name: 'multiplies an External ratio by the ready pods only (TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods)',
    kind: 'external',
    fixture: { currentReplicas: 3, readiness: [false, true, false] },
    levels: [8600n],
    target: 4400n,
    want: wantAt('external', 2, 8600n),
  },
  {
    name: 'scales up on one pod’s metric without labels (TestReplicaCalcScaleUpCMExternalNoLabels, run upstream as a Pods metric)',
    kind: 'pods',
    fixture: { currentReplicas: 1 },
    levels: [8600n],
    target: 4400n,
    want: wantAt('pods', 2, 8600n),
  },
  {
    name: 'scales up on an External per-pod average (TestReplicaCalcScaleUpPerPodCMExternal)',
    kind: 'externalPerPod',
    fixture: { currentReplicas: 3 },
    levels: [8600n],
    target: 2150n,
    want: wantAt('externalPerPod', 4, 2867n),
  },
  {
    name: 'scales down on a Pods metric average (TestReplicaCalcScaleDownCM)',
    kind: 'pods',
    fixture: { currentReplicas: 5 },
    levels: [12000n, 12000n, 12000n, 12000n, 12000n],
    target: 20000n,
    want: wantAt('pods', 3, 12000n),
  },
  {
    name: 'scales down on an Object per-pod average (TestReplicaCalcScaleDownPerPodCMObject)',
    kind: 'objectPerPod',
    fixture: { currentReplicas: 5 },
    levels: [6000n],
    target: 2000n,
    want: wantAt('objectPerPod', 3, 1200n),
  },
  {
    name: 'scales down on an Object value (TestReplicaCalcScaleDownCMObject)',
    kind: 'object',
    fixture: { currentReplicas: 5 },
    levels: [12000n],
    target: 20000n,
    want: wantAt('object', 3, 12000n),
  },
  {
    name: 'scales down on an External value (TestReplicaCalcScaleDownCMExternal)',
    kind: 'external',
    fixture: { currentReplicas: 5 },
    levels: [8600n],
    target: 14334n,
    want: wantAt('external', 3, 8600n),
  },
  {
    name: 'scales down on an External per-pod average (TestReplicaCalcScaleDownPerPodCMExternal)',
    kind: 'externalPerPod',
    fixture: { currentReplicas: 5 },
    levels: [8600n],
    target: 2867n,
    want: wantAt('externalPerPod', 3, 1720n),
  },
  {
    name: 'stays within tolerance on a Pods metric (TestReplicaCalcToleranceCM)',
    kind: 'pods',
    fixture: { currentReplicas: 3 },
    levels: [20000n, 21000n, 21000n],
    target: 20000n,
    want: wantAt('pods', 3, 20666n),
  },
  {
    name: 'stays within tolerance on an Object value (TestReplicaCalcToleranceCMObject)',
    kind: 'object',
    fixture: { currentReplicas: 3 },
    levels: [20666n],
    target: 20000n,
    want: wantAt('object', 3, 20666n),
  },
  {
    name: 'stays within tolerance on an Object per-pod average (TestReplicaCalcTolerancePerPodCMObject)',
    kind: 'objectPerPod',
    fixture: { currentReplicas: 4 },
    levels: [20166n],
    target: 5000n,
    want: wantAt('objectPerPod', 4, 5042n),
  },
  {
    name: 'stays within tolerance on an External value (TestReplicaCalcToleranceCMExternal)',
    kind: 'external',
    fixture: { currentReplicas: 3 },
    levels: [8600n],
    target: 8888n,
    want: wantAt('external', 3, 8600n),
  },
  {
    name: 'stays within tolerance on an External per-pod average (TestReplicaCalcTolerancePerPodCMExternal)',
    kind: 'externalPerPod',
    fixture: { currentReplicas: 3 },
    levels: [8600n],
    target: 2900n,
    want: wantAt('externalPerPod', 3, 2867n),
  },
  {
    name: 'scales a Pods metric up past a 1 % scale-up tolerance (TestReplicaCalcConfigurableToleranceCM)',
    kind: 'pods',
    fixture: { currentReplicas: 3 },
    levels: [20000n, 21000n, 21000n],
    target: 20000n,
    tolerances: tol(0.1, 0.01),
    want: wantAt('pods', 4, 20666n),
  },
  {
    name: 'scales an Object value up past a 1 % scale-up tolerance (TestReplicaCalcConfigurableToleranceCMObject)',
    kind: 'object',
    fixture: { currentReplicas: 3 },
    levels: [20666n],
    target: 20000n,
    tolerances: tol(0.1, 0.01),
    want: wantAt('object', 4, 20666n),
  },
  {
    name: 'scales an Object per-pod average up past a 1 % scale-up tolerance (TestReplicaCalcConfigurableTolerancePerPodCMObject)',
    kind: 'objectPerPod',
    fixture: { currentReplicas: 4 },
    levels: [20208n],
    target: 5000n,
    tolerances: tol(0.1, 0.01),
    want: wantAt('objectPerPod', 5, 5052n),
  },
  {
    name: 'scales an External value up past a 1 % scale-up tolerance (TestReplicaCalcConfigurableToleranceCMExternal)',
    kind: 'external',
    fixture: { currentReplicas: 3 },
    levels: [8900n],
    target: 8800n,
    tolerances: tol(0.1, 0.01),
    want: wantAt('external', 4, 8900n),
  },
  {
    name: 'scales an External per-pod average up past a 1 % scale-up tolerance (TestReplicaCalcConfigurableTolerancePerPodCMExternal)',
    kind: 'externalPerPod',
    fixture: { currentReplicas: 3 },
    levels: [8600n],
    target: 2800n,
    tolerances: tol(0.1, 0.01),
    want: wantAt('externalPerPod', 4, 2867n),
  },
  {
    name: 'keeps the count on a Pods metric exactly on target with pods missing (TestPlainMetricReplicaCalcMissingMetricsNoChangeEq)',
    kind: 'pods',
    fixture: { currentReplicas: 5 },
    levels: [20000n, 19000n, 21000n],
    target: 20000n,
    want: wantAt('pods', 5, 20000n),
  },
  {
    name: 'does not scale a Pods metric down past the spec replicas during a surge rollout (TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM)',
    kind: 'pods',
    fixture: { currentReplicas: 2, phases: ['Running', 'Running', 'Running'] },
    levels: [10000n, 10000n],
    target: 17000n,
    want: wantAt('pods', 2, 10000n),
  },
  // The calculator step of horizontal_test.go's scale-to-zero cases.
  {
    name: 'scales an Object value from zero replicas to ceil(value/target) (TestScaleUpFromZeroCMObject)',
    kind: 'object',
    fixture: { currentReplicas: 0 },
    levels: [20000n],
    target: 15000n,
    want: wantAt('object', 2, 20000n),
  },
  {
    name: 'scales an Object value from zero replicas ignoring tolerance (TestScaleUpFromZeroIgnoresToleranceCMObject)',
    kind: 'object',
    fixture: { currentReplicas: 0 },
    levels: [1000n],
    target: 1000n,
    want: wantAt('object', 1, 1000n),
  },
  {
    name: 'scales an Object value of zero down to zero replicas (TestScaleDownToZeroCMObject)',
    kind: 'object',
    fixture: { currentReplicas: 5 },
    levels: [0n],
    target: 20000n,
    want: wantAt('object', 0, 0n),
  },
  {
    name: 'scales an External value of zero down to zero replicas (TestScaleDownToZeroCMExternal)',
    kind: 'external',
    fixture: { currentReplicas: 5 },
    levels: [0n],
    target: 4400n,
    want: wantAt('external', 0, 0n),
  },
];

describe('Pods, Object and External metrics, upstream vectors', () => {
  for (const c of metricCases) {
    it(c.name, () => {
      check(runMetricCase(c), c.want);
    });
  }
});

// ───────────────────────────── groupPods ─────────────────────────────

interface GroupCase {
  name: string;
  pods: PodInfo[];
  metrics: [string, { value: bigint; timestamp?: number; windowMs?: number }][];
  resource: string;
  ready: number;
  unready: string[];
  missing: string[];
  ignored: string[];
}

/** A pod as TestGroupPods writes it: Succeeded unless said otherwise, no condition unless given. */
function gp(
  name: string,
  o: { phase?: PodPhase; startedAt?: number | null; ready?: boolean | null; readyTransitionAt?: number | null; deleting?: boolean } = {},
): PodInfo {
  return {
    name,
    phase: o.phase ?? 'Succeeded',
    deleting: o.deleting ?? false,
    ready: o.ready ?? null,
    readyTransitionAt: o.readyTransitionAt ?? null,
    startedAt: o.startedAt ?? null,
    containers: [],
  };
}

const SECOND = 1000;
const groupCases: GroupCase[] = [
  { name: 'void', pods: [], metrics: [], resource: 'cpu', ready: 0, unready: [], missing: [], ignored: [] },
  {
    name: 'count in a ready pod - memory',
    pods: [gp('bentham')],
    metrics: [['bentham', { value: 1n, timestamp: NOW, windowMs: MINUTE }]],
    resource: 'memory',
    ready: 1,
    unready: [],
    missing: [],
    ignored: [],
  },
  {
    name: 'unready a pod without ready condition - CPU',
    pods: [gp('lucretius', { startedAt: NOW })],
    metrics: [['lucretius', { value: 1n }]],
    resource: 'cpu',
    ready: 0,
    unready: ['lucretius'],
    missing: [],
    ignored: [],
  },
  {
    name: 'count in a ready pod with fresh metrics during initialization period - CPU',
    pods: [gp('bentham', { startedAt: NOW - MINUTE, ready: true, readyTransitionAt: NOW - 30 * SECOND })],
    metrics: [['bentham', { value: 1n, timestamp: NOW, windowMs: 30 * SECOND }]],
    resource: 'cpu',
    ready: 1,
    unready: [],
    missing: [],
    ignored: [],
  },
  {
    name: 'unready a ready pod without fresh metrics during initialization period - CPU',
    pods: [gp('bentham', { startedAt: NOW - MINUTE, ready: true, readyTransitionAt: NOW - 30 * SECOND })],
    metrics: [['bentham', { value: 1n, timestamp: NOW, windowMs: 60 * SECOND }]],
    resource: 'cpu',
    ready: 0,
    unready: ['bentham'],
    missing: [],
    ignored: [],
  },
  {
    name: 'unready an unready pod during initialization period - CPU',
    pods: [gp('lucretius', { startedAt: NOW - 10 * MINUTE, ready: false, readyTransitionAt: NOW - 9 * MINUTE - 54 * SECOND })],
    metrics: [['lucretius', { value: 1n }]],
    resource: 'cpu',
    ready: 0,
    unready: ['lucretius'],
    missing: [],
    ignored: [],
  },
  {
    name: 'count in a ready pod without fresh metrics after initialization period - CPU',
    pods: [gp('bentham', { startedAt: NOW - 3 * MINUTE, ready: true, readyTransitionAt: NOW - 3 * MINUTE })],
    metrics: [['bentham', { value: 1n, timestamp: NOW - 2 * MINUTE, windowMs: MINUTE }]],
    resource: 'cpu',
    ready: 1,
    unready: [],
    missing: [],
    ignored: [],
  },
  {
    name: 'count in an unready pod that was ready after initialization period - CPU',
    pods: [gp('lucretius', { startedAt: NOW - 10 * MINUTE, ready: false, readyTransitionAt: NOW - 9 * MINUTE })],
    metrics: [['lucretius', { value: 1n }]],
    resource: 'cpu',
    ready: 1,
    unready: [],
    missing: [],
    ignored: [],
  },
  {
    name: 'unready pod that has never been ready after initialization period - CPU',
    pods: [gp('lucretius', { startedAt: NOW - 10 * MINUTE, ready: false, readyTransitionAt: NOW - 9 * MINUTE - 50 * SECOND })],
    metrics: [['lucretius', { value: 1n }]],
    resource: 'cpu',
    ready: 1,
    unready: [],
    missing: [],
    ignored: [],
  },
  {
    name: 'a missing pod',
    pods: [gp('epicurus', { startedAt: NOW - 3 * MINUTE })],
    metrics: [],
    resource: 'cpu',
    ready: 0,
    unready: [],
    missing: ['epicurus'],
    ignored: [],
  },
  {
    name: 'several pods',
    pods: [
      gp('lucretius', { startedAt: NOW }),
      gp('niccolo', { startedAt: NOW - 3 * MINUTE, ready: true, readyTransitionAt: NOW - 3 * MINUTE }),
      gp('epicurus', { startedAt: NOW - 3 * MINUTE }),
    ],
    metrics: [
      ['lucretius', { value: 1n }],
      ['niccolo', { value: 1n }],
    ],
    resource: 'cpu',
    ready: 1,
    unready: ['lucretius'],
    missing: ['epicurus'],
    ignored: [],
  },
  {
    name: 'pending pods are unreadied',
    pods: [gp('unscheduled', { phase: 'Pending' })],
    metrics: [],
    resource: 'cpu',
    ready: 0,
    unready: ['unscheduled'],
    missing: [],
    ignored: [],
  },
  {
    name: 'ignore pods with deletion timestamps',
    pods: [gp('deleted', { phase: 'Pending', deleting: true })],
    metrics: [['deleted', { value: 1n }]],
    resource: 'cpu',
    ready: 0,
    unready: [],
    missing: [],
    ignored: ['deleted'],
  },
  {
    name: 'ignore pods in a failed state',
    pods: [gp('failed', { phase: 'Failed' })],
    metrics: [['failed', { value: 1n }]],
    resource: 'cpu',
    ready: 0,
    unready: [],
    missing: [],
    ignored: ['failed'],
  },
];

describe('groupPods (TestGroupPods)', () => {
  for (const c of groupCases) {
    it(`groups pods as upstream does: ${c.name} (TestGroupPods)`, () => {
      const metrics: PodMetrics = new Map(
        c.metrics.map(([name, s]) => [name, { value: s.value, timestamp: s.timestamp ?? GO_ZERO, windowMs: s.windowMs ?? 0 }]),
      );
      const g = groupPods(c.pods, metrics, c.resource, context());
      expect(g.readyPodCount).toBe(c.ready);
      expect([...g.unready].sort()).toEqual([...c.unready].sort());
      expect([...g.missing].sort()).toEqual([...c.missing].sort());
      expect([...g.ignored].sort()).toEqual([...c.ignored].sort());
    });
  }

  it('never applies the CPU rules to other resources or to Pods metrics', () => {
    const pod = gp('p', { phase: 'Running', startedAt: null, ready: null });
    const metrics: PodMetrics = new Map([['p', { value: 1n, timestamp: NOW, windowMs: MINUTE }]]);
    expect(groupPods([pod], metrics, 'memory', context()).readyPodCount).toBe(1);
    expect(groupPods([pod], metrics, null, context()).readyPodCount).toBe(1);
    expect(groupPods([pod], metrics, 'cpu', context()).unready.has('p')).toBe(true);
  });
});

// ───────────────────────────── requests (TestCalculateRequests) ─────────────────────────────

describe('requests, as calculateRequests reads them (TestCalculateRequests)', () => {
  const base = (containers: PodInfo['containers']): PodInfo => ({
    name: 'test-pod',
    phase: 'Running',
    deleting: false,
    ready: true,
    readyTransitionAt: GO_ZERO,
    startedAt: GO_ZERO,
    containers,
  });
  const sample: PodMetrics = new Map([['test-pod', { value: 300n, timestamp: GO_ZERO, windowMs: MINUTE }]]);
  const run = (pod: PodInfo, container?: string) =>
    getResourceReplicas(
      { currentReplicas: 1, targetUtilization: 100, resource: 'cpu', container, pods: [pod], metrics: sample },
      context(),
    );

  it('sums the container requests of a pod (TestCalculateRequests: Sum container requests if pod-level feature is disabled)', () => {
    const got = run(base([{ name: 'container1', requests: { cpu: 100n } }, { name: 'container2', requests: { cpu: 50n } }]));
    check(got, { replicas: 2, utilization: 200, value: 300n }); // 300/150
  });

  it('uses only the named container’s request (TestCalculateRequests: Container: if a container name is specified)', () => {
    const got = run(base([{ name: 'container1', requests: { cpu: 100n } }, { name: 'container2', requests: { cpu: 50n } }]), 'container1');
    check(got, { replicas: 3, utilization: 300, value: 300n }); // 300/100
  });

  it('refuses a pod with a container lacking the request (TestCalculateRequests: Fail if at least one of the containers is missing requests)', () => {
    const got = run(base([{ name: 'container1', requests: {} }, { name: 'container2', requests: { cpu: 50n } }]));
    check(got, { error: 'missing request for cpu in container container1 of Pod test-pod' });
  });

  it('needs a request only from the named container', () => {
    const got = run(base([{ name: 'container1', requests: {} }, { name: 'container2', requests: { cpu: 150n } }]), 'container2');
    check(got, { replicas: 2, utilization: 200, value: 300n });
  });

  it('refuses a named container the pod does not have (TestCalculatePodRequestsFromContainers_NonExistentContainer)', () => {
    const got = run(base([{ name: 'container1', requests: { cpu: 100n } }]), 'non-existent-container');
    check(got, { error: 'container non-existent-container not found in Pod test-pod' });
  });
});

// ───────────────────────────── beyond the upstream vectors ─────────────────────────────

describe('Resource and Pods paths, further properties', () => {
  const samples = (entries: [string, bigint, number][]): PodMetrics =>
    new Map(entries.map(([n, value, timestamp]) => [n, { value, timestamp, windowMs: MINUTE }]));
  const readyPods = (n: number, resource: string, request: bigint): PodInfo[] =>
    buildPods({ currentReplicas: n }).map((p) => ({ ...p, containers: [{ name: 'app', requests: { [resource]: request } }] }));

  it('reports the newest sample time among the samples used', () => {
    const got = getResourceReplicas(
      {
        currentReplicas: 2,
        targetUtilization: 50,
        resource: 'memory',
        pods: readyPods(2, 'memory', 1000n),
        metrics: samples([
          ['test-pod-0', 900n, NOW - 20_000],
          ['test-pod-1', 900n, NOW - 5_000],
        ]),
      },
      context(),
    );
    check(got, { replicas: 4, utilization: 90, value: 900n, timestamp: NOW - 5_000 });
  });

  it('refuses when every sample belongs to an unready or ignored pod', () => {
    const pods = buildPods({ currentReplicas: 2, phases: ['Pending', 'Failed'], requests: reqs(2, 1000) });
    const got = getResourceReplicas(
      { currentReplicas: 2, targetUtilization: 50, resource: 'cpu', pods, metrics: resourceMetrics(podLevels(100, 100)) },
      context(),
    );
    check(got, { error: 'did not receive metrics for targeted pods (pods might be unready)' });
  });

  it('refuses when the selector lists no pods', () => {
    const got = getResourceReplicas(
      { currentReplicas: 2, targetUtilization: 50, resource: 'cpu', pods: [], metrics: resourceMetrics(podLevels(100)) },
      context(),
    );
    check(got, { error: 'no pods returned by selector while calculating replica count' });
    const plain = getPodsMetricReplicas({ currentReplicas: 2, targetAverageValue: 10n, pods: [], metrics: podsMetrics([5n]) }, context());
    check(plain, { error: 'no pods returned by selector while calculating replica count' });
  });

  it('scales memory on an AverageValue target with integer averages (1Gi = 1073741824000 milli)', () => {
    const GI = 1_073_741_824_000n;
    const pods = readyPods(3, 'memory', 2n * GI);
    const got = getRawResourceReplicas(
      {
        currentReplicas: 3,
        targetAverageValue: GI,
        resource: 'memory',
        pods,
        metrics: samples([
          ['test-pod-0', 2n * GI, GO_ZERO],
          ['test-pod-1', 2n * GI, GO_ZERO],
          ['test-pod-2', GI, GO_ZERO],
        ]),
      },
      context(),
    );
    // (5 Gi / 3) / 1 Gi = 1.666… → ceil(1.666… × 3) = 5
    check(got, { replicas: 5, value: (5n * GI) / 3n });
  });

  it('applies the CPU readiness rules to a CPU AverageValue target', () => {
    const pods = buildPods({ currentReplicas: 3, readiness: [false, true, true], requests: reqs(3, 1000) });
    const got = getRawResourceReplicas(
      { currentReplicas: 3, targetAverageValue: 300n, resource: 'cpu', pods, metrics: resourceMetrics(podLevels(300, 500, 700)) },
      context(),
    );
    // Pod 0 is held back: 2400/2 = 1200 → ratio 4 → zero-filled: 2400/3 = 800 → ratio 2.67 → 8
    check(got, { replicas: 8, value: 1200n });
  });

  it('fills a missing pod with exactly the target on a Pods-metric scale-down', () => {
    const got = getPodsMetricReplicas(
      { currentReplicas: 4, targetAverageValue: 10000n, pods: buildPods({ currentReplicas: 4 }), metrics: podsMetrics([2000n, 2000n, 2000n]) },
      context(),
    );
    // 2000/10000 = 0.2 → (6000 + 10000)/4 = 4000 → ratio 0.4 → ceil(1.6) = 2
    check(got, { replicas: 2, value: 2000n });
  });

  it('refuses empty Pods, External and resource metric lists', () => {
    check(
      getPodsMetricReplicas({ currentReplicas: 1, targetAverageValue: 1n, pods: buildPods({ currentReplicas: 1 }), metrics: new Map() }, context()),
      { error: 'no metrics returned from custom metrics API' },
    );
    check(
      getExternalMetricReplicas({ currentReplicas: 1, targetValue: 1n, values: [], timestamp: NOW, pods: [] }, context()),
      { error: 'no metrics returned from external metrics API' },
    );
    check(
      getExternalPerPodMetricReplicas({ statusReplicas: 1, targetAverageValue: 1n, values: [], timestamp: NOW }, context()),
      { error: 'no metrics returned from external metrics API' },
    );
    check(
      getRawResourceReplicas(
        { currentReplicas: 1, targetAverageValue: 1n, resource: 'memory', pods: [], metrics: new Map() },
        context(),
      ),
      { error: 'no metrics returned from resource metrics API' },
    );
  });
});

describe('Object and External paths, further properties', () => {
  it('sums the External series for a Value target', () => {
    const got = getExternalMetricReplicas(
      { currentReplicas: 2, targetValue: 1000n, values: [1500n, 1500n], timestamp: SAMPLE_AT, pods: buildPods({ currentReplicas: 2 }) },
      context(),
    );
    check(got, { replicas: 6, value: 3000n, timestamp: SAMPLE_AT });
  });

  it('refuses an Object value outside tolerance when no pod is listed', () => {
    const got = getObjectMetricReplicas({ currentReplicas: 2, targetValue: 10n, value: 30n, timestamp: NOW, pods: [] }, context());
    check(got, { error: 'no pods returned by selector while calculating replica count' });
  });

  it('counts only Running pods with PodReady True for a Value target', () => {
    const pods = buildPods({ currentReplicas: 4, phases: ['Running', 'Succeeded', 'Pending', 'Running'], readiness: [true, true, true, false] });
    const got = getObjectMetricReplicas({ currentReplicas: 4, targetValue: 10n, value: 30n, timestamp: NOW, pods }, context());
    check(got, { replicas: 3, value: 30n, timestamp: NOW });
  });

  it('reproduces the KEP-4951 integration scenario with up 5 % / down 50 % tolerances', () => {
    const t = tol(0.5, 0.05);
    const step = (statusReplicas: number, total: bigint) =>
      getExternalPerPodMetricReplicas({ statusReplicas, targetAverageValue: 100_000n, values: [total * 1000n], timestamp: NOW }, context(t));
    expect(step(35, 3700n)).toMatchObject({ ok: true, replicas: 37 });
    expect(step(37, 3800n)).toMatchObject({ ok: true, replicas: 37 });
    expect(step(37, 1000n)).toMatchObject({ ok: true, replicas: 10 });
    expect(step(10, 800n)).toMatchObject({ ok: true, replicas: 10 });
  });

  it('reports the total as the per-pod average of an Object AverageValue target with no status replicas', () => {
    const got = getObjectPerPodMetricReplicas({ statusReplicas: 0, targetAverageValue: 5000n, value: 12000n, timestamp: NOW }, context());
    check(got, { replicas: 3, value: 12000n, timestamp: NOW });
  });
});
