/**
 * The scheduler's view of the fleet for one scheduling pass (kube-scheduler's cache snapshot),
 * kept up to date by `assume` / `forget` / `nominate` as the pass places pods.
 *
 * Construction is O(hosts × labels + placed pods): it copies the hosts (the caller's objects are
 * never changed), packs capacity into typed arrays, groups hosts into classes (hosts alike in
 * everything but their hostname: same labels otherwise, taints, pool, CPU/GPU kind, allocatable,
 * schedulable), orders the hosts for the filter walk (interleaved across zones, as
 * kube-scheduler's node tree lists them) and indexes the placed pods per owner.
 *
 * Pod counts per label selector (topology spread, inter-pod affinity) are indexes built on first
 * use by one scan of the placed pods and maintained incrementally afterwards, so a scheduling
 * cycle reads them in O(hosts holding matching pods) instead of scanning every pod.
 */
import {
  LABEL_HOSTNAME,
  type HostInfo,
  type LabelSelector,
  type PlacedPod,
  type PlacementOption,
  type PodAffinityTerm,
  type ScheduleResult,
  type SchedulingPod,
} from './types';
import { compileLabelSelector, selectorMatches, type CompiledSelector } from './selectors';

/** One namespace set + selector; a pod matches an index when it matches every matcher. */
export interface PodMatcher {
  /** null: any namespace. */
  readonly ns: ReadonlySet<string> | null;
  readonly sel: CompiledSelector;
}

/** Matching pods per host (only hosts with at least one). */
export interface CountIndex {
  readonly key: string;
  readonly matchers: readonly PodMatcher[];
  /** Owner indexes match on ownerKey instead of matchers. */
  readonly owner: string | null;
  readonly includeTerminating: boolean;
  readonly byHost: Map<number, number>;
}

/** The values of one topology key over the hosts. */
export interface DomainInfo {
  readonly key: string;
  /** Per host: the index of its value in `names`, or -1 when the host lacks the label. */
  readonly hostDomain: Int32Array;
  readonly names: readonly string[];
  /** Hosts lacking the label. */
  readonly missing: number;
}

export interface Nomination {
  readonly uid: string;
  readonly host: number;
  readonly priority: number;
  readonly cpuMilli: number;
  readonly memoryMi: number;
  readonly gpuMilli: number;
  readonly pod: PlacedPod;
}

interface PodLocation {
  host: number;
  pod: PlacedPod;
}

export class Snapshot {
  /** Copies of the hosts, in the order given (firstFit walks this order). */
  readonly hosts: HostInfo[];
  readonly n: number;
  readonly hostIndex: Map<string, number>;
  /** The filter walk order: hosts interleaved across zones (kube-scheduler's node tree). */
  readonly visitOrder: Int32Array;
  /** Where the next scheduling cycle starts in visitOrder (kube-scheduler's nextStartNodeIndex). */
  nextStartIndex = 0;
  /** Bumped by every change (assume, forget, nominate). */
  generation = 0;
  /**
   * The equivalence cache (see scheduleOne): the last failed result, valid while the snapshot is
   * unchanged (same generation) for a pod identical in every scheduling input.
   */
  lastFailure: { generation: number; profile: object; key: string; result: ScheduleResult } | null = null;

  readonly allocCpu: Float64Array;
  readonly allocMem: Float64Array;
  readonly allocGpu: Float64Array;
  readonly allocPods: Float64Array;
  readonly reqCpu: Float64Array;
  readonly reqMem: Float64Array;
  readonly reqGpu: Float64Array;
  readonly reqPods: Float64Array;

  /** Host class per host, and one representative host per class. */
  readonly hostClass: Int32Array;
  readonly classRep: number[];
  /** Some host carries a PreferNoSchedule taint (else TaintToleration scores are all equal). */
  readonly anyPreferNoSchedule: boolean;

