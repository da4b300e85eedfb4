import type { Db } from '../adapters/prisma/client';
import type { Bus } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { Ids } from '../ports/ids';
import type { Fleet, Provider } from '../ports/provider';
import type { WorkQueue } from '../ports/workqueue';
import type { Profile } from '../core/scheduler/types';
import type { AutoscalingSettings } from './autoscalingSettings';
import type { BillingSettings } from './billingSettings';

/** Limits in the spirit of EKS purchase limits (configurable). */
export interface Limits {
  clustersPerAccount: number;
  /** Clusters an account may have in one region. */
  clustersPerRegion: number;
  replicasPerWorkload: number;
  podsPerCluster: number;
  manifestBytes: number;
  manifestObjects: number;
}

export const defaultLimits: Limits = {
  clustersPerAccount: 20,
  clustersPerRegion: 10,
  replicasPerWorkload: 5000,
  podsPerCluster: 20000,
  manifestBytes: 1_048_576,
  manifestObjects: 200,
};

/** Everything a use case or controller may touch. Built by a composition root in src/main. */
export interface Services {
  db: Db;
  bus: Bus;
  queue: WorkQueue;
  clock: Clock;
  ids: Ids;
  provider: Provider;
  fleet: Fleet;
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
  };
}
