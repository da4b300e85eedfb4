import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/adapters/prisma/client';
import { checkPodsPerCluster, livePods, podRoom } from '../src/app/limits';
import { hasPostgres, testStore } from './support/stack';

/** The live-pods counter of a cluster (ClusterPods, kept by a trigger on Pod) and the check built on it. */
describe('the live pods of a cluster', () => {
  let store: Store;
  let accountId: string;
  let clusterId: string;
  const sql: string[] = [];

  beforeAll(async () => {
    store = await testStore({ onQuery: (q) => sql.push(q) });
    accountId = (await store.prisma.account.create({ data: { id: crypto.randomUUID(), name: 'a' } })).id;
    clusterId = await newCluster('c');
  });
  afterAll(async () => store?.close());

  async function newCluster(name: string): Promise<string> {
    const id = crypto.randomUUID();
    await store.prisma.cluster.create({ data: { id, accountId, name, region: 'r', version: '1.32', status: 'RUNNING' } });
    return id;
  }
  const pod = (cluster: string, name: string, phase = 'Pending') => ({
    id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId: cluster, namespace: 'default', name, spec: {}, phase, status: phase, billedCpuMilli: 250, billedMemoryMi: 512,
  });
  /** The counter, and what a scan of the Pod table says it should be. */
  const both = async (cluster = clusterId) => {
    const [scan] = await store.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Pod" WHERE "clusterId" = ${cluster}::uuid AND "phase" NOT IN ('Succeeded', 'Failed')`;
    return { counter: await livePods(store.prisma, cluster), scan: Number(scan.n) };
  };

  it('follows every way a pod is written: create, bulk insert, phase changes, finish, delete, garbage collection', async () => {
    expect(await both()).toEqual({ counter: 0, scan: 0 });
    await store.prisma.pod.create({ data: pod(clusterId, 'a') });
    await store.prisma.pod.createMany({ data: [pod(clusterId, 'b'), pod(clusterId, 'c'), pod(clusterId, 'done', 'Succeeded')] });
    // a plain SQL insert (the bulk writers' way)
    await store.prisma.$executeRaw`INSERT INTO "Pod" ("id", "uid", "clusterId", "namespace", "name", "spec", "phase", "status", "billedCpuMilli", "billedMemoryMi")
      VALUES (${crypto.randomUUID()}::uuid, ${crypto.randomUUID()}::uuid, ${clusterId}::uuid, 'default', 'd', '{}', 'Pending', 'Pending', 250, 512)`;
    expect(await both()).toEqual({ counter: 4, scan: 4 });
    // Pending → Running and Terminating keep a pod live
    await store.prisma.pod.updateMany({ where: { clusterId, name: { in: ['a', 'b'] } }, data: { phase: 'Running' } });
    await store.prisma.pod.updateMany({ where: { clusterId, name: 'b' }, data: { deletionTimestamp: new Date() } });
    expect(await both()).toEqual({ counter: 4, scan: 4 });
    // finishing frees a place; a finished pod coming back (never done, but consistent) takes one
    await store.prisma.pod.updateMany({ where: { clusterId, name: { in: ['a', 'c'] } }, data: { phase: 'Failed' } });
    expect(await both()).toEqual({ counter: 2, scan: 2 });
    // deleting finished pods (garbage collection) changes nothing; deleting a live one frees a place
    await store.prisma.pod.deleteMany({ where: { clusterId, phase: { in: ['Succeeded', 'Failed'] } } });
    expect(await both()).toEqual({ counter: 2, scan: 2 });
    await store.prisma.pod.delete({ where: { clusterId_namespace_name: { clusterId, namespace: 'default', name: 'b' } } });
    expect(await both()).toEqual({ counter: 1, scan: 1 });
  });

  it('keeps one row per cluster, counts each cluster apart, and goes with its cluster', async () => {
    const other = await newCluster('other');
    await store.prisma.pod.createMany({ data: [pod(other, 'x'), pod(other, 'y'), pod(clusterId, 'e')] });
    expect(await both(other)).toEqual({ counter: 2, scan: 2 });
    expect(await both()).toEqual({ counter: 2, scan: 2 });
    await store.prisma.cluster.delete({ where: { id: other } }); // cascades to its pods and its counter
    expect(await store.prisma.clusterPods.count({ where: { clusterId: other } })).toBe(0);
    expect(await both()).toEqual({ counter: 2, scan: 2 });
  });

  it('answers the room left with one row read, not a scan of the pods', async () => {
    const cluster = await newCluster('room');
    await store.prisma.pod.createMany({ data: [pod(cluster, 'p1'), pod(cluster, 'p2')] });
    sql.length = 0;
    const room = await store.prisma.$transaction((tx) => podRoom(tx, cluster, 10));
    expect(room).toBe(8);
    const statements = sql.filter((q) => !/^\s*(BEGIN|COMMIT)/i.test(q) && !/Implicit/.test(q));
    expect(statements).toEqual([expect.stringContaining('"ClusterPods"')]);
    expect(statements[0]).not.toMatch(/"Pod"/);
  });

  it('checks a scale-up far from the limit without scanning pods, and counts exactly near it', async () => {
    const cluster = await newCluster('desired');
    const workload = (name: string, replicas: number) => ({ id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId: cluster, namespace: 'default', kind: 'Deployment', apiVersion: 'apps/v1', name, spec: { replicas }, podCpuMilli: 250, podMemoryMi: 512 });
    await store.prisma.workload.createMany({ data: [workload('a', 3), workload('b', 2)] });
    await store.prisma.pod.createMany({ data: [pod(cluster, 'bare-1'), pod(cluster, 'bare-2')] });
    const check = (limit: number, replicas: number) => store.prisma.$transaction((tx) => checkPodsPerCluster(tx, cluster, limit, [{ namespace: 'default', kind: 'Deployment', name: 'a', replicas }], () => ['replicas']));
    sql.length = 0;
    expect(await check(100, 10)).toBeNull();
    const statements = sql.filter((q) => !/^\s*(BEGIN|COMMIT)/i.test(q) && !/Implicit/.test(q));
    expect(statements).toHaveLength(1);
    expect(statements[0]).not.toMatch(/"Pod"/);
    // near the limit the exact count decides: a → 10, b 2, two bare pods = 14
    expect(await check(14, 10)).toBeNull();
    expect(await check(13, 10)).toEqual(expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: ['replicas'] }));
  });

  it('never lets concurrent creators pass the limit: each counts the pods the others created', async () => {
    const cluster = await newCluster('race');
    const limit = 25;
    // 12 creators of 4 pods each, at once: room for 25
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.prisma.$transaction(async (tx) => {
          const room = await podRoom(tx, cluster, limit);
          const n = Math.min(4, room);
          if (n > 0) await tx.pod.createMany({ data: Array.from({ length: n }, (_, k) => pod(cluster, `w${i}-${k}`)) });
          return n;
        }),
      ),
    );
    expect(created.reduce((a, b) => a + b, 0)).toBe(limit);
    expect(await both(cluster)).toEqual({ counter: limit, scan: limit });
    expect(await store.prisma.$transaction((tx) => podRoom(tx, cluster, limit))).toBe(0);
  });

  it.runIf(hasPostgres)('makes a second creator wait for the first to commit (PostgreSQL: a real row lock)', async () => {
    const cluster = await newCluster('wait');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let first!: () => void;
    const counted = new Promise<void>((r) => (first = r));
    const a = store.prisma.$transaction(async (tx) => {
      const room = await podRoom(tx, cluster, 3);
      await tx.pod.createMany({ data: [pod(cluster, 'a1'), pod(cluster, 'a2')] });
      first();
      await held;
      return room;
    });
    await counted;
    const b = store.prisma.$transaction(async (tx) => podRoom(tx, cluster, 3));
    // b blocks on the counter row: wait until PostgreSQL says so, then let a commit
    for (;;) {
      const [w] = await store.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE "wait_event_type" = 'Lock' AND "query" LIKE '%ClusterPods%'`;
      if (Number(w.n) > 0) break;
    }
    release();
    expect(await a).toBe(3);
    expect(await b).toBe(1);
  });
});
