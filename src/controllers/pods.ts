import type { Pod, Prisma } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { appendEvents, deletePods, POD_LIGHT, writePods, type EventInput } from '../adapters/prisma/objects';
import { deleted, earliest, scheduled, unschedulable, type Transition } from '../core/lifecycle';
import { assume, backoffMs, forget, nominate, nominatePlaced, scheduleOne, Snapshot, type HostInfo, type PlacedPod, type PlacementOption } from '../core/scheduler';
import { requiredAntiAffinityOf, schedulingPodOf } from '../core/podScheduling';
import { hostInfo, lockHosts, regionHosts } from '../adapters/prisma/hosts';
import { ledgerChange, recordBillable, type LedgerCluster, type LedgerEntry } from '../adapters/prisma/ledger';
import { regionCurrency } from '../app/billing';
import { terminatePods } from '../app/cascade';
import { wakeClustersWaitingForCapacity } from '../app/fleet';
import { observedTransition } from '../core/podstatus';
import type { SandboxRequest } from '../ports/provider';
import type { PodSpec } from '../core/workloads/specs';
import { tenantOf } from '../ports/workqueue';
import { yieldTurn } from '../worker/turns';

/**
 * Most pods one step of a pass handles: the rest is left to the next pass, which is queued at
 * once (behind the other tenants' due work). Bounds how long one cluster's pass holds a worker
 * slot.
 */
export const POD_BATCH = 1000;

/**
 * Pods sent to the provider and written in one go (one transaction), and placed by the
 * scheduling core between two turns: a step works through its slice in chunks and takes a turn
 * (worker/turns: the event loop, and the work of lighter tenants, go first) between two. Bounds
 * how long the pass holds the event loop, row locks and the database at a time.
 */
export const POD_CHUNK = 50;

/** `rows` in chunks of POD_CHUNK, taking a turn between two. */
async function* inChunks<T>(rows: T[]): AsyncGenerator<T[]> {
  for (let i = 0; i < rows.length; i += POD_CHUNK) {
    if (i > 0) await yieldTurn();
    yield rows.slice(i, i + POD_CHUNK);
  }
}


/** How long after a sandbox's expected change the loop re-checks if no notification came. */
export const NOTIFICATION_GRACE_MS = 1000;


interface Pass {
  svc: Services;
  clusterId: string;
  /** The cluster as the billing ledger records it. */
  ledger: LedgerCluster;
  /** Billable periods were recorded: the cluster's meter runs next. */
  metered: boolean;
  /** Host capacity was given back (a pod finished or went): unschedulable pods in the region may fit now. */
  freed: boolean;
  touchedWorkloads: Set<string>;
  /** Run the loop again right away (more pods to handle, or a write lost a race). */
  again: boolean;
  /** Earliest time a sandbox is expected to change. */
  wakeAt: number | null;
  /** Earliest end of a scheduling back-off. */
  retryAt: number | null;
}

/**
 * Where the deletion step of a cluster's pass left off, when there were more pods being deleted
 * than one pass handles, and the earliest sandbox change seen since the round began: the next pass
 * goes on after `after` (so every terminating pod is asked to stop, however many wait for their
 * sandboxes), and the round's last pass sleeps until `wakeAt`. In-process only: a round lost with
 * its worker starts again from the first pod.
 */
const deletionRounds = new Map<string, { after: string; wakeAt: number | null }>();

/**
 * The per-cluster pod loop (what kube-scheduler and the kubelet do for a node-based cluster):
 *  1. stop the sandboxes of pods being deleted, and delete the pods once the provider says gone;
 *  2. record what the sandboxes report (container states, restarts, readiness, exit) and their
 *     Kubernetes events; release the sandbox of a pod that finished (Succeeded / Failed);
 *  3. schedule pending pods whose back-off is over (core/scheduler on a snapshot of the region's
 *     hosts) and bind them under host locks, or record why they cannot run, or preempt;
 *  4. ask the provider for the sandboxes of bound pods that have none yet, on their hosts (step 3
 *     does it for each chunk it binds, so the first pods start while the last are placed).
 * Provider calls are idempotent and keyed by pod uid, and every pod write is guarded by its
 * resourceVersion, so a pass that crashes or races another writer is simply run again. Each
 * step runs even if another failed (one bad pod must not stall the cluster); a failure is
 * rethrown at the end so the key is retried with backoff.
 */
