/**
 * The scheduling pipeline (kube-scheduler's schedulePod for one profile):
 *
 * For each placement option of the pod, in order:
 *  1. PreFilter: per host class, the host-static filters (NodeUnschedulable, CapacityPool,
 *     TaintToleration, NodeAffinity unless it names hosts, the host-kind part of
 *     NodeResourcesFit); PodTopologySpread and InterPodAffinity build their counts.
 *  2. A pod nominated to a host (by an earlier preemption) tries that host first and takes it
 *     when it passes the filters (evaluateNominatedNode).
 *  3. Filter: hosts are visited in the snapshot's zone-interleaved order, starting where the
 *     previous cycle stopped (or at the first host: profile hostOrder FromFirst), until
 *     numFeasibleNodesToFind feasible hosts are found
 *     (kube-scheduler's percentageOfNodesToScore; every host when none fits). Per host, in
 *     kube-scheduler's order, the first failing filter decides: NodeUnschedulable, CapacityPool,
 *     TaintToleration, NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity.
 *  4. Score the feasible hosts (one host: taken without scoring, as upstream): Σ weight ×
 *     normalized plugin score; the highest wins, ties broken by reservoir sampling with the
 *     injected random (selectHost), or toward the fuller host (profile tieBreak Fullest).
 * The first option with a feasible host wins. When none has one: Unschedulable with the first
 * option's diagnosis, and the PostFilter the caller gives (scheduleOne: DefaultPreemption) tried
 * for the options in order (the first that finds victims is reported).
 *
 * The per-host loops allocate nothing: statuses are interned, per-pod state is built once in
 * PreFilter, scores go to the snapshot's scratch buffers.
 */
import { LABEL_HOSTNAME, type PlacementOption, type PlacedPod, type ScheduleResult, type SchedulingPod, type Status } from './types';
import type { Snapshot } from './snapshot';
import { termsUseHostIdentity } from './selectors';
import {
  RES_CPU,
  RES_MEMORY,
  STRATEGY_LEAST,
  STRATEGY_MOST,
  STRATEGY_RATIO,
  type CompiledProfile,
} from './profile';
import { countReasons, fitErrorMessage } from './diagnosis';
import { defaultNormalizeScore } from './normalize';
import { MAX_NODE_SCORE } from './status';
import * as nodeunschedulable from './plugins/nodeunschedulable';
import * as capacitypool from './plugins/capacitypool';
import * as tainttoleration from './plugins/tainttoleration';
import * as nodeaffinity from './plugins/nodeaffinity';
import * as fit from './plugins/noderesourcesfit';
import * as balanced from './plugins/balancedallocation';
import * as spread from './plugins/podtopologyspread';
import * as interpod from './plugins/interpodaffinity';

/** kube-scheduler's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible hosts the filter phase looks for (numFeasibleNodesToFind): all below 100
 * hosts; otherwise the percentage (null/0: adaptive 50 − hosts/125, at least 5 %) of the hosts,
 * at least 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage: number | null): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage ?? 0;
  if (p === 0) {
    p = 50 - Math.trunc(numAllNodes / 125);
    if (p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * p) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

// ---------------------------------------------------------------------------------------------
// Cycle state

/** Per pod, whatever the option (PreFilter results). */
export interface PodState {
  readonly pod: SchedulingPod;
  readonly hasNodeRequirement: boolean;
  /** NodeAffinity names hosts (hostname label, matchFields): it runs per host, not per class. */
  readonly perHostAffinity: boolean;
  /** Per class: NodeUnschedulable, CapacityPool, TaintToleration (first failure) or null. */
  readonly classPre: (Status | null)[];
  /** Per class: NodeAffinity (null when it passes or runs per host). */
  readonly classAffinity: (Status | null)[];
  readonly spread: spread.SpreadFilterState | null;
  readonly interPod: interpod.InterPodFilterState | null;
}

