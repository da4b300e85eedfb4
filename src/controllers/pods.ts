import type { Pod, Prisma } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { appendEvents, deletePods, writePods, type EventInput } from '../adapters/prisma/objects';
import { deleted, scheduled, started, type Transition } from '../core/lifecycle';
import { placePod } from '../core/placement';

/** Pods read, sent to the provider and written per page. */
export const POD_BATCH = 1000;

/** How long after a sandbox's expected change the loop re-checks if no notification came. */
export const NOTIFICATION_GRACE_MS = 1000;

/** The loop never needs a pod's spec (nor, after scheduling, its annotations): don't load them. */
const LIGHT = { spec: true, annotations: true } as const;

interface Pass {
  svc: Services;
  clusterId: string;
  touchedWorkloads: Set<string>;
  /** Run the loop again right away (more unscheduled pods, or a write lost a race). */
  again: boolean;
  /** Earliest time a sandbox is expected to change phase. */
  wakeAt: number | null;
}

/**
 * The per-cluster pod loop (what kube-scheduler and the kubelet do for a node-based cluster):
 *  1. stop the sandboxes of pods being deleted and delete the pods once the provider says gone;
 *  2. mark pods whose sandbox is up as Running;
 *  3. bind unscheduled pods to a zone and host and ask the provider for their sandboxes.
 * Provider calls are idempotent and keyed by pod uid, and every pod write is guarded by its
 * resourceVersion, so a pass that crashes or races another writer is simply run again. Each
 * step runs even if another failed (one bad pod must not stall the cluster); a failure is
 * rethrown at the end so the key is retried with backoff.
 */
export async function reconcilePods(svc: Services, clusterId: string): Promise<void> {
  const cluster = await svc.db.cluster.findUnique({ where: { id: clusterId }, select: { id: true, region: true } });
  if (!cluster) return;
  const pass: Pass = { svc, clusterId, touchedWorkloads: new Set(), again: false, wakeAt: null };
  const failures: unknown[] = [];
  for (const step of [stopAndDelete, start, () => schedule(pass, cluster.region)]) {
    try {
      await step(pass);
    } catch (err) {
      failures.push(err);
    }
  }
  for (const w of pass.touchedWorkloads) await svc.queue.add(keys.workload(w));
  if (pass.again) await svc.queue.add(keys.pods(clusterId));
  // The provider's notification normally wakes this loop when a sandbox changes phase; this
  // timed re-check is the safety net for a lost notification (e.g. the notifying worker died).
  else if (pass.wakeAt !== null) await svc.queue.addAfter(keys.pods(clusterId), Math.max(0, pass.wakeAt + NOTIFICATION_GRACE_MS - svc.clock.now()));
  if (failures.length > 0) throw failures[0];
}

const later = (pass: Pass, t: number | null) => {
  if (t !== null && (pass.wakeAt === null || t < pass.wakeAt)) pass.wakeAt = t;
};

/** Every page of pods matching `where`, in id order (keyset paging, so no page is skipped). */
async function* pages(svc: Services, where: Prisma.PodWhereInput): AsyncGenerator<Pod[]> {
  let after: string | undefined;
  for (;;) {
    const page = (await svc.db.pod.findMany({
      where: { ...where, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: 'asc' },
      take: POD_BATCH,
      omit: LIGHT,
    })) as Pod[];
    if (page.length > 0) yield page;
    if (page.length < POD_BATCH) return;
    after = page[page.length - 1].id;
  }
}