export async function reconcilePods(svc: Services, clusterId: string): Promise<void> {
  const cluster = await svc.db.cluster.findUnique({ where: { id: clusterId }, select: { id: true, name: true, region: true, accountId: true } });
  if (!cluster) return;
  const ledger: LedgerCluster = { ...cluster, currency: regionCurrency(svc, cluster.region) };
  const pass: Pass = { svc, clusterId, ledger, metered: false, touchedWorkloads: new Set(), again: false, wakeAt: null, retryAt: null, freed: false };
  const tenant = tenantOf(cluster.accountId, clusterId);
  const failures: unknown[] = [];
  for (const step of [stopAndDelete, observe, () => schedule(pass, cluster.accountId, cluster.region), () => launch(pass, cluster.accountId, cluster.region)]) {
    try {
      await step(pass);
    } catch (err) {
      failures.push(err);
    }
    // lets the event loop (an api in this process) and the work of lighter tenants go first
    await yieldTurn();
  }
  for (const w of pass.touchedWorkloads) await svc.queue.add(keys.workload(w), tenant);
  if (pass.metered) await svc.queue.add(keys.meter(clusterId), tenant);
  if (pass.freed) await wakeClustersWaitingForCapacity(svc, cluster.region, clusterId);
  if (pass.again) await svc.queue.add(keys.pods(clusterId), tenant);
  // The provider's notification normally wakes this loop when a sandbox changes; this timed
  // re-check is the safety net for a lost notification (e.g. the notifying worker died).
  else {
    const wake = Math.min(pass.wakeAt === null ? Infinity : pass.wakeAt + NOTIFICATION_GRACE_MS, pass.retryAt ?? Infinity);
    if (wake !== Infinity) await svc.queue.addAfter(keys.pods(clusterId), Math.max(0, wake - svc.clock.now()), tenant);
  }
  if (failures.length > 0) throw failures[0];
}

const later = (pass: Pass, t: number | null) => {
  pass.wakeAt = earliest(pass.wakeAt, t);
};

/**
 * The first POD_BATCH pods matching `where` (after `after`), in id order; a full page means more
 * may wait: the pass is run again at once.
 */
async function page(pass: Pass, where: Prisma.PodWhereInput, opts: { withSpec?: boolean; after?: string } = {}): Promise<Pod[]> {
  const rows = (await pass.svc.db.pod.findMany({
    where: { ...where, ...(opts.after ? { id: { gt: opts.after } } : {}) },
    orderBy: { id: 'asc' },
    take: POD_BATCH,
    omit: opts.withSpec ? { containerStatuses: true } : POD_LIGHT,
  })) as Pod[];
  if (rows.length === POD_BATCH) pass.again = true;
  return rows;
}

/**
 * 1. Pods being deleted: stop their sandboxes (by uid, recorded or not), delete them once gone.
 * One slice per pass; when there are more, the next pass goes on where this one stopped (see
 * deletionRounds), so pods whose sandboxes take a while to stop do not hold back the others.
 */
async function stopAndDelete(pass: Pass): Promise<void> {
  const { clusterId } = pass;
  const round = deletionRounds.get(clusterId);
  const dying = await page(pass, { clusterId, deletionTimestamp: { not: null } }, { after: round?.after });
  let wake = round?.wakeAt ?? null;
  for await (const chunk of inChunks(dying)) wake = earliest(wake, await stopAndDeleteChunk(pass, chunk));
  if (dying.length === POD_BATCH) {
    deletionRounds.set(clusterId, { after: dying[dying.length - 1].id, wakeAt: wake }); // more wait: the next pass goes on
  } else {
    deletionRounds.delete(clusterId);
    later(pass, wake);
  }
}


