import type { Bus } from '../../ports/bus';

interface Subscription {
  handler: (message: unknown) => void;
}

export interface MemoryBusOptions {
  /** Called when a handler throws (default: console.error). */
  onHandlerError?: (topic: string, err: unknown) => void;
}

/**
 * In-process Bus. Messages are JSON round-tripped (each handler gets its own copy), so behaviour
 * matches the Redis adapter. Delivery is asynchronous (a microtask per publish) and in publish
 * order; a message reaches the subscriptions active at publish time that are still active at
 * delivery time.
 */
export class MemoryBus implements Bus {
  private readonly topics = new Map<string, Set<Subscription>>();
  private closed = false;
  private readonly onHandlerError: (topic: string, err: unknown) => void;

  constructor(options: MemoryBusOptions = {}) {
    this.onHandlerError =
      options.onHandlerError ?? ((topic, err) => console.error(`MemoryBus: handler for "${topic}" threw`, err));
  }

  async publish(topic: string, message: unknown): Promise<void> {
    if (this.closed) throw new Error('MemoryBus is closed');
    const payload = JSON.stringify(message) ?? 'null';
    const subs = this.topics.get(topic);
    if (!subs || subs.size === 0) return;
    const targets = [...subs];
    queueMicrotask(() => {
      for (const sub of targets) {
        if (!subs.has(sub)) continue; // unsubscribed since publish
        try {
          sub.handler(JSON.parse(payload));
        } catch (err) {
          this.onHandlerError(topic, err);
        }
      }
    });
  }

  async subscribe(topic: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('MemoryBus is closed');
    let subs = this.topics.get(topic);
    if (!subs) {
      subs = new Set();
      this.topics.set(topic, subs);
    }
    const sub: Subscription = { handler };
    subs.add(sub);
    const set = subs;
    return async () => {
      set.delete(sub);
      if (set.size === 0 && this.topics.get(topic) === set) this.topics.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const subs of this.topics.values()) subs.clear();
    this.topics.clear();
  }
}
