import { describe, expect, it } from 'vitest';
import { observedTransition, type ObservablePod, type SandboxReport } from './podstatus';
import type { ObservedPod } from './kubelet';

const T = Date.UTC(2026, 10, 1);
const pod = (over: Partial<ObservablePod> = {}): ObservablePod => ({
  namespace: 'default',
  name: 'web-0',
  phase: 'Pending',
  status: 'ContainerCreating',
  reason: null,
  message: null,
  sandboxId: 'sbx-1',
  startedAt: null,
  ready: false,
  readyAt: null,
  restartCount: 0,
  finishedAt: null,
  nextCheckAt: null,
  syncedAt: null,
  billingFrom: null,
  billingUntil: null,
  ...over,
});
const observed = (over: Partial<ObservedPod> = {}): ObservedPod => ({ phase: 'Running', status: 'Running', reason: null, ready: true, readySince: T, restartCount: 0, startedAt: T, finishedAt: null, containerStatuses: [], nextChangeAt: null, ...over });
const report = (over: Partial<SandboxReport> = {}): SandboxReport => ({ phase: 'Running', pod: observed(), events: [], nextChangeAt: null, ...over });

describe('observedTransition: billing and event times', () => {
  it('records the billable period the provider reports, and keeps the first one it saw', () => {
    const started = observedTransition(pod(), report({ billing: { from: T - 1000, until: null } }), T);
    expect([started.pod.billingFrom, started.pod.billingUntil]).toEqual([new Date(T - 1000), null]);
    const again = observedTransition(started.pod, report({ billing: { from: T - 5000, until: T + 9000 } }), T + 10_000);
    expect([again.pod.billingFrom, again.pod.billingUntil]).toEqual([new Date(T - 1000), new Date(T + 9000)]);
  });

  it('leaves the billing fields alone when the report carries no billing record', () => {
    const o = observedTransition(pod({ billingFrom: new Date(T) }), report(), T + 1000);
    expect([o.pod.billingFrom, o.pod.billingUntil]).toEqual([new Date(T), null]);
  });

  it('stops billing a pod whose sandbox the provider lost at the moment it is seen lost, and a never-billed one not at all', () => {
    const lost = observedTransition(pod({ billingFrom: new Date(T) }), report({ pod: null, billing: { from: null, until: null } }), T + 7000);
    expect(lost.pod).toMatchObject({ phase: 'Failed', reason: 'SandboxLost', billingUntil: new Date(T + 7000) });
    expect(observedTransition(pod(), report({ pod: null }), T + 7000).pod.billingUntil).toBeNull();
  });

  it("dates the agent's events and a pod's exit by the source's clock", () => {
    const o = observedTransition(
      pod({ phase: 'Running', status: 'Running', startedAt: new Date(T) }),
      report({ pod: observed({ phase: 'Succeeded', status: 'Completed', ready: false, readySince: null, finishedAt: T + 4000 }), events: [{ at: T + 100, type: 'Normal', reason: 'Pulling', message: 'Pulling image "nginx"' }] }),
      T + 9000,
    );
    expect(o.events.map((e) => [e.reason, e.at])).toEqual([
      ['Pulling', T + 100],
      ['Completed', T + 4000],
    ]);
  });
});
