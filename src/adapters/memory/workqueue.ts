import { randomUUID } from 'node:crypto';
import type { Clock } from '../../ports/clock';
import {
  defaultWorkQueueOptions,
  URGENT_LEAD_MS,
  type Lease,
  type WorkQueue,
  type WorkQueueOptions,
} from '../../ports/workqueue';

interface HeapEntry {
  key: string;
  due: number;
  seq: number;
}

interface Waiter {
  resolve(): void;
  cancelTimer(): void;
}

/**
 * In-process WorkQueue with the same semantics as the Redis adapter. Consumers in one process
 * share one instance. State changes happen synchronously when a method is called (the returned
 * promise is already settled), which keeps tests with a ManualClock deterministic.
 */
export class MemoryWorkQueue implements WorkQueue {
  private readonly options: WorkQueueOptions;
  /** key -> current heap entry of a waiting key. */
  private readonly waiting = new Map<string, HeapEntry>();
  /** Min-heap by (due, seq); entries not current in `waiting` are stale and skipped lazily. */
  private heap: HeapEntry[] = [];
  private seq = 0;
  private readonly inflight = new Map<string, { token: string; expiresAt: number }>();
  /** key -> earliest due requested while the key was in flight. */
  private readonly dirty = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    options: Partial<WorkQueueOptions> = {},
  ) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...defaultWorkQueueOptions, ...given };
  }

  async add(key: string): Promise<void> {
    this.schedule(key, this.clock.now());
  }

  async addAfter(key: string, delayMs: number): Promise<void> {
    this.schedule(key, this.clock.now() + Math.max(0, delayMs));
  }

  async addUrgent(key: string): Promise<void> {
    this.schedule(key, this.clock.now() - URGENT_LEAD_MS);
  }

  async claim(): Promise<Lease | null> {
    const now = this.clock.now();
    const head = this.peek();
    if (!head || head.due > now) return null;
    this.popHead();
    const token = randomUUID();
    this.inflight.set(head.key, { token, expiresAt: now + this.options.leaseMs });
    return { key: head.key, token, failures: this.failures.get(head.key) ?? 0 };
  }

  async heartbeat(lease: Lease): Promise<boolean> {
    const entry = this.inflight.get(lease.key);
    if (!entry || entry.token !== lease.token) return false;
    entry.expiresAt = this.clock.now() + this.options.leaseMs;
    return true;
  }

  async done(lease: Lease): Promise<void> {
    if (!this.release(lease)) return;
    this.failures.delete(lease.key);
    const dirtyDue = this.dirty.get(lease.key);
    if (dirtyDue !== undefined) {
      this.dirty.delete(lease.key);
      this.enqueue(lease.key, dirtyDue);
    }
  }

  async fail(lease: Lease): Promise<void> {
    if (!this.release(lease)) return;
    const failures = this.failures.get(lease.key) ?? 0;
    this.failures.set(lease.key, failures + 1);
    const { backoffBaseMs, backoffMaxMs } = this.options;
    let due = this.clock.now() + Math.min(backoffBaseMs * 2 ** failures, backoffMaxMs);
    const dirtyDue = this.dirty.get(lease.key);
    if (dirtyDue !== undefined) {
      this.dirty.delete(lease.key);
      due = Math.min(due, dirtyDue);
    }
    this.enqueue(lease.key, due);
  }

  async reclaimExpired(): Promise<number> {
    const now = this.clock.now();
    let count = 0;
    for (const [key, entry] of [...this.inflight]) {
      if (entry.expiresAt > now) continue;
      this.inflight.delete(key);
      this.dirty.delete(key);
      this.enqueue(key, now);
      count++;
    }
    return count;
  }

  async nextDueAt(): Promise<number | null> {
    return this.peek()?.due ?? null;
  }

  waitForWork(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed) return resolve();
      const now = this.clock.now();
      const next = this.peek()?.due;
      if (next !== undefined && next <= now) return resolve();
      const delay = next !== undefined ? Math.min(ms, next - now) : ms;
      const waiter: Waiter = {
        resolve: () => {
          this.waiters.delete(waiter);
          waiter.cancelTimer();
          resolve();
        },
        cancelTimer: () => {},
      };
      this.waiters.add(waiter);
      waiter.cancelTimer = this.clock.setTimeout(() => waiter.resolve(), Math.max(0, delay));
    });
  }

  async size(): Promise<{ waiting: number; inFlight: number }> {
    return { waiting: this.waiting.size, inFlight: this.inflight.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  // --- internals ---

  private schedule(key: string, due: number): void {
    if (this.inflight.has(key)) {
      const prev = this.dirty.get(key);
      if (prev === undefined || due < prev) this.dirty.set(key, due);
      return;
    }
    const prev = this.waiting.get(key);
    if (prev && prev.due <= due) return; // a waiting key keeps its earliest due
    this.enqueue(key, due);
  }

  /** Puts (or moves earlier) a key that is not in flight; wakes sleepers when it matters. */
  private enqueue(key: string, due: number): void {
    const entry: HeapEntry = { key, due, seq: this.seq++ };
    this.waiting.set(key, entry);
    this.push(entry);
    if (due <= this.clock.now() || this.peek() === entry) this.wake();
  }

  private release(lease: Lease): boolean {
    const entry = this.inflight.get(lease.key);
    if (!entry || entry.token !== lease.token) return false;
    this.inflight.delete(lease.key);
    return true;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w.resolve();
  }

  private less(a: HeapEntry, b: HeapEntry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(entry: HeapEntry): void {
    if (this.heap.length > 64 && this.heap.length > 2 * this.waiting.size) {
      // Too many stale entries (keys moved earlier or claimed): rebuild from the live ones.
      const live = [...this.waiting.values()];
      this.heap = [];
      for (const e of live) if (e !== entry) this.push(e);
    }
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private popRaw(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }

  /** The current earliest waiting entry (stale heap entries are dropped). */
  private peek(): HeapEntry | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.waiting.get(top.key) === top) return top;
      this.popRaw();
    }
    return undefined;
  }

  private popHead(): void {
    const top = this.peek();
    if (!top) return;
    this.waiting.delete(top.key);
    this.popRaw();
  }
}
