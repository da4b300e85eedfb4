import { randomUUID } from 'node:crypto';
import type { Clock } from '../../ports/clock';
import {
  accountOfTenant,
  defaultWorkQueueOptions,
  type ClaimOptions,
  type Lease,
  type WorkQueue,
  type WorkQueueOptions,
} from '../../ports/workqueue';

/** 0: the urgent lane, 1: the routine lane (served in this order). */
type Lane = 0 | 1;
const URGENT: Lane = 0;
const ROUTINE: Lane = 1;
const LANES: readonly Lane[] = [URGENT, ROUTINE];

interface Entry {
  key: string;
  tenant: string;
  lane: Lane;
  due: number;
  seq: number;
}

/** A tenant whose earliest key was not due when it was placed (lazily checked when popped). */
interface WaitEntry {
  tenant: string;
  due: number;
  seq: number;
}

/** A binary min-heap; stale entries are dropped lazily by its users. */
class Heap<T> {
  items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(x: T): void {
    const h = this.items;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }
  pop(): T | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
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
    return top;
  }
}

const byDue = (a: { due: number; seq: number }, b: { due: number; seq: number }) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

interface LaneState {
  /** Waiting keys of each tenant, earliest due first (lazy: an entry is live while `waiting` holds it). */
  queues: Map<string, Heap<Entry>>;
  /** Tenants whose head is not due yet, by head due (lazy: checked against the tenant's head when popped). */
  wait: Heap<WaitEntry>;
  /** Accounts with a tenant whose head is due, in turn order (served: moved to the end). */
  accounts: Map<string, Set<string>>;
}

interface Waiter {
  resolve(): void;
  cancelTimer(): void;
}

/**
 * In-process WorkQueue with the same semantics as the Redis adapter (see the port for the
 * fairness rules). Consumers in one process share one instance. State changes happen
 * synchronously when a method is called (the returned promise is already settled), which keeps
 * tests with a ManualClock deterministic.
 */
export class MemoryWorkQueue implements WorkQueue {
  private readonly options: WorkQueueOptions;
  /** key -> its live entry while it waits (in one lane, of one tenant). */
  private readonly waiting = new Map<string, Entry>();
  /** Every waiting key by due (lazy), for nextDueAt and waitForWork. */
  private all = new Heap<Entry>(byDue);
  private readonly lanes: LaneState[] = LANES.map(() => ({ queues: new Map(), wait: new Heap<WaitEntry>(byDue), accounts: new Map() }));
  /** Entries pushed into the tenants' heaps and not popped yet (live or stale), to know when to compact. */
  private queued = 0;
  private seq = 0;
  private readonly inflight = new Map<string, { token: string; expiresAt: number; tenant: string }>();
  /** key -> earliest due (and most urgent lane) requested while the key was in flight. */
  private readonly dirty = new Map<string, { due: number; lane: Lane }>();
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

  async add(key: string, tenant = ''): Promise<void> {
    this.schedule(key, tenant, ROUTINE, this.clock.now());
  }

  async addAfter(key: string, delayMs: number, tenant = ''): Promise<void> {
    this.schedule(key, tenant, ROUTINE, this.clock.now() + Math.max(0, delayMs));
  }

  async addUrgent(key: string, tenant = ''): Promise<void> {
    this.schedule(key, tenant, URGENT, this.clock.now());
  }

  async claim(opts: ClaimOptions = {}): Promise<Lease | null> {
    const now = this.clock.now();
    for (const lane of LANES) this.promote(lane, now);
    const defer = new Set(opts.defer ?? []);
    const exclude = new Set(opts.exclude ?? []);
    // first the accounts not deferred (urgent lane, then routine), then, if only they have due work, the deferred ones
    for (const strict of defer.size > 0 ? [true, false] : [false]) {
      for (const lane of LANES) {
        for (const account of this.lanes[lane].accounts.keys()) {
          if (exclude.has(account) || (strict && defer.has(account))) continue;
          const lease = this.serve(lane, account, now);
          if (lease) return lease;
        }
      }
    }
    return null;
  }

  async heartbeat(lease: Lease): Promise<boolean> {
    const entry = this.inflight.get(lease.key);
    if (!entry || entry.token !== lease.token) return false;
    entry.expiresAt = this.clock.now() + this.options.leaseMs;
    return true;
  }

