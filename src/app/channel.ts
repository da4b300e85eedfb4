/**
 * A push-to-pull async queue: producers push, one consumer iterates. `return()` (a client
 * unsubscribing) runs the cleanup at once, even while the consumer is waiting; `fail()` ends the
 * stream with an error the consumer sees (never as a normal completion). Producers that can be
 * slowed down await `drained(n)` so a slow consumer does not make the buffer grow without limit.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | null = null;
  private failure: { err: unknown } | null = null;
  private closed = false;
  private cleanups: (() => unknown)[] = [];
  private drainWaiters: { below: number; resolve: () => void }[] = [];
  /** The last item handed to the consumer (at the moment it is handed over, not when the consumer's await resumes). */
  taken: T | undefined;

  push(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      this.taken = item;
      w.resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  get buffered(): number {
    return this.items.length;
  }

  /** Resolves once fewer than `below` items wait for the consumer (or the channel closed). */
  drained(below: number): Promise<void> {
    if (this.items.length < below || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push({ below, resolve }));
  }

  private wakeDrainWaiters(): void {
    this.drainWaiters = this.drainWaiters.filter((w) => {
      if (this.items.length < w.below || this.closed) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  fail(err: unknown): void {
    if (this.closed) return;
    const w = this.waiting;
    this.waiting = null;
    this.items = [];
    if (w) w.reject(err);
    else this.failure = { err }; // for the consumer's next call
    void this.close();
  }

  onClose(fn: () => unknown): void {
    if (this.closed) void fn();
    else this.cleanups.push(fn);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.waiting;
    this.waiting = null;
    if (w) w.resolve({ value: undefined, done: true });
    this.wakeDrainWaiters();
    for (const fn of this.cleanups.splice(0)) await fn();
  }

  /** The next waiting item, synchronously, or undefined when none waits (a consumer draining a burst without a promise per item). */
  takeNow(): T | undefined {
    if (!this.items.length) return undefined;
    const value = this.items.shift()!;
    this.taken = value;
    if (this.drainWaiters.length) this.wakeDrainWaiters();
    return value;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) {
      const value = this.items.shift()!;
      this.taken = value;
      if (this.drainWaiters.length) this.wakeDrainWaiters();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const { err } = this.failure;
      this.failure = null; // reported once; afterwards the stream is simply done
      return Promise.reject(err);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.items = [];
    await this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
