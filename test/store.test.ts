import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/adapters/prisma/client';
import { migrate } from '../src/adapters/prisma/client';
import { appendEvents, deletePods, writePods } from '../src/adapters/prisma/objects';
import type { Pod } from '../src/generated/prisma/client';
import { testStore } from './support/stack';

describe('the store', () => {
  let store: Store;
  let clusterId: string;

  beforeAll(async () => {
    store = await testStore();
    const account = await store.prisma.account.create({ data: { id: crypto.randomUUID(), name: 'a' } });
    clusterId = crypto.randomUUID();
    await store.prisma.cluster.create({ data: { id: clusterId, accountId: account.id, name: 'c', region: 'r', version: '1.32', status: 'RUNNING' } });
  });
  afterAll(async () => store?.close());

  const newPod = async (name: string): Promise<Pod> =>
    store.prisma.pod.create({
      data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name, spec: {}, phase: 'Pending', status: 'Pending', billedCpuMilli: 250, billedMemoryMi: 512 },
    });

  it('applies migrations once: running the migrator again changes nothing', async () => {
    const applied = await migrate({
      exec: (q) => store.prisma.$executeRawUnsafe(q).then(() => undefined),
      query: (q) => store.prisma.$queryRawUnsafe<Record<string, unknown>[]>(q),
    });
    expect(applied).toEqual([]);
  });

  it('numbers events 1, 2, 3, … per cluster with no gap under concurrent writers', async () => {
    const pod = await newPod('seq');
    const writers = Array.from({ length: 8 }, (_, i) =>
      store.prisma.$transaction((tx) => appendEvents(tx, clusterId, Array.from({ length: 5 }, () => ({ type: 'MODIFIED' as const, reason: `w${i}`, message: 'm', pod })), new Date(), () => crypto.randomUUID())),
    );
    const batches = await Promise.all(writers);
    const seqs = batches.flat().map((e) => e.sequence).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // each writer's batch is contiguous (one allocation per transaction)
    for (const b of batches) expect(b.map((e) => e.sequence)).toEqual(b.map((_, i) => b[0].sequence + i));
    const c = await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(c.eventSeq).toBe(40);
  });

  it('rolls back the sequence with the transaction that allocated it', async () => {
    const pod = await newPod('rollback');
    await expect(
      store.prisma.$transaction(async (tx) => {
        await appendEvents(tx, clusterId, [{ type: 'ADDED', reason: 'x', message: 'x', pod }], new Date(), () => crypto.randomUUID());
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const c = await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(c.eventSeq).toBe(40);
  });

  it('writes a pod only from the resourceVersion it was read at (optimistic concurrency)', async () => {
    const pod = await newPod('occ');
    const first = await writePods(store.prisma, [{ ...pod, status: 'ContainerCreating', hostId: 'h1' }]);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ status: 'ContainerCreating', hostId: 'h1', resourceVersion: pod.resourceVersion + 1 });
    expect(first[0].createdAt).toBeInstanceOf(Date);
    const stale = await writePods(store.prisma, [{ ...pod, status: 'Running' }]);
    expect(stale).toEqual([]);
    expect((await store.prisma.pod.findUniqueOrThrow({ where: { id: pod.id } })).status).toBe('ContainerCreating');
    expect(await deletePods(store.prisma, [pod])).toEqual([]);
    expect(await deletePods(store.prisma, first)).toHaveLength(1);
    expect(await store.prisma.pod.count({ where: { id: pod.id } })).toBe(0);
  });
});
