/**
 * The HPA replica calculator: for one metric of one HorizontalPodAutoscaler, how many replicas
 * the metric asks for. A behavioural port of Kubernetes' pkg/controller/podautoscaler
 * replica_calculator.go (and metrics/utilization.go), checked against its unit-test vectors.
 *
 * Conventions carried over from Kubernetes:
 *  - every metric value is a milli-value (bigint), summed and divided with exact 64-bit integer
 *    math, truncating like Go's int64 division;
 *  - ratios are float64 (`Number(a) / Number(b)`), replica counts are `ceil(ratio × pods)`;
 *  - a utilization percentage is truncated to an integer before it is compared with the target;
 *  - tolerance is inclusive at both ends: 1 − down ≤ ratio ≤ 1 + up.
 *
 * Where Go relies on implementation-defined float→int conversions (results beyond int32/int64),
 * this port saturates: replica counts at 2³¹−1, averages at the int64 range.
 *
 * Pure: no I/O, no clock (the caller passes `now`), no randomness.
 */
import type { PodInfo, PodMetric, PodMetrics, ReplicaProposal, Tolerances } from './types';

export interface CalcContext {
  tolerances: Tolerances;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
  now: number;
}

const MAX_INT32 = 2_147_483_647;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
/** 2^63 as a float64: the first float at or above which an int64 cannot hold the value. */
const TWO_POW_63 = 2 ** 63;

const NO_PODS = 'no pods returned by selector while calculating replica count';
const NO_TARGETED_METRICS = 'did not receive metrics for targeted pods (pods might be unready)';

// ───────────────────────────── small numeric helpers ─────────────────────────────

/** 1 − down ≤ ratio ≤ 1 + up, inclusive */
export function withinTolerance(ratio: number, t: Tolerances): boolean {
  return 1 - t.down <= ratio && ratio <= 1 + t.up;
}

/** ceil(x) as a replica count, saturated at the int32 maximum (and at 0 below). */
function replicasFromFloat(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x > MAX_INT32) return MAX_INT32;
  const c = Math.ceil(x);
  return c < 0 ? 0 : c;
}

/** ceil(x) as an int64 milli-value, saturated at the int64 range. */
function int64FromFloat(x: number): bigint {
  if (Number.isNaN(x)) return 0n;
  if (x >= TWO_POW_63) return MAX_INT64;
  if (x < -TWO_POW_63) return MIN_INT64;
  return BigInt(Math.ceil(x));
}

function fail(error: string): ReplicaProposal {
  return { ok: false, error };
}

function newestSample(samples: Iterable<PodMetric>): number {
  let newest = -Infinity;
  for (const s of samples) if (s.timestamp > newest) newest = s.timestamp;
  return newest;
}

// ───────────────────────────── pod classification ─────────────────────────────

/**
 * Whether a running pod's CPU sample must be distrusted (CPU metrics only):
 *  - no PodReady condition or no start time: distrusted;
 *  - still inside the CPU initialization period: distrusted when not ready, or when the sample
 *    window does not lie wholly after the last readiness change;
 *  - after it: distrusted only when not ready and unready ever since start-up (the readiness
 *    change happened within the initial-readiness delay).
 */
function cpuSampleUnready(pod: PodInfo, sample: PodMetric, ctx: CalcContext): boolean {
  if (pod.ready === null || pod.startedAt === null) return true;
  // A condition without a transition time behaves like Go's zero time: long before anything.
  const transition = pod.readyTransitionAt ?? -Infinity;
  if (pod.startedAt + ctx.cpuInitializationPeriodMs > ctx.now) {
    return pod.ready === false || sample.timestamp < transition + sample.windowMs;
  }
  return pod.ready === false && pod.startedAt + ctx.delayOfInitialReadinessStatusMs > transition;
}

/** Kubernetes' groupPods: readyPodCount, unready, missing, ignored (sets of pod names). resource 'cpu' enables the CPU readiness rules. */
export function groupPods(
  pods: PodInfo[],
  metrics: PodMetrics,
  resource: string | null,
  ctx: CalcContext,
): { readyPodCount: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> } {
  let readyPodCount = 0;
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  for (const pod of pods) {
    // Pods on their way out, and failed ones, take no part at all.
    if (pod.deleting || pod.phase === 'Failed') {
      ignored.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      unready.add(pod.name);
      continue;
    }
    const sample = metrics.get(pod.name);
    if (sample === undefined) {
      missing.add(pod.name);
      continue;
    }
    if (resource === 'cpu' && cpuSampleUnready(pod, sample, ctx)) {
      unready.add(pod.name);
      continue;
    }
    readyPodCount++;
  }
  return { readyPodCount, unready, missing, ignored };
}

