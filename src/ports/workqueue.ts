/**
 * A work queue of string keys with the semantics of client-go's workqueue, shared by any number of
 * consumers (processes):
 * - a key that is waiting is queued once (adding it again keeps the earliest due time);
 * - a key is never handed to two consumers at once (it is "in flight" under a lease);
 * - a key added while in flight is remembered ("dirty") and becomes due again after done/fail;
 * - fail() requeues after capped exponential backoff; done() forgets the failure count;
 * - addAfter(key, delay) makes the key due later (timed transitions);
 * - a lease that is not renewed (a consumer died mid-item) expires and the key is redelivered.
 *
 * Fair between tenants. Every key belongs to a tenant, `<account>/<cluster>` (see `tenantOf`;
 * "" is the system's own work), fixed while the queue knows the key (waiting, in flight or dirty).
 * A claim does not take the earliest due key of the whole queue: it takes turns between the
 * accounts that have due work (round robin, least recently served first), within an account
 * between its tenants (clusters) that have due work, and within a tenant the earliest due key.
 * So a tenant with a thousand due keys and a tenant with one due key are served alternately.
 * There are two lanes: the urgent lane (addUrgent) is served before the routine lane, fairly too.
 * All times come from the queue's Clock.
 */
export interface Lease {
  key: string;
  /** Identifies this claim; done/fail/heartbeat with a stale token do nothing. */
  token: string;
  /** How many times in a row this key failed before this claim (0 on the first try). */
  failures: number;
  /** The key's tenant (`<account>/<cluster>`, `<account>` or "" for system work). */
  tenant: string;
  /** When the key became due (queue clock, ms): how long it waited is the claim time minus this. */
  dueAt?: number;
}

/** The tenant of work about one cluster of an account. */
export function tenantOf(accountId: string, clusterId?: string | null): string {
  return clusterId ? `${accountId}/${clusterId}` : accountId;
}

/** The account part of a tenant ("" for system work). */
export function accountOfTenant(tenant: string): string {
  const i = tenant.indexOf('/');
  return i < 0 ? tenant : tenant.slice(0, i);
}

export interface ClaimOptions {
  /**
   * Accounts the caller already gives its share to: passed over while any other account has due
   * work (and served when only they have). The runner bounds one account's share of its
   * concurrency with this.
   */
  defer?: readonly string[];
  /** Accounts not to serve at all in this claim (null rather than their work). */
  exclude?: readonly string[];
}

export interface WorkQueue {
  /** Makes the key due now. `tenant` is used when the queue does not know the key yet (default ""). */
  add(key: string, tenant?: string): Promise<void>;
  /**
   * Like add, in the urgent lane: claimed before every routine key (the urgent lane takes turns
   * between tenants too), so a backlog of routine work does not delay it. For latency-critical
   * work (an autoscaler woken by a new metric). A key waiting in the routine lane moves to it.
   */
  addUrgent(key: string, tenant?: string): Promise<void>;
  addAfter(key: string, delayMs: number, tenant?: string): Promise<void>;
  /**
   * Claims a due key that is not in flight, taking turns between accounts and their tenants (see
   * above), or null when none is due now.
   */
  claim(opts?: ClaimOptions): Promise<Lease | null>;
  /** Renews the lease. False when the lease was lost (expired and reclaimed). */
  heartbeat(lease: Lease): Promise<boolean>;
  /** Success: forget failures; a key re-added while in flight becomes due again. */
  done(lease: Lease): Promise<void>;
  /** Failure: the key is due again after min(baseDelay * 2^failures, maxDelay). */
  fail(lease: Lease): Promise<void>;
  /** Puts keys whose lease expired back in the queue (due now). Returns how many. */
  reclaimExpired(): Promise<number>;
  /** Due time (queue clock, ms) of the earliest waiting key, or null when nothing waits. */
  nextDueAt(): Promise<number | null>;
  /**
   * Resolves when a key may have become due because of an add (from any process), or after
   * `ms` of the queue's clock, whichever is first. Consumers sleep on this. At once when a key
   * is already due, unless `onlyNew`: then only a wake-up from now on (or the time) ends it (a
   * consumer that leaves some due work alone, see ClaimOptions.exclude, waits for other work).
   */
  waitForWork(ms: number, opts?: { onlyNew?: boolean }): Promise<void>;
  /** Number of keys waiting and in flight (for tests, metrics and idle detection). */
  size(): Promise<{ waiting: number; inFlight: number }>;
  close(): Promise<void>;
}

export interface WorkQueueOptions {
  /** Lease length; a consumer heartbeats every leaseMs/3. */
  leaseMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const defaultWorkQueueOptions: WorkQueueOptions = {
  leaseMs: 10_000,
  backoffBaseMs: 50,
  backoffMaxMs: 30_000,
};
