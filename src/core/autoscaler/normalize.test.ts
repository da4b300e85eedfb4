import { describe, it, expect } from 'vitest';
import {
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  normalizeLegacy,
  normalizeWithBehavior,
  recordScaleEvent,
  scaleDownLimit,
  scaleUpLimit,
} from './normalize';
import type { HpaBehavior, Normalized, Recommendation, ScaleEvent, ScalingPolicy, ScalingRules } from './types';

/**
 * Ported from Kubernetes' pkg/controller/podautoscaler/horizontal_test.go. Upstream builds its
 * histories from time.Now() and lets the clock run on; here every case runs at one fixed NOW, so
 * an upstream entry "60 s ago" is exactly 60 s old (outside a 60 s period, as it ends up upstream).
 */
const NOW = 1_000_000_000;
const SEC = 1000;
const MIN = 60 * SEC;
const DOWNSCALE_WINDOW_MS = 5 * MIN; // the controller flag upstream's tests use

/** Freeze inputs deeply: a function that writes to its arguments throws (ES modules are strict). */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/** Upstream's generateScalingRules: selectPolicy Max, the given window, a Pods and/or a Percent policy. */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): ScalingRules {
  const policies: ScalingPolicy[] = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', policies };
}

/** Kubernetes' behavior defaulting of one written direction (GenerateHPAScale{Up,Down}Rules). */
function behavior(up?: ScalingRules, down?: ScalingRules): HpaBehavior {
  return { scaleUp: up ?? DEFAULT_SCALE_UP, scaleDown: down ?? DEFAULT_SCALE_DOWN };
}

/**
 * Upstream's generateEventsUniformDistribution: the period is cut into one segment per event and
 * each event sits in the middle of its segment, oldest first ([1, 5, 9] over 120 s: 100, 60, 20 s ago).
 */
function uniform(changes: number[], periodSeconds: number): ScaleEvent[] {
  const segment = periodSeconds / changes.length;
  return changes.map((change, i) => ({
    change,
    at: NOW - (periodSeconds - segment * (i + 1) + segment / 2) * SEC,
    outdated: false,
  }));
}

const ago = (ms: number) => NOW - ms;

// ───────────────────────────── TestScalingWithRules ─────────────────────────────

