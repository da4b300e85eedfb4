/**
 * DefaultPreemption (kube-scheduler's PostFilter), run when no host is feasible for an option.
 *
 * - Eligibility (PodEligibleToPreemptOthers): preemptionPolicy Never does not preempt; a pod whose
 *   nominated host still holds a terminating lower-priority pod waits instead of preempting again
 *   (unless that host is now UnschedulableAndUnresolvable for it).
 * - Candidates: the hosts whose filter failure was Unschedulable (UnschedulableAndUnresolvable
 *   hosts cannot be helped). Choice: every candidate is evaluated (deterministic, no sampling;
 *   upstream dry-runs max(10 %, 100) of them from a random offset).
 * - Victims on a host (SelectVictimsOnNode): remove every lower-priority, non-terminating pod of
 *   this cluster on it; if the pod still does not fit (all filters, nominated pods counted), the
 *   host is out; otherwise add the removed pods back most important first (higher priority, then
 *   earlier start), keeping each that still lets the pod fit; the rest are the victims. Capacity
 *   of other tenants (requested minus this cluster's pods) is never preemptible.
 * - Host choice (pickOneNodeForPreemption, no PDBs here): lowest highest-victim priority, then
 *   smallest sum of victim priorities, then fewest victims, then the latest earliest-start-time
 *   among each host's highest-priority victims, then the first host in snapshot order.
 * - No candidate: kube-scheduler's message "preemption: 0/N hosts are available: <dry-run
 *   reasons>, <M> Preemption is not helpful for scheduling." (M: hosts not dry-run).
 */
import type { PlacedPod, Status } from './types';
import type { Snapshot } from './snapshot';
import { filterHostWithout, type OptionState, type PodState, type PostFilterOutcome, type Removal } from './framework';
import { countReasons, fitErrorMessage, NO_PREEMPTION_VICTIMS, PREEMPTION_NOT_HELPFUL } from './diagnosis';
import { unresolvable } from './status';

export const NAME = 'DefaultPreemption';
export const NOT_ELIGIBLE_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';

const NO_VICTIMS = unresolvable(NAME, NO_PREEMPTION_VICTIMS);

export type PreemptOutcome = PostFilterOutcome;

/** util.MoreImportantPod: higher priority, then earlier start (stable on ties). */
export function moreImportantFirst(a: PlacedPod, b: PlacedPod): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.startTime - b.startTime;
}

export function selectVictimsOnHost(snap: Snapshot, ps: PodState, os: OptionState, h: number): PlacedPod[] | Status {
  const prio = ps.pod.priority;
  const potential = snap.hosts[h].pods.filter((p) => p.priority < prio && !p.terminating);
  if (potential.length === 0) return NO_VICTIMS;
  const removed: Removal = { pods: new Set(potential), cpuMilli: 0, memoryMi: 0, gpuMilli: 0 };
  for (const p of potential) {
    removed.cpuMilli += p.cpuMilli;
    removed.memoryMi += p.memoryMi;
    removed.gpuMilli += p.gpuMilli;
  }
  const st = filterHostWithout(snap, ps, os, h, removed);
  if (st !== null) return st;
  potential.sort(moreImportantFirst);
  const victims: PlacedPod[] = [];
  for (const p of potential) {
    removed.pods.delete(p);
    removed.cpuMilli -= p.cpuMilli;
    removed.memoryMi -= p.memoryMi;
    removed.gpuMilli -= p.gpuMilli;
    if (filterHostWithout(snap, ps, os, h, removed) !== null) {
      removed.pods.add(p);
      removed.cpuMilli += p.cpuMilli;
      removed.memoryMi += p.memoryMi;
      removed.gpuMilli += p.gpuMilli;
      victims.push(p);
    }
  }
  // The pod failed here with every pod present, so some victim is needed; if none is (the
  // failure came from elsewhere), preemption cannot help on this host.
  return victims.length > 0 ? victims : NO_VICTIMS;
}

const TWO_POW_31 = 2147483648;

interface Candidate {
  host: number;
  victims: PlacedPod[];
}

/** pickOneNodeForPreemption's criteria, each keeping the best-scoring candidates. */
export function pickOneHostForPreemption(cands: readonly Candidate[]): Candidate {
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.victims[0].priority,
    (c) => {
      let sum = 0;
      for (const p of c.victims) sum += p.priority + TWO_POW_31;
      return -sum;
    },
    (c) => -c.victims.length,
    (c) => {
      const top = c.victims[0].priority;
      let earliest = Infinity;
      for (const p of c.victims) if (p.priority === top && p.startTime < earliest) earliest = p.startTime;
      return earliest;
    },
  ];
  let pool = cands;
  for (const f of criteria) {
    let best = -Infinity;
    let next: Candidate[] = [];
    for (const c of pool) {
      const s = f(c);
      if (s > best) {
        best = s;
        next = [c];
      } else if (s === best) next.push(c);
    }
    if (next.length === 1) return next[0];
    pool = next;
  }
  return pool[0];
}

export function preempt(snap: Snapshot, ps: PodState, os: OptionState, statuses: readonly (Status | null)[]): PreemptOutcome {
  const pod = ps.pod;
  if (pod.preemptionPolicy === 'Never') return { kind: 'failed', message: `preemption: ${NOT_ELIGIBLE_NEVER}` };
  if (pod.nominatedHost !== null) {
    const nh = snap.hostIndex.get(pod.nominatedHost);
    if (nh !== undefined && statuses[nh]?.code !== 'UnschedulableAndUnresolvable') {
      for (const p of snap.hosts[nh].pods) {
        if (p.priority < pod.priority && p.terminating) return { kind: 'failed', message: `preemption: ${NOT_ELIGIBLE_TERMINATING}` };
      }
    }
  }
  const n = snap.n;
  const dryRun: (Status | null)[] = new Array(n).fill(null);
  let evaluated = 0;
  const cands: Candidate[] = [];
  for (let h = 0; h < n; h++) {
    const st = statuses[h];
    if (st === null || st === undefined || st.code !== 'Unschedulable') continue;
    evaluated++;
    const r = selectVictimsOnHost(snap, ps, os, h);
    if (Array.isArray(r)) cands.push({ host: h, victims: r });
    else dryRun[h] = r;
  }
  if (cands.length === 0) {
    const reasons = countReasons(dryRun, n);
    if (n - evaluated > 0) reasons[PREEMPTION_NOT_HELPFUL] = (reasons[PREEMPTION_NOT_HELPFUL] ?? 0) + (n - evaluated);
    return { kind: 'failed', message: `preemption: ${fitErrorMessage(n, reasons)}` };
  }
  const best = pickOneHostForPreemption(cands);
  return { kind: 'found', host: best.host, victims: best.victims };
}
