/**
 * Cooperative turns between tenants inside one worker process. A runner runs each item in a
 * context (AsyncLocalStorage) naming its account, and takes a turn before it starts; a long
 * reconcile (a pod loop pass over hundreds of pods) calls `yieldTurn()` between chunks of its
 * work. A turn yields to the event loop and, while an item of a lighter account is running, waits
 * for it to finish (at most `maxWaitMs` per turn). An account is the lighter when its oldest
 * running item started later (a tenant scaling out keeps long passes going, one starting a pod
 * runs short ones). So a tenant's short passes (one new pod) are not slowed down by another
 * tenant's long ones sharing the process's CPU, event loop and database, and the long ones still
 * progress. Outside a runner item a turn only yields to the event loop.
 *
 * Who goes first is a strict order at any instant, and it changes only when items start or
 * finish (the waiters look again then), so two items never wait for each other; `maxWaitMs`
 * bounds any wait.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../ports/clock';

export interface TurnItem {
  /** Start order within the runner. */
  readonly seq: number;
  readonly account: string;
  /** When it started (the runner's clock). */
  readonly startedAt: number;
}

export interface TurnTable {
  readonly clock: Clock;
  /** Most one yieldTurn waits for other accounts' items. */
  readonly maxWaitMs: number;
  /** Items running now. */
  running(): Iterable<TurnItem>;
  /** Resolves at the next change of the running items (one finished or started). */
  changed(): Promise<void>;
}

const current = new AsyncLocalStorage<{ table: TurnTable; item: TurnItem }>();

/** Runs `fn` as `item` of `table` (the runner calls this around each reconcile). */
export function runTurn<T>(table: TurnTable, item: TurnItem, fn: () => Promise<T>): Promise<T> {
  return current.run({ table, item }, fn);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `item` should let another running item go first (see above). */
export function behind(running: Iterable<TurnItem>, item: TurnItem): boolean {
  // each account's oldest running item: (start, seq), the later the lighter
  const oldest = new Map<string, TurnItem>();
  for (const i of running) {
    const o = oldest.get(i.account);
    if (!o || i.startedAt < o.startedAt || (i.startedAt === o.startedAt && i.seq < o.seq)) oldest.set(i.account, i);
  }
  const mine = oldest.get(item.account) ?? item;
  for (const [account, theirs] of oldest) {
    if (account === item.account) continue;
    if (theirs.startedAt > mine.startedAt || (theirs.startedAt === mine.startedAt && theirs.seq > mine.seq)) return true;
  }
  return false;
}

/** Yields to the event loop; inside a runner item, also lets items of lighter accounts go first (see above). */
export async function yieldTurn(): Promise<void> {
  await yieldToEventLoop();
  const ctx = current.getStore();
  if (!ctx) return;
  const { table, item } = ctx;
  if (table.maxWaitMs <= 0 || !behind(table.running(), item)) return;
  let timedOut = false;
  let wake = () => {};
  const timer = new Promise<void>((resolve) => (wake = resolve));
  const cancel = table.clock.setTimeout(() => {
    timedOut = true;
    wake();
  }, table.maxWaitMs);
  try {
    while (!timedOut && behind(table.running(), item)) await Promise.race([table.changed(), timer]);
  } finally {
    cancel();
  }
}
