import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock';
import type { ClaimOptions, Lease, WorkQueue, WorkQueueOptions } from '../../src/ports/workqueue';
import { startRunner, type FailureInfo, type Runner, type RunnerOptions } from '../../src/worker/runner';
import { ConflictError, PermanentError } from '../../src/app/errors';
import { yieldTurn } from '../../src/worker/turns';

/**
 * A queue under test. `open()` returns a consumer handle on the one shared queue: for a
 * distributed adapter a new instance with its own connections (another "process"), for an
 * in-process adapter the shared instance.
 */
export interface WorkQueueHarness {
  open(): Promise<WorkQueue>;
  /** Closes every handle opened and deletes whatever the queue stored. */
  cleanup(): Promise<void>;
}

export type WorkQueueHarnessFactory = (clock: ManualClock, options: WorkQueueOptions) => Promise<WorkQueueHarness>;

// --- helpers (not time-based synchronisation: only bounds on real I/O, and event-loop yields) ---

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Fails (instead of hanging until the test timeout) when `p` does not settle within a generous bound. */
export async function within<T>(p: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets pending callbacks and I/O completions run (a few event-loop turns; no time passes). */
export async function flushEventLoop(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const START = Date.UTC(2030, 0, 1);
const OPTIONS: WorkQueueOptions = { leaseMs: 1_000, backoffBaseMs: 100, backoffMaxMs: 1_000 };

export function workQueueContract(name: string, factory: WorkQueueHarnessFactory): void {
  describe(`WorkQueue contract: ${name}`, () => {
    let clock: ManualClock;
    let harness: WorkQueueHarness;
    let q: WorkQueue;

    beforeEach(async () => {
      clock = new ManualClock(START);
      harness = await factory(clock, OPTIONS);
      q = await harness.open();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    async function claimKey(queue: WorkQueue = q): Promise<Lease> {
      const lease = await queue.claim();
      expect(lease).not.toBeNull();
      return lease!;
    }

    it('dedupes a waiting key: added twice, claimed once', async () => {
      await q.add('a');
      await q.add('a');
      await q.add('b');
      expect(await q.size()).toEqual({ waiting: 2, inFlight: 0 });
      const first = await claimKey();
      const second = await claimKey();
      expect([first.key, second.key].sort()).toEqual(['a', 'b']);
      expect(await q.claim()).toBeNull();
      expect(await q.size()).toEqual({ waiting: 0, inFlight: 2 });
    });

    it('hands out due keys earliest first, with a fresh token and failure count 0', async () => {
      await q.addAfter('late', 20);
      await q.add('now');
      clock.advance(30);
      const a = await claimKey();
      const b = await claimKey();
      expect([a.key, b.key]).toEqual(['now', 'late']);
      expect(a.failures).toBe(0);
      expect(a.token).not.toBe(b.token);
    });

    it('never hands a claimed key to a second consumer, even after it is re-added', async () => {
      const other = await harness.open();
      await q.add('a');
      await claimKey();
      await q.add('a');
      await other.add('a');
      expect(await q.claim()).toBeNull();
      expect(await other.claim()).toBeNull();
      clock.advance(OPTIONS.leaseMs - 1); // still within the lease
      expect(await other.claim()).toBeNull();
      expect(await q.size()).toEqual({ waiting: 0, inFlight: 1 });
    });

    it('re-added while in flight: claimable again exactly once after done', async () => {
      await q.add('a');
      const first = await claimKey();
      await q.add('a');
      await q.add('a');
      expect(await q.claim()).toBeNull();
      await q.done(first);
      const second = await claimKey();
      expect(second.key).toBe('a');
      expect(second.token).not.toBe(first.token);
      expect(await q.claim()).toBeNull();
      await q.done(second);
      expect(await q.claim()).toBeNull();
      expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
    });

    it('done without a re-add forgets the key', async () => {
      await q.add('a');
      await q.done(await claimKey());
      expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
      expect(await q.nextDueAt()).toBeNull();
      clock.advance(10 * OPTIONS.backoffMaxMs);
      expect(await q.claim()).toBeNull();
    });

    it('fail: capped exponential backoff, and done resets the failure count', async () => {
      await q.add('a');
      let lease = await claimKey();
      const expected = [100, 200, 400, 800, 1_000, 1_000]; // base * 2^failures, capped at max
      for (let i = 0; i < expected.length; i++) {
        expect(lease.failures).toBe(i);
        await q.fail(lease);
        expect(await q.nextDueAt()).toBe(clock.now() + expected[i]);
        clock.advance(expected[i] - 1);
        expect(await q.claim()).toBeNull();
        clock.advance(1);
        lease = await claimKey();
        expect(lease.key).toBe('a');
      }
      expect(lease.failures).toBe(expected.length);
      await q.done(lease);

      await q.add('a');
      lease = await claimKey();
      expect(lease.failures).toBe(0);
      await q.fail(lease);
      clock.advance(99);
      expect(await q.claim()).toBeNull();
      clock.advance(1);
      expect((await claimKey()).failures).toBe(1);
    });

    it('fail of a key re-added while in flight: due at the earlier of the re-add and the backoff', async () => {
      await q.add('a');
      let lease = await claimKey();
      await q.add('a'); // due now, while in flight
      await q.fail(lease);
      lease = await claimKey(); // the re-add wins over the 100 ms backoff
      expect(lease.failures).toBe(1);

      await q.addAfter('a', 5_000); // later than the backoff (200 ms)
      await q.fail(lease);
      expect(await q.nextDueAt()).toBe(clock.now() + 200);
    });

    it('addAfter: not due before the delay, due after', async () => {
      await q.addAfter('a', 500);
      expect(await q.size()).toEqual({ waiting: 1, inFlight: 0 });
      expect(await q.nextDueAt()).toBe(START + 500);
      expect(await q.claim()).toBeNull();
      clock.advance(499);
      expect(await q.claim()).toBeNull();
      clock.advance(1);
      expect((await claimKey()).key).toBe('a');
    });

    it('addUrgent: claimed before keys that became due earlier, and never later than a plain add', async () => {
      await q.add('routine-1');
      clock.advance(10);
      await q.add('routine-2');
      await q.addAfter('urgent', 5_000);
      await q.addUrgent('urgent');
      expect(await q.size()).toEqual({ waiting: 3, inFlight: 0 });
      expect((await claimKey()).key).toBe('urgent');
      expect((await claimKey()).key).toBe('routine-1');
      // in flight: re-added urgently, it runs again after done, once
      const lease = await claimKey();
      await q.addUrgent(lease.key);
      expect(await q.claim()).toBeNull();
      await q.done(lease);
      expect((await claimKey()).key).toBe('routine-2');
      expect(await q.claim()).toBeNull();
    });

    it('the earliest due wins when a key is added with different delays', async () => {
      await q.addAfter('a', 500);
      await q.addAfter('a', 200);
      await q.addAfter('a', 900);
      expect(await q.nextDueAt()).toBe(START + 200);
      clock.advance(200);
      expect((await claimKey()).key).toBe('a');
      expect(await q.claim()).toBeNull();

      await q.addAfter('b', 1_000);
      await q.add('b');
      expect((await claimKey()).key).toBe('b');
    });

    it('the earliest due wins for re-adds while in flight too', async () => {
      await q.add('a');
      const lease = await claimKey();
      await q.addAfter('a', 700);
      await q.addAfter('a', 300);
      await q.addAfter('a', 900);
      await q.done(lease);
      expect(await q.nextDueAt()).toBe(clock.now() + 300);
      clock.advance(299);
      expect(await q.claim()).toBeNull();
      clock.advance(1);
      expect((await claimKey()).key).toBe('a');
    });

    it('a consumer killed mid-item: the key is redelivered after the lease expires; the stale lease does nothing', async () => {
      const survivor = await harness.open();
      await q.add('a');
      const dead = await claimKey(q); // this consumer "dies": it never finishes

      clock.advance(OPTIONS.leaseMs - 1);
      expect(await survivor.reclaimExpired()).toBe(0);
      expect(await survivor.claim()).toBeNull();
      clock.advance(1);
      expect(await survivor.reclaimExpired()).toBe(1);
      expect(await survivor.reclaimExpired()).toBe(0);
      const fresh = await claimKey(survivor);
      expect(fresh.key).toBe('a');
      expect(fresh.token).not.toBe(dead.token);

      expect(await q.heartbeat(dead)).toBe(false);
      await q.done(dead);
      await q.fail(dead);
      expect(await q.size()).toEqual({ waiting: 0, inFlight: 1 });
      expect(await survivor.claim()).toBeNull();
      clock.advance(OPTIONS.leaseMs - 1);
      expect(await survivor.heartbeat(fresh)).toBe(true);
      await survivor.done(fresh);
      expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
    });

    it('heartbeat keeps a lease alive past its original expiry', async () => {
      const other = await harness.open();
      await q.add('a');
      const lease = await claimKey();
      clock.advance(800);
      expect(await q.heartbeat(lease)).toBe(true); // expires at +1800 now
      clock.advance(400); // +1200: past the original expiry
      expect(await other.reclaimExpired()).toBe(0);
      expect(await other.claim()).toBeNull();
      clock.advance(599); // +1799
      expect(await other.reclaimExpired()).toBe(0);
      clock.advance(1); // +1800
      expect(await other.reclaimExpired()).toBe(1);
      expect(await q.heartbeat(lease)).toBe(false);
    });

    it('waitForWork resolves after `ms` of the queue clock when nothing happens', async () => {
      let resolved = false;
      const waiting = q.waitForWork(1_000).then(() => (resolved = true));
      await q.size(); // a round trip on the same handle
      clock.advance(999);
      await flushEventLoop();
      expect(resolved).toBe(false);
      clock.advance(1);
      await within(waiting, 'waitForWork after its timeout');
      expect(resolved).toBe(true);
    });

    it('waitForWork resolves promptly on an add from another queue instance', async () => {
      const other = await harness.open();
      let resolved = false;
      const waiting = q.waitForWork(60_000).then(() => (resolved = true));
      await q.size();
      await flushEventLoop();
      expect(resolved).toBe(false);
      await other.add('a');
      await within(waiting, 'waitForWork woken by an add from another instance');
      expect(clock.now()).toBe(START); // no time passed: the add woke it

      // A delayed add that becomes the earliest due key wakes sleepers too (they re-plan).
      await claimKey();
      resolved = false;
      const again = q.waitForWork(60_000).then(() => (resolved = true));
      await q.size();
      await flushEventLoop();
      expect(resolved).toBe(false);
      await other.addAfter('b', 500);
      await within(again, 'waitForWork woken by a delayed add');
    });

    it('waitForWork resolves at once when a key is already due', async () => {
      await q.add('a');
      await within(q.waitForWork(60_000), 'waitForWork with a due key');
    });

    describe('fairness between tenants', () => {
      /** Claims until nothing is due (without finishing anything); the keys in claim order. */
      async function claimAll(queue: WorkQueue = q, opts?: ClaimOptions): Promise<string[]> {
        const out: string[] = [];
        for (let lease = await queue.claim(opts); lease; lease = await queue.claim(opts)) out.push(lease.key);
        return out;
      }

      it('takes turns between tenants with due work instead of serving the earliest due first', async () => {
        for (let i = 1; i <= 5; i++) await q.add(`a${i}`, 'acct-a/c1');
        clock.advance(10);
        await q.add('b1', 'acct-b/c1');
        await q.add('c1', 'acct-c/c1');
        await q.add('c2', 'acct-c/c1');
        expect(await claimAll()).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3', 'a4', 'a5']);
      });

      it('takes turns between accounts first, then between the clusters of an account', async () => {
        for (const k of ['x1a', 'x1b', 'x1c']) await q.add(k, 'acct-x/c1');
        for (const k of ['x2a', 'x2b', 'x2c']) await q.add(k, 'acct-x/c2');
        for (const k of ['y1a', 'y1b', 'y1c']) await q.add(k, 'acct-y/c1');
        // account x (2 clusters) gets no more turns than account y (1 cluster) while both have due work
        expect(await claimAll()).toEqual(['x1a', 'y1a', 'x2a', 'y1b', 'x1b', 'y1c', 'x2b', 'x1c', 'x2c']);
      });

      it('a tenant whose key comes back after each pass goes behind the others waiting', async () => {
        await q.add('loop', 'acct-a/c1');
        for (const k of ['b1', 'b2', 'b3']) await q.add(k, 'acct-b/c1');
        const order: string[] = [];
        for (let lease = await q.claim(); lease; lease = await q.claim()) {
          order.push(lease.key);
          if (lease.key === 'loop' && order.length < 6) await q.add('loop', 'acct-a/c1'); // re-added while in flight
          await q.done(lease);
        }
        expect(order).toEqual(['loop', 'b1', 'loop', 'b2', 'loop', 'b3', 'loop']);
      });

      it('within a tenant, the earliest due key first; a tenant whose keys are not due takes no turn', async () => {
        await q.addAfter('a-late', 100, 'acct-a/c1');
        await q.addAfter('a-soon', 50, 'acct-a/c1');
        await q.add('b1', 'acct-b/c1');
        expect(await claimAll()).toEqual(['b1']);
        clock.advance(100);
        expect(await claimAll()).toEqual(['a-soon', 'a-late']);
      });

      it('urgent work of every tenant first, taking turns too', async () => {
        for (const k of ['a1', 'a2']) await q.add(k, 'acct-a/c1');
        for (const k of ['b1', 'b2']) await q.add(k, 'acct-b/c1');
        await q.addUrgent('a-urgent', 'acct-a/c1');
        await q.addUrgent('b-urgent-1', 'acct-b/c1');
        await q.addUrgent('b-urgent-2', 'acct-b/c1');
        await q.addUrgent('a2', 'acct-a/c1'); // moves to the urgent lane
        expect(await q.size()).toEqual({ waiting: 7, inFlight: 0 });
        expect(await claimAll()).toEqual(['a-urgent', 'b-urgent-1', 'a2', 'b-urgent-2', 'a1', 'b1', 'b2']);
      });

      it('defer: an account is passed over while another has due work, and served when only it has', async () => {
        for (const k of ['a1', 'a2']) await q.add(k, 'acct-a/c1');
        await q.add('b1', 'acct-b/c1');
        await q.add('s1'); // system work (tenant "")
        expect(await claimAll(q, { defer: ['acct-a', ''] })).toEqual(['b1', 'a1', 's1', 'a2']);
      });

      it('exclude: an account is not served at all', async () => {
        await q.add('a1', 'acct-a/c1');
        await q.add('s1');
        expect(await claimAll(q, { exclude: ['acct-a', ''] })).toEqual([]);
        expect(await claimAll(q, { exclude: ['acct-a'] })).toEqual(['s1']);
        expect(await claimAll(q)).toEqual(['a1']);
      });

      it('a key keeps the tenant it was first queued with while the queue knows it, and the lease tells it', async () => {
        await q.add('k', 'acct-a/c1');
        await q.add('k', 'acct-b/c1');
        const lease = await claimKey();
        expect(lease.tenant).toBe('acct-a/c1');
        await q.add('k', 'acct-b/c1'); // dirty: runs again after done, still as acct-a
        await q.done(lease);
        const again = await claimKey();
        expect(again.tenant).toBe('acct-a/c1');
        await q.fail(again);
        clock.advance(OPTIONS.backoffMaxMs);
        expect((await claimKey()).tenant).toBe('acct-a/c1');
        await q.add('fresh');
        expect((await claimKey()).tenant).toBe('');
      });

      it('consumers on different handles share the turns', async () => {
        const other = await harness.open();
        for (const k of ['a1', 'a2', 'a3']) await q.add(k, 'acct-a/c1');
        for (const k of ['b1', 'b2', 'b3']) await other.add(k, 'acct-b/c1');
        const order: string[] = [];
        for (let i = 0; i < 6; i++) order.push((await claimKey(i % 2 === 0 ? q : other)).key);
        expect(order).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
      });

      it('an expired lease comes back under its tenant, and a failure keeps the tenant\'s turn order', async () => {
        await q.add('a1', 'acct-a/c1');
        await q.add('b1', 'acct-b/c1');
        const a1 = await claimKey();
        expect(a1.key).toBe('a1');
        await q.fail(a1); // due in 100 ms
        clock.advance(OPTIONS.backoffBaseMs);
        await q.add('b2', 'acct-b/c1');
        expect(await claimAll()).toEqual(['b1', 'a1', 'b2']);
        clock.advance(OPTIONS.leaseMs);
        expect(await q.reclaimExpired()).toBe(3);
        const back = await claimKey();
        expect(back.tenant).toBe(back.key.startsWith('a') ? 'acct-a/c1' : 'acct-b/c1');
      });
    });

    describe('runner', () => {
      const runners: Runner[] = [];
      let unexpectedErrors: string[] = [];
      beforeEach(() => {
        unexpectedErrors = [];
      });
      afterEach(async () => {
        await Promise.all(runners.splice(0).map((r) => r.stop()));
        expect(unexpectedErrors).toEqual([]);
      });

      function run(
        queue: WorkQueue,
        reconcile: (key: string) => Promise<void>,
        concurrency: number,
        onError?: (key: string, err: unknown, info: FailureInfo) => void,
        more: Partial<RunnerOptions> = {},
      ): Runner {
        const runner = startRunner(queue, reconcile, {
          concurrency,
          clock,
          leaseMs: OPTIONS.leaseMs,
          onError: onError ?? ((key, err) => unexpectedErrors.push(`${key}: ${String(err)}`)),
          ...more,
        });
        runners.push(runner);
        return runner;
      }

      /** Waits until every runner is idle and nothing is in flight or due anywhere. */
      async function settle(list: Runner[], queue: WorkQueue): Promise<void> {
        for (let i = 0; i < 1_000; i++) {
          await within(Promise.all(list.map((r) => r.idle())), 'runners idle');
          const { inFlight } = await queue.size();
          const next = await queue.nextDueAt();
          if (inFlight === 0 && (next === null || next > clock.now())) return;
        }
        throw new Error('runners did not settle');
      }

      it('processes many keys with concurrency > 1, never one key twice at once', async () => {
        const other = await harness.open();
        const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
        const readdOnFirstRun = new Set(keys.filter((_, i) => i % 5 === 0));
        for (const key of keys) await q.add(key);

        const running = new Map<string, number>();
        const runs = new Map<string, number>();
        let total = 0;
        let maxTotal = 0;
        let maxPerKey = 0;
        const concurrency = 3;
        // The first items hold until more are running than one runner may run: proves both that
        // a runner runs items concurrently and that two runners share the queue.
        const gate = deferred();
        const reconcile = (queue: WorkQueue) => async (key: string) => {
          const perKey = (running.get(key) ?? 0) + 1;
          running.set(key, perKey);
          maxPerKey = Math.max(maxPerKey, perKey);
          total++;
          maxTotal = Math.max(maxTotal, total);
          if (total > concurrency) gate.resolve();
          const n = (runs.get(key) ?? 0) + 1;
          runs.set(key, n);
          try {
            if (n === 1 && readdOnFirstRun.has(key)) await queue.add(key); // re-add while in flight
            await gate.promise;
            await Promise.resolve();
          } finally {
            running.set(key, running.get(key)! - 1);
            total--;
          }
        };
        const r1 = run(q, reconcile(q), concurrency);
        const r2 = run(other, reconcile(other), concurrency);
        await settle([r1, r2], q);

        for (const key of keys) expect(runs.get(key), key).toBe(readdOnFirstRun.has(key) ? 2 : 1);
        expect(maxPerKey).toBe(1);
        expect(maxTotal).toBeGreaterThan(concurrency);
        expect(maxTotal).toBeLessThanOrEqual(2 * concurrency);
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
      });

      it('a thrown error: reported, failed with backoff, retried when due', async () => {
        const errors: string[] = [];
        const attempts: number[] = [];
        const runner = run(
          q,
          async (key) => {
            attempts.push(clock.now());
            if (attempts.length <= 2) throw new Error(`boom ${key}`);
          },
          2,
          (key, err) => errors.push(`${key}: ${(err as Error).message}`),
        );
        await q.add('a');
        await settle([runner], q);
        expect(errors).toEqual(['a: boom a']);
        expect(await q.size()).toEqual({ waiting: 1, inFlight: 0 });
        expect(await q.nextDueAt()).toBe(START + 100);

        clock.advance(100); // first backoff elapses: the runner's sleep ends, it retries (fails again)
        await settle([runner], q);
        expect(attempts).toEqual([START, START + 100]);
        expect(await q.nextDueAt()).toBe(START + 100 + 200);

        clock.advance(200);
        await settle([runner], q);
        expect(attempts).toEqual([START, START + 100, START + 300]);
        expect(errors).toHaveLength(2);
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
      });

      it('heartbeats while an item runs, so a long item keeps its lease', async () => {
        const other = await harness.open();
        const heartbeats: Array<Deferred<boolean>> = [];
        const spy: WorkQueue = {
          add: (key) => q.add(key),
          addAfter: (key, ms) => q.addAfter(key, ms),
          addUrgent: (key) => q.addUrgent(key),
          claim: () => q.claim(),
          heartbeat: async (lease) => {
            const d = deferred<boolean>();
            heartbeats.push(d);
            const ok = await q.heartbeat(lease);
            d.resolve(ok);
            return ok;
          },
          done: (lease) => q.done(lease),
          fail: (lease) => q.fail(lease),
          reclaimExpired: () => q.reclaimExpired(),
          nextDueAt: () => q.nextDueAt(),
          waitForWork: (ms) => q.waitForWork(ms),
          size: () => q.size(),
          close: () => q.close(),
        };
        const started = deferred();
        const release = deferred();
        run(spy, async () => {
          started.resolve();
          await release.promise;
        }, 1);
        await q.add('long');
        await within(started.promise, 'item started');
        for (let i = 0; i < 9; i++) {
          // leaseMs/3 per step: 3 leases' worth of time in total
          clock.advance(Math.ceil(OPTIONS.leaseMs / 3));
          expect(heartbeats).toHaveLength(i + 1);
          expect(await within(heartbeats[i].promise, 'heartbeat')).toBe(true);
          expect(await other.reclaimExpired()).toBe(0);
          await flushEventLoop(); // let the runner arm its next heartbeat (no time passes)
        }
        release.resolve();
        await settle([runners[0]], q);
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
      });

      it('reclaims expired leases of dead consumers by itself', async () => {
        await q.add('orphan');
        await claimKey(q); // claimed by a consumer that died
        const other = await harness.open();
        const processed = deferred<string>();
        const runner = run(other, async (key) => processed.resolve(key), 2);
        await within(runner.idle(), 'runner idle'); // asleep; the orphan is still leased
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 1 });
        clock.advance(OPTIONS.leaseMs);
        expect(await within(processed.promise, 'orphan redelivered')).toBe('orphan');
        await settle([runner], other);
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
      });

      it('stop() lets the in-flight item finish and claims no more', async () => {
        const started = deferred();
        const release = deferred();
        const seen: string[] = [];
        let finished = false;
        const runner = run(q, async (key) => {
          seen.push(key);
          if (key === 'slow') {
            started.resolve();
            await release.promise;
            finished = true;
          }
        }, 2);
        await q.add('slow');
        await within(started.promise, 'slow item started');

        let stopped = false;
        const stopping = runner.stop().then(() => (stopped = true));
        await q.add('late');
        await flushEventLoop();
        expect(stopped).toBe(false);

        release.resolve();
        await within(stopping, 'stop()');
        expect(finished).toBe(true);
        expect(seen).toEqual(['slow']);
        expect(await q.size()).toEqual({ waiting: 1, inFlight: 0 }); // 'slow' done, 'late' untouched
        await within(runner.idle(), 'idle() after stop');
      });

      /** A reconcile whose items start and then hold until the test releases them, one by one. */
      function heldItems() {
        const started: string[] = [];
        const running = new Set<string>();
        const gates = new Map<string, Deferred>();
        let onStart: Deferred<string> | null = null;
        return {
          started,
          running,
          reconcile: async (key: string) => {
            started.push(key);
            running.add(key);
            const gate = deferred();
            gates.set(key, gate);
            onStart?.resolve(key);
            await gate.promise;
            running.delete(key);
          },
          /** The next item to start (from now). */
          next(): Promise<string> {
            onStart = deferred<string>();
            return within(onStart.promise, 'an item started');
          },
          release(key: string) {
            gates.get(key)!.resolve();
          },
          /** Waits until `n` items started in all. */
          async startedAtLeast(n: number) {
            while (started.length < n) await this.next();
          },
        };
      }

      it('one account holds at most its share of the runner while another account has work, and never the last slot', async () => {
        const items = heldItems();
        // default share: 2 of 4 while another account is active (turns off: this is about slots)
        const runner = run(q, items.reconcile, 4, undefined, { turnWaitMs: 0 });
        const aRunning = () => [...items.running].filter((k) => k.startsWith('a')).length;
        for (let i = 1; i <= 6; i++) await q.add(`a${i}`, 'acct-a/c1');
        await items.startedAtLeast(3);
        // alone, account a took three slots, not four: the last one stays free for another account
        const b1 = items.next();
        await q.add('b1', 'acct-b/c1');
        expect(await b1).toBe('b1');
        expect(aRunning()).toBe(3);
        await q.add('b2', 'acct-b/c1');
        await q.add('b3', 'acct-b/c1');
        // a finishes one: it still holds its share (2) while b runs, so b gets the slot
        let next = items.next();
        items.release('a1');
        expect(await next).toBe('b2');
        // a finishes another: below its share, a gets the slot (b holds its share of 2)
        next = items.next();
        items.release('a2');
        expect(await next).toBe('a4');
        next = items.next();
        items.release('b1');
        expect(await next).toBe('b3');
        for (const k of ['a3', 'a4', 'b2', 'b3']) items.release(k);
        await items.startedAtLeast(9);
        for (const k of ['a5', 'a6']) items.release(k);
        await settle([runner], q);
        expect([...items.started].sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b1', 'b2', 'b3']);
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
      });

      it('a permanent failure: reported as permanent, the hook runs while the key is still leased, then done and never retried', async () => {
        const reports: string[] = [];
        const hooked: string[] = [];
        let attempts = 0;
        const runner = run(
          q,
          async () => {
            attempts++;
            throw new PermanentError('spec.storage: 1e30 is out of range');
          },
          2,
          (key, err, info) => reports.push(`${key} ${info.kind} ${info.failures} ${(err as Error).message}`),
          {
            onPermanent: async (lease, err) => {
              expect(await q.size()).toEqual({ waiting: 0, inFlight: 1 }); // still leased: nothing else runs it meanwhile
              hooked.push(`${lease.key} ${lease.tenant} ${(err as Error).message}`);
            },
          },
        );
        await q.add('workload:w1', 'acct-a/c1');
        await settle([runner], q);
        expect(reports).toEqual(['workload:w1 permanent 0 spec.storage: 1e30 is out of range']);
        expect(hooked).toEqual(['workload:w1 acct-a/c1 spec.storage: 1e30 is out of range']);
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 0 });
        clock.advance(10 * OPTIONS.backoffMaxMs);
        await settle([runner], q);
        expect(attempts).toBe(1);
      });

      it('a conflict: run again at once (no backoff, no failure counted); after maxConflictRetries in a row it backs off', async () => {
        const seen: { at: number; failures: number }[] = [];
        const spy: WorkQueue = Object.assign(Object.create(Object.getPrototypeOf(q)), q, {
          claim: async (opts?: ClaimOptions) => {
            const lease = await q.claim(opts);
            if (lease) seen.push({ at: clock.now(), failures: lease.failures });
            return lease;
          },
        });
        const kinds: string[] = [];
        let conflicts = 2;
        const runner = run(
          spy,
          async () => {
            if (conflicts-- > 0) throw new ConflictError('the workload changed meanwhile');
          },
          2,
          (_key, _err, info) => kinds.push(info.kind),
          { maxConflictRetries: 3 },
        );
        await q.add('k', 'acct-a/c1');
        await settle([runner], q);
        expect(kinds).toEqual(['conflict', 'conflict']);
        expect(seen).toEqual([0, 0, 0].map((failures) => ({ at: START, failures })));

        // a conflict that keeps coming is not one: past maxConflictRetries it backs off
        conflicts = 100;
        seen.length = 0;
        kinds.length = 0;
        await q.add('k', 'acct-a/c1');
        await settle([runner], q);
        expect(kinds).toEqual(['conflict', 'conflict', 'conflict', 'transient']);
        expect(seen.map((x) => x.at)).toEqual([START, START, START, START]);
        expect(await q.nextDueAt()).toBe(START + OPTIONS.backoffBaseMs);
      });

      it('a transient failure backs off; an error that looks like a bug is reported as unexpected', async () => {
        const infos: FailureInfo[] = [];
        const runner = run(
          q,
          async (key) => {
            if (key === 'bug') (undefined as unknown as { x: number }).x;
            throw new Error('connection reset');
          },
          2,
          (_key, _err, info) => infos.push(info),
        );
        await q.add('bug', 'acct-a/c1');
        await q.add('weather');
        await settle([runner], q);
        expect(infos.map((i) => `${i.kind} ${i.expected} ${i.tenant}`).sort()).toEqual(['transient false acct-a/c1', 'transient true ']);
        expect(await q.size()).toEqual({ waiting: 2, inFlight: 0 });
        expect(await q.nextDueAt()).toBe(START + OPTIONS.backoffBaseMs);
      });

      it('turns: a busier account lets a lighter one go first, before an item starts and at a long item\'s yieldTurn', async () => {
        const log: string[] = [];
        const started = new Map<string, Deferred>();
        const release = new Map<string, Deferred>();
        const gate = (key: string) => {
          if (!started.has(key)) started.set(key, deferred());
          if (!release.has(key)) release.set(key, deferred());
          return { started: started.get(key)!, release: release.get(key)! };
        };
        const runner = run(
          q,
          async (key) => {
            log.push(`${key}: start`);
            const g = gate(key);
            g.started.resolve();
            if (key === 'long') {
              await release.get('long')!.promise; // until the test says: chunk 2
              const waiting = yieldTurn().then(() => log.push('long: chunk 2'));
              await flushEventLoop();
              log.push('long: waiting for b');
              release.get('b')!.resolve();
              await waiting;
              return;
            }
            await g.release.promise;
            log.push(`${key}: done`);
          },
          8, // room for all four (a's share: 4)
        );
        for (const k of ['long', 'a-hold', 'b', 'a-next']) gate(k);
        // account a gets two items going, then b (lighter: one item) starts
        await q.add('long', 'acct-a/c1');
        await within(started.get('long')!.promise, 'long started');
        await q.add('a-hold', 'acct-a/c1');
        await within(started.get('a-hold')!.promise, 'a-hold started');
        await q.add('b', 'acct-b/c1');
        await within(started.get('b')!.promise, 'b started');
        // a third item of a is claimed, but waits for b before it starts (b is older: "newer first" would not hold it)
        await q.add('a-next', 'acct-a/c1');
        await flushEventLoop(20);
        expect(await q.size()).toEqual({ waiting: 0, inFlight: 4 });
        expect(log).not.toContain('a-next: start');
        // the long item of a takes a turn mid-way: it waits for b too
        release.get('long')!.resolve();
        await within(started.get('a-next')!.promise, 'a-next started after b');
        release.get('a-hold')!.resolve();
        release.get('a-next')!.resolve();
        await settle([runner], q);
        const order = log.filter((l) => ['long: waiting for b', 'b: done', 'long: chunk 2', 'a-next: start'].includes(l));
        expect(order.slice(0, 2)).toEqual(['long: waiting for b', 'b: done']);
        expect(order.slice(2).sort()).toEqual(['a-next: start', 'long: chunk 2']);
      });
    });
  });
}
