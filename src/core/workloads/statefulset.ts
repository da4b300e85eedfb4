/**
 * The StatefulSet controller as a pure function: (StatefulSet, its pods, its claims, now) → the
 * pods and claims to create, the pods to delete, the new status and when to look again.
 *
 * Kubernetes semantics (pkg/controller/statefulset/stateful_set_control.go), in this order:
 *  1. every ordinal in [0, replicas): a missing pod is created (its claims first), a Failed or
 *     Succeeded pod is deleted so that the next sync re-creates it under the same name. With
 *     OrderedReady (monotonic) the walk stops at the first pod it creates or deletes and at the
 *     first pod that is terminating or not Running and available, so ordinal i+1 is created only
 *     once 0..i are Running and Ready (for minReadySeconds).
 *  2. pods with an ordinal ≥ replicas are condemned: OrderedReady deletes the highest one, one at
 *     a time, once nothing is terminating; Parallel deletes them all at once.
 *  3. RollingUpdate: once every pod is Running and available and nothing is terminating, the
 *     highest pod with ordinal ≥ partition that is not at the update revision is deleted (and
 *     re-created at the update revision by step 1 of a later sync). OnDelete never deletes.
 *
 * Simplification: Kubernetes re-creates a pod below the partition from the *current* revision's
 * stored template. Only the current spec is known here, so every pod is created from it and
 * labelled with the update revision; a pod below the partition that fails (or is deleted) comes
 * back at the update revision.
 */
import { podTemplateHash } from '../pods';
import type { PodSpec, StatefulSetSpec } from './specs';
import { isAvailable, type PodInfo, type PodToCreate, type PodToDelete, type SyncResult, type WorkloadEvent } from './types';

export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';
export const STATEFULSET_POD_NAME = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX = 'apps.kubernetes.io/pod-index';

