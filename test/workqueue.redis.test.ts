import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import { RedisWorkQueue } from '../src/adapters/redis/workqueue';
import type { Lease } from '../src/ports/workqueue';
import { flushEventLoop, within, workQueueContract } from './contracts/workqueue.contract';

const url = process.env.REDIS_URL ?? '';

/** Deletes every key under `prefix` (tests use unique queue names). */
async function deleteKeys(prefix: string): Promise<string[]> {
  const client = createClient({ url });
  await client.connect();
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
    return keys;
  } finally {
    await client.close();
  }
}

describe.runIf(!!url)('RedisWorkQueue', () => {
  workQueueContract('RedisWorkQueue', async (clock, options) => {
    const name = `test-${randomUUID()}`;
    const handles: RedisWorkQueue[] = [];
    return {
      // Each handle has its own connections: another "process".
      open: async () => {
        const queue = await RedisWorkQueue.connect(url, { name, clock, ...options });
        handles.push(queue);
        return queue;
      },
      cleanup: async () => {
        await Promise.all(handles.map((h) => h.close()));
        await deleteKeys(`nodeless:wq:${name}:`);
      },
    };
  });

  describe('Redis specifics', () => {
    const opened: RedisWorkQueue[] = [];
    const names: string[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((q) => q.close()));
      for (const name of names.splice(0)) await deleteKeys(`nodeless:wq:${name}:`);
    });

    async function connectMany(n: number, clock: ManualClock) {
      const name = `test-${randomUUID()}`;
      names.push(name);
      const queues = await Promise.all(
        Array.from({ length: n }, () => RedisWorkQueue.connect(url, { name, clock, leaseMs: 1_000 })),
      );
      opened.push(...queues);
      return { name, queues };
    }

    it('keeps every key under nodeless:wq:<name>: and clear() removes them', async () => {
      const clock = new ManualClock(Date.UTC(2030, 0, 1));
      const { name, queues } = await connectMany(1, clock);
      const [q] = queues;
      await q.add('a');
      await q.add('b');
      const lease = (await q.claim())!;
      await q.add(lease.key); // dirty
      await q.fail((await q.claim())!); // failures
      const client = createClient({ url });
      await client.connect();
      try {
        const keys = (await client.keys(`nodeless:wq:${name}:*`)).sort();
        // 'n:q:' and 'n:wait': the routine lane's queue of the system tenant "" and its waiting tenants
        expect(keys).toEqual(
          ['all', 'dirty', 'failures', 'inflight', 'lane', 'n:q:', 'n:wait', 'seq', 'tenant', 'tokens'].map((k) => `nodeless:wq:${name}:${k}`),
        );
        await q.clear();
        expect(await client.keys(`nodeless:wq:${name}:*`)).toEqual([]);
      } finally {
        await client.close();
      }
    });

    it('many connections claiming at once never get the same key twice', async () => {
      const clock = new ManualClock(Date.UTC(2030, 0, 1));
      const { queues } = await connectMany(6, clock);
      const keys = Array.from({ length: 120 }, (_, i) => `key-${i}`);
      // Everyone adds every key (duplicates are deduped) and then everyone claims until empty.
      await Promise.all(queues.map((q) => Promise.all(keys.map((k) => q.add(k)))));
      const claimed: Lease[] = [];
      await Promise.all(
        queues.map(async (q) => {
          for (;;) {
            const lease = await q.claim();
            if (!lease) return;
            claimed.push(lease);
          }
        }),
      );
      expect(claimed.map((l) => l.key).sort()).toEqual([...keys].sort());
      expect(await queues[0].size()).toEqual({ waiting: 0, inFlight: keys.length });
    });

    it('waitForWork looks at the queue itself: a key already due (no wake message) ends it at once', async () => {
      const clock = new ManualClock(Date.UTC(2030, 0, 1));
      const { name, queues } = await connectMany(1, clock);
      const raw = createClient({ url });
      await raw.connect();
      try {
        // Written behind the queue's back, so no wake-up is published.
        await raw.zAdd(`nodeless:wq:${name}:all`, { score: clock.now(), value: 'sneaky' });
        await within(queues[0].waitForWork(60_000), 'waitForWork with a due key');
        expect(clock.now()).toBe(Date.UTC(2030, 0, 1));

        // A key due before the timeout shortens the wait (the caller's plan may be stale).
        await raw.del(`nodeless:wq:${name}:all`);
        await raw.zAdd(`nodeless:wq:${name}:all`, { score: clock.now() + 300, value: 'soon' });
        let resolved = false;
        const waiting = queues[0].waitForWork(60_000).then(() => (resolved = true));
        await queues[0].size(); // the head lookup was sent before this round trip
        await flushEventLoop();
        clock.advance(299);
        await flushEventLoop();
        expect(resolved).toBe(false);
        clock.advance(1);
        await within(waiting, 'waitForWork until the head is due');
      } finally {
        await raw.close();
      }
    });

    it('closing resolves pending waitForWork', async () => {
      const clock = new ManualClock(Date.UTC(2030, 0, 1));
      const { queues } = await connectMany(1, clock);
      const waiting = queues[0].waitForWork(60_000);
      await queues[0].close();
      await waiting;
    });
  });
});
