import type { Pod } from '../generated/prisma/client';
import type { EventInput, Tx } from '../adapters/prisma/objects';
import { writePods } from '../adapters/prisma/objects';
import { terminating } from '../core/lifecycle';

const POD_LIGHT = { spec: true, annotations: true, containerStatuses: true } as const;

/**
 * Deletes workloads with everything they own, as Kubernetes' garbage collector does: their pods
 * (and their children's pods) start graceful deletion, then the rows go (children by cascade).
 */
export async function deleteWorkloadTree(tx: Tx, rootIds: string[], why: string, now: number, events: EventInput[]): Promise<boolean> {
  if (rootIds.length === 0) return false;
  const all = new Set(rootIds);
  let frontier = rootIds;
  while (frontier.length > 0) {
    const kids = await tx.workload.findMany({ where: { ownerId: { in: frontier } }, select: { id: true } });
    frontier = kids.map((k) => k.id).filter((k) => !all.has(k));
    for (const k of frontier) all.add(k);
  }
  const pods = (await tx.pod.findMany({ where: { workloadId: { in: [...all] }, deletionTimestamp: null }, omit: POD_LIGHT })) as Pod[];
  const transitions = pods.map((p) => terminating(p, new Date(now), why));
  const written = await writePods(tx, transitions.map((t) => t.pod));
  if (written.length < transitions.length) throw new Error('pods changed concurrently while deleting a workload; retrying');
  const fresh = new Map(written.map((p) => [p.id, p]));
  for (const t of transitions) events.push({ ...t, pod: fresh.get(t.pod.id)! });
  const doomed = await tx.workload.findMany({ where: { id: { in: rootIds } } });
  for (const d of doomed) events.push({ type: 'DELETED', reason: 'Deleted', message: `Deleted ${d.kind} ${d.namespace}/${d.name}`, workload: d });
  await tx.workload.deleteMany({ where: { id: { in: rootIds } } });
  return pods.length > 0;
}

