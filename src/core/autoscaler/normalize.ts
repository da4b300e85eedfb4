/**
 * The HPA controller's normalization step as pure functions: from the maximum per-metric proposal
 * to the replica count to set. Follows Kubernetes' pkg/controller/podautoscaler/horizontal.go
 * (normalizeDesiredReplicas, normalizeDesiredReplicasWithBehaviors, stabilizeRecommendation,
 * stabilizeRecommendationWithBehaviors, convertDesiredReplicasWithRules,
 * convertDesiredReplicasWithBehaviorRate, calculateScaleUpLimit(WithScalingRules),
 * calculateScaleDownLimitWithBehaviors, getReplicasChangePerPeriod, storeScaleEvent).
 *
 * Kubernetes keeps the recommendation and scale-event histories in memory and edits them in place;
 * here they come in as arguments and go out as new arrays (inputs are never changed).
 *
 * Time windows, as Go's time comparisons make them:
 *  - a window/period "contains" an entry when entry.at > now − length (Go's After: an entry exactly
 *    `length` old is outside);
 *  - an entry is "old" (its slot may be reused, an event is marked outdated) when
 *    entry.at < now − length (Go's Before: an entry exactly `length` old is not old either);
 *  - the legacy path is the exception: there every entry that is not old counts, so a
 *    recommendation exactly `downscaleWindowMs` old still holds the scale-down back.
 */
import type { HpaBehavior, Normalized, Recommendation, ScaleEvent, ScalingPolicy, ScalingRules } from './types';

const MAX_INT32 = 2_147_483_647;
const MIN_INT32 = -2_147_483_648;

/** Go's float64 → int32 conversion of an in-range value: truncation toward zero (never −0). */
function toInt32(x: number): number {
  return Math.trunc(x) + 0;
}

function deepFreeze<T extends ScalingRules>(rules: T): T {
  for (const policy of rules.policies) Object.freeze(policy);
  Object.freeze(rules.policies);
  return Object.freeze(rules);
}

/** Kubernetes' default scale-up rules: no stabilization, the larger of +4 pods and +100 % per 15 s. */
export const DEFAULT_SCALE_UP: ScalingRules = deepFreeze({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});

/** Kubernetes' default scale-down rules: window left unset (the controller's flag decides), −100 % per 15 s. */
export const DEFAULT_SCALE_DOWN: ScalingRules = deepFreeze({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

// ───────────────────────────── condition texts (as Kubernetes writes them) ─────────────────────────────

const READY_FOR_NEW_SCALE = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const SCALE_DOWN_STABILIZED = {
  reason: 'ScaleDownStabilized',
  message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
};
const SCALE_UP_STABILIZED = {
  reason: 'ScaleUpStabilized',
  message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
};

interface Limiting {
  reason: string;
  message: string;
}
const TOO_FEW_REPLICAS: Limiting = {
  reason: 'TooFewReplicas',
  message: 'the desired replica count is less than the minimum replica count',
};
const TOO_MANY_REPLICAS: Limiting = {
  reason: 'TooManyReplicas',
  message: 'the desired replica count is more than the maximum replica count',
};
const SCALE_UP_LIMIT: Limiting = {
  reason: 'ScaleUpLimit',
  message: 'the desired replica count is increasing faster than the maximum scale rate',
};
const SCALE_DOWN_LIMIT: Limiting = {
  reason: 'ScaleDownLimit',
  message: 'the desired replica count is decreasing faster than the maximum scale rate',
};
const DESIRED_WITHIN_RANGE: Limiting = {
  reason: 'DesiredWithinRange',
  message: 'the desired count is within the acceptable range',
};

// ───────────────────────────── shared helpers ─────────────────────────────

/** Store `rec`: overwrite the slot at `oldIndex` (the last old one) or, when there is none, append. */
function storeRecommendation(recommendations: Recommendation[], oldIndex: number, rec: Recommendation): Recommendation[] {
  const next = recommendations.map((r) => ({ ...r }));
  if (oldIndex >= 0) next[oldIndex] = rec;
  else next.push(rec);
  return next;
}

function scalingLimited(replicas: number, stabilized: number, limiting: Limiting): Normalized['scalingLimited'] {
  return { status: replicas === stabilized ? 'False' : 'True', reason: limiting.reason, message: limiting.message };
}

/** Σ change of the events inside the last `periodSeconds` (strictly newer than now − period). */
function replicasChangedInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.at > cutoff) sum += e.change;
  return sum;
}