/** Per option. */
export interface OptionState {
  readonly option: PlacementOption;
  /** Per class: the first failing host-static filter (perHostAffinity: NodeResourcesFit's part only). */
  readonly classStatus: (Status | null)[];
}

export function preparePod(snap: Snapshot, pod: SchedulingPod): PodState {
  const hasReq = nodeaffinity.hasRequirement(pod);
  const perHost =
    hasReq &&
    (pod.nodeSelector[LABEL_HOSTNAME] !== undefined ||
      (pod.requiredNodeAffinity !== null && termsUseHostIdentity(pod.requiredNodeAffinity, LABEL_HOSTNAME)));
  const nc = snap.classRep.length;
  const classPre: (Status | null)[] = new Array(nc);
  const classAffinity: (Status | null)[] = new Array(nc);
  for (let c = 0; c < nc; c++) {
    const rep = snap.hosts[snap.classRep[c]];
    classPre[c] =
      nodeunschedulable.filter(rep) ?? capacitypool.filter(pod.pool, rep) ?? tainttoleration.filter(pod.tolerations, rep.taints);
    classAffinity[c] = hasReq && !perHost ? nodeaffinity.filter(pod, rep) : null;
  }
  return {
    pod,
    hasNodeRequirement: hasReq,
    perHostAffinity: perHost,
    classPre,
    classAffinity,
    spread: spread.preFilter(snap, pod, hasReq),
    interPod: interpod.preFilter(snap, pod),
  };
}

export function releasePod(snap: Snapshot, ps: PodState): void {
  if (ps.spread !== null) spread.releaseFilter(snap, ps.spread);
}

export function prepareOption(snap: Snapshot, ps: PodState, option: PlacementOption): OptionState {
  const nc = snap.classRep.length;
  const classStatus: (Status | null)[] = new Array(nc);
  for (let c = 0; c < nc; c++) {
    const rep = snap.hosts[snap.classRep[c]];
    const own = fit.filterStatic(option, rep);
    classStatus[c] = ps.perHostAffinity ? own : (ps.classPre[c] ?? ps.classAffinity[c] ?? own);
  }
  return { option, classStatus };
}

// ---------------------------------------------------------------------------------------------
// Filter

/** Every filter on one host; null when the pod fits there. */
export function filterHost(snap: Snapshot, ps: PodState, os: OptionState, h: number): Status | null {
  const c = snap.hostClass[h];
  if (ps.perHostAffinity) {
    const pre = ps.classPre[c];
    if (pre !== null) return pre;
    const host = snap.hosts[h];
    const aff = nodeaffinity.filter(ps.pod, host);
    if (aff !== null) return aff;
  }
  const st = os.classStatus[c];
  if (st !== null) return st;
  return filterDynamic(snap, ps, os, h);
}

/** The filters that depend on the host's current state (its class passed). */
function filterDynamic(snap: Snapshot, ps: PodState, os: OptionState, h: number): Status | null {
  const o = os.option;
  let fc = snap.allocCpu[h] - snap.reqCpu[h];
  let fm = snap.allocMem[h] - snap.reqMem[h];
  let fg = snap.allocGpu[h] - snap.reqGpu[h];
  let fp = snap.allocPods[h] - snap.reqPods[h];
  if (snap.nominatedCount[h] !== 0) {
    const list = snap.nominatedOn[h]!;
    const prio = ps.pod.priority;
    const uid = ps.pod.uid;
    for (let i = 0; i < list.length; i++) {
      const nom = list[i];
      if (nom.priority >= prio && nom.uid !== uid) {
        fc -= nom.cpuMilli;
        fm -= nom.memoryMi;
        fg -= nom.gpuMilli;
        fp -= 1;
      }
    }
  }
  if (o.cpuMilli > fc || o.memoryMi > fm || fp < 1 || o.gpuMilli > fg) {
    const r = fit.fitsResources(o, fc, fm, fg, fp, snap.allocCpu[h], snap.allocMem[h], snap.allocGpu[h], snap.allocPods[h]);
    if (r !== null) return r;
  }
  if (ps.spread !== null) {
    const s = spread.filter(ps.spread, h);
    if (s !== null) return s;
  }
  if (ps.interPod !== null) {
    const s = interpod.filter(ps.interPod, snap.hosts[h].labels);
    if (s !== null) return s;
  }
  return null;
}

