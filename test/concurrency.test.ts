import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { createAccount } from '../src/app/accounts';
import { createCluster } from '../src/app/clusters';
import { applyManifest } from '../src/app/manifests';
import { scaleWorkload } from '../src/app/workloads';
import { keys } from '../src/app/topics';
import { nginxDeployment, testStore } from './support/stack';
import { startWorkers } from './support/workers';

/**
 * Three workers (separate Redis connections to one queue when REDIS_URL is set) reconcile one
 * deployment scaled 0 → 50 → 10. Extra duplicate keys are enqueued on purpose while they run.
 */
describe('three workers scaling one deployment', () => {
  let store: Store;
  let cluster: Awaited<ReturnType<typeof startWorkers>>;

  beforeAll(async () => {
    store = await testStore();
    cluster = await startWorkers({ store, count: 3, clock: systemClock, concurrency: 4 });
  });
  afterAll(async () => {
    await cluster?.stop();
    await store?.close();
  });

  it('creates exactly the right pods, with no duplicate names and no orphans, 0 → 50 → 10', async () => {
    const svc = cluster.nodes[0].runtime.svc;
    const { account } = await createAccount(svc, { name: 'load' });
    const { cluster: c } = await createCluster(svc, account!.id, { name: 'busy', region: 'ap-shanghai' });
    await cluster.converge();
    const applied = await applyManifest(svc, account!.id, { clusterId: c!.id, manifest: nginxDeployment(0, 'web') });
    expect(applied.userErrors).toEqual([]);
    const workloadId = applied.objects[0].workload!.id;

    const hammer = async () => {
      // every worker's queue handle re-adds the same keys while they work
      for (let i = 0; i < 20; i++) for (const n of cluster.nodes) await Promise.all([n.queue.add(keys.workload(workloadId)), n.queue.add(keys.pods(c!.id))]);
    };

    const scaleTo = async (replicas: number) => {
      const r = await scaleWorkload(svc, account!.id, { clusterId: c!.id, namespace: 'default', kind: 'Deployment', name: 'web', replicas });
      expect(r.userErrors).toEqual([]);
      await hammer();
      await cluster.converge();
    };

    await scaleTo(50);
    let pods = await store.prisma.pod.findMany({ where: { clusterId: c!.id } });
    expect(pods).toHaveLength(50);
    expect(new Set(pods.map((p) => p.name)).size).toBe(50);
    const [rs] = await store.prisma.workload.findMany({ where: { ownerId: workloadId } });
    expect(pods.every((p) => p.workloadId === rs.id && p.ownerKind === 'ReplicaSet' && p.phase === 'Running' && p.deletionTimestamp === null)).toBe(true);
    // one sandbox per pod, no stray ones
    expect(await store.prisma.simSandbox.count({ where: { podUid: { in: pods.map((p) => p.uid) } } })).toBe(50);
    expect(await store.prisma.simSandbox.count()).toBe(50);

    await scaleTo(10);
    pods = await store.prisma.pod.findMany({ where: { clusterId: c!.id } });
    expect(pods).toHaveLength(10);
    expect(pods.every((p) => p.phase === 'Running' && p.deletionTimestamp === null)).toBe(true);
    const live = await store.prisma.simSandbox.findMany({ where: { goneAt: null } });
    expect(live.map((s) => s.podUid).sort()).toEqual(pods.map((p) => p.uid).sort());

    const all = await store.prisma.event.findMany({ where: { clusterId: c!.id }, orderBy: { sequence: 'asc' } });
    expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => i + 1));
    const events = all.filter((e) => e.involvedKind === 'Pod');
    expect(events.filter((e) => e.type === 'ADDED')).toHaveLength(50);
    expect(events.filter((e) => e.type === 'DELETED')).toHaveLength(40);
    // each pod went through its lifecycle exactly once
    const perPod = new Map<string, string[]>();
    for (const e of events) perPod.set(e.involvedName, [...(perPod.get(e.involvedName) ?? []), e.reason]);
    for (const [name, reasons] of perPod) {
      const survivor = pods.some((p) => p.name === name);
      const life = ['SuccessfulCreate', 'Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'];
      expect(reasons).toEqual(survivor ? life : [...life, 'SuccessfulDelete', 'Killing', 'Deleted']);
    }
    const w = await store.prisma.workload.findUniqueOrThrow({ where: { id: workloadId } });
    expect(w.status).toMatchObject({ replicas: 10, readyReplicas: 10, updatedReplicas: 10, availableReplicas: 10 });
    // the Deployment's own events: one ScalingReplicaSet per scale
    expect(all.filter((e) => e.involvedKind === 'Deployment' && e.reason === 'ScalingReplicaSet').map((e) => e.message)).toEqual([`Scaled up replica set ${rs.name} to 50`, `Scaled down replica set ${rs.name} to 10`]);
  });
});
