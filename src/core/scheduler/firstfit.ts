/**
 * The baseline for the benchmark: for each option in order, the first host in the snapshot's
 * own order (the order the hosts were given in) that passes the same filters as scheduleOne; no
 * scoring, no sampling, no rotation, no nominated-host shortcut, no preemption.
 */
import type { ScheduleResult, SchedulingPod, Status } from './types';
import type { Snapshot } from './snapshot';
import { NO_HOSTS_MESSAGE, prepareOption, preparePod, releasePod, scheduled, search, unschedulableResult, type OptionState } from './framework';

export function firstFit(snap: Snapshot, pod: SchedulingPod): ScheduleResult {
  if (pod.options.length === 0) return { kind: 'Error', message: `pod ${pod.namespace}/${pod.name} has no placement option` };
  if (snap.n === 0) return { kind: 'Unschedulable', message: NO_HOSTS_MESSAGE, reasons: {}, preemption: null };
  const ps = preparePod(snap, pod);
  try {
    const failed: { os: OptionState; statuses: (Status | null)[] }[] = [];
    const statuses = snap.scratchStatus as (Status | null)[];
    for (const option of pod.options) {
      const os = prepareOption(snap, ps, option);
      const { found, processed } = search(snap, ps, os, null, 0, 1, statuses);
      if (found > 0) return scheduled(snap, snap.scratchFeasible[0], option, processed, 1);
      failed.push({ os, statuses: statuses.slice(0, snap.n) });
    }
    return unschedulableResult(snap, ps, failed, null);
  } finally {
    releasePod(snap, ps);
  }
}
