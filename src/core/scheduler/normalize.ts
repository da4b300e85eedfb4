import { MAX_NODE_SCORE } from './status';

/**
 * kube-scheduler's helper.DefaultNormalizeScore: scales the first `count` scores to 0..100 by
 * their maximum (integer division); `reverse` gives 100 − that. When every score is 0 they become
 * 100 when reversed and stay 0 otherwise.
 */
export function defaultNormalizeScore(scores: Float64Array | number[], count: number, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < count; i++) if (scores[i] > max) max = scores[i];
  if (max === 0) {
    if (reverse) for (let i = 0; i < count; i++) scores[i] = MAX_NODE_SCORE;
    return;
  }
  for (let i = 0; i < count; i++) {
    const s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
