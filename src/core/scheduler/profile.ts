import { LABEL_ZONE } from './types';
/**
 * Scheduler profiles: the default (kube-scheduler's plugin weights, with MostAllocated packing as
 * a provider fleet wants), validation (kube-scheduler's argument rules), and the compiled form
 * the pipeline runs on (cached per profile object: treat a profile as immutable once used).
 */
import type { Profile, ScoredResource, ScorePluginName } from './types';
import { scaleShape } from './plugins/noderesourcesfit';

export const SCORE_PLUGINS: readonly ScorePluginName[] = [
  'NodeResourcesFit',
  'NodeResourcesBalancedAllocation',
  'TaintToleration',
  'NodeAffinity',
  'PodTopologySpread',
  'InterPodAffinity',
];

const RESOURCES: readonly ScoredResource[] = ['cpu', 'memory', 'nvidia.com/gpu'];
const STRATEGIES = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'] as const;

export function defaultProfile(): Profile {
  return {
    scoreWeights: {
      NodeResourcesFit: 1,
      NodeResourcesBalancedAllocation: 1,
      TaintToleration: 3,
      NodeAffinity: 2,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
    },
    scoringStrategy: {
      type: 'MostAllocated',
      resources: [
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
      ],
    },
    balancedResources: [
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
    ],
    percentageOfNodesToScore: null,
    podInitialBackoffMs: 1000,
    podMaxBackoffMs: 10000,
    // packing: every cycle scores the same first window of hosts, and equal scores go to the fuller host
    tieBreak: 'Fullest',
    hostOrder: 'FromFirst',
    // kube-scheduler's system defaults spread each workload over hosts (maxSkew 3) and zones;
    // a packing fleet keeps the zone spread only, so replicas share hosts and whole hosts stay free
    defaultSpreadConstraints: [{ topologyKey: LABEL_ZONE, maxSkew: 5 }],
  };
}

/**
 * The default profile with kube-scheduler's own selection semantics: hosts visited round-robin,
 * ties broken at random, the system default spread constraints (hostname and zone). What the
 * framework's kube-scheduler-conformance tests run against.
 */
export function kubeSchedulerProfile(): Profile {
  const p = defaultProfile();
  delete p.defaultSpreadConstraints;
  p.tieBreak = 'Random';
  p.hostOrder = 'RoundRobin';
  return p;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function validateResources(path: string, list: unknown, problems: string[]): void {
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`${path}: at least one resource is required`);
    return;
  }
  const seen = new Set<string>();
  list.forEach((r: unknown, i) => {
    const res = r as { name?: unknown; weight?: unknown } | null;
    if (res === null || typeof res !== 'object') {
      problems.push(`${path}[${i}]: must be an object with name and weight`);
      return;
    }
    if (!RESOURCES.includes(res.name as ScoredResource)) {
      problems.push(`${path}[${i}].name: unsupported resource ${JSON.stringify(res.name)} (one of ${RESOURCES.join(', ')})`);
    } else if (seen.has(res.name as string)) {
      problems.push(`${path}[${i}].name: duplicate resource ${res.name as string}`);
    } else seen.add(res.name as string);
    if (!isInt(res.weight) || res.weight < 1 || res.weight > 100) {
      problems.push(`${path}[${i}].weight: ${JSON.stringify(res.weight)} must be an integer in 1..100`);
    }
  });
}

