/**
 * The sandbox provider: the provider-side fleet that runs one isolated sandbox per pod.
 * Calls are idempotent and keyed by the pod's uid (never by a sandbox id the control plane may
 * have failed to record), so a reconcile that crashed half-way can simply run again, and a pod
 * deleted before its sandbox id was written still gets its sandbox stopped.
 */
export interface SandboxRequest {
  podUid: string;
  /** The cluster the pod belongs to (returned in notifications so the control plane can route them). */
  clusterId: string;
  region: string;
  zone: string;
  hostId: string;
  cpuMilli: number;
  memoryMi: number;
  annotations: Record<string, string>;
}

export type SandboxPhase = 'Creating' | 'Running' | 'Stopping' | 'Gone';

export interface SandboxState {
  id: string;
  phase: SandboxPhase;
  /** Where the sandbox actually runs (the provider's word wins over the request). */
  zone: string | null;
  hostId: string | null;
  /** When a Creating sandbox will be Running, or a Stopping one Gone, if the provider knows. */
  nextChangeAt: number | null;
}

/** A sandbox reached a new phase (pushed by the provider). */
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
   */
  describeSandboxes(podUids: string[]): Promise<SandboxState[]>;
  /**
   * Status notifications: the provider pushes phase changes (Creating → Running, Stopping →
   * Gone). Best effort, as a cloud provider's event stream is: controllers also re-read state
   * with describeSandboxes, so a lost notification only delays a transition. Returns unsubscribe.
   */
  watch(listener: (changes: SandboxChange[]) => void): () => void;
}

export interface Region {
  name: string;
  zones: { name: string; hosts: number }[];
}

/** The fleet's shape as the control plane sees it (read-only). */
export interface Fleet {
  regions: Region[];
}
