import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { appendEvents, type EventRecord } from '../src/adapters/prisma/objects';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { RedisBus } from '../src/adapters/redis/bus';
import { publishEvents, topics } from '../src/app/topics';
import { clusterEventStream, eventRecord, FEED_TAIL, STREAM_CATCHUP_MS, STREAM_HIGH_WATER, type EventStream } from '../src/app/streams';
import { sharedExecutionStats } from '../src/graphql/fanout';
import { clusterStatusStream } from '../src/app/clusterStatus';
import { feedStats } from '../src/app/feeds/registry';
import type { Services } from '../src/app/services';
import { buildRuntime, type Runtime } from '../src/main/compose';
import type { Pod } from '../src/generated/prisma/client';
import { RecordingBus } from './support/recordingBus';
import { recordingLogger } from './support/log';
import { eventually, startStack, testConfig, testStore, type Stack } from './support/stack';

/** SQL reads of the Event table (a Prisma query counter on the store). */
const isEventRead = (sql: string) => /^\s*SELECT/i.test(sql) && /FROM\s+("[^"]+"\.)?"Event"(\s|$)/.test(sql);

async function world(opts: { bus?: RecordingBus | RedisBus } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const counts = { eventReads: 0, clusterReads: 0 };
  const store: Store = await testStore({
    onQuery: (sql) => {
      if (isEventRead(sql)) counts.eventReads++;
      if (/^\s*SELECT/i.test(sql) && /FROM\s+("[^"]+"\.)?"Cluster"(\s|$)/.test(sql)) counts.clusterReads++;
    },
  });
  const bus = opts.bus ?? new RecordingBus();
  const rt: Runtime = await buildRuntime(testConfig(), { store, clock, bus, queue: new MemoryWorkQueue(clock) });
  const accountId = crypto.randomUUID();
  const clusterId = crypto.randomUUID();
  await store.prisma.account.create({ data: { id: accountId, name: 'a' } });
  await store.prisma.cluster.create({ data: { id: clusterId, accountId, name: 'c', region: 'ap-guangzhou', version: '1.32', status: 'RUNNING' } });
  const pod: Pod = await store.prisma.pod.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name: 'p', spec: {}, phase: 'Pending', status: 'Pending', billedCpuMilli: 1000, billedMemoryMi: 2048 } });
  /** Commits n events (not published). */
  const write = (n: number) => store.prisma.$transaction((tx) => appendEvents(tx, clusterId, Array.from({ length: n }, () => ({ type: 'MODIFIED' as const, reason: 'r', message: 'm', pod })), new Date(clock.now()), () => crypto.randomUUID()), { timeout: 60_000 });
  const publish = (events: EventRecord[]) => publishEvents(rt.svc.bus, clusterId, events);
  const head = async () => (await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).eventSeq;
  return {
    clock,
    counts,
    store,
    rt,
    svc: rt.svc,
    bus,
    accountId,
    clusterId,
    write,
    publish,
    head,
    async close() {
      await rt.close();
      await store.close();
    },
  };
}
type World = Awaited<ReturnType<typeof world>>;

const take = async (it: AsyncIterator<EventRecord>, n: number) => {
  const got: EventRecord[] = [];
  while (got.length < n) {
    const r = await it.next();
    if (r.done) throw new Error(`stream ended after ${got.length} of ${n}`);
    got.push(r.value);
  }
  return got;
};
const seqs = (events: EventRecord[]) => events.map((e) => e.sequence);
const activeOn = (bus: RecordingBus, topic: string) => bus.subscriptions.filter((s) => s.topic === topic && s.active).length;

