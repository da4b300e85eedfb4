import type { Services } from '../app/services';
import { makeReconciler } from '../controllers';
import { startRunner } from './runner';
import { resyncOnce } from './resync';
import { keys } from '../app/topics';

export interface WorkerOptions {
  concurrency: number;
  /** 0 disables the periodic resync (one still runs at start). */
  resyncMs: number;
  leaseMs?: number;
  onError?: (key: string, err: unknown) => void;
}

export interface Worker {
  stop(): Promise<void>;
  idle(): Promise<void>;
}

/** A worker: runs the controllers for keys from the shared work queue, plus periodic resync. */
export async function startWorker(svc: Services, opts: WorkerOptions): Promise<Worker> {
  const runner = startRunner(svc.queue, makeReconciler(svc), {
    concurrency: opts.concurrency,
    clock: svc.clock,
    leaseMs: opts.leaseMs ?? 10_000,
    onError: opts.onError ?? ((key, err) => console.error(`reconcile ${key} failed (will retry):`, err instanceof Error ? err.message : err)),
  });
  // Provider status notifications wake the pod loop of the sandbox's cluster at once.
  const unwatch = svc.provider.watch((changes) => {
    for (const clusterId of new Set(changes.map((c) => c.clusterId))) {
      svc.queue.add(keys.pods(clusterId)).catch((err) => console.error('enqueue after provider notification failed:', err));
    }
  });
  let cancel: (() => void) | null = null;
  let stopped = false;
  const schedule = () => {
    if (stopped || opts.resyncMs <= 0) return;
    cancel = svc.clock.setTimeout(() => {
      resyncOnce(svc)
        .catch((err) => console.error('resync failed:', err))
        .finally(schedule);
    }, opts.resyncMs);
  };
  await resyncOnce(svc);
  schedule();
  return {
    async stop() {
      stopped = true;
      cancel?.();
      unwatch();
      await runner.stop();
    },
    idle: () => runner.idle(),
  };
}
