import type { Clock } from '../ports/clock';
import { accountOfTenant, type Lease, type WorkQueue } from '../ports/workqueue';
import { classifyReconcileError, type ClassifiedError, type ReconcileErrorKind } from './errors';
import { runTurn, yieldTurn, type TurnItem, type TurnTable } from './turns';

export type Reconcile = (key: string) => Promise<void>;

/** What went wrong, for the error reporter. */
export interface FailureInfo {
  /**
   * The reconcile's failure by the taxonomy (permanent: not retried; conflict: run again at once;
   * transient: backoff), or trouble around it: a lost lease, the queue, the permanent-failure hook.
   */
  kind: ReconcileErrorKind | 'lease' | 'queue' | 'hook';
  /** False when the error looks like a bug (worth a stack trace). */
  expected: boolean;
  /** Failures of the key in a row before this claim. */
  failures: number;
  tenant: string;
}

export interface RunnerOptions {
  /** Most items processed at once by this runner. */
  concurrency: number;
  clock: Clock;
  /** Lease length of the queue: heartbeats every leaseMs/3, reclaimExpired every leaseMs/2. */
  leaseMs: number;
  /** Longest sleep when nothing is due (default 1000 ms). */
  idlePollMs?: number;
  /** Reconcile failures, lost leases and queue errors (key is "" for queue-level errors). */
  onError?: (key: string, err: unknown, info: FailureInfo) => void;
  /**
   * Most of this runner's concurrency one account may hold while another account has due work or
   * work running here (a fraction; default 0.5, so 2 of 4). Past it, the runner's claims pass the
   * account over (and leave a slot free rather than give it more while another account's work
   * runs). 1 disables the bound.
   */
  tenantShare?: number;
  /** Decides permanent / conflict / transient (default classifyReconcileError). */
  classify?: (err: unknown) => ClassifiedError;
  /**
   * Called once for a permanent failure, while the key is still leased (records a Warning event
   * on the object); the key is then done, not retried.
   */
  onPermanent?: (lease: Lease, err: unknown) => Promise<void>;
  /**
   * Conflicts of one key in a row retried at once (default 5); past that they back off like a
   * transient failure, so a conflict that is not one cannot spin.
   */
  maxConflictRetries?: number;
  /**
   * Told of every item when it ends: how long the reconcile ran, how long the key had waited
   * for a worker (null when the queue does not say when it became due), and its outcome
   * (ok | transient | conflict | permanent). For metrics.
   */
  observe?: (item: { key: string; tenant: string; outcome: 'ok' | 'transient' | 'conflict' | 'permanent'; seconds: number; waitedSeconds: number | null }) => void;
  /**
   * Most an item waits at one turn (before it starts, and at each `yieldTurn()` of a long
   * reconcile) for items of lighter accounts to finish (worker/turns; default 100 ms; 0: turns
   * only yield to the event loop).
   */
  turnWaitMs?: number;
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
 * The concurrency one account may hold while others wait: `share` of it, at least 1, and below
 * the whole when there is more than one slot.
 */
export function accountCap(concurrency: number, share: number): number {
  if (share >= 1 || concurrency <= 1) return concurrency;
  return Math.max(1, Math.min(concurrency - 1, Math.ceil(concurrency * share)));
}

/**
 * Which accounts a runner's next claim passes over (`defer`: unless only they have due work) or
 * leaves out (`exclude`), given its items in flight per account: an account at `cap` is deferred,
 * or excluded while another account has work in flight; an account holding all slots but one is
 * excluded (the last slot stays free, so another account's work starts at once).
 */
export function claimLimits(inFlight: ReadonlyMap<string, number>, concurrency: number, cap: number): { defer: string[]; exclude: string[] } {
  const defer: string[] = [];
  const exclude: string[] = [];
  const others = inFlight.size > 1;
  for (const [account, n] of inFlight) {
    if ((concurrency > 1 && n >= concurrency - 1) || (others && n >= cap)) exclude.push(account);
    else if (n >= cap) defer.push(account);
  }
  return { defer, exclude };
}

/**
 * The consumer loop of a worker process: claims due keys (up to `concurrency` at once; one
 * account at most `accountCap` of them while another account has due work or work running
 * here: a busy tenant leaves room, and CPU, to the others), runs `reconcile`,
 * heartbeats while it runs, and then by the outcome: done (success); a permanent failure:
 * `onPermanent`, then done; a conflict: re-added and done (due again at once, no backoff); any
 * other failure: fail (backoff). When nothing is due it sleeps in `queue.waitForWork` until the
 * next due time, a wake-up, the next reclaim round or `idlePollMs`, whichever is first.
 */
export function startRunner(queue: WorkQueue, reconcile: Reconcile, opts: RunnerOptions): Runner {
  const { clock, leaseMs } = opts;
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const idlePollMs = Math.max(1, opts.idlePollMs ?? 1000);
  const heartbeatEveryMs = Math.max(1, Math.floor(leaseMs / 3));
  const reclaimEveryMs = Math.max(1, Math.floor(leaseMs / 2));
  const cap = accountCap(concurrency, opts.tenantShare ?? 0.5);
  const classify = opts.classify ?? classifyReconcileError;
  const maxConflictRetries = Math.max(0, opts.maxConflictRetries ?? 5);
  const report = (key: string, err: unknown, info: FailureInfo) => {
    try {
      (opts.onError ?? ((k, e) => console.error(`runner: ${k || '(queue)'}:`, e)))(key, err, info);
    } catch {
      /* a failing reporter must not break the loop */
    }
  };
  const trouble = (kind: FailureInfo['kind'], tenant = ''): FailureInfo => ({ kind, expected: true, failures: 0, tenant });
  /** Items in flight here per account. */
  const byAccount = new Map<string, number>();
  /** Conflicts in a row per key (cleared by any other outcome). */
  const conflicts = new Map<string, number>();
  /** Items running, for cooperative turns between accounts (worker/turns). */
  const items = new Set<TurnItem>();
  let itemSeq = 0;
  const turns: TurnTable = {
    clock,
    maxWaitMs: Math.max(0, opts.turnWaitMs ?? 100),
    running: () => items,
    changed: () => changed.promise,
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
            else report(lease.key, new Error(`lease on "${lease.key}" was lost (expired and reclaimed)`), trouble('lease', lease.tenant));
          },
          (err) => {
            report(lease.key, err, trouble('queue', lease.tenant));
            if (!finished) scheduleHeartbeat();
          },
        );
      }, heartbeatEveryMs);
    };
    scheduleHeartbeat();

    const account = accountOfTenant(lease.tenant);
    byAccount.set(account, (byAccount.get(account) ?? 0) + 1);
    const item: TurnItem = { seq: itemSeq++, account, startedAt: clock.now() };
    items.add(item);
    signal(); // waiting items look again (a lighter account may have started)
    const started = performance.now();
    const waitedSeconds = lease.dueAt === undefined ? null : Math.max(0, clock.now() - lease.dueAt) / 1000;
    const observe = (outcome: 'ok' | 'transient' | 'conflict' | 'permanent') => {
      try {
        opts.observe?.({ key: lease.key, tenant: lease.tenant, outcome, seconds: (performance.now() - started) / 1000, waitedSeconds });
      } catch {
        /* metrics must not break the loop */
      }
    };
    const run = (async () => {
      let failed = false;
      let error: unknown;
      try {
        // a turn before it starts too: work of accounts that used the runner less goes first
        await runTurn(turns, item, async () => {
          await yieldTurn();
          await reconcile(lease.key);
        });
      } catch (err) {
        failed = true;
        error = err;
      }
      finished = true;
      items.delete(item);
      signal(); // items waiting for their turn look again
      cancelHeartbeat();
      try {
        if (!failed) {
          observe('ok');
          conflicts.delete(lease.key);
          await queue.done(lease);
          return;
        }
        const c = classify(error);
        let kind = c.kind;
        if (kind === 'conflict') {
          const streak = (conflicts.get(lease.key) ?? 0) + 1;
          if (streak > maxConflictRetries) kind = 'transient';
          else conflicts.set(lease.key, streak);
        }
        if (kind !== 'conflict') conflicts.delete(lease.key);
        if (conflicts.size > 10_000) conflicts.clear(); // keys another runner finished: forget
        report(lease.key, error, { kind, expected: c.expected, failures: lease.failures, tenant: lease.tenant });
        observe(kind);
        if (kind === 'conflict') {
          await queue.add(lease.key, lease.tenant); // while in flight: due again at once after done
          await queue.done(lease);
        } else if (kind === 'permanent') {
          if (opts.onPermanent) await opts.onPermanent(lease, error).catch((err) => report(lease.key, err, trouble('hook', lease.tenant)));
          await queue.done(lease);
        } else {
          await queue.fail(lease);
        }
      } catch (err) {
        report(lease.key, err, trouble('queue', lease.tenant));
      }
    })();
    active.add(run);
    signal();
    void run.finally(() => {
      const n = (byAccount.get(account) ?? 1) - 1;
      if (n > 0) byAccount.set(account, n);
      else byAccount.delete(account);
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
        // an account at its cap is passed over while another account has due work, and not served
        // at all while another account has work running here; and it never takes the last slot
        const { defer, exclude } = claimLimits(byAccount, concurrency, cap);
        // leaving some due work alone: listen (for items finishing here, for adds anywhere) before
        // the claim, so nothing that happens after the claim looked is missed
        const changedSinceLimits = changed.promise;
        const added = exclude.length > 0 ? queue.waitForWork(idlePollMs, { onlyNew: true }) : null;
        const lease = await queue.claim(defer.length + exclude.length === 0 ? undefined : { defer, exclude });
        if (lease) {
          processLease(lease); // even when stop() came meanwhile: it was claimed, so finish it
          continue;
        }
        if (stopping) break;
        if (added) {
          // the due work may be only the excluded accounts': look again when an item here
          // finishes, or new work comes
          await Promise.race([changedSinceLimits, added, stopSignal.promise]);
          continue;
        }
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
        report('', err, trouble('queue'));
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