describe('shared cluster feeds', () => {
  let w: World;
  const open: EventStream[] = [];
  beforeAll(async () => {
    w = await world();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.return!()));
  });
  afterAll(async () => {
    await w?.close();
  });
  const subscribe = async (since?: number, svc: Services = w.svc) => {
    const s = await clusterEventStream(svc, w.accountId, w.clusterId, { since });
    open.push(s);
    return s;
  };

  it('gives 50 subscribers every event through one bus subscription, one gap fill and one catch-up timer', async () => {
    const subs = await Promise.all(Array.from({ length: 50 }, () => subscribe()));
    expect(activeOn(w.bus as RecordingBus, topics.clusterEvents(w.clusterId))).toBe(1);
    expect(feedStats(w.svc)).toMatchObject({ clusterFeeds: 1, subscribers: 50 });
    expect(w.clock.pendingTimers()).toBe(1);
    const lost = await w.write(2); // committed, never published
    const later = await w.write(1);
    const before = w.counts.eventReads;
    await w.publish(later);
    const got = await Promise.all(subs.map((s) => take(s, 3)));
    for (const g of got) expect(seqs(g)).toEqual(seqs([...lost, ...later]));
    // the gap was read from the store once for everybody, and everybody got the same objects
    expect(w.counts.eventReads - before).toBe(1);
    for (const g of got) expect(g[0]).toBe(got[0][0]);
  });

  it('finds a lost last event for every subscriber with one store read per catch-up', async () => {
    const subs = await Promise.all(Array.from({ length: 30 }, () => subscribe()));
    const lost = await w.write(1);
    const before = w.counts.eventReads;
    const next = subs.map((s) => s.next());
    w.clock.advance(STREAM_CATCHUP_MS);
    for (const n of next) expect((await n).value.sequence).toBe(lost[0].sequence);
    expect(w.counts.eventReads - before).toBe(1);
    expect(w.clock.pendingTimers()).toBe(1);
  });

  it('serves a subscriber resuming with a recent since from memory, and replays older history in pages shared by subscribers', async () => {
    const first = await subscribe();
    const events = await w.write(3000);
    await w.publish(events);
    await take(first, 3000); // the feed has them all (and keeps the most recent FEED_TAIL)
    const newest = await w.head();
    let before = w.counts.eventReads;
    const recent = await subscribe(newest - 100);
    expect(seqs(await take(recent, 100))).toEqual(Array.from({ length: 100 }, (_, i) => newest - 99 + i));
    expect(w.counts.eventReads - before).toBe(0);
    expect(FEED_TAIL).toBeLessThan(newest);
    // 20 subscribers replaying the whole history at once: pages read once, not once per subscriber
    before = w.counts.eventReads;
    const replaying = await Promise.all(Array.from({ length: 20 }, () => subscribe(0)));
    const got = await Promise.all(replaying.map((s) => take(s, newest)));
    for (const g of got) expect(seqs(g)).toEqual(Array.from({ length: newest }, (_, i) => i + 1));
    const pagesOutsideTail = Math.ceil((newest - FEED_TAIL) / 500) + 1;
    expect(w.counts.eventReads - before).toBeLessThanOrEqual(pagesOutsideTail);
  });

  it('cuts off a live subscriber that falls more than NODELESS_STREAM_MAX_LAG behind with SLOW_CONSUMER; resuming with since misses nothing; others carry on', async () => {
    const svc: Services = { ...w.svc, settings: { ...w.svc.settings, limits: { ...w.svc.settings.limits, streamMaxLag: 5 } } };
    const slow = await subscribe(undefined, svc);
    const fast = await subscribe(undefined, svc);
    const start = await w.head();
    const firstTwo = await w.write(2);
    await w.publish(firstTwo);
    const taken = await take(slow, 2);
    await take(fast, 2);
    // the fast one keeps taking; the slow one stops
    const burst = await w.write(20);
    for (let i = 0; i < 20; i += 4) {
      await w.publish(burst.slice(i, i + 4));
      expect(seqs(await take(fast, 4))).toEqual(seqs(burst.slice(i, i + 4)));
    }
    const err = await slow.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'SLOW_CONSUMER', extensions: { code: 'SLOW_CONSUMER', lastSequence: taken[1].sequence, limit: 'NODELESS_STREAM_MAX_LAG' } });
    expect((err as Error).message).toContain(`since: ${start + 2}`);
    expect(await slow.next()).toEqual({ value: undefined, done: true });
    const resumed = await subscribe((err as { extensions: { lastSequence: number } }).extensions.lastSequence, svc);
    expect(seqs(await take(resumed, 20))).toEqual(seqs(burst));
  });

  it('does not fail its subscribers over a gap the store cannot fill yet: it reads the store again soon and carries on', async () => {
    const subs = await Promise.all(Array.from({ length: 3 }, () => subscribe()));
    const newest = await w.head();
    const [template] = await w.write(1);
    // a message about an event the store does not have (a later one's commit implies the earlier ones: here it does not)
    await w.publish([{ ...template, sequence: newest + 50 }]);
    const got = await Promise.all(subs.map((s) => take(s, 1)));
    for (const g of got) expect(seqs(g)).toEqual([template.sequence]);
    const next = subs.map((s) => s.next());
    w.clock.advance(1000); // the retry reads the store: nothing more, nobody failed
    const later = await w.write(2);
    await w.publish(later);
    for (const n of next) expect((await n).value.sequence).toBe(later[0].sequence);
    for (const s of subs) expect((await s.next()).value.sequence).toBe(later[1].sequence);
  });

  it('closes the feed and frees everything when the last subscriber leaves', async () => {
    const subs = await Promise.all(Array.from({ length: 10 }, () => subscribe()));
    expect(feedStats(w.svc).clusterFeeds).toBe(1);
    for (const s of subs.slice(0, 9)) await s.return!();
    expect(feedStats(w.svc)).toMatchObject({ clusterFeeds: 1, subscribers: 1 });
    await subs[9].return!();
    open.splice(0);
    await new Promise((r) => setImmediate(r));
    expect(feedStats(w.svc)).toMatchObject({ clusterFeeds: 0, subscribers: 0, tailEvents: 0 });
    expect(activeOn(w.bus as RecordingBus, topics.clusterEvents(w.clusterId))).toBe(0);
    expect(w.clock.pendingTimers()).toBe(0);
    // the next subscriber opens a new feed that works
    const again = await subscribe();
    const e = await w.write(1);
    await w.publish(e);
    expect(seqs(await take(again, 1))).toEqual(seqs(e));
  });
});

