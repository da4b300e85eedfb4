import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { insertRows, POD_COLUMNS } from '../src/adapters/prisma/objects';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { reconcilePods, POD_BATCH } from '../src/controllers/pods';
import { initialPodState } from '../src/core/lifecycle';
import type { Services } from '../src/app/services';
import { buildRuntime, type Runtime } from '../src/main/compose';
import type { Pod } from '../src/generated/prisma/client';
import { testConfig, testStore } from './support/stack';

/** The per-cluster pod loop on its own, step by step, with a driven clock and a scripted fleet. */
describe('the pod loop', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let rt: Runtime;
  let svc: Services;
  let clusterId: string;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig({ NODELESS_BOOT_MS: '5000', NODELESS_STOP_MS: '0' }), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    svc = rt.svc;
    const accountId = crypto.randomUUID();
    await store.prisma.account.create({ data: { id: accountId, name: 'a' } });
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  const newCluster = async () => {
    clusterId = crypto.randomUUID();
    const account = await store.prisma.account.findFirstOrThrow();
    await store.prisma.cluster.create({ data: { id: clusterId, accountId: account.id, name: `c-${clusterId.slice(0, 8)}`, region: 'ap-guangzhou', version: '1.32', status: 'RUNNING' } });
  };
  const addPods = async (n: number, annotations: Record<string, string> = {}) => {
    const rows = Array.from({ length: n }, () => ({
      id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name: `p-${crypto.randomUUID().slice(0, 13)}`,
      workloadId: null, ownerKind: null, ownerName: null, templateHash: null, labels: {}, annotations, spec: { containers: [{ name: 'app', image: 'nginx' }], restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
      billedCpuMilli: 1000, billedMemoryMi: 2048, createdAt: new Date(clock.now()), resourceVersion: 1, ...initialPodState,
    }));
    await insertRows(store.prisma, 'Pod', POD_COLUMNS, rows);
    return rows;
  };
  /** Plays the consumers: takes every key that is due now off the queue. */
  const drain = async () => {
    const keys: string[] = [];
    for (let lease = await svc.queue.claim(); lease; lease = await svc.queue.claim()) {
      keys.push(lease.key);
      await svc.queue.done(lease);
    }
    return keys;
  };
  const statusCount = async () => Object.fromEntries((await store.prisma.pod.groupBy({ by: ['status'], where: { clusterId }, _count: { _all: true } })).map((g) => [g.status, g._count._all]));

  it('stops the sandbox of a pod deleted before its sandbox id was recorded (no leaked, billed sandbox)', async () => {
    await newCluster();
    const [pod] = await addPods(1);
    // the provider created the sandbox, then the worker died before writing the binding
    await svc.provider.createSandboxes([{ podUid: pod.uid, clusterId, region: 'ap-guangzhou', zone: 'ap-guangzhou-3', hostId: 'h', cpuMilli: 1000, memoryMi: 2048, cpuType: 'intel', gpuModel: null, gpuMilli: 0, spot: false, annotations: {}, pod: { namespace: 'default', name: pod.name, restartPolicy: 'Always', terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'nginx' }] }, cachedImages: [] }]);
    await store.prisma.pod.update({ where: { id: pod.id }, data: { status: 'Terminating', deletionTimestamp: new Date(clock.now()), resourceVersion: { increment: 1 } } });
    await reconcilePods(svc, clusterId);
    expect(await store.prisma.pod.count({ where: { clusterId } })).toBe(0);
    const sandbox = await store.prisma.simSandbox.findUniqueOrThrow({ where: { podUid: pod.uid } });
    expect(sandbox.deleteAt).not.toBeNull();
    expect((await svc.provider.describeSandboxes([pod.uid]))[0].phase).toBe('Gone');
  });

  it('records the sandbox events nobody observed before a pod deleted meanwhile is DELETED (its Pulling included)', async () => {
    await newCluster();
    const [pod] = await addPods(1, { 'sim.nodeless.dev/boot-ms': '1000', 'sim.nodeless.dev/pull-ms': '500' });
    await reconcilePods(svc, clusterId); // bound and launched: ContainerCreating, sandbox booting
    // the sandbox pulls and starts, but no pass observes it (say its worker died) before the delete
    clock.advance(3000);
    await store.prisma.pod.update({ where: { id: pod.id }, data: { status: 'Terminating', deletionTimestamp: new Date(clock.now()), resourceVersion: { increment: 1 } } });
    await reconcilePods(svc, clusterId);
    clock.advance(1000);
    await reconcilePods(svc, clusterId);
    expect(await store.prisma.pod.count({ where: { id: pod.id } })).toBe(0);
    const events = await store.prisma.event.findMany({ where: { clusterId, involvedUid: pod.uid }, orderBy: { sequence: 'asc' } });
    expect(events.map((e) => `${e.type} ${e.reason}`)).toEqual(['MODIFIED Scheduled', 'MODIFIED Pulling', 'MODIFIED Pulled', 'MODIFIED Created', 'MODIFIED Started', 'DELETED Deleted']);
    const pulling = events.find((e) => e.reason === 'Pulling')!;
    const ledger = await store.prisma.billablePod.findUniqueOrThrow({ where: { podUid: pod.uid } });
    expect(pulling.eventTime?.getTime()).toBe(ledger.from.getTime());
  });

  it('handles one slice of pods per step in a pass and comes back at once for the rest, then sleeps instead of spinning', async () => {
    await newCluster();
    const slow = 2 * POD_BATCH + 10;
    await addPods(slow); // slow: 5 s boot
    await drain();
    await reconcilePods(svc, clusterId); // places and launches the first slice only
    expect(await statusCount()).toEqual({ ContainerCreating: POD_BATCH, Pending: slow - POD_BATCH });
    // the rest is due at once (behind whatever else is due), not after the sandboxes' boot
    expect((await drain()).filter((k) => k.startsWith('pods:'))).toEqual([`pods:${clusterId}`]);
    clock.advance(1);
    const fast = await addPods(200, { 'sim.nodeless.dev/boot-ms': '0' });
    let passes = 0;
    do {
      await reconcilePods(svc, clusterId);
      passes++;
    } while ((await drain()).includes(`pods:${clusterId}`) && passes < 10);
    expect(passes).toBe(Math.ceil((slow - POD_BATCH + fast.length) / POD_BATCH));
    expect(await statusCount()).toEqual({ ContainerCreating: slow, Running: 200 });
    expect((await store.prisma.pod.findMany({ where: { id: { in: fast.map((p) => p.id) } } })).every((p) => p.status === 'Running')).toBe(true);
    // nothing to do until the slow sandboxes are due: the key waits instead of coming back now
    // (the billing meter, woken by the pods that started billing, may be due)
    expect((await drain()).filter((k) => k.startsWith('pods:'))).toEqual([]);
    const due = await svc.queue.nextDueAt();
    expect(due).not.toBeNull();
    expect(due!).toBeGreaterThan(clock.now() + 4000);
  });

  it('asks the sandbox of every terminating pod to stop within one round of passes, however many wait for their sandboxes, then sleeps until the first is gone', async () => {
    await newCluster();
    const pods = await addPods(POD_BATCH + 30, { 'sim.nodeless.dev/boot-ms': '0', 'sim.nodeless.dev/stop-ms': '2000' });
    do await reconcilePods(svc, clusterId);
    while ((await drain()).includes(`pods:${clusterId}`));
    expect(await statusCount()).toEqual({ Running: pods.length });
    await store.prisma.pod.updateMany({ where: { clusterId }, data: { status: 'Terminating', deletionTimestamp: new Date(clock.now()), resourceVersion: { increment: 1 } } });
    const stopping = () => store.prisma.simSandbox.count({ where: { clusterId, deleteAt: { not: null } } });
    await reconcilePods(svc, clusterId);
    expect(await stopping()).toBe(POD_BATCH);
    expect((await drain()).filter((k) => k.startsWith('pods:'))).toEqual([`pods:${clusterId}`]); // more wait: again at once
    await reconcilePods(svc, clusterId); // goes on after the first page instead of looking at it again
    expect(await stopping()).toBe(pods.length);
    expect(await store.prisma.pod.count({ where: { clusterId } })).toBe(pods.length); // none gone yet
    // the round is over: the loop sleeps until the first sandbox (of either pass) is gone
    expect((await drain()).filter((k) => k.startsWith('pods:'))).toEqual([]);
    const due = await svc.queue.nextDueAt();
    expect(due).not.toBeNull();
    expect(due!).toBeGreaterThan(clock.now() + 1000);
    expect(due!).toBeLessThanOrEqual(clock.now() + 2000 + 1000);
    clock.advance(2000);
    do await reconcilePods(svc, clusterId);
    while ((await drain()).includes(`pods:${clusterId}`));
    expect(await store.prisma.pod.count({ where: { clusterId } })).toBe(0);
  });

  it('keeps deleting and starting pods when placing new ones fails, and still reports the failure', async () => {
    await newCluster();
    const [running] = await addPods(1, { 'sim.nodeless.dev/boot-ms': '0' });
    await reconcilePods(svc, clusterId);
    await store.prisma.pod.update({ where: { id: running.id }, data: { status: 'Terminating', deletionTimestamp: new Date(clock.now()), resourceVersion: { increment: 1 } } });
    await addPods(1);
    const broken: Services = { ...svc, provider: { ...svc.provider, createSandboxes: async () => Promise.reject(new Error('fleet API down')), describeSandboxes: (u, a) => svc.provider.describeSandboxes(u, a), deleteSandboxes: (u) => svc.provider.deleteSandboxes(u), watch: (l) => svc.provider.watch(l) } };
    await expect(reconcilePods(broken, clusterId)).rejects.toThrow('fleet API down');
    expect(await store.prisma.pod.count({ where: { id: running.id } })).toBe(0);
    // the pod was bound (its host's capacity is held) but has no sandbox yet
    const [bound] = await store.prisma.pod.findMany({ where: { clusterId } });
    expect(bound).toMatchObject({ status: 'ContainerCreating', allocated: true, sandboxId: null });
    expect(bound.hostId).not.toBeNull();
    const holding = await store.prisma.pod.count({ where: { hostId: bound.hostId, allocated: true } });
    expect((await store.prisma.host.findUniqueOrThrow({ where: { id: bound.hostId! } })).usedPods).toBe(holding);
    // the next pass launches it on the host it was bound to
    await reconcilePods(svc, clusterId);
    const launched = await store.prisma.pod.findUniqueOrThrow({ where: { id: bound.id } });
    expect(launched).toMatchObject({ status: 'ContainerCreating', hostId: bound.hostId, sandboxId: `sbx-${bound.uid}` });
    expect(await store.prisma.simSandbox.findUniqueOrThrow({ where: { podUid: bound.uid } })).toMatchObject({ hostId: bound.hostId });
  });
});
