/**
 * A push-to-pull async queue: producers push, one consumer iterates. `return()` (a client
 * unsubscribing) runs the cleanup at once, even while the consumer is waiting.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private failure: unknown = null;
  private closed = false;
  private cleanups: (() => unknown)[] = [];

  push(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: item, done: false });
    } else this.items.push(item);
  }

  fail(err: unknown): void {
    this.failure = err;
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
    if (w) w({ value: undefined, done: true });
    for (const fn of this.cleanups.splice(0)) await fn();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
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
