/**
 * InterPodAffinity (kube-scheduler's filtering.go and scoring.go), over this cluster's pods only.
 *
 * A term selects pods in its namespaces (empty: the namespace of the pod carrying the term) whose
 * labels match its labelSelector (null: none); its domain on a host is the host's value of
 * topologyKey (hosts lacking the key have none).
 *
 * Filter, in kube-scheduler's order:
 * - required affinity: every term's domain on the host must hold a pod matching ALL the terms,
 *   and the host must carry every term's key (UnschedulableAndUnresolvable); special case: when
 *   no pod anywhere matches and the pod matches its own terms, any host with the keys passes;
 * - required anti-affinity: no pod matching a term in that term's domain (Unschedulable);
 * - symmetry: no placed pod whose required anti-affinity term matches the incoming pod may share
 *   that term's domain with the host (Unschedulable).
 *
 * Score: for each preferred term, ± weight per matching pod in the host's domain, min-max
 * normalized (all 0 when max = min). Placed pods carry no affinity terms of their own here, so
 * only the incoming pod's preferred terms count.
 */
import type { PlacedPod, PodAffinityTerm, SchedulingPod, Status, WeightedPodAffinityTerm } from '../../types';
import { compiled, indexMatches, Snapshot, type CountIndex, type PodMatcher } from '../../snapshot';
import { selectorMatches } from '../../selectors';
import { MAX_NODE_SCORE, unresolvable, unschedulable } from '../../status';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";

