import type { Clock } from '../ports/clock';
import type { Lease, WorkQueue } from '../ports/workqueue';

export type Reconcile = (key: string) => Promise<void>;

export interface RunnerOptions {
  /** Most items processed at once by this runner. */
  concurrency: number;
  clock: Clock;
  /** Lease length of the queue: heartbeats every leaseMs/3, reclaimExpired every leaseMs/2. */
  leaseMs: number;
  /** Longest sleep when nothing is due (default 1000 ms). */
  idlePollMs?: number;
  /** Reconcile failures, lost leases and queue errors (key is "" for queue-level errors). */
  onError?: (key: string, err: unknown) => void;
}

export interface Runner {
  /** Graceful: claims no more, resolves once the in-flight items finished (done/fail called). */
  stop(): Promise<void>;
  /**
   * Resolves when nothing is in flight locally and the queue has nothing due now (or, after
   * stop(), once nothing is in flight locally).
   */
  idle(): Promise<void>;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The consumer loop of a worker process: claims due keys (up to `concurrency` at once), runs
 * `reconcile`, heartbeats while it runs, and calls done (success) or fail (thrown error). When
 * nothing is due it sleeps in `queue.waitForWork` until the next due time, a wake-up, the next
 * reclaim round or `idlePollMs`, whichever is first.
 */
export function startRunner(queue: WorkQueue, reconcile: Reconcile, opts: RunnerOptions): Runner {
  const { clock, leaseMs } = opts;
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const idlePollMs = Math.max(1, opts.idlePollMs ?? 1000);
  const heartbeatEveryMs = Math.max(1, Math.floor(leaseMs / 3));
  const reclaimEveryMs = Math.max(1, Math.floor(leaseMs / 2));
  const report = (key: string, err: unknown) => {
    try {
      (opts.onError ?? ((k, e) => console.error(`runner: ${k || '(queue)'}:`, e)))(key, err);
    } catch {
      /* a failing reporter must not break the loop */
    }
  };

  const active = new Set<Promise<void>>();
  const stopSignal = deferred();
  let stopping = false;
  let sleeping = false;
  let loopDone = false;
  let nextReclaimAt = clock.now();
  /** Resolved (and replaced) on every state change; idle() and a full loop wait on it. */
  let changed = deferred();
  const signal = () => {
    const d = changed;
    changed = deferred();
    d.resolve();
  };

  function processLease(lease: Lease): void {
    let finished = false;
    let cancelHeartbeat = () => {};
    const scheduleHeartbeat = () => {
      cancelHeartbeat = clock.setTimeout(() => {
        if (finished) return;
        queue.heartbeat(lease).then(
          (ok) => {
            if (finished) return;
            if (ok) scheduleHeartbeat();
            else report(lease.key, new Error(`lease on "${lease.key}" was lost (expired and reclaimed)`));
          },
          (err) => {
            report(lease.key, err);
            if (!finished) scheduleHeartbeat();
          },
        );
      }, heartbeatEveryMs);
    };
    scheduleHeartbeat();

    const run = (async () => {
      let failed = false;
      let error: unknown;
      try {
        await reconcile(lease.key);
      } catch (err) {
        failed = true;
        error = err;
      }
      finished = true;
      cancelHeartbeat();
      try {
        if (failed) {
          report(lease.key, error);
          await queue.fail(lease);
        } else {
          await queue.done(lease);
        }
      } catch (err) {
        report(lease.key, err);
      }
    })();
    active.add(run);
    signal();
    void run.finally(() => {
      active.delete(run);
      signal();
    });
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      if (active.size >= concurrency) {
        const c = changed.promise;
        await Promise.race([c, stopSignal.promise]);
        continue;
      }
      try {
        if (clock.now() >= nextReclaimAt) {
          nextReclaimAt = clock.now() + reclaimEveryMs;
          await queue.reclaimExpired();
        }
        const lease = await queue.claim();
        if (lease) {
          processLease(lease); // even when stop() came meanwhile: it was claimed, so finish it
          continue;
        }
        if (stopping) break;
        const next = await queue.nextDueAt();
        const now = clock.now();
        if (next !== null && next <= now) continue; // became due meanwhile: claim it
        if (nextReclaimAt <= now) continue;
        let wait = Math.min(idlePollMs, nextReclaimAt - now);
        if (next !== null) wait = Math.min(wait, next - now);
        if (stopping) break;
        sleeping = true;
        signal();
        try {
          await Promise.race([queue.waitForWork(wait), stopSignal.promise]);
        } finally {
          sleeping = false;
        }
      } catch (err) {
        report('', err);
        // Queue trouble (e.g. connection lost): retry after idlePollMs, not in a busy loop.
        await new Promise<void>((resolve) => {
          const cancel = clock.setTimeout(resolve, idlePollMs);
          void stopSignal.promise.then(() => {
            cancel();
            resolve();
          });
        });
      }
    }
  }

  const loopPromise = loop().finally(() => {
    loopDone = true;
    signal();
  });

  return {
    async stop() {
      stopping = true;
      stopSignal.resolve();
      await loopPromise;
      while (active.size > 0) await Promise.all([...active]);
    },
    async idle() {
      for (;;) {
        const c = changed.promise;
        if (active.size === 0) {
          if (loopDone) return;
          if (sleeping) {
            const next = await queue.nextDueAt();
            if (active.size === 0 && sleeping && (next === null || next > clock.now())) return;
            // Something is due: the runner is about to wake up; `c` resolves when it does.
          }
        }
        await c;
      }
    },
  };
}