// ───────────────────────────── requests ─────────────────────────────

/**
 * Each pod's request of `resource` (milli): the sum over its containers, or only the named
 * container's. A container without a request is an error, as is a named container the pod lacks.
 */
function podRequests(
  pods: PodInfo[],
  container: string | undefined,
  resource: string,
): { ok: true; requests: Map<string, bigint> } | { ok: false; error: string } {
  const requests = new Map<string, bigint>();
  for (const pod of pods) {
    let sum = 0n;
    let found = false;
    for (const c of pod.containers) {
      if (container && c.name !== container) continue;
      const request = c.requests[resource];
      if (request === undefined) {
        return { ok: false, error: `missing request for ${resource} in container ${c.name} of Pod ${pod.name}` };
      }
      sum += request;
      if (container) {
        found = true;
        break;
      }
    }
    if (container && !found) return { ok: false, error: `container ${container} not found in Pod ${pod.name}` };
    requests.set(pod.name, sum);
  }
  return { ok: true, requests };
}

// ───────────────────────────── the usage ratios ─────────────────────────────

interface UtilizationRatio {
  ratio: number;
  /** floor(Σusage·100 / Σrequest), percent */
  utilization: number;
  /** Σusage / n over the entries that had a request */
  raw: bigint;
}

/**
 * Utilization over the entries whose pod has a known request; entries for unknown pods are
 * skipped (they are extraneous samples, not an error).
 */
function utilizationRatio(
  values: Map<string, bigint>,
  requests: Map<string, bigint>,
  targetUtilization: number,
): UtilizationRatio | null {
  let usage = 0n;
  let requested = 0n;
  let entries = 0n;
  for (const [name, value] of values) {
    const request = requests.get(name);
    if (request === undefined) continue;
    usage += value;
    requested += request;
    entries++;
  }
  if (requested === 0n) return null;
  const utilization = Number((usage * 100n) / requested);
  return { ratio: utilization / targetUtilization, utilization, raw: usage / entries };
}

/** The plain average Σvalues / n over every entry, and its ratio to the target. */
function averageRatio(values: Map<string, bigint>, target: bigint): { ratio: number; average: bigint } {
  let total = 0n;
  for (const v of values.values()) total += v;
  const average = total / BigInt(values.size);
  return { ratio: Number(average) / Number(target), average };
}

// ───────────────────────────── the shared per-pod algorithm ─────────────────────────────

/**
 * The part Resource (Utilization and AverageValue) and Pods metrics share once pods are grouped:
 * the plain proposal when no pod is missing or held back, otherwise a recomputation with
 * conservative stand-ins for those pods that may only damp the change, never reverse it.
 *
 * `measure` maps the (filled-in) samples to a usage ratio; `stand-in` gives a missing pod's value
 * on a scale-down.
 */
function proposeFromPods(
  currentReplicas: number,
  values: Map<string, bigint>,
  readyPodCount: number,
  unready: Set<string>,
  missing: Set<string>,
  ratio: number,
  measure: (values: Map<string, bigint>) => number | null,
  missingOnScaleDown: (pod: string) => bigint,
  t: Tolerances,
): { ok: true; replicas: number } | { ok: false; error: string } {
  const scaleUpWithUnready = unready.size > 0 && ratio > 1;

  if (!scaleUpWithUnready && missing.size === 0) {
    if (withinTolerance(ratio, t)) return { ok: true, replicas: currentReplicas };
    return { ok: true, replicas: replicasFromFloat(ratio * readyPodCount) };
  }

  const filled = new Map(values);
  if (missing.size > 0) {
    // Scale-down: assume the missing pods sit at the stand-in; scale-up: assume they idle.
    // Exactly on target, nothing is assumed for them.
    if (ratio < 1) for (const pod of missing) filled.set(pod, missingOnScaleDown(pod));
    else if (ratio > 1) for (const pod of missing) filled.set(pod, 0n);
  }
  if (scaleUpWithUnready) for (const pod of unready) filled.set(pod, 0n);

  const newRatio = measure(filled);
  if (newRatio === null) return { ok: false, error: 'no metrics returned matched known pods' };

  const flipped = (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1);
  if (withinTolerance(newRatio, t) || flipped) return { ok: true, replicas: currentReplicas };

  // Every entry now counts, filled-in ones and samples of pods not in the list alike.
  const replicas = replicasFromFloat(newRatio * filled.size);
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) {
    return { ok: true, replicas: currentReplicas };
  }
  return { ok: true, replicas };
}

