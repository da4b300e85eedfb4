/**
 * UTC calendar months (pure). Keys are 'YYYY-MM' (four-digit year, two-digit month).
 */

/** Epoch ms of the first instant of month `month0` (0-based, may overflow into other years) of `year`. */
function utcMonth(year: number, month0: number): number {
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear takes the year as given.
  const d = new Date(0);
  d.setUTCFullYear(year, month0, 1);
  return d.getTime();
}

/** The start (epoch ms) of the UTC calendar month containing t. */
export function monthStart(t: number): number {
  const d = new Date(t);
  return utcMonth(d.getUTCFullYear(), d.getUTCMonth());
}

/** The start of the UTC calendar month after the one containing t. */
export function nextMonthStart(t: number): number {
  const d = new Date(t);
  return utcMonth(d.getUTCFullYear(), d.getUTCMonth() + 1);
}

/** The start of the UTC calendar month before the one containing t. */
export function previousMonthStart(t: number): number {
  const d = new Date(t);
  return utcMonth(d.getUTCFullYear(), d.getUTCMonth() - 1);
}

/** The UTC calendar month containing t as 'YYYY-MM' ('2026-11'). */
export function monthKey(t: number): string {
  const d = new Date(t);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The start (epoch ms) of the month a 'YYYY-MM' key names; null for a malformed or out-of-range key. */
export function parseMonthKey(key: string): number | null {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return utcMonth(year, month - 1);
}
