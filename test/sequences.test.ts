import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/adapters/prisma/client';
import { appendEvents, writePods } from '../src/adapters/prisma/objects';
import type { Pod } from '../src/generated/prisma/client';
import { hasPostgres, testStore } from './support/stack';

/** Event sequences of a cluster: gap-free, commit-ordered, and the cluster row held only at the end. */
describe('event sequences', () => {
  let store: Store;
  let clusterId: string;
  const sql: string[] = [];

  beforeAll(async () => {
    store = await testStore({ onQuery: (q) => sql.push(q) });
    const account = await store.prisma.account.create({ data: { id: crypto.randomUUID(), name: 'a' } });
    clusterId = crypto.randomUUID();
    await store.prisma.cluster.create({ data: { id: clusterId, accountId: account.id, name: 'c', region: 'r', version: '1.32', status: 'RUNNING' } });
  });
  afterAll(async () => store?.close());

  const newPod = (name: string): Promise<Pod> =>
    store.prisma.pod.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, namespace: 'default', name, spec: {}, phase: 'Pending', status: 'Pending', billedCpuMilli: 250, billedMemoryMi: 512 } });
  const events = (pod: Pod, n: number, reason: string) => Array.from({ length: n }, () => ({ type: 'MODIFIED' as const, reason, message: 'm', pod }));
  const uuid = () => crypto.randomUUID();

  it('allocates and inserts in one statement', async () => {
    const pod = await newPod('one');
    sql.length = 0;
    const records = await store.prisma.$transaction((tx) => appendEvents(tx, clusterId, events(pod, 3, 'one'), new Date(), uuid));
    const statements = sql.filter((q) => !/^\s*(BEGIN|COMMIT)/i.test(q) && !/Implicit/.test(q));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/UPDATE "Cluster"[\s\S]*INSERT INTO "Event"/);
    expect(records.map((r) => r.sequence)).toEqual([1, 2, 3]);
    const stored = await store.prisma.event.findMany({ where: { clusterId }, orderBy: { sequence: 'asc' }, select: { id: true, sequence: true } });
    expect(stored).toEqual(records.map((r) => ({ id: r.id, sequence: r.sequence })));
  });

  it('commits a cluster\'s events in sequence order with no gap, whatever else the writers do first', async () => {
    const pods = await Promise.all(Array.from({ length: 12 }, (_, i) => newPod(`w${i}`)));
    const start = await store.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId }, select: { eventSeq: true } });
    let running = true;
    let looks = 0;
    const violations: string[] = [];
    // a reader that never sees a later sequence committed before an earlier one
    const reader = (async () => {
      while (running) {
        const [r] = await store.prisma.$queryRaw<{ n: number; top: number | null }[]>`SELECT count(*)::int AS n, max("sequence") AS top FROM "Event" WHERE "clusterId" = ${clusterId}::uuid`;
        looks++;
        if (Number(r.top ?? 0) !== Number(r.n)) violations.push(`${r.n} events, the newest numbered ${r.top}`);
      }
    })();
    const writers = pods.map((pod, i) =>
      store.prisma.$transaction(async (tx) => {
        // other writes first (a pod write, a read), then the sequence, last
        const [written] = await writePods(tx, [{ ...pod, message: `w${i}` }]);
        await tx.pod.count({ where: { clusterId } });
        return appendEvents(tx, clusterId, events(written, 1 + (i % 4), `w${i}`), new Date(), uuid);
      }),
    );
    const batches = await Promise.all(writers);
    running = false;
    await reader;
    expect(violations).toEqual([]);
    expect(looks).toBeGreaterThan(0);
    const seqs = batches.flat().map((e) => e.sequence).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => start.eventSeq + i + 1));
    for (const b of batches) expect(b.map((e) => e.sequence)).toEqual(b.map((_, k) => b[0].sequence + k));
  });

  it.runIf(hasPostgres)('lets another writer of the cluster commit while a transaction is still doing its other writes', async () => {
    const pod = await newPod('held');
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    let wrote!: () => void;
    const midway = new Promise<void>((r) => (wrote = r));
    const slow = store.prisma.$transaction(async (tx) => {
      const [written] = await writePods(tx, [{ ...pod, message: 'slow' }]);
      wrote();
      await paused; // still working: the cluster row is not held yet
      return appendEvents(tx, clusterId, events(written, 1, 'slow'), new Date(), uuid);
    });
    await midway;
    const other = await newPod('fast');
    const fast = await store.prisma.$transaction((tx) => appendEvents(tx, clusterId, events(other, 2, 'fast'), new Date(), uuid));
    release();
    const [late] = await slow;
    expect(late.sequence).toBe(fast[1].sequence + 1);
  });
});