  /** Nominated pods (status.nominatedNodeName): they reserve resources on their host. */
  readonly nominations = new Map<string, Nomination>();
  readonly nominatedOn: (Nomination[] | null)[];
  readonly nominatedCount: Int32Array;

  /** Placed pods of this cluster by uid. */
  readonly placed = new Map<string, PodLocation>();
  /** Placed pods that carry required anti-affinity terms (the symmetric check reads these). */
  readonly antiAffinityPods = new Map<string, PodLocation>();
  /** Placed pods by label (key → value → pods), so a new index scans only the pods it may match. */
  private readonly byLabel = new Map<string, Map<string, Set<PodLocation>>>();

  private readonly domainCache = new Map<string, DomainInfo>();
  private readonly indexes = new Map<string, CountIndex>();
  private readonly ownerIndexes = new Map<string, CountIndex>();
  /** Selector indexes by the first matchLabels pair of their first matcher (key → value → indexes). */
  private readonly buckets = new Map<string, Map<string, CountIndex[]>>();
  /** Selector indexes without a matchLabels pair: checked against every pod. */
  private readonly unbucketed: CountIndex[] = [];

  // Scratch buffers for scheduling cycles (one cycle runs at a time per snapshot).
  readonly scratchFeasible: Int32Array;
  readonly scratchScore: Float64Array;
  readonly scratchTotal: Float64Array;
  readonly scratchStatus: (unknown | null)[];
  private readonly int32Pool: Int32Array[] = [];

  constructor(hosts: HostInfo[]) {
    const n = hosts.length;
    this.n = n;
    this.hosts = hosts.map((h) => ({
      ...h,
      labels: { ...h.labels },
      taints: h.taints.map((t) => ({ ...t })),
      allocatable: { ...h.allocatable },
      requested: { ...h.requested },
      pods: h.pods.slice(),
    }));
    this.hostIndex = new Map();
    this.allocCpu = new Float64Array(n);
    this.allocMem = new Float64Array(n);
    this.allocGpu = new Float64Array(n);
    this.allocPods = new Float64Array(n);
    this.reqCpu = new Float64Array(n);
    this.reqMem = new Float64Array(n);
    this.reqGpu = new Float64Array(n);
    this.reqPods = new Float64Array(n);
    this.hostClass = new Int32Array(n);
    this.classRep = [];
    this.nominatedOn = new Array(n).fill(null);
    this.nominatedCount = new Int32Array(n);
    this.scratchFeasible = new Int32Array(n);
    this.scratchScore = new Float64Array(n);
    this.scratchTotal = new Float64Array(n);
    this.scratchStatus = new Array(n).fill(null);

    const classes = new Map<string, number>();
    const zoneOrder = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const h = this.hosts[i];
      if (this.hostIndex.has(h.id)) throw new Error(`duplicate host id ${h.id}`);
      this.hostIndex.set(h.id, i);
      this.allocCpu[i] = h.allocatable.cpuMilli;
      this.allocMem[i] = h.allocatable.memoryMi;
      this.allocGpu[i] = h.allocatable.gpuMilli;
      this.allocPods[i] = h.allocatable.pods;
      this.reqCpu[i] = h.requested.cpuMilli;
      this.reqMem[i] = h.requested.memoryMi;
      this.reqGpu[i] = h.requested.gpuMilli;
      this.reqPods[i] = h.requested.pods;

      const ck = classKey(h);
      let c = classes.get(ck);
      if (c === undefined) {
        c = this.classRep.length;
        classes.set(ck, c);
        this.classRep.push(i);
      }
      this.hostClass[i] = c;

      // kube-scheduler's zone key: region + ":\x00:" + zone.
      const zk = `${h.region}:\u0000:${h.zone}`;
      let list = zoneOrder.get(zk);
      if (list === undefined) zoneOrder.set(zk, (list = []));
      list.push(i);

      for (const p of h.pods) this.indexPlaced(i, p);
    }

    this.anyPreferNoSchedule = this.hosts.some((h) => h.taints.some((t) => t.effect === 'PreferNoSchedule'));

