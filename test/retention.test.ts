import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { appendEvents } from '../src/adapters/prisma/objects';
import { recordBillable, type LedgerCluster } from '../src/adapters/prisma/ledger';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { meterCluster, regionCurrency } from '../src/app/billing';
import { collectFinishedPods, EVENT_PRUNE_BATCH, pruneEvents, pruneScalingHistory, retentionPass } from '../src/app/prune';
import { assertReadKept, assertSinceKept } from '../src/app/retention';
import { clusterEventStream } from '../src/app/streams';
import { keys } from '../src/app/topics';
import { parseWorkKey } from '../src/controllers';
import { reconcileRetention } from '../src/controllers/retention';
import type { Pod } from '../src/generated/prisma/client';
import { buildRuntime, type Runtime } from '../src/main/compose';
import { startStack, Subscription, testConfig, testStore, type Stack } from './support/stack';
import { useDrivenCluster } from './support/driven';
import { resyncOnce } from '../src/worker/resync';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const REGION = 'ap-guangzhou';

/** A cluster (and its account) written straight into the store, with a pod to hang events on. */
async function seedCluster(store: Store, accountId?: string): Promise<{ accountId: string; clusterId: string; pod: Pod }> {
  const acct = accountId ?? crypto.randomUUID();
  if (!accountId) await store.prisma.account.create({ data: { id: acct, name: 'a' } });
  const clusterId = crypto.randomUUID();
  await store.prisma.cluster.create({ data: { id: clusterId, accountId: acct, name: `c-${clusterId.slice(0, 8)}`, region: REGION, version: '1.32', status: 'RUNNING' } });
  const pod = await store.prisma.pod.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name: 'p', spec: {}, phase: 'Pending', status: 'Pending', billedCpuMilli: 1000, billedMemoryMi: 2048 } });
  return { accountId: acct, clusterId, pod };
}

/** Appends `n` events to the cluster's log, recorded at the clock's now. */
async function writeEvents(store: Store, clock: ManualClock, clusterId: string, pod: Pod, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 500) {
    const records = await store.prisma.$transaction((tx) =>
      appendEvents(tx, clusterId, Array.from({ length: Math.min(500, n - i) }, () => ({ type: 'MODIFIED' as const, reason: 'r', message: 'm', pod })), new Date(clock.now()), () => crypto.randomUUID()),
    );
    out.push(...records.map((r) => r.sequence));
  }
  return out;
}

