import { describe, expect, it } from 'vitest';
import { defaultNormalizeScore, filter, preferNoScheduleTolerations, score } from '.';
import { toleratesTaint } from '../../selectors';
import type { Taint, Toleration } from '../../types';

const taint = (key: string, value: string, effect: Taint['effect']): Taint => ({ key, value, effect });
const tol = (key: string, operator: Toleration['operator'], value: string, effect: Toleration['effect']): Toleration => ({ key, operator, value, effect });

describe('toleration matching (core/v1 ToleratesTaint)', () => {
  const cases: { name: string; t: Toleration; taint: Taint; want: boolean }[] = [
    { name: 'Equal with the same key, value and effect tolerates', t: tol('k', 'Equal', 'v', 'NoSchedule'), taint: taint('k', 'v', 'NoSchedule'), want: true },
    { name: 'Equal with another value does not tolerate', t: tol('k', 'Equal', 'w', 'NoSchedule'), taint: taint('k', 'v', 'NoSchedule'), want: false },
    { name: 'Exists ignores the value', t: tol('k', 'Exists', '', 'NoSchedule'), taint: taint('k', 'v', 'NoSchedule'), want: true },
    { name: 'another key does not tolerate', t: tol('j', 'Exists', '', 'NoSchedule'), taint: taint('k', 'v', 'NoSchedule'), want: false },
    { name: 'another effect does not tolerate', t: tol('k', 'Exists', '', 'NoExecute'), taint: taint('k', 'v', 'NoSchedule'), want: false },
    { name: 'an empty effect matches every effect', t: tol('k', 'Exists', '', ''), taint: taint('k', 'v', 'NoExecute'), want: true },
    { name: 'an empty key with Exists tolerates everything', t: tol('', 'Exists', '', ''), taint: taint('any', 'thing', 'NoSchedule'), want: true },
    { name: 'Equal with empty values tolerates an empty-valued taint', t: tol('nvidia.com/gpu', 'Equal', '', 'NoSchedule'), taint: taint('nvidia.com/gpu', '', 'NoSchedule'), want: true },
  ];
  for (const c of cases) {
    it(c.name, () => expect(toleratesTaint(c.t, c.taint)).toBe(c.want));
  }
});

describe('TaintToleration filter', () => {
  it('reports the first untolerated NoSchedule/NoExecute taint in kube-scheduler format', () => {
    const st = filter([], [taint('soft', 'x', 'PreferNoSchedule'), taint('nvidia.com/gpu', '', 'NoSchedule'), taint('b', 'c', 'NoExecute')]);
    expect(st).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {nvidia.com/gpu: }'], plugin: 'TaintToleration' });
  });

  it('prints the taint value between the braces', () => {
    expect(filter([], [taint('dedicated', 'infra', 'NoExecute')])?.reasons).toEqual(['node(s) had untolerated taint {dedicated: infra}']);
  });

  it('passes when every hard taint is tolerated and ignores PreferNoSchedule', () => {
    expect(filter([tol('a', 'Exists', '', '')], [taint('a', '1', 'NoSchedule'), taint('p', '', 'PreferNoSchedule')])).toBeNull();
  });
});

describe('TaintToleration score', () => {
  it('counts untolerated PreferNoSchedule taints, only PreferNoSchedule or empty-effect tolerations counting', () => {
    const taints = [taint('a', '', 'PreferNoSchedule'), taint('b', '', 'PreferNoSchedule'), taint('c', '', 'NoSchedule')];
    const tols = preferNoScheduleTolerations([tol('a', 'Exists', '', 'NoSchedule'), tol('b', 'Exists', '', '')]);
    expect(score(tols, taints)).toBe(1);
  });

  it('reverse-normalizes so the host with the fewest gets 100 (DefaultNormalizeScore)', () => {
    const s = [0, 1, 3, 2];
    defaultNormalizeScore(s, 4, true);
    expect(s).toEqual([100, 67, 0, 34]);
  });

  it('gives everyone 100 when no host has an untolerated PreferNoSchedule taint', () => {
    const s = [0, 0, 0];
    defaultNormalizeScore(s, 3, true);
    expect(s).toEqual([100, 100, 100]);
  });
});