/** The samples that take part: every entry except those of ignored and unready pods. */
function usableSamples(metrics: PodMetrics, ignored: Set<string>, unready: Set<string>): Map<string, PodMetric> {
  const used = new Map<string, PodMetric>();
  for (const [name, sample] of metrics) {
    if (ignored.has(name) || unready.has(name)) continue;
    used.set(name, sample);
  }
  return used;
}

function valuesOf(samples: Map<string, PodMetric>): Map<string, bigint> {
  const values = new Map<string, bigint>();
  for (const [name, s] of samples) values.set(name, s.value);
  return values;
}

// ───────────────────────────── Resource / ContainerResource ─────────────────────────────

/** Resource / ContainerResource with a Utilization target (integer percentage). `container` set = ContainerResource. */
export function getResourceReplicas(
  a: { currentReplicas: number; targetUtilization: number; resource: string; container?: string; pods: PodInfo[]; metrics: PodMetrics },
  ctx: CalcContext,
): ReplicaProposal {
  if (a.metrics.size === 0) {
    return fail(`unable to get metrics for resource ${a.resource}: no metrics returned from resource metrics API`);
  }
  if (a.pods.length === 0) return fail(NO_PODS);

  const groups = groupPods(a.pods, a.metrics, a.resource, ctx);
  const samples = usableSamples(a.metrics, groups.ignored, groups.unready);
  if (samples.size === 0) return fail(NO_TARGETED_METRICS);

  const req = podRequests(a.pods, a.container, a.resource);
  if (!req.ok) return fail(req.error);
  const requests = req.requests;

  const values = valuesOf(samples);
  const first = utilizationRatio(values, requests, a.targetUtilization);
  if (first === null) return fail('no metrics returned matched known pods');

  // A missing pod standing in on a scale-down uses its whole request, or the target share of it
  // when the target is above 100 %.
  const fallbackPercent = BigInt(Math.max(100, a.targetUtilization));
  const proposal = proposeFromPods(
    a.currentReplicas,
    values,
    groups.readyPodCount,
    groups.unready,
    groups.missing,
    first.ratio,
    (filled) => utilizationRatio(filled, requests, a.targetUtilization)?.ratio ?? null,
    (pod) => ((requests.get(pod) ?? 0n) * fallbackPercent) / 100n,
    ctx.tolerances,
  );
  if (!proposal.ok) return fail(proposal.error);
  return {
    ok: true,
    replicas: proposal.replicas,
    utilization: first.utilization,
    value: first.raw,
    timestamp: newestSample(samples.values()),
  };
}

/** The AverageValue path shared by Resource and Pods metrics; `resource` null skips the CPU rules. */
function plainMetricReplicas(
  currentReplicas: number,
  target: bigint,
  pods: PodInfo[],
  metrics: PodMetrics,
  resource: string | null,
  ctx: CalcContext,
): ReplicaProposal {
  if (pods.length === 0) return fail(NO_PODS);

  const groups = groupPods(pods, metrics, resource, ctx);
  const samples = usableSamples(metrics, groups.ignored, groups.unready);
  if (samples.size === 0) return fail(NO_TARGETED_METRICS);

  const values = valuesOf(samples);
  const first = averageRatio(values, target);
  const proposal = proposeFromPods(
    currentReplicas,
    values,
    groups.readyPodCount,
    groups.unready,
    groups.missing,
    first.ratio,
    (filled) => averageRatio(filled, target).ratio,
    // A missing pod on a scale-down is assumed to be exactly on target.
    () => target,
    ctx.tolerances,
  );
  if (!proposal.ok) return fail(proposal.error);
  return { ok: true, replicas: proposal.replicas, value: first.average, timestamp: newestSample(samples.values()) };
}

/** Resource / ContainerResource with an AverageValue target (milli). */
export function getRawResourceReplicas(
  a: { currentReplicas: number; targetAverageValue: bigint; resource: string; container?: string; pods: PodInfo[]; metrics: PodMetrics },
  ctx: CalcContext,
): ReplicaProposal {
  if (a.metrics.size === 0) {
    return fail(`unable to get metrics for resource ${a.resource}: no metrics returned from resource metrics API`);
  }
  return plainMetricReplicas(a.currentReplicas, a.targetAverageValue, a.pods, a.metrics, a.resource, ctx);
}

// ───────────────────────────── Pods ─────────────────────────────

/** Pods metric (AverageValue target, milli). No CPU readiness rules. */
export function getPodsMetricReplicas(
  a: { currentReplicas: number; targetAverageValue: bigint; pods: PodInfo[]; metrics: PodMetrics },
  ctx: CalcContext,
): ReplicaProposal {
  if (a.metrics.size === 0) return fail('no metrics returned from custom metrics API');
  return plainMetricReplicas(a.currentReplicas, a.targetAverageValue, a.pods, a.metrics, null, ctx);
}