    // Interleave zones: one host of each zone in turn (nodeTree.list()).
    this.visitOrder = new Int32Array(n);
    const lists = [...zoneOrder.values()];
    let k = 0;
    for (let round = 0; k < n; round++) {
      for (const l of lists) if (round < l.length) this.visitOrder[k++] = l[round];
    }
  }

  /** The snapshot's copy of a host (reflects assume/forget), or undefined. */
  host(id: string): HostInfo | undefined {
    const i = this.hostIndex.get(id);
    return i === undefined ? undefined : this.hosts[i];
  }

  // -------------------------------------------------------------------------------------------
  // Topology domains

  domains(key: string): DomainInfo {
    let d = this.domainCache.get(key);
    if (d !== undefined) return d;
    const hostDomain = new Int32Array(this.n);
    const names: string[] = [];
    let missing = 0;
    const seen = new Map<string, number>();
    for (let i = 0; i < this.n; i++) {
      const v = this.hosts[i].labels[key];
      if (v === undefined) {
        hostDomain[i] = -1;
        missing++;
        continue;
      }
      let di = seen.get(v);
      if (di === undefined) {
        di = names.length;
        seen.set(v, di);
        names.push(v);
      }
      hostDomain[i] = di;
    }
    d = { key, hostDomain, names, missing };
    this.domainCache.set(key, d);
    return d;
  }

  // -------------------------------------------------------------------------------------------
  // Pod count indexes

  /** Pods with this owner (terminating pods excluded), or undefined when none was ever placed. */
  ownerIndex(ownerKey: string): CountIndex | undefined {
    return this.ownerIndexes.get(ownerKey);
  }

  /**
   * The index of the pods in `namespaces` (null: any) matching `selector`; built by one scan of
   * the placed pods on first use, then kept up to date by assume/forget.
   */
  selectorIndex(namespaces: readonly string[] | null, selector: LabelSelector | null, includeTerminating: boolean): CountIndex {
    const key = `${includeTerminating ? 'T' : 'L'}${namespaces === null ? '*' : namespaces.join(',')}\u0001${selector === null ? 'null' : JSON.stringify(selector)}`;
    const idx = this.indexes.get(key);
    if (idx !== undefined) return idx;
    return this.buildIndex(key, [Snapshot.matcher(namespaces, compileLabelSelector(selector))], includeTerminating);
  }

  /** The index of the pods matching every term (required pod affinity: a pod must match all). */
  allTermsIndex(ownerNamespace: string, terms: readonly PodAffinityTerm[], includeTerminating: boolean): CountIndex {
    const key = `A${includeTerminating ? 'T' : 'L'}${ownerNamespace}\u0001${JSON.stringify(terms)}`;
    const idx = this.indexes.get(key);
    if (idx !== undefined) return idx;
    const matchers = terms.map((t) =>
      Snapshot.matcher(t.namespaces.length > 0 ? t.namespaces : [ownerNamespace], compileLabelSelector(t.labelSelector)),
    );
    return this.buildIndex(key, matchers, includeTerminating);
  }

  private buildIndex(key: string, matchers: readonly PodMatcher[], includeTerminating: boolean): CountIndex {
    const idx: CountIndex = { key, matchers, owner: null, includeTerminating, byHost: new Map() };
    // Candidates: the pods carrying the rarest matchLabels pair of some matcher (all must match).
    let candidates: Set<PodLocation> | null = null;
    let nothing = false;
    for (const m of matchers) {
      for (let i = 0; i < m.sel.eqKeys.length; i++) {
        const set = this.byLabel.get(m.sel.eqKeys[i])?.get(m.sel.eqValues[i]);
        if (set === undefined) nothing = true;
        else if (candidates === null || set.size < candidates.size) candidates = set;
      }
    }
    if (!nothing) {
      if (candidates !== null) {
        for (const loc of candidates) if (indexMatches(idx, loc.pod)) bump(idx.byHost, loc.host, 1);
      } else {
        for (const loc of this.placed.values()) if (indexMatches(idx, loc.pod)) bump(idx.byHost, loc.host, 1);
      }
    }
    this.indexes.set(key, idx);
    const first = matchers[0];
    if (first !== undefined && first.sel.eqKeys.length > 0) {
      const k = first.sel.eqKeys[0];
      const v = first.sel.eqValues[0];
      let byValue = this.buckets.get(k);
      if (byValue === undefined) this.buckets.set(k, (byValue = new Map()));
      let list = byValue.get(v);
      if (list === undefined) byValue.set(v, (list = []));
      list.push(idx);
    } else {
      this.unbucketed.push(idx);
    }
    return idx;
  }

  /** A matcher for a selector over a set of namespaces (cached compiled selectors are cheap to rebuild). */
  static matcher(namespaces: readonly string[] | null, sel: CompiledSelector): PodMatcher {
    return { ns: namespaces === null ? null : new Set(namespaces), sel };
  }

  private updateIndexes(host: number, pod: PlacedPod, delta: number): void {
    if (pod.ownerKey !== null && !pod.terminating) {
      let oi = this.ownerIndexes.get(pod.ownerKey);
      if (oi === undefined) {
        oi = { key: `owner\u0000${pod.ownerKey}`, matchers: [], owner: pod.ownerKey, includeTerminating: false, byHost: new Map() };
        this.ownerIndexes.set(pod.ownerKey, oi);
      }
      bump(oi.byHost, host, delta);
    }
    if (this.indexes.size === 0) return;
    for (const k in pod.labels) {
      const byValue = this.buckets.get(k);
      if (byValue === undefined) continue;
      const list = byValue.get(pod.labels[k]);
      if (list === undefined) continue;
      for (let i = 0; i < list.length; i++) if (indexMatches(list[i], pod)) bump(list[i].byHost, host, delta);
    }
    const u = this.unbucketed;
    for (let i = 0; i < u.length; i++) if (indexMatches(u[i], pod)) bump(u[i].byHost, host, delta);
  }

  private indexPlaced(host: number, pod: PlacedPod): void {
    if (this.placed.has(pod.uid)) throw new Error(`pod ${pod.uid} is placed twice`);
    const loc = { host, pod };
    this.placed.set(pod.uid, loc);
    if (pod.requiredPodAntiAffinity.length > 0) this.antiAffinityPods.set(pod.uid, loc);
    for (const k in pod.labels) {
      let byValue = this.byLabel.get(k);
      if (byValue === undefined) this.byLabel.set(k, (byValue = new Map()));
      const v = pod.labels[k];
      let set = byValue.get(v);
      if (set === undefined) byValue.set(v, (set = new Set()));
      set.add(loc);
    }
    this.updateIndexes(host, pod, 1);
  }

  // -------------------------------------------------------------------------------------------
  // Mutations (exported below as the public functions)

  addPlaced(host: number, pod: PlacedPod): void {
    this.removeNomination(pod.uid);
    const h = this.hosts[host];
    h.pods.push(pod);
    this.indexPlaced(host, pod);
    this.reqCpu[host] += pod.cpuMilli;
    this.reqMem[host] += pod.memoryMi;
    this.reqGpu[host] += pod.gpuMilli;
    this.reqPods[host] += 1;
    syncRequested(this, host);
    this.generation++;
  }

  removePlaced(uid: string): boolean {
    const loc = this.placed.get(uid);
    if (loc === undefined) return false;
    const { host, pod } = loc;
    const pods = this.hosts[host].pods;
    const at = pods.indexOf(pod);
    if (at >= 0) pods.splice(at, 1);
    this.placed.delete(uid);
    this.antiAffinityPods.delete(uid);
    for (const k in pod.labels) {
      const byValue = this.byLabel.get(k);
      const set = byValue?.get(pod.labels[k]);
      if (set === undefined) continue;
      set.delete(loc);
      if (set.size === 0) byValue!.delete(pod.labels[k]);
    }
    this.updateIndexes(host, pod, -1);
    this.reqCpu[host] -= pod.cpuMilli;
    this.reqMem[host] -= pod.memoryMi;
    this.reqGpu[host] -= pod.gpuMilli;
    this.reqPods[host] -= 1;
    syncRequested(this, host);
    this.generation++;
    return true;
  }

  addNomination(host: number, pod: PlacedPod): void {
    this.removeNomination(pod.uid);
    const nom: Nomination = {
      uid: pod.uid,
      host,
      priority: pod.priority,
      cpuMilli: pod.cpuMilli,
      memoryMi: pod.memoryMi,
      gpuMilli: pod.gpuMilli,
      pod,
    };
    this.nominations.set(pod.uid, nom);
    let list = this.nominatedOn[host];
    if (list === null) this.nominatedOn[host] = list = [];
    list.push(nom);
    this.nominatedCount[host] = list.length;
    this.generation++;
  }

  removeNomination(uid: string): boolean {
    const nom = this.nominations.get(uid);
    if (nom === undefined) return false;
    this.nominations.delete(uid);
    const list = this.nominatedOn[nom.host]!;
    list.splice(list.indexOf(nom), 1);
    this.nominatedCount[nom.host] = list.length;
    if (list.length === 0) this.nominatedOn[nom.host] = null;
    this.generation++;
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Walk lists

  private readonly walkCache = new Map<number | string, Int32Array>();

  /**
   * The positions in `order` (visitOrder, or null for the snapshot's own order) of the hosts whose
   * class passes (classStatus null), ascending; cached per set of passing classes (hosts' classes
   * never change).
   */
  walkList(order: Int32Array | null, classStatus: readonly unknown[]): Int32Array {
    let key: number | string;
    if (classStatus.length <= 51) {
      // A bit set as an exact integer: 2^c per passing class, 2^51 for the order.
      let k = order === null ? 0 : 2 ** 51;
      let bit = 1;
      for (let c = 0; c < classStatus.length; c++, bit *= 2) if (classStatus[c] === null) k += bit;
      key = k;
    } else {
      key = order === null ? 'o' : 'v';
      for (let c = 0; c < classStatus.length; c++) if (classStatus[c] === null) key += `,${c}`;
    }
    let list = this.walkCache.get(key);
    if (list !== undefined) return list;
    let count = 0;
    for (let pos = 0; pos < this.n; pos++) if (classStatus[this.hostClass[order === null ? pos : order[pos]]] === null) count++;
    list = new Int32Array(count);
    let k = 0;
    for (let pos = 0; pos < this.n; pos++) if (classStatus[this.hostClass[order === null ? pos : order[pos]]] === null) list[k++] = pos;
    this.walkCache.set(key, list);
    return list;
  }

  // -------------------------------------------------------------------------------------------
  // Scratch

  /** A zeroed Int32Array of at least `size` entries; give it back zeroed with releaseInt32. */
  borrowInt32(size: number): Int32Array {
    for (let i = this.int32Pool.length - 1; i >= 0; i--) {
      const a = this.int32Pool[i];
      if (a.length >= size) {
        this.int32Pool.splice(i, 1);
        return a;
      }
    }
    return new Int32Array(Math.max(size, 8));
  }

  releaseInt32(a: Int32Array): void {
    this.int32Pool.push(a);
  }
}

