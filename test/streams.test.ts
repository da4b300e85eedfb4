import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { appendEvents, type EventRecord } from '../src/adapters/prisma/objects';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { publishEvents } from '../src/app/topics';
import { clusterEventStream, STREAM_CATCHUP_MS, STREAM_HIGH_WATER } from '../src/app/streams';
import { clusterStatusStream } from '../src/app/clusterStatus';
import { buildRuntime, type Runtime } from '../src/main/compose';
import type { Pod } from '../src/generated/prisma/client';
import { testConfig, testStore } from './support/stack';

/** The resumable event stream against a bus that loses or reorders messages. */
describe('cluster event streams', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let rt: Runtime;
  let accountId: string;
  let clusterId: string;
  let pod: Pod;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    accountId = crypto.randomUUID();
    clusterId = crypto.randomUUID();
    await store.prisma.account.create({ data: { id: accountId, name: 'a' } });
    await store.prisma.cluster.create({ data: { id: clusterId, accountId, name: 'c', region: 'ap-guangzhou', version: '1.32', status: 'RUNNING' } });
    pod = await store.prisma.pod.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name: 'p', spec: {}, phase: 'Pending', status: 'Pending', billedCpuMilli: 1000, billedMemoryMi: 2048 } });
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  const write = (n: number) => store.prisma.$transaction((tx) => appendEvents(tx, clusterId, Array.from({ length: n }, () => ({ type: 'MODIFIED' as const, reason: 'r', message: 'm', pod })), new Date(clock.now()), () => crypto.randomUUID()));
  const take = async (it: AsyncIterator<EventRecord>, n: number) => {
    const got: number[] = [];
    while (got.length < n) got.push((await it.next()).value.sequence);
    return got;
  };

  it('fills a gap from the store when a later event arrives first', async () => {
    const stream = await clusterEventStream(rt.svc, accountId, clusterId, {});
    const lost = await write(2); // committed, never published
    const later = await write(1);
    await publishEvents(rt.svc.bus, clusterId, later);
    expect(await take(stream, 3)).toEqual([...lost, ...later].map((e) => e.sequence));
    await stream.return!();
  });

  it('finds a lost last event by itself within STREAM_CATCHUP_MS, and never repeats one', async () => {
    const c = await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    const stream = await clusterEventStream(rt.svc, accountId, clusterId, { since: c.eventSeq });
    const lost = await write(1); // nothing is published after it
    const next = stream.next();
    clock.advance(STREAM_CATCHUP_MS);
    expect((await next).value.sequence).toBe(lost[0].sequence);
    // the late publish of the same event is ignored; the next one comes through once
    await publishEvents(rt.svc.bus, clusterId, lost);
    const after = await write(1);
    await publishEvents(rt.svc.bus, clusterId, after);
    expect((await stream.next()).value.sequence).toBe(after[0].sequence);
    await stream.return!();
  });

  it('stops listening when the client unsubscribes, even while waiting, and leaves no timer behind', async () => {
    const stream = await clusterEventStream(rt.svc, accountId, clusterId, {});
    const pending = stream.next();
    await write(1).then((e) => publishEvents(rt.svc.bus, clusterId, e));
    await pending; // the replay is over and the live loop runs (its catch-up timer is armed)
    expect(clock.pendingTimers()).toBe(1);
    const waiting = stream.next();
    await stream.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refuses a since beyond the newest event (a stale or foreign cursor) with BAD_USER_INPUT', async () => {
    const c = await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    await expect(clusterEventStream(rt.svc, accountId, clusterId, { since: c.eventSeq + 1 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(clusterEventStream(rt.svc, accountId, clusterId, { since: -1 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('reads ahead only as fast as the subscriber takes events (bounded memory for a slow client)', async () => {
    await write(STREAM_HIGH_WATER + 600);
    const stream = await clusterEventStream(rt.svc, accountId, clusterId, { since: 0 });
    const first = await stream.next();
    expect(first.value.sequence).toBe(1);
    // the replay stopped reading at the high-water mark instead of loading the whole history
    await new Promise((r) => setImmediate(r));
    expect((stream as unknown as { buffered: number }).buffered).toBeLessThan(STREAM_HIGH_WATER + 500);
    let n = 1;
    const total = (await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).eventSeq;
    while (n < total) {
      const e = await stream.next();
      expect(e.value.sequence).toBe(++n);
    }
    await stream.return!();
  });
});

describe('cluster status streams', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  it('notices a status change whose announcement was lost, within STREAM_CATCHUP_MS', async () => {
    const store = await testStore();
    const rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    try {
      const accountId = crypto.randomUUID();
      const id = crypto.randomUUID();
      await store.prisma.account.create({ data: { id: accountId, name: 'a' } });
      await store.prisma.cluster.create({ data: { id, accountId, name: 'c', region: 'ap-guangzhou', version: '1.32', status: 'PROVISIONING' } });
      const stream = await clusterStatusStream(rt.svc, accountId, id);
      expect((await stream.next()).value.status).toBe('PROVISIONING');
      await store.prisma.cluster.update({ where: { id }, data: { status: 'RUNNING', resourceVersion: { increment: 1 } } }); // no publish
      const next = stream.next();
      clock.advance(STREAM_CATCHUP_MS);
      expect((await next).value.status).toBe('RUNNING');
      await stream.return!();
      expect(clock.pendingTimers()).toBe(0);
    } finally {
      await rt.close();
      await store.close();
    }
  });
});
