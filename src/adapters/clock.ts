import type { Clock } from '../ports/clock';

/** Node's timers accept at most 2^31-1 ms; longer delays are clamped (and then re-armed). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock: `Date.now()` and the global `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): () => void {
    const due = Date.now() + Math.max(0, ms);
    let handle: ReturnType<typeof setTimeout>;
    const arm = () => {
      const remaining = due - Date.now();
      if (remaining > MAX_TIMER_MS) {
        handle = setTimeout(arm, MAX_TIMER_MS);
      } else {
        handle = setTimeout(fn, Math.max(0, remaining));
      }
    };
    arm();
    return () => clearTimeout(handle);
  },
};

interface ManualTimer {
  due: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers run synchronously inside `advance`/`set`, in due
 * order (ties in scheduling order), including timers scheduled by timers within the advanced
 * window. A timer scheduled with a delay <= 0 runs on the next `advance` (`advance(0)` is enough),
 * never on its own.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(startMs: number = Date.UTC(2024, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer: ManualTimer = { due: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return () => {
      this.timers.delete(timer);
    };
  }

  /** Moves time forward by `ms` and runs every timer that becomes due, in due order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock.advance: negative duration ${ms}`);
    this.runUntil(this.current + ms);
  }

  /**
   * Sets the time to `ms`. Moving forward runs the timers that become due (like `advance`);
   * moving backwards only changes `now()`.
   */
  set(ms: number): void {
    if (ms <= this.current) {
      this.current = ms;
      return;
    }
    this.runUntil(ms);
  }

  /** Number of timers scheduled and not yet run or cancelled. */
  pendingTimers(): number {
    return this.timers.size;
  }

  private runUntil(target: number): void {
    let firstError: { error: unknown } | null = null;
    for (;;) {
      let next: ManualTimer | null = null;
      for (const t of this.timers) {
        if (t.due > target) continue;
        if (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq)) next = t;
      }
      if (!next) break;
      this.timers.delete(next);
      if (next.due > this.current) this.current = next.due;
      try {
        next.fn();
      } catch (error) {
        firstError ??= { error };
      }
    }
    this.current = target;
    if (firstError) throw firstError.error;
  }
}
