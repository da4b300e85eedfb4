/**
 * The shapes a manifest parses into: object metadata, the object of each supported kind (as
 * validated and defaulted), the groupings callers select by (workloads, policy, autoscalers),
 * and the parse options. Types only, so that the per-kind modules and the entry point can share
 * them without importing each other.
 */
import type { ObjectLimits } from '../objectLimits';
import type { BilledSpec } from '../sizing';
import type { CronJobSpec, DeploymentSpec, JobSpecTemplate, PodSpec, StatefulSetSpec } from '../workloads/specs';
import type { ResourceQuotaSpec } from '../admission/quota';
import type { LimitRangeSpec } from '../admission/limitrange';
import type { PreemptionPolicy } from '../admission/priorityclass';
import type { HpaSpec } from '../autoscaler/types';

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * A Job as applied. The selector (and the `batch.kubernetes.io/controller-uid` / `job-name`
 * template labels it selects) are generated when the Job is created, from its uid, unless
 * `manualSelector: true`, in which case the user's selector is here.
 */
export type JobManifestSpec = JobSpecTemplate;

export type ManifestObject = (
  | { apiVersion: 'v1'; kind: 'Namespace'; metadata: ObjectMeta }
  | { apiVersion: 'apps/v1'; kind: 'Deployment'; metadata: ObjectMeta; spec: DeploymentSpec; billed: BilledSpec }
  | { apiVersion: 'apps/v1'; kind: 'StatefulSet'; metadata: ObjectMeta; spec: StatefulSetSpec; billed: BilledSpec }
  | { apiVersion: 'batch/v1'; kind: 'Job'; metadata: ObjectMeta; spec: JobManifestSpec; billed: BilledSpec }
  /** billed: the pod of the job template. */
  | { apiVersion: 'batch/v1'; kind: 'CronJob'; metadata: ObjectMeta; spec: CronJobSpec; billed: BilledSpec }
  | { apiVersion: 'v1'; kind: 'Pod'; metadata: ObjectMeta; spec: PodSpec; billed: BilledSpec }
  | { apiVersion: 'v1'; kind: 'ResourceQuota'; metadata: ObjectMeta; spec: ResourceQuotaSpec }
  | { apiVersion: 'v1'; kind: 'LimitRange'; metadata: ObjectMeta; spec: LimitRangeSpec }
  /** Cluster-scoped: metadata.namespace is ''. */
  | { apiVersion: 'scheduling.k8s.io/v1'; kind: 'PriorityClass'; metadata: ObjectMeta; value: number; globalDefault: boolean; preemptionPolicy: PreemptionPolicy; description: string }
  | { apiVersion: 'autoscaling/v2'; kind: 'HorizontalPodAutoscaler'; metadata: ObjectMeta; spec: HpaSpec }
) & {
  /** Field path of the object in the input (`['manifest', '<document>']`, or `…, 'items', '<i>'` in a List). */
  source: string[];
};

/** Kinds that hold policy, not pods. */
export type PolicyObject = Extract<ManifestObject, { kind: 'ResourceQuota' | 'LimitRange' | 'PriorityClass' }>;

export type AutoscalerObject = Extract<ManifestObject, { kind: 'HorizontalPodAutoscaler' }>;

/** Every kind that runs pods. */
export type WorkloadObject = Exclude<ManifestObject, { kind: 'Namespace' } | PolicyObject | AutoscalerObject>;

export interface ParseManifestOptions {
  /** Namespace for objects that do not name one. Defaults to 'default'. */
  defaultNamespace?: string;
  /** Prepended to every error's field path. Defaults to ['manifest']. */
  fieldPrefix?: string[];
  /** Caps on one object (DEFAULT_OBJECT_LIMITS where not given). */
  limits?: Partial<ObjectLimits>;
  /**
   * Errors built at most; past it, errors are only counted, and the list ends with one
   * TOO_MANY_ERRORS entry ("… and 412 more errors", its `omitted` the count). Default: all.
   */
  maxErrors?: number;
  /**
   * The random 5-character suffix of a name made from `metadata.generateName` (core/pods
   * nameSuffix). Without it, generateName is refused (this module draws no randomness itself).
   */
  nameSuffix?: () => string;
}