describe('a replay from the store meeting pruned events', () => {
  it('ends with EXPIRED instead of skipping what was pruned while it replayed', async () => {
    const w = await world();
    try {
      await w.write(1500);
      const stream = await clusterEventStream(w.svc, w.accountId, w.clusterId, { since: 0 });
      // the replay has read its first pages and waits for the subscriber (STREAM_HIGH_WATER queued)
      await eventually(async () => stream.buffered >= STREAM_HIGH_WATER, 'the replay to reach its high-water mark');
      // retention prunes through 1200 meanwhile
      await w.store.prisma.event.deleteMany({ where: { clusterId: w.clusterId, sequence: { lte: 1200 } } });
      await w.store.prisma.cluster.update({ where: { id: w.clusterId }, data: { eventsPrunedThrough: 1200 } });
      let last = 0;
      const err = await (async () => {
        for (;;) {
          const r = await stream.next();
          if (r.done) return null;
          expect(r.value.sequence).toBe(++last); // never a gap
        }
      })().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'EXPIRED' });
      expect(last).toBeLessThan(1201);
    } finally {
      await w.close();
    }
  });
});

describe('shared refreshers (clusterStatus)', () => {
  it('reads the cluster once per announcement or tick for all its status subscribers, and frees the refresher after the last', async () => {
    const w = await world();
    try {
      const subs = await Promise.all(Array.from({ length: 20 }, () => clusterStatusStream(w.svc, w.accountId, w.clusterId)));
      for (const s of subs) expect((await s.next()).value.status).toBe('RUNNING');
      expect(activeOn(w.bus as RecordingBus, topics.clusterStatus(w.clusterId))).toBe(1);
      expect(w.clock.pendingTimers()).toBe(1);
      await w.store.prisma.cluster.update({ where: { id: w.clusterId }, data: { status: 'DELETING', resourceVersion: { increment: 1 } } }); // no publish
      const before = w.counts.clusterReads;
      const next = subs.map((s) => s.next());
      w.clock.advance(STREAM_CATCHUP_MS);
      for (const n of next) expect((await n).value.status).toBe('DELETING');
      expect(w.counts.clusterReads - before).toBe(1);
      for (const s of subs) await s.return!();
      expect(feedStats(w.svc)).toMatchObject({ refreshers: 0 });
      expect(w.clock.pendingTimers()).toBe(0);
    } finally {
      await w.close();
    }
  });
});