/** Problems with the profile ([] when valid). */
export function validateProfile(p: Profile): string[] {
  const problems: string[] = [];
  if (p === null || typeof p !== 'object') return ['profile: must be an object'];

  const weights = p.scoreWeights as Record<string, unknown> | undefined;
  if (weights === null || typeof weights !== 'object') problems.push('scoreWeights: must be an object');
  else {
    for (const k of Object.keys(weights)) {
      if (!SCORE_PLUGINS.includes(k as ScorePluginName)) problems.push(`scoreWeights.${k}: unknown score plugin (one of ${SCORE_PLUGINS.join(', ')})`);
    }
    for (const k of SCORE_PLUGINS) {
      const w = weights[k];
      if (!isInt(w) || w < 0 || w > 100) problems.push(`scoreWeights.${k}: ${JSON.stringify(w)} must be an integer in 0..100 (0 disables the plugin)`);
    }
  }

  if (p.tieBreak !== undefined && p.tieBreak !== 'Random' && p.tieBreak !== 'Fullest') problems.push(`tieBreak: ${JSON.stringify(p.tieBreak)} must be Random or Fullest`);
  if (p.hostOrder !== undefined && p.hostOrder !== 'RoundRobin' && p.hostOrder !== 'FromFirst') problems.push(`hostOrder: ${JSON.stringify(p.hostOrder)} must be RoundRobin or FromFirst`);
  if (p.defaultSpreadConstraints !== undefined) {
    if (!Array.isArray(p.defaultSpreadConstraints)) problems.push('defaultSpreadConstraints: must be a list of { topologyKey, maxSkew }');
    else
      p.defaultSpreadConstraints.forEach((c, i) => {
        if (!c || typeof c.topologyKey !== 'string' || c.topologyKey === '') problems.push(`defaultSpreadConstraints[${i}].topologyKey: required`);
        if (!c || !isInt(c.maxSkew) || c.maxSkew < 1) problems.push(`defaultSpreadConstraints[${i}].maxSkew: must be an integer ≥ 1`);
      });
  }

  const s = p.scoringStrategy;
  if (s === null || typeof s !== 'object') problems.push('scoringStrategy: must be an object');
  else {
    if (!STRATEGIES.includes(s.type)) problems.push(`scoringStrategy.type: ${JSON.stringify(s.type)} must be one of ${STRATEGIES.join(', ')}`);
    validateResources('scoringStrategy.resources', s.resources, problems);
    if (s.type === 'RequestedToCapacityRatio') {
      const shape = s.shape;
      if (!Array.isArray(shape) || shape.length === 0) problems.push('scoringStrategy.shape: at least one point must be specified');
      else {
        shape.forEach((pt, i) => {
          if (pt === null || typeof pt !== 'object') {
            problems.push(`scoringStrategy.shape[${i}]: must be an object with utilization and score`);
            return;
          }
          if (!isInt(pt.utilization) || pt.utilization < 0 || pt.utilization > 100) {
            problems.push(`scoringStrategy.shape[${i}].utilization: ${JSON.stringify(pt.utilization)} must be an integer in 0..100`);
          } else if (i > 0 && isInt(shape[i - 1]?.utilization) && pt.utilization <= shape[i - 1].utilization) {
            problems.push(`scoringStrategy.shape[${i}].utilization: utilization values must be sorted in increasing order`);
          }
          if (!isInt(pt.score) || pt.score < 0 || pt.score > 10) {
            problems.push(`scoringStrategy.shape[${i}].score: ${JSON.stringify(pt.score)} must be an integer in 0..10`);
          }
        });
      }
    }
  }

  validateResources('balancedResources', p.balancedResources, problems);

  const pct = p.percentageOfNodesToScore;
  if (pct !== null && (!isInt(pct) || pct < 0 || pct > 100)) {
    problems.push(`percentageOfNodesToScore: ${JSON.stringify(pct)} must be null or an integer in 0..100`);
  }
  if (!isInt(p.podInitialBackoffMs) || p.podInitialBackoffMs <= 0) {
    problems.push(`podInitialBackoffMs: ${JSON.stringify(p.podInitialBackoffMs)} must be a positive integer`);
  }
  if (!isInt(p.podMaxBackoffMs) || p.podMaxBackoffMs <= 0) {
    problems.push(`podMaxBackoffMs: ${JSON.stringify(p.podMaxBackoffMs)} must be a positive integer`);
  } else if (isInt(p.podInitialBackoffMs) && p.podMaxBackoffMs < p.podInitialBackoffMs) {
    problems.push('podMaxBackoffMs: must be at least podInitialBackoffMs');
  }
  return problems;
}

