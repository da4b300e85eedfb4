/**
 * The sandbox provider: the provider-side fleet that runs one isolated sandbox per pod.
 * Calls are idempotent and keyed by the pod's uid (never by a sandbox id the control plane may
 * have failed to record), so a reconcile that crashed half-way can simply run again, and a pod
 * deleted before its sandbox id was written still gets its sandbox stopped.
 */
import type { KubeletEvent, ObservedPod } from '../core/kubelet';
import type { RestartPolicy } from '../core/workloads/specs';

export interface SandboxRequest {
  podUid: string;
  /** The cluster the pod belongs to (returned in notifications so the control plane can route them). */
  clusterId: string;
  region: string;
  zone: string;
  hostId: string;
  cpuMilli: number;
  memoryMi: number;
  /** The CPU type and GPU the scheduler chose (gpuMilli 0: no GPU). */
  cpuType: string | null;
  gpuModel: string | null;
  gpuMilli: number;
  spot: boolean;
  annotations: Record<string, string>;
  /** What the sandbox's agent runs (the parts of the pod spec it needs). */
  pod: {
    namespace: string;
    name: string;
    restartPolicy: RestartPolicy;
    terminationGracePeriodSeconds: number;
    containers: { name: string; image: string; readinessProbe?: { initialDelaySeconds?: number; periodSeconds?: number } }[];
  };
  /** Images of this pod that are in the account's image cache (pulled in almost no time). */
  cachedImages: string[];
}

export type SandboxPhase = 'Creating' | 'Running' | 'Stopping' | 'Gone';

export interface SandboxState {
  id: string;
  phase: SandboxPhase;
  /** Where the sandbox actually runs (the provider's word wins over the request). */
  zone: string | null;
  hostId: string | null;
  /**
   * The next instant anything here changes, if the provider knows: the sandbox's next phase
   * (Creating → Running, Stopping → Gone) or the next change of `pod` (pod.nextChangeAt),
   * whichever is first.
   */
  nextChangeAt: number | null;
  /**
   * The pod status the sandbox's agent reports (null: the provider has no record of the sandbox).
   * Creating = the sandbox boots; once Running the pod may be pulling, running, crash-looping or
   * finished. After a stop the status is frozen at the stop time and stays readable, also once
   * the sandbox is Gone, so a finished pod's final status survives releasing its sandbox.
   */
  pod: ObservedPod | null;
  /** The agent's events, when asked for (describeSandboxes' eventsAfter), else []. */
  events: KubeletEvent[];
  /**
   * The provider's billing record of the sandbox (epoch ms): `from` is when the first image pull
   * started (null: not yet, or stopped before it: nothing billable), `until` when the pod
   * terminated (its containers finished, or the sandbox was gone after a stop; null: still
   * billing). Final once set: later reads report the same instants.
   */
  billing: SandboxBilling;
}

export interface SandboxBilling {
  from: number | null;
  until: number | null;
}

/** A sandbox or its pod changed (pushed by the provider); `phase` is the sandbox's phase then. */
export interface SandboxChange {
  sandboxId: string;
  podUid: string;
  clusterId: string;
  phase: SandboxPhase;
}

export interface Provider {
  createSandboxes(requests: SandboxRequest[]): Promise<SandboxState[]>;
  /** Stops the sandboxes of these pods (by pod uid); pods without one are ignored. */
  deleteSandboxes(podUids: string[]): Promise<void>;
  /**
   * The sandbox of each pod (by pod uid), in order. A pod without a sandbox is reported Gone,
   * so "Gone" is the provider's word that nothing runs (and bills) for that pod.
   * When `eventsAfter[i]` is a number, state i carries the agent's events in
   * (eventsAfter[i], min(now, stop time)] (at most the newest 50); null or absent: no events.
   */
  describeSandboxes(podUids: string[], eventsAfter?: (number | null)[]): Promise<SandboxState[]>;
  /**
   * Status notifications: the provider pushes a change at every instant a sandbox's state
   * changes (its phase: Creating → Running, Stopping → Gone; or its pod's status: pull, start,
   * ready, exit, restart…), i.e. at every nextChangeAt; `phase` is the sandbox's phase then.
   * Best effort, as a cloud provider's event stream is: controllers also re-read state with
   * describeSandboxes, so a lost notification only delays a transition. Returns unsubscribe.
   */
  watch(listener: (changes: SandboxChange[]) => void): () => void;
  /**
   * Drops the provider's records of a cluster's sandboxes that were gone before `goneBefore` (ms)
   * and whose pods no longer exist (at most `limit`); returns how many. A cloud lists terminated
   * instances for a while, then forgets them: this bounds what the provider keeps per pod.
   */
  forgetGone(clusterId: string, goneBefore: number, limit: number): Promise<number>;
}

export type { Fleet, Region, Zone, HostGroup } from '../core/fleet';