/** Stops the sandboxes of these pods and deletes those whose sandbox is gone; returns the earliest change of the others. */
async function stopAndDeleteChunk(pass: Pass, dying: Pod[]): Promise<number | null> {
  const { svc, clusterId } = pass;
  let wake: number | null = null;
  if (dying.length === 0) return wake;
  const uids = dying.map((p) => p.uid);
  await svc.provider.deleteSandboxes(uids);
  // the agent's events not recorded yet (a pod deleted before its sandbox was observed, e.g.
  // while the worker that launched it was down) are recorded before DELETED, so a pod's events
  // always tell its billed lifetime (the Pulling that started billing included)
  const states = await svc.provider.describeSandboxes(uids, dying.map((p) => p.syncedAt?.getTime() ?? (p.scheduledAt ?? p.createdAt).getTime() - 1));
  const billing = new Map<string, LedgerEntry>();
  const now = new Date(svc.clock.now());
  const gone = dying.filter((p, i) => {
    if (states[i].phase !== 'Gone') {
      wake = earliest(wake, states[i].nextChangeAt);
      return false;
    }
    // the pod's billable period ends when its sandbox is gone (or ended before: a finish)
    const b = states[i].billing;
    const from = p.billingFrom ?? (b.from === null ? null : new Date(b.from));
    if (from) billing.set(p.id, { pod: p, from, until: p.billingUntil ?? (b.until === null ? now : new Date(b.until)) });
    return true;
  });
  if (gone.length === 0) return wake;
  const records = await svc.db.$transaction(async (tx) => {
    const removed = await deletePods(tx, gone);
    if (removed.length < gone.length) pass.again = true;
    for (const p of removed) if (p.workloadId) pass.touchedWorkloads.add(p.workloadId);
    if (removed.some((p) => p.allocated)) pass.freed = true;
    const ended = removed.flatMap((p) => (billing.has(p.id) ? [billing.get(p.id)!] : []));
    if ((await recordBillable(tx, pass.ledger, ended)) > 0) pass.metered = true;
    // a pod that was still billing stopped when its sandbox was gone: that is when DELETED happened
    const stateOf = new Map(dying.map((p, i) => [p.id, states[i]]));
    const events: EventInput[] = removed.flatMap((p) => [
      ...(stateOf.get(p.id)?.events ?? []).map((e) => ({ pod: p, type: 'MODIFIED' as const, eventType: e.type, reason: e.reason, message: e.message, at: e.at })),
      { ...deleted(p), ...(billing.has(p.id) && !p.billingUntil ? { at: billing.get(p.id)!.until!.getTime() } : {}) },
    ]);
    return appendEvents(tx, clusterId, events, now, () => svc.ids.uuid());
  });
  await publishEvents(svc.bus, clusterId, records);
  return wake;
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
  const slice = await page(pass, { clusterId, sandboxId: { not: null }, deletionTimestamp: null, nextCheckAt: { lte: new Date(now) } });
  for await (const due of inChunks(slice)) {
    // events from the sandbox's creation on (it was created at scheduledAt: (after, upTo] must include that instant)
    const after = due.map((p) => p.syncedAt?.getTime() ?? (p.scheduledAt ?? p.createdAt).getTime() - 1);
    const states = await svc.provider.describeSandboxes(due.map((p) => p.uid), after);
    const observations = due.map((p, i) => observedTransition(p, states[i], now));
    const finished = due.filter((_, i) => observations[i].released);
    if (finished.some((p) => p.allocated)) pass.freed = true;
    if (finished.length > 0) await svc.provider.deleteSandboxes(finished.map((p) => p.uid));
    const changed = new Set(observations.filter((o) => o.changed).map((o) => o.pod.id));
    await commit(pass, observations.flatMap((o) => o.events.map((e) => ({ ...e, pod: o.pod }))), observations.map((o) => o.pod), changed, due);
  }
  // sleep until the next sandbox is due, those just observed included (the provider's
  // notification usually comes first)
  const next = await svc.db.pod.aggregate({ where: { clusterId, sandboxId: { not: null }, deletionTimestamp: null, nextCheckAt: { gt: new Date(now) } }, _min: { nextCheckAt: true } });
  later(pass, next._min.nextCheckAt?.getTime() ?? null);
}

/**
 * 3. Pending pods, in the scheduling queue's order (priority, then age), whose back-off is
 * over: place each with the scheduling core on a snapshot of the region's hosts, then bind in
 * one transaction that re-checks the chosen hosts under a row lock (reserve and bind commit
 * together: a crash leaks nothing, and two schedulers never over-commit a host). Pods that fit
 * nowhere get a FailedScheduling event and a back-off; a preemption marks its victims for
 * deletion and nominates the host.
 */
