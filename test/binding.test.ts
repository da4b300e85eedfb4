import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { insertRows, POD_COLUMNS } from '../src/adapters/prisma/objects';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { reconcilePods } from '../src/controllers/pods';
import { initialPodState } from '../src/core/lifecycle';
import type { Services } from '../src/app/services';
import { buildRuntime, type Runtime } from '../src/main/compose';
import { testConfig, testStore } from './support/stack';
import { SMALL_FLEET } from './support/fleet';

/**
 * Reserve and bind are one transaction under host row locks: schedulers racing for the same
 * hosts (several clusters, several workers) never over-commit one, and a crash between the
 * scheduling decision and the commit leaves nothing reserved.
 */
describe('binding pods to hosts', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let runtimes: Runtime[] = [];

  beforeAll(async () => {
    store = await testStore();
    // two "worker processes" on one store
    for (let i = 0; i < 2; i++) runtimes.push(await buildRuntime(testConfig({ NODELESS_FLEET_FILE: SMALL_FLEET }), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) }));
  });
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    runtimes = [];
    await store?.close();
  });

  const newCluster = async (name: string) => {
    const accountId = crypto.randomUUID();
    await store.prisma.account.create({ data: { id: accountId, name } });
    const id = crypto.randomUUID();
    await store.prisma.cluster.create({ data: { id, accountId, name, region: 'lab', version: '1.32', status: 'RUNNING' } });
    return id;
  };
  const addPods = async (clusterId: string, n: number, opts: { cpu?: number; priority?: number; prefix?: string } = {}) => {
    const cpu = opts.cpu ?? 1;
    const rows = Array.from({ length: n }, (_, i) => ({
      id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name: `${opts.prefix ?? 'p'}-${i}`,
      workloadId: null, ownerKind: null, ownerName: null, templateHash: null, labels: {}, annotations: {},
      spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: String(cpu), memory: `${2 * cpu}Gi` } } }], restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
      billedCpuMilli: 1000 * cpu, billedMemoryMi: 2048 * cpu, createdAt: new Date(clock.now()), resourceVersion: 1, ...initialPodState, priority: opts.priority ?? 0,
    }));
    await insertRows(store.prisma, 'Pod', POD_COLUMNS, rows);
  };
  const usage = async () => {
    const hosts = await store.prisma.host.findMany();
    const pods = await store.prisma.pod.findMany({ where: { allocated: true } });
    for (const h of hosts) {
      const mine = pods.filter((p) => p.hostId === h.id);
      expect([h.id, h.usedCpuMilli, h.usedPods]).toEqual([h.id, mine.reduce((n, p) => n + p.billedCpuMilli, 0), mine.length]);
      expect(h.usedCpuMilli).toBeLessThanOrEqual(h.allocCpuMilli);
      expect(h.usedPods).toBeLessThanOrEqual(h.allocPods);
    }
    return pods.length;
  };

  it('never over-commits a host when two clusters are scheduled at once by two workers', async () => {
    // the region's regular CPU capacity is 5 hosts × 4 cores: room for 20 one-core pods, and 40 ask
    const a = await newCluster('a');
    const b = await newCluster('b');
    await addPods(a, 20);
    await addPods(b, 20);
    // both passes read their snapshots before either commits: each plans 20 pods onto the same free hosts
    await Promise.allSettled([reconcilePods(runtimes[0].svc, a), reconcilePods(runtimes[1].svc, b)]);
    expect(await usage()).toBe(20);
    // later passes find nothing more to place: the fleet is full, and the rest wait with a reason
    await Promise.allSettled([reconcilePods(runtimes[0].svc, a), reconcilePods(runtimes[1].svc, b)]);
    expect(await usage()).toBe(20);
    const waiting = await store.prisma.pod.findMany({ where: { hostId: null } });
    expect(waiting).toHaveLength(20);
    expect(waiting.every((p) => p.reason === 'Unschedulable' && p.message?.startsWith('0/10 hosts are available'))).toBe(true);
    await store.prisma.pod.deleteMany({});
    expect(await store.prisma.host.aggregate({ _sum: { usedCpuMilli: true, usedPods: true } })).toEqual({ _sum: { usedCpuMilli: 0, usedPods: 0 } });
  });

  it('leaks nothing when the worker dies between placing pods and committing the binding', async () => {
    const c = await newCluster('crash');
    await addPods(c, 3);
    const svc = runtimes[0].svc;
    // the bind transaction dies at its last step (recording the Scheduled events)
    let calls = 0;
    const dying: Services = { ...svc, ids: { ...svc.ids, uuid: () => { if (++calls > 0) throw new Error('worker killed'); return svc.ids.uuid(); } } };
    await expect(reconcilePods(dying, c)).rejects.toThrow('worker killed');
    expect(await usage()).toBe(0);
    expect(await store.prisma.pod.count({ where: { clusterId: c, hostId: { not: null } } })).toBe(0);
    expect(await store.prisma.simSandbox.count({ where: { clusterId: c } })).toBe(0);
    // another worker picks the key up and binds them, once
    await reconcilePods(runtimes[1].svc, c);
    expect(await usage()).toBe(3);
    expect(await store.prisma.pod.count({ where: { clusterId: c, allocated: true, sandboxId: { not: null } } })).toBe(3);
  });

  it("never preempts another tenant's pods: capacity they hold is not this cluster's to take", async () => {
    await store.prisma.pod.deleteMany({});
    const theirs = await newCluster('theirs');
    const mine = await newCluster('mine');
    // another tenant fills every regular CPU host with low-priority pods
    await addPods(theirs, 20, { priority: -100 });
    await reconcilePods(runtimes[0].svc, theirs);
    expect(await store.prisma.pod.count({ where: { clusterId: theirs, allocated: true } })).toBe(20);
    // a high-priority pod of this tenant fits nowhere and may not evict them
    await addPods(mine, 1, { cpu: 4, priority: 1_000_000, prefix: 'vip' });
    await reconcilePods(runtimes[1].svc, mine);
    const [vip] = await store.prisma.pod.findMany({ where: { clusterId: mine } });
    expect(vip).toMatchObject({ hostId: null, nominatedHost: null, reason: 'Unschedulable' });
    expect(vip.message).toContain('preemption: 0/10 hosts are available');
    expect(await store.prisma.pod.count({ where: { clusterId: theirs, deletionTimestamp: { not: null } } })).toBe(0);
  });

  it('takes pending pods in PrioritySort order: higher priority first, then the oldest', async () => {
    await store.prisma.pod.deleteMany({});
    const c = await newCluster('queue');
    // 5 regular hosts of 4 cores: room for exactly five 4-core pods
    await addPods(c, 4, { cpu: 4, priority: 0, prefix: 'old' });
    clock.advance(1000);
    await addPods(c, 2, { cpu: 4, priority: 0, prefix: 'new' });
    clock.advance(1000);
    await addPods(c, 1, { cpu: 4, priority: 10, prefix: 'vip' }); // the newest, but the most important
    await reconcilePods(runtimes[0].svc, c);
    const bound = (await store.prisma.pod.findMany({ where: { clusterId: c, allocated: true } })).map((p) => p.name).sort();
    expect(bound).toEqual(['old-0', 'old-1', 'old-2', 'old-3', 'vip-0']);
    const waiting = await store.prisma.pod.findMany({ where: { clusterId: c, allocated: false } });
    expect(waiting.map((p) => [p.name, p.reason])).toEqual(expect.arrayContaining([['new-0', 'Unschedulable'], ['new-1', 'Unschedulable']]));
  });
});
