import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/ports/bus';
import { within } from './workqueue.contract';

/**
 * A bus under test. `open()` returns a handle on the shared bus: for a distributed adapter a new
 * instance with its own connections, for an in-process adapter the shared instance.
 */
export interface BusHarness {
  open(): Promise<Bus>;
  /** Closes every handle opened. */
  cleanup(): Promise<void>;
}

export type BusHarnessFactory = () => Promise<BusHarness>;

/** Records messages; `count(n)` resolves once n messages arrived (bounded: real I/O). */
export function collector() {
  const items: unknown[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  return {
    items,
    handler: (message: unknown) => {
      items.push(message);
      for (const w of [...waiters]) {
        if (items.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
    count(n: number): Promise<unknown[]> {
      if (items.length >= n) return Promise.resolve(items);
      return within(
        new Promise<void>((resolve) => waiters.push({ n, resolve })).then(() => items),
        `${n} message(s) (got ${items.length})`,
      );
    },
  };
}

export function busContract(name: string, factory: BusHarnessFactory): void {
  describe(`Bus contract: ${name}`, () => {
    let harness: BusHarness;
    let publisher: Bus;
    let subscriber: Bus;

    beforeEach(async () => {
      harness = await factory();
      publisher = await harness.open();
      subscriber = await harness.open();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('delivers a message to a subscriber on another connection/instance', async () => {
      const c = collector();
      await subscriber.subscribe('hello', c.handler);
      await publisher.publish('hello', { greeting: 'hi', n: 1 });
      expect(await c.count(1)).toEqual([{ greeting: 'hi', n: 1 }]);
    });

    it('delivers to every subscription of the topic, local and remote', async () => {
      const remote = collector();
      const local = collector();
      await subscriber.subscribe('fan', remote.handler);
      await publisher.subscribe('fan', local.handler);
      await publisher.publish('fan', 'x');
      expect(await remote.count(1)).toEqual(['x']);
      expect(await local.count(1)).toEqual(['x']);
    });

    it('keeps per-publisher order for 1,000 messages', async () => {
      const c = collector();
      await subscriber.subscribe('order', c.handler);
      const expected = Array.from({ length: 1_000 }, (_, i) => i);
      await Promise.all(expected.map((i) => publisher.publish('order', i)));
      expect(await c.count(1_000)).toEqual(expected);
    });

    it('unsubscribe stops delivery (to that handler; and entirely once the last one leaves)', async () => {
      const leaving = collector();
      const staying = collector();
      const unsubLeaving = await subscriber.subscribe('unsub', leaving.handler);
      const unsubStaying = await subscriber.subscribe('unsub', staying.handler);
      await publisher.publish('unsub', 1);
      await staying.count(1);
      await leaving.count(1);

      await unsubLeaving();
      await publisher.publish('unsub', 2);
      expect(await staying.count(2)).toEqual([1, 2]);

      await unsubStaying();
      const sentinel = collector();
      await subscriber.subscribe('unsub-sentinel', sentinel.handler);
      await publisher.publish('unsub', 3);
      await publisher.publish('unsub-sentinel', 'after');
      await sentinel.count(1); // published after 3 by the same publisher: 3 would have arrived first
      expect(leaving.items).toEqual([1]);
      expect(staying.items).toEqual([1, 2]);
    });

    it('a subscription made after an unsubscribe of the same topic works', async () => {
      const first = collector();
      const unsub = await subscriber.subscribe('again', first.handler);
      await unsub();
      const second = collector();
      await subscriber.subscribe('again', second.handler);
      await publisher.publish('again', 'y');
      expect(await second.count(1)).toEqual(['y']);
      expect(first.items).toEqual([]);
    });

    it('isolates topics', async () => {
      const a = collector();
      const b = collector();
      await subscriber.subscribe('iso-a', a.handler);
      await subscriber.subscribe('iso-b', b.handler);
      await publisher.publish('iso-a', 'A1');
      await publisher.publish('iso-b', 'B1');
      await publisher.publish('iso-a', 'A2');
      await publisher.publish('iso-b', 'B2');
      // Any cross-delivery would precede B2 (same publisher), so b would not be [B1, B2].
      expect(await b.count(2)).toEqual(['B1', 'B2']);
      expect(await a.count(2)).toEqual(['A1', 'A2']);
      expect(a.items).toHaveLength(2);
      expect(b.items).toHaveLength(2);
    });

    it('round-trips messages through JSON (copies, dates as strings, undefined dropped)', async () => {
      const c = collector();
      const mutating = collector();
      await subscriber.subscribe('json', (m) => {
        mutating.handler(m);
        (m as { nested: { list: unknown[] } }).nested.list.push('mutated by a handler');
      });
      await subscriber.subscribe('json', c.handler);
      const message = {
        at: new Date(0),
        nested: { list: [1, 'two', null, true, { deep: 1.5 }] },
        missing: undefined,
        fn: () => 1,
      };
      const expected = JSON.parse(JSON.stringify(message));
      const published = publisher.publish('json', message);
      message.nested.list.push('mutated after publish');
      await published;
      const [received] = await c.count(1);
      await mutating.count(1);
      expect(received).toEqual(expected);
      expect(received).toEqual({ at: '1970-01-01T00:00:00.000Z', nested: { list: [1, 'two', null, true, { deep: 1.5 }] } });
      expect(received).not.toBe(message);
      expect(Object.keys(received as object)).toEqual(['at', 'nested']);
    });
  });
}