async function schedule(pass: Pass, accountId: string, regionName: string): Promise<void> {
  const { svc, clusterId } = pass;
  const now = svc.clock.now();
  const due = { clusterId, hostId: null, deletionTimestamp: null, phase: 'Pending' };
  const pending = (await svc.db.pod.findMany({
    where: { ...due, OR: [{ nextScheduleAt: null }, { nextScheduleAt: { lte: new Date(now) } }] },
    orderBy: [{ priority: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }],
    take: POD_BATCH,
    omit: { containerStatuses: true },
  })) as Pod[];
  if (pending.length === POD_BATCH) pass.again = true;
  if (pending.length > 0) {
    const snapshot = await loadSnapshot(svc, clusterId, regionName);
    const plan = await planPlacements(svc, snapshot, pending, now);
    // bound in chunks (each chunk's hosts locked by its own transaction), each chunk's sandboxes
    // asked for right after (a pipeline: the first pods start while the last are being placed)
    // (a launch that fails leaves its pods bound for the launch step, and binding goes on)
    const images = await cachedImages(svc, accountId, plan.binds.map((b) => b.pod));
    let launchFailure: unknown = null;
    for (let i = 0; i < Math.max(plan.binds.length, plan.failures.length); i += POD_CHUNK) {
      if (i > 0) await yieldTurn();
      const bound = await bind(pass, { binds: plan.binds.slice(i, i + POD_CHUNK), failures: plan.failures.slice(i, i + POD_CHUNK) }, snapshot, now);
      if (bound.length > 0) await launchChunk(pass, regionName, images, bound).catch((err) => (launchFailure ??= err));
    }
    if (launchFailure !== null) throw launchFailure;
  }
  // wake when the next back-off ends
  const next = await svc.db.pod.aggregate({ where: { ...due, nextScheduleAt: { gt: new Date(now) } }, _min: { nextScheduleAt: true } });
  pass.retryAt = next._min.nextScheduleAt?.getTime() ?? null;
}

interface SnapshotData {
  snap: Snapshot;
  hosts: Map<string, HostInfo>;
}

/** The region's hosts with their usage, and this cluster's placed (and nominated) pods on them. */
async function loadSnapshot(svc: Services, clusterId: string, region: string): Promise<SnapshotData> {
  const [rows, placed] = await Promise.all([
    regionHosts(svc.db, region),
    svc.db.$queryRaw<PlacedRow[]>`
      SELECT "uid", "namespace", "labels", "priority", "workloadId", "hostId", "nominatedHost", "allocated", "billedCpuMilli", "billedMemoryMi", "gpuMilli",
             "createdAt", "startedAt", "deletionTimestamp", "spec"->'affinity'->'podAntiAffinity' AS "antiAffinity"
      FROM "Pod" WHERE "clusterId" = ${clusterId}::uuid AND ("allocated" OR ("nominatedHost" IS NOT NULL AND "hostId" IS NULL AND "deletionTimestamp" IS NULL))`,
  ]);
  const hosts = new Map(rows.map((r) => [r.id, hostInfo(r)]));
  const nominated: { pod: PlacedPod; hostId: string }[] = [];
  for (const r of placed) {
    const pod: PlacedPod = {
      uid: r.uid,
      namespace: r.namespace,
      labels: (r.labels ?? {}) as Record<string, string>,
      priority: Number(r.priority),
      ownerKey: r.workloadId,
      cpuMilli: Number(r.billedCpuMilli),
      memoryMi: Number(r.billedMemoryMi),
      gpuMilli: Number(r.gpuMilli),
      startTime: (r.startedAt ?? r.createdAt).getTime(),
      requiredPodAntiAffinity: r.antiAffinity ? requiredAntiAffinityOf(r.antiAffinity) : [],
      terminating: r.deletionTimestamp !== null,
    };
    if (r.allocated && r.hostId) hosts.get(r.hostId)?.pods.push(pod);
    else if (r.nominatedHost) nominated.push({ pod, hostId: r.nominatedHost });
  }
  const snap = new Snapshot([...hosts.values()]);
  for (const n of nominated) if (hosts.has(n.hostId)) nominatePlaced(snap, n.pod, n.hostId);
  return { snap, hosts };
}

