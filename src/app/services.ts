import type { Db } from '../adapters/prisma/client';
import type { Bus } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { Ids } from '../ports/ids';
import type { Fleet, Provider } from '../ports/provider';
import type { WorkQueue } from '../ports/workqueue';
import type { Logger } from '../ports/log';
import type { Metrics } from '../ports/metrics';
import type { Profile } from '../core/scheduler/types';
import type { AutoscalingSettings } from './autoscalingSettings';
import type { BillingSettings } from './billingSettings';
import type { RetentionSettings } from './retentionSettings';
import { DEFAULT_OBJECT_LIMITS, type ObjectLimits } from '../core/objectLimits';

/**
 * Limits in the spirit of EKS purchase limits, and what one object may hold (configurable: each
 * has an environment variable, LIMIT_VARIABLES). A request over one gets a LIMIT_EXCEEDED (or
 * TOO_LARGE) user error naming the limit and its variable, and changes nothing.
 */
export interface Limits extends ObjectLimits {
  clustersPerAccount: number;
  /** Clusters an account may have in one region. */
  clustersPerRegion: number;
  replicasPerWorkload: number;
  /** Pods of a cluster that exist and are not finished (Terminating ones included), whatever made them. */
  podsPerCluster: number;
  /** Bytes of any field that takes a manifest (applyManifest, simulateAutoscaler) or a template (priceQuote, as JSON). */
  manifestBytes: number;
  manifestObjects: number;
  namespacesPerCluster: number;
  /** Deployments, StatefulSets, Jobs and CronJobs applied to a cluster (not the ReplicaSets and Jobs controllers make). */
  workloadsPerCluster: number;
  autoscalersPerCluster: number;
  priorityClassesPerCluster: number;
  resourceQuotasPerNamespace: number;
  limitRangesPerNamespace: number;
  imageCachesPerAccount: number;
  /** Distinct custom-metric series (External, Object, and per-pod Pods metrics) a cluster has samples of. */
  metricSeriesPerCluster: number;
  /** userErrors one request returns; past it, one TOO_MANY_ERRORS entry counts the rest. */
  userErrors: number;
  /** Active (neither revoked nor expired) API tokens of an account. */
  tokensPerAccount: number;
  /** Events a live subscriber may have waiting (sent to it, not yet taken); past it the stream ends with SLOW_CONSUMER (resume with `since`). */
  streamMaxLag: number;
}

export const defaultLimits: Limits = {
  clustersPerAccount: 20,
  clustersPerRegion: 10,
  replicasPerWorkload: 5000,
  podsPerCluster: 20000,
  manifestBytes: 1_048_576,
  manifestObjects: 200,
  namespacesPerCluster: 10_000,
  workloadsPerCluster: 10_000,
  autoscalersPerCluster: 1000,
  priorityClassesPerCluster: 100,
  resourceQuotasPerNamespace: 20,
  limitRangesPerNamespace: 20,
  imageCachesPerAccount: 100,
  metricSeriesPerCluster: 10_000,
  userErrors: 100,
  tokensPerAccount: 50,
  streamMaxLag: 10_000,
  ...DEFAULT_OBJECT_LIMITS,
};

/** The environment variable that sets each limit (named in the messages of refusals). */
export const LIMIT_VARIABLES: Readonly<Record<keyof Limits, string>> = Object.freeze({
  clustersPerAccount: 'NODELESS_CLUSTERS_PER_ACCOUNT',
  clustersPerRegion: 'NODELESS_CLUSTERS_PER_REGION',
  replicasPerWorkload: 'NODELESS_REPLICAS_PER_WORKLOAD',
  podsPerCluster: 'NODELESS_PODS_PER_CLUSTER',
  manifestBytes: 'NODELESS_MAX_MANIFEST_BYTES',
  manifestObjects: 'NODELESS_MAX_MANIFEST_OBJECTS',
  namespacesPerCluster: 'NODELESS_NAMESPACES_PER_CLUSTER',
  workloadsPerCluster: 'NODELESS_WORKLOADS_PER_CLUSTER',
  autoscalersPerCluster: 'NODELESS_AUTOSCALERS_PER_CLUSTER',
  priorityClassesPerCluster: 'NODELESS_PRIORITY_CLASSES_PER_CLUSTER',
  resourceQuotasPerNamespace: 'NODELESS_RESOURCE_QUOTAS_PER_NAMESPACE',
  limitRangesPerNamespace: 'NODELESS_LIMIT_RANGES_PER_NAMESPACE',
  imageCachesPerAccount: 'NODELESS_IMAGE_CACHES_PER_ACCOUNT',
  metricSeriesPerCluster: 'NODELESS_METRIC_SERIES_PER_CLUSTER',
  userErrors: 'NODELESS_MAX_USER_ERRORS',
  tokensPerAccount: 'NODELESS_TOKENS_PER_ACCOUNT',
  streamMaxLag: 'NODELESS_STREAM_MAX_LAG',
  objectBytes: 'NODELESS_MAX_OBJECT_BYTES',
  labelsPerObject: 'NODELESS_MAX_LABELS_PER_OBJECT',
  containersPerPod: 'NODELESS_MAX_CONTAINERS_PER_POD',
  envPerContainer: 'NODELESS_MAX_ENV_PER_CONTAINER',
  portsPerContainer: 'NODELESS_MAX_PORTS_PER_CONTAINER',
  volumesPerPod: 'NODELESS_MAX_VOLUMES_PER_POD',
  volumeClaimTemplates: 'NODELESS_MAX_VOLUME_CLAIM_TEMPLATES',
});

/** Everything a use case or controller may touch. Built by a composition root in src/main. */
export interface Services {
  db: Db;
  bus: Bus;
  queue: WorkQueue;
  clock: Clock;
  ids: Ids;
  provider: Provider;
  fleet: Fleet;
  /** Structured logs (JSON lines). */
  log: Logger;
  /** Operational metrics (exported at /metrics). */
  metrics: Metrics;
  settings: {
    kubernetesVersion: string;
    clusterProvisionMs: number;
    allowSignup: boolean;
    limits: Limits;
    /** The scheduler profile (kube-scheduler's shape: score weights, scoring strategy, backoff). */
    scheduler: Profile;
    /** Bearer token that unlocks operator-only fields. */
    operatorToken: string;
    /** The HPA controller's flags and the metrics pipeline's timing. */
    autoscaling: AutoscalingSettings;
    /** The meter's pace and when a month's invoices are finalized. */
    billing: BillingSettings;
    /** What the store keeps: events, finished pods, scaling history (pruned per cluster). */
    retention: RetentionSettings;
  };
}