/** Scoring strategies in the compiled profile. */
export const STRATEGY_LEAST = 0;
export const STRATEGY_MOST = 1;
export const STRATEGY_RATIO = 2;

/** Resource kinds in the compiled profile. */
export const RES_CPU = 0;
export const RES_MEMORY = 1;
export const RES_GPU = 2;

export interface CompiledProfile {
  readonly wFit: number;
  readonly wBalanced: number;
  readonly wTaint: number;
  readonly wAffinity: number;
  readonly wSpread: number;
  readonly wInterPod: number;
  readonly strategy: number;
  readonly fitKinds: Int8Array;
  readonly fitWeights: Float64Array;
  readonly shapeUtils: Float64Array;
  readonly shapeScores: Float64Array;
  readonly balancedKinds: Int8Array;
  readonly percentage: number | null;
  /** Fit and BalancedAllocation both score exactly cpu and memory (the fused fast path). */
  readonly cpuMemOnly: boolean;
  readonly cpuWeight: number;
  readonly memWeight: number;
  readonly fullestTieBreak: boolean;
  readonly fromFirstHost: boolean;
  /** PodTopologySpread's default constraints; null: kube-scheduler's system defaults. */
  readonly spreadDefaults: { keys: string[]; skews: number[] } | null;
}

const kindOf = (r: ScoredResource): number => (r === 'cpu' ? RES_CPU : r === 'memory' ? RES_MEMORY : RES_GPU);

const isCpuMem = (rs: readonly { name: ScoredResource }[]): boolean =>
  rs.length === 2 && rs.some((r) => r.name === 'cpu') && rs.some((r) => r.name === 'memory');

const compiledProfiles = new WeakMap<Profile, CompiledProfile | string[]>();

/** The compiled profile, or the validation problems. */
export function compileProfile(p: Profile): CompiledProfile | string[] {
  let c = compiledProfiles.get(p);
  if (c !== undefined) return c;
  const problems = validateProfile(p);
  if (problems.length > 0) c = problems;
  else {
    const s = p.scoringStrategy;
    const shape = s.type === 'RequestedToCapacityRatio' ? scaleShape(s.shape ?? []) : { utils: [], scores: [] };
    c = {
      wFit: p.scoreWeights.NodeResourcesFit,
      wBalanced: p.scoreWeights.NodeResourcesBalancedAllocation,
      wTaint: p.scoreWeights.TaintToleration,
      wAffinity: p.scoreWeights.NodeAffinity,
      wSpread: p.scoreWeights.PodTopologySpread,
      wInterPod: p.scoreWeights.InterPodAffinity,
      strategy: s.type === 'LeastAllocated' ? STRATEGY_LEAST : s.type === 'MostAllocated' ? STRATEGY_MOST : STRATEGY_RATIO,
      fitKinds: Int8Array.from(s.resources.map((r) => kindOf(r.name))),
      fitWeights: Float64Array.from(s.resources.map((r) => r.weight)),
      shapeUtils: Float64Array.from(shape.utils),
      shapeScores: Float64Array.from(shape.scores),
      balancedKinds: Int8Array.from(p.balancedResources.map((r) => kindOf(r.name))),
      percentage: p.percentageOfNodesToScore,
      cpuMemOnly: isCpuMem(s.resources) && isCpuMem(p.balancedResources),
      cpuWeight: s.resources.find((r) => r.name === 'cpu')?.weight ?? 0,
      memWeight: s.resources.find((r) => r.name === 'memory')?.weight ?? 0,
      fullestTieBreak: p.tieBreak === 'Fullest',
      fromFirstHost: p.hostOrder === 'FromFirst',
      spreadDefaults: p.defaultSpreadConstraints ? { keys: p.defaultSpreadConstraints.map((c) => c.topologyKey), skews: p.defaultSpreadConstraints.map((c) => c.maxSkew) } : null,
    };
  }
  compiledProfiles.set(p, c);
  return c;
}
