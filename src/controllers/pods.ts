import type { Pod, Prisma } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { appendEvents, deletePods, POD_LIGHT, writePods, type EventInput } from '../adapters/prisma/objects';
import { deleted, scheduled, type Transition } from '../core/lifecycle';
import { placePod } from '../core/placement';
import { observedTransition } from '../core/podstatus';
import type { SandboxRequest } from '../ports/provider';
import type { PodSpec } from '../core/workloads/specs';

/** Pods read, sent to the provider and written per page. */
export const POD_BATCH = 1000;

/** How long after a sandbox's expected change the loop re-checks if no notification came. */
export const NOTIFICATION_GRACE_MS = 1000;


interface Pass {
  svc: Services;
  clusterId: string;
  touchedWorkloads: Set<string>;
  /** Run the loop again right away (more pods to handle, or a write lost a race). */
  again: boolean;
  /** Earliest time a sandbox is expected to change. */
  wakeAt: number | null;
}

/**
 * The per-cluster pod loop (what kube-scheduler and the kubelet do for a node-based cluster):
 *  1. stop the sandboxes of pods being deleted, and delete the pods once the provider says gone;
 *  2. record what the sandboxes report (container states, restarts, readiness, exit) and their
 *     Kubernetes events; release the sandbox of a pod that finished (Succeeded / Failed);
 *  3. bind unscheduled pods to a zone and host and ask the provider for their sandboxes.
 * Provider calls are idempotent and keyed by pod uid, and every pod write is guarded by its
 * resourceVersion, so a pass that crashes or races another writer is simply run again. Each
 * step runs even if another failed (one bad pod must not stall the cluster); a failure is
 * rethrown at the end so the key is retried with backoff.
 */
