import { describe, expect, it } from 'vitest';
import { simulateAutoscaler } from './simulate';
import { parseHpaSpec } from './spec';
import { DEFAULT_CONTROLLER_CONFIG, type HpaSpec } from './types';

function spec(raw: Record<string, unknown>): HpaSpec {
  const r = parseHpaSpec({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, ...raw }, ['spec']);
  expect(r.errors).toEqual([]);
  return r.spec;
}

const cpu50 = { maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] };

describe('simulateAutoscaler', () => {
  it('scales up at once and holds a scale-down for the 300 s stabilization window', () => {
    const steps = [0, 15, 30, 60, 300, 315, 330].map((at, i) => ({ at, values: [i === 0 ? '100' : '10'] }));
    const d = simulateAutoscaler(spec(cpu50), 2, steps, DEFAULT_CONTROLLER_CONFIG);
    expect(d.map((x) => x.desiredReplicas)).toEqual([4, 4, 4, 4, 4, 1, 1]);
    expect(d[0].rescale?.message).toBe('New size: 4; reason: cpu resource utilization (percentage of request) above target');
    expect(d[5].rescale?.message).toBe('New size: 1; reason: All metrics below target');
    expect(d[1].conditions.find((c) => c.type === 'AbleToScale')?.reason).toBe('ScaleDownStabilized');
  });

  it('applies the rate policies of a behavior over the scale events it made', () => {
    const s = spec({ ...cpu50, maxReplicas: 100, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } } });
    const d = simulateAutoscaler(s, 1, [0, 30, 61].map((at) => ({ at, values: ['500'] })), DEFAULT_CONTROLLER_CONFIG);
    // +2 per 60 s: 1 → 3, then held (the +2 is still in the period), then 3 → 5
    expect(d.map((x) => x.desiredReplicas)).toEqual([3, 3, 5]);
    expect(d[1].rescale).toBeNull();
    expect(d[0].rescale?.limitedBy).toBe('ScaleUpLimit');
  });

  it('keeps the current size while a metric cannot be read', () => {
    const d = simulateAutoscaler(spec(cpu50), 3, [{ at: 0, values: [null] }], DEFAULT_CONTROLLER_CONFIG);
    expect(d[0]).toMatchObject({ currentReplicas: 3, desiredReplicas: 3, rescale: null });
    expect(d[0].conditions.find((c) => c.type === 'ScalingActive')?.status).toBe('False');
  });

  it('scales an External metric workload to zero when idle and wakes it on activation', () => {
    const s = spec({ minReplicas: 0, maxReplicas: 10, metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '10' } } }], behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    const d = simulateAutoscaler(s, 2, [{ at: 0, values: ['0'] }, { at: 15, values: ['0'] }, { at: 30, values: ['35'] }], DEFAULT_CONTROLLER_CONFIG);
    expect(d.map((x) => x.desiredReplicas)).toEqual([0, 0, 4]);
  });
});