interface PlacedRow {
  uid: string;
  namespace: string;
  labels: unknown;
  priority: number;
  workloadId: string | null;
  hostId: string | null;
  nominatedHost: string | null;
  allocated: boolean;
  billedCpuMilli: number;
  billedMemoryMi: number;
  gpuMilli: number;
  createdAt: Date;
  startedAt: Date | null;
  deletionTimestamp: Date | null;
  antiAffinity: unknown;
}

interface Plan {
  binds: { pod: Pod; hostId: string; option: PlacementOption }[];
  failures: { pod: Pod; message: string; nominatedHost: string | null; victims: string[] }[];
}

/**
 * Runs the scheduling core over the pending pods in queue order (pure work on the snapshot),
 * taking a turn (worker/turns) every POD_CHUNK pods.
 */
async function planPlacements(svc: Services, { snap }: SnapshotData, pending: Pod[], now: number): Promise<Plan> {
  const profile = svc.settings.scheduler;
  const plan: Plan = { binds: [], failures: [] };
  for (const [i, pod] of pending.entries()) {
    if (i > 0 && i % POD_CHUNK === 0) await yieldTurn();
    const sp = schedulingPodOf({
      uid: pod.uid,
      namespace: pod.namespace,
      name: pod.name,
      labels: (pod.labels ?? {}) as Record<string, string>,
      annotations: (pod.annotations ?? {}) as Record<string, string>,
      spec: pod.spec,
      priority: pod.priority,
      preemptionPolicy: pod.preemptionPolicy === 'Never' ? 'Never' : 'PreemptLowerPriority',
      ownerKey: pod.workloadId,
      nominatedHost: pod.nominatedHost,
    });
    if (!sp.ok) {
      plan.failures.push({ pod, message: `the pod cannot be scheduled: ${sp.errors.map((e) => e.message).join('; ')}`, nominatedHost: null, victims: [] });
      svc.metrics.schedulingAttempts.inc({ result: 'error' });
      continue;
    }
    const r = scheduleOne(profile, snap, sp.pod, Math.random);
    // a nomination stands until the pod is placed or nominated elsewhere
    if (r.kind === 'Scheduled' || r.kind === 'Unschedulable' && r.preemption) forget(snap, sp.pod.uid);
    if (r.kind === 'Scheduled') {
      assume(snap, sp.pod, r.hostId, r.option, now);
      plan.binds.push({ pod, hostId: r.hostId, option: r.option });
      svc.metrics.schedulingAttempts.inc({ result: 'scheduled' });
    } else if (r.kind === 'Unschedulable') {
      if (r.preemption) {
        for (const v of r.preemption.victims) forget(snap, v);
        nominate(snap, sp.pod, r.preemption.hostId, r.preemption.option ?? sp.pod.options[0]);
      }
      plan.failures.push({ pod, message: r.message, nominatedHost: r.preemption?.hostId ?? pod.nominatedHost, victims: r.preemption?.victims ?? [] });
      svc.metrics.schedulingAttempts.inc({ result: 'unschedulable' });
    } else {
      plan.failures.push({ pod, message: `scheduler error: ${r.message}`, nominatedHost: pod.nominatedHost, victims: [] });
      svc.metrics.schedulingAttempts.inc({ result: 'error' });
    }
  }
  return plan;
}

/**
 * Commits a plan: locks the chosen hosts, keeps only the bindings that still fit (another
 * scheduler may have used the capacity since the snapshot), writes the bound pods (the Host
 * usage trigger adds them), the unschedulable ones with their back-off, and preemption victims.
 */
