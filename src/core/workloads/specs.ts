/**
 * Kubernetes workload specs as stored after validation and defaulting (the shapes every pure
 * controller reads). Field names and defaults are Kubernetes' own; see the README for what each
 * kind supports. Unknown fields the user wrote are kept (index signatures) but not interpreted.
 */

export interface Probe {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  [k: string]: unknown;
}

export interface ContainerSpec {
  name: string;
  image: string;
  readinessProbe?: Probe;
  [k: string]: unknown;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodSpec {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  /** Defaulted to 'Always' (Pods, Deployments, StatefulSets); Jobs require OnFailure or Never. */
  restartPolicy: RestartPolicy;
  /** Defaulted to 30. */
  terminationGracePeriodSeconds: number;
  volumes?: { name: string; [k: string]: unknown }[];
  [k: string]: unknown;
}

export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: PodSpec;
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
}

/** An int or a percentage string such as "25%". */
export type IntOrPercent = number | string;

export interface DeploymentSpec {
  replicas: number;
  selector: LabelSelector;
  template: PodTemplate;
  /** Defaults: RollingUpdate with maxSurge 25%, maxUnavailable 25%. Recreate has no rollingUpdate. */
  strategy: { type: 'RollingUpdate'; rollingUpdate: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent } } | { type: 'Recreate' };
  /** Default 0. */
  minReadySeconds: number;
  /** Default 10. */
  revisionHistoryLimit: number;
  /** Default 600. */
  progressDeadlineSeconds: number;
  /** Default false. */
  paused: boolean;
  [k: string]: unknown;
}

/** A ReplicaSet (created by the Deployment controller, never applied by users). */
export interface ReplicaSetSpec {
  replicas: number;
  selector: LabelSelector;
  template: PodTemplate;
  minReadySeconds: number;
}

export interface VolumeClaimTemplate {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    accessModes: string[];
    /** Defaulted to "standard". */
    storageClassName: string;
    resources: { requests: { storage: string } };
    [k: string]: unknown;
  };
}

export interface StatefulSetSpec {
  replicas: number;
  selector: LabelSelector;
  template: PodTemplate;
  /** Immutable once created (may be empty). */
  serviceName: string;
  /** Default OrderedReady. */
  podManagementPolicy: 'OrderedReady' | 'Parallel';
  /** Default RollingUpdate with partition 0. */
  updateStrategy: { type: 'RollingUpdate'; rollingUpdate: { partition: number } } | { type: 'OnDelete' };
  volumeClaimTemplates: VolumeClaimTemplate[];
  /** Default 0. */
  minReadySeconds: number;
  /** Default 10. */
  revisionHistoryLimit: number;
  [k: string]: unknown;
}

/** A Job spec before its selector is generated (what users write, and a CronJob's jobTemplate.spec). */
export interface JobSpecTemplate {
  /** Default 1 when neither completions nor parallelism is set; null = work-queue mode. */
  completions: number | null;
  /** Default 1. */
  parallelism: number;
  /** Default 6. */
  backoffLimit: number;
  activeDeadlineSeconds: number | null;
  ttlSecondsAfterFinished: number | null;
  /** Default NonIndexed. Indexed requires completions. */
  completionMode: 'NonIndexed' | 'Indexed';
  /** Default false. */
  suspend: boolean;
  /** restartPolicy is OnFailure or Never. Immutable on update. */
  template: PodTemplate;
  /** Only with manualSelector: true. */
  selector?: LabelSelector;
  manualSelector?: boolean;
  [k: string]: unknown;
}

export interface JobSpec extends JobSpecTemplate {
  /** Generated: `batch.kubernetes.io/controller-uid: <uid>` (plus job-name), as Kubernetes does. */
  selector: LabelSelector;
}

/** The part of a Job a CronJob stamps out (jobTemplate.spec before the selector is generated). */
export type JobTemplateSpec = { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: JobSpecTemplate };

export interface CronJobSpec {
  schedule: string;
  /** IANA zone name; null = UTC (the controller's local time here). */
  timeZone: string | null;
  /** Default Allow. */
  concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  startingDeadlineSeconds: number | null;
  /** Default false. */
  suspend: boolean;
  /** Default 3. */
  successfulJobsHistoryLimit: number;
  /** Default 1. */
  failedJobsHistoryLimit: number;
  jobTemplate: JobTemplateSpec;
  [k: string]: unknown;
}

/** Kubernetes condition. Times as ISO strings. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  lastUpdateTime?: string;
}