  async done(lease: Lease): Promise<void> {
    const released = this.release(lease);
    if (!released) return;
    this.failures.delete(lease.key);
    const d = this.dirty.get(lease.key);
    if (d !== undefined) {
      this.dirty.delete(lease.key);
      this.enqueue(lease.key, released.tenant, d.lane, d.due);
    }
  }

  async fail(lease: Lease): Promise<void> {
    const released = this.release(lease);
    if (!released) return;
    const failures = this.failures.get(lease.key) ?? 0;
    this.failures.set(lease.key, failures + 1);
    const { backoffBaseMs, backoffMaxMs } = this.options;
    let due = this.clock.now() + Math.min(backoffBaseMs * 2 ** failures, backoffMaxMs);
    let lane: Lane = ROUTINE;
    const d = this.dirty.get(lease.key);
    if (d !== undefined) {
      this.dirty.delete(lease.key);
      if (d.due < due) {
        due = d.due;
        lane = d.lane;
      }
    }
    this.enqueue(lease.key, released.tenant, lane, due);
  }

  async reclaimExpired(): Promise<number> {
    const now = this.clock.now();
    let count = 0;
    for (const [key, entry] of [...this.inflight]) {
      if (entry.expiresAt > now) continue;
      this.inflight.delete(key);
      this.dirty.delete(key);
      this.enqueue(key, entry.tenant, ROUTINE, now);
      count++;
    }
    return count;
  }

  async nextDueAt(): Promise<number | null> {
    return this.peekAll()?.due ?? null;
  }