/** Pods taken off a host in preemption's dry run, with their resource sums. */
export interface Removal {
  readonly pods: Set<PlacedPod>;
  cpuMilli: number;
  memoryMi: number;
  gpuMilli: number;
}

/** filterHost with the removed pods gone from host h (preemption's SelectVictimsOnNode). */
export function filterHostWithout(snap: Snapshot, ps: PodState, os: OptionState, h: number, removed: Removal): Status | null {
  const c = snap.hostClass[h];
  if (ps.perHostAffinity) {
    const pre = ps.classPre[c];
    if (pre !== null) return pre;
    const aff = nodeaffinity.filter(ps.pod, snap.hosts[h]);
    if (aff !== null) return aff;
  }
  const st = os.classStatus[c];
  if (st !== null) return st;
  let fc = snap.allocCpu[h] - snap.reqCpu[h] + removed.cpuMilli;
  let fm = snap.allocMem[h] - snap.reqMem[h] + removed.memoryMi;
  let fg = snap.allocGpu[h] - snap.reqGpu[h] + removed.gpuMilli;
  let fp = snap.allocPods[h] - snap.reqPods[h] + removed.pods.size;
  const list = snap.nominatedOn[h];
  if (list !== null) {
    for (const nom of list) {
      if (nom.priority >= ps.pod.priority && nom.uid !== ps.pod.uid) {
        fc -= nom.cpuMilli;
        fm -= nom.memoryMi;
        fg -= nom.gpuMilli;
        fp -= 1;
      }
    }
  }
  const r = fit.fitsResources(os.option, fc, fm, fg, fp, snap.allocCpu[h], snap.allocMem[h], snap.allocGpu[h], snap.allocPods[h]);
  if (r !== null) return r;
  if (ps.spread !== null) {
    const s = spread.filterWithout(ps.spread, h, removed.pods);
    if (s !== null) return s;
  }
  if (ps.interPod !== null) {
    const s = interpod.filterWithout(ps.interPod, snap.hosts[h].labels, removed.pods);
    if (s !== null) return s;
  }
  return null;
}

export interface SearchResult {
  /** Feasible hosts found (in snap.scratchFeasible[0..found)). */
  found: number;
  /** Hosts the filters ran on. */
  processed: number;
}

/**
 * Walks `order` (null: the snapshot's own order) from `start`, round-robin, filtering hosts until
 * `want` feasible ones are found; failing hosts' statuses go to statuses[host] (all of them when
 * none is feasible).
 *
 * Hosts whose class fails a host-static filter fail at once, so the walk only visits the hosts of
 * passing classes (a cached list of their positions in `order`) and accounts for the skipped ones:
 * the result (feasible hosts, their order, hosts processed) is that of visiting every host.
 */