describe('ports upstream TestScalingWithRules: rate limits and min/max apply in the direction of travel only', () => {
  interface Case {
    name: string;
    scaleUpEvents?: ScaleEvent[];
    scaleDownEvents?: ScaleEvent[];
    min: number;
    max: number;
    up?: ScalingRules;
    down?: ScalingRules;
    current: number;
    desired: number;
    expected: number;
    reason: string;
  }
  const cases: Case[] = [
    { name: 'prenormalized desired replicas within range', current: 5, desired: 7, min: 3, max: 8, expected: 7, reason: 'DesiredWithinRange' },
    { name: 'prenormalized desired replicas < minReplicas', current: 3, desired: 1, min: 2, max: 8, expected: 2, reason: 'TooFewReplicas' },
    { name: 'prenormalized desired replicas within range when minReplicas is 0', current: 1, desired: 0, min: 0, max: 10, expected: 0, reason: 'DesiredWithinRange' },
    { name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit', current: 20, desired: 1000, min: 1, max: 10, expected: 10, reason: 'TooManyReplicas' },
    { name: 'desired replica count is more than the maximum replica count', current: 100, desired: 1000, min: 100, max: 150, expected: 150, reason: 'TooManyReplicas' },
    {
      name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies',
      current: 3, desired: 1000, min: 1, max: 2000, up: rules(0, 0, 1, 60, 0), expected: 4, reason: 'ScaleUpLimit',
    },
    {
      // Upstream marks this case testThis and returns before checking it; it holds all the same.
      name: 'scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies',
      current: 1000, desired: 3, min: 3, max: 2000, down: rules(20, 60, 0, 0, 0), expected: 980, reason: 'ScaleDownLimit',
    },
    // scale up, no history
    { name: 'scaleUp with default behavior', min: 1, max: 1000, current: 10, desired: 50, expected: 20, reason: 'ScaleUpLimit' },
    { name: 'scaleUp with pods policy larger than percent policy', min: 1, max: 1000, up: rules(100, 60, 100, 60, 0), current: 10, desired: 500, expected: 110, reason: 'ScaleUpLimit' },
    { name: 'scaleUp with percent policy larger than pods policy', min: 1, max: 1000, up: rules(2, 60, 100, 60, 0), current: 10, desired: 500, expected: 20, reason: 'ScaleUpLimit' },
    { name: 'scaleUp with spec MaxReplicas limitation with large pod policy', min: 1, max: 1000, up: rules(100, 60, 0, 0, 0), current: 10, desired: 50, expected: 50, reason: 'DesiredWithinRange' },
    { name: 'scaleUp with spec MaxReplicas limitation with large percent policy', min: 1, max: 1000, up: rules(10000, 60, 0, 0, 0), current: 10, desired: 50, expected: 50, reason: 'DesiredWithinRange' },
    { name: 'scaleUp with pod policy limitation', min: 1, max: 1000, up: rules(30, 60, 0, 0, 0), current: 10, desired: 50, expected: 40, reason: 'ScaleUpLimit' },
    { name: 'scaleUp with percent policy limitation', min: 1, max: 1000, up: rules(0, 0, 200, 60, 0), current: 10, desired: 50, expected: 30, reason: 'ScaleUpLimit' },
    // scale down, no history
    { name: 'scaleDown with percent policy larger than pod policy', min: 1, max: 1000, down: rules(20, 60, 1, 60, 300), current: 100, desired: 2, expected: 80, reason: 'ScaleDownLimit' },
    { name: 'scaleDown with pod policy larger than percent policy', min: 1, max: 1000, down: rules(2, 60, 1, 60, 300), current: 100, desired: 2, expected: 98, reason: 'ScaleDownLimit' },
    { name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy', min: 1, max: 1000, down: rules(100, 60, 0, 0, 300), current: 10, desired: 0, expected: 1, reason: 'TooFewReplicas' },
    { name: 'scaleDown with spec MinReplicas limitation with large pod policy', min: 1, max: 1000, down: rules(100, 60, 0, 0, 300), current: 10, desired: 0, expected: 1, reason: 'TooFewReplicas' },
    { name: 'scaleDown with spec MinReplicas limitation with large percent policy', min: 5, max: 1000, down: rules(0, 0, 100, 60, 300), current: 10, desired: 2, expected: 5, reason: 'TooFewReplicas' },
    { name: 'scaleDown with pod policy limitation', min: 1, max: 1000, down: rules(5, 60, 0, 0, 300), current: 10, desired: 2, expected: 5, reason: 'ScaleDownLimit' },
    { name: 'scaleDown with percent policy limitation', min: 1, max: 1000, down: rules(0, 0, 50, 60, 300), current: 10, desired: 5, expected: 5, reason: 'DesiredWithinRange' },
    // scale up with history
    {
      name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events',
      scaleUpEvents: uniform([1, 5, 9], 120), min: 1, max: 200, up: rules(300, 60, 0, 0, 0), current: 100, desired: 500, expected: 200, reason: 'TooManyReplicas',
    },
    {
      name: 'scaleUp with spec MaxReplicas limitation with large percent policy and events',
      scaleUpEvents: uniform([1, 5, 9], 120), min: 1, max: 200, up: rules(0, 0, 10000, 60, 0), current: 100, desired: 500, expected: 200, reason: 'TooManyReplicas',
    },
    {
      // 120 s ago there were 85; +5 allows 90, below current: hold at 100 rather than scale down.
      name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events',
      scaleUpEvents: uniform([1, 5, 9], 120), min: 1, max: 1000, up: rules(5, 120, 0, 0, 0), current: 100, desired: 500, expected: 100, reason: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with pod policy and previous scale up events',
      scaleUpEvents: uniform([1, 5, 9], 120), min: 1, max: 1000, up: rules(150, 120, 0, 0, 0), current: 100, desired: 500, expected: 235, reason: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy and previous scale up events',
      scaleUpEvents: uniform([1, 5, 9], 120), min: 1, max: 1000, up: rules(0, 0, 200, 120, 0), current: 100, desired: 500, expected: 255, reason: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy and previous scale up and down events',
      scaleUpEvents: uniform([4], 120), scaleDownEvents: uniform([2], 120), min: 1, max: 1000, up: rules(0, 0, 300, 300, 0), current: 6, desired: 24, expected: 16, reason: 'ScaleUpLimit',
    },
    // scale down with history
    {
      name: 'scaleDown with default policy and previous events',
      scaleDownEvents: uniform([1, 5, 9], 120), min: 1, max: 1000, current: 10, desired: 5, expected: 5, reason: 'DesiredWithinRange',
    },
    {
      name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events',
      scaleDownEvents: uniform([1, 5, 9], 120), min: 1, max: 1000, down: rules(115, 120, 0, 0, 300), current: 100, desired: 0, expected: 1, reason: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events',
      scaleDownEvents: uniform([1, 5, 9], 120), min: 5, max: 1000, down: rules(130, 120, 0, 0, 300), current: 100, desired: 0, expected: 5, reason: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with spec MinReplicas limitation with large percent policy and previous events',
      scaleDownEvents: uniform([1, 5, 9], 120), min: 5, max: 1000, down: rules(0, 0, 100, 120, 300), current: 100, desired: 2, expected: 5, reason: 'TooFewReplicas',
    },
    {
      // 115 − 5 = 110 is above current: hold at 100 rather than scale up.
      name: 'scaleDown with pod policy limitation and previous events',
      scaleDownEvents: uniform([1, 5, 9], 120), min: 1, max: 1000, down: rules(5, 120, 0, 0, 300), current: 100, desired: 2, expected: 100, reason: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with percent policy limitation and previous events',
      scaleDownEvents: uniform([2, 4, 6], 120), min: 1, max: 1000, down: rules(0, 0, 50, 120, 300), current: 100, desired: 0, expected: 56, reason: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with percent policy and previous scale up and down events',
      scaleUpEvents: uniform([2], 120), scaleDownEvents: uniform([4], 120), min: 1, max: 1000, down: rules(0, 0, 50, 180, 0), current: 10, desired: 1, expected: 6, reason: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with previous events preventing further scale down',
      scaleDownEvents: uniform([10, 10, 10], 120), min: 1, max: 1000, down: rules(0, 0, 10, 120, 300), current: 100, desired: 0, expected: 100, reason: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with with previous events still allowing more scale down',
      scaleDownEvents: uniform([10, 10, 10], 120), min: 1, max: 1000, down: rules(0, 0, 1000, 120, 300), current: 10, desired: 5, expected: 5, reason: 'DesiredWithinRange',
    },
    // the outdated flag plays no part in the limits
    {
      name: "check 'outdated' flag for events for one behavior for up",
      scaleUpEvents: uniform([8, 12, 9, 11], 120), min: 1, max: 1000, up: rules(1000, 60, 0, 0, 0), current: 100, desired: 200, expected: 200, reason: 'DesiredWithinRange',
    },
    {
      name: "check that events were not marked 'outdated' for two different policies in the behavior for up",
      scaleUpEvents: uniform([8, 12, 9, 11], 120), min: 1, max: 1000, up: rules(1000, 120, 100, 60, 0), current: 100, desired: 200, expected: 200, reason: 'DesiredWithinRange',
    },
    {
      name: "check that events were marked 'outdated' for two different policies in the behavior for up",
      scaleUpEvents: uniform([8, 12, 9, 11], 120), min: 1, max: 1000, up: rules(1000, 30, 100, 60, 0), current: 100, desired: 200, expected: 200, reason: 'DesiredWithinRange',
    },
    {
      name: "check 'outdated' flag for events for one behavior for down",
      scaleDownEvents: uniform([8, 12, 9, 11], 120), min: 1, max: 1000, down: rules(1000, 60, 0, 0, 300), current: 100, desired: 5, expected: 5, reason: 'DesiredWithinRange',
    },
    {
      name: "check that events were not marked 'outdated' for two different policies in the behavior for down",
      scaleDownEvents: uniform([8, 12, 9, 11], 120), min: 1, max: 1000, down: rules(1000, 120, 100, 60, 300), current: 100, desired: 5, expected: 5, reason: 'DesiredWithinRange',
    },
    {
      name: "check that events were marked 'outdated' for two different policies in the behavior for down",
      scaleDownEvents: uniform([8, 12, 9, 11], 120), min: 1, max: 1000, down: rules(1000, 30, 100, 60, 300), current: 100, desired: 5, expected: 5, reason: 'DesiredWithinRange',
    },
  ];

  it.each(cases)('$name', (c) => {
    // No recommendation history: stabilization passes the proposal through, as upstream calls the rate step alone.
    const out = normalizeWithBehavior(
      frozen({
        proposal: c.desired,
        currentReplicas: c.current,
        minReplicas: c.min,
        maxReplicas: c.max,
        behavior: behavior(c.up, c.down),
        now: NOW,
        downscaleWindowMs: DOWNSCALE_WINDOW_MS,
        recommendations: [],
        scaleUpEvents: c.scaleUpEvents ?? [],
        scaleDownEvents: c.scaleDownEvents ?? [],
      }),
    );
    expect(out.stabilized).toBe(c.desired);
    expect(out.replicas).toBe(c.expected);
    expect(out.scalingLimited.reason).toBe(c.reason);
    expect(out.scalingLimited.status).toBe(c.expected === c.desired ? 'False' : 'True');
  });
});

// ───────────────────────────── the two limit functions ─────────────────────────────

describe('ports upstream TestCalculateScaleUpLimitWithScalingRules and TestCalculateScaleDownLimitWithBehaviors', () => {
  const minPolicy: ScalingRules = frozen({
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min',
    policies: [
      { type: 'Pods', value: 2, periodSeconds: 60 },
      { type: 'Percent', value: 50, periodSeconds: 60 },
    ],
  });

  it('selectPolicy Min on scale up takes the smaller of 1+2 and ceil(1×1.5), i.e. 2', () => {
    expect(scaleUpLimit(1, [], [], minPolicy, NOW)).toBe(2);
  });

  it('selectPolicy Min on scale down takes the larger of 5−2 and trunc(5×0.5), i.e. 3', () => {
    expect(scaleDownLimit(5, [], [], minPolicy, NOW)).toBe(3);
  });
});

// ───────────────────────────── TestStoreScaleEvents ─────────────────────────────

describe('ports upstream TestStoreScaleEvents: outdated events are marked and their last slot reused', () => {
  interface Case {
    name: string;
    replicaChange: number;
    prev: ScaleEvent[];
    next: { change: number; outdated: boolean }[];
    rules?: ScalingRules;
    changeInLastMinute: number;
  }
  const cases: Case[] = [
    { name: 'empty entries with default behavior', replicaChange: 5, prev: [], next: [], changeInLastMinute: 0 },
    {
      name: 'empty entries with two-policy-behavior',
      replicaChange: 5, prev: [], next: [{ change: 5, outdated: false }], rules: rules(10, 60, 100, 60, 0), changeInLastMinute: 0,
    },
    {
      name: 'one outdated entry to be kept untouched without behavior',
      replicaChange: 5, prev: [{ change: 7, at: ago(61 * SEC), outdated: false }], next: [{ change: 7, outdated: false }], changeInLastMinute: 0,
    },
    {
      name: 'one outdated entry to be replaced with behavior',
      replicaChange: 5, prev: [{ change: 7, at: ago(61 * SEC), outdated: false }], next: [{ change: 5, outdated: false }],
      rules: rules(10, 60, 100, 60, 0), changeInLastMinute: 0,
    },
    {
      name: 'one actual entry to be not touched with behavior',
      replicaChange: 5, prev: [{ change: 7, at: ago(58 * SEC), outdated: false }],
      next: [{ change: 7, outdated: false }, { change: 5, outdated: false }], rules: rules(10, 60, 100, 60, 0), changeInLastMinute: 7,
    },
    {
      name: 'two entries, one of them to be replaced',
      replicaChange: 5,
      prev: [
        { change: 7, at: ago(61 * SEC), outdated: false },
        { change: 6, at: ago(59 * SEC), outdated: false },
      ],
      next: [{ change: 5, outdated: false }, { change: 6, outdated: false }],
      rules: rules(10, 60, 0, 0, 0),
      changeInLastMinute: 6,
    },
    {
      name: 'replace one entry, use policies with different periods',
      replicaChange: 5,
      prev: [
        { change: 8, at: ago(29 * SEC), outdated: false },
        { change: 6, at: ago(59 * SEC), outdated: false },
        { change: 7, at: ago(61 * SEC), outdated: false },
        { change: 9, at: ago(61 * SEC), outdated: false },
      ],
      next: [
        { change: 8, outdated: false },
        { change: 6, outdated: false },
        { change: 7, outdated: true },
        { change: 5, outdated: false },
      ],
      rules: rules(10, 60, 100, 30, 0),
      changeInLastMinute: 14,
    },
    {
      name: 'two entries, both actual',
      replicaChange: 5,
      prev: [
        { change: 7, at: ago(58 * SEC), outdated: false },
        { change: 6, at: ago(59 * SEC), outdated: false },
      ],
      next: [{ change: 7, outdated: false }, { change: 6, outdated: false }, { change: 5, outdated: false }],
      rules: rules(10, 120, 100, 30, 0),
      changeInLastMinute: 13,
    },
  ];
  // Σ change within the last 60 s, read through the limits: a 0-pod policy over 60 s leaves the period start.
  const probe: ScalingRules = frozen({ selectPolicy: 'Max', policies: [{ type: 'Pods', value: 0, periodSeconds: 60 }] });

  it.each(cases)('scale up: $name', (c) => {
    const prev = frozen(c.prev);
    expect(10 - scaleUpLimit(10, prev, [], probe, NOW)).toBe(c.changeInLastMinute);
    const out = recordScaleEvent(
      frozen({
        behavior: c.rules ? behavior(c.rules, c.rules) : undefined,
        from: 10,
        to: 10 + c.replicaChange,
        now: NOW,
        scaleUpEvents: prev,
        scaleDownEvents: [],
      }),
    );
    expect(out.scaleUpEvents.map(({ change, outdated }) => ({ change, outdated }))).toEqual(c.next);
    expect(out.scaleDownEvents).toEqual([]);
    if (c.rules) expect(out.scaleUpEvents.filter((e) => e.at === NOW)).toEqual([{ change: 5, at: NOW, outdated: false }]);
  });

  it.each(cases)('scale down: $name', (c) => {
    const prev = frozen(c.prev);
    expect(scaleDownLimit(10, [], prev, probe, NOW) - 10).toBe(c.changeInLastMinute);
    const out = recordScaleEvent(
      frozen({
        behavior: c.rules ? behavior(c.rules, c.rules) : undefined,
        from: 10,
        to: 10 - c.replicaChange,
        now: NOW,
        scaleUpEvents: [],
        scaleDownEvents: prev,
      }),
    );
    expect(out.scaleDownEvents.map(({ change, outdated }) => ({ change, outdated }))).toEqual(c.next);
    expect(out.scaleUpEvents).toEqual([]);
    if (c.rules) expect(out.scaleDownEvents.filter((e) => e.at === NOW)).toEqual([{ change: 5, at: NOW, outdated: false }]);
  });
});

// ───────────────────────────── TestNormalizeDesiredReplicasWithBehavior ─────────────────────────────

describe('ports upstream TestNormalizeDesiredReplicasWithBehavior: stabilization clamps current between the up and down windows', () => {
  interface Case {
    name: string;
    recommendations: Recommendation[];
    current: number;
    desired: number;
    stabilized: number;
    ableToScale: string;
    stored: Recommendation[];
    upWindow?: number;
    downWindow?: number;
  }
  const cases: Case[] = [
    {
      name: 'empty recommendations for scaling down',
      recommendations: [], current: 100, desired: 5, stabilized: 5, ableToScale: 'ReadyForNewScale',
      stored: [{ replicas: 5, at: NOW }],
    },
    {
      name: 'simple scale down stabilization',
      recommendations: [{ replicas: 4, at: ago(2 * MIN) }, { replicas: 5, at: ago(MIN) }],
      current: 100, desired: 3, stabilized: 5, ableToScale: 'ScaleDownStabilized', downWindow: 3 * 60,
      stored: [{ replicas: 4, at: ago(2 * MIN) }, { replicas: 5, at: ago(MIN) }, { replicas: 3, at: NOW }],
    },
    {
      name: 'simple scale up stabilization',
      recommendations: [{ replicas: 4, at: ago(2 * MIN) }, { replicas: 5, at: ago(MIN) }],
      current: 1, desired: 7, stabilized: 4, ableToScale: 'ScaleUpStabilized', upWindow: 5 * 60,
      stored: [{ replicas: 4, at: ago(2 * MIN) }, { replicas: 5, at: ago(MIN) }, { replicas: 7, at: NOW }],
    },
    {
      name: 'no scale down stabilization',
      recommendations: [{ replicas: 1, at: ago(2 * MIN) }, { replicas: 2, at: ago(MIN) }],
      current: 100, desired: 3, stabilized: 3, ableToScale: 'ReadyForNewScale', upWindow: 5 * 60,
      stored: [{ replicas: 1, at: ago(2 * MIN) }, { replicas: 2, at: ago(MIN) }, { replicas: 3, at: NOW }],
    },
    {
      name: 'no scale up stabilization',
      recommendations: [{ replicas: 4, at: ago(2 * MIN) }, { replicas: 5, at: ago(MIN) }],
      current: 1, desired: 3, stabilized: 3, ableToScale: 'ReadyForNewScale', downWindow: 5 * 60,
      stored: [{ replicas: 4, at: ago(2 * MIN) }, { replicas: 5, at: ago(MIN) }, { replicas: 3, at: NOW }],
    },
    {
      name: 'no scale down stabilization, reuse recommendation element',
      recommendations: [{ replicas: 10, at: ago(10 * MIN) }, { replicas: 9, at: ago(9 * MIN) }],
      current: 100, desired: 3, stabilized: 3, ableToScale: 'ReadyForNewScale',
      stored: [{ replicas: 10, at: ago(10 * MIN) }, { replicas: 3, at: NOW }],
    },
    {
      name: 'no scale up stabilization, reuse recommendation element',
      recommendations: [{ replicas: 10, at: ago(10 * MIN) }, { replicas: 9, at: ago(9 * MIN) }],
      current: 1, desired: 100, stabilized: 100, ableToScale: 'ReadyForNewScale',
      stored: [{ replicas: 10, at: ago(10 * MIN) }, { replicas: 100, at: NOW }],
    },
    {
      name: 'scale down stabilization, reuse one of obsolete recommendation element',
      recommendations: [
        { replicas: 10, at: ago(10 * MIN) },
        { replicas: 4, at: ago(MIN) },
        { replicas: 5, at: ago(2 * MIN) },
        { replicas: 9, at: ago(9 * MIN) },
      ],
      current: 100, desired: 3, stabilized: 5, ableToScale: 'ScaleDownStabilized', downWindow: 3 * 60,
      stored: [
        { replicas: 10, at: ago(10 * MIN) },
        { replicas: 4, at: ago(MIN) },
        { replicas: 5, at: ago(2 * MIN) },
        { replicas: 3, at: NOW },
      ],
    },
    {
      // Only the first is outside both windows (up 300 s, down 0 s here), so only its slot is reused.
      name: 'scale up stabilization, reuse one of obsolete recommendation element',
      recommendations: [
        { replicas: 10, at: ago(100 * MIN) },
        { replicas: 6, at: ago(MIN) },
        { replicas: 5, at: ago(2 * MIN) },
        { replicas: 9, at: ago(3 * MIN) },
      ],
      current: 1, desired: 100, stabilized: 5, ableToScale: 'ScaleUpStabilized', upWindow: 300,
      stored: [
        { replicas: 100, at: NOW },
        { replicas: 6, at: ago(MIN) },
        { replicas: 5, at: ago(2 * MIN) },
        { replicas: 9, at: ago(3 * MIN) },
      ],
    },
    {
      name: 'scale up and down stabilization, do not scale up when prenormalized rec goes down',
      recommendations: [{ replicas: 2, at: ago(100 * MIN) }, { replicas: 3, at: ago(3 * MIN) }],
      current: 2, desired: 1, stabilized: 2, ableToScale: 'ScaleDownStabilized', upWindow: 300, downWindow: 300,
      stored: [{ replicas: 1, at: NOW }, { replicas: 3, at: ago(3 * MIN) }],
    },
    {
      name: 'scale up and down stabilization, do not scale down when prenormalized rec goes up',
      recommendations: [{ replicas: 2, at: ago(100 * MIN) }, { replicas: 1, at: ago(3 * MIN) }],
      current: 2, desired: 3, stabilized: 2, ableToScale: 'ScaleUpStabilized', upWindow: 300, downWindow: 300,
      stored: [{ replicas: 3, at: NOW }, { replicas: 1, at: ago(3 * MIN) }],
    },
  ];

  it.each(cases)('$name', (c) => {
    // Upstream leaves an unset window at Go's zero value: both windows are always given here.
    const out = normalizeWithBehavior(
      frozen({
        proposal: c.desired,
        currentReplicas: c.current,
        minReplicas: 1,
        maxReplicas: 1000,
        behavior: behavior(
          { ...DEFAULT_SCALE_UP, stabilizationWindowSeconds: c.upWindow ?? 0 },
          { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: c.downWindow ?? 0 },
        ),
        now: NOW,
        downscaleWindowMs: DOWNSCALE_WINDOW_MS,
        recommendations: c.recommendations,
        scaleUpEvents: [],
        scaleDownEvents: [],
      }),
    );
    expect(out.stabilized).toBe(c.stabilized);
    expect(out.ableToScale.reason).toBe(c.ableToScale);
    expect(out.recommendations).toEqual(c.stored);
  });
});

// ───────────────────────────── legacy path ─────────────────────────────

describe('ports upstream TestNormalizeDesiredReplicas: the legacy path holds a scale-down at the highest recent recommendation', () => {
  const cases: { name: string; recommendations: Recommendation[]; desired: number; stabilized: number; stored: number }[] = [
    { name: 'empty log', recommendations: [], desired: 5, stabilized: 5, stored: 1 },
    {
      name: 'stabilize',
      recommendations: [{ replicas: 4, at: ago(2 * MIN) }, { replicas: 5, at: ago(MIN) }],
      desired: 3, stabilized: 5, stored: 3,
    },
    {
      name: 'no stabilize',
      recommendations: [{ replicas: 1, at: ago(2 * MIN) }, { replicas: 2, at: ago(MIN) }],
      desired: 3, stabilized: 3, stored: 3,
    },
    {
      name: 'no stabilize - old recommendations',
      recommendations: [{ replicas: 10, at: ago(10 * MIN) }, { replicas: 9, at: ago(9 * MIN) }],
      desired: 3, stabilized: 3, stored: 2,
    },
    {
      name: 'stabilize - old recommendations',
      recommendations: [
        { replicas: 10, at: ago(10 * MIN) },
        { replicas: 4, at: ago(MIN) },
        { replicas: 5, at: ago(2 * MIN) },
        { replicas: 9, at: ago(9 * MIN) },
      ],
      desired: 3, stabilized: 5, stored: 4,
    },
  ];

  it.each(cases)('$name', (c) => {
    const out = normalizeLegacy(
      frozen({
        proposal: c.desired,
        currentReplicas: 5,
        minReplicas: 1,
        maxReplicas: 100,
        now: NOW,
        downscaleWindowMs: DOWNSCALE_WINDOW_MS,
        recommendations: c.recommendations,
      }),
    );
    expect(out.stabilized).toBe(c.stabilized);
    expect(out.recommendations).toHaveLength(c.stored);
    expect(out.recommendations.filter((r) => r.at === NOW)).toEqual([{ replicas: c.desired, at: NOW }]);
    expect(out.ableToScale.reason).toBe(c.stabilized === c.desired ? 'ReadyForNewScale' : 'ScaleDownStabilized');
  });

  it('overwrites the last slot older than the window, keeping the others in place', () => {
    const out = normalizeLegacy(
      frozen({
        proposal: 3,
        currentReplicas: 5,
        minReplicas: 1,
        maxReplicas: 100,
        now: NOW,
        downscaleWindowMs: DOWNSCALE_WINDOW_MS,
        recommendations: [
          { replicas: 10, at: ago(10 * MIN) },
          { replicas: 4, at: ago(MIN) },
          { replicas: 5, at: ago(2 * MIN) },
          { replicas: 9, at: ago(9 * MIN) },
        ],
      }),
    );
    expect(out.recommendations).toEqual([
      { replicas: 10, at: ago(10 * MIN) },
      { replicas: 4, at: ago(MIN) },
      { replicas: 5, at: ago(2 * MIN) },
      { replicas: 3, at: NOW },
    ]);
  });
});

describe('ports upstream TestConvertDesiredReplicasWithRules: the legacy clamp to [min, min(max, max(2·current, 4))]', () => {
  const cases = [
    { name: 'prenormalized desired replicas within range', current: 5, desired: 7, min: 3, max: 8, expected: 7, reason: 'DesiredWithinRange' },
    { name: 'prenormalized desired replicas < minReplicas', current: 3, desired: 1, min: 2, max: 8, expected: 2, reason: 'TooFewReplicas' },
    { name: 'prenormalized desired zeroed replicas within range', current: 1, desired: 0, min: 0, max: 10, expected: 0, reason: 'DesiredWithinRange' },
    { name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit', current: 20, desired: 1000, min: 1, max: 10, expected: 10, reason: 'TooManyReplicas' },
    // Upstream's test binary raises the factor to 8 (calculateScaleUpLimit(3) = 24); the controller's factor is 2.
    { name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas', current: 3, desired: 1000, min: 1, max: 2000, expected: 6, reason: 'ScaleUpLimit' },
  ];

  it.each(cases)('$name', (c) => {
    const out = normalizeLegacy(
      frozen({
        proposal: c.desired,
        currentReplicas: c.current,
        minReplicas: c.min,
        maxReplicas: c.max,
        now: NOW,
        downscaleWindowMs: DOWNSCALE_WINDOW_MS,
        recommendations: [],
      }),
    );
    expect(out.replicas).toBe(c.expected);
    expect(out.scalingLimited.reason).toBe(c.reason);
    expect(out.scalingLimited.status).toBe(c.expected === c.desired ? 'False' : 'True');
  });
});

// ───────────────────────────── upstream reconcile tests, their normalization step ─────────────────────────────

describe('ports the normalization step of upstream reconcile tests (proposal as the replica calculator made it)', () => {
  interface Case {
    name: string;
    current: number;
    min: number;
    max: number;
    proposal: number;
    /** undefined: the controller saw the HPA for the first time and seeded {current, now}. */
    recommendations?: Recommendation[];
    behavior?: HpaBehavior;
    replicas: number;
    ableToScale: string;
    limited: 'True' | 'False';
    reason: string;
  }
  const cases: Case[] = [
    {
      name: 'TestScaleDownStabilizeInitialSize: a first-seen HPA at 5 proposing 3 stays at 5 (the seeded recommendation holds it)',
      current: 5, min: 2, max: 6, proposal: 3, replicas: 5, ableToScale: 'ScaleDownStabilized', limited: 'False', reason: 'DesiredWithinRange',
    },
    {
      name: 'TestStabilizeDownscale: 4 proposing 2 stays at 4 (a 1-minute-old 4; the 10-minute-old 10 is outside the window)',
      current: 4, min: 1, max: 5, proposal: 2,
      recommendations: [{ replicas: 10, at: ago(10 * MIN) }, { replicas: 4, at: ago(MIN) }],
      replicas: 4, ableToScale: 'ScaleDownStabilized', limited: 'False', reason: 'DesiredWithinRange',
    },
    {
      name: 'TestUpscaleCap: 3 proposing 60 with scale-up Percent 700 %/60 s goes to 24',
      current: 3, min: 1, max: 100, proposal: 60, behavior: behavior(rules(0, 0, 700, 60, 0)),
      replicas: 24, ableToScale: 'ReadyForNewScale', limited: 'True', reason: 'ScaleUpLimit',
    },
    {
      name: 'TestUpscaleCapGreaterThanMaxReplicas: the same capped by maxReplicas 20',
      current: 3, min: 1, max: 20, proposal: 60, behavior: behavior(rules(0, 0, 700, 60, 0)),
      replicas: 20, ableToScale: 'ReadyForNewScale', limited: 'True', reason: 'TooManyReplicas',
    },
    {
      name: 'TestMoreReplicasThanSpecNoScale: spec 4 (5 pods during a surge) proposing 4 stays at 4',
      current: 4, min: 1, max: 8, proposal: 4, replicas: 4, ableToScale: 'ReadyForNewScale', limited: 'False', reason: 'DesiredWithinRange',
    },
    {
      name: 'TestScaleUp: 3 proposing 5 goes to 5',
      current: 3, min: 2, max: 6, proposal: 5, replicas: 5, ableToScale: 'ReadyForNewScale', limited: 'False', reason: 'DesiredWithinRange',
    },
    {
      name: 'TestMinReplicas: 3 proposing 1 goes to minReplicas 2',
      current: 3, min: 2, max: 5, proposal: 1, recommendations: [], replicas: 2, ableToScale: 'ReadyForNewScale', limited: 'True', reason: 'TooFewReplicas',
    },
    {
      name: 'TestMinReplicasDesiredZero: 3 proposing 0 goes to minReplicas 2',
      current: 3, min: 2, max: 5, proposal: 0, recommendations: [], replicas: 2, ableToScale: 'ReadyForNewScale', limited: 'True', reason: 'TooFewReplicas',
    },
    {
      name: 'TestZeroMinReplicasDesiredZero: 3 proposing 0 with minReplicas 0 goes to 0',
      current: 3, min: 0, max: 5, proposal: 0, recommendations: [], replicas: 0, ableToScale: 'ReadyForNewScale', limited: 'False', reason: 'DesiredWithinRange',
    },
    {
      name: 'TestMaxReplicas: 3 proposing 21 goes to maxReplicas 5',
      current: 3, min: 2, max: 5, proposal: 21, replicas: 5, ableToScale: 'ReadyForNewScale', limited: 'True', reason: 'TooManyReplicas',
    },
    {
      name: 'TestSuperfluousMetrics: 4 proposing 24 goes to maxReplicas 6',
      current: 4, min: 2, max: 6, proposal: 24, replicas: 6, ableToScale: 'ReadyForNewScale', limited: 'True', reason: 'TooManyReplicas',
    },
    {
      name: 'TestNoBackoffUpscaleCM: 3 proposing 4 goes to 4',
      current: 3, min: 1, max: 5, proposal: 4, replicas: 4, ableToScale: 'ReadyForNewScale', limited: 'False', reason: 'DesiredWithinRange',
    },
    {
      name: 'TestNoBackoffUpscaleCMNoBackoffCpu: 3 proposing 600 (the CPU metric) goes to maxReplicas 5',
      current: 3, min: 1, max: 5, proposal: 600, replicas: 5, ableToScale: 'ReadyForNewScale', limited: 'True', reason: 'TooManyReplicas',
    },
    {
      name: 'TestEventNotCreated: 2 proposing 2 stays at 2',
      current: 2, min: 1, max: 5, proposal: 2, replicas: 2, ableToScale: 'ReadyForNewScale', limited: 'False', reason: 'DesiredWithinRange',
    },
  ];

  it.each(cases)('$name', (c) => {
    const recommendations = frozen(c.recommendations ?? [{ replicas: c.current, at: NOW }]);
    const common = {
      proposal: c.proposal,
      currentReplicas: c.current,
      minReplicas: c.min,
      maxReplicas: c.max,
      now: NOW,
      downscaleWindowMs: DOWNSCALE_WINDOW_MS,
      recommendations,
    };
    const out: Normalized = c.behavior
      ? normalizeWithBehavior(frozen({ ...common, behavior: c.behavior, scaleUpEvents: [], scaleDownEvents: [] }))
      : normalizeLegacy(frozen(common));
    expect(out.replicas).toBe(c.replicas);
    expect(out.ableToScale.reason).toBe(c.ableToScale);
    expect(out.scalingLimited.status).toBe(c.limited);
    expect(out.scalingLimited.reason).toBe(c.reason);
    expect(out.recommendations).toContainEqual({ replicas: c.proposal, at: NOW });
  });
});

// ───────────────────────────── the reference's worked examples and pitfalls ─────────────────────────────

describe('the worked examples of hpa-semantics.md §8.2', () => {
  const withBehavior = (b: HpaBehavior, current: number, proposal: number, up: ScaleEvent[] = [], down: ScaleEvent[] = []) =>
    normalizeWithBehavior(
      frozen({
        proposal,
        currentReplicas: current,
        minReplicas: 1,
        maxReplicas: 1000,
        behavior: b,
        now: NOW,
        downscaleWindowMs: DOWNSCALE_WINDOW_MS,
        recommendations: [],
        scaleUpEvents: up,
        scaleDownEvents: down,
      }),
    );

  it('default behavior from 10 toward 50 allows max(10+4, 2×10) = 20', () => {
    expect(scaleUpLimit(10, [], [], DEFAULT_SCALE_UP, NOW)).toBe(20);
    expect(withBehavior(behavior(), 10, 50)).toMatchObject({ replicas: 20, scalingLimited: { status: 'True', reason: 'ScaleUpLimit' } });
  });

  it('Percent 1 %/60 s from 3 allows ceil(3.03) = 4', () => {
    expect(scaleUpLimit(3, [], [], rules(0, 0, 1, 60, 0), NOW)).toBe(4);
  });

  it('scale-down Pods 20 / Percent 1 % with Max from 100 allows min(80, 99) = 80', () => {
    expect(scaleDownLimit(100, [], [], rules(20, 60, 1, 60, 300), NOW)).toBe(80);
  });

  it('scale-up events +1, +5, +9 at 100/60/20 s ago with Pods 150/120 s allow 85 + 150 = 235', () => {
    const up = frozen([
      { change: 1, at: ago(100 * SEC), outdated: false },
      { change: 5, at: ago(60 * SEC), outdated: false },
      { change: 9, at: ago(20 * SEC), outdated: false },
    ]);
    expect(scaleUpLimit(100, up, [], rules(150, 120, 0, 0, 0), NOW)).toBe(235);
  });

  it('+4 up and −2 down 60 s ago with Percent 300 %/300 s from 6 start at 4 and allow ceil(4×4) = 16', () => {
    const up = frozen([{ change: 4, at: ago(60 * SEC), outdated: false }]);
    const down = frozen([{ change: 2, at: ago(60 * SEC), outdated: false }]);
    expect(scaleUpLimit(6, up, down, rules(0, 0, 300, 300, 0), NOW)).toBe(16);
    expect(withBehavior(behavior(rules(0, 0, 300, 300, 0)), 6, 24, up, down).replicas).toBe(16);
  });

  it('selectPolicy Min on scale up with Pods 2 / Percent 50 % from 1 allows min(3, 2) = 2', () => {
    const b = behavior({ ...rules(2, 60, 50, 60, 0), selectPolicy: 'Min' });
    expect(withBehavior(b, 1, 10)).toMatchObject({ replicas: 2, scalingLimited: { reason: 'ScaleUpLimit' } });
  });

  it('selectPolicy Min on scale down with Pods 2 / Percent 50 % from 5 allows max(3, trunc(2.5) = 2) = 3', () => {
    const b = behavior(undefined, { ...rules(2, 60, 50, 60, 0), selectPolicy: 'Min' });
    expect(withBehavior(b, 5, 1)).toMatchObject({ replicas: 3, scalingLimited: { reason: 'ScaleDownLimit' } });
  });

  it('the legacy cap from 1 is max(2×1, 4) = 4, while default behavior allows max(1+4, 2) = 5 (§8.1)', () => {
    const legacy = normalizeLegacy(
      frozen({ proposal: 10, currentReplicas: 1, minReplicas: 1, maxReplicas: 100, now: NOW, downscaleWindowMs: DOWNSCALE_WINDOW_MS, recommendations: [] }),
    );
    expect(legacy).toMatchObject({ replicas: 4, scalingLimited: { status: 'True', reason: 'ScaleUpLimit' } });
    expect(withBehavior(behavior(), 1, 10).replicas).toBe(5);
  });
});

describe('boundaries, rounding and the rules of hpa-semantics.md §10', () => {
  const base = {
    minReplicas: 1,
    maxReplicas: 1000,
    now: NOW,
    downscaleWindowMs: DOWNSCALE_WINDOW_MS,
    scaleUpEvents: [] as ScaleEvent[],
    scaleDownEvents: [] as ScaleEvent[],
  };

  it('scale-down Percent truncates in float64: 100 × (1 − 0.01) gives 99', () => {
    expect(scaleDownLimit(100, [], [], rules(0, 0, 1, 15, 0), NOW)).toBe(99);
  });

  it('scale-down Percent truncates toward zero, never to −0', () => {
    expect(Object.is(scaleDownLimit(0, [], [], rules(0, 0, 1000, 15, 0), NOW), 0)).toBe(true);
    expect(scaleDownLimit(3, [], [], rules(0, 0, 50, 15, 0), NOW)).toBe(1);
  });

  it('scale-up Percent rounds up: 10 % of 1 still allows a second pod', () => {
    expect(scaleUpLimit(1, [], [], rules(0, 0, 10, 15, 0), NOW)).toBe(2);
  });

  it('a scale event exactly one period old no longer counts; one a millisecond younger does', () => {
    const exactly = frozen([{ change: 5, at: ago(15 * SEC), outdated: false }]);
    const younger = frozen([{ change: 5, at: ago(15 * SEC - 1), outdated: false }]);
    expect(scaleUpLimit(10, exactly, [], DEFAULT_SCALE_UP, NOW)).toBe(20);
    expect(scaleUpLimit(10, younger, [], DEFAULT_SCALE_UP, NOW)).toBe(10);
    expect(scaleDownLimit(10, [], exactly, DEFAULT_SCALE_DOWN, NOW)).toBe(0);
    expect(scaleDownLimit(10, [], younger, DEFAULT_SCALE_DOWN, NOW)).toBe(0);
    expect(scaleDownLimit(10, [], younger, rules(0, 0, 50, 15, 0), NOW)).toBe(7);
    expect(scaleDownLimit(10, [], exactly, rules(0, 0, 50, 15, 0), NOW)).toBe(5);
  });

  it('both directions of events move the period start of both limits', () => {
    const up = frozen([{ change: 3, at: ago(5 * SEC), outdated: false }]);
    const down = frozen([{ change: 1, at: ago(5 * SEC), outdated: false }]);
    // start = 10 − 3 + 1 = 8
    expect(scaleUpLimit(10, up, down, rules(2, 15, 0, 0, 0), NOW)).toBe(10);
    expect(scaleDownLimit(10, up, down, rules(2, 15, 0, 0, 0), NOW)).toBe(6);
  });

  it('a recommendation exactly one window old is outside the behavior window, and its slot is not reused', () => {
    const b = behavior(undefined, { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 300 });
    const exactly = normalizeWithBehavior(
      frozen({ ...base, proposal: 3, currentReplicas: 10, behavior: b, recommendations: [{ replicas: 10, at: ago(300 * SEC) }] }),
    );
    expect(exactly.stabilized).toBe(3);
    expect(exactly.recommendations).toEqual([{ replicas: 10, at: ago(300 * SEC) }, { replicas: 3, at: NOW }]);
    const inside = normalizeWithBehavior(
      frozen({ ...base, proposal: 3, currentReplicas: 10, behavior: b, recommendations: [{ replicas: 10, at: ago(300 * SEC - 1) }] }),
    );
    expect(inside.stabilized).toBe(10);
    const older = normalizeWithBehavior(
      frozen({ ...base, proposal: 3, currentReplicas: 10, behavior: b, recommendations: [{ replicas: 10, at: ago(300 * SEC + 1) }] }),
    );
    expect(older.recommendations).toEqual([{ replicas: 3, at: NOW }]);
  });

  it('the legacy path still counts a recommendation exactly one window old (Go: not Before the cutoff)', () => {
    const legacy = (at: number) =>
      normalizeLegacy(
        frozen({ proposal: 3, currentReplicas: 10, minReplicas: 1, maxReplicas: 100, now: NOW, downscaleWindowMs: DOWNSCALE_WINDOW_MS, recommendations: [{ replicas: 10, at }] }),
      );
    const exactly = legacy(ago(DOWNSCALE_WINDOW_MS));
    expect(exactly).toMatchObject({ replicas: 10, stabilized: 10, ableToScale: { reason: 'ScaleDownStabilized' } });
    expect(exactly.recommendations).toHaveLength(2);
    const older = legacy(ago(DOWNSCALE_WINDOW_MS + 1));
    expect(older).toMatchObject({ replicas: 3, stabilized: 3, ableToScale: { reason: 'ReadyForNewScale' } });
    expect(older.recommendations).toEqual([{ replicas: 3, at: NOW }]);
  });

  it('an unset scale-down window takes the controller flag in whole seconds; the legacy path uses it to the millisecond', () => {
    const recommendations = [{ replicas: 10, at: ago(300_500) }];
    const withFlag = { proposal: 3, currentReplicas: 10, downscaleWindowMs: 300_999, recommendations };
    expect(normalizeWithBehavior(frozen({ ...base, ...withFlag, behavior: behavior() })).stabilized).toBe(3);
    expect(normalizeLegacy(frozen({ ...base, ...withFlag })).stabilized).toBe(10);
    // the default flag: 5 minutes hold a scale-down
    const fourMinutes = [{ replicas: 10, at: ago(4 * MIN) }];
    expect(normalizeWithBehavior(frozen({ ...base, proposal: 3, currentReplicas: 10, behavior: behavior(), recommendations: fourMinutes })).stabilized).toBe(10);
  });

  it('an unset scale-up window is 0: a lower recent recommendation does not hold a scale-up', () => {
    const up: ScalingRules = { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] };
    const out = normalizeWithBehavior(
      frozen({ ...base, proposal: 8, currentReplicas: 4, behavior: behavior(up), recommendations: [{ replicas: 4, at: ago(SEC) }] }),
    );
    expect(out).toMatchObject({ replicas: 8, stabilized: 8, ableToScale: { reason: 'ReadyForNewScale' } });
  });

  it('stabilization needs every recommendation in the up window above current to scale up', () => {
    const b = behavior({ ...DEFAULT_SCALE_UP, stabilizationWindowSeconds: 60 });
    const out = normalizeWithBehavior(
      frozen({
        ...base,
        proposal: 9,
        currentReplicas: 4,
        behavior: b,
        recommendations: [{ replicas: 6, at: ago(30 * SEC) }, { replicas: 3, at: ago(20 * SEC) }],
      }),
    );
    expect(out).toMatchObject({
      replicas: 4,
      stabilized: 4,
      ableToScale: {
        reason: 'ScaleUpStabilized',
        message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
      },
      scalingLimited: { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
    });
  });

  it('selectPolicy Disabled holds the direction at current', () => {
    const disabled: ScalingRules = { selectPolicy: 'Disabled', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] };
    const up = normalizeWithBehavior(frozen({ ...base, proposal: 9, currentReplicas: 4, behavior: behavior(disabled), recommendations: [] }));
    expect(up).toMatchObject({ replicas: 4, scalingLimited: { status: 'True', reason: 'ScaleUpLimit' } });
    const down = normalizeWithBehavior(
      frozen({ ...base, proposal: 1, currentReplicas: 4, behavior: behavior(undefined, { ...disabled, stabilizationWindowSeconds: 0 }), recommendations: [] }),
    );
    expect(down).toMatchObject({ replicas: 4, scalingLimited: { status: 'True', reason: 'ScaleDownLimit' } });
    expect(scaleUpLimit(4, [], [], disabled, NOW)).toBe(4);
    expect(scaleDownLimit(4, [], [], disabled, NOW)).toBe(4);
  });

  it('min and max clamp only in the direction of travel (a proposal equal to current passes through)', () => {
    const out = normalizeWithBehavior(frozen({ ...base, minReplicas: 5, maxReplicas: 6, proposal: 3, currentReplicas: 3, behavior: behavior(), recommendations: [] }));
    expect(out).toMatchObject({ replicas: 3, scalingLimited: { status: 'False', reason: 'DesiredWithinRange' } });
  });

  it('writes every condition text as Kubernetes does', () => {
    const legacy = (proposal: number, current: number, max: number, recommendations: Recommendation[] = []) =>
      normalizeLegacy(frozen({ proposal, currentReplicas: current, minReplicas: 2, maxReplicas: max, now: NOW, downscaleWindowMs: DOWNSCALE_WINDOW_MS, recommendations }));
    expect(legacy(1, 3, 10)).toMatchObject({
      ableToScale: { reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
      scalingLimited: { status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' },
    });
    expect(legacy(9, 3, 5)).toMatchObject({
      scalingLimited: { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' },
    });
    expect(legacy(9, 3, 100)).toMatchObject({
      replicas: 6,
      scalingLimited: { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' },
    });
    expect(legacy(3, 5, 10, [{ replicas: 5, at: NOW }])).toMatchObject({
      ableToScale: {
        reason: 'ScaleDownStabilized',
        message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
      },
    });
    const down = normalizeWithBehavior(
      frozen({ ...base, proposal: 1, currentReplicas: 10, behavior: behavior(undefined, rules(2, 60, 0, 0, 0)), recommendations: [] }),
    );
    expect(down.scalingLimited).toEqual({
      status: 'True',
      reason: 'ScaleDownLimit',
      message: 'the desired replica count is decreasing faster than the maximum scale rate',
    });
  });

  it('recordScaleEvent: an event exactly the longest period old is not outdated; an older one gives its slot', () => {
    const b = behavior();
    const exactly = recordScaleEvent(
      frozen({ behavior: b, from: 2, to: 5, now: NOW, scaleUpEvents: [{ change: 1, at: ago(15 * SEC), outdated: false }], scaleDownEvents: [] }),
    );
    expect(exactly.scaleUpEvents).toEqual([
      { change: 1, at: ago(15 * SEC), outdated: false },
      { change: 3, at: NOW, outdated: false },
    ]);
    const older = recordScaleEvent(
      frozen({ behavior: b, from: 2, to: 5, now: NOW, scaleUpEvents: [{ change: 1, at: ago(15 * SEC + 1), outdated: false }], scaleDownEvents: [] }),
    );
    expect(older.scaleUpEvents).toEqual([{ change: 3, at: NOW, outdated: false }]);
  });

  it('recordScaleEvent: an event marked outdated earlier keeps its mark and its slot is reusable', () => {
    const out = recordScaleEvent(
      frozen({
        behavior: behavior(),
        from: 8,
        to: 6,
        now: NOW,
        scaleUpEvents: [{ change: 2, at: ago(SEC), outdated: false }],
        scaleDownEvents: [
          { change: 3, at: ago(5 * SEC), outdated: true },
          { change: 4, at: ago(2 * SEC), outdated: false },
        ],
      }),
    );
    expect(out.scaleDownEvents).toEqual([
      { change: 2, at: NOW, outdated: false },
      { change: 4, at: ago(2 * SEC), outdated: false },
    ]);
    expect(out.scaleUpEvents).toEqual([{ change: 2, at: ago(SEC), outdated: false }]);
  });

  it('recordScaleEvent: each direction uses the longest period of its own rules', () => {
    const b = behavior(rules(4, 60, 0, 0, 0), rules(4, 30, 0, 0, 0));
    const events = [{ change: 1, at: ago(45 * SEC), outdated: false }];
    const up = recordScaleEvent(frozen({ behavior: b, from: 1, to: 3, now: NOW, scaleUpEvents: events, scaleDownEvents: events }));
    expect(up.scaleUpEvents).toHaveLength(2);
    const down = recordScaleEvent(frozen({ behavior: b, from: 3, to: 1, now: NOW, scaleUpEvents: events, scaleDownEvents: events }));
    expect(down.scaleDownEvents).toEqual([{ change: 2, at: NOW, outdated: false }]);
  });

  it('recordScaleEvent returns new arrays, never the inputs', () => {
    const scaleUpEvents = frozen([{ change: 1, at: ago(SEC), outdated: false }]);
    const scaleDownEvents = frozen([] as ScaleEvent[]);
    const out = recordScaleEvent({ behavior: behavior(), from: 1, to: 2, now: NOW, scaleUpEvents, scaleDownEvents });
    expect(out.scaleUpEvents).not.toBe(scaleUpEvents);
    expect(out.scaleDownEvents).not.toBe(scaleDownEvents);
  });

  it('normalization returns a new recommendation list and leaves the input as it was', () => {
    const recommendations = frozen([{ replicas: 4, at: ago(10 * MIN) }]);
    const out = normalizeLegacy({ proposal: 3, currentReplicas: 4, minReplicas: 1, maxReplicas: 10, now: NOW, downscaleWindowMs: DOWNSCALE_WINDOW_MS, recommendations });
    expect(out.recommendations).not.toBe(recommendations);
    expect(recommendations).toEqual([{ replicas: 4, at: ago(10 * MIN) }]);
  });

  it("exports Kubernetes' default behavior, frozen", () => {
    expect(DEFAULT_SCALE_UP).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    expect(DEFAULT_SCALE_DOWN).toEqual({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect('stabilizationWindowSeconds' in DEFAULT_SCALE_DOWN).toBe(false);
    expect(Object.isFrozen(DEFAULT_SCALE_UP) && Object.isFrozen(DEFAULT_SCALE_UP.policies) && Object.isFrozen(DEFAULT_SCALE_UP.policies[0])).toBe(true);
    expect(Object.isFrozen(DEFAULT_SCALE_DOWN) && Object.isFrozen(DEFAULT_SCALE_DOWN.policies)).toBe(true);
  });
});
