/**
 * PodTopologySpread (kube-scheduler's filtering.go and scoring.go).
 *
 * Counting: a constraint counts this cluster's non-terminating pods in the incoming pod's
 * namespace matching its labelSelector (system default constraints: the pods with the pod's
 * ownerKey), per topology domain (a value of topologyKey). Only hosts that pass the pod's
 * nodeSelector / required node affinity count (nodeAffinityPolicy Honor, the default) and, for the
 * filter and for explicit constraints, only hosts carrying every constraint's key.
 *
 * Filter (DoNotSchedule): matchNum(host's domain) + selfMatch − globalMin ≤ maxSkew, globalMin the
 * lowest count over the eligible domains (0 when there are fewer than minDomains of them); a host
 * lacking the key is UnschedulableAndUnresolvable.
 *
 * Score (ScheduleAnyway, or kube-scheduler's system defaults — hostname maxSkew 3 and zone maxSkew
 * 5 — when the pod has no constraint at all and an owner): per host raw = round(Σ cnt ×
 * ln(domains + 2) + maxSkew − 1), domains being the values among the scored hosts (for hostname:
 * the scored hosts); normalized 100 × (max + min − raw) / max, hosts missing a key of an explicit
 * constraint 0, everyone 100 when max is 0.
 *
 * Counts come from the snapshot's incremental per-selector indexes, so a cycle costs
 * O(hosts holding matching pods), plus one pass over the hosts when the pod has node affinity
 * (to know the eligible domains).
 */
import {
  LABEL_HOSTNAME,
  LABEL_ZONE,
  type PlacedPod,
  type SchedulingPod,
  type Status,
  type TopologySpreadConstraint,
} from '../../types';
import { indexMatches, type CountIndex, type DomainInfo, type Snapshot } from '../../snapshot';
import { requiredNodeSelectorMatches, selectorMatches } from '../../selectors';
import { MAX_NODE_SCORE, unresolvable, unschedulable } from '../../status';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const NOT_MATCH = unschedulable(NAME, ERR_REASON_CONSTRAINTS_NOT_MATCH);
const LABEL_MISSING = unresolvable(NAME, ERR_REASON_NODE_LABEL_NOT_MATCH);
const MAX_INT32 = 2147483647;

/** kube-scheduler's systemDefaultConstraints (hostname first, as upstream lists them). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly { topologyKey: string; maxSkew: number }[] = [
  { topologyKey: LABEL_HOSTNAME, maxSkew: 3 },
  { topologyKey: LABEL_ZONE, maxSkew: 5 },
];

function podIndex(snap: Snapshot, pod: SchedulingPod, c: TopologySpreadConstraint): CountIndex {
  return snap.selectorIndex([pod.namespace], c.labelSelector, false);
}

// ---------------------------------------------------------------------------------------------
// Filter

interface FilterConstraint {
  readonly maxSkew: number;
  readonly minDomains: number;
  readonly selfMatch: number;
  readonly dom: DomainInfo;
  readonly index: CountIndex;
  /** Matching pods per domain (eligible hosts only). */
  readonly counts: Int32Array;
  /** Eligible domains. */
  readonly domainCount: number;
  readonly minMatch: number;
  /** Lazily for preemption: the lowest count and its domain, and the second lowest. */
  min1: number;
  min1Domain: number;
  min2: number;
  twoMinKnown: boolean;
}

export interface SpreadFilterState {
  readonly constraints: FilterConstraint[];
  /** Per host: 1 when its pods count (null: every host counts). */
  readonly eligible: Uint8Array | null;
  readonly domainEligible: (Uint8Array | null)[];
}