export function search(
  snap: Snapshot,
  ps: PodState,
  os: OptionState,
  order: Int32Array | null,
  start: number,
  want: number,
  statuses: (Status | null)[],
): SearchResult {
  const n = snap.n;
  const F = snap.scratchFeasible;
  const classStatus = os.classStatus;
  if (ps.perHostAffinity) {
    let found = 0;
    let i = 0;
    while (i < n) {
      let pos = start + i;
      if (pos >= n) pos -= n;
      const h = order === null ? pos : order[pos];
      i++;
      const st = filterHost(snap, ps, os, h);
      if (st === null) {
        F[found++] = h;
        if (found >= want) break;
      } else statuses[h] = st;
    }
    return { found, processed: i };
  }

  const list = snap.walkList(order, classStatus);
  const m = list.length;
  // First listed position at or after start.
  let lo = 0;
  let hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  let found = 0;
  let lastPos = -1;
  // filterDynamic, inlined for hosts without nominations.
  const { allocCpu, allocMem, allocGpu, allocPods, reqCpu, reqMem, reqGpu, reqPods, nominatedCount, hosts } = snap;
  const o = os.option;
  const cpu = o.cpuMilli;
  const mem = o.memoryMi;
  const gpu = o.gpuMilli;
  const spreadState = ps.spread;
  const interPodState = ps.interPod;
  for (let t = 0; t < m; t++) {
    let li = lo + t;
    if (li >= m) li -= m;
    const pos = list[li];
    const h = order === null ? pos : order[pos];
    let st: Status | null = null;
    if (nominatedCount[h] !== 0) st = filterDynamic(snap, ps, os, h);
    else {
      const fc = allocCpu[h] - reqCpu[h];
      const fm = allocMem[h] - reqMem[h];
      const fg = allocGpu[h] - reqGpu[h];
      const fp = allocPods[h] - reqPods[h];
      if (cpu > fc || mem > fm || fp < 1 || gpu > fg) st = fit.fitsResources(o, fc, fm, fg, fp, allocCpu[h], allocMem[h], allocGpu[h], allocPods[h]);
      if (st === null && spreadState !== null) st = spread.filter(spreadState, h);
      if (st === null && interPodState !== null) st = interpod.filter(interPodState, hosts[h].labels);
    }
    if (st === null) {
      F[found++] = h;
      if (found >= want) {
        lastPos = pos;
        break;
      }
    } else statuses[h] = st;
  }
  if (lastPos >= 0) return { found, processed: ((lastPos - start + n) % n) + 1 };
  if (found === 0) {
    const hostClass = snap.hostClass;
    for (let h = 0; h < n; h++) {
      const cs = classStatus[hostClass[h]];
      if (cs !== null) statuses[h] = cs;
    }
  }
  return { found, processed: n };
}

// ---------------------------------------------------------------------------------------------
// Score

/** What resourceOnHost found: the host's allocatable and its requests with the pod added. */
let hostCap = 0;
let hostReq = 0;

/**
 * Sets hostCap / hostReq for one scored resource on host h with the option added; false when
 * the resource is left out (a GPU the pod does not ask for, or none on the host), as upstream.
 */
function resourceOnHost(snap: Snapshot, kind: number, h: number, o: PlacementOption): boolean {
  if (kind === RES_CPU) {
    hostCap = snap.allocCpu[h];
    hostReq = snap.reqCpu[h] + o.cpuMilli;
  } else if (kind === RES_MEMORY) {
    hostCap = snap.allocMem[h];
    hostReq = snap.reqMem[h] + o.memoryMi;
  } else {
    if (o.gpuMilli === 0) return false;
    hostCap = snap.allocGpu[h];
    hostReq = snap.reqGpu[h] + o.gpuMilli;
  }
  return hostCap !== 0;
}

function addFitScores(cp: CompiledProfile, snap: Snapshot, F: Int32Array, k: number, o: PlacementOption, total: Float64Array): void {
  const w = cp.wFit;
  const kinds = cp.fitKinds;
  const weights = cp.fitWeights;
  const strategy = cp.strategy;
  for (let j = 0; j < k; j++) {
    const h = F[j];
    let sum = 0;
    let wsum = 0;
    for (let r = 0; r < kinds.length; r++) {
      if (!resourceOnHost(snap, kinds[r], h, o)) continue;
      const cap = hostCap;
      const req = hostReq;
      const rw = weights[r];
      if (strategy === STRATEGY_MOST) {
        sum += fit.mostRequestedScore(req, cap) * rw;
        wsum += rw;
      } else if (strategy === STRATEGY_LEAST) {
        sum += fit.leastRequestedScore(req, cap) * rw;
        wsum += rw;
      } else {
        const s = fit.rtcrResourceScore(req, cap, cp.shapeUtils, cp.shapeScores);
        if (s > 0) {
          sum += s * rw;
          wsum += rw;
        }
      }
    }
    let score = 0;
    if (wsum !== 0) score = strategy === STRATEGY_MOST || strategy === STRATEGY_LEAST ? Math.trunc(sum / wsum) : Math.round(sum / wsum);
    total[j] += w * score;
  }
}

