/**
 * How the pod loop turns what a sandbox reports (core/kubelet's ObservedPod and events) into
 * the stored pod: phase, STATUS text, readiness, restarts, container statuses, when to look
 * again, and the events to record. Pure.
 */
import type { KubeletEvent, ObservedPod } from './kubelet';
import type { PodState, WatchType } from './lifecycle';

/** The pod fields the sandbox's report sets (lifecycle's PodState plus readiness, restarts, timing). */
export type ObservablePod = Pick<PodState, 'namespace' | 'name' | 'phase' | 'status' | 'reason' | 'message' | 'sandboxId' | 'startedAt'> & {
  ready: boolean;
  readyAt: Date | null;
  restartCount: number;
  finishedAt: Date | null;
  nextCheckAt: Date | null;
  syncedAt: Date | null;
  containerStatuses?: unknown;
  /** Holds its host's capacity; a finished pod gives it back. */
  allocated?: boolean;
  /** The provider's billing record: first image pull, and termination. */
  billingFrom?: Date | null;
  billingUntil?: Date | null;
};

export interface SandboxReport {
  phase: string;
  pod: ObservedPod | null;
  events: KubeletEvent[];
  nextChangeAt: number | null;
  /** The provider's billing record (ports/provider SandboxBilling); absent: unknown. */
  billing?: { from: number | null; until: number | null };
}

export interface PodEvent {
  type: WatchType;
  eventType: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** When it happened by the source's clock (the sandbox agent's), if it says. */
  at?: number;
}

export interface Observation<P> {
  pod: P;
  events: PodEvent[];
  /** The pod finished (or lost its sandbox): its sandbox is to be released now. */
  released: boolean;
  /** Something its controller cares about changed (phase, readiness, restarts, finish). */
  changed: boolean;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));
const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

export function observedTransition<P extends ObservablePod>(pod: P, report: SandboxReport, now: number): Observation<P> {
  const o = report.pod;
  if (o === null) {
    // a pod that was billing stops billing now (the provider keeps no record to say when)
    const billingUntil = pod.billingFrom ? (pod.billingUntil ?? new Date(now)) : (pod.billingUntil ?? null);
    const next = { ...pod, phase: 'Failed', status: 'Error', reason: 'SandboxLost', message: 'the provider has no sandbox for this pod', ready: false, readyAt: null, finishedAt: new Date(now), sandboxId: null, nextCheckAt: null, syncedAt: new Date(now), allocated: false, billingUntil };
    return { pod: next, released: true, changed: true, events: [{ type: 'MODIFIED', eventType: 'Warning', reason: 'SandboxLost', message: `The sandbox of pod ${pod.namespace}/${pod.name} is gone` }] };
  }
  const finished = o.phase === 'Succeeded' || o.phase === 'Failed';
  const next: P = {
    ...pod,
    phase: o.phase,
    status: o.status,
    reason: o.reason,
    message: null,
    ready: o.ready,
    readyAt: date(o.readySince),
    restartCount: o.restartCount,
    startedAt: date(o.startedAt) ?? pod.startedAt,
    finishedAt: date(o.finishedAt),
    containerStatuses: o.containerStatuses,
    sandboxId: finished ? null : pod.sandboxId,
    allocated: finished ? false : pod.allocated,
    nextCheckAt: finished ? null : date(report.nextChangeAt),
    syncedAt: new Date(now),
    ...(report.billing ? { billingFrom: pod.billingFrom ?? date(report.billing.from), billingUntil: pod.billingUntil ?? date(report.billing.until) } : {}),
  };
  const changed = pod.phase !== next.phase || pod.status !== next.status || pod.ready !== next.ready || pod.restartCount !== next.restartCount || !same(pod.finishedAt, next.finishedAt);
  const events: PodEvent[] = report.events.map((e) => ({ type: 'MODIFIED', eventType: e.type, reason: e.reason, message: e.message, at: e.at }));
  if (finished && pod.phase !== o.phase) {
    const exit = o.containerStatuses.map((c) => ('terminated' in c.state ? c.state.terminated.exitCode : null)).find((x) => x !== null) ?? null;
    events.push(o.phase === 'Succeeded'
      ? { type: 'MODIFIED', eventType: 'Normal', reason: 'Completed', message: `Pod ${pod.namespace}/${pod.name} completed${exit !== null ? ` (exit code ${exit})` : ''}`, ...(o.finishedAt !== null ? { at: o.finishedAt } : {}) }
      : { type: 'MODIFIED', eventType: 'Warning', reason: 'Failed', message: `Pod ${pod.namespace}/${pod.name} failed${exit !== null ? ` (exit code ${exit})` : ''}`, ...(o.finishedAt !== null ? { at: o.finishedAt } : {}) });
  } else if (changed && events.length === 0) {
    if (pod.ready !== next.ready) events.push({ type: 'MODIFIED', eventType: 'Normal', reason: next.ready ? 'Ready' : 'NotReady', message: `Pod ${pod.namespace}/${pod.name} is ${next.ready ? 'ready' : 'not ready'}` });
    else events.push({ type: 'MODIFIED', eventType: 'Normal', reason: 'StatusUpdated', message: `Pod ${pod.namespace}/${pod.name} is ${next.status}` });
  }
  return { pod: next, events, released: finished, changed };
}
