/**
 * Scheduling-queue helpers: kube-scheduler's pod backoff and its PrioritySort order.
 */
import type { Profile } from './types';

/**
 * The backoff after `attempts` failed attempts: initial × 2^(attempts − 1), capped at the
 * maximum (1 s, 2, 4, 8, 10, 10 … with the defaults); 0 attempts: no backoff. Mirrors
 * calculateBackoffDuration (doubling stops at the cap, so it never overflows).
 */
export function backoffMs(profile: Profile, attempts: number): number {
  if (attempts <= 0) return 0;
  const max = profile.podMaxBackoffMs;
  let d = profile.podInitialBackoffMs;
  for (let i = 1; i < attempts; i++) {
    if (d > max - d) return max;
    d += d;
  }
  return d;
}

export interface QueuedPodKey {
  priority: number;
  createdAt: number;
  uid: string;
}

/** PrioritySort: higher priority first, then earlier creation, then uid (a total order). */
export function comparePods(a: QueuedPodKey, b: QueuedPodKey): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}
