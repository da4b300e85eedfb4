/**
 * Which autoscalers a metric report concerns, found by index instead of by reading every
 * autoscaler of the namespace. An autoscaler stores one key per Object/External metric it reads:
 *
 *   External/<name>/<matchLabels as canonical JSON>      e.g. External/queue/{"queue":"jobs"}
 *   Object/<Kind>/<object name>/<metric>/<matchLabels>
 *
 * or, when its selector has matchExpressions, the same key ending in `?` (any series of that
 * metric may match: the caller checks the selector). A reported series with labels L can match
 * a matchLabels selector M only if M ⊆ L, so the report's candidate keys are one per subset of
 * L (plus the `?` key). Reports with more than MAX_INDEXED_LABELS labels are matched by name
 * alone (the `*` key every autoscaler of the metric also stores).
 *
 * Pure.
 */
import type { HpaSpec, MetricSelector } from './types';
import { canonicalJson } from '../pods';

export const MAX_INDEXED_LABELS = 6;

/** The key of an autoscaler that reads pod usage (a Resource or ContainerResource metric): the metrics agent samples its target. */
export const RESOURCE_KEY = 'Resource';

export interface MetricRef {
  source: 'External' | 'Object';
  name: string;
  /** Object metrics: "Kind/name". */
  object?: string;
}

const prefix = (r: MetricRef) => (r.source === 'External' ? `External/${r.name}/` : `Object/${r.object}/${r.name}/`);

function keyOf(ref: MetricRef, selector: MetricSelector | undefined): string {
  if (selector?.matchExpressions?.length) return `${prefix(ref)}?`;
  return prefix(ref) + canonicalJson(selector?.matchLabels ?? {});
}

/** The keys an autoscaler is found by. */
export function autoscalerMetricKeys(spec: HpaSpec): string[] {
  const keys = new Set<string>();
  for (const m of spec.metrics) {
    if (m.type === 'Resource' || m.type === 'ContainerResource') keys.add(RESOURCE_KEY);
    else if (m.type === 'External') {
      const ref: MetricRef = { source: 'External', name: m.external.metric.name };
      keys.add(keyOf(ref, m.external.metric.selector));
      keys.add(`${prefix(ref)}*`);
    } else if (m.type === 'Object') {
      const ref: MetricRef = { source: 'Object', name: m.object.metric.name, object: `${m.object.describedObject.kind}/${m.object.describedObject.name}` };
      keys.add(keyOf(ref, m.object.metric.selector));
      keys.add(`${prefix(ref)}*`);
    }
  }
  return [...keys].sort();
}

/** The keys of the autoscalers a report of this series may concern. */
export function reportCandidateKeys(ref: MetricRef, labels: Record<string, string>): string[] {
  const entries = Object.entries(labels);
  if (entries.length > MAX_INDEXED_LABELS) return [`${prefix(ref)}*`];
  const keys = [`${prefix(ref)}?`];
  for (let mask = 0; mask < 1 << entries.length; mask++) {
    const subset: Record<string, string> = {};
    entries.forEach(([k, v], i) => {
      if (mask & (1 << i)) subset[k] = v;
    });
    keys.push(prefix(ref) + canonicalJson(subset));
  }
  return keys;
}
