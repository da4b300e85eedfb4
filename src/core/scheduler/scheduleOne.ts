/**
 * One scheduling cycle for one pod (kube-scheduler's scheduleOne for one profile): the pipeline
 * of scheduler/framework (PreFilter, the nominated host, Filter, Score) for each placement option
 * in order, DefaultPreemption (scheduler/preemption) as the PostFilter when no option fits, and
 * the equivalence cache that answers an identical pod's repeated failure at once.
 *
 * Pure apart from the snapshot it is given; `random` only breaks score ties.
 */
import { compileProfile } from './profile';
import type { Snapshot } from './snapshot';
import type { Profile, ScheduleResult, SchedulingPod, Status } from './types';
import {
  filterHost,
  NO_HOSTS_MESSAGE,
  numFeasibleNodesToFind,
  prepareOption,
  preparePod,
  prioritize,
  releasePod,
  scheduled,
  search,
  unschedulableResult,
  type OptionFailure,
} from './framework';
import { preempt } from './preemption';

/** Schedules one pod on the snapshot (see the module comment); `random` only breaks score ties. */
export function scheduleOne(profile: Profile, snap: Snapshot, pod: SchedulingPod, random: () => number): ScheduleResult {
  const cp = compileProfile(profile);
  if (Array.isArray(cp)) return { kind: 'Error', message: `invalid scheduler profile: ${cp.join('; ')}` };
  if (pod.options.length === 0) return { kind: 'Error', message: `pod ${pod.namespace}/${pod.name} has no placement option` };
  if (snap.n === 0) return { kind: 'Unschedulable', message: NO_HOSTS_MESSAGE, reasons: {}, preemption: null };

  // Equivalence cache: a pod identical in every scheduling input to the one that just failed,
  // with nothing changed in the snapshot since, fails the same way (the failed walk visited every
  // host and left the start index alone, and random is only used for score ties).
  const last = snap.lastFailure;
  let key: string | null = null;
  if (last !== null && last.generation === snap.generation && last.profile === profile && !snap.nominations.has(pod.uid)) {
    key = equivalenceKey(pod);
    if (key === last.key) return copyResult(last.result);
  }

  const ps = preparePod(snap, pod);
  try {
    const failed: OptionFailure[] = [];
    const statuses = snap.scratchStatus as (Status | null)[];
    const want = numFeasibleNodesToFind(snap.n, cp.percentage);
    for (const option of pod.options) {
      const os = prepareOption(snap, ps, option);
      if (pod.nominatedHost !== null) {
        const nh = snap.hostIndex.get(pod.nominatedHost);
        if (nh !== undefined && filterHost(snap, ps, os, nh) === null) return scheduled(snap, nh, option, 1, 1);
      }
      const start = cp.fromFirstHost ? 0 : snap.nextStartIndex;
      const { found, processed } = search(snap, ps, os, snap.visitOrder, start, want, statuses);
      if (!cp.fromFirstHost) snap.nextStartIndex = (start + processed) % snap.n;
      if (found > 0) {
        const F = snap.scratchFeasible;
        const j = found === 1 ? 0 : prioritize(cp, snap, ps, os, F, found, random);
        return scheduled(snap, F[j], option, processed, found);
      }
      failed.push({ os, statuses: statuses.slice(0, snap.n) });
    }
    const result = unschedulableResult(snap, ps, failed, preempt);
    if (!snap.nominations.has(pod.uid)) {
      snap.lastFailure = { generation: snap.generation, profile, key: key ?? equivalenceKey(pod), result: copyResult(result) };
    }
    return result;
  } finally {
    releasePod(snap, ps);
  }
}

/** Every input of scheduling but the pod's identity (uid, name). */
function equivalenceKey(p: SchedulingPod): string {
  return JSON.stringify([
    p.namespace,
    p.labels,
    p.priority,
    p.preemptionPolicy,
    p.options,
    p.pool,
    p.nodeSelector,
    p.requiredNodeAffinity,
    p.preferredNodeAffinity,
    p.tolerations,
    p.topologySpreadConstraints,
    p.requiredPodAffinity,
    p.requiredPodAntiAffinity,
    p.preferredPodAffinity,
    p.preferredPodAntiAffinity,
    p.ownerKey,
    p.nominatedHost,
  ]);
}

function copyResult(r: ScheduleResult): ScheduleResult {
  if (r.kind !== 'Unschedulable') return { ...r };
  return {
    ...r,
    reasons: { ...r.reasons },
    preemption: r.preemption === null ? null : { ...r.preemption, victims: [...r.preemption.victims] },
  };
}

