/**
 * The sandbox provider: the provider-side fleet that runs one isolated sandbox per pod.
 * Calls are idempotent (a sandbox is keyed by the pod's uid), so a reconcile that crashed
 * half-way can simply run again.
 */
export interface SandboxRequest {
  podUid: string;
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

export interface Provider {
  createSandboxes(requests: SandboxRequest[]): Promise<SandboxState[]>;
  deleteSandboxes(ids: string[]): Promise<void>;
  /** Unknown ids are reported as Gone. */
  describeSandboxes(ids: string[]): Promise<SandboxState[]>;
}

export interface Region {
  name: string;
  zones: { name: string; hosts: number }[];
}

/** The fleet's shape as the control plane sees it (read-only). */
export interface Fleet {
  regions: Region[];
}
