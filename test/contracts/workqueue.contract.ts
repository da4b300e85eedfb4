import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock';
import type { Lease, WorkQueue, WorkQueueOptions } from '../../src/ports/workqueue';
import { startRunner, type Runner } from '../../src/worker/runner';

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
        onError?: (key: string, err: unknown) => void,
      ): Runner {
        const runner = startRunner(queue, reconcile, {
          concurrency,
          clock,
          leaseMs: OPTIONS.leaseMs,
          onError: onError ?? ((key, err) => unexpectedErrors.push(`${key}: ${String(err)}`)),
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
    });
  });
}
