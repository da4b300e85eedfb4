import type { Bus } from '../ports/bus';
import type { EventRecord } from '../adapters/prisma/objects';

/** Bus topics. Messages are hints that something was committed; the store is the truth. */
export const topics = {
  clusterEvents: (clusterId: string) => `cluster.${clusterId}.events`,
  clusterStatus: (clusterId: string) => `cluster.${clusterId}.status`,
  /** The cluster's cost changed (a meter pass): cost tickers refresh. */
  clusterCost: (clusterId: string) => `cluster.${clusterId}.cost`,
  /** Budget alerts of an account. */
  budgetAlerts: (accountId: string) => `account.${accountId}.budget`,
  /** What an account's tokens may do changed (suspension, revocation, rotation): AccountAccessMessage. */
  accountAccess: (accountId: string) => `account.${accountId}.access`,
};

/**
 * Published on `topics.accountAccess(accountId)` after the change is committed, so api
 * processes can close the sockets it concerns at once (every new request re-reads the store).
 */
export interface AccountAccessMessage {
  /** This token stops working at `effectiveAt` (revoked, or the old token of a rotation): close its sockets then. */
  tokenId?: string;
  /** ISO instant the token stops working: now for a revocation, later for a rotation with a grace period. */
  effectiveAt?: string;
  /** true: the account was suspended (close all of its sockets now); false: reinstated. */
  suspended?: boolean;
}

export interface ClusterEventsMessage {
  events: EventRecord[];
}

export async function publishEvents(bus: Bus, clusterId: string, events: EventRecord[]): Promise<void> {
  if (events.length === 0) return;
  await bus.publish(topics.clusterEvents(clusterId), { events } satisfies ClusterEventsMessage);
}

export const keys = {
  cluster: (id: string) => `cluster:${id}`,
  workload: (id: string) => `workload:${id}`,
  pods: (clusterId: string) => `pods:${clusterId}`,
  autoscaler: (id: string) => `autoscaler:${id}`,
  /** The simulated provider's metrics agent of a cluster. */
  metrics: (clusterId: string) => `metrics:${clusterId}`,
  /** The billing meter of a cluster (ledger → hourly usage buckets). */
  meter: (clusterId: string) => `meter:${clusterId}`,
  /** The retention pass of a cluster: event pruning, finished-pod GC, scaling history, metric samples. */
  retention: (clusterId: string) => `retention:${clusterId}`,
  /** Invoice finalization (all accounts). */
  invoices: () => 'invoices:all',
};

/** Kinds of work key whose id is a cluster id (the others name a workload or an autoscaler). */
export const CLUSTER_KEY_KINDS: ReadonlySet<string> = new Set(['cluster', 'pods', 'metrics', 'meter', 'retention']);