/** 1. Pods being deleted: stop their sandboxes (by uid, recorded or not), delete them once gone. */
async function stopAndDelete(pass: Pass): Promise<void> {
  const { svc, clusterId } = pass;
  for await (const dying of pages(svc, { clusterId, deletionTimestamp: { not: null } })) {
    const uids = dying.map((p) => p.uid);
    await svc.provider.deleteSandboxes(uids);
    const states = await svc.provider.describeSandboxes(uids);
    const gone = dying.filter((p, i) => {
      if (states[i].phase === 'Gone') return true;
      later(pass, states[i].nextChangeAt);
      return false;
    });
    if (gone.length === 0) continue;
    const now = new Date(svc.clock.now());
    const records = await svc.db.$transaction(async (tx) => {
      const removed = await deletePods(tx, gone);
      if (removed.length < gone.length) pass.again = true;
      for (const p of removed) if (p.workloadId) pass.touchedWorkloads.add(p.workloadId);
      return appendEvents(tx, clusterId, removed.map((p) => deleted(p)), now, () => svc.ids.uuid());
    });
    await publishEvents(svc.bus, clusterId, records);
  }
}

/** 2. Pods whose sandbox is being created: Running once the provider says so. */
async function start(pass: Pass): Promise<void> {
  const { svc, clusterId } = pass;
  for await (const starting of pages(svc, { clusterId, phase: 'Pending', sandboxId: { not: null }, deletionTimestamp: null })) {
    const states = await svc.provider.describeSandboxes(starting.map((p) => p.uid));
    const now = new Date(svc.clock.now());
    const transitions: Transition<Pod>[] = [];
    starting.forEach((p, i) => {
      if (states[i].phase === 'Running') transitions.push(started(p, now));
      else later(pass, states[i].nextChangeAt);
    });
    await commit(pass, transitions);
  }
}

/** 3. Unscheduled pods, oldest first: place, create sandboxes, record the binding. */
async function schedule(pass: Pass, regionName: string): Promise<void> {
  const { svc, clusterId } = pass;
  const pending = (await svc.db.pod.findMany({
    where: { clusterId, hostId: null, deletionTimestamp: null, phase: 'Pending' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: POD_BATCH,
    omit: { spec: true },
  })) as Pod[];
  if (pending.length === 0) return;
  if (pending.length === POD_BATCH) pass.again = true;
  const region = svc.fleet.regions.find((r) => r.name === regionName);
  if (!region) throw new Error(`cluster ${clusterId} is in unknown region ${regionName}`);
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
  // If the pod is deleted before the binding below is written, its sandbox is still found and
  // stopped by uid in step 1.
  const sandboxes = await svc.provider.createSandboxes(requests);
  const now = new Date(svc.clock.now());
  const transitions = pending.map((p, i) => {
    const s = sandboxes[i];
    return scheduled(p, { zone: s.zone ?? requests[i].zone, hostId: s.hostId ?? requests[i].hostId, sandboxId: s.id }, now);
  });
  await commit(pass, transitions);
  // With no boot latency the sandboxes are already up: start them in this same pass.
  if (sandboxes.some((s) => s.phase === 'Running')) await start(pass);
  else for (const s of sandboxes) later(pass, s.nextChangeAt);
}

/**
 * Writes transitions (resourceVersion-guarded) with their events in one transaction, then
 * publishes. A pod another writer changed first is skipped and the loop runs again.
 */
async function commit(pass: Pass, transitions: Transition<Pod>[]): Promise<void> {
  if (transitions.length === 0) return;
  const { svc, clusterId } = pass;
  const now = new Date(svc.clock.now());
  const records = await svc.db.$transaction(async (tx) => {
    const written = await writePods(tx, transitions.map((t) => t.pod));
    const byId = new Map(written.map((p) => [p.id, p]));
    const events: EventInput[] = [];
    for (const t of transitions) {
      const pod = byId.get(t.pod.id);
      if (!pod) continue; // changed by someone else meanwhile: the next pass sees the fresh row
      events.push({ ...t, pod });
      if (pod.workloadId) pass.touchedWorkloads.add(pod.workloadId);
    }
    return appendEvents(tx, clusterId, events, now, () => svc.ids.uuid());
  });
  if (records.length < transitions.length) pass.again = true;
  await publishEvents(svc.bus, clusterId, records);
}
