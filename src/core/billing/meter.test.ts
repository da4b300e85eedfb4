import { describe, it, expect } from 'vitest';
import { HOUR_MS, type MeterInput, type MeterPlan } from './types';
import { billedSeconds, hourBuckets, hourStart, meterPlan } from './meter';
import { mulberry32 } from '../random';

const at = (iso: string): number => Date.parse(iso);
const DAY_MS = 24 * HOUR_MS;

/** An integer in [lo, hi]. */
function int(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** A random duration in ms, mostly small but sometimes spanning days or months. */
function duration(rand: () => number): number {
  switch (int(rand, 0, 4)) {
    case 0: return int(rand, 0, 2_000);
    case 1: return int(rand, 0, 120_000);
    case 2: return int(rand, 0, 3 * HOUR_MS);
    case 3: return int(rand, 0, 3 * DAY_MS);
    default: return int(rand, 0, 60 * DAY_MS);
  }
}

/** A random pod start, often near an hour boundary. */
function start(rand: () => number): number {
  const hour = at('2026-01-01T00:00:00Z') + int(rand, 0, 24 * 400) * HOUR_MS;
  return rand() < 0.5 ? hour + int(rand, -2_000, 2_000) : hour + int(rand, 0, HOUR_MS - 1);
}

type Buckets = Map<number, number>;

/** Applies a plan to a pod's buckets the way the store does. */
function apply(buckets: Buckets, plan: MeterPlan): void {
  const keep = new Map(plan.buckets.map((b) => [b.hour, b.seconds]));
  for (const hour of [...buckets.keys()]) if (hour >= plan.fromHour && !keep.has(hour)) buckets.delete(hour);
  for (const [hour, seconds] of keep) buckets.set(hour, seconds);
}

/** A meter pass on a row: applies the plan and updates meteredUntil; returns the plan. */
function pass(row: MeterInput, buckets: Buckets, now: number): MeterPlan | null {
  const plan = meterPlan(row, now);
  if (plan) {
    apply(buckets, plan);
    row.meteredUntil = plan.meteredUntil;
  }
  return plan;
}

function asMap(list: { hour: number; seconds: number }[]): Buckets {
  return new Map(list.map((b) => [b.hour, b.seconds]));
}

function sorted(buckets: Buckets): [number, number][] {
  return [...buckets.entries()].filter(([, s]) => s !== 0).sort((a, b) => a[0] - b[0]);
}

/** Whether a bucket map holds exactly the listed buckets (cheap enough for long-running pods). */
function sameBuckets(buckets: Buckets, list: { hour: number; seconds: number }[]): boolean {
  if (buckets.size !== list.length) return false;
  return list.every((b) => buckets.get(b.hour) === b.seconds);
}

function total(list: { seconds: number }[]): number {
  return list.reduce((s, b) => s + b.seconds, 0);
}

describe('billedSeconds', () => {
  const cases: [name: string, from: number, until: number, expected: number][] = [
    ['nothing when until is from', 1_000, 1_000, 0],
    ['nothing when until is before from', 5_000, 1_000, 0],
    ['a millisecond bills a second', 1_000, 1_001, 1],
    ['a sub-second lifetime bills a second', 1_000, 1_999, 1],
    ['exactly one second', 1_000, 2_000, 1],
    ['one second and a millisecond bills two', 1_000, 2_001, 2],
    ['an hour', at('2026-03-01T10:00:00Z'), at('2026-03-01T11:00:00Z'), 3_600],
    ['40 days', at('2026-03-01T00:00:00Z'), at('2026-03-01T00:00:00Z') + 40 * DAY_MS, 40 * 86_400],
  ];
  for (const [name, from, until, expected] of cases) {
    it(name, () => expect(billedSeconds(from, until)).toBe(expected));
  }
});

describe('hourStart', () => {
  it('floors to the UTC hour', () => {
    expect(hourStart(at('2026-03-01T10:59:59.999Z'))).toBe(at('2026-03-01T10:00:00Z'));
    expect(hourStart(at('2026-03-01T11:00:00Z'))).toBe(at('2026-03-01T11:00:00Z'));
    expect(hourStart(at('2026-03-01T11:00:00.001Z'))).toBe(at('2026-03-01T11:00:00Z'));
  });
});

describe('hourBuckets', () => {
  const h = (iso: string) => at(iso);
  const cases: [name: string, from: number, until: number, expected: { hour: number; seconds: number }[]][] = [
    ['nothing for an empty lifetime', h('2026-03-01T10:00:00Z'), h('2026-03-01T10:00:00Z'), []],
    ['nothing when until is before from', h('2026-03-01T10:00:05Z'), h('2026-03-01T10:00:00Z'), []],
    ['exactly one hour, on the boundaries', h('2026-03-01T10:00:00Z'), h('2026-03-01T11:00:00Z'),
      [{ hour: h('2026-03-01T10:00:00Z'), seconds: 3_600 }]],
    ['exactly two hours, on the boundaries', h('2026-03-01T10:00:00Z'), h('2026-03-01T12:00:00Z'),
      [{ hour: h('2026-03-01T10:00:00Z'), seconds: 3_600 }, { hour: h('2026-03-01T11:00:00Z'), seconds: 3_600 }]],
    ['a sub-second lifetime is one second in its start hour', h('2026-03-01T10:30:00.200Z'), h('2026-03-01T10:30:00.300Z'),
      [{ hour: h('2026-03-01T10:00:00Z'), seconds: 1 }]],
    ['a second starting at 10:59:59.500 belongs to 10:00', h('2026-03-01T10:59:59.500Z'), h('2026-03-01T11:00:00.500Z'),
      [{ hour: h('2026-03-01T10:00:00Z'), seconds: 1 }]],
    ['a sub-second lifetime across the hour belongs to its start hour', h('2026-03-01T10:59:59.900Z'), h('2026-03-01T11:00:00.100Z'),
      [{ hour: h('2026-03-01T10:00:00Z'), seconds: 1 }]],
    ['the second starting on the hour belongs to the new hour', h('2026-03-01T10:59:59Z'), h('2026-03-01T11:00:01Z'),
      [{ hour: h('2026-03-01T10:00:00Z'), seconds: 1 }, { hour: h('2026-03-01T11:00:00Z'), seconds: 1 }]],
    ['an off-grid start splits hours on its own second grid', h('2026-03-01T10:59:58.500Z'), h('2026-03-01T11:00:00.600Z'),
      // seconds start at :58.500, :59.500, 11:00:00.500 (the last one rounded up)
      [{ hour: h('2026-03-01T10:00:00Z'), seconds: 2 }, { hour: h('2026-03-01T11:00:00Z'), seconds: 1 }]],
    ['across a month boundary', h('2026-01-31T23:30:00Z'), h('2026-02-01T00:45:00.001Z'),
      [{ hour: h('2026-01-31T23:00:00Z'), seconds: 1_800 }, { hour: h('2026-02-01T00:00:00Z'), seconds: 2_701 }]],
  ];
  for (const [name, from, until, expected] of cases) {
    it(name, () => {
      expect(hourBuckets(from, until)).toEqual(expected);
      expect(total(hourBuckets(from, until))).toBe(billedSeconds(from, until));
    });
  }

  it('a pod 40 days long: 960 full hours plus the partial ones', () => {
    const from = at('2026-03-01T08:15:00.250Z');
    const until = from + 40 * DAY_MS;
    const buckets = hourBuckets(from, until);
    expect(buckets).toHaveLength(961);
    expect(buckets[0]).toEqual({ hour: at('2026-03-01T08:00:00Z'), seconds: 2_700 });
    expect(buckets[960]).toEqual({ hour: at('2026-04-10T08:00:00Z'), seconds: 900 });
    expect(buckets.slice(1, 960).every((b) => b.seconds === 3_600)).toBe(true);
    expect(buckets.every((b, i) => i === 0 || b.hour === buckets[i - 1].hour + HOUR_MS)).toBe(true);
    expect(total(buckets)).toBe(40 * 86_400);
  });

  it('keeps only hours ≥ sinceHour', () => {
    const from = at('2026-03-01T10:30:00Z');
    const until = at('2026-03-01T13:30:00Z');
    expect(hourBuckets(from, until, at('2026-03-01T12:00:00Z'))).toEqual([
      { hour: at('2026-03-01T12:00:00Z'), seconds: 3_600 },
      { hour: at('2026-03-01T13:00:00Z'), seconds: 1_800 },
    ]);
    expect(hourBuckets(from, until, at('2026-03-01T11:00:00.001Z'))).toEqual(hourBuckets(from, until, at('2026-03-01T12:00:00Z')));
    expect(hourBuckets(from, until, at('2026-03-01T14:00:00Z'))).toEqual([]);
    expect(hourBuckets(from, until, at('2026-03-01T00:00:00Z'))).toEqual(hourBuckets(from, until));
  });

  it('is O(hours): a year-long pod is quick', () => {
    const from = at('2026-01-01T00:00:00.123Z');
    // every second starts at :ss.123, so the last one starts in the hour before until's
    expect(hourBuckets(from, from + 365 * DAY_MS)).toHaveLength(365 * 24);
    const buckets = hourBuckets(from + 15 * 60_000, from + 15 * 60_000 + 365 * DAY_MS);
    expect(buckets).toHaveLength(365 * 24 + 1);
    expect(total(buckets)).toBe(365 * 86_400);
  });

  it('property: Σ buckets = billedSeconds, hours ascending and positive (2,000 random cases)', () => {
    const rand = mulberry32(0xb111);
    for (let i = 0; i < 2_000; i++) {
      const from = start(rand);
      const until = from + duration(rand) - (rand() < 0.05 ? 3_000 : 0);
      const buckets = hourBuckets(from, until);
      expect(total(buckets)).toBe(billedSeconds(from, until));
      // checked in plain code (tens of thousands of buckets), asserted once per case
      const bad = buckets.findIndex((b, j) => !(b.seconds > 0 && b.seconds <= 3_600 && b.hour % HOUR_MS === 0
        && (j === 0 || b.hour > buckets[j - 1].hour)));
      expect(bad, `bucket ${bad} of ${JSON.stringify({ from, until })}`).toBe(-1);
      // the filtered list is the tail of the full list
      const since = hourStart(from + int(rand, -HOUR_MS, Math.max(0, until - from)));
      expect(sameBuckets(asMap(hourBuckets(from, until, since)), buckets.filter((b) => b.hour >= since))).toBe(true);
    }
  });

  it('agrees with counting second by second on short lifetimes', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 300; i++) {
      const from = start(rand);
      const until = from + int(rand, 0, 3 * HOUR_MS);
      const naive = new Map<number, number>();
      for (let k = 0; k < billedSeconds(from, until); k++) {
        const hour = hourStart(from + 1000 * k);
        naive.set(hour, (naive.get(hour) ?? 0) + 1);
      }
      expect(sorted(asMap(hourBuckets(from, until)))).toEqual(sorted(naive));
    }
  });
});

