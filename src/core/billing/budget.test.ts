import { describe, it, expect } from 'vitest';
import { BUDGET_THRESHOLDS, budgetPeriod, crossedThresholds, percentOf } from './budget';

const at = (iso: string): number => Date.parse(iso);

/** Micro-units of a whole currency amount; nano-units of a decimal one. */
const micro = (units: number): bigint => BigInt(units) * 1_000_000n;
const nano = (units: number): bigint => BigInt(Math.round(units * 1_000_000)) * 1000n;

describe('BUDGET_THRESHOLDS', () => {
  it('is 50, 80, 100 ascending', () => expect(BUDGET_THRESHOLDS).toEqual([50, 80, 100]));
});

describe('crossedThresholds', () => {
  const budget = micro(100);
  const cases: [name: string, spentNano: bigint, budgetMicro: bigint, alerted: number, expected: number[]][] = [
    ['nothing spent', 0n, budget, 0, []],
    ['below the first threshold', nano(49.99), budget, 0, []],
    ['one crossed', nano(62), budget, 0, [50]],
    ['several at once, in order (0 → 85 %)', nano(85), budget, 0, [50, 80]],
    ['already alerted at 50 %', nano(60), budget, 50, []],
    ['already alerted at 50 %, now 85 %', nano(85), budget, 50, [80]],
    ['already alerted at 80 %, now 99 %', nano(99), budget, 80, []],
    ['exactly at 50 %', nano(50), budget, 0, [50]],
    ['one nano-unit below 50 %', nano(50) - 1n, budget, 0, []],
    ['exactly at 100 %', nano(100), budget, 80, [100]],
    ['over 100 % from nothing alerted', nano(250), budget, 0, [50, 80, 100]],
    ['over 100 % already alerted at 100 %', nano(250), budget, 100, []],
    ['an alertedPercent between thresholds', nano(85), budget, 60, [80]],
    ['a zero budget', nano(10), 0n, 0, []],
    ['a negative budget', nano(10), -1n, 0, []],
    ['a negative spend', -nano(10), budget, 0, []],
    ['a tiny budget, exactly: 1 micro-unit, spent 500 nano = 50 %', 500n, 1n, 0, [50]],
    ['a tiny budget, exactly: 1 micro-unit, spent 499 nano < 50 %', 499n, 1n, 0, []],
  ];
  for (const [name, spentNano, budgetMicro, alerted, expected] of cases) {
    it(name, () => expect(crossedThresholds(spentNano, budgetMicro, alerted)).toEqual(expected));
  }

  it('compares exactly beyond double precision', () => {
    const big = 10n ** 20n; // micro-units
    const half = big * 1000n / 2n; // nano-units
    expect(crossedThresholds(half, big, 0)).toEqual([50]);
    expect(crossedThresholds(half - 1n, big, 0)).toEqual([]);
  });
});

describe('budgetPeriod', () => {
  it('is the calendar month containing the instant', () => {
    expect(budgetPeriod('MONTHLY', at('2026-11-15T08:00:00Z'))).toEqual({
      start: at('2026-11-01T00:00:00Z'), end: at('2026-12-01T00:00:00Z'), key: '2026-11',
    });
  });

  it('crosses December into January', () => {
    expect(budgetPeriod('MONTHLY', at('2026-12-31T23:59:59.999Z'))).toEqual({
      start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z'), key: '2026-12',
    });
    expect(budgetPeriod('MONTHLY', at('2027-01-01T00:00:00Z')).key).toBe('2027-01');
  });

  it('a leap February', () => {
    expect(budgetPeriod('MONTHLY', at('2028-02-29T00:00:00Z'))).toEqual({
      start: at('2028-02-01T00:00:00Z'), end: at('2028-03-01T00:00:00Z'), key: '2028-02',
    });
  });
});

describe('percentOf', () => {
  const cases: [name: string, spentNano: bigint, budgetMicro: bigint, expected: number][] = [
    ['nothing spent', 0n, micro(100), 0],
    ['floored to a tenth', nano(83.49), micro(100), 83.4],
    ['just below a tenth', nano(83.4) - 1n, micro(100), 83.3],
    ['exactly a threshold', nano(80), micro(100), 80],
    ['over 100 %', nano(250.06), micro(100), 250],
    ['a third', nano(1), micro(3), 33.3],
    ['two thirds (floored, not rounded)', nano(2), micro(3), 66.6],
    ['a zero budget', nano(10), 0n, 0],
    ['a negative budget', nano(10), -micro(1), 0],
    ['a negative spend floors down', -1n, micro(100), -0.1],
  ];
  for (const [name, spentNano, budgetMicro, expected] of cases) {
    it(name, () => expect(percentOf(spentNano, budgetMicro)).toBe(expected));
  }
});
