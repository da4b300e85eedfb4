import { describe, expect, it } from 'vitest';
import { defaultProfile, validateProfile, type Profile } from '.';

describe('default profile', () => {
  it('packs (MostAllocated cpu:1 memory:1) with kube-scheduler’s plugin weights and backoff, scoring the same first hosts, ties to the fuller, zone spread only', () => {
    expect(defaultProfile()).toEqual({
      scoreWeights: { NodeResourcesFit: 1, NodeResourcesBalancedAllocation: 1, TaintToleration: 3, NodeAffinity: 2, PodTopologySpread: 2, InterPodAffinity: 2 },
      scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] },
      balancedResources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }],
      percentageOfNodesToScore: null,
      podInitialBackoffMs: 1000,
      podMaxBackoffMs: 10000,
      tieBreak: 'Fullest',
      hostOrder: 'FromFirst',
      defaultSpreadConstraints: [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 5 }],
    });
    expect(validateProfile(defaultProfile())).toEqual([]);
  });

  it('returns a fresh object each time', () => {
    const a = defaultProfile();
    a.scoreWeights.NodeAffinity = 9;
    expect(defaultProfile().scoreWeights.NodeAffinity).toBe(2);
  });
});

describe('validateProfile', () => {
  const d = defaultProfile();
  const cases: { name: string; p: Profile; problem: string }[] = [
    { name: 'a resource weight of 0', p: { ...d, scoringStrategy: { ...d.scoringStrategy, resources: [{ name: 'cpu', weight: 0 }] } }, problem: 'scoringStrategy.resources[0].weight' },
    { name: 'a negative resource weight', p: { ...d, scoringStrategy: { ...d.scoringStrategy, resources: [{ name: 'memory', weight: -1 }, { name: 'cpu', weight: 1 }] } }, problem: 'scoringStrategy.resources[0].weight' },
    { name: 'a resource weight above 100', p: { ...d, scoringStrategy: { ...d.scoringStrategy, resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 101 }] } }, problem: 'scoringStrategy.resources[1].weight' },
    { name: 'no resources', p: { ...d, scoringStrategy: { ...d.scoringStrategy, resources: [] } }, problem: 'scoringStrategy.resources: at least one resource' },
    { name: 'a duplicate resource', p: { ...d, balancedResources: [{ name: 'cpu', weight: 1 }, { name: 'cpu', weight: 1 }] }, problem: 'balancedResources[1].name: duplicate' },
    { name: 'an unknown resource', p: { ...d, balancedResources: [{ name: 'ephemeral-storage' as 'cpu', weight: 1 }] }, problem: 'balancedResources[0].name: unsupported' },
    { name: 'an unknown strategy', p: { ...d, scoringStrategy: { ...d.scoringStrategy, type: 'Random' as 'MostAllocated' } }, problem: 'scoringStrategy.type' },
    { name: 'RequestedToCapacityRatio without a shape', p: { ...d, scoringStrategy: { ...d.scoringStrategy, type: 'RequestedToCapacityRatio' } }, problem: 'scoringStrategy.shape: at least one point' },
    {
      name: 'shape utilizations not increasing',
      p: { ...d, scoringStrategy: { ...d.scoringStrategy, type: 'RequestedToCapacityRatio', shape: [{ utilization: 50, score: 1 }, { utilization: 50, score: 2 }] } },
      problem: 'scoringStrategy.shape[1].utilization: utilization values must be sorted',
    },
    {
      name: 'a shape score above 10',
      p: { ...d, scoringStrategy: { ...d.scoringStrategy, type: 'RequestedToCapacityRatio', shape: [{ utilization: 0, score: 11 }] } },
      problem: 'scoringStrategy.shape[0].score',
    },
    {
      name: 'a shape utilization above 100',
      p: { ...d, scoringStrategy: { ...d.scoringStrategy, type: 'RequestedToCapacityRatio', shape: [{ utilization: 101, score: 1 }] } },
      problem: 'scoringStrategy.shape[0].utilization',
    },
    { name: 'a plugin weight above 100', p: { ...d, scoreWeights: { ...d.scoreWeights, PodTopologySpread: 101 } }, problem: 'scoreWeights.PodTopologySpread' },
    { name: 'a fractional plugin weight', p: { ...d, scoreWeights: { ...d.scoreWeights, NodeAffinity: 1.5 } }, problem: 'scoreWeights.NodeAffinity' },
    { name: 'an unknown score plugin', p: { ...d, scoreWeights: { ...d.scoreWeights, ImageLocality: 1 } as Profile['scoreWeights'] }, problem: 'scoreWeights.ImageLocality: unknown score plugin' },
    { name: 'a percentage above 100', p: { ...d, percentageOfNodesToScore: 101 }, problem: 'percentageOfNodesToScore' },
    { name: 'a negative percentage', p: { ...d, percentageOfNodesToScore: -1 }, problem: 'percentageOfNodesToScore' },
    { name: 'a zero initial backoff', p: { ...d, podInitialBackoffMs: 0 }, problem: 'podInitialBackoffMs' },
    { name: 'a maximum backoff below the initial one', p: { ...d, podInitialBackoffMs: 5000, podMaxBackoffMs: 1000 }, problem: 'podMaxBackoffMs: must be at least podInitialBackoffMs' },
  ];
  for (const c of cases) {
    it(`reports ${c.name}`, () => {
      const problems = validateProfile(c.p);
      expect(problems.some((p) => p.startsWith(c.problem))).toBe(true);
    });
  }

  it('accepts a plugin weight of 0 (disabled) and percentage 0 (adaptive)', () => {
    expect(validateProfile({ ...d, scoreWeights: { ...d.scoreWeights, InterPodAffinity: 0 }, percentageOfNodesToScore: 0 })).toEqual([]);
  });
});
