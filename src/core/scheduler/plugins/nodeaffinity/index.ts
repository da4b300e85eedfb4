/**
 * NodeAffinity (kube-scheduler): the filter requires the pod's nodeSelector (every pair) and its
 * required node affinity (terms ORed, expressions and fields ANDed); the score sums the weights
 * of the preferred terms a host matches, normalized 100 × s / max.
 */
import type { HostInfo, PreferredSchedulingTerm, SchedulingPod, Status } from '../../types';
import { nodeSelectorTermMatches, requiredNodeSelectorMatches } from '../../selectors';
import { unresolvable } from '../../status';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const MISMATCH = unresolvable(NAME, ERR_REASON_POD);

export function hasRequirement(pod: SchedulingPod): boolean {
  return Object.keys(pod.nodeSelector).length > 0 || pod.requiredNodeAffinity !== null;
}

export function matches(pod: SchedulingPod, host: HostInfo): boolean {
  return requiredNodeSelectorMatches(pod.nodeSelector, pod.requiredNodeAffinity, host.labels, host.id);
}

export function filter(pod: SchedulingPod, host: HostInfo): Status | null {
  return matches(pod, host) ? null : MISMATCH;
}

/** Raw score: the sum of the weights of the preferred terms the host matches. */
export function score(preferred: readonly PreferredSchedulingTerm[], host: HostInfo): number {
  let s = 0;
  for (const p of preferred) if (p.weight !== 0 && nodeSelectorTermMatches(p.preference, host.labels, host.id)) s += p.weight;
  return s;
}

export { defaultNormalizeScore } from '../../normalize';
