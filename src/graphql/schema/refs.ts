import type { Cluster, Workload } from '../../generated/prisma/client';
import type { PodSnapshot } from '../../adapters/prisma/objects';
import { builder } from '../builder';

/** What the Pod type reads: a stored row or an event's snapshot of one (dates revived). */
export type PodView = Omit<PodSnapshot, 'labels' | 'createdAt' | 'scheduledAt' | 'startedAt' | 'deletionTimestamp' | 'finishedAt'> & {
  labels: unknown;
  createdAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  deletionTimestamp: Date | null;
  finishedAt: Date | null;
  /** Only on stored rows (event snapshots leave them out). */
  containerStatuses?: unknown;
  index?: number | null;
};

const date = (s: string | null) => (s === null ? null : new Date(s));

export function podViewFromSnapshot(s: PodSnapshot): PodView {
  return { ...s, createdAt: new Date(s.createdAt), scheduledAt: date(s.scheduledAt), startedAt: date(s.startedAt), deletionTimestamp: date(s.deletionTimestamp), finishedAt: date(s.finishedAt ?? null), ready: s.ready ?? false, restartCount: s.restartCount ?? 0 };
}

export const ClusterRef = builder.objectRef<Cluster>('Cluster');
export const WorkloadRef = builder.objectRef<Workload>('Workload');
export const PodRef = builder.objectRef<PodView>('Pod');