function bump(m: Map<number, number>, host: number, delta: number): void {
  const c = (m.get(host) ?? 0) + delta;
  if (c === 0) m.delete(host);
  else m.set(host, c);
}

export function indexMatches(idx: CountIndex, pod: PlacedPod): boolean {
  if (pod.terminating && !idx.includeTerminating) return false;
  if (idx.owner !== null) return pod.ownerKey === idx.owner;
  const ms = idx.matchers;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    if (m.ns !== null && !m.ns.has(pod.namespace)) return false;
    if (!selectorMatches(m.sel, pod.labels)) return false;
  }
  return ms.length > 0;
}

function syncRequested(s: Snapshot, host: number): void {
  const r = s.hosts[host].requested;
  r.cpuMilli = s.reqCpu[host];
  r.memoryMi = s.reqMem[host];
  r.gpuMilli = s.reqGpu[host];
  r.pods = s.reqPods[host];
}

/** Hosts with equal class keys pass or fail every host-static filter alike. */
function classKey(h: HostInfo): string {
  const labels = Object.keys(h.labels)
    .filter((k) => k !== LABEL_HOSTNAME)
    .sort()
    .map((k) => `${k}=${h.labels[k]}`)
    .join('\u0001');
  const taints = h.taints.map((t) => `${t.key}=${t.value}:${t.effect}`).join('\u0001');
  const a = h.allocatable;
  return [
    labels,
    taints,
    h.pool,
    h.cpuType,
    h.gpuModel ?? '',
    h.gpuSliceMilli,
    h.schedulable ? 1 : 0,
    a.cpuMilli,
    a.memoryMi,
    a.gpuMilli,
    a.pods,
  ].join('\u0000');
}

