import type { Services } from '../app/services';
import { makeReconciler, reportPermanentFailure } from '../controllers';
import { UnknownKeyError } from '../app/errors';
import type { Logger } from '../ports/log';
import { startRunner, type FailureInfo } from './runner';
import { resyncOnce } from './resync';
import { describeError } from './errors';
import { keys } from '../app/topics';

export interface WorkerOptions {
  concurrency: number;
  /** 0 disables the periodic resync (one still runs at start). */
  resyncMs: number;
  leaseMs?: number;
  /** Most of the concurrency one account holds while another has due work (default 0.5; 1: no bound). */
  tenantShare?: number;
  /** Most an item waits at one turn for a lighter tenant's work (worker/turns; default 100 ms; 0: no waiting). */
  turnWaitMs?: number;
  /** Every failure (replaces the default logging; tests silence it). */
  onError?: (key: string, err: unknown, info: FailureInfo) => void;
  /** Where the default reporting writes (default: the service's logger). */
  log?: Logger;
}

export interface Worker {
  stop(): Promise<void>;
  idle(): Promise<void>;
}

/** Remembers up to `max` entries, dropping the oldest. */
class Memo {
  private readonly m = new Map<string, string>();
  constructor(private readonly max = 10_000) {}
  /** True when `key` was last remembered with `value`; remembers it either way. */
  seen(key: string, value: string): boolean {
    if (this.m.get(key) === value) return true;
    this.m.delete(key);
    if (this.m.size >= this.max) this.m.delete(this.m.keys().next().value!);
    this.m.set(key, value);
    return false;
  }
}

/**
 * How the worker reports failures by the error taxonomy: a transient failure in one line (with the
 * stack when the error looks like a bug, on its first failure in a row); a conflict only at debug
 * level (it is run again at once); a permanent failure once per key and message; an unknown key
 * once when it is dropped.
 */
export function failureReporter(log: Logger): (key: string, err: unknown, info: FailureInfo) => void {
  const told = new Memo();
  return (key, err, info) => {
    const what = describeError(err);
    const fields = { key, tenant: info.tenant || undefined, kind: info.kind, failures: info.failures };
    switch (info.kind) {
      case 'conflict':
        return log.debug(fields, `reconcile ${key} lost a race, running it again: ${what}`);
      case 'permanent':
        if (told.seen(key, what)) return;
        if (err instanceof UnknownKeyError) return log.warn(fields, `dropping work key ${key}: ${what}`);
        return log.warn({ ...fields, ...(info.expected ? {} : { err }) }, `reconcile ${key} failed permanently, not retried until it changes: ${what}`);
      case 'transient':
        if (!info.expected && info.failures === 0) return log.error({ ...fields, err }, `reconcile ${key} failed (unexpected; retrying with backoff): ${err instanceof Error && err.stack ? err.stack : what}`);
        return log.warn(fields, `reconcile ${key} failed (attempt ${info.failures + 1}, retrying with backoff): ${what}`);
      default:
        return log.error(fields, `worker: ${key || '(queue)'}: ${info.kind}: ${what}`);
    }
  };
}

const CONTROLLERS = new Set(Object.keys(keys));

/** The controller of a work key (its kind), for metrics labels: a fixed set, never user input. */
export function controllerOf(key: string): string {
  const kind = key.slice(0, key.indexOf(':'));
  return CONTROLLERS.has(kind) ? kind : 'unknown';
}

/** A worker: runs the controllers for keys from the shared work queue, plus periodic resync. */
export async function startWorker(svc: Services, opts: WorkerOptions): Promise<Worker> {
  const runner = startRunner(svc.queue, makeReconciler(svc), {
    concurrency: opts.concurrency,
    clock: svc.clock,
    leaseMs: opts.leaseMs ?? 10_000,
    tenantShare: opts.tenantShare,
    turnWaitMs: opts.turnWaitMs,
    onError: opts.onError ?? failureReporter(opts.log ?? svc.log),
    observe: ({ key, outcome, seconds, waitedSeconds }) => {
      const controller = controllerOf(key);
      svc.metrics.reconcileDuration.observe({ controller, outcome }, seconds);
      if (waitedSeconds !== null) svc.metrics.queueWait.observe({ controller }, waitedSeconds);
    },
    // a Warning event on the object, once per generation and message (whichever process tells it)
    onPermanent: async (lease, err) => {
      if (!(err instanceof UnknownKeyError)) await reportPermanentFailure(svc, lease.key, describeError(err));
    },
  });
  // Provider status notifications wake the pod loop of the sandbox's cluster at once.
  const unwatch = svc.provider.watch((changes) => {
    for (const clusterId of new Set(changes.map((c) => c.clusterId))) {
      svc.queue.add(keys.pods(clusterId)).catch((err) => svc.log.error({ err }, 'enqueue after a provider notification failed'));
    }
  });
  let cancel: (() => void) | null = null;
  let stopped = false;
  const schedule = () => {
    if (stopped || opts.resyncMs <= 0) return;
    cancel = svc.clock.setTimeout(() => {
      resyncOnce(svc)
        .catch((err) => svc.log.error({ err }, 'resync failed'))
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