/**
 * The common case fused: NodeResourcesFit (Least/MostAllocated) and BalancedAllocation both on
 * exactly cpu and memory. Same arithmetic as addFitScores + addBalancedScores.
 */
function addCpuMemScores(cp: CompiledProfile, snap: Snapshot, F: Int32Array, k: number, o: PlacementOption, total: Float64Array): void {
  const wFit = cp.wFit;
  const wBal = cp.wBalanced;
  const most = cp.strategy === STRATEGY_MOST;
  const wc = cp.cpuWeight;
  const wm = cp.memWeight;
  const { allocCpu, allocMem, reqCpu, reqMem } = snap;
  const cpu = o.cpuMilli;
  const mem = o.memoryMi;
  for (let j = 0; j < k; j++) {
    const h = F[j];
    const capC = allocCpu[h];
    const capM = allocMem[h];
    const rc = reqCpu[h] + cpu;
    const rm = reqMem[h] + mem;
    let t: number;
    if (capC !== 0 && capM !== 0) {
      // mostRequestedScore / leastRequestedScore, inlined.
      let sc: number;
      let sm: number;
      if (most) {
        sc = rc >= capC ? MAX_NODE_SCORE : Math.trunc((rc * MAX_NODE_SCORE) / capC);
        sm = rm >= capM ? MAX_NODE_SCORE : Math.trunc((rm * MAX_NODE_SCORE) / capM);
      } else {
        sc = rc > capC ? 0 : Math.trunc(((capC - rc) * MAX_NODE_SCORE) / capC);
        sm = rm > capM ? 0 : Math.trunc(((capM - rm) * MAX_NODE_SCORE) / capM);
      }
      // Equal weights: the truncated mean of two non-negative integers is a shift (same value).
      t = wFit * (wc === wm ? (sc + sm) >> 1 : Math.trunc((sc * wc + sm * wm) / (wc + wm)));
      const fc = rc / capC;
      const fm = rm / capM;
      t += wBal * balanced.balancedScore2(fc > 1 ? 1 : fc, fm > 1 ? 1 : fm);
    } else {
      let sum = 0;
      let wsum = 0;
      if (capC !== 0) {
        sum += (most ? fit.mostRequestedScore(rc, capC) : fit.leastRequestedScore(rc, capC)) * wc;
        wsum += wc;
      }
      if (capM !== 0) {
        sum += (most ? fit.mostRequestedScore(rm, capM) : fit.leastRequestedScore(rm, capM)) * wm;
        wsum += wm;
      }
      // Fewer than two fractions: BalancedAllocation's std is 0.
      t = (wsum === 0 ? 0 : wFit * Math.trunc(sum / wsum)) + wBal * MAX_NODE_SCORE;
    }
    total[j] += t;
  }
}

const fractions = new Float64Array(3);

/** BalancedAllocation applies unless the option requests none of its resources (PreScore Skip). */
function balancedApplies(cp: CompiledProfile, o: PlacementOption): boolean {
  for (const kind of cp.balancedKinds) {
    if (kind === RES_CPU ? o.cpuMilli > 0 : kind === RES_MEMORY ? o.memoryMi > 0 : o.gpuMilli > 0) return true;
  }
  return false;
}