/** The record a placed pod leaves on its host. */
export function placedPodOf(pod: SchedulingPod, option: PlacementOption, startTime: number): PlacedPod {
  return {
    uid: pod.uid,
    namespace: pod.namespace,
    labels: pod.labels,
    priority: pod.priority,
    ownerKey: pod.ownerKey,
    cpuMilli: option.cpuMilli,
    memoryMi: option.memoryMi,
    gpuMilli: option.gpuMilli,
    startTime,
    requiredPodAntiAffinity: pod.requiredPodAntiAffinity,
    terminating: false,
  };
}

function hostOf(snap: Snapshot, hostId: string): number {
  const h = snap.hostIndex.get(hostId);
  if (h === undefined) throw new Error(`unknown host ${hostId}`);
  return h;
}

/**
 * Adds the pod to the host (requested, pods list, every index) so the next scheduleOne sees it,
 * as kube-scheduler's assume does. A nomination of the pod is dropped.
 */
export function assume(snap: Snapshot, pod: SchedulingPod, hostId: string, option: PlacementOption, startTime: number): void {
  const h = hostOf(snap, hostId);
  if (snap.placed.has(pod.uid)) throw new Error(`pod ${pod.uid} is already placed`);
  snap.addPlaced(h, placedPodOf(pod, option, startTime));
}