const AFFINITY_FAIL = unresolvable(NAME, ERR_REASON_AFFINITY_RULES_NOT_MATCH);
const ANTI_FAIL = unschedulable(NAME, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
const EXISTING_FAIL = unschedulable(NAME, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);

/** topologyKey → value → count. */
type TopologyCounts = Map<string, Map<string, number>>;

function add(m: TopologyCounts, key: string, value: string, delta: number): void {
  let byValue = m.get(key);
  if (byValue === undefined) m.set(key, (byValue = new Map()));
  const c = (byValue.get(value) ?? 0) + delta;
  if (c === 0) byValue.delete(value);
  else byValue.set(value, c);
  if (byValue.size === 0) m.delete(key);
}

function get(m: TopologyCounts, key: string, value: string): number {
  const byValue = m.get(key);
  return byValue === undefined ? 0 : (byValue.get(value) ?? 0);
}

function entries(m: TopologyCounts): number {
  let n = 0;
  for (const v of m.values()) n += v.size;
  return n;
}

const fixedNs = new WeakMap<PodAffinityTerm, PodMatcher>();
const ownNs = new WeakMap<PodAffinityTerm, Map<string, PodMatcher>>();

/** The term's matcher for a pod carrying it in ownerNamespace (cached per term object). */
export function termMatcher(ownerNamespace: string, t: PodAffinityTerm): PodMatcher {
  if (t.namespaces.length > 0) {
    let m = fixedNs.get(t);
    if (m === undefined) fixedNs.set(t, (m = Snapshot.matcher(t.namespaces, compiled(t.labelSelector))));
    return m;
  }
  let byNs = ownNs.get(t);
  if (byNs === undefined) ownNs.set(t, (byNs = new Map()));
  let m = byNs.get(ownerNamespace);
  if (m === undefined) byNs.set(ownerNamespace, (m = Snapshot.matcher([ownerNamespace], compiled(t.labelSelector))));
  return m;
}

function matcherMatches(m: PodMatcher, namespace: string, labels: Record<string, string>): boolean {
  if (m.ns !== null && !m.ns.has(namespace)) return false;
  return selectorMatches(m.sel, labels);
}

// ---------------------------------------------------------------------------------------------
// Filter

export interface InterPodFilterState {
  readonly affinityKeys: readonly string[];
  readonly affinityIndex: CountIndex | null;
  readonly affinityCounts: TopologyCounts;
  readonly selfMatchesAllAffinity: boolean;
  readonly antiKeys: readonly string[];
  readonly antiIndexes: readonly CountIndex[];
  readonly antiCounts: TopologyCounts;
  /** Domains (key, value, count) where placed pods' anti-affinity repels the incoming pod. */
  readonly existingKeys: string[];
  readonly existingValues: string[];
  readonly existingCounts: number[];
  readonly pod: SchedulingPod;
}

export function preFilter(snap: Snapshot, pod: SchedulingPod): InterPodFilterState | null {
  const aff = pod.requiredPodAffinity;
  const anti = pod.requiredPodAntiAffinity;

  if (aff.length === 0 && anti.length === 0 && snap.antiAffinityPods.size === 0) return null;
  // Symmetry: placed pods' required anti-affinity terms that match the incoming pod.
  const existing: TopologyCounts = new Map();
  for (const { host, pod: p } of snap.antiAffinityPods.values()) {
    const labels = snap.hosts[host].labels;
    for (const t of p.requiredPodAntiAffinity) {
      if (!matcherMatches(termMatcher(p.namespace, t), pod.namespace, pod.labels)) continue;
      const v = labels[t.topologyKey];
      if (v !== undefined) add(existing, t.topologyKey, v, 1);
    }
  }
  if (aff.length === 0 && anti.length === 0 && existing.size === 0) return null;

  const affinityCounts: TopologyCounts = new Map();
  let affinityIndex: CountIndex | null = null;
  if (aff.length > 0) {
    affinityIndex = snap.allTermsIndex(pod.namespace, aff, true);
    for (const [h, c] of affinityIndex.byHost) {
      const labels = snap.hosts[h].labels;
      for (const t of aff) {
        const v = labels[t.topologyKey];
        if (v !== undefined) add(affinityCounts, t.topologyKey, v, c);
      }
    }
  }
  const antiCounts: TopologyCounts = new Map();
  const antiIndexes: CountIndex[] = [];
  for (const t of anti) {
    const idx = snap.selectorIndex(t.namespaces.length > 0 ? t.namespaces : [pod.namespace], t.labelSelector, true);
    antiIndexes.push(idx);
    for (const [h, c] of idx.byHost) {
      const v = snap.hosts[h].labels[t.topologyKey];
      if (v !== undefined) add(antiCounts, t.topologyKey, v, c);
    }
  }
  const existingKeys: string[] = [];
  const existingValues: string[] = [];
  const existingCounts: number[] = [];
  for (const [k, byValue] of existing) {
    for (const [v, c] of byValue) {
      existingKeys.push(k);
      existingValues.push(v);
      existingCounts.push(c);
    }
  }
  return {
    affinityKeys: aff.map((t) => t.topologyKey),
    affinityIndex,
    affinityCounts,
    selfMatchesAllAffinity: affinityIndex !== null && affinityIndex.matchers.every((m) => matcherMatches(m, pod.namespace, pod.labels)),
    antiKeys: anti.map((t) => t.topologyKey),
    antiIndexes,
    antiCounts,
    existingKeys,
    existingValues,
    existingCounts,
    pod,
  };
}

export function filter(s: InterPodFilterState, labels: Record<string, string>): Status | null {
  const ak = s.affinityKeys;
  if (ak.length > 0) {
    let podsExist = true;
    for (let i = 0; i < ak.length; i++) {
      const v = labels[ak[i]];
      if (v === undefined) return AFFINITY_FAIL;
      if (get(s.affinityCounts, ak[i], v) <= 0) podsExist = false;
    }
    if (!podsExist && !(s.affinityCounts.size === 0 && s.selfMatchesAllAffinity)) return AFFINITY_FAIL;
  }
  if (s.antiCounts.size > 0) {
    const nk = s.antiKeys;
    for (let i = 0; i < nk.length; i++) {
      const v = labels[nk[i]];
      if (v !== undefined && get(s.antiCounts, nk[i], v) > 0) return ANTI_FAIL;
    }
  }
  const ek = s.existingKeys;
  for (let i = 0; i < ek.length; i++) if (labels[ek[i]] === s.existingValues[i]) return EXISTING_FAIL;
  return null;
}

/**
 * The filter with some pods of the host removed (preemption's dry run): counts are lowered by
 * what the removed pods contributed to this host's domains.
 */
export function filterWithout(s: InterPodFilterState, labels: Record<string, string>, removed: ReadonlySet<PlacedPod>): Status | null {
  const ak = s.affinityKeys;
  if (ak.length > 0) {
    let matchingRemoved = 0;
    if (s.affinityIndex !== null) for (const p of removed) if (indexMatches(s.affinityIndex, p)) matchingRemoved++;
    // Each removed pod matching all terms lowered (key, host's value) once per term with that key.
    const adjusted: TopologyCounts = new Map();
    for (const [k, byValue] of s.affinityCounts) for (const [v, c] of byValue) add(adjusted, k, v, c);
    if (matchingRemoved > 0) {
      for (const k of ak) {
        const v = labels[k];
        if (v !== undefined) add(adjusted, k, v, -matchingRemoved);
      }
    }
    for (const byValue of adjusted.values()) for (const [v, c] of byValue) if (c <= 0) byValue.delete(v);
    for (const [k, byValue] of adjusted) if (byValue.size === 0) adjusted.delete(k);
    let podsExist = true;
    for (const k of ak) {
      const v = labels[k];
      if (v === undefined) return AFFINITY_FAIL;
      if (get(adjusted, k, v) <= 0) podsExist = false;
    }
    if (!podsExist && !(entries(adjusted) === 0 && s.selfMatchesAllAffinity)) return AFFINITY_FAIL;
  }
  const nk = s.antiKeys;
  for (let i = 0; i < nk.length; i++) {
    const v = labels[nk[i]];
    if (v === undefined) continue;
    let c = get(s.antiCounts, nk[i], v);
    for (let j = 0; j < nk.length; j++) {
      if (nk[j] !== nk[i]) continue;
      for (const p of removed) if (indexMatches(s.antiIndexes[j], p)) c--;
    }
    if (c > 0) return ANTI_FAIL;
  }
  const ek = s.existingKeys;
  for (let i = 0; i < ek.length; i++) {
    if (labels[ek[i]] !== s.existingValues[i]) continue;
    let c = s.existingCounts[i];
    for (const p of removed) {
      for (const t of p.requiredPodAntiAffinity) {
        if (t.topologyKey === ek[i] && matcherMatches(termMatcher(p.namespace, t), s.pod.namespace, s.pod.labels)) c--;
      }
    }
    if (c > 0) return EXISTING_FAIL;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Score

export interface InterPodScoreState {
  /** topologyKey → value → Σ ± weight × matching pods. */
  readonly topo: TopologyCounts;
  readonly keys: string[];
}

export function preScore(snap: Snapshot, pod: SchedulingPod): InterPodScoreState | null {
  const terms: { t: WeightedPodAffinityTerm; sign: number }[] = [
    ...pod.preferredPodAffinity.map((t) => ({ t, sign: 1 })),
    ...pod.preferredPodAntiAffinity.map((t) => ({ t, sign: -1 })),
  ];
  if (terms.length === 0) return null;
  const topo: TopologyCounts = new Map();
  for (const { t, sign } of terms) {
    if (t.weight === 0) continue;
    const key = t.podAffinityTerm.topologyKey;
    const pt = t.podAffinityTerm;
    const idx = snap.selectorIndex(pt.namespaces.length > 0 ? pt.namespaces : [pod.namespace], pt.labelSelector, true);
    for (const [h, c] of idx.byHost) {
      const v = snap.hosts[h].labels[key];
      if (v !== undefined) add(topo, key, v, sign * t.weight * c);
    }
  }
  return { topo, keys: [...topo.keys()] };
}

export function score(s: InterPodScoreState, labels: Record<string, string>): number {
  let sc = 0;
  for (let i = 0; i < s.keys.length; i++) {
    const v = labels[s.keys[i]];
    if (v !== undefined) sc += get(s.topo, s.keys[i], v);
  }
  return sc;
}

/** Min-max normalization: 100 × (s − min) / (max − min) in floating point, truncated; 0 when max = min. */
export function normalize(out: Float64Array | number[], k: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < k; j++) {
    if (out[j] < min) min = out[j];
    if (out[j] > max) max = out[j];
  }
  const diff = max - min;
  for (let j = 0; j < k; j++) out[j] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((out[j] - min) / diff)) : 0;
}