export async function reconcilePods(svc: Services, clusterId: string): Promise<void> {
  const cluster = await svc.db.cluster.findUnique({ where: { id: clusterId }, select: { id: true, region: true, accountId: true } });
  if (!cluster) return;
  const pass: Pass = { svc, clusterId, touchedWorkloads: new Set(), again: false, wakeAt: null };
  const failures: unknown[] = [];
  for (const step of [stopAndDelete, observe, () => schedule(pass, cluster.region, cluster.accountId)]) {
    try {
      await step(pass);
    } catch (err) {
      failures.push(err);
    }
  }
  for (const w of pass.touchedWorkloads) await svc.queue.add(keys.workload(w));
  if (pass.again) await svc.queue.add(keys.pods(clusterId));
  // The provider's notification normally wakes this loop when a sandbox changes; this timed
  // re-check is the safety net for a lost notification (e.g. the notifying worker died).
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
      omit: POD_LIGHT,
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

/**
 * 2. Pods whose sandbox is due to change (nextCheckAt has come): read what the sandbox reports,
 * record it with the events emitted since the last read, and release the sandbox of a pod that
 * finished (the provider stops it before the pod is written, so a crash in between only repeats
 * the idempotent release).
 */
async function observe(pass: Pass): Promise<void> {
  const { svc, clusterId } = pass;
  const now = svc.clock.now();
  for await (const due of pages(svc, { clusterId, sandboxId: { not: null }, deletionTimestamp: null, nextCheckAt: { lte: new Date(now) } })) {
    // events from the sandbox's creation on (it was created at scheduledAt: (after, upTo] must include that instant)
    const after = due.map((p) => p.syncedAt?.getTime() ?? (p.scheduledAt ?? p.createdAt).getTime() - 1);
    const states = await svc.provider.describeSandboxes(due.map((p) => p.uid), after);
    const observations = due.map((p, i) => observedTransition(p, states[i], now));
    const finished = due.filter((_, i) => observations[i].released);
    if (finished.length > 0) await svc.provider.deleteSandboxes(finished.map((p) => p.uid));
    const changed = new Set(observations.filter((o) => o.changed).map((o) => o.pod.id));
    await commit(pass, observations.flatMap((o) => o.events.map((e) => ({ ...e, pod: o.pod }))), observations.map((o) => o.pod), changed);
  }
  // sleep until the next sandbox is due, those just observed included (the provider's
  // notification usually comes first)
  const next = await svc.db.pod.aggregate({ where: { clusterId, sandboxId: { not: null }, deletionTimestamp: null, nextCheckAt: { gt: new Date(now) } }, _min: { nextCheckAt: true } });
  later(pass, next._min.nextCheckAt?.getTime() ?? null);
}

/** 3. Unscheduled pods, oldest first: place, create sandboxes, record the binding. */
async function schedule(pass: Pass, regionName: string, accountId: string): Promise<void> {
  const { svc, clusterId } = pass;
  const pending = (await svc.db.pod.findMany({
    where: { clusterId, hostId: null, deletionTimestamp: null, phase: 'Pending' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: POD_BATCH,
    omit: { containerStatuses: true },
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
  const specs = pending.map((p) => p.spec as unknown as PodSpec);
  const images = [...new Set(specs.flatMap((s) => (s.containers ?? []).map((c) => c.image)))];
  const cached = new Set((await svc.db.imageCache.findMany({ where: { accountId, image: { in: images } }, select: { image: true } })).map((c) => c.image));
  const requests: SandboxRequest[] = pending.map((p, i) => {
    const counts = perWorkload.get(p.workloadId ?? '') ?? new Map<string, number>();
    perWorkload.set(p.workloadId ?? '', counts);
    const at = placePod(p.uid, region.zones, counts);
    const spec = specs[i];
    const containers = (spec.containers ?? []).map((c) => ({ name: c.name, image: c.image, ...(c.readinessProbe ? { readinessProbe: c.readinessProbe } : {}) }));
    return {
      podUid: p.uid,
      clusterId,
      region: region.name,
      ...at,
      cpuMilli: p.billedCpuMilli,
      memoryMi: p.billedMemoryMi,
      annotations: (p.annotations ?? {}) as Record<string, string>,
      pod: { namespace: p.namespace, name: p.name, restartPolicy: spec.restartPolicy ?? 'Always', terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30, containers },
      cachedImages: containers.map((c) => c.image).filter((img) => cached.has(img)),
    };
  });
  // If the pod is deleted before the binding below is written, its sandbox is still found and
  // stopped by uid in step 1.
  // (read before the call: the sandboxes are created at or after scheduledAt, so no event is missed)
  const now = new Date(svc.clock.now());
  const sandboxes = await svc.provider.createSandboxes(requests);
  const transitions = pending.map((p, i) => {
    const s = sandboxes[i];
    const t = scheduled(p, { zone: s.zone ?? requests[i].zone, hostId: s.hostId ?? requests[i].hostId, sandboxId: s.id }, now);
    return { ...t, pod: { ...t.pod, nextCheckAt: s.nextChangeAt === null ? null : new Date(s.nextChangeAt), syncedAt: null } };
  });
  // A sandbox that is already up (no boot latency) is read at once, so the pod is written once
  // with its binding and what the sandbox reports, and its first events.
  const up = transitions.flatMap((t, i) => (sandboxes[i].phase !== 'Creating' ? [i] : []));
  const events: (Transition<Pod> & { eventType?: 'Normal' | 'Warning' })[] = [];
  const pods = transitions.map((t) => t.pod);
  const changed = new Set<string>();
  if (up.length > 0) {
    const states = await svc.provider.describeSandboxes(up.map((i) => pods[i].uid), up.map(() => now.getTime() - 1));
    const released: string[] = [];
    up.forEach((i, k) => {
      const o = observedTransition(pods[i], states[k], svc.clock.now());
      pods[i] = o.pod;
      events.push(transitions[i], ...o.events.map((e) => ({ ...e, pod: o.pod })));
      if (o.changed) changed.add(o.pod.id);
      if (o.released) released.push(o.pod.uid);
    });
    if (released.length > 0) await svc.provider.deleteSandboxes(released);
  }
  const upSet = new Set(up);
  transitions.forEach((t, i) => {
    if (!upSet.has(i)) events.push(t);
  });
  await commit(pass, events, pods, changed);
  for (const p of pods) later(pass, p.nextCheckAt?.getTime() ?? null);
}

/**
 * Writes pods (resourceVersion-guarded) with their events in one transaction, then publishes.
 * A pod another writer changed first is skipped (with its events) and the loop runs again.
 */
async function commit(pass: Pass, events: (Transition<Pod> & { eventType?: 'Normal' | 'Warning' })[], pods: Pod[], touch?: Set<string>): Promise<void> {
  if (pods.length === 0) return;
  const { svc, clusterId } = pass;
  const now = new Date(svc.clock.now());
  const records = await svc.db.$transaction(async (tx) => {
    const written = await writePods(tx, pods);
    if (written.length < pods.length) pass.again = true;
    const byId = new Map(written.map((p) => [p.id, p]));
    const out: EventInput[] = [];
    const final = new Set(pods);
    for (const e of events) {
      const pod = byId.get(e.pod.id);
      if (!pod) continue; // changed by someone else meanwhile: the next pass sees the fresh row
      // An event about an earlier state in the same write (Scheduled, when the sandbox was already
      // up) shows the pod as it was then, so a watcher sees Pending → ContainerCreating → Running.
      out.push({ ...e, pod: final.has(e.pod) ? pod : { ...e.pod, resourceVersion: pod.resourceVersion } });
    }
    // the owner's controller cares about phase, readiness and restarts (not about scheduling)
    for (const p of written) if (p.workloadId && touch?.has(p.id)) pass.touchedWorkloads.add(p.workloadId);
    return appendEvents(tx, clusterId, out, now, () => svc.ids.uuid());
  });
  await publishEvents(svc.bus, clusterId, records);
}