describe('event retention', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 8));
  let store: Store;
  let rt: Runtime;
  const deletes: string[] = [];

  beforeAll(async () => {
    store = await testStore({ onQuery: (sql) => /DELETE FROM "Event"/.test(sql) && deletes.push(sql) });
    rt = await buildRuntime(testConfig({ NODELESS_EVENT_RETENTION_MS: String(HOUR), NODELESS_EVENTS_PER_CLUSTER: '100000' }), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  it('prunes events older than the window in bounded batches, advancing the pruned-through sequence with each', async () => {
    const { clusterId, pod } = await seedCluster(store);
    const old = await writeEvents(store, clock, clusterId, pod, 2 * EVENT_PRUNE_BATCH + 500);
    clock.advance(30 * MINUTE);
    const recent = await writeEvents(store, clock, clusterId, pod, 10);
    clock.advance(31 * MINUTE); // the first ones are 61 minutes old, the recent ones 31
    deletes.length = 0;
    const first = await pruneEvents(rt.svc, clusterId, 2);
    expect(first).toEqual({ pruned: 2 * EVENT_PRUNE_BATCH, prunedThrough: 2 * EVENT_PRUNE_BATCH, more: true });
    expect(deletes).toHaveLength(2); // one bounded DELETE per batch
    expect((await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).eventsPrunedThrough).toBe(2 * EVENT_PRUNE_BATCH);
    const second = await pruneEvents(rt.svc, clusterId);
    expect(second).toEqual({ pruned: 500, prunedThrough: old[old.length - 1], more: false });
    const kept = await store.prisma.event.findMany({ where: { clusterId }, orderBy: { sequence: 'asc' }, select: { sequence: true } });
    expect(kept.map((e) => e.sequence)).toEqual(recent);
    // nothing more is old enough
    expect(await pruneEvents(rt.svc, clusterId)).toEqual({ pruned: 0, prunedThrough: old[old.length - 1], more: false });
  });

  it('keeps at most the per-cluster cap, however recent the events', async () => {
    const { clusterId, pod } = await seedCluster(store);
    const seqs = await writeEvents(store, clock, clusterId, pod, 120);
    rt.svc.settings.retention.eventsPerCluster = 50;
    try {
      expect(await pruneEvents(rt.svc, clusterId)).toEqual({ pruned: 70, prunedThrough: 70, more: false });
    } finally {
      rt.svc.settings.retention.eventsPerCluster = 100_000;
    }
    expect(await store.prisma.event.count({ where: { clusterId } })).toBe(50);
    expect((await store.prisma.event.findFirstOrThrow({ where: { clusterId }, orderBy: { sequence: 'asc' } })).sequence).toBe(seqs[70]);
  });

  it('answers EXPIRED for a since before the pruned-through sequence, and replays with no gap from it', async () => {
    const { accountId, clusterId, pod } = await seedCluster(store);
    await writeEvents(store, clock, clusterId, pod, 30);
    clock.advance(HOUR + 1);
    const kept = await writeEvents(store, clock, clusterId, pod, 5);
    await pruneEvents(rt.svc, clusterId);
    await expect(assertSinceKept(rt.svc, clusterId, 29)).rejects.toMatchObject({ code: 'EXPIRED', message: expect.stringContaining('lastEventSequence (now 35)') });
    await expect(clusterEventStream(rt.svc, accountId, clusterId, { since: 0 })).rejects.toMatchObject({ code: 'EXPIRED' });
    await expect(assertSinceKept(rt.svc, clusterId, null)).resolves.toBeUndefined(); // from now: nothing to replay
    const stream = await clusterEventStream(rt.svc, accountId, clusterId, { since: 30 });
    const got: number[] = [];
    while (got.length < kept.length) got.push((await stream.next()).value.sequence);
    expect(got).toEqual(kept);
    await stream.return!();
  });

  it('tells a stream whose read found events pruned after its check that it expired, without a query when the page is whole', async () => {
    const { clusterId, pod } = await seedCluster(store);
    await writeEvents(store, clock, clusterId, pod, 10);
    // checked at since = 2, then pruned through 6 before the replay's read
    await assertSinceKept(rt.svc, clusterId, 2);
    rt.svc.settings.retention.eventsPerCluster = 4;
    try {
      await pruneEvents(rt.svc, clusterId);
    } finally {
      rt.svc.settings.retention.eventsPerCluster = 100_000;
    }
    const page = await store.prisma.event.findMany({ where: { clusterId, sequence: { gt: 2 } }, orderBy: { sequence: 'asc' }, select: { sequence: true } });
    expect(page[0].sequence).toBe(7);
    await expect(assertReadKept(rt.svc, clusterId, 2, page)).rejects.toMatchObject({ code: 'EXPIRED' });
    await expect(assertReadKept(rt.svc, clusterId, 2, [])).rejects.toMatchObject({ code: 'EXPIRED' }); // all of them pruned: still told
    await expect(assertReadKept(rt.svc, clusterId, 6, page)).resolves.toBeUndefined();
    await expect(assertReadKept(rt.svc, clusterId, 10, [])).resolves.toBeUndefined(); // nothing new: fine
    // a whole page is not checked against the store at all
    const queries: string[] = [];
    const counting = { ...rt.svc, db: new Proxy(rt.svc.db, { get: (t, k) => (queries.push(String(k)), Reflect.get(t, k)) }) } as typeof rt.svc;
    await assertReadKept(counting, clusterId, 6, page);
    expect(queries).toEqual([]);
  });

  it('runs as a work key per cluster that re-arms itself every interval, and at once while work is left', async () => {
    const { clusterId, pod } = await seedCluster(store);
    expect(parseWorkKey(keys.retention(clusterId))).toEqual({ kind: 'retention', id: clusterId });
    const queue = rt.svc.queue;
    const drain = async () => {
      const got: string[] = [];
      for (let l = await queue.claim(); l; l = await queue.claim()) {
        got.push(l.key);
        await queue.done(l);
      }
      return got;
    };
    await drain();
    await reconcileRetention(rt.svc, clusterId);
    expect(await drain()).toEqual([]);
    expect(await queue.nextDueAt()).toBe(clock.now() + rt.svc.settings.retention.intervalMs);
    // more than one pass can prune: queued again at once
    await writeEvents(store, clock, clusterId, pod, 21 * EVENT_PRUNE_BATCH + 1);
    clock.advance(HOUR + 1);
    await reconcileRetention(rt.svc, clusterId);
    expect(await drain()).toContain(keys.retention(clusterId));
    // a cluster that is gone: the key stops
    await store.prisma.cluster.delete({ where: { id: clusterId } });
    clock.advance(rt.svc.settings.retention.intervalMs);
    await drain();
    await reconcileRetention(rt.svc, clusterId);
    expect(await drain()).toEqual([]);
  });
});

describe('EXPIRED over GraphQL', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
  let stack: Stack;
  let token: string;
  let clusterId: string;
  let pod: Pod;

  beforeAll(async () => {
    stack = await startStack({ worker: false, overrides: { clock }, env: { NODELESS_EVENT_RETENTION_MS: String(HOUR) } });
    const acct = await stack.signup('retention');
    token = acct.token;
    const accountId = Buffer.from(acct.accountId, 'base64').toString().replace(/^Account:/, '');
    ({ clusterId, pod } = await seedCluster(stack.app.runtime.store, accountId));
    await writeEvents(stack.app.runtime.store, clock, clusterId, pod, 20);
    clock.advance(HOUR + 1);
    await writeEvents(stack.app.runtime.store, clock, clusterId, pod, 3);
    await pruneEvents(stack.app.runtime.svc, clusterId);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const POD_EVENTS = 'subscription($c: ID!, $s: Int) { podEvents(clusterId: $c, since: $s) { sequence } }';

  it('answers a since before the pruned-through sequence with extensions.code EXPIRED over graphql-ws', async () => {
    const s = new Subscription(stack.wsUrl, token, POD_EVENTS, { c: clusterId, s: 5 }, (d) => d.podEvents.sequence);
    await s.until(() => false, 'the refusal').catch(() => {});
    expect(s.items).toEqual([]);
    expect((s.errors as any[]).map((e) => e.extensions?.code ?? e[0]?.extensions?.code)).toEqual(['EXPIRED']);
    expect(JSON.stringify(s.errors)).toMatch(/re-list/);
    await s.close();
  });

  it('answers EXPIRED over HTTP (SSE) too', async () => {
    const res = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: POD_EVENTS, variables: { c: clusterId, s: 0 } }),
    });
    const text = await res.text();
    expect(text).toMatch(/"code":"EXPIRED"/);
  });

  it('replays every kept event from the pruned-through sequence with no gap', async () => {
    const s = new Subscription(stack.wsUrl, token, POD_EVENTS, { c: clusterId, s: 20 }, (d) => d.podEvents.sequence);
    await s.until((items) => items.length >= 3, 'three kept events');
    expect(s.items).toEqual([21, 22, 23]);
    expect(s.errors).toEqual([]);
    await s.close();
  });
});

