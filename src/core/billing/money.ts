/**
 * Integer money (pure). An amount is computed exactly from an integer quantity, a nano-unit price
 * and a basis-point rate, then rounded once, half away from zero, to the micro-unit.
 */
import { FULL_RATE_BP, type Resource } from './types';

/** Quantity units per priced unit: milli-cores per core, MiB per GiB, milli-cards per card. */
export const UNITS_PER_PRICED_UNIT: Record<Resource, bigint> = { cpu: 1000n, memory: 1024n, gpu: 1000n };

/** Nano-units per micro-unit. */
const NANO_PER_MICRO = 1000n;

/** Integer division rounded half away from zero. */
export function divRound(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (a * 2n + d) / (2n * d);
  return neg ? -q : q;
}

/** The exact amount's numerator and denominator in micro-units (amount = num / den). */
export function exactAmount(quantity: bigint, unitPriceNano: number, rateBp: number, resource: Resource): { num: bigint; den: bigint } {
  return { num: quantity * BigInt(unitPriceNano) * BigInt(rateBp), den: UNITS_PER_PRICED_UNIT[resource] * NANO_PER_MICRO * BigInt(FULL_RATE_BP) };
}

/** A line's amount in micro-units: quantity × unit price × rate, rounded once (half away from zero). */
export function amountMicro(quantity: bigint, unitPriceNano: number, rateBp: number, resource: Resource): bigint {
  const { num, den } = exactAmount(quantity, unitPriceNano, rateBp, resource);
  return divRound(num, den);
}

/** A line's amount in nano-units (for running estimates: budgets and the cost ticker). */
export function amountNano(quantity: bigint, unitPriceNano: number, rateBp: number, resource: Resource): bigint {
  const { num, den } = exactAmount(quantity * NANO_PER_MICRO, unitPriceNano, rateBp, resource);
  return divRound(num, den);
}

/** Micro-units as a decimal string with 6 places ("0.073344"); exact. */
export function formatMicro(micro: bigint): string {
  return formatScaled(micro, 6);
}

/** Nano-units as a decimal string with 9 places ("0.000033340"); exact. */
export function formatNano(nano: bigint | number): string {
  return formatScaled(BigInt(nano), 9);
}

function formatScaled(v: bigint, places: number): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(places + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -places)}.${s.slice(-places)}`;
}

/**
 * A decimal string ("0.00003334", "12.5") as an integer number of 10^-places units; null when it
 * has more decimals than that, is negative, or is not a plain decimal.
 */
export function parseDecimal(text: string, places: number): bigint | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > places && /[1-9]/.test(frac.slice(places))) return null;
  return BigInt(m[1]) * 10n ** BigInt(places) + BigInt((frac.slice(0, places) || '0').padEnd(places, '0'));
}
