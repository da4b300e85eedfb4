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
};

export function scheduled<P extends PodState>(pod: P, placement: { zone: string; hostId: string; sandboxId: string }, now: Date): Transition<P> {
  return {
    pod: { ...pod, ...placement, status: 'ContainerCreating', reason: 'ContainerCreating', message: null, scheduledAt: now },
    type: 'MODIFIED',
    reason: 'Scheduled',
    message: `Successfully assigned ${pod.namespace}/${pod.name} to ${placement.hostId}`,
  };
}

export function terminating<P extends PodState>(pod: P, now: Date, why: string): Transition<P> {
  return {
    pod: { ...pod, status: 'Terminating', deletionTimestamp: now },
    type: 'MODIFIED',
    reason: 'Killing',
    message: `Stopping pod ${pod.namespace}/${pod.name}: ${why}`,
  };
}

export function deleted<P extends PodState>(pod: P): Transition<P> {
  return { pod, type: 'DELETED', reason: 'Deleted', message: `Deleted pod ${pod.namespace}/${pod.name}` };
}
