import { describe, expect, it } from 'vitest';
import { autoscalerMetricKeys, MAX_INDEXED_LABELS, RESOURCE_KEY, reportCandidateKeys } from './metricKeys';
import { labelsMatch } from './pods';
import { parseHpaSpec } from './spec';
import type { HpaSpec, MetricSelector } from './types';

function externalSpec(selector?: MetricSelector): HpaSpec {
  const r = parseHpaSpec(
    { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'w' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'External', external: { metric: { name: 'queue', ...(selector ? { selector } : {}) }, target: { type: 'AverageValue', averageValue: '10' } } }] },
    ['spec'],
  );
  expect(r.errors).toEqual([]);
  return r.spec;
}

const found = (spec: HpaSpec, labels: Record<string, string>) => {
  const keys = new Set(autoscalerMetricKeys(spec));
  return reportCandidateKeys({ source: 'External', name: 'queue' }, labels).some((k) => keys.has(k));
};

describe('metric keys', () => {
  const cases: [name: string, selector: MetricSelector | undefined, labels: Record<string, string>][] = [
    ['no selector: every series', undefined, { queue: 'a', region: 'x' }],
    ['matchLabels that the series carries', { matchLabels: { queue: 'a' } }, { queue: 'a', region: 'x' }],
    ['matchLabels that the series does not carry', { matchLabels: { queue: 'b' } }, { queue: 'a' }],
    ['two matchLabels, both carried', { matchLabels: { queue: 'a', region: 'x' } }, { region: 'x', queue: 'a', zone: 'z' }],
    ['two matchLabels, one missing', { matchLabels: { queue: 'a', region: 'y' } }, { region: 'x', queue: 'a' }],
    ['matchExpressions', { matchExpressions: [{ key: 'queue', operator: 'In', values: ['a', 'b'] }] }, { queue: 'c' }],
  ];
  it.each(cases)('finds the autoscaler for a report whenever its selector can match: %s', (_n, selector, labels) => {
    const spec = externalSpec(selector);
    // never misses one that matches; only expression selectors are over-approximated
    if (labelsMatch(labels, selector)) expect(found(spec, labels)).toBe(true);
    if (!selector?.matchExpressions) expect(found(spec, labels)).toBe(labelsMatch(labels, selector));
  });

  it('marks an autoscaler that reads pod usage, and only that one', () => {
    const cpu = parseHpaSpec({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'w' }, maxReplicas: 3 }, ['spec']).spec;
    expect(autoscalerMetricKeys(cpu)).toEqual([RESOURCE_KEY]);
    expect(autoscalerMetricKeys(externalSpec())).not.toContain(RESOURCE_KEY);
  });

  it('does not find an autoscaler of another metric or object', () => {
    const spec = externalSpec();
    const keys = new Set(autoscalerMetricKeys(spec));
    expect(reportCandidateKeys({ source: 'External', name: 'other' }, {}).some((k) => keys.has(k))).toBe(false);
    expect(reportCandidateKeys({ source: 'Object', name: 'queue', object: 'Ingress/x' }, {}).some((k) => keys.has(k))).toBe(false);
  });

  it('falls back to the metric name for reports with many labels', () => {
    const labels = Object.fromEntries(Array.from({ length: MAX_INDEXED_LABELS + 1 }, (_, i) => [`l${i}`, 'v']));
    expect(reportCandidateKeys({ source: 'External', name: 'queue' }, labels)).toEqual(['External/queue/*']);
    expect(found(externalSpec({ matchLabels: { l0: 'v' } }), labels)).toBe(true);
  });
});
