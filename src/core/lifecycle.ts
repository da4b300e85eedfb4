/**
 * The pod lifecycle as a pure state machine. Each transition takes the pod's current state and
 * returns the new state plus the Kubernetes-style event (watch type, reason, message) to record.
 *
 *   (created) ──► Pending ──schedule──► Pending/ContainerCreating ──► what the sandbox reports
 *        (core/podstatus.ts: Running, CrashLoopBackOff, Completed, Error, …)
 *   any state ──delete──► Terminating ──sandbox gone──► (deleted)
 */

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface PodState {
  namespace: string;
  name: string;
  phase: string;
  status: string;
  reason: string | null;
  message: string | null;
  zone: string | null;
  hostId: string | null;
  sandboxId: string | null;
  scheduledAt: Date | null;
  startedAt: Date | null;
  deletionTimestamp: Date | null;
}

export interface Transition<P extends PodState> {
  pod: P;
  type: WatchType;
  reason: string;
  message: string;
}

export const initialPodState = {
  phase: 'Pending',
  status: 'Pending',
  reason: null,
  message: null,
  zone: null,
  hostId: null,
  sandboxId: null,
  scheduledAt: null,
  startedAt: null,
  deletionTimestamp: null,
  ready: false,
  readyAt: null,
  restartCount: 0,
  finishedAt: null,
  nextCheckAt: null,
  syncedAt: null,
  containerStatuses: [] as never[],
  cpuType: null,
  gpuModel: null,
  allocated: false,
  schedulingAttempts: 0,
  nextScheduleAt: null,
  nominatedHost: null,
  // what admission sets (app/admission.ts), before it does
  gpuMilli: 0,
  priority: 0,
  preemptionPolicy: 'PreemptLowerPriority',
  spot: false,
  requestCpuMilli: 0,
  requestMemoryBytes: 0,
  limitCpuMilli: 0,
  limitMemoryBytes: 0,
};

/** What a pod is bound to: a host, and what it takes there (the placement option chosen). */
export interface Binding {
  zone: string;
  hostId: string;
  billedCpuMilli: number;
  billedMemoryMi: number;
  cpuType: string | null;
  gpuModel: string | null;
  gpuMilli: number;
}

/** The scheduler bound the pod (its sandbox is created next): PodScheduled, holding the host's capacity. */
export function scheduled<P extends PodState>(pod: P, placement: Binding, now: Date): Transition<P> {
  return {
    pod: { ...pod, ...placement, allocated: true, schedulingAttempts: 0, nextScheduleAt: null, nominatedHost: null, status: 'ContainerCreating', reason: 'ContainerCreating', message: null, scheduledAt: now },
    type: 'MODIFIED',
    reason: 'Scheduled',
    message: `Successfully assigned ${pod.namespace}/${pod.name} to ${placement.hostId}`,
  };
}

export function terminating<P extends PodState>(pod: P, now: Date, why: string, reason = 'Killing'): Transition<P> {
  return {
    pod: { ...pod, status: 'Terminating', deletionTimestamp: now },
    type: 'MODIFIED',
    reason,
    message: reason === 'Killing' ? `Stopping pod ${pod.namespace}/${pod.name}: ${why}` : why,
  };
}

/**
 * The scheduler found no host: PodScheduled=False (Unschedulable), retried after the back-off.
 * The FailedScheduling event is recorded when the reason is new (first attempt or a changed
 * message), as Kubernetes' event recorder folds repeats of the same event into one.
 */
export function unschedulable<P extends PodState & { schedulingAttempts: number; nominatedHost: string | null }>(
  pod: P,
  message: string,
  retryAt: Date,
  nominatedHost: string | null,
): Transition<P> & { repeat: boolean } {
  return {
    pod: { ...pod, reason: 'Unschedulable', message, schedulingAttempts: pod.schedulingAttempts + 1, nextScheduleAt: retryAt, nominatedHost },
    type: 'MODIFIED',
    reason: 'FailedScheduling',
    message,
    repeat: pod.reason === 'Unschedulable' && pod.message === message && pod.nominatedHost === nominatedHost,
  };
}

export function deleted<P extends PodState>(pod: P): Transition<P> {
  return { pod, type: 'DELETED', reason: 'Deleted', message: `Deleted pod ${pod.namespace}/${pod.name}` };
}

/** The earlier of two optional instants (ms); null when neither is set. */
export const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