const redisUrl = process.env.REDIS_URL ?? '';
describe.runIf(!!redisUrl)('shared cluster feeds over Redis (services mode)', () => {
  it('delivers every event, gap filled, to subscribers sharing one Redis subscription', async () => {
    const bus = await RedisBus.connect(redisUrl, { prefix: `test:fanout:${crypto.randomUUID()}:` });
    const recording = new RecordingBus(bus);
    const w = await world({ bus: recording });
    try {
      const subs = await Promise.all(Array.from({ length: 10 }, () => clusterEventStream(w.svc, w.accountId, w.clusterId, {})));
      expect(activeOn(recording, topics.clusterEvents(w.clusterId))).toBe(1);
      const lost = await w.write(3);
      const later = await w.write(2);
      await w.publish(later);
      for (const s of subs) expect(seqs(await take(s, 5))).toEqual(seqs([...lost, ...later]));
      for (const s of subs) await s.return!();
      expect(activeOn(recording, topics.clusterEvents(w.clusterId))).toBe(0);
    } finally {
      await w.close();
    }
  });
});

/** A graphql-transport-ws client on a raw socket (every message kept). */
class Sock {
  readonly messages: any[] = [];
  closed: number | null = null;
  readonly ws: WebSocket;
  constructor(url: string) {
    this.ws = new WebSocket(url, 'graphql-transport-ws');
    this.ws.on('message', (d) => this.messages.push(JSON.parse(String(d))));
    this.ws.on('close', (code) => (this.closed = code));
    this.ws.on('error', () => {});
  }
  async start(token: string): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await eventually(async () => this.messages.some((m) => m.type === 'connection_ack'), 'ack', 20_000);
  }
  subscribe(id: string, query: string, variables: Record<string, unknown>) {
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }
  of = (id: string, type = 'next') => this.messages.filter((m) => m.id === id && m.type === type);
}

