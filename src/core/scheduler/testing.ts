/**
 * Builders for the scheduler's tests (not used by production code): hosts, pods, placed pods
 * with sensible defaults, overridable field by field.
 */
import {
  INSTANCE_TYPE_EKLET,
  LABEL_CAPACITY_TYPE,
  LABEL_CPU_TYPE,
  LABEL_GPU_TYPE,
  LABEL_HOSTNAME,
  LABEL_INSTANCE_TYPE,
  LABEL_REGION,
  LABEL_ZONE,
  TAINT_EKLET,
  type HostInfo,
  type HostResources,
  type PlacedPod,
  type PlacementOption,
  type SchedulingPod,
  type Taint,
  type Toleration,
} from './types';
import { mulberry32 } from '../random';

export const GI = 1024;
export const EKLET_TAINT: Taint = { key: TAINT_EKLET, value: '', effect: 'NoSchedule' };
export const EKLET_TOLERATION: Toleration = { key: TAINT_EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' };

export interface HostSpec extends Partial<Omit<HostInfo, 'allocatable' | 'requested'>> {
  allocatable?: Partial<HostResources>;
  requested?: Partial<HostResources>;
  /** Extra labels, merged over the well-known ones. */
  extraLabels?: Record<string, string>;
}

/** A 64-core / 256 GiB / 256-pod regular Intel host in zone z1 unless overridden. */
export function host(id: string, spec: HostSpec = {}): HostInfo {
  const zone = spec.zone ?? 'z1';
  const region = spec.region ?? 'r1';
  const pool = spec.pool ?? 'regular';
  const cpuType = spec.cpuType ?? 'intel';
  const gpuModel = spec.gpuModel ?? null;
  const labels: Record<string, string> = spec.labels ?? {
    [LABEL_ZONE]: zone,
    [LABEL_REGION]: region,
    [LABEL_HOSTNAME]: id,
    [LABEL_INSTANCE_TYPE]: INSTANCE_TYPE_EKLET,
    [LABEL_CPU_TYPE]: cpuType,
    [LABEL_CAPACITY_TYPE]: pool,
    ...(gpuModel !== null ? { [LABEL_GPU_TYPE]: gpuModel } : {}),
  };
  Object.assign(labels, spec.extraLabels ?? {});
  const pods = spec.pods ?? [];
  const requested: HostResources = {
    cpuMilli: pods.reduce((s, p) => s + p.cpuMilli, 0),
    memoryMi: pods.reduce((s, p) => s + p.memoryMi, 0),
    gpuMilli: pods.reduce((s, p) => s + p.gpuMilli, 0),
    pods: pods.length,
    ...spec.requested,
  };
  return {
    id,
    region,
    zone,
    labels,
    taints: spec.taints ?? [],
    pool,
    cpuType,
    gpuModel,
    gpuSliceMilli: spec.gpuSliceMilli ?? (gpuModel !== null ? 1000 : 0),
    schedulable: spec.schedulable ?? true,
    allocatable: { cpuMilli: 64000, memoryMi: 256 * GI, gpuMilli: 0, pods: 256, ...spec.allocatable },
    requested,
    pods,
  };
}

export function option(o: Partial<PlacementOption> = {}): PlacementOption {
  return { cpuMilli: 1000, memoryMi: 2 * GI, cpuType: null, gpuModel: null, gpuMilli: 0, ...o };
}

/** A 1 CPU / 2 GiB regular pod in namespace default unless overridden. */
export function pod(name: string, p: Partial<SchedulingPod> = {}): SchedulingPod {
  return {
    uid: `uid-${name}`,
    namespace: 'default',
    name,
    labels: {},
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
    options: [option()],
    pool: 'regular',
    nodeSelector: {},
    requiredNodeAffinity: null,
    preferredNodeAffinity: [],
    tolerations: [],
    topologySpreadConstraints: [],
    requiredPodAffinity: [],
    requiredPodAntiAffinity: [],
    preferredPodAffinity: [],
    preferredPodAntiAffinity: [],
    ownerKey: null,
    nominatedHost: null,
    ...p,
  };
}

export function placed(uid: string, p: Partial<PlacedPod> = {}): PlacedPod {
  return {
    uid,
    namespace: 'default',
    labels: {},
    priority: 0,
    ownerKey: null,
    cpuMilli: 1000,
    memoryMi: 2 * GI,
    gpuMilli: 0,
    startTime: 0,
    requiredPodAntiAffinity: [],
    terminating: false,
    ...p,
  };
}

/** A deterministic random source (mulberry32). */
export const seeded = mulberry32;