  waitForWork(ms: number, opts: { onlyNew?: boolean } = {}): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed) return resolve();
      const now = this.clock.now();
      const next = opts.onlyNew ? undefined : this.peekAll()?.due;
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

  private schedule(key: string, tenant: string, lane: Lane, due: number): void {
    if (this.inflight.has(key)) {
      const prev = this.dirty.get(key);
      this.dirty.set(key, prev === undefined ? { due, lane } : { due: Math.min(due, prev.due), lane: Math.min(lane, prev.lane) as Lane });
      return;
    }
    const prev = this.waiting.get(key);
    if (!prev) return this.enqueue(key, tenant, lane, due);
    // a waiting key keeps its tenant, its earliest due and the more urgent lane
    const nextLane = Math.min(prev.lane, lane) as Lane;
    const nextDue = Math.min(prev.due, due);
    if (nextLane === prev.lane && nextDue === prev.due) return;
    this.enqueue(key, prev.tenant, nextLane, nextDue);
    if (nextLane !== prev.lane) this.place(prev.lane, prev.tenant, this.clock.now()); // its old lane's head changed
  }

  /** Makes `key` wait in `lane` of `tenant` (replacing any entry it had); wakes sleepers when it matters. */
  private enqueue(key: string, tenant: string, lane: Lane, due: number): void {
    const entry: Entry = { key, tenant, lane, due, seq: this.seq++ };
    this.waiting.set(key, entry);
    this.pushAll(entry);
    const queues = this.lanes[lane].queues;
    let q = queues.get(tenant);
    if (!q) queues.set(tenant, (q = new Heap<Entry>(byDue)));
    q.push(entry);
    this.queued++;
    if (this.queued > 2 * this.waiting.size + 1024) this.compact();
    const now = this.clock.now();
    this.place(lane, tenant, now);
    if (due <= now || this.peekAll() === entry) this.wake();
  }

  /** The tenant's earliest live key in the lane (dropping stale entries and empty queues). */
  private head(lane: Lane, tenant: string): Entry | undefined {
    const queues = this.lanes[lane].queues;
    const q = queues.get(tenant);
    if (!q) return undefined;
    for (let top = q.peek(); top; top = q.peek()) {
      if (this.waiting.get(top.key) === top) return top;
      q.pop();
      this.queued--;
    }
    queues.delete(tenant);
    return undefined;
  }

  private isReady(lane: Lane, tenant: string): boolean {
    return this.lanes[lane].accounts.get(accountOfTenant(tenant))?.has(tenant) ?? false;
  }

  /** Puts the tenant at the end of its account's turn, and the account at the end of the lane's if it had no turn. */
  private makeReady(lane: Lane, tenant: string): void {
    const accounts = this.lanes[lane].accounts;
    const account = accountOfTenant(tenant);
    let tenants = accounts.get(account);
    if (!tenants) accounts.set(account, (tenants = new Set()));
    tenants.add(tenant);
  }

  private unready(lane: Lane, tenant: string): void {
    const accounts = this.lanes[lane].accounts;
    const account = accountOfTenant(tenant);
    const tenants = accounts.get(account);
    if (!tenants?.delete(tenant)) return;
    if (tenants.size === 0) accounts.delete(account);
  }

  /** After a tenant's keys in a lane changed: ready when its head is due, waiting for it otherwise. */
  private place(lane: Lane, tenant: string, now: number): void {
    const h = this.head(lane, tenant);
    if (!h) return this.unready(lane, tenant);
    if (h.due <= now) {
      if (!this.isReady(lane, tenant)) this.makeReady(lane, tenant);
      return;
    }
    this.unready(lane, tenant);
    this.lanes[lane].wait.push({ tenant, due: h.due, seq: this.seq++ });
  }

  /** Tenants whose head became due take their turn (at the end). */
  private promote(lane: Lane, now: number): void {
    const wait = this.lanes[lane].wait;
    for (let top = wait.peek(); top && top.due <= now; top = wait.peek()) {
      wait.pop();
      // a stale entry (the head moved) is dropped: the tenant has another one for its head
      if (this.isReady(lane, top.tenant)) continue;
      const h = this.head(lane, top.tenant);
      if (h && h.due <= now) this.makeReady(lane, top.tenant);
    }
    if (wait.size > 2 * this.lanes[lane].queues.size + 1024) {
      // mostly stale (heads that moved): rebuild from the tenants that wait
      const fresh = new Heap<WaitEntry>(byDue);
      for (const tenant of this.lanes[lane].queues.keys()) {
        const h = this.head(lane, tenant);
        if (h && !this.isReady(lane, tenant)) fresh.push({ tenant, due: h.due, seq: this.seq++ });
      }
      this.lanes[lane].wait = fresh;
    }
  }

  /** Claims the head of the account's next tenant; both go to the end of their turn. */
  private serve(lane: Lane, account: string, now: number): Lease | null {
    const accounts = this.lanes[lane].accounts;
    const tenants = accounts.get(account);
    if (!tenants) return null;
    for (const tenant of tenants) {
      const h = this.head(lane, tenant);
      if (!h || h.due > now) {
        this.place(lane, tenant, now); // not actually due (stale): fix its place
        continue;
      }
      this.lanes[lane].queues.get(tenant)!.pop();
      this.queued--;
      this.waiting.delete(h.key);
      tenants.delete(tenant);
      this.place(lane, tenant, now); // still due: back at the end of the account's turn
      accounts.delete(account);
      if (tenants.size > 0) accounts.set(account, tenants);
      const token = randomUUID();
      this.inflight.set(h.key, { token, expiresAt: now + this.options.leaseMs, tenant });
      return { key: h.key, token, failures: this.failures.get(h.key) ?? 0, tenant, dueAt: h.due };
    }
    if (tenants.size === 0) accounts.delete(account);
    return null;
  }

  private release(lease: Lease): { tenant: string } | null {
    const entry = this.inflight.get(lease.key);
    if (!entry || entry.token !== lease.token) return null;
    this.inflight.delete(lease.key);
    return entry;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w.resolve();
  }

  private pushAll(entry: Entry): void {
    if (this.all.size > 64 && this.all.size > 2 * this.waiting.size) {
      // Too many stale entries (keys moved or claimed): rebuild from the live ones.
      const fresh = new Heap<Entry>(byDue);
      for (const e of this.waiting.values()) if (e !== entry) fresh.push(e);
      this.all = fresh;
    }
    this.all.push(entry);
  }

  /** The earliest waiting entry of any lane (stale entries are dropped). */
  private peekAll(): Entry | undefined {
    for (let top = this.all.peek(); top; top = this.all.peek()) {
      if (this.waiting.get(top.key) === top) return top;
      this.all.pop();
    }
    return undefined;
  }

  /** Rebuilds the tenants' heaps from the live entries (after many keys moved earlier). */
  private compact(): void {
    for (const state of this.lanes) state.queues.clear();
    this.queued = 0;
    for (const e of this.waiting.values()) {
      const queues = this.lanes[e.lane].queues;
      let q = queues.get(e.tenant);
      if (!q) queues.set(e.tenant, (q = new Heap<Entry>(byDue)));
      q.push(e);
      this.queued++;
    }
  }
}
