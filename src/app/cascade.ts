import type { Pod } from '../generated/prisma/client';
import { ConflictError } from './errors';
import type { EventInput, PodEventInput, Tx } from '../adapters/prisma/objects';
import { POD_LIGHT, writePods } from '../adapters/prisma/objects';
import { terminating } from '../core/lifecycle';

/**
 * Starts graceful deletion of pods (Terminating, with a `Killing` event each), guarded by the
 * resourceVersion the caller read. Returns the pods written, with their events; a pod another
 * writer changed first is left out (the caller decides whether to retry).
 */
export async function terminatePods(
  tx: Tx,
  pods: Pod[],
  why: string,
  now: Date,
  /** A Kubernetes reason other than Killing (Preempted, SpotPodInterruption): `why` is then the whole message. */
  as?: { reason: string; eventType: 'Normal' | 'Warning' },
): Promise<{ written: Pod[]; events: PodEventInput[] }> {
  const transitions = pods.filter((p) => p.deletionTimestamp === null).map((p) => terminating(p, now, why, as?.reason));
  const written = await writePods(tx, transitions.map((t) => t.pod));
  const fresh = new Map(written.map((p) => [p.id, p]));
  const events: PodEventInput[] = transitions.flatMap((t) => (fresh.has(t.pod.id) ? [{ ...t, eventType: as?.eventType, pod: fresh.get(t.pod.id)! }] : []));
  return { written, events };
}

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
  const terminated = await terminatePods(tx, pods, why, new Date(now));
  if (terminated.written.length < pods.length) throw new ConflictError('pods changed concurrently while deleting a workload; retrying');
  events.push(...terminated.events);
  const doomed = await tx.workload.findMany({ where: { id: { in: rootIds } } });
  for (const d of doomed) events.push({ type: 'DELETED', reason: 'Deleted', message: `Deleted ${d.kind} ${d.namespace}/${d.name}`, workload: d });
  await tx.workload.deleteMany({ where: { id: { in: rootIds } } });
  return pods.length > 0;
}