/** The replica count at the start of the policy's period, undoing the changes made within it. */
function periodStartReplicas(
  currentReplicas: number,
  policy: ScalingPolicy,
  scaleUpEvents: ScaleEvent[],
  scaleDownEvents: ScaleEvent[],
  now: number,
): number {
  return (
    currentReplicas -
    replicasChangedInPeriod(policy.periodSeconds, scaleUpEvents, now) +
    replicasChangedInPeriod(policy.periodSeconds, scaleDownEvents, now)
  );
}

function longestPolicyPeriod(rules: ScalingRules): number {
  let longest = 0;
  for (const policy of rules.policies) if (policy.periodSeconds > longest) longest = policy.periodSeconds;
  return longest;
}

// ───────────────────────────── rate limits ─────────────────────────────

/**
 * The highest replica count the scale-up rules allow now (may be below current when recent
 * changes used the budget up; the caller never lets that force a scale-down). Disabled: current.
 * Max (the default) takes the most permissive policy, Min the least.
 */
export function scaleUpLimit(
  currentReplicas: number,
  scaleUpEvents: ScaleEvent[],
  scaleDownEvents: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pickLowest = rules.selectPolicy === 'Min';
  let result = pickLowest ? MAX_INT32 : MIN_INT32;
  let proposed = 0;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(currentReplicas, policy, scaleUpEvents, scaleDownEvents, now);
    if (policy.type === 'Pods') proposed = start + policy.value;
    // Rounded up: a small percentage of a small count must still allow one more pod.
    else if (policy.type === 'Percent') proposed = toInt32(Math.ceil(start * (1 + policy.value / 100)));
    result = pickLowest ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/**
 * The lowest replica count the scale-down rules allow now (may be above current; the caller
 * never lets that force a scale-up). Disabled: current. Max (the default) takes the policy that
 * removes most, i.e. the lowest count; Min the one that removes least.
 */
export function scaleDownLimit(
  currentReplicas: number,
  scaleUpEvents: ScaleEvent[],
  scaleDownEvents: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pickHighest = rules.selectPolicy === 'Min';
  let result = pickHighest ? MIN_INT32 : MAX_INT32;
  let proposed = 0;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(currentReplicas, policy, scaleUpEvents, scaleDownEvents, now);
    if (policy.type === 'Pods') proposed = start - policy.value;
    // Truncated (float64 product converted to int32).
    else if (policy.type === 'Percent') proposed = toInt32(start * (1 - policy.value / 100));
    result = pickHighest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

// ───────────────────────────── legacy path (no spec.behavior) ─────────────────────────────

/** Legacy path (spec.behavior absent): scale-down stabilization over downscaleWindowMs, then clamp to [min, min(max, max(2·current, 4))]. */
export function normalizeLegacy(a: {
  proposal: number;
  currentReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  now: number;
  downscaleWindowMs: number;
  recommendations: Recommendation[];
}): Normalized {
  // Stabilize: the highest recommendation not older than the window, the proposal included.
  const cutoff = a.now - a.downscaleWindowMs;
  let stabilized = a.proposal;
  let oldIndex = -1;
  a.recommendations.forEach((rec, i) => {
    if (rec.at < cutoff) oldIndex = i;
    else if (rec.replicas > stabilized) stabilized = rec.replicas;
  });
  const recommendations = storeRecommendation(a.recommendations, oldIndex, { replicas: a.proposal, at: a.now });
  const ableToScale = stabilized !== a.proposal ? { ...SCALE_DOWN_STABILIZED } : { ...READY_FOR_NEW_SCALE };

  // Clamp: at least min; at most max, and never more than max(2·current, 4) in one step.
  const upLimit = toInt32(Math.max(2 * a.currentReplicas, 4));
  let maximumAllowed: number;
  let aboveMax: Limiting;
  if (a.maxReplicas > upLimit) {
    maximumAllowed = upLimit;
    aboveMax = SCALE_UP_LIMIT;
  } else {
    maximumAllowed = a.maxReplicas;
    aboveMax = TOO_MANY_REPLICAS;
  }
  let replicas = stabilized;
  let limiting = DESIRED_WITHIN_RANGE;
  if (stabilized < a.minReplicas) {
    replicas = a.minReplicas;
    limiting = TOO_FEW_REPLICAS;
  } else if (stabilized > maximumAllowed) {
    replicas = maximumAllowed;
    limiting = aboveMax;
  }

  return { replicas, stabilized, ableToScale, scalingLimited: scalingLimited(replicas, stabilized, limiting), recommendations };
}

// ───────────────────────────── behavior path ─────────────────────────────

/** Behavior path. behavior.scaleDown.stabilizationWindowSeconds unset → downscaleWindowMs; scaleUp unset → 0. */
export function normalizeWithBehavior(a: {
  proposal: number;
  currentReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: HpaBehavior;
  now: number;
  downscaleWindowMs: number;
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}): Normalized {
  const { proposal, currentReplicas, behavior, now } = a;

  // Step A: stabilize. The controller flag is turned into whole seconds, as Kubernetes does.
  const upWindowSeconds = behavior.scaleUp.stabilizationWindowSeconds ?? 0;
  const downWindowSeconds = behavior.scaleDown.stabilizationWindowSeconds ?? toInt32(a.downscaleWindowMs / 1000);
  const upCutoff = now - upWindowSeconds * 1000;
  const downCutoff = now - downWindowSeconds * 1000;
  let upRecommendation = proposal; // lowest in the scale-up window: the most a scale-up may reach
  let downRecommendation = proposal; // highest in the scale-down window: the least a scale-down may reach
  let oldIndex = -1;
  a.recommendations.forEach((rec, i) => {
    if (rec.at > upCutoff) upRecommendation = Math.min(rec.replicas, upRecommendation);
    if (rec.at > downCutoff) downRecommendation = Math.max(rec.replicas, downRecommendation);
    if (rec.at < upCutoff && rec.at < downCutoff) oldIndex = i;
  });
  let stabilized = currentReplicas;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  const recommendations = storeRecommendation(a.recommendations, oldIndex, { replicas: proposal, at: now });
  let ableToScale: Normalized['ableToScale'];
  if (stabilized === proposal) ableToScale = { ...READY_FOR_NEW_SCALE };
  else ableToScale = proposal >= currentReplicas ? { ...SCALE_UP_STABILIZED } : { ...SCALE_DOWN_STABILIZED };

  // Step B: rate limits and min/max, only in the direction of travel.
  let replicas = stabilized;
  let limiting = DESIRED_WITHIN_RANGE;
  if (stabilized > currentReplicas) {
    const limit = Math.max(scaleUpLimit(currentReplicas, a.scaleUpEvents, a.scaleDownEvents, behavior.scaleUp, now), currentReplicas);
    const [maximumAllowed, reason] = a.maxReplicas > limit ? [limit, SCALE_UP_LIMIT] : [a.maxReplicas, TOO_MANY_REPLICAS];
    if (stabilized > maximumAllowed) {
      replicas = maximumAllowed;
      limiting = reason;
    }
  } else if (stabilized < currentReplicas) {
    const limit = Math.min(scaleDownLimit(currentReplicas, a.scaleUpEvents, a.scaleDownEvents, behavior.scaleDown, now), currentReplicas);
    const [minimumAllowed, reason] = a.minReplicas < limit ? [limit, SCALE_DOWN_LIMIT] : [a.minReplicas, TOO_FEW_REPLICAS];
    if (stabilized < minimumAllowed) {
      replicas = minimumAllowed;
      limiting = reason;
    }
  }

  return { replicas, stabilized, ableToScale, scalingLimited: scalingLimited(replicas, stabilized, limiting), recommendations };
}

/**
 * After a successful rescale from `from` to `to` (behavior path only): mark outdated (older than the
 * longest policy period of that direction), reuse the last outdated slot or append. Growth goes to
 * the scale-up list, anything else to the scale-down list. With `behavior` undefined (the legacy
 * path) nothing is stored, as Kubernetes does.
 */
export function recordScaleEvent(a: {
  behavior: HpaBehavior | undefined;
  from: number;
  to: number;
  now: number;
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}): { scaleUpEvents: ScaleEvent[]; scaleDownEvents: ScaleEvent[] } {
  let scaleUpEvents = a.scaleUpEvents.map((e) => ({ ...e }));
  let scaleDownEvents = a.scaleDownEvents.map((e) => ({ ...e }));
  if (!a.behavior) return { scaleUpEvents, scaleDownEvents };
  if (a.to > a.from) scaleUpEvents = storeScaleEvent(scaleUpEvents, a.behavior.scaleUp, a.to - a.from, a.now);
  else scaleDownEvents = storeScaleEvent(scaleDownEvents, a.behavior.scaleDown, a.from - a.to, a.now);
  return { scaleUpEvents, scaleDownEvents };
}

function storeScaleEvent(events: ScaleEvent[], rules: ScalingRules, change: number, now: number): ScaleEvent[] {
  const cutoff = now - longestPolicyPeriod(rules) * 1000;
  const next = events.map((e) => (e.at < cutoff ? { ...e, outdated: true } : e));
  let reuse = -1;
  next.forEach((e, i) => {
    if (e.outdated) reuse = i;
  });
  const event: ScaleEvent = { change, at: now, outdated: false };
  if (reuse >= 0) next[reuse] = event;
  else next.push(event);
  return next;
}