// ───────────────────────────── Object and External ─────────────────────────────

/**
 * Value targets of Object and External metrics: outside tolerance, the ratio times the pods that
 * are Running with PodReady True. From zero replicas (scale-to-zero HPAs) tolerance and pods play
 * no part: ceil(ratio).
 */
function valueTargetReplicas(
  currentReplicas: number,
  ratio: number,
  pods: PodInfo[],
  t: Tolerances,
): { ok: true; replicas: number } | { ok: false; error: string } {
  if (currentReplicas === 0) return { ok: true, replicas: replicasFromFloat(ratio) };
  if (withinTolerance(ratio, t)) return { ok: true, replicas: currentReplicas };
  if (pods.length === 0) return { ok: false, error: `unable to calculate ready pods: ${NO_PODS}` };
  let ready = 0;
  for (const pod of pods) if (pod.phase === 'Running' && pod.ready === true) ready++;
  return { ok: true, replicas: replicasFromFloat(ratio * ready) };
}

/**
 * AverageValue targets of Object and External metrics: the total against target × status
 * replicas; outside tolerance, ceil(total / target). The reported average is
 * ceil(total / statusReplicas) (the total itself when there are no replicas).
 */
function perPodTargetReplicas(
  statusReplicas: number,
  target: bigint,
  total: bigint,
  t: Tolerances,
): { replicas: number; average: bigint } {
  let replicas = statusReplicas;
  const ratio = Number(total) / (Number(target) * statusReplicas);
  if (!withinTolerance(ratio, t)) replicas = replicasFromFloat(Number(total) / Number(target));
  const average = int64FromFloat(Number(total) / Math.max(1, statusReplicas));
  return { replicas, average };
}

/** Object metric, Value target: multiplies by Running∧Ready pods; from currentReplicas 0: ceil(ratio), no tolerance. */
export function getObjectMetricReplicas(
  a: { currentReplicas: number; targetValue: bigint; value: bigint; timestamp: number; pods: PodInfo[] },
  ctx: CalcContext,
): ReplicaProposal {
  const ratio = Number(a.value) / Number(a.targetValue);
  const r = valueTargetReplicas(a.currentReplicas, ratio, a.pods, ctx.tolerances);
  if (!r.ok) return fail(r.error);
  return { ok: true, replicas: r.replicas, value: a.value, timestamp: a.timestamp };
}

/** Object metric, AverageValue target: uses statusReplicas. */
export function getObjectPerPodMetricReplicas(
  a: { statusReplicas: number; targetAverageValue: bigint; value: bigint; timestamp: number },
  ctx: CalcContext,
): ReplicaProposal {
  const r = perPodTargetReplicas(a.statusReplicas, a.targetAverageValue, a.value, ctx.tolerances);
  return { ok: true, replicas: r.replicas, value: r.average, timestamp: a.timestamp };
}

/** External metric, Value target: value = sum of the series (capped at int64 max). */
export function getExternalMetricReplicas(
  a: { currentReplicas: number; targetValue: bigint; values: bigint[]; timestamp: number; pods: PodInfo[] },
  ctx: CalcContext,
): ReplicaProposal {
  if (a.values.length === 0) return fail('no metrics returned from external metrics API');
  let total = 0n;
  for (const v of a.values) {
    // A positive term that would carry the sum past int64 max pins it there.
    if (v > 0n && total > MAX_INT64 - v) {
      total = MAX_INT64;
      break;
    }
    total = BigInt.asIntN(64, total + v);
  }
  const ratio = Number(total) / Number(a.targetValue);
  const r = valueTargetReplicas(a.currentReplicas, ratio, a.pods, ctx.tolerances);
  if (!r.ok) return fail(r.error);
  return { ok: true, replicas: r.replicas, value: total, timestamp: a.timestamp };
}

/** External metric, AverageValue target: uses statusReplicas; result capped at int32 max. */
export function getExternalPerPodMetricReplicas(
  a: { statusReplicas: number; targetAverageValue: bigint; values: bigint[]; timestamp: number },
  ctx: CalcContext,
): ReplicaProposal {
  if (a.values.length === 0) return fail('no metrics returned from external metrics API');
  let total = 0n;
  for (const v of a.values) {
    // int64 arithmetic; a running sum that wraps negative is taken as an overflow and pinned at max.
    total = BigInt.asIntN(64, total + v);
    if (total < 0n) {
      total = MAX_INT64;
      break;
    }
  }
  const r = perPodTargetReplicas(a.statusReplicas, a.targetAverageValue, total, ctx.tolerances);
  return { ok: true, replicas: r.replicas, value: r.average, timestamp: a.timestamp };
}
