import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from '../src/adapters/redis/bus';
import { busContract, collector } from './contracts/bus.contract';

const url = process.env.REDIS_URL ?? '';

describe.runIf(!!url)('RedisBus', () => {
  busContract('RedisBus', async () => {
    const prefix = `test:bus:${randomUUID()}:`;
    const handles: RedisBus[] = [];
    return {
      // Each handle has its own publisher and subscriber connections.
      open: async () => {
        const bus = await RedisBus.connect(url, { prefix });
        handles.push(bus);
        return bus;
      },
      cleanup: async () => {
        await Promise.all(handles.map((h) => h.close()));
      },
    };
  });

  describe('Redis specifics', () => {
    const opened: RedisBus[] = [];
    const clients: Array<ReturnType<typeof createClient>> = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
      await Promise.all(clients.splice(0).map((c) => c.close()));
    });

    async function bus(prefix: string) {
      const b = await RedisBus.connect(url, { prefix });
      opened.push(b);
      return b;
    }

    async function numSub(channel: string): Promise<number> {
      let client = clients[0];
      if (!client) {
        client = createClient({ url });
        await client.connect();
        clients.push(client);
      }
      const reply = (await client.sendCommand(['PUBSUB', 'NUMSUB', channel])) as [string, number];
      return Number(reply[1]);
    }

    it('one Redis subscription per topic, shared by local handlers, dropped with the last one', async () => {
      const prefix = `test:bus:${randomUUID()}:`;
      const b = await bus(prefix);
      const channel = `${prefix}shared`;
      expect(await numSub(channel)).toBe(0);
      const u1 = await b.subscribe('shared', () => {});
      const u2 = await b.subscribe('shared', () => {});
      expect(await numSub(channel)).toBe(1);
      await u1();
      expect(await numSub(channel)).toBe(1);
      await u2();
      expect(await numSub(channel)).toBe(0);
    });

    it('publishes on prefix + topic, and buses with different prefixes do not see each other', async () => {
      const p1 = `test:bus:${randomUUID()}:`;
      const p2 = `test:bus:${randomUUID()}:`;
      const b1 = await bus(p1);
      const b2 = await bus(p2);
      const other = collector();
      const mine = collector();
      await b2.subscribe('t', other.handler);
      await b1.subscribe('t', mine.handler);
      await b1.publish('t', 'for p1');
      await b2.publish('t', 'for p2');
      expect(await mine.count(1)).toEqual(['for p1']);
      expect(await other.count(1)).toEqual(['for p2']);

      const raw = collector();
      const sub = createClient({ url });
      await sub.connect();
      clients.push(sub);
      await sub.subscribe(`${p1}t`, (m) => raw.handler(m));
      await b1.publish('t', { x: 1 });
      expect(await raw.count(1)).toEqual(['{"x":1}']);
    });
  });
});
