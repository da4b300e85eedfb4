/**
 * A work queue of string keys with the semantics of client-go's workqueue, shared by any number of
 * consumers (processes):
 * - a key that is waiting is queued once (adding it again keeps the earliest due time);
 * - a key is never handed to two consumers at once (it is "in flight" under a lease);
 * - a key added while in flight is remembered ("dirty") and becomes due again after done/fail;
 * - fail() requeues after capped exponential backoff; done() forgets the failure count;
 * - addAfter(key, delay) makes the key due later (timed transitions);
 * - a lease that is not renewed (a consumer died mid-item) expires and the key is redelivered.
 * All times come from the queue's Clock.
 */
export interface Lease {
  key: string;
  /** Identifies this claim; done/fail/heartbeat with a stale token do nothing. */
  token: string;
  /** How many times in a row this key failed before this claim (0 on the first try). */
  failures: number;
}

/** How far in the past an urgent key is put: it overtakes everything that became due within this. */
export const URGENT_LEAD_MS = 60_000;

export interface WorkQueue {
  add(key: string): Promise<void>;
  /**
   * Like add, but the key is due URGENT_LEAD_MS in the past, so it is claimed before the keys
   * that became due within the last minute (a backlog of routine work does not delay it).
   * For latency-critical work (an autoscaler woken by a new metric).
   */
  addUrgent(key: string): Promise<void>;
  addAfter(key: string, delayMs: number): Promise<void>;
  /** Claims the earliest due key that is not in flight, or null when none is due now. */
  claim(): Promise<Lease | null>;
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
   * `ms` of the queue's clock, whichever is first. Consumers sleep on this.
   */
  waitForWork(ms: number): Promise<void>;
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
