/**
 * NodeResourcesBalancedAllocation (kube-scheduler, the classic formula of balanced_allocation.go):
 * per resource f = min(requested / allocatable, 1) in floating point (resources with allocatable 0
 * are skipped); std = |f1 − f2| / 2 for two resources, the population standard deviation for more,
 * 0 for fewer; score = int((1 − std) × 100). It uses the real requests (host requested + the
 * pod's). A pod requesting none of the configured resources is skipped (PreScore Skip), and
 * nvidia.com/gpu counts only when the pod requests GPUs.
 */
import { MAX_NODE_SCORE } from '../../status';

export const NAME = 'NodeResourcesBalancedAllocation';

/** The score of two fractions (the common cpu + memory case), as Go computes it. */
export function balancedScore2(f0: number, f1: number): number {
  const std = Math.abs((f0 - f1) / 2);
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** The score of any number of fractions (each already clamped to 1). */
export function balancedScoreN(fractions: ArrayLike<number>, count: number): number {
  let std = 0;
  if (count === 2) {
    std = Math.abs((fractions[0] - fractions[1]) / 2);
  } else if (count > 2) {
    let total = 0;
    for (let i = 0; i < count; i++) total += fractions[i];
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < count; i++) sum = sum + (fractions[i] - mean) * (fractions[i] - mean);
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** f = min(requested / allocatable, 1). */
export function fraction(requested: number, allocatable: number): number {
  const f = requested / allocatable;
  return f > 1 ? 1 : f;
}

/** The score over parallel arrays of requested (host + pod) and allocatable. */
export function balancedAllocationScore(requested: readonly number[], capacity: readonly number[]): number {
  const fr: number[] = [];
  for (let i = 0; i < requested.length; i++) {
    if (capacity[i] === 0) continue;
    fr.push(fraction(requested[i], capacity[i]));
  }
  return balancedScoreN(fr, fr.length);
}
