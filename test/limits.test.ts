import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { createAccount } from '../src/app/accounts';
import { createCluster } from '../src/app/clusters';
import { applyManifest } from '../src/app/manifests';
import { scaleWorkload } from '../src/app/workloads';
import { reconcileWorkload } from '../src/controllers/workload';
import { buildRuntime, type Runtime } from '../src/main/compose';
import { nginxDeployment, testConfig, testStore } from './support/stack';

/** Account and cluster limits hold under concurrent requests; controllers never duplicate pods. */
describe('limits and concurrent writers', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let rt: Runtime;
  let accountId: string;
  let clusterId: string;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    rt.svc.settings.limits = { ...rt.svc.settings.limits, clustersPerAccount: 2, podsPerCluster: 10 };
    accountId = (await createAccount(rt.svc, { name: 'limited' })).account!.id;
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  it('creates at most clustersPerAccount clusters, even when asked concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => createCluster(rt.svc, accountId, { name: `c${i}`, region: 'ap-guangzhou' })));
    expect(results.filter((r) => r.cluster).length).toBe(2);
    expect(results.filter((r) => r.userErrors[0]?.code === 'LIMIT_EXCEEDED').length).toBe(3);
    expect(await store.prisma.cluster.count({ where: { accountId } })).toBe(2);
    clusterId = results.find((r) => r.cluster)!.cluster!.id;
    await store.prisma.cluster.update({ where: { id: clusterId }, data: { status: 'RUNNING' } });
    await store.prisma.namespace.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, name: 'default' } });
  });

  it('creates at most clustersPerRegion clusters of an account in one region, even when asked concurrently', async () => {
    const other = (await createAccount(rt.svc, { name: 'regional' })).account!.id;
    const before = rt.svc.settings.limits;
    rt.svc.settings.limits = { ...before, clustersPerAccount: 10, clustersPerRegion: 2 };
    try {
      const results = await Promise.all(Array.from({ length: 4 }, (_, i) => createCluster(rt.svc, other, { name: `r${i}`, region: 'ap-shanghai' })));
      expect(results.filter((r) => r.cluster)).toHaveLength(2);
      expect(results.filter((r) => r.userErrors[0]?.code === 'LIMIT_EXCEEDED').map((r) => r.userErrors[0].message)).toEqual([
        'an account may have at most 2 clusters in one region (ap-shanghai)',
        'an account may have at most 2 clusters in one region (ap-shanghai)',
      ]);
      // another region is another budget
      expect((await createCluster(rt.svc, other, { name: 'elsewhere', region: 'na-ashburn' })).cluster).not.toBeNull();
    } finally {
      rt.svc.settings.limits = before;
    }
  });

  it('keeps the desired pods of a cluster within podsPerCluster on apply and scale', async () => {
    expect((await applyManifest(rt.svc, accountId, { clusterId, manifest: nginxDeployment(6, 'a') })).userErrors).toEqual([]);
    const over = await applyManifest(rt.svc, accountId, { clusterId, manifest: `${nginxDeployment(1, 'small')}---\n${nginxDeployment(5, 'b')}` });
    expect(over.userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: ['manifest', '1', 'spec', 'replicas'] })]);
    expect(await store.prisma.workload.count({ where: { clusterId } })).toBe(1); // nothing written
    expect((await scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'a', replicas: 11 })).userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: ['replicas'] })]);
    expect((await scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'a', replicas: 2 })).userErrors).toEqual([]);
    expect((await applyManifest(rt.svc, accountId, { clusterId, manifest: nginxDeployment(1, 'b') })).userErrors).toEqual([]);
    // two scale-ups racing: only one fits
    const race = await Promise.all([
      scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'a', replicas: 7 }),
      scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'b', replicas: 7 }),
    ]);
    expect(race.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    const total = (await store.prisma.workload.findMany({ where: { clusterId, kind: 'Deployment' } })).reduce((n, w) => n + Number((w.spec as { replicas: number }).replicas), 0);
    expect(total).toBeLessThanOrEqual(10);
  });

  it('never creates a pod twice when one workload is reconciled by many workers at the same instant', async () => {
    const d = await store.prisma.workload.findFirstOrThrow({ where: { clusterId, kind: 'Deployment', name: 'a' } });
    // the Deployment's reconcile makes its ReplicaSet; the ReplicaSet's makes the pods
    await Promise.all(Array.from({ length: 6 }, () => reconcileWorkload(rt.svc, d.id)));
    const sets = await store.prisma.workload.findMany({ where: { ownerId: d.id } });
    expect(sets).toHaveLength(1);
    const rs = sets[0];
    await store.prisma.pod.deleteMany({ where: { workloadId: rs.id } });
    const replicas = Number((rs.spec as { replicas: number }).replicas);
    expect(replicas).toBe(Number((d.spec as { replicas: number }).replicas));
    // bypass the queue (which alone would never run one key twice): the row lock must hold
    await Promise.all(Array.from({ length: 6 }, () => reconcileWorkload(rt.svc, rs.id)));
    const pods = await store.prisma.pod.findMany({ where: { workloadId: rs.id } });
    expect(pods).toHaveLength(replicas);
    expect(new Set(pods.map((p) => p.name)).size).toBe(replicas);
  });
});

describe('a workload at rest', () => {
  it('is not rewritten by a reconcile that changes nothing (resourceVersion stays)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = await testStore();
    const rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    try {
      const accountId = (await createAccount(rt.svc, { name: 'rest' })).account!.id;
      const { cluster } = await createCluster(rt.svc, accountId, { name: 'rest', region: 'ap-guangzhou' });
      await store.prisma.cluster.update({ where: { id: cluster!.id }, data: { status: 'RUNNING' } });
      await store.prisma.namespace.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId: cluster!.id, name: 'default' } });
      const applied = await applyManifest(rt.svc, accountId, { clusterId: cluster!.id, manifest: nginxDeployment(2, 'calm') });
      const id = applied.objects[0].workload!.id;
      await reconcileWorkload(rt.svc, id);
      const rs = await store.prisma.workload.findFirstOrThrow({ where: { ownerId: id } });
      // (the ReplicaSet's status counts the pods it created on its next pass, and the Deployment's follows)
      for (let i = 0; i < 2; i++) {
        await reconcileWorkload(rt.svc, rs.id);
        await reconcileWorkload(rt.svc, id);
      }
      const before = await store.prisma.workload.findMany({ where: { id: { in: [id, rs.id] } }, orderBy: { id: 'asc' } });
      await reconcileWorkload(rt.svc, rs.id);
      await reconcileWorkload(rt.svc, id);
      await reconcileWorkload(rt.svc, rs.id);
      await reconcileWorkload(rt.svc, id);
      const after = await store.prisma.workload.findMany({ where: { id: { in: [id, rs.id] } }, orderBy: { id: 'asc' } });
      expect(after.map((w) => w.resourceVersion)).toEqual(before.map((w) => w.resourceVersion));
      expect(await store.prisma.pod.count({ where: { workloadId: rs.id } })).toBe(2);
    } finally {
      await rt.close();
      await store.close();
    }
  });
});