/** PreFilter: null when the pod has no DoNotSchedule constraint (Skip). */
export function preFilter(snap: Snapshot, pod: SchedulingPod, hasNodeRequirement: boolean): SpreadFilterState | null {
  if (pod.topologySpreadConstraints.length === 0) return null;
  const hard = pod.topologySpreadConstraints.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
  if (hard.length === 0) return null;
  const doms = hard.map((c) => snap.domains(c.topologyKey));
  let eligible: Uint8Array | null = null;
  if (hasNodeRequirement || doms.some((d) => d.missing > 0)) {
    eligible = new Uint8Array(snap.n);
    for (let h = 0; h < snap.n; h++) {
      let ok = true;
      for (const d of doms) if (d.hostDomain[h] < 0) ok = false;
      if (ok && hasNodeRequirement) {
        const host = snap.hosts[h];
        ok = requiredNodeSelectorMatches(pod.nodeSelector, pod.requiredNodeAffinity, host.labels, host.id);
      }
      if (ok) eligible[h] = 1;
    }
  }
  const constraints: FilterConstraint[] = [];
  const domainEligible: (Uint8Array | null)[] = [];
  for (let i = 0; i < hard.length; i++) {
    const c = hard[i];
    const dom = doms[i];
    const index = podIndex(snap, pod, c);
    const nd = dom.names.length;
    const counts = snap.borrowInt32(nd);
    for (const [h, cnt] of index.byHost) {
      if (eligible !== null && eligible[h] === 0) continue;
      const d = dom.hostDomain[h];
      if (d >= 0) counts[d] += cnt;
    }
    let domainCount = nd;
    let de: Uint8Array | null = null;
    if (eligible !== null) {
      de = new Uint8Array(nd);
      domainCount = 0;
      for (let h = 0; h < snap.n; h++) {
        if (eligible[h] === 0) continue;
        const d = dom.hostDomain[h];
        if (de[d] === 0) {
          de[d] = 1;
          domainCount++;
        }
      }
    }
    domainEligible.push(de);
    let min = MAX_INT32;
    let nonZero = 0;
    for (let d = 0; d < nd; d++) {
      if (de !== null && de[d] === 0) continue;
      const v = counts[d];
      if (v > 0) nonZero++;
      if (v < min) min = v;
    }
    if (domainCount === 0) min = MAX_INT32;
    else if (nonZero < domainCount) min = 0;
    const minDomains = c.minDomains ?? 1;
    if (domainCount < minDomains) min = 0;
    constraints.push({
      maxSkew: c.maxSkew,
      minDomains,
      selfMatch: selectorMatches(index.matchers[0].sel, pod.labels) ? 1 : 0,
      dom,
      index,
      counts,
      domainCount,
      minMatch: min,
      min1: 0,
      min1Domain: -1,
      min2: 0,
      twoMinKnown: false,
    });
  }
  return { constraints, eligible, domainEligible };
}

export function filter(s: SpreadFilterState, h: number): Status | null {
  const cs = s.constraints;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    const d = c.dom.hostDomain[h];
    if (d < 0) return LABEL_MISSING;
    if (c.counts[d] + c.selfMatch - c.minMatch > c.maxSkew) return NOT_MATCH;
  }
  return null;
}

function twoMins(s: SpreadFilterState, i: number): void {
  const c = s.constraints[i];
  if (c.twoMinKnown) return;
  const de = s.domainEligible[i];
  let m1 = MAX_INT32;
  let m1d = -1;
  let m2 = MAX_INT32;
  for (let d = 0; d < c.dom.names.length; d++) {
    if (de !== null && de[d] === 0) continue;
    const v = c.counts[d];
    if (v < m1) {
      m2 = m1;
      m1 = v;
      m1d = d;
    } else if (v < m2) m2 = v;
  }
  c.min1 = m1;
  c.min1Domain = m1d;
  c.min2 = m2;
  c.twoMinKnown = true;
}

/** The filter with some pods of host h removed (preemption's dry run). */
export function filterWithout(s: SpreadFilterState, h: number, removed: ReadonlySet<PlacedPod>): Status | null {
  const cs = s.constraints;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    const d = c.dom.hostDomain[h];
    if (d < 0) return LABEL_MISSING;
    let gone = 0;
    if (s.eligible === null || s.eligible[h] === 1) for (const p of removed) if (indexMatches(c.index, p)) gone++;
    const match = c.counts[d] - gone;
    let min: number;
    if (c.domainCount === 0) min = MAX_INT32;
    else if (c.domainCount < c.minDomains) min = 0;
    else {
      twoMins(s, i);
      const others = c.min1Domain === d ? c.min2 : c.min1;
      min = Math.min(others, match);
    }
    if (match + c.selfMatch - min > c.maxSkew) return NOT_MATCH;
  }
  return null;
}

export function releaseFilter(snap: Snapshot, s: SpreadFilterState): void {
  for (const c of s.constraints) {
    c.counts.fill(0, 0, c.dom.names.length);
    snap.releaseInt32(c.counts);
  }
}

