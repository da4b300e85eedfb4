/**
 * Budget alerts (pure). Spending is in nano-units (running estimates), budgets in micro-units;
 * comparisons are exact, in bigint.
 */
import { monthKey, monthStart, nextMonthStart } from './months';

/** The percentages of a budget at which an alert is sent, ascending. */
export const BUDGET_THRESHOLDS = [50, 80, 100] as const;

export type BudgetThreshold = (typeof BUDGET_THRESHOLDS)[number];

export type BudgetPeriodKind = 'MONTHLY';

const NANO_PER_MICRO = 1000n;

/**
 * The thresholds (ascending) newly crossed: t > alertedPercent (the highest threshold already
 * alerted this period; 0: none) and spent ≥ t % of the budget
 * (spentNano × 100 ≥ budgetMicro × 1000 × t). A budget ≤ 0 crosses nothing.
 */
export function crossedThresholds(spentNano: bigint, budgetMicro: bigint, alertedPercent: number): number[] {
  if (budgetMicro <= 0n) return [];
  return BUDGET_THRESHOLDS.filter(
    (t) => t > alertedPercent && spentNano * 100n >= budgetMicro * NANO_PER_MICRO * BigInt(t),
  );
}

/** The budget period containing `at`: [start, end) in epoch ms and its key ('2026-11'). */
export function budgetPeriod(period: BudgetPeriodKind, at: number): { start: number; end: number; key: string } {
  if (period !== 'MONTHLY') throw new RangeError(`unknown budget period ${String(period)}`);
  return { start: monthStart(at), end: nextMonthStart(at), key: monthKey(at) };
}

/** Floor division of bigints (toward −∞). */
function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return (n % d !== 0n) && ((n < 0n) !== (d < 0n)) ? q - 1n : q;
}

/** Spent as a percentage of the budget, floored to a tenth (83.4); a budget ≤ 0 → 0. */
export function percentOf(spentNano: bigint, budgetMicro: bigint): number {
  if (budgetMicro <= 0n) return 0;
  // tenths of a percent = spentNano / (budgetMicro × 1000) × 1000 = spentNano / budgetMicro
  return Number(floorDiv(spentNano, budgetMicro)) / 10;
}