describe('subscription results over graphql-ws', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let stack: Stack;
  const sockets: Sock[] = [];
  beforeAll(async () => {
    stack = await startStack({ env: { NODELESS_STREAM_MAX_LAG: '20' }, worker: false, overrides: { clock, log: recordingLogger() } });
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.close();
    await stack?.stop();
  });
  const sock = () => {
    const s = new Sock(stack.wsUrl);
    sockets.push(s);
    return s;
  };
  /** Commits n pod events (with `message` of the given size) and publishes them. */
  const emit = async (clusterGlobalId: string, n: number, messageBytes = 1) => {
    const db = stack.app.runtime.store.prisma;
    const clusterId = Buffer.from(clusterGlobalId, 'base64').toString('utf8').replace(/^Cluster:/, '');
    const { eventSeq } = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    const message = 'x'.repeat(messageBytes);
    await db.event.createMany({ data: Array.from({ length: n }, (_, i) => ({ id: crypto.randomUUID(), clusterId, sequence: eventSeq + i + 1, type: 'MODIFIED', involvedKind: 'Pod', involvedName: `p${i}`, involvedUid: crypto.randomUUID(), namespace: 'default', reason: 'Bulk', message, object: {} })) });
    await db.cluster.update({ where: { id: clusterId }, data: { eventSeq: eventSeq + n } });
    const rows = await db.event.findMany({ where: { clusterId, sequence: { gt: eventSeq } }, orderBy: { sequence: 'asc' } });
    await publishEvents(stack.app.runtime.svc.bus, clusterId, rows.map(eventRecord));
    return eventSeq;
  };

  it('executes each event once per distinct selection and reuses the result for the other subscribers', async () => {
    const a = await stack.signup('shared');
    const cluster = (await stack.gql(`mutation { createCluster(input: { name: "f", region: "ap-guangzhou" }) { cluster { id } } }`, {}, a.token)).data.createCluster.cluster.id;
    const Q = 'subscription($c: ID!) { podEvents(clusterId: $c) { sequence reason } }';
    const OTHER = 'subscription($c: ID!) { podEvents(clusterId: $c) { sequence message } }';
    const socks = [sock(), sock(), sock(), sock()];
    for (const s of socks) await s.start(a.token);
    socks.forEach((s, i) => s.subscribe('q', i < 3 ? Q : OTHER, { c: cluster }));
    await eventually(async () => feedStats(stack.app.runtime.svc).subscribers === 4, 'four subscribers on the feed', 20_000); // the only ones so far
    const before = { ...sharedExecutionStats };
    await emit(cluster, 10);
    await eventually(async () => socks.every((s) => s.of('q').length === 10), 'every event on every socket', 20_000);
    for (const s of socks.slice(0, 3)) expect(s.of('q').map((m) => m.payload)).toEqual(socks[0].of('q').map((m) => m.payload));
    expect(socks[3].of('q')[0].payload.data.podEvents).toHaveProperty('message');
    // 10 events × 2 distinct selections executed; the 2 other subscribers of Q reused them
    expect(sharedExecutionStats.executed - before.executed).toBe(20);
    expect(sharedExecutionStats.reused - before.reused).toBe(20);
    // every one of the 40 deliveries went to its socket as ready-made JSON, past the per-result pipeline
    expect(sharedExecutionStats.direct - before.direct).toBe(40);
    expect(socks[0].of('q')[0]).toEqual({ id: 'q', type: 'next', payload: { data: { podEvents: { sequence: expect.any(Number), reason: expect.any(String) } } } });
  });

  it('ends a subscription that fell more than NODELESS_STREAM_MAX_LAG behind with a SLOW_CONSUMER error naming the sequence to resume from; the socket stays open', async () => {
    const c = await stack.signup('lagging');
    const cluster = (await stack.gql(`mutation { createCluster(input: { name: "l", region: "ap-guangzhou" }) { cluster { id } } }`, {}, c.token)).data.createCluster.cluster.id;
    const s = sock();
    await s.start(c.token);
    const others = feedStats(stack.app.runtime.svc).subscribers;
    s.subscribe('l', 'subscription($c: ID!) { podEvents(clusterId: $c) { sequence message } }', { c: cluster });
    await eventually(async () => feedStats(stack.app.runtime.svc).subscribers === others + 1, 'the subscriber on the feed', 20_000);
    (s.ws as any)._socket.pause(); // stop reading: the kernel's buffers fill, the server stops taking events
    const start = await emit(cluster, 200, 65_536);
    (s.ws as any)._socket.resume();
    const [error] = await eventually(async () => (s.of('l', 'error').length ? s.of('l', 'error') : null), 'the SLOW_CONSUMER error', 20_000);
    const got = s.of('l').map((m) => m.payload.data.podEvents.sequence);
    expect(got.length).toBeLessThan(200);
    expect(got).toEqual(got.map((_, i) => start + i + 1));
    expect(error.payload[0].extensions).toMatchObject({ code: 'SLOW_CONSUMER', lastSequence: got.length ? got[got.length - 1] : start, limit: 'NODELESS_STREAM_MAX_LAG', max: 20 });
    expect(s.closed).toBeNull();
    // resuming with since gets the rest, in order
    s.subscribe('r', 'subscription($c: ID!, $s: Int) { podEvents(clusterId: $c, since: $s) { sequence } }', { c: cluster, s: error.payload[0].extensions.lastSequence });
    await eventually(async () => s.of('r').length === 200 - got.length, 'the rest', 20_000);
    expect(s.of('r').map((m) => m.payload.data.podEvents.sequence)).toEqual(Array.from({ length: 200 - got.length }, (_, i) => start + got.length + i + 1));
  });
});
