/**
 * Per-second metering into hourly usage buckets (pure: no I/O, no clock, no randomness).
 *
 * A pod is billed from the start of its first image pull (`from`) to its termination (`until`),
 * in whole seconds rounded up. Billed second k (0 ≤ k < N) covers [from + 1000k, from + 1000(k+1))
 * and belongs to the UTC hour containing its start instant from + 1000k, so the hourly buckets of
 * a pod always add up to exactly its billed seconds.
 */
import { HOUR_MS, type MeterInput, type MeterPlan } from './types';

const SECOND_MS = 1000;

/** Whole billed seconds of [from, until), rounded up: ceil((until − from) / 1000); 0 when until ≤ from. */
export function billedSeconds(from: number, until: number): number {
  if (!(until > from)) return 0;
  return Math.ceil((until - from) / SECOND_MS);
}

/** The start (epoch ms) of the UTC hour containing t. */
export function hourStart(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}

/**
 * Billed seconds (of a pod billed from `from` with `n` seconds) whose start instant is before x:
 * the k in [0, n) with from + 1000k < x.
 */
function secondsStartingBefore(from: number, n: number, x: number): number {
  if (x <= from) return 0;
  return Math.min(n, Math.ceil((x - from) / SECOND_MS));
}

/**
 * The billed seconds of [from, until) by the UTC hour their start instant falls in: one entry per
 * hour (epoch ms of the hour's start, ascending) with seconds > 0 and hour ≥ sinceHour.
 * O(number of hours). Over all hours (sinceHour = -Infinity) the seconds add up to
 * billedSeconds(from, until) exactly.
 */
export function hourBuckets(from: number, until: number, sinceHour = -Infinity): { hour: number; seconds: number }[] {
  const n = billedSeconds(from, until);
  if (n === 0) return [];
  const lastHour = hourStart(from + SECOND_MS * (n - 1));
  let hour = hourStart(from);
  if (sinceHour > hour) hour = Math.ceil(sinceHour / HOUR_MS) * HOUR_MS;
  const out: { hour: number; seconds: number }[] = [];
  for (; hour <= lastHour; hour += HOUR_MS) {
    const seconds = secondsStartingBefore(from, n, hour + HOUR_MS) - secondsStartingBefore(from, n, hour);
    if (seconds > 0) out.push({ hour, seconds });
  }
  return out;
}

/**
 * What one meter pass writes for one ledger row at `now`; null when there is nothing to write.
 *
 * The row is billed up to end = until (a terminated pod) or now (a running pod; the second in
 * progress counts, rounded up like the final second of a terminated pod). The plan's buckets
 * replace the pod's buckets from `fromHour` on:
 *
 * - never metered: fromHour is the hour of `from` (everything is written);
 * - metered before up to meteredUntil: every second starting before min(meteredUntil, end) is
 *   billed both by the previous pass and by this one, so the buckets of the hours before the hour
 *   of max(from, min(meteredUntil, end)) are unchanged and final. From that hour on the buckets
 *   are recomputed, and the caller deletes the pod's buckets with hour ≥ fromHour that the plan
 *   does not list: a stale bucket of a running pod metered past a termination that was recorded
 *   late (until < the previous now).
 *
 * Applying a plan (with its meteredUntil, atomically) turns buckets equal to
 * hourBuckets(from, meteredUntil) into hourBuckets(from, end): plans are idempotent and a pod's
 * final buckets are hourBuckets(from, until) whatever sequence of passes came before.
 * A terminated row whose meteredUntil is its until is final: null.
 */
export function meterPlan(row: MeterInput, now: number): MeterPlan | null {
  if (row.until !== null && row.meteredUntil === row.until) return null;
  const end = row.until ?? now;
  if (end <= row.from) {
    // Nothing billable yet (a running pod whose start is not behind now), or a pod that ended
    // before it started: its (possibly written) buckets are all deleted.
    return row.until === null ? null : { fromHour: hourStart(row.from), buckets: [], meteredUntil: row.until, final: true };
  }
  const fromHour = row.meteredUntil === null
    ? hourStart(row.from)
    : hourStart(Math.max(row.from, Math.min(row.meteredUntil, end)));
  return {
    fromHour,
    buckets: hourBuckets(row.from, end, fromHour),
    meteredUntil: end,
    final: row.until !== null,
  };
}
