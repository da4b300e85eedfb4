import type { Services } from './services';
import { AppError } from './errors';
import { eventLogState } from '../adapters/prisma/retention';
import { expiredMessage, sinceExpired } from '../core/retention';

/**
 * Refuses a `since` older than what the store still keeps of the cluster's events (they are
 * pruned past the retention window or the per-cluster cap): an `EXPIRED` AppError telling the
 * client to re-list and stream from the list's `lastEventSequence`, as Kubernetes answers 410
 * Gone to a watch from a compacted resourceVersion. `since` equal to the pruned-through
 * sequence is kept (the next event is still there). Every stream that takes `since` calls this
 * before it replays.
 */
export async function assertSinceKept(svc: Services, clusterId: string, since: number | null | undefined): Promise<void> {
  if (since === undefined || since === null) return;
  const state = await eventLogState(svc.db, clusterId);
  if (state) assertKeptIn({ eventsPrunedThrough: state.prunedThrough, eventSeq: state.eventSeq }, since);
}

/** The same check on a cluster row already read (its pruned-through mark and last sequence). */
export function assertKeptIn(cluster: { eventsPrunedThrough: number; eventSeq: number }, since: number | null | undefined): void {
  if (since === undefined || since === null) return;
  if (sinceExpired(since, cluster.eventsPrunedThrough)) throw new AppError('EXPIRED', expiredMessage(since, cluster.eventsPrunedThrough, cluster.eventSeq));
}

/**
 * The check a stream makes after each read of the store that continues from `after` (the last
 * sequence it delivered): pruning may have run between its `assertSinceKept` and the read. A
 * page that starts at `after + 1` is whole (the log is only cut at its start, so nothing after
 * `after` was pruned when it was read): no query. Otherwise (an empty page, or one that starts
 * later) the cluster's pruned-through mark decides: past `after`, events the subscriber never
 * got are gone, and this throws EXPIRED (the stream must fail with it, never skip the gap);
 * not past it, nothing was pruned and the caller handles the page as before (an empty page: no
 * event yet; a later start: not committed yet or lost, the caller's own concern).
 */
export async function assertReadKept(svc: Services, clusterId: string, after: number, page: readonly { sequence: number }[]): Promise<void> {
  if (page.length > 0 && page[0].sequence === after + 1) return;
  await assertSinceKept(svc, clusterId, after);
}
