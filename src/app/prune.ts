import type { Services } from './services';
import { keys, publishEvents } from './topics';
import { appendEvents, deletePods, type EventInput } from '../adapters/prisma/objects';
import { collectablePods, eventHead, eventLogState, finishedPodCount, pruneDecisionsBefore, pruneDecisionsBeyond, pruneEventsThrough } from '../adapters/prisma/retention';
import { pruneSamples } from '../adapters/prisma/metrics';
import { deleted } from '../core/lifecycle';
import { eventPruneCut, terminatedPodsToCollect } from '../core/retention';

/** Events deleted per transaction (the cluster's row is locked for that long). */
export const EVENT_PRUNE_BATCH = 1000;
/** Finished pods deleted per transaction (each gets its DELETED event). */
export const POD_GC_BATCH = 200;
/** Scaling decisions deleted per statement. */
export const HISTORY_PRUNE_BATCH = 1000;
/** How long the provider keeps the record of a sandbox that is gone (its pod deleted). */
export const SANDBOX_RECORD_MS = 3_600_000;
/** Sandbox records dropped per pass at most. */
export const SANDBOX_FORGET_BATCH = 5000;
/** Batches of each kind one pass runs at most; the rest is left to the next pass, queued at once. */
export const RETENTION_BATCHES_PER_PASS = 20;

export interface RetentionPass {
  eventsPruned: number;
  /** The cluster's pruned-through sequence after the pass. */
  prunedThrough: number;
  podsCollected: number;
  decisionsPruned: number;
  /** Provider records of gone sandboxes of deleted pods dropped. */
  sandboxesForgotten: number;
  /** Work was left for the next pass (a batch limit was reached). */
  more: boolean;
}

/**
 * Prunes a cluster's event log from its start, batch by batch, up to the later of the window's
 * and the cap's cut (core/retention eventPruneCut), advancing its pruned-through mark with
 * each batch. Returns what was pruned and whether batches remain.
 */
export async function pruneEvents(svc: Services, clusterId: string, maxBatches = RETENTION_BATCHES_PER_PASS): Promise<{ pruned: number; prunedThrough: number; more: boolean }> {
  const { eventRetentionMs, eventsPerCluster } = svc.settings.retention;
  let pruned = 0;
  for (let batch = 0; ; batch++) {
    const state = await eventLogState(svc.db, clusterId);
    if (!state) return { pruned, prunedThrough: 0, more: false };
    if (batch === maxBatches) return { pruned, prunedThrough: state.prunedThrough, more: true };
    const head = await eventHead(svc.db, clusterId, state.prunedThrough, EVENT_PRUNE_BATCH);
    const cut = eventPruneCut({ ...state, cap: eventsPerCluster, cutoffMs: svc.clock.now() - eventRetentionMs, head });
    if (cut <= state.prunedThrough) return { pruned, prunedThrough: state.prunedThrough, more: false };
    pruned += await pruneEventsThrough(svc.db, clusterId, cut);
  }
}

/**
 * Kubernetes' PodGC for terminated pods: past the threshold of finished pods, deletes the
 * oldest finished ones that are fully billed (adapters/prisma/retention collectablePods), each
 * with its DELETED event, in batches. The billing ledger is not touched: it outlives pods.
 */
export async function collectFinishedPods(svc: Services, clusterId: string, maxBatches = RETENTION_BATCHES_PER_PASS): Promise<{ collected: number; more: boolean }> {
  let excess = terminatedPodsToCollect(await finishedPodCount(svc.db, clusterId), svc.settings.retention.terminatedPodGcThreshold);
  let collected = 0;
  for (let batch = 0; excess > 0; batch++) {
    if (batch === maxBatches) return { collected, more: true };
    const victims = await collectablePods(svc.db, clusterId, Math.min(excess, POD_GC_BATCH));
    if (victims.length === 0) break; // the rest are not billed yet: kept until they are
    const now = new Date(svc.clock.now());
    const { removed, records } = await svc.db.$transaction(async (tx) => {
      const removed = await deletePods(tx, victims);
      const events: EventInput[] = removed.map((p) => ({ ...deleted(p), message: `Garbage-collected finished pod ${p.namespace}/${p.name}` }));
      return { removed, records: await appendEvents(tx, clusterId, events, now, () => svc.ids.uuid()) };
    });
    await publishEvents(svc.bus, clusterId, records);
    for (const w of new Set(removed.flatMap((p) => (p.workloadId ? [p.workloadId] : [])))) await svc.queue.add(keys.workload(w));
    collected += removed.length;
    excess -= removed.length;
    if (removed.length < victims.length) excess = terminatedPodsToCollect(await finishedPodCount(svc.db, clusterId), svc.settings.retention.terminatedPodGcThreshold); // some changed meanwhile: count again
  }
  return { collected, more: false };
}

/** Scaling history: decisions older than the window, then beyond the newest per workload. */
export async function pruneScalingHistory(svc: Services, clusterId: string, maxBatches = RETENTION_BATCHES_PER_PASS): Promise<{ pruned: number; more: boolean }> {
  const { scalingHistoryRetentionMs, scalingHistoryPerWorkload } = svc.settings.retention;
  const before = new Date(svc.clock.now() - scalingHistoryRetentionMs);
  let pruned = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = (await pruneDecisionsBefore(svc.db, clusterId, before, HISTORY_PRUNE_BATCH)) + (await pruneDecisionsBeyond(svc.db, clusterId, scalingHistoryPerWorkload, HISTORY_PRUNE_BATCH));
    pruned += n;
    if (n === 0) return { pruned, more: false };
  }
  return { pruned, more: true };
}

/** One retention pass over a cluster: events, finished pods, scaling history and metric samples. */
export async function retentionPass(svc: Services, clusterId: string): Promise<RetentionPass> {
  const events = await pruneEvents(svc, clusterId);
  const pods = await collectFinishedPods(svc, clusterId);
  const history = await pruneScalingHistory(svc, clusterId);
  // samples are pruned by the metrics agent while it runs; this covers a cluster whose agent stopped
  await pruneSamples(svc.db, clusterId, new Date(svc.clock.now() - svc.settings.autoscaling.metricsRetentionMs));
  // the provider's records of sandboxes whose pods are deleted, an hour after they were gone
  const forgotten = await svc.provider.forgetGone(clusterId, svc.clock.now() - SANDBOX_RECORD_MS, SANDBOX_FORGET_BATCH);
  return { eventsPruned: events.pruned, prunedThrough: events.prunedThrough, podsCollected: pods.collected, decisionsPruned: history.pruned, sandboxesForgotten: forgotten, more: events.more || pods.more || history.more || forgotten === SANDBOX_FORGET_BATCH };
}
