import type { Services } from './services';

/**
 * Refuses a `since` older than what the store still keeps of the cluster's events (they are
 * pruned past the retention window): an `EXPIRED` AppError telling the client to re-list and
 * stream from the list's `lastEventSequence`, as Kubernetes answers 410 Gone to a watch from a
 * compacted resourceVersion. Every stream that takes `since` calls this before it replays.
 */
export async function assertSinceKept(_svc: Services, _clusterId: string, _since: number | null | undefined): Promise<void> {
  // filled in with event retention
}
