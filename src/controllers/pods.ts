import type { Pod } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { appendEvents, deletePods, writePods, type EventInput } from '../adapters/prisma/objects';
import { deleted, scheduled, started, type Transition } from '../core/lifecycle';
import { placePod } from '../core/placement';

/** Pods handled per step per pass; a full batch re-queues the key so big scale-ups stream. */
export const POD_BATCH = 1000;

/** How long after a sandbox's expected change the loop re-checks if no notification came. */
export const NOTIFICATION_GRACE_MS = 1000;

/** The loop never needs a pod's spec (nor, after scheduling, its annotations): don't load them. */
const LIGHT = { spec: true, annotations: true } as const;

/**
 * The per-cluster pod loop (what kube-scheduler and the kubelet do for a node-based cluster):
 *  1. bind unscheduled pods to a zone and host and ask the provider for their sandboxes;
 *  2. mark pods whose sandbox is up as Running;
 *  3. stop the sandboxes of pods being deleted and delete the pods once they are gone.
 * Provider calls are idempotent (keyed by pod uid), and every pod write is guarded by its
 * resourceVersion, so a pass that crashes or races another writer is simply run again.
 */
export async function reconcilePods(svc: Services, clusterId: string): Promise<void> {
  const cluster = await svc.db.cluster.findUnique({ where: { id: clusterId }, select: { id: true, region: true } });
  if (!cluster) return;
  const touchedWorkloads = new Set<string>();
  let again = false;
  let wakeAt: number | null = null;
  const later = (t: number | null) => {
    if (t !== null && (wakeAt === null || t < wakeAt)) wakeAt = t;
  };

  // 1. Schedule.
  const pending = (await svc.db.pod.findMany({
    where: { clusterId, hostId: null, deletionTimestamp: null, phase: 'Pending' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: POD_BATCH,
    omit: { spec: true },
  })) as Pod[];
  if (pending.length === POD_BATCH) again = true;
  if (pending.length > 0) {
    const region = svc.fleet.regions.find((r) => r.name === cluster.region);
    if (!region) throw new Error(`cluster ${clusterId} is in unknown region ${cluster.region}`);
    const workloadIds = [...new Set(pending.map((p) => p.workloadId).filter((x): x is string => x !== null))];
    const placed = await svc.db.pod.groupBy({
      by: ['workloadId', 'zone'],
      where: { clusterId, workloadId: { in: workloadIds }, zone: { not: null }, deletionTimestamp: null },
      _count: { _all: true },
    });
    const perWorkload = new Map<string, Map<string, number>>();
    for (const g of placed) {
      const m = perWorkload.get(g.workloadId!) ?? new Map<string, number>();
      m.set(g.zone!, g._count._all);
      perWorkload.set(g.workloadId!, m);
    }
    const requests = pending.map((p) => {
      const counts = perWorkload.get(p.workloadId ?? '') ?? new Map<string, number>();
      perWorkload.set(p.workloadId ?? '', counts);
      const at = placePod(p.uid, region.zones, counts);
      return { podUid: p.uid, clusterId, region: region.name, ...at, cpuMilli: p.billedCpuMilli, memoryMi: p.billedMemoryMi, annotations: (p.annotations ?? {}) as Record<string, string> };
    });
    const sandboxes = await svc.provider.createSandboxes(requests);
    const now = new Date(svc.clock.now());
    const transitions = pending.map((p, i) => {
      const s = sandboxes[i];
      return scheduled(p, { zone: s.zone ?? requests[i].zone, hostId: s.hostId ?? requests[i].hostId, sandboxId: s.id }, now);
    });
    if ((await commit(svc, clusterId, transitions, touchedWorkloads)) > 0) again = true;
  }

  // 2. Start.
  const starting = (await svc.db.pod.findMany({
    where: { clusterId, phase: 'Pending', sandboxId: { not: null }, deletionTimestamp: null },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: POD_BATCH,
    omit: LIGHT,
  })) as Pod[];
  if (starting.length === POD_BATCH) again = true;
  if (starting.length > 0) {
    const states = await svc.provider.describeSandboxes(starting.map((p) => p.sandboxId!));
    const now = new Date(svc.clock.now());
    const transitions: Transition<Pod>[] = [];
    starting.forEach((p, i) => {
      const s = states[i];
      if (s.phase === 'Running') transitions.push(started(p, now));
      else later(s.nextChangeAt);
    });
    if ((await commit(svc, clusterId, transitions, touchedWorkloads)) > 0) again = true;
  }

  // 3. Stop and delete.
  const dying = (await svc.db.pod.findMany({
    where: { clusterId, deletionTimestamp: { not: null } },
    orderBy: [{ deletionTimestamp: 'asc' }, { id: 'asc' }],
    take: POD_BATCH,
    omit: LIGHT,
  })) as Pod[];
  if (dying.length === POD_BATCH) again = true;
  if (dying.length > 0) {
    const withSandbox = dying.filter((p) => p.sandboxId !== null);
    await svc.provider.deleteSandboxes(withSandbox.map((p) => p.sandboxId!));
    const states = new Map((await svc.provider.describeSandboxes(withSandbox.map((p) => p.sandboxId!))).map((s) => [s.id, s]));
    const gone = dying.filter((p) => {
      if (p.sandboxId === null) return true;
      const s = states.get(p.sandboxId)!;
      if (s.phase === 'Gone') return true;
      later(s.nextChangeAt);
      return false;
    });
    if (gone.length > 0) {
      const now = new Date(svc.clock.now());
      const records = await svc.db.$transaction(async (tx) => {
        const removed = await deletePods(tx, gone);
        if (removed.length < gone.length) again = true;
        for (const p of removed) if (p.workloadId) touchedWorkloads.add(p.workloadId);
        return appendEvents(tx, clusterId, removed.map((p) => deleted(p)), now, () => svc.ids.uuid());
      });
      await publishEvents(svc.bus, clusterId, records);
    }
  }

  for (const w of touchedWorkloads) await svc.queue.add(keys.workload(w));
  if (again) await svc.queue.add(keys.pods(clusterId));
  // The provider's notification normally wakes this loop when a sandbox changes phase; this
  // timed re-check is the safety net for a lost notification (e.g. the notifying worker died).
  else if (wakeAt !== null) await svc.queue.addAfter(keys.pods(clusterId), Math.max(0, wakeAt + NOTIFICATION_GRACE_MS - svc.clock.now()));
}

/**
 * Writes transitions (resourceVersion-guarded) with their events in one transaction, then
 * publishes. Returns how many pods were skipped because another writer changed them first.
 */
async function commit(svc: Services, clusterId: string, transitions: Transition<Pod>[], touched: Set<string>): Promise<number> {
  if (transitions.length === 0) return 0;
  const now = new Date(svc.clock.now());
  const records = await svc.db.$transaction(async (tx) => {
    const written = await writePods(tx, transitions.map((t) => t.pod));
    const byId = new Map(written.map((p) => [p.id, p]));
    const events: EventInput[] = [];
    for (const t of transitions) {
      const pod = byId.get(t.pod.id);
      if (!pod) continue; // changed by someone else meanwhile: the next pass sees the fresh row
      events.push({ ...t, pod });
      if (pod.workloadId) touched.add(pod.workloadId);
    }
    return appendEvents(tx, clusterId, events, now, () => svc.ids.uuid());
  });
  await publishEvents(svc.bus, clusterId, records);
  return transitions.length - records.length;
}
