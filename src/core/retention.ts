/**
 * Retention as pure decisions: how far a cluster's event log is pruned, and how many finished
 * pods are garbage-collected. No I/O; the retention controller reads the inputs and applies them.
 */

export interface EventHead {
  sequence: number;
  /** When it was recorded (ms since the epoch). */
  createdAtMs: number;
}

export interface EventCutInput {
  /** Events up to here are already pruned. */
  prunedThrough: number;
  /** The newest sequence handed out. */
  eventSeq: number;
  /** Events kept at most (the per-cluster cap). */
  cap: number;
  /** Events recorded before this instant (ms) are past the retention window. */
  cutoffMs: number;
  /** The oldest kept events, in sequence order (one batch). */
  head: readonly EventHead[];
}

/**
 * The new pruned-through sequence after one batch: the oldest events are pruned in sequence
 * order (the log is only ever cut at its start, so what is kept is a contiguous range), up to
 * the later of the cap's cut (all but the newest `cap`) and the window's cut (the run of
 * events from the start recorded before the cutoff), never past the batch.
 */
export function eventPruneCut(i: EventCutInput): number {
  if (i.head.length === 0) return i.prunedThrough;
  const last = i.head[i.head.length - 1].sequence;
  const byCap = i.eventSeq - i.cap;
  let byAge = i.prunedThrough;
  for (const e of i.head) {
    if (e.createdAtMs >= i.cutoffMs) break;
    byAge = e.sequence;
  }
  return Math.max(i.prunedThrough, Math.min(last, Math.max(byCap, byAge)));
}

/** Finished pods to delete (Kubernetes' PodGC: terminated pods past the threshold; 0 or less: none). */
export function terminatedPodsToCollect(finished: number, threshold: number): number {
  if (threshold <= 0) return 0;
  return Math.max(0, finished - threshold);
}

/** Whether a stream that has seen up to `last` can no longer be continued from the store. */
export function sinceExpired(since: number, prunedThrough: number): boolean {
  return since < prunedThrough;
}

/** What an EXPIRED answer says: re-list, then stream from the list's sequence (Kubernetes' 410 Gone). */
export function expiredMessage(since: number, prunedThrough: number, lastEventSequence: number): string {
  return `events up to sequence ${prunedThrough} were pruned (retention), so the stream cannot resume after ${since}: re-list, then subscribe again with since = the cluster's lastEventSequence (now ${lastEventSequence})`;
}
