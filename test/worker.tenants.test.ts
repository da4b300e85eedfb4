import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { createAccount } from '../src/app/accounts';
import { createCluster } from '../src/app/clusters';
import { applyManifest } from '../src/app/manifests';
import { keys } from '../src/app/topics';
import { buildRuntime, type Runtime } from '../src/main/compose';
import { reconcileCluster } from '../src/controllers/cluster';
import { tenantOf } from '../src/ports/workqueue';
import { storeTenants, TenantQueue } from '../src/worker/tenants';
import { nginxDeployment, testConfig, testStore } from './support/stack';

/** Keys added without their tenant get it from the store (the queue's fairness needs it). */
describe('tenants of work keys', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let store: Store;
  let rt: Runtime;
  let queue: MemoryWorkQueue;
  let accountId: string;
  let clusterId: string;

  /** Every due key with the tenant the queue holds it under. */
  const drain = async () => {
    const out: string[] = [];
    for (let lease = await queue.claim(); lease; lease = await queue.claim()) {
      out.push(`${lease.key.slice(0, lease.key.indexOf(':'))} ${lease.tenant}`);
      await queue.done(lease);
    }
    return out.sort();
  };

  beforeAll(async () => {
    store = await testStore();
    queue = new MemoryWorkQueue(clock);
    rt = await buildRuntime(testConfig(), { store, clock, queue, bus: new MemoryBus() });
    accountId = (await createAccount(rt.svc, { name: 'tenants' })).account!.id;
    clusterId = (await createCluster(rt.svc, accountId, { name: 'tenants', region: 'ap-guangzhou' })).cluster!.id;
    await reconcileCluster(rt.svc, clusterId); // no worker here: provisions it (RUNNING, default namespace)
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  it('the use cases add bare keys; the queue holds them under <account>/<cluster>', async () => {
    const tenant = tenantOf(accountId, clusterId);
    expect(await drain()).toEqual([`cluster ${tenant}`]);
    expect((await applyManifest(rt.svc, accountId, { clusterId, manifest: nginxDeployment(1, 'web') })).userErrors).toEqual([]);
    await rt.svc.queue.add(keys.pods(clusterId));
    await rt.svc.queue.addAfter(keys.meter(clusterId), 0);
    await rt.svc.queue.addUrgent(keys.metrics(clusterId));
    expect(await drain()).toEqual([`meter ${tenant}`, `metrics ${tenant}`, `pods ${tenant}`, `workload ${tenant}`]);
  });

  it('system work, unknown keys and objects that are gone are the system tenant ""', async () => {
    for (const key of [keys.invoices(), 'bogus:1', keys.workload(crypto.randomUUID()), keys.pods(crypto.randomUUID())]) await rt.svc.queue.add(key);
    expect(await drain()).toEqual(['bogus ', 'invoices ', 'pods ', 'workload ']);
  });

  it('a tenant once looked up is passed on in the same tick (a fire-and-forget add is queued at once)', async () => {
    const { id } = await store.prisma.workload.findFirstOrThrow({ where: { clusterId, name: 'web' } });
    void rt.svc.queue.add(keys.workload(id));
    void rt.svc.queue.add(keys.pods(clusterId));
    expect(await queue.size()).toEqual({ waiting: 2, inFlight: 0 });
    await drain();
  });

  it('looks each object up once, and once for concurrent adds', async () => {
    const queries: string[] = [];
    const counting = new Proxy(store.prisma, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop !== 'workload' && prop !== 'cluster') return v;
        return new Proxy(v, { get: (t, p) => (p === 'findUnique' ? (args: unknown) => (queries.push(String(prop)), (t as any).findUnique(args)) : Reflect.get(t, p)) });
      },
    });
    const tq = new TenantQueue(new MemoryWorkQueue(clock), storeTenants(counting));
    const { id } = await store.prisma.workload.findFirstOrThrow({ where: { clusterId, name: 'web' } });
    await Promise.all([tq.add(keys.workload(id)), tq.add(keys.workload(id)), tq.add(keys.pods(clusterId)), tq.add(keys.meter(clusterId))]);
    await tq.add(keys.workload(id));
    expect(queries.sort()).toEqual(['cluster', 'workload']);
    const lease = await tq.claim();
    expect(lease?.tenant).toBe(tenantOf(accountId, clusterId));
    await tq.close();
  });
});