function addBalancedScores(cp: CompiledProfile, snap: Snapshot, F: Int32Array, k: number, o: PlacementOption, total: Float64Array): void {
  const w = cp.wBalanced;
  const kinds = cp.balancedKinds;
  for (let j = 0; j < k; j++) {
    const h = F[j];
    let n = 0;
    for (let r = 0; r < kinds.length; r++) {
      if (!resourceOnHost(snap, kinds[r], h, o)) continue;
      const cap = hostCap;
      const req = hostReq;
      const f = req / cap;
      fractions[n++] = f > 1 ? 1 : f;
    }
    total[j] += w * (n === 2 ? balanced.balancedScore2(fractions[0], fractions[1]) : balanced.balancedScoreN(fractions, n));
  }
}

/** kube-scheduler's selectHost: the highest total; ties by reservoir sampling (rand.Intn(cnt) == 0). */
export function selectHost(total: Float64Array, k: number, random: () => number): number {
  let best = total[0];
  let selected = 0;
  let cnt = 1;
  for (let j = 1; j < k; j++) {
    const s = total[j];
    if (s > best) {
      best = s;
      selected = j;
      cnt = 1;
    } else if (s === best) {
      cnt++;
      if (Math.floor(random() * cnt) === 0) selected = j;
    }
  }
  return selected;
}

/** Scores F[0..k) and returns the index (in F) of the chosen host. */
export function prioritize(
  cp: CompiledProfile,
  snap: Snapshot,
  ps: PodState,
  os: OptionState,
  F: Int32Array,
  k: number,
  random: () => number,
): number {
  const total = snap.scratchTotal;
  const tmp = snap.scratchScore;
  total.fill(0, 0, k);
  const pod = ps.pod;
  const o = os.option;

  const doBalanced = cp.wBalanced > 0 && balancedApplies(cp, o);
  if (cp.cpuMemOnly && cp.wFit > 0 && cp.strategy !== STRATEGY_RATIO && doBalanced) addCpuMemScores(cp, snap, F, k, o, total);
  else {
    if (cp.wFit > 0) addFitScores(cp, snap, F, k, o, total);
    if (doBalanced) addBalancedScores(cp, snap, F, k, o, total);
  }

  // No PreferNoSchedule taint anywhere: every host scores 100, which changes no choice.
  if (cp.wTaint > 0 && snap.anyPreferNoSchedule) {
    const nc = snap.classRep.length;
    const preferTols = tainttoleration.preferNoScheduleTolerations(pod.tolerations);
    const classRaw = new Float64Array(nc);
    let anyRaw = false;
    for (let c = 0; c < nc; c++) {
      const raw = tainttoleration.score(preferTols, snap.hosts[snap.classRep[c]].taints);
      classRaw[c] = raw;
      if (raw > 0) anyRaw = true;
    }
    // All zero: every host gets 100, which changes no choice.
    if (anyRaw) {
      for (let j = 0; j < k; j++) tmp[j] = classRaw[snap.hostClass[F[j]]];
      defaultNormalizeScore(tmp, k, true);
      for (let j = 0; j < k; j++) total[j] += cp.wTaint * tmp[j];
    }
  }

  if (cp.wAffinity > 0 && pod.preferredNodeAffinity.length > 0) {
    const perHost = pod.preferredNodeAffinity.some((t) => termsUseHostIdentity([t.preference], LABEL_HOSTNAME));
    if (perHost) {
      for (let j = 0; j < k; j++) tmp[j] = nodeaffinity.score(pod.preferredNodeAffinity, snap.hosts[F[j]]);
    } else {
      const classRaw = new Float64Array(snap.classRep.length).fill(-1);
      for (let j = 0; j < k; j++) {
        const c = snap.hostClass[F[j]];
        if (classRaw[c] < 0) classRaw[c] = nodeaffinity.score(pod.preferredNodeAffinity, snap.hosts[F[j]]);
        tmp[j] = classRaw[c];
      }
    }
    defaultNormalizeScore(tmp, k, false);
    for (let j = 0; j < k; j++) total[j] += cp.wAffinity * tmp[j];
  }

  if (cp.wSpread > 0) {
    const st = spread.preScore(snap, pod, ps.hasNodeRequirement, F, k, cp.spreadDefaults ?? undefined);
    if (st !== null) {
      spread.score(st, F, k, tmp);
      spread.normalizeLastInto(tmp, k, total, cp.wSpread);
      spread.releaseScore(snap, st);
    }
  }

  if (cp.wInterPod > 0) {
    const st = interpod.preScore(snap, pod);
    if (st !== null) {
      for (let j = 0; j < k; j++) tmp[j] = interpod.score(st, snap.hosts[F[j]].labels);
      interpod.normalize(tmp, k);
      for (let j = 0; j < k; j++) total[j] += cp.wInterPod * tmp[j];
    }
  }

  return cp.fullestTieBreak ? selectFullestHost(total, k, snap, F) : selectHost(total, k, random);
}

