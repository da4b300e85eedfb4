import type { Bus } from '../../src/ports/bus';
import { MemoryBus } from '../../src/adapters/memory/bus';

/**
 * An in-process bus that records every subscription made through it (topic, and whether it is
 * still active), so a test can tell when a server has registered the subscriptions its clients
 * asked for, and on which topics.
 */
export class RecordingBus implements Bus {
  readonly subscriptions: { topic: string; active: boolean }[] = [];
  constructor(private readonly inner: Bus = new MemoryBus()) {}

  publish(topic: string, message: unknown): Promise<void> {
    return this.inner.publish(topic, message);
  }

  async subscribe(topic: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    const unsubscribe = await this.inner.subscribe(topic, handler);
    const entry = { topic, active: true };
    this.subscriptions.push(entry);
    return async () => {
      entry.active = false;
      await unsubscribe();
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
