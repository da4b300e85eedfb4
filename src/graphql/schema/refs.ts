import type { Cluster, Workload } from '../../generated/prisma/client';
import type { PodSnapshot } from '../../adapters/prisma/objects';
import { builder } from '../builder';

/** What the Pod type reads: a stored row or an event's snapshot of one (dates revived). */
export interface PodView {
  id: string;
  uid: string;
  clusterId: string;
  namespace: string;
  name: string;
  ownerKind: string | null;
  ownerName: string | null;
  labels: unknown;
  phase: string;
  status: string;
  reason: string | null;
  message: string | null;
  billedCpuMilli: number;
  billedMemoryMi: number;
  zone: string | null;
  hostId: string | null;
  createdAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  deletionTimestamp: Date | null;
  resourceVersion: number;
}

const date = (s: string | null) => (s === null ? null : new Date(s));

export function podViewFromSnapshot(s: PodSnapshot): PodView {
  return { ...s, createdAt: new Date(s.createdAt), scheduledAt: date(s.scheduledAt), startedAt: date(s.startedAt), deletionTimestamp: date(s.deletionTimestamp) };
}

export const ClusterRef = builder.objectRef<Cluster>('Cluster');
export const WorkloadRef = builder.objectRef<Workload>('Workload');
export const PodRef = builder.objectRef<PodView>('Pod');
