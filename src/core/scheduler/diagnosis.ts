/**
 * kube-scheduler's FitError message, with "hosts" for "nodes":
 * "0/N hosts are available: <count> <reason>, <count> <reason>. <PostFilterMsg>"
 * Each "<count> <reason>" item is formatted first and the items are sorted as strings (Go's
 * sort.Strings: byte order), so a count's digits take part in the order, as upstream.
 */
import type { Status } from './types';

export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';

/** Byte order of the UTF-8 encodings (Go string comparison) for any JS strings. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Reason → number of hosts that gave it, over the statuses of the given hosts. */
export function countReasons(statuses: readonly (Status | null | undefined)[], hosts: number): Record<string, number> {
  const byStatus = new Map<Status, number>();
  for (let h = 0; h < hosts; h++) {
    const s = statuses[h];
    if (s) byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
  }
  const reasons: Record<string, number> = {};
  for (const [s, c] of byStatus) for (const r of s.reasons) reasons[r] = (reasons[r] ?? 0) + c;
  return reasons;
}

export function reasonHistogram(reasons: Record<string, number>): string[] {
  return Object.entries(reasons)
    .map(([r, c]) => `${c} ${r}`)
    .sort(compareGoStrings);
}

/** FitError.Error() with "hosts"; postFilterMsg is appended after a space when not empty. */
export function fitErrorMessage(numAllHosts: number, reasons: Record<string, number>, postFilterMsg = ''): string {
  let msg = `0/${numAllHosts} hosts are available:`;
  const items = reasonHistogram(reasons);
  if (items.length > 0) msg += ` ${items.join(', ')}.`;
  if (postFilterMsg !== '') msg += ` ${postFilterMsg}`;
  return msg;
}
