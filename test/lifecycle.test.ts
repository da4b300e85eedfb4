import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { createAccount } from '../src/app/accounts';
import { createCluster } from '../src/app/clusters';
import { applyManifest } from '../src/app/manifests';
import { scaleWorkload } from '../src/app/workloads';
import { nginxDeployment, testStore } from './support/stack';
import { startWorkers } from './support/workers';

/**
 * Timed transitions on a clock the test drives: cluster provisioning, sandbox boot and stop
 * latencies (config and per-pod annotation). Nothing moves until the clock does. Pods change
 * exactly when their sandbox does: the provider's notification wakes the pod loop (its timed
 * re-check comes only NOTIFICATION_GRACE_MS later).
 */
describe('pod lifecycle on a driven clock', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1));
  let store: Store;
  let w: Awaited<ReturnType<typeof startWorkers>>;

  beforeAll(async () => {
    store = await testStore();
    w = await startWorkers({
      store,
      count: 1,
      clock,
      env: { NODELESS_CLUSTER_PROVISION_MS: '2000', NODELESS_BOOT_MS: '5000', NODELESS_STOP_MS: '3000' },
    });
  });
  afterAll(async () => {
    await w?.stop();
    await store?.close();
  });

  const step = async (ms: number) => {
    clock.advance(ms);
    await w.converge();
  };
  const statuses = async (clusterId: string) =>
    (await store.prisma.pod.findMany({ where: { clusterId }, orderBy: { name: 'asc' } })).map((p) => `${p.name.startsWith('slow') ? 'slow' : 'web'}:${p.status}`).sort();

  it('moves a cluster to RUNNING and pods to Running only when their time has come', async () => {
    const svc = w.nodes[0].runtime.svc;
    const { account } = await createAccount(svc, { name: 'clock' });
    const { cluster } = await createCluster(svc, account!.id, { name: 'timed', region: 'ap-guangzhou' });
    const id = cluster!.id;
    await w.converge();
    const statusOf = async () => (await store.prisma.cluster.findUniqueOrThrow({ where: { id } })).status;
    expect(await statusOf()).toBe('PROVISIONING');
    expect(await store.prisma.namespace.count({ where: { clusterId: id, name: 'default' } })).toBe(1);
    await step(1999);
    expect(await statusOf()).toBe('PROVISIONING');
    await step(1);
    expect(await statusOf()).toBe('RUNNING');

    const slow = nginxDeployment(1, 'slow').replace('    metadata:\n      labels:\n        app: nginx', '    metadata:\n      annotations:\n        sim.nodeless.dev/boot-ms: "20000"\n      labels:\n        app: nginx');
    const r = await applyManifest(svc, account!.id, { clusterId: id, manifest: `${nginxDeployment(2, 'web')}---\n${slow}` });
    expect(r.userErrors).toEqual([]);
    await w.converge();
    expect(await statuses(id)).toEqual(['slow:ContainerCreating', 'web:ContainerCreating', 'web:ContainerCreating']);
    await step(4999);
    expect(await statuses(id)).toEqual(['slow:ContainerCreating', 'web:ContainerCreating', 'web:ContainerCreating']);
    await step(1);
    expect(await statuses(id)).toEqual(['slow:ContainerCreating', 'web:Running', 'web:Running']);
    await step(15_000);
    expect(await statuses(id)).toEqual(['slow:Running', 'web:Running', 'web:Running']);
    const started = await store.prisma.pod.findMany({ where: { clusterId: id, name: { startsWith: 'web' } } });
    expect(started.every((p) => p.startedAt!.getTime() - p.createdAt.getTime() === 5000)).toBe(true);

    const s = await scaleWorkload(svc, account!.id, { clusterId: id, namespace: 'default', kind: 'Deployment', name: 'web', replicas: 0 });
    expect(s.userErrors).toEqual([]);
    await w.converge();
    expect(await statuses(id)).toEqual(['slow:Running', 'web:Terminating', 'web:Terminating']);
    await step(2999);
    expect(await statuses(id)).toEqual(['slow:Running', 'web:Terminating', 'web:Terminating']);
    await step(1);
    expect(await statuses(id)).toEqual(['slow:Running']);
  });
});
