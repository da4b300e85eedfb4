/**
 * TaintToleration (kube-scheduler): the filter rejects a host with a NoSchedule or NoExecute taint
 * the pod does not tolerate; the score counts the host's PreferNoSchedule taints the pod does not
 * tolerate (only tolerations with effect PreferNoSchedule or empty count), reverse-normalized so
 * the host with the fewest gets 100.
 */
import type { Status, Taint, Toleration } from '../../types';
import { tolerationsTolerate } from '../../selectors';
import { unresolvable } from '../../status';

export const NAME = 'TaintToleration';

export function untoleratedReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value}}`;
}

const untolerated = new WeakMap<Taint, Status>();

function untoleratedStatus(t: Taint): Status {
  let s = untolerated.get(t);
  if (s === undefined) untolerated.set(t, (s = unresolvable(NAME, untoleratedReason(t))));
  return s;
}

/** The first NoSchedule/NoExecute taint (in the host's order) the pod does not tolerate fails the host. */
export function filter(tolerations: readonly Toleration[], taints: readonly Taint[]): Status | null {
  for (let i = 0; i < taints.length; i++) {
    const t = taints[i];
    if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
    if (!tolerationsTolerate(tolerations, t)) return untoleratedStatus(t);
  }
  return null;
}

/** The tolerations that matter for scoring (effect PreferNoSchedule or empty). */
export function preferNoScheduleTolerations(tolerations: readonly Toleration[]): Toleration[] {
  return tolerations.filter((t) => t.effect === 'PreferNoSchedule' || t.effect === '' || t.effect === undefined);
}

/** Raw score: untolerated PreferNoSchedule taints. */
export function score(preferTolerations: readonly Toleration[], taints: readonly Taint[]): number {
  let n = 0;
  for (const t of taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerate(preferTolerations, t)) n++;
  return n;
}

export { defaultNormalizeScore } from '../../normalize';