describe('finished-pod garbage collection', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 10));
  let store: Store;
  let rt: Runtime;
  let accountId: string;
  let clusterId: string;
  let ledger: LedgerCluster;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig({ NODELESS_TERMINATED_POD_GC_THRESHOLD: '3' }), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    ({ accountId, clusterId } = await seedCluster(store));
    ledger = { id: clusterId, accountId, name: 'c', region: REGION, currency: regionCurrency(rt.svc, REGION) };
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  /** A pod that ran `minutes` and finished `ago` ms before now, with its ledger row (unmetered). */
  async function finishedPod(name: string, finishedAgo: number, opts: { workloadId?: string; billed?: boolean } = {}): Promise<Pod> {
    const until = new Date(clock.now() - finishedAgo);
    const from = new Date(until.getTime() - 7 * MINUTE - 13_000);
    const pod = await store.prisma.pod.create({
      data: {
        id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name, spec: {}, phase: 'Succeeded', status: 'Completed', billedCpuMilli: 1000, billedMemoryMi: 2048,
        createdAt: from, finishedAt: until, ...(opts.billed === false ? {} : { billingFrom: from, billingUntil: until }), workloadId: opts.workloadId ?? null,
      },
    });
    if (opts.billed !== false) await store.prisma.$transaction((tx) => recordBillable(tx, ledger, [{ pod, from, until }]));
    return pod;
  }
  const billedSeconds = async () => (await store.prisma.usageRecord.aggregate({ where: { clusterId }, _sum: { seconds: true } }))._sum.seconds ?? 0;
  const ledgerRows = () => store.prisma.billablePod.findMany({ where: { clusterId }, orderBy: { podUid: 'asc' } });
  const names = async () => (await store.prisma.pod.findMany({ where: { clusterId, phase: 'Succeeded' }, orderBy: { name: 'asc' } })).map((p) => p.name);

  it('keeps finished pods whose seconds are not metered yet, then deletes the oldest past the threshold once they are, leaving billing as it was', async () => {
    // six finished pods (threshold 3): f1 finished first
    for (let i = 1; i <= 6; i++) await finishedPod(`f${i}`, (10 - i) * MINUTE);
    // the meter has not run: every pod is kept
    expect(await collectFinishedPods(rt.svc, clusterId)).toEqual({ collected: 0, more: false });
    expect(await names()).toEqual(['f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    expect(await billedSeconds()).toBe(0);

    await meterCluster(rt.svc, clusterId);
    const seconds = await billedSeconds();
    expect(seconds).toBe(6 * (7 * 60 + 13));
    const before = await ledgerRows();
    expect(before.every((b) => b.settled)).toBe(true);
    const seqBefore = (await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).eventSeq;

    expect(await collectFinishedPods(rt.svc, clusterId)).toEqual({ collected: 3, more: false });
    expect(await names()).toEqual(['f4', 'f5', 'f6']); // the oldest finished went first
    expect(await billedSeconds()).toBe(seconds);
    expect(await ledgerRows()).toEqual(before);
    // watchers see them go: one DELETED event each, in the cluster's log
    const events = await store.prisma.event.findMany({ where: { clusterId, sequence: { gt: seqBefore } }, orderBy: { sequence: 'asc' } });
    expect(events.map((e) => [e.type, e.involvedName])).toEqual([['DELETED', 'f1'], ['DELETED', 'f2'], ['DELETED', 'f3']]);
    // at the threshold: nothing more
    expect(await collectFinishedPods(rt.svc, clusterId)).toEqual({ collected: 0, more: false });
  });

  it('deletes a pod that never billed, never one with its billing still open, and never a running Job\'s finished pods', async () => {
    await store.prisma.pod.deleteMany({ where: { clusterId } });
    const jobUid = crypto.randomUUID();
    const job = await store.prisma.workload.create({ data: { id: crypto.randomUUID(), uid: jobUid, clusterId, namespace: 'default', kind: 'Job', apiVersion: 'batch/v1', name: 'etl', spec: {}, status: { active: 1, conditions: [] }, podCpuMilli: 1000, podMemoryMi: 2048 } });
    await finishedPod('j1', 50 * MINUTE, { workloadId: job.id });
    await finishedPod('j2', 49 * MINUTE, { workloadId: job.id });
    const open = await finishedPod('open', 48 * MINUTE);
    await meterCluster(rt.svc, clusterId);
    await store.prisma.billablePod.update({ where: { podUid: open.uid }, data: { settled: false } }); // its last seconds not bucketed yet
    await finishedPod('never', 40 * MINUTE, { billed: false });
    for (let i = 1; i <= 3; i++) await finishedPod(`new${i}`, i * MINUTE); // billed, not metered yet
    // 7 finished, threshold 3: 4 to collect, but only `never` may go
    expect(await collectFinishedPods(rt.svc, clusterId)).toEqual({ collected: 1, more: false });
    expect(await names()).toEqual(['j1', 'j2', 'new1', 'new2', 'new3', 'open']);
    // the Job finishes: its pods may go now (oldest first), `open` still waits for the meter
    await store.prisma.workload.update({ where: { id: job.id }, data: { status: { active: 0, succeeded: 2, conditions: [{ type: 'Complete', status: 'True' }] } } });
    expect(await collectFinishedPods(rt.svc, clusterId)).toEqual({ collected: 2, more: false });
    expect(await names()).toEqual(['new1', 'new2', 'new3', 'open']);
    await store.prisma.billablePod.update({ where: { podUid: open.uid }, data: { settled: true } });
    expect(await collectFinishedPods(rt.svc, clusterId)).toEqual({ collected: 1, more: false });
    expect(await names()).toEqual(['new1', 'new2', 'new3']);
  });
});