async function bind(pass: Pass, plan: Plan, { hosts }: SnapshotData, now: number): Promise<Pod[]> {
  const { svc, clusterId } = pass;
  const profile = svc.settings.scheduler;
  const at = new Date(now);
  const bound: Pod[] = [];
  const records = await svc.db.$transaction(async (tx) => {
    bound.length = 0;
    const locked = await lockHosts(tx, [...new Set(plan.binds.map((b) => b.hostId))]);
    const free = new Map(locked.map((h) => [h.id, { cpu: h.allocCpuMilli - h.usedCpuMilli, mem: h.allocMemoryMi - h.usedMemoryMi, gpu: h.allocGpuMilli - h.usedGpuMilli, pods: h.allocPods - h.usedPods, ok: h.schedulable }]));
    const transitions: (Transition<Pod> & { eventType?: 'Normal' | 'Warning' })[] = [];
    for (const b of plan.binds) {
      const f = free.get(b.hostId);
      const o = b.option;
      if (!f || !f.ok || f.cpu < o.cpuMilli || f.mem < o.memoryMi || f.gpu < o.gpuMilli || f.pods < 1) {
        pass.again = true; // raced: the pod stays pending and is placed again on a fresh snapshot
        continue;
      }
      f.cpu -= o.cpuMilli;
      f.mem -= o.memoryMi;
      f.gpu -= o.gpuMilli;
      f.pods -= 1;
      const host = hosts.get(b.hostId)!;
      transitions.push(scheduled(b.pod, { zone: host.zone, hostId: b.hostId, billedCpuMilli: o.cpuMilli, billedMemoryMi: o.memoryMi, cpuType: o.cpuType ?? host.cpuType, gpuModel: o.gpuModel, gpuMilli: o.gpuMilli }, at));
    }
    const quiet = new Set<string>();
    for (const f of plan.failures) {
      const t = unschedulable(f.pod, f.message, new Date(now + backoffMs(profile, f.pod.schedulingAttempts + 1)), f.nominatedHost);
      if (t.repeat) quiet.add(f.pod.id);
      transitions.push({ pod: t.pod, type: t.type, reason: t.reason, message: t.message, eventType: 'Warning' });
    }
    const written = await writePods(tx, transitions.map((t) => t.pod));
    if (written.length < transitions.length) pass.again = true;
    const byId = new Map(written.map((p) => [p.id, p]));
    // the bound pods as launch reads them (bulk writes return no spec or annotations)
    for (const b of plan.binds) {
      const p = byId.get(b.pod.id);
      if (p?.allocated) bound.push({ ...p, spec: b.pod.spec, annotations: b.pod.annotations, containerStatuses: b.pod.containerStatuses }); // as read: not loaded, left as stored
    }
    const events: EventInput[] = transitions.flatMap((t) => {
      const pod = byId.get(t.pod.id);
      return pod && !quiet.has(pod.id) ? [{ ...t, pod }] : [];
    });
    // preemption: the victims start graceful deletion (their capacity frees once they are gone)
    const preemptors = plan.failures.filter((f) => f.victims.length > 0 && byId.has(f.pod.id));
    if (preemptors.length > 0) {
      const victims = (await tx.pod.findMany({ where: { clusterId, uid: { in: preemptors.flatMap((f) => f.victims) }, deletionTimestamp: null }, omit: POD_LIGHT })) as Pod[];
      const by = new Map(preemptors.flatMap((f) => f.victims.map((v) => [v, f] as const)));
      for (const f of preemptors) {
        const mine = victims.filter((v) => by.get(v.uid) === f);
        const done = await terminatePods(tx, mine, `Preempted by pod ${f.pod.uid} on node ${f.nominatedHost}`, at, { reason: 'Preempted', eventType: 'Normal' });
        events.push(...done.events);
        for (const v of done.written) if (v.workloadId) pass.touchedWorkloads.add(v.workloadId);
      }
    }
    return appendEvents(tx, clusterId, events, at, () => svc.ids.uuid());
  });
  await publishEvents(svc.bus, clusterId, records);
  return bound;
}

/** The account's cached images among those these pods run (one read). */
async function cachedImages(svc: Services, accountId: string, pods: Pod[]): Promise<Set<string>> {
  const images = [...new Set(pods.flatMap((p) => ((p.spec as unknown as PodSpec).containers ?? []).map((c) => c.image)))];
  if (images.length === 0) return new Set();
  return new Set((await svc.db.imageCache.findMany({ where: { accountId, image: { in: images } }, select: { image: true } })).map((c) => c.image));
}

/**
 * 4. Bound pods without a sandbox yet: create their sandboxes on their hosts (idempotent per
 * pod uid) and record them; a sandbox that is already up is read at once, so the pod is written
 * once with what it reports. The scheduling step launches each chunk it binds right away; this
 * step picks up the rest (bound before a crash, or a launch that failed).
 */