// ---------------------------------------------------------------------------------------------
// Score

interface ScoreConstraint {
  readonly maxSkew: number;
  readonly dom: DomainInfo;
  readonly hostname: boolean;
  readonly index: CountIndex | undefined;
  /** ln(domains + 2). */
  weight: number;
  /** Per domain (non-hostname) or per host (hostname): matching pods. */
  readonly counts: Int32Array;
  readonly countsSize: number;
  /** Non-hostname: per domain, cnt × weight + maxSkew − 1 (this constraint's term of the raw score). */
  readonly domainTerm: Float64Array | null;
}

export interface SpreadScoreState {
  readonly constraints: ScoreConstraint[];
  readonly requireAll: boolean;
}

function lacksAKey(doms: readonly DomainInfo[], h: number): boolean {
  for (let i = 0; i < doms.length; i++) if (doms[i].hostDomain[h] < 0) return true;
  return false;
}

/**
 * PreScore over the feasible hosts F[0..k): null when the pod has no soft constraint and no
 * system default applies (Skip).
 */
export function preScore(
  snap: Snapshot,
  pod: SchedulingPod,
  hasNodeRequirement: boolean,
  F: Int32Array,
  k: number,
  /** The profile's default constraints (PodTopologySpreadArgs defaultConstraints); kube-scheduler's system defaults when absent. */
  defaults: { keys: readonly string[]; skews: readonly number[] } = SYSTEM_DEFAULTS,
): SpreadScoreState | null {
  let keys: string[];
  let skews: number[];
  let indexes: (CountIndex | undefined)[];
  let requireAll: boolean;
  if (pod.topologySpreadConstraints.length > 0) {
    keys = [];
    skews = [];
    indexes = [];
    for (const c of pod.topologySpreadConstraints) {
      if (c.whenUnsatisfiable !== 'ScheduleAnyway') continue;
      keys.push(c.topologyKey);
      skews.push(c.maxSkew);
      indexes.push(podIndex(snap, pod, c));
    }
    if (keys.length === 0) return null;
    requireAll = true;
  } else if (pod.ownerKey !== null && defaults.keys.length > 0) {
    const index = snap.ownerIndex(pod.ownerKey);
    keys = defaults.keys as string[];
    skews = defaults.skews as number[];
    indexes = keys.map(() => index);
    requireAll = false;
  } else return null;

  const doms = keys.map((key) => snap.domains(key));
  // Hosts missing a key of an explicit constraint are ignored (scored 0, not counted).
  const ignoring = requireAll && doms.some((d) => d.missing > 0);
  let scored = k;
  if (ignoring) for (let j = 0; j < k; j++) if (lacksAKey(doms, F[j])) scored--;

  const constraints: ScoreConstraint[] = [];
  for (let i = 0; i < keys.length; i++) {
    const dom = doms[i];
    const index = indexes[i];
    const maxSkew = skews[i];
    if (keys[i] === LABEL_HOSTNAME) {
      const counts = snap.borrowInt32(snap.n);
      if (index !== undefined) for (const [h, c] of index.byHost) counts[h] = c;
      constraints.push({ maxSkew, dom, hostname: true, index, weight: Math.log(scored + 2), counts, countsSize: snap.n, domainTerm: null });
      continue;
    }
    const nd = dom.names.length;
    const hostDomain = dom.hostDomain;
    // The domains among the scored hosts.
    const present = snap.borrowInt32(nd);
    let topoSize = 0;
    for (let j = 0; j < k && topoSize < nd; j++) {
      const h = F[j];
      if (ignoring && lacksAKey(doms, h)) continue;
      const d = hostDomain[h];
      if (d >= 0 && present[d] === 0) {
        present[d] = 1;
        topoSize++;
      }
    }
    const counts = snap.borrowInt32(nd);
    if (index !== undefined) {
      for (const [h, c] of index.byHost) {
        const d = hostDomain[h];
        if (d < 0 || present[d] === 0) continue;
        if (ignoring && lacksAKey(doms, h)) continue;
        if (hasNodeRequirement) {
          const host = snap.hosts[h];
          if (!requiredNodeSelectorMatches(pod.nodeSelector, pod.requiredNodeAffinity, host.labels, host.id)) continue;
        }
        counts[d] += c;
      }
    }
    present.fill(0, 0, nd);
    snap.releaseInt32(present);
    const weight = Math.log(topoSize + 2);
    const domainTerm = new Float64Array(nd);
    for (let d = 0; d < nd; d++) domainTerm[d] = counts[d] * weight + (maxSkew - 1);
    constraints.push({ maxSkew, dom, hostname: false, index, weight, counts, countsSize: nd, domainTerm });
  }
  return { constraints, requireAll: ignoring };
}

