/**
 * What the pure workload controllers (ReplicaSet, Deployment, StatefulSet, Job, CronJob) read
 * and return. A controller is a function (stored objects, now) → SyncResult: the exact writes
 * to make and when to run again. The I/O around it (src/controllers) loads the objects, applies
 * the result in one transaction, records events and requeues.
 */
import type { PodSpec } from './specs';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** What a workload controller knows of one of its pods. */
export interface PodInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** pod-template-hash (ReplicaSet pods) or controller-revision-hash (StatefulSet pods). */
  templateHash: string | null;
  /** StatefulSet ordinal or Job completion index; null otherwise. */
  index: number | null;
  phase: PodPhase;
  /** Bound to a host. */
  scheduled: boolean;
  /** The Ready condition is True. */
  ready: boolean;
  /** When Ready last turned True (null while not ready). */
  readySince: Date | null;
  /** Sum of the containers' restart counts. */
  restartCount: number;
  createdAt: Date;
  /** When the pod reached Succeeded or Failed. */
  finishedAt: Date | null;
  /** Set once the pod is being deleted (Terminating). */
  deletionTimestamp: Date | null;
}

/** A pod to create. The I/O layer appends a random 5-character suffix to `generateName`. */
export interface PodToCreate {
  /** Exact name (StatefulSet pods) … */
  name?: string;
  /** … or a prefix for a generated one (`web-5d9f-`, `pi-`). */
  generateName?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
  templateHash: string | null;
  index: number | null;
}

/** A pod to delete gracefully (it turns Terminating, then goes once its sandbox stops). */
export interface PodToDelete {
  id: string;
  /** Why, for the `Killing` event: "scaled down to 3", "job failed: BackoffLimitExceeded". */
  why: string;
}

/** A Kubernetes Event on the workload itself (`kubectl describe` shows these). */
export interface WorkloadEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * The common part of every controller's result. `SuccessfulCreate` / `SuccessfulDelete` events
 * for pods are added by the I/O layer once it knows the generated names; everything else the
 * controller wants recorded is in `events`.
 */
export interface SyncResult<Status> {
  createPods: PodToCreate[];
  deletePods: PodToDelete[];
  /** The workload's new status (written only if it differs from the stored one). */
  status: Status;
  events: WorkloadEvent[];
  /** Run again after this many ms (a timed transition: back-off, deadline, minReadySeconds…); null if only a change should wake it. */
  requeueAfterMs: number | null;
}

/** Whether a pod counts as available: Ready for at least minReadySeconds at `now`. */
export function isAvailable(pod: Pick<PodInfo, 'ready' | 'readySince' | 'deletionTimestamp'>, minReadySeconds: number, now: number): boolean {
  if (!pod.ready || pod.readySince === null || pod.deletionTimestamp !== null) return false;
  return minReadySeconds <= 0 || pod.readySince.getTime() + minReadySeconds * 1000 <= now;
}

/** A live pod: not finished and not being deleted. */
export function isActive(pod: Pick<PodInfo, 'phase' | 'deletionTimestamp'>): boolean {
  return pod.deletionTimestamp === null && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}