describe('provider records of gone sandboxes', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 10));
  let store: Store;
  let rt: Runtime;
  let clusterId: string;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    ({ clusterId } = await seedCluster(store));
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  it('are dropped an hour after the sandbox is gone, once its pod is deleted; never while the pod exists', async () => {
    const sandbox = (podUid: string, goneAgo: number | null) => ({
      id: `sb-${podUid}`, clusterId, region: REGION, zone: `${REGION}-3`, hostId: 'h-1', podUid, cpuMilli: 1000, memoryMi: 2048,
      createdAt: new Date(clock.now() - 3 * 3_600_000), readyAt: new Date(clock.now() - 3 * 3_600_000),
      deleteAt: goneAgo === null ? null : new Date(clock.now() - goneAgo), goneAt: goneAgo === null ? null : new Date(clock.now() - goneAgo),
    });
    const keptPod = crypto.randomUUID();
    await store.prisma.pod.create({ data: { id: crypto.randomUUID(), uid: keptPod, clusterId, namespace: 'default', name: 'still-here', spec: {}, phase: 'Succeeded', status: 'Completed', billedCpuMilli: 1000, billedMemoryMi: 2048, createdAt: new Date(clock.now() - 3 * 3_600_000), finishedAt: new Date(clock.now() - 2 * 3_600_000) } });
    const [old, recent, running] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await store.prisma.simSandbox.createMany({
      data: [sandbox(old, 2 * 3_600_000), sandbox(recent, 10 * 60_000), sandbox(running, null), sandbox(keptPod, 2 * 3_600_000)],
    });
    const pass = await retentionPass(rt.svc, clusterId);
    expect(pass.sandboxesForgotten).toBe(1);
    const left = (await store.prisma.simSandbox.findMany({ where: { clusterId }, select: { podUid: true } })).map((r) => r.podUid).sort();
    expect(left).toEqual([recent, running, keptPod].sort());
    clock.advance(3_600_000);
    expect((await retentionPass(rt.svc, clusterId)).sandboxesForgotten).toBe(1); // `recent` now; `running` and the pod's own stay
    expect((await store.prisma.simSandbox.findMany({ where: { clusterId }, select: { podUid: true } })).map((r) => r.podUid).sort()).toEqual([running, keptPod].sort());
  });
});