async function launch(pass: Pass, accountId: string, regionName: string): Promise<void> {
  const slice = await page(pass, { clusterId: pass.clusterId, allocated: true, sandboxId: null, deletionTimestamp: null, finishedAt: null }, { withSpec: true });
  const cached = await cachedImages(pass.svc, accountId, slice);
  for await (const bound of inChunks(slice)) await launchChunk(pass, regionName, cached, bound);
}

/** Creates the sandboxes of these bound pods and records what they report (see launch). */
async function launchChunk(pass: Pass, regionName: string, cached: Set<string>, bound: Pod[]): Promise<void> {
  const { svc, clusterId } = pass;
  const specs = bound.map((p) => p.spec as unknown as PodSpec);
  const requests: SandboxRequest[] = bound.map((p, i) => {
    const spec = specs[i];
    const containers = (spec.containers ?? []).map((c) => ({ name: c.name, image: c.image, ...(c.readinessProbe ? { readinessProbe: c.readinessProbe } : {}) }));
    return {
      podUid: p.uid,
      clusterId,
      region: regionName,
      zone: p.zone!,
      hostId: p.hostId!,
      cpuMilli: p.billedCpuMilli,
      memoryMi: p.billedMemoryMi,
      cpuType: p.cpuType,
      gpuModel: p.gpuModel,
      gpuMilli: p.gpuMilli,
      spot: p.spot,
      annotations: (p.annotations ?? {}) as Record<string, string>,
      pod: { namespace: p.namespace, name: p.name, restartPolicy: spec.restartPolicy ?? 'Always', terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30, containers },
      cachedImages: containers.map((c) => c.image).filter((img) => cached.has(img)),
    };
  });
  const sandboxes = await svc.provider.createSandboxes(requests);
  const pods: Pod[] = bound.map((p, i) => ({ ...p, sandboxId: sandboxes[i].id, nextCheckAt: sandboxes[i].nextChangeAt === null ? null : new Date(sandboxes[i].nextChangeAt!), syncedAt: null }));
  const events: (Transition<Pod> & { eventType?: 'Normal' | 'Warning' })[] = [];
  const changed = new Set<string>();
  const up = pods.flatMap((_, i) => (sandboxes[i].phase !== 'Creating' ? [i] : []));
  if (up.length > 0) {
    // events from the sandbox's creation on (created at or after scheduledAt)
    const states = await svc.provider.describeSandboxes(up.map((i) => pods[i].uid), up.map((i) => (pods[i].scheduledAt ?? pods[i].createdAt).getTime() - 1));
    const released: string[] = [];
    up.forEach((i, k) => {
      const o = observedTransition(pods[i], states[k], svc.clock.now());
      pods[i] = o.pod;
      events.push(...o.events.map((e) => ({ ...e, pod: o.pod })));
      if (o.changed) changed.add(o.pod.id);
      if (o.released) released.push(o.pod.uid);
    });
    if (released.length > 0) await svc.provider.deleteSandboxes(released);
  }
  await commit(pass, events, pods, changed, bound);
  for (const p of pods) later(pass, p.nextCheckAt?.getTime() ?? null);
}

/**
 * Writes pods (resourceVersion-guarded) with their events and the billable periods they reveal
 * (compared with `before`, the rows as read) in one transaction, then publishes. A pod another
 * writer changed first is skipped (with its events and billing) and the loop runs again.
 */
async function commit(pass: Pass, events: (Transition<Pod> & { eventType?: 'Normal' | 'Warning'; at?: number })[], pods: Pod[], touch: Set<string>, before: Pod[]): Promise<void> {
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
    for (const p of written) if (p.workloadId && touch.has(p.id)) pass.touchedWorkloads.add(p.workloadId);
    const read = new Map(before.map((p) => [p.id, p]));
    const billing = written.flatMap((p) => {
      const e = ledgerChange(read.get(p.id) ?? p, p);
      return e ? [e] : [];
    });
    if ((await recordBillable(tx, pass.ledger, billing)) > 0) pass.metered = true;
    return appendEvents(tx, clusterId, out, now, () => svc.ids.uuid());
  });
  await publishEvents(svc.bus, clusterId, records);
}
