/**
 * From stored pods and samples to what the replica calculator reads.
 *
 * Requests: a container's `resources.requests` as Kubernetes reads them. One deviation, because
 * every pod here is sized to a billed spec: when no container of a pod requests a resource,
 * the pod's billed spec stands in as its request (on its first container), so a Utilization
 * target means "percentage of what the pod is billed for" instead of failing with "missing
 * request". A pod where some containers request it and others do not fails as in Kubernetes.
 *
 * Pure.
 */
import { parseQuantityValue, toMilliCeil } from '../quantity';
import type { MetricSelector, PodInfo, PodMetric, PodMetrics, PodPhase } from './types';
import { compileLabelSelector, selectorMatches } from '../scheduler/selectors';
import type { LabelSelector } from '../scheduler/types';

const MI_MILLI = 1024n * 1024n * 1000n;

export interface StoredPod {
  name: string;
  phase: string;
  deletionTimestamp: Date | null;
  ready: boolean;
  readyAt: Date | null;
  startedAt: Date | null;
  billedCpuMilli: number;
  billedMemoryMi: number;
  spec: unknown;
}

interface ContainerLike {
  name?: unknown;
  resources?: { requests?: Record<string, unknown> };
}

/** The pod as the calculator sees it (readiness, start, per-container requests in milli-values). */
export function podInfoOf(p: StoredPod): PodInfo {
  const containers = ((p.spec as { containers?: ContainerLike[] } | null)?.containers ?? []).map((c) => {
    const requests: Record<string, bigint> = {};
    for (const [resource, raw] of Object.entries(c.resources?.requests ?? {})) {
      const q = parseQuantityValue(raw);
      if (q) requests[resource] = toMilliCeil(q);
    }
    return { name: String(c.name ?? ''), requests };
  });
  if (containers.length > 0) {
    for (const [resource, billed] of [['cpu', BigInt(p.billedCpuMilli)], ['memory', BigInt(p.billedMemoryMi) * MI_MILLI]] as const) {
      if (containers.every((c) => c.requests[resource] === undefined)) containers[0].requests[resource] = billed;
    }
  }
  const started = p.startedAt?.getTime() ?? null;
  return {
    name: p.name,
    phase: p.phase as PodPhase,
    deleting: p.deletionTimestamp !== null,
    // The Ready condition exists once the pod started; it last turned true at readyAt, and a pod
    // that never became ready has been unready since it started.
    ready: started === null ? null : p.ready,
    readyTransitionAt: started === null ? null : (p.readyAt?.getTime() ?? started),
    startedAt: started,
    containers,
  };
}

export interface StoredSample {
  at: Date;
  windowMs: number;
  cpuMilli: number;
  memoryBytes: bigint;
  containers: { name: string; cpuMilli: number; memoryBytes: string }[];
  custom: Record<string, string>;
}

/**
 * The samples of one metric, by pod name: a Resource metric (`cpu`, `memory`) summed over the
 * pod's containers or, with `container`, that container's; or a Pods metric by name (`custom`).
 * A pod whose sample lacks the metric is left out (missing).
 */
export function podMetricsOf(samples: Map<string, StoredSample>, what: { resource: string; container?: string } | { custom: string }): PodMetrics {
  const out: PodMetrics = new Map();
  for (const [pod, s] of samples) {
    let value: bigint | null = null;
    if ('custom' in what) {
      const raw = s.custom[what.custom];
      value = raw === undefined ? null : BigInt(raw);
    } else if (what.container !== undefined) {
      const c = s.containers.find((x) => x.name === what.container);
      if (c) value = what.resource === 'cpu' ? BigInt(c.cpuMilli) : what.resource === 'memory' ? BigInt(c.memoryBytes) * 1000n : null;
    } else {
      value = what.resource === 'cpu' ? BigInt(s.cpuMilli) : what.resource === 'memory' ? s.memoryBytes * 1000n : null;
    }
    if (value !== null) out.set(pod, { value, timestamp: s.at.getTime(), windowMs: s.windowMs } satisfies PodMetric);
  }
  return out;
}

/**
 * Whether a series' labels match a metric selector (Kubernetes label-selector semantics, the
 * scheduler's matcher). A metric without a selector reads every series, where a nil pod selector
 * selects none: hence the undefined case here.
 */
export function labelsMatch(labels: Record<string, string>, selector: MetricSelector | undefined): boolean {
  return selector === undefined || selectorMatches(compileLabelSelector(selector as LabelSelector), labels);
}
