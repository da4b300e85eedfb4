/**
 * The ReplicaSet controller as a pure function: keep `spec.replicas` live pods, replace pods that
 * finished, and report the counts `kubectl get rs` shows. Follows Kubernetes'
 * pkg/controller/replicaset (manageReplicas, getPodsToDelete, calculateStatus).
 */
import type { ReplicaSetSpec } from './specs';
import { isActive, isAvailable, type PodInfo, type PodToCreate, type PodToDelete, type SyncResult } from './types';

export interface ReplicaSetStatus {
  observedGeneration: number;
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

export interface ReplicaSetInput {
  name: string;
  namespace: string;
  generation: number;
  spec: ReplicaSetSpec;
  status: Partial<ReplicaSetStatus>;
}

/** At most this many creates (or deletes) per sync, as Kubernetes' burstReplicas; requeueAfterMs 0 when more remain. */
export const BURST_REPLICAS = 250;

export const POD_TEMPLATE_HASH = 'pod-template-hash';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Kubernetes' ActivePods ordering (first = deleted first): unscheduled before scheduled,
 * Pending < Unknown < Running, not ready before ready, ready for less time before longer,
 * more restarts before fewer, newer before older; ties broken by id so the order is stable.
 */
export function compareForDeletion(a: PodInfo, b: PodInfo): number {
  if (a.scheduled !== b.scheduled) return a.scheduled ? 1 : -1;
  const pa = PHASE_RANK[a.phase] ?? 0;
  const pb = PHASE_RANK[b.phase] ?? 0;
  if (pa !== pb) return pa - pb;
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (a.ready && b.ready) {
    // Ready for less time (a later readySince) goes first; an unknown readySince counts as "just now".
    const ra = a.readySince?.getTime() ?? Number.POSITIVE_INFINITY;
    const rb = b.readySince?.getTime() ?? Number.POSITIVE_INFINITY;
    if (ra !== rb) return rb - ra > 0 ? 1 : -1;
  }
  if (a.restartCount !== b.restartCount) return b.restartCount - a.restartCount;
  const ca = a.createdAt.getTime();
  const cb = b.createdAt.getTime();
  if (ca !== cb) return cb - ca;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Pods in the order a ReplicaSet scales them down (first to delete first). */
export function rankPodsForDeletion(pods: readonly PodInfo[]): PodInfo[] {
  return [...pods].sort(compareForDeletion);
}

function hasAllLabels(labels: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

export function syncReplicaSet(rs: ReplicaSetInput, pods: PodInfo[], now: number): SyncResult<ReplicaSetStatus> {
  const { spec } = rs;
  const template = spec.template;
  const desired = Math.max(0, spec.replicas);
  const active = pods.filter(isActive);

  const deletePods: PodToDelete[] = [];
  const createPods: PodToCreate[] = [];
  let moreWork = false;

  // Finished pods (Succeeded/Failed) no longer count; delete them so a replacement takes their place.
  const finished = pods.filter((p) => p.deletionTimestamp === null && (p.phase === 'Failed' || p.phase === 'Succeeded'));
  const finishedSorted = [...finished].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const p of finishedSorted.slice(0, BURST_REPLICAS)) deletePods.push({ id: p.id, why: 'pod failed' });
  if (finishedSorted.length > BURST_REPLICAS) moreWork = true;

  const diff = active.length - desired;
  if (diff < 0) {
    const n = Math.min(-diff, BURST_REPLICAS);
    if (-diff > BURST_REPLICAS) moreWork = true;
    const labels = { ...template.metadata.labels };
    const templateHash = labels[POD_TEMPLATE_HASH] ?? null;
    for (let i = 0; i < n; i++) {
      createPods.push({
        generateName: `${rs.name}-`,
        labels: { ...labels },
        annotations: { ...template.metadata.annotations },
        spec: structuredClone(template.spec),
        templateHash,
        index: null,
      });
    }
  } else if (diff > 0) {
    const n = Math.min(diff, BURST_REPLICAS);
    if (diff > BURST_REPLICAS) moreWork = true;
    for (const p of rankPodsForDeletion(active).slice(0, n)) deletePods.push({ id: p.id, why: `scaled down to ${desired}` });
  }

  const minReady = spec.minReadySeconds ?? 0;
  const status: ReplicaSetStatus = {
    observedGeneration: rs.generation,
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => hasAllLabels(p.labels, template.metadata.labels)).length,
    readyReplicas: active.filter((p) => p.ready).length,
    availableReplicas: active.filter((p) => isAvailable(p, minReady, now)).length,
  };

  let requeueAfterMs: number | null = null;
  if (moreWork) {
    requeueAfterMs = 0;
  } else if (minReady > 0) {
    for (const p of active) {
      if (!p.ready || p.readySince === null || isAvailable(p, minReady, now)) continue;
      const wait = p.readySince.getTime() + minReady * 1000 - now;
      if (requeueAfterMs === null || wait < requeueAfterMs) requeueAfterMs = Math.max(0, wait);
    }
  }

  return { createPods, deletePods, status, events: [], requeueAfterMs };
}