const SYSTEM_DEFAULTS = { keys: SYSTEM_DEFAULT_CONSTRAINTS.map((c) => c.topologyKey), skews: SYSTEM_DEFAULT_CONSTRAINTS.map((c) => c.maxSkew) };

const IGNORED = -1;

/** The min and max raw scores of the last score() call when it knew them (no ignored host), else -2. */
let lastMin = -2;
let lastMax = -2;

/** normalizeInto with the bounds score() just found, when it found them. */
export function normalizeLastInto(out: Float64Array, k: number, total: Float64Array, weight: number): void {
  normalizeInto(out, k, total, weight, lastMin, lastMax);
}

/** Raw scores of F[0..k) into out (ignored hosts get -1, turned to 0 by normalize). */
export function score(s: SpreadScoreState, F: Int32Array, k: number, out: Float64Array): void {
  const cs = s.constraints;
  const nc = cs.length;
  if (nc === 2 && cs[0].hostname && !cs[1].hostname && !s.requireAll) {
    // The system defaults (hostname, then zone): same sums, specialized.
    const hostCounts = cs[0].counts;
    const hostDom = cs[0].dom.hostDomain;
    const wh = cs[0].weight;
    const skewH = cs[0].maxSkew - 1;
    const zoneDom = cs[1].dom.hostDomain;
    const zoneTerm = cs[1].domainTerm!;
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    for (let j = 0; j < k; j++) {
      const h = F[j];
      let sc = 0;
      if (hostDom[h] >= 0) sc += hostCounts[h] * wh + skewH;
      const d = zoneDom[h];
      if (d >= 0) sc += zoneTerm[d];
      const v = Math.round(sc);
      out[j] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    lastMin = min;
    lastMax = max;
    return;
  }
  lastMin = -2;
  lastMax = -2;
  for (let j = 0; j < k; j++) {
    const h = F[j];
    let sc = 0;
    let ignored = false;
    for (let i = 0; i < nc; i++) {
      const c = cs[i];
      const d = c.dom.hostDomain[h];
      if (d < 0) {
        if (s.requireAll) ignored = true;
        continue;
      }
      sc += c.hostname ? c.counts[h] * c.weight + (c.maxSkew - 1) : c.domainTerm![d];
    }
    out[j] = ignored ? IGNORED : Math.round(sc);
  }
}

/** NormalizeScore: 100 × (max + min − s) / max; ignored hosts 0; all 100 when max is 0. */
export function normalize(out: Float64Array, k: number): void {
  normalizeInto(out, k, null, 0);
}

/** normalize(), adding weight × the normalized score to total[j] instead when total is given. */
export function normalizeInto(out: Float64Array, k: number, total: Float64Array | null, weight: number, knownMin = -2, knownMax = -2): void {
  let min = knownMin;
  let max = knownMax;
  if (knownMin === -2) {
    min = Number.MAX_SAFE_INTEGER;
    max = 0;
    for (let j = 0; j < k; j++) {
      const v = out[j];
      if (v === IGNORED) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  for (let j = 0; j < k; j++) {
    const v = out[j];
    let r: number;
    if (v === IGNORED) r = 0;
    else if (max === 0) r = MAX_NODE_SCORE;
    else r = Math.trunc((MAX_NODE_SCORE * (max + min - v)) / max);
    if (total === null) out[j] = r;
    else total[j] += weight * r;
  }
}

export function releaseScore(snap: Snapshot, s: SpreadScoreState): void {
  for (const c of s.constraints) {
    if (c.hostname) {
      if (c.index !== undefined) for (const h of c.index.byHost.keys()) c.counts[h] = 0;
    } else c.counts.fill(0, 0, c.countsSize);
    snap.releaseInt32(c.counts);
  }
}