export interface StatefulSetStatus {
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

export interface StatefulSetInput {
  name: string;
  namespace: string;
  generation: number;
  spec: StatefulSetSpec;
  status: Partial<StatefulSetStatus>;
}

/** A PersistentVolumeClaim stamped out from a volumeClaimTemplate for one ordinal. */
export interface ClaimToCreate {
  name: string;
  labels: Record<string, string>;
  storageClassName: string;
  accessModes: string[];
  storage: string;
}

export interface StatefulSetSyncResult extends SyncResult<StatefulSetStatus> {
  createClaims: ClaimToCreate[];
}

/** The controller-revision-hash of the StatefulSet's current template: `<name>-<hash>`. */
export function revisionName(sts: { name: string; spec: StatefulSetSpec }): string {
  return `${sts.name}-${podTemplateHash(sts.spec.template)}`;
}

/** `<template>-<statefulset>-<ordinal>`, the claim a pod keeps across re-creations. */
export function claimName(template: string, sts: string, ordinal: number): string {
  return `${template}-${sts}-${ordinal}`;
}

/** The ordinal of one of the set's pods: its index, else the `-<n>` suffix of its name; null if neither. */
function ordinalOf(stsName: string, pod: PodInfo): number | null {
  if (pod.index !== null && Number.isInteger(pod.index) && pod.index >= 0) return pod.index;
  const prefix = `${stsName}-`;
  if (!pod.name.startsWith(prefix)) return null;
  const rest = pod.name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : null;
}

const terminating = (p: PodInfo) => p.deletionTimestamp !== null;
const finished = (p: PodInfo) => p.phase === 'Failed' || p.phase === 'Succeeded';

export function syncStatefulSet(sts: StatefulSetInput, pods: PodInfo[], existingClaims: string[], now: number): StatefulSetSyncResult {
  const { spec, name } = sts;
  const minReady = spec.minReadySeconds ?? 0;
  const updateRevision = revisionName(sts);
  const storedCurrent = sts.status.currentRevision || updateRevision;
  const monotonic = spec.podManagementPolicy !== 'Parallel';
  /** Running and Ready for minReadySeconds, and not being deleted. */
  const healthy = (p: PodInfo) => p.phase === 'Running' && isAvailable(p, minReady, now);

  // Slot every pod by ordinal; a second pod for the same ordinal (should not happen: names are
  // exact) loses to a live one.
  const slots = new Map<number, PodInfo>();
  for (const p of pods) {
    const ord = ordinalOf(name, p);
    if (ord === null) continue;
    const prev = slots.get(ord);
    if (!prev || (terminating(prev) && !terminating(p))) slots.set(ord, p);
  }
  const owned = [...slots.values()];
  const condemned = [...slots.entries()].filter(([ord]) => ord >= spec.replicas).sort((a, b) => b[0] - a[0]).map(([, p]) => p);

  const createPods: PodToCreate[] = [];
  const deletePods: PodToDelete[] = [];
  const createClaims: ClaimToCreate[] = [];
  const events: WorkloadEvent[] = [];
  const claimsPresent = new Set(existingClaims);

  const ensureClaims = (ordinal: number) => {
    for (const t of spec.volumeClaimTemplates ?? []) {
      const claim = claimName(t.metadata.name, name, ordinal);
      if (claimsPresent.has(claim)) continue;
      claimsPresent.add(claim);
      createClaims.push({
        name: claim,
        labels: { ...(t.metadata.labels ?? {}), ...spec.selector.matchLabels },
        storageClassName: t.spec.storageClassName,
        accessModes: [...t.spec.accessModes],
        storage: t.spec.resources.requests.storage,
      });
      events.push({ type: 'Normal', reason: 'SuccessfulCreate', message: `create Claim ${claim} Pod ${name}-${ordinal} in StatefulSet ${name} success` });
    }
  };

  // 1. Ordinals the set should have.
  let blocked = false;
  for (let i = 0; i < spec.replicas; i++) {
    const p = slots.get(i);
    if (!p) {
      ensureClaims(i);
      createPods.push(newPod(sts, i, updateRevision));
      if (monotonic) { blocked = true; break; }
      continue;
    }
    if (finished(p)) {
      // Deleted now, re-created under the same name once it is gone.
      if (!terminating(p)) deletePods.push({ id: p.id, why: `pod ${p.name} ${p.phase === 'Failed' ? 'failed' : 'succeeded'}: recreating it` });
      if (monotonic) { blocked = true; break; }
      continue;
    }
    if (p.phase === 'Pending' && !terminating(p)) ensureClaims(i);
    if (monotonic && (terminating(p) || !healthy(p))) { blocked = true; break; }
  }

  // 2. Scale down (takes precedence over updates).
  if (!blocked && condemned.length > 0) {
    if (monotonic) {
      const [top, ...below] = condemned;
      // The highest goes first, once nothing is terminating; an unhealthy one may go only if it
      // is the sole unhealthy pod left (as Kubernetes' "first unhealthy pod" rule allows).
      if (!condemned.some(terminating) && (healthy(top) || below.every(healthy))) {
        deletePods.push({ id: top.id, why: `scaled down to ${spec.replicas}` });
      }
    } else {
      for (const p of condemned) if (!terminating(p)) deletePods.push({ id: p.id, why: `scaled down to ${spec.replicas}` });
    }
    blocked = true;
  }

  // 3. Rolling update, highest ordinal first, one pod at a time (maxUnavailable 1).
  if (!blocked && spec.updateStrategy.type === 'RollingUpdate') {
    const partition = Math.max(0, spec.updateStrategy.rollingUpdate?.partition ?? 0);
    let allHealthy = true;
    for (let i = 0; i < spec.replicas; i++) {
      const p = slots.get(i);
      if (!p || !healthy(p)) { allHealthy = false; break; }
    }
    if (allHealthy && !owned.some(terminating)) {
      for (let i = spec.replicas - 1; i >= partition; i--) {
        const p = slots.get(i)!;
        if (p.templateHash !== updateRevision) {
          deletePods.push({ id: p.id, why: `updating to revision ${updateRevision}` });
          break;
        }
      }
    }
  }

  // Status, from the pods as loaded (the next sync sees the effect of this one's writes).
  const live = owned.filter((p) => !terminating(p));
  const readyReplicas = live.filter((p) => p.phase === 'Running' && p.ready).length;
  const updatedReplicas = live.filter((p) => p.templateHash === updateRevision).length;
  let currentRevision = storedCurrent;
  let currentReplicas = live.filter((p) => p.templateHash === currentRevision).length;
  if (currentRevision !== updateRevision && updatedReplicas === live.length && readyReplicas === live.length) {
    // The rollout is complete: the update revision becomes the current one.
    currentRevision = updateRevision;
    currentReplicas = updatedReplicas;
  }
  const status: StatefulSetStatus = {
    observedGeneration: sts.generation,
    replicas: live.length,
    readyReplicas,
    currentReplicas,
    updatedReplicas,
    availableReplicas: live.filter(healthy).length,
    currentRevision,
    updateRevision,
    collisionCount: sts.status.collisionCount ?? 0,
  };

  // Wake up when a Ready pod becomes available.
  let requeueAfterMs: number | null = null;
  if (minReady > 0) {
    for (const p of live) {
      if (p.phase !== 'Running' || !p.ready || p.readySince === null) continue;
      const wait = p.readySince.getTime() + minReady * 1000 - now;
      if (wait > 0) requeueAfterMs = requeueAfterMs === null ? wait : Math.min(requeueAfterMs, wait);
    }
  }

  return { createPods, deletePods, createClaims, status, events, requeueAfterMs };
}

/** Pod `<sts>-<ordinal>` at the set's current template, with its identity and claim volumes. */
function newPod(sts: StatefulSetInput, ordinal: number, revision: string): PodToCreate {
  const { spec } = sts;
  const podName = `${sts.name}-${ordinal}`;
  const template = structuredClone(spec.template);
  const claimVolumes = new Map(
    (spec.volumeClaimTemplates ?? []).map((t) => [t.metadata.name, { name: t.metadata.name, persistentVolumeClaim: { claimName: claimName(t.metadata.name, sts.name, ordinal) } }]),
  );
  const podSpec: PodSpec = { ...template.spec, hostname: podName };
  if (spec.serviceName) podSpec.subdomain = spec.serviceName;
  if (claimVolumes.size > 0 || template.spec.volumes) {
    const volumes = (template.spec.volumes ?? []).map((v) => claimVolumes.get(v.name) ?? v);
    for (const [volName, v] of claimVolumes) if (!volumes.some((x) => x.name === volName)) volumes.push(v);
    podSpec.volumes = volumes;
  }
  return {
    name: podName,
    labels: {
      ...template.metadata.labels,
      [CONTROLLER_REVISION_HASH]: revision,
      [STATEFULSET_POD_NAME]: podName,
      [POD_INDEX]: String(ordinal),
    },
    annotations: { ...template.metadata.annotations },
    spec: podSpec,
    templateHash: revision,
    index: ordinal,
  };
}
