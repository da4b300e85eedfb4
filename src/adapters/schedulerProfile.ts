import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { defaultProfile, validateProfile } from '../core/scheduler';
import type { Profile } from '../core/scheduler/types';

/**
 * The scheduler profile: kube-scheduler's defaults shaped for a packing fleet, with overrides
 * from a YAML/JSON file (any subset of the Profile fields, e.g.
 * `scoreWeights: { PodTopologySpread: 5 }` or `scoringStrategy: { type: LeastAllocated, resources: [...] }`).
 * Throws on an invalid profile, so a bad file stops the process at start.
 */
export function loadSchedulerProfile(file: string | undefined): Profile {
  const base = defaultProfile();
  if (!file) return base;
  const raw = parseYaml(readFileSync(file, 'utf8')) as Partial<Profile> | null;
  const profile: Profile = {
    ...base,
    ...(raw ?? {}),
    scoreWeights: { ...base.scoreWeights, ...(raw?.scoreWeights ?? {}) },
    scoringStrategy: { ...base.scoringStrategy, ...(raw?.scoringStrategy ?? {}) },
  };
  const problems = validateProfile(profile);
  if (problems.length > 0) throw new Error(`invalid scheduler profile ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return profile;
}