describe('scaling history and metric samples are bounded', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 11));
  let store: Store;
  let rt: Runtime;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig({ NODELESS_SCALING_HISTORY_RETENTION_MS: String(24 * HOUR), NODELESS_SCALING_HISTORY_PER_WORKLOAD: '10' }), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  it('prunes decisions older than the window and beyond the newest per workload', async () => {
    const { clusterId } = await seedCluster(store);
    const workload = (name: string) => store.prisma.workload.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', kind: 'Deployment', apiVersion: 'apps/v1', name, spec: {}, podCpuMilli: 1000, podMemoryMi: 2048 } });
    const [web, api] = [await workload('web'), await workload('api')];
    const decide = (workloadId: string, at: number) => ({ id: crypto.randomUUID(), clusterId, workloadId, namespace: 'default', autoscalerName: 'h', at: new Date(at), fromReplicas: 1, toReplicas: 2, proposed: 2, metrics: [], reason: 'r', message: 'm' });
    // web: 5 decisions two days old, then 15 recent ones; api: 4 recent ones
    await store.prisma.scalingDecision.createMany({
      data: [
        ...Array.from({ length: 5 }, (_, i) => decide(web.id, clock.now() - 48 * HOUR + i)),
        ...Array.from({ length: 15 }, (_, i) => decide(web.id, clock.now() - HOUR + i * MINUTE)),
        ...Array.from({ length: 4 }, (_, i) => decide(api.id, clock.now() - 2 * HOUR + i)),
      ],
    });
    expect(await pruneScalingHistory(rt.svc, clusterId)).toEqual({ pruned: 10, more: false });
    const left = await store.prisma.scalingDecision.findMany({ where: { clusterId }, orderBy: { at: 'asc' } });
    expect(left.filter((d) => d.workloadId === api.id)).toHaveLength(4);
    const webLeft = left.filter((d) => d.workloadId === web.id);
    expect(webLeft.map((d) => d.at.getTime())).toEqual(Array.from({ length: 10 }, (_, i) => clock.now() - HOUR + (i + 5) * MINUTE)); // the newest ten
  });

  it('prunes old metric samples of a cluster whose metrics agent is not running', async () => {
    const { clusterId, pod } = await seedCluster(store);
    const sample = (at: number) => ({ id: crypto.randomUUID(), clusterId, podId: pod.id, at: new Date(at), windowMs: 5000, cpuMilli: 1, memoryBytes: 1n, source: 'reported' });
    await store.prisma.podMetric.createMany({ data: [sample(clock.now() - 10 * MINUTE), sample(clock.now() - 5 * MINUTE), sample(clock.now() - 1000)] });
    await store.prisma.customMetric.create({ data: { id: crypto.randomUUID(), clusterId, namespace: 'default', source: 'External', name: 'q', at: new Date(clock.now() - 10 * MINUTE), value: 5n } });
    const pass = await retentionPass(rt.svc, clusterId);
    expect(pass.more).toBe(false);
    expect(await store.prisma.podMetric.count({ where: { clusterId } })).toBe(1);
    expect(await store.prisma.customMetric.count({ where: { clusterId } })).toBe(0);
  });
});

