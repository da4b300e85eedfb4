/**
 * What the store keeps (Kubernetes keeps events an hour, --event-ttl, and garbage-collects
 * terminated pods past --terminated-pod-gc-threshold). Pruned per cluster by the retention
 * controller (controllers/retention.ts).
 */
export interface RetentionSettings {
  /** Events older than this are pruned (kube-apiserver --event-ttl). */
  eventRetentionMs: number;
  /** At most this many events per cluster are kept; the older ones are pruned (whichever of the two removes more). */
  eventsPerCluster: number;
  /** Finished pods past this count (per cluster) are deleted, oldest finished first, once billed (0: never). */
  terminatedPodGcThreshold: number;
  /** Scaling decisions (scalingHistory) older than this are pruned. */
  scalingHistoryRetentionMs: number;
  /** At most this many scaling decisions per workload are kept. */
  scalingHistoryPerWorkload: number;
  /** How often a cluster's retention pass runs. */
  intervalMs: number;
}

export const DEFAULT_RETENTION: RetentionSettings = Object.freeze({
  eventRetentionMs: 3_600_000,
  eventsPerCluster: 100_000,
  terminatedPodGcThreshold: 12_500,
  scalingHistoryRetentionMs: 7 * 24 * 3_600_000,
  scalingHistoryPerWorkload: 1000,
  intervalMs: 60_000,
});

export function retentionSettings(overrides: Partial<RetentionSettings> = {}): RetentionSettings {
  return { ...DEFAULT_RETENTION, ...overrides };
}