/**
 * Removes a placed pod (victim deleted, bind failed) and gives its resources back; also drops a
 * nomination of that uid. Unknown uids are ignored.
 */
export function forget(snap: Snapshot, podUid: string): void {
  snap.removePlaced(podUid);
  snap.removeNomination(podUid);
}

/**
 * Nominates the pod to the host (status.nominatedNodeName): its option's resources count against
 * the host when filtering pods of equal or lower priority (kube-scheduler's addNominatedPods).
 * Replaces an earlier nomination of the pod.
 */
export function nominate(snap: Snapshot, pod: SchedulingPod, hostId: string, option: PlacementOption): void {
  const h = hostOf(snap, hostId);
  snap.addNomination(h, placedPodOf(pod, option, 0));
}

/** nominate() for a pod known only by its placed-pod record (e.g. loaded from storage). */
export function nominatePlaced(snap: Snapshot, pod: PlacedPod, hostId: string): void {
  const h = hostOf(snap, hostId);
  snap.addNomination(h, pod);
}

/** Reads a compiled selector once per distinct LabelSelector object. */
const compiledCache = new WeakMap<object, CompiledSelector>();
export function compiled(sel: Parameters<typeof compileLabelSelector>[0]): CompiledSelector {
  if (sel === null || sel === undefined) return compileLabelSelector(sel);
  let c = compiledCache.get(sel);
  if (c === undefined) compiledCache.set(sel, (c = compileLabelSelector(sel)));
  return c;
}