describe('retention in the worker', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 12));
  const c = useDrivenCluster(clock, { name: 'gc', region: REGION, env: { NODELESS_TERMINATED_POD_GC_THRESHOLD: '1', NODELESS_RETENTION_INTERVAL_MS: '60000' } });

  it('garbage-collects a finished Job\'s pods past the threshold on its own, once they are metered, with billing unchanged', async () => {
    await c.apply(`apiVersion: batch/v1
kind: Job
metadata:
  name: batch
spec:
  completions: 4
  parallelism: 4
  template:
    metadata:
      annotations:
        sim.nodeless.dev/run-ms: "5000"
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox:1.36
`);
    for (let i = 0; i < 10 && (await c.store.prisma.pod.count({ where: { clusterId: c.clusterId, phase: 'Succeeded' } })) < 4; i++) await c.step(1000);
    expect(await c.store.prisma.pod.count({ where: { clusterId: c.clusterId, phase: 'Succeeded' } })).toBe(4);
    const seconds = async () => (await c.store.prisma.usageRecord.aggregate({ where: { clusterId: c.clusterId }, _sum: { seconds: true } }))._sum.seconds ?? 0;
    const ledger = await c.store.prisma.billablePod.findMany({ where: { clusterId: c.clusterId }, orderBy: { podUid: 'asc' } });
    expect(ledger).toHaveLength(4);
    expect(ledger.every((b) => b.settled)).toBe(true); // the pod loop metered their ends at once
    const billed = await seconds();
    expect(billed).toBeGreaterThan(0);
    // the periodic resync arms the cluster's retention pass, which runs every minute from then on
    await resyncOnce(c.svc);
    await c.step(60_000);
    const left = await c.store.prisma.pod.findMany({ where: { clusterId: c.clusterId } });
    expect(left).toHaveLength(1);
    expect(await seconds()).toBe(billed);
    expect(await c.store.prisma.billablePod.findMany({ where: { clusterId: c.clusterId }, orderBy: { podUid: 'asc' } })).toEqual(ledger);
    const job = await c.store.prisma.workload.findFirstOrThrow({ where: { clusterId: c.clusterId, kind: 'Job' } });
    expect((job.status as { succeeded?: number }).succeeded).toBe(4); // the finished Job keeps its record
    expect(await c.store.prisma.event.count({ where: { clusterId: c.clusterId, type: 'DELETED', involvedKind: 'Pod' } })).toBe(3);
  });
});