/**
 * The highest total; among equal totals the host with the largest requested share of CPU plus
 * memory (exact, before the integer truncation of the scores), then the first in visit order.
 * With MostAllocated this makes the choice a true best fit, so small pods fill used hosts instead
 * of opening empty ones that score the same after truncation.
 */
export function selectFullestHost(total: Float64Array, k: number, snap: Snapshot, F: Int32Array): number {
  let selected = 0;
  let best = total[0];
  let fullness = -1;
  for (let j = 0; j < k; j++) {
    const s = total[j];
    if (s < best) continue;
    const h = F[j];
    const f = snap.reqCpu[h] / snap.allocCpu[h] + snap.reqMem[h] / snap.allocMem[h];
    if (s > best || f > fullness) {
      best = s;
      selected = j;
      fullness = f;
    }
  }
  return selected;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface OptionFailure {
  os: OptionState;
  statuses: (Status | null)[];
}

function scheduled(snap: Snapshot, h: number, option: PlacementOption, evaluated: number, feasible: number): ScheduleResult {
  const host = snap.hosts[h];
  return { kind: 'Scheduled', hostId: host.id, zone: host.zone, option, evaluated, feasible };
}

/**
 * The PostFilter run when no host fits (DefaultPreemption: scheduler/preemption), given by the
 * caller so the pipeline does not depend on it.
 */
export type PostFilter = (snap: Snapshot, ps: PodState, os: OptionState, statuses: readonly (Status | null)[]) => PostFilterOutcome;

/** What a PostFilter found: a host and the victims to evict there, or why there is none. */
export type PostFilterOutcome = { kind: 'found'; host: number; victims: PlacedPod[] } | { kind: 'failed'; message: string };

/** Diagnosis of failed options: the first option's reasons; the PostFilter tried per option in order. */
function unschedulableResult(snap: Snapshot, ps: PodState, failed: OptionFailure[], postFilter: PostFilter | null): ScheduleResult {
  const reasons = countReasons(failed[0].statuses, snap.n);
  let postFilterMsg = '';
  let preemption: { hostId: string; victims: string[]; option?: PlacementOption } | null = null;
  if (postFilter) {
    for (let i = 0; i < failed.length; i++) {
      const r = postFilter(snap, ps, failed[i].os, failed[i].statuses);
      if (r.kind === 'found') {
        preemption = { hostId: snap.hosts[r.host].id, victims: r.victims.map((p) => p.uid), option: failed[i].os.option };
        postFilterMsg = '';
        break;
      }
      if (i === 0) postFilterMsg = r.message;
    }
  }
  return { kind: 'Unschedulable', message: fitErrorMessage(snap.n, reasons, postFilterMsg), reasons, preemption };
}

export const NO_HOSTS_MESSAGE = 'no hosts available to schedule pods';

/** scheduleOne's and firstFit's building blocks. */
export { unschedulableResult, scheduled };
