import { describe, expect, it } from 'vitest';
import { filter, score } from '.';
import { defaultNormalizeScore } from '../../normalize';
import { host, pod } from '../../testing';
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../types';

const h = host('host-1', { extraLabels: { disk: 'ssd', gen: '5', tier: 'gold' } });
const expr = (key: string, operator: NodeSelectorRequirement['operator'], values: string[] = []): NodeSelectorTerm => ({
  matchExpressions: [{ key, operator, values }],
  matchFields: [],
});

describe('NodeAffinity filter', () => {
  const cases: { name: string; nodeSelector?: Record<string, string>; required?: NodeSelectorTerm[] | null; fits: boolean }[] = [
    { name: 'no requirement fits', fits: true },
    { name: 'a nodeSelector whose pairs all match fits', nodeSelector: { disk: 'ssd', tier: 'gold' }, fits: true },
    { name: 'a nodeSelector with one pair off fails', nodeSelector: { disk: 'ssd', tier: 'silver' }, fits: false },
    { name: 'In with the host value fits', required: [expr('disk', 'In', ['hdd', 'ssd'])], fits: true },
    { name: 'In without the host value fails', required: [expr('disk', 'In', ['hdd'])], fits: false },
    { name: 'NotIn fits a host without the label', required: [expr('absent', 'NotIn', ['x'])], fits: true },
    { name: 'NotIn with the host value fails', required: [expr('disk', 'NotIn', ['ssd'])], fits: false },
    { name: 'Exists fits a labelled host', required: [expr('disk', 'Exists')], fits: true },
    { name: 'DoesNotExist fails a labelled host', required: [expr('disk', 'DoesNotExist')], fits: false },
    { name: 'Gt compares integers (5 > 4)', required: [expr('gen', 'Gt', ['4'])], fits: true },
    { name: 'Gt is strict (5 > 5 is false)', required: [expr('gen', 'Gt', ['5'])], fits: false },
    { name: 'Lt compares integers (5 < 10, not as strings)', required: [expr('gen', 'Lt', ['10'])], fits: true },
    { name: 'Gt on a non-integer label fails', required: [expr('disk', 'Gt', ['1'])], fits: false },
    { name: 'terms are ORed', required: [expr('disk', 'In', ['hdd']), expr('tier', 'In', ['gold'])], fits: true },
    {
      name: 'expressions within a term are ANDed',
      required: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'tier', operator: 'In', values: ['silver'] }], matchFields: [] }],
      fits: false,
    },
    { name: 'an empty term matches nothing', required: [{ matchExpressions: [], matchFields: [] }], fits: false },
    { name: 'an empty list of terms matches nothing', required: [], fits: false },
    { name: 'matchFields metadata.name In the host id fits', required: [{ matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host-1'] }] }], fits: true },
    { name: 'matchFields metadata.name NotIn the host id fails', required: [{ matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['host-1'] }] }], fits: false },
    { name: 'matchFields on another field matches nothing', required: [{ matchExpressions: [], matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['host-1'] }] }], fits: false },
    { name: 'nodeSelector and affinity must both hold', nodeSelector: { disk: 'ssd' }, required: [expr('tier', 'In', ['silver'])], fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const st = filter(pod('p', { nodeSelector: c.nodeSelector ?? {}, requiredNodeAffinity: c.required ?? null }), h);
      if (c.fits) expect(st).toBeNull();
      else expect(st).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] });
    });
  }
});

describe('NodeAffinity score', () => {
  it('sums the weights of the matching preferred terms and normalizes 100 × s / max', () => {
    const preferred = [
      { weight: 5, preference: expr('disk', 'In', ['ssd']) },
      { weight: 3, preference: expr('tier', 'In', ['gold']) },
      { weight: 7, preference: expr('disk', 'In', ['hdd']) },
    ];
    const other = host('host-2', { extraLabels: { disk: 'hdd' } });
    const raw = [score(preferred, h), score(preferred, other), score(preferred, host('host-3'))];
    expect(raw).toEqual([8, 7, 0]);
    defaultNormalizeScore(raw, 3, false);
    expect(raw).toEqual([100, 87, 0]);
  });
});