describe('meterPlan', () => {
  const from = at('2026-03-01T10:30:00.250Z');

  it('does nothing for a running pod that has not started by now', () => {
    expect(meterPlan({ from, until: null, meteredUntil: null }, from)).toBeNull();
    expect(meterPlan({ from, until: null, meteredUntil: null }, from - 10)).toBeNull();
  });

  it('finalizes a pod that ended before it started with no buckets', () => {
    expect(meterPlan({ from, until: from, meteredUntil: null }, from + HOUR_MS)).toEqual({
      fromHour: at('2026-03-01T10:00:00Z'), buckets: [], meteredUntil: from, final: true,
    });
  });

  it('first pass of a running pod writes everything up to now, counting the second in progress', () => {
    const now = at('2026-03-01T11:00:10Z');
    expect(meterPlan({ from, until: null, meteredUntil: null }, now)).toEqual({
      fromHour: at('2026-03-01T10:00:00Z'),
      buckets: [{ hour: at('2026-03-01T10:00:00Z'), seconds: 1_800 }, { hour: at('2026-03-01T11:00:00Z'), seconds: 10 }],
      meteredUntil: now,
      final: false,
    });
  });

  it('a later pass rewrites from the hour of the previous meteredUntil', () => {
    const plan = meterPlan({ from, until: null, meteredUntil: at('2026-03-01T12:20:00Z') }, at('2026-03-01T13:05:00Z'));
    expect(plan).toEqual({
      fromHour: at('2026-03-01T12:00:00Z'),
      buckets: [{ hour: at('2026-03-01T12:00:00Z'), seconds: 3_600 }, { hour: at('2026-03-01T13:00:00Z'), seconds: 300 }],
      meteredUntil: at('2026-03-01T13:05:00Z'),
      final: false,
    });
  });

  it('a termination recorded late rewrites from the hour of until (stale later buckets are deleted)', () => {
    const until = at('2026-03-01T11:15:00Z');
    const plan = meterPlan({ from, until, meteredUntil: at('2026-03-01T13:20:00Z') }, at('2026-03-01T13:30:00Z'));
    expect(plan).toEqual({
      fromHour: at('2026-03-01T11:00:00Z'),
      buckets: [{ hour: at('2026-03-01T11:00:00Z'), seconds: 900 }],
      meteredUntil: until,
      final: true,
    });
  });

  it('a terminated pod bills up to until whatever now is', () => {
    const until = from + 2_500;
    expect(meterPlan({ from, until, meteredUntil: null }, from + 100 * HOUR_MS)).toEqual({
      fromHour: at('2026-03-01T10:00:00Z'),
      buckets: [{ hour: at('2026-03-01T10:00:00Z'), seconds: 3 }],
      meteredUntil: until,
      final: true,
    });
  });

  it('does nothing once final', () => {
    const until = from + HOUR_MS;
    expect(meterPlan({ from, until, meteredUntil: until }, until + HOUR_MS)).toBeNull();
    expect(meterPlan({ from, until: from, meteredUntil: from }, from + HOUR_MS)).toBeNull();
  });

  it('property: any passes, then a (possibly late) termination, yield exactly hourBuckets(from, until)', () => {
    const rand = mulberry32(0x5eed);
    for (let i = 0; i < 2_000; i++) {
      const podFrom = start(rand);
      const row: MeterInput = { from: podFrom, until: null, meteredUntil: null };
      const buckets: Buckets = new Map();
      let now = podFrom - int(rand, 0, 5_000);
      const passes = int(rand, 0, 6);
      for (let p = 0; p < passes; p++) {
        now += duration(rand);
        pass(row, buckets, now);
        // invariant: the buckets are always those of [from, meteredUntil)
        expect(sameBuckets(buckets, hourBuckets(podFrom, row.meteredUntil ?? podFrom))).toBe(true);
      }
      // the termination: usually before the last now (recorded late), sometimes after, rarely before from
      const r = rand();
      const until = r < 0.45 ? podFrom + int(rand, 0, Math.max(0, now - podFrom))
        : r < 0.9 ? now + duration(rand)
        : podFrom - int(rand, 0, 3_000);
      row.until = until;
      const finalPlan = pass(row, buckets, now + duration(rand));
      expect(finalPlan?.final ?? row.meteredUntil === until).toBe(true);
      expect(row.meteredUntil).toBe(until);
      expect(sameBuckets(buckets, hourBuckets(podFrom, until)), JSON.stringify({ podFrom, until })).toBe(true);
      // final: nothing left to do
      expect(meterPlan(row, now + 10 * DAY_MS)).toBeNull();
    }
  });

  it('property: re-running a plan (same row, same now) changes nothing', () => {
    const rand = mulberry32(0xa11ce);
    for (let i = 0; i < 2_000; i++) {
      const podFrom = start(rand);
      const terminated = rand() < 0.5;
      const row: MeterInput = {
        from: podFrom,
        until: terminated ? podFrom + duration(rand) : null,
        meteredUntil: rand() < 0.3 ? null : podFrom + duration(rand),
      };
      const buckets = asMap(hourBuckets(podFrom, row.meteredUntil ?? podFrom));
      const now = podFrom + duration(rand) - (rand() < 0.05 ? 5_000 : 0);
      const input = { ...row };
      const plan = meterPlan(input, now);
      if (!plan) continue;
      apply(buckets, plan);
      const once = [...buckets].map(([hour, seconds]) => ({ hour, seconds }));
      // the same plan again (a retried write)
      apply(buckets, plan);
      expect(sameBuckets(buckets, once)).toBe(true);
      // the plan computed again from the same input, applied again
      expect(meterPlan(input, now)).toEqual(plan);
      apply(buckets, meterPlan(input, now)!);
      expect(sameBuckets(buckets, once)).toBe(true);
      // the next pass, reading the updated row at the same now
      const next = meterPlan({ ...row, meteredUntil: plan.meteredUntil }, now);
      if (next) {
        expect(next.buckets).toEqual(plan.buckets.filter((b) => b.hour >= next.fromHour));
        apply(buckets, next);
      }
      expect(sameBuckets(buckets, once)).toBe(true);
    }
  });

  it('property: two interleaved meters, each reading the latest row, produce the same final map', () => {
    const rand = mulberry32(0xd0d0);
    for (let i = 0; i < 2_000; i++) {
      const podFrom = start(rand);
      const row: MeterInput = { from: podFrom, until: null, meteredUntil: null };
      const buckets: Buckets = new Map();
      // two meters with their own clocks (one may lag the other)
      const clocks = [podFrom - int(rand, 0, 3_000), podFrom - int(rand, 0, 3_000)];
      const steps = int(rand, 1, 12);
      const terminateAt = int(rand, 0, steps);
      let until: number | null = null;
      for (let s = 0; s <= steps; s++) {
        if (s === terminateAt) {
          until = Math.max(podFrom - 1_000, Math.min(...clocks) + int(rand, -HOUR_MS, HOUR_MS));
          row.until = until;
        }
        if (s === steps) break;
        const m = int(rand, 0, 1);
        clocks[m] += duration(rand);
        pass(row, buckets, clocks[m]);
      }
      // both meters pass once more after the termination is recorded
      pass(row, buckets, clocks[0] + 1);
      pass(row, buckets, clocks[1] + 1);
      expect(sameBuckets(buckets, hourBuckets(podFrom, until!)), JSON.stringify({ podFrom, until })).toBe(true);
      expect(row.meteredUntil).toBe(until);
    }
  });
});
