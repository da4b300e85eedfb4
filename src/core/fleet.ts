/**
 * The provider's fleet as configured: regions → zones → groups of identical hosts. Pure: the
 * file is read and validated by adapters/provider/fleet.ts; this expands it into hosts with the
 * labels and taints a virtual node would carry.
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
  TAINT_GPU,
  type CapacityPool,
  type CpuType,
  type GpuModel,
  type Taint,
} from './scheduler/types';

export interface HostGroup {
  /** Host ids are `<zone>-<group>-<0001…>`. */
  name: string;
  count: number;
  cpuMilli: number;
  memoryMi: number;
  /** Most sandboxes the host runs at once. */
  maxPods: number;
  cpuType: CpuType;
  pool: CapacityPool;
  /** GPUs of one model: whole cards (sliceMilli 1000) or vGPU slices of 250 / 500. */
  gpu: { model: GpuModel; cards: number; sliceMilli: 250 | 500 | 1000 } | null;
  labels: Record<string, string>;
  taints: Taint[];
}

export interface Zone {
  name: string;
  hostGroups: HostGroup[];
}

export interface Region {
  name: string;
  /** The currency the region bills in (its price catalog's): CNY or USD. */
  currency: string;
  zones: Zone[];
}

/** The fleet's shape as the control plane sees it (read-only). */
export interface Fleet {
  regions: Region[];
}

/** One host as configured (what it offers; what it runs is the store's business). */
export interface HostSpec {
  id: string;
  region: string;
  zone: string;
  hostGroup: string;
  cpuType: CpuType;
  pool: CapacityPool;
  gpuModel: GpuModel | null;
  gpuSliceMilli: number;
  labels: Record<string, string>;
  taints: Taint[];
  allocatable: { cpuMilli: number; memoryMi: number; gpuMilli: number; pods: number };
}

export function hostId(zone: string, group: string, i: number): string {
  return `${zone}-${group}-${String(i + 1).padStart(4, '0')}`;
}

/** Every host of the fleet, in a stable order (region, zone, group, index). */
export function expandFleet(fleet: Fleet): HostSpec[] {
  const out: HostSpec[] = [];
  for (const region of fleet.regions) {
    for (const zone of region.zones) {
      for (const g of zone.hostGroups) {
        for (let i = 0; i < g.count; i++) {
          const id = hostId(zone.name, g.name, i);
          const labels: Record<string, string> = {
            ...g.labels,
            [LABEL_REGION]: region.name,
            [LABEL_ZONE]: zone.name,
            [LABEL_HOSTNAME]: id,
            [LABEL_INSTANCE_TYPE]: INSTANCE_TYPE_EKLET,
            [LABEL_CPU_TYPE]: g.cpuType,
            [LABEL_CAPACITY_TYPE]: g.pool,
          };
          const taints: Taint[] = [{ key: TAINT_EKLET, value: '', effect: 'NoSchedule' }];
          if (g.gpu) {
            labels[LABEL_GPU_TYPE] = g.gpu.model;
            taints.push({ key: TAINT_GPU, value: 'present', effect: 'NoSchedule' });
          }
          for (const t of g.taints) if (!taints.some((x) => x.key === t.key && x.effect === t.effect)) taints.push(t);
          out.push({
            id,
            region: region.name,
            zone: zone.name,
            hostGroup: g.name,
            cpuType: g.cpuType,
            pool: g.pool,
            gpuModel: g.gpu?.model ?? null,
            gpuSliceMilli: g.gpu?.sliceMilli ?? 0,
            labels,
            taints,
            allocatable: { cpuMilli: g.cpuMilli, memoryMi: g.memoryMi, gpuMilli: g.gpu ? g.gpu.cards * 1000 : 0, pods: g.maxPods },
          });
        }
      }
    }
  }
  return out;
}

/** Hosts per zone name, for listings. */
export function hostCount(zone: Zone): number {
  return zone.hostGroups.reduce((n, g) => n + g.count, 0);
}
