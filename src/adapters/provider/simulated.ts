import type { Db } from '../prisma/client';
import { insertRows } from '../prisma/objects';
import type { Clock } from '../../ports/clock';
import type { Provider, SandboxChange, SandboxPhase, SandboxRequest, SandboxState } from '../../ports/provider';
import { billingPeriod, eventsBetween, goneAt, observe, type SandboxBehaviour } from '../../core/kubelet';
import { parseSimAnnotations } from '../../core/simulation';

const SANDBOX_COLUMNS: Record<string, string> = { id: 'text', clusterId: 'uuid', region: 'text', zone: 'text', hostId: 'text', podUid: 'uuid', cpuMilli: 'int', memoryMi: 'int', createdAt: 'timestamptz', readyAt: 'timestamptz', stopMs: 'int', deleteAt: 'timestamptz', goneAt: 'timestamptz', behaviour: 'jsonb' };

export interface SimulatedProviderOptions {
  /** Sandbox boot time, from create to Running (before the image pull). Zero is allowed. */
  bootLatencyMs: number;
  /** Image pull time of a pod whose images are not all cached. Default 0. */
  pullLatencyMs?: number;
  /** Time the process takes to exit after SIGTERM (capped by the pod's grace period). */
  stopLatencyMs: number;
  /**
   * How long an unscripted batch container (restartPolicy OnFailure or Never, no run-ms) runs
   * before exiting 0, so a Job applied as written completes. Default 5000.
   */
  batchRunMs?: number;
}

export const DEFAULT_BATCH_RUN_MS = 5000;

/** Pull time of a pod whose every image is in the account's image cache. */
export const CACHED_PULL_MS = 50;

/** SimSandbox.behaviour: the agent's script, plus the pod's name for event messages. */
interface StoredBehaviour extends SandboxBehaviour {
  pod?: { namespace: string; name: string };
}

/**
 * How the sandbox of this request behaves: simulation annotations first (malformed values fall
 * back to the defaults; the API refuses them anyway), then the provider's options.
 */
export function sandboxBehaviour(r: SandboxRequest, options: SimulatedProviderOptions): SandboxBehaviour {
  const { values } = parseSimAnnotations(r.annotations);
  const containers = (r.pod?.containers ?? []).map((c) => ({ name: c.name, image: c.image }));
  const cached = new Set(r.cachedImages ?? []);
  const pullMs = values.pullMs ?? options.pullLatencyMs ?? 0;
  const probe = r.pod?.containers[0]?.readinessProbe;
  return {
    bootMs: values.bootMs ?? options.bootLatencyMs,
    // a cached image is pulled in CACHED_PULL_MS (never slower than an uncached pull would be)
    pullMs: containers.length > 0 && containers.every((c) => cached.has(c.image)) ? Math.min(pullMs, CACHED_PULL_MS) : pullMs,
    // a service (restartPolicy Always) runs until stopped; a batch process finishes its work
    runMs: values.runMs ?? ((r.pod?.restartPolicy ?? 'Always') === 'Always' ? null : (options.batchRunMs ?? DEFAULT_BATCH_RUN_MS)),
    exitCode: values.exitCode ?? 0,
    restartPolicy: r.pod?.restartPolicy ?? 'Always',
    readiness: probe ? { initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000, periodMs: (probe.periodSeconds ?? 10) * 1000 } : null,
    neverReady: values.neverReady ?? false,
    stopMs: values.stopMs ?? options.stopLatencyMs,
    gracePeriodMs: (r.pod?.terminationGracePeriodSeconds ?? 30) * 1000,
    containers,
  };
}

const ROW_SELECT = { id: true, podUid: true, clusterId: true, zone: true, hostId: true, createdAt: true, readyAt: true, stopMs: true, deleteAt: true, goneAt: true, behaviour: true } as const;

interface Row {
  id: string;
  podUid: string;
  clusterId: string;
  zone: string;
  hostId: string;
  createdAt: Date;
  readyAt: Date;
  stopMs: number;
  deleteAt: Date | null;
  goneAt: Date | null;
  behaviour: unknown;
}

/** One sandbox as the provider evaluates it (times in epoch ms). */
interface Sandbox {
  id: string;
  podUid: string;
  clusterId: string;
  zone: string;
  hostId: string;
  createdAt: number;
  readyAt: number;
  deleteAt: number | null;
  goneAt: number | null;
  behaviour: SandboxBehaviour;
  pod: { namespace: string; name: string; uid: string };
}

function sandboxOf(row: Row): Sandbox {
  const j = (row.behaviour && typeof row.behaviour === 'object' ? row.behaviour : {}) as Partial<StoredBehaviour>;
  const createdAt = row.createdAt.getTime();
  const readyAt = row.readyAt.getTime();
  // rows written before behaviours were stored boot, then run until stopped
  const behaviour: SandboxBehaviour = {
    bootMs: j.bootMs ?? readyAt - createdAt,
    pullMs: j.pullMs ?? 0,
    runMs: j.runMs ?? null,
    exitCode: j.exitCode ?? 0,
    restartPolicy: j.restartPolicy ?? 'Always',
    readiness: j.readiness ?? null,
    neverReady: j.neverReady ?? false,
    stopMs: j.stopMs ?? row.stopMs,
    gracePeriodMs: j.gracePeriodMs ?? row.stopMs,
    containers: j.containers ?? [],
  };
  return {
    id: row.id,
    podUid: row.podUid,
    clusterId: row.clusterId,
    zone: row.zone,
    hostId: row.hostId,
    createdAt,
    readyAt,
    deleteAt: row.deleteAt?.getTime() ?? null,
    goneAt: row.goneAt?.getTime() ?? null,
    behaviour,
    pod: { namespace: j.pod?.namespace ?? '', name: j.pod?.name ?? '', uid: row.podUid },
  };
}

/** The state of a sandbox at `at`: its phase from the timestamps, its pod from core/kubelet. */
function evaluate(s: Sandbox, at: number, eventsAfter: number | null = null): SandboxState {
  let phase: SandboxPhase;
  let next: number | null;
  if (s.goneAt !== null && s.goneAt <= at) [phase, next] = ['Gone', null];
  else if (s.goneAt !== null) [phase, next] = ['Stopping', s.goneAt];
  else if (s.readyAt <= at) [phase, next] = ['Running', null];
  else [phase, next] = ['Creating', s.readyAt];
  const pod = observe(s.behaviour, s.createdAt, at, s.deleteAt);
  const nextChangeAt = next === null ? pod.nextChangeAt : pod.nextChangeAt === null ? next : Math.min(next, pod.nextChangeAt);
  const upTo = s.deleteAt === null ? at : Math.min(at, s.deleteAt);
  const events = eventsAfter === null ? [] : eventsBetween(s.behaviour, s.createdAt, eventsAfter, upTo, s.pod);
  const billing = billingPeriod(s.behaviour, s.createdAt, at, s.deleteAt, s.goneAt, pod);
  return { id: s.id, zone: s.zone, hostId: s.hostId, phase, nextChangeAt, pod, events, billing };
}

const unknownSandbox = (podUid: string): SandboxState => ({ id: `sbx-${podUid}`, zone: null, hostId: null, phase: 'Gone', nextChangeAt: null, pod: null, events: [], billing: { from: null, until: null } });

/**
 * A simulated provider fleet. Its state is a table (SimSandbox) so that every worker process
 * sees the same fleet; sandbox phases are derived from timestamps on the injected clock and pod
 * statuses from the stored behaviour (core/kubelet), so a test that advances the clock moves
 * sandboxes and their pods along.
 *
 * Notifications: the process that creates or deletes a sandbox keeps it in memory while it has
 * a future change and arms one timer per due time (a batch of pods shares one); when a timer
 * fires it notifies and re-arms for each sandbox's next change. A stop made by another process
 * is picked up when this one next describes the sandbox; until then a stale notification only
 * makes the control plane re-read (notifications are best effort).
 */
export class SimulatedProvider implements Provider {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: SimulatedProviderOptions,
  ) {}

  private listeners = new Set<(changes: SandboxChange[]) => void>();
  /** Pending notifications, one timer per due time. */
  private timers = new Map<number, { cancel: () => void; uids: Set<string> }>();
  /** Sandboxes with a pending notification, and when it is due. */
  private tracked = new Map<string, { sandbox: Sandbox; dueAt: number }>();

  watch(listener: (changes: SandboxChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        for (const t of this.timers.values()) t.cancel();
        this.timers.clear();
        this.tracked.clear();
      }
    };
  }

  /** Arms (or drops) the notification of a sandbox for its next change after `at`. */
  private track(s: Sandbox, nextChangeAt: number | null): void {
    if (this.listeners.size === 0) return;
    if (nextChangeAt === null) {
      this.tracked.delete(s.podUid);
      return;
    }
    this.tracked.set(s.podUid, { sandbox: s, dueAt: nextChangeAt });
    const pending = this.timers.get(nextChangeAt);
    if (pending) {
      pending.uids.add(s.podUid);
      return;
    }
    const uids = new Set([s.podUid]);
    this.timers.set(nextChangeAt, { cancel: this.arm(nextChangeAt), uids });
  }

  private arm(at: number): () => void {
    let cancel = this.clock.setTimeout(() => {
      if (this.clock.now() < at) {
        cancel = this.arm(at); // a timer that fired early
        const t = this.timers.get(at);
        if (t) t.cancel = cancel;
        return;
      }
      this.fire(at);
    }, at - this.clock.now());
    return () => cancel();
  }

  private fire(at: number): void {
    const timer = this.timers.get(at);
    this.timers.delete(at);
    if (!timer) return;
    const changes: SandboxChange[] = [];
    for (const uid of timer.uids) {
      const t = this.tracked.get(uid);
      if (!t || t.dueAt !== at) continue; // re-armed for another time since
      const state = evaluate(t.sandbox, at);
      changes.push({ sandboxId: t.sandbox.id, podUid: uid, clusterId: t.sandbox.clusterId, phase: state.phase });
      this.track(t.sandbox, state.nextChangeAt);
    }
    if (changes.length > 0) for (const l of this.listeners) l(changes);
  }

  private async read(podUids: string[]): Promise<Map<string, Sandbox>> {
    const rows: Row[] = await this.db.simSandbox.findMany({ where: { podUid: { in: podUids } }, select: ROW_SELECT });
    return new Map(rows.map((r) => [r.podUid, sandboxOf(r)]));
  }

  async createSandboxes(requests: SandboxRequest[]): Promise<SandboxState[]> {
    if (requests.length === 0) return [];
    const now = this.clock.now();
    await insertRows(this.db, 'SimSandbox', SANDBOX_COLUMNS, requests.map((r) => {
      const behaviour: StoredBehaviour = { ...sandboxBehaviour(r, this.options), pod: { namespace: r.pod?.namespace ?? '', name: r.pod?.name ?? '' } };
      return {
        id: `sbx-${r.podUid}`,
        clusterId: r.clusterId,
        region: r.region,
        zone: r.zone,
        hostId: r.hostId,
        podUid: r.podUid,
        cpuMilli: r.cpuMilli,
        memoryMi: r.memoryMi,
        createdAt: new Date(now),
        readyAt: new Date(now + behaviour.bootMs),
        stopMs: behaviour.stopMs,
        deleteAt: null,
        goneAt: null,
        behaviour,
      };
    }), true);
    const sandboxes = await this.read(requests.map((r) => r.podUid));
    return requests.map((r) => {
      const s = sandboxes.get(r.podUid);
      if (!s) return unknownSandbox(r.podUid);
      const state = evaluate(s, now);
      this.track(s, state.nextChangeAt);
      return state;
    });
  }

  async deleteSandboxes(podUids: string[]): Promise<void> {
    if (podUids.length === 0) return;
    const now = this.clock.now();
    const rows: Row[] = await this.db.simSandbox.findMany({ where: { podUid: { in: podUids }, deleteAt: null }, select: ROW_SELECT });
    if (rows.length === 0) return;
    const plan = rows.map((r) => {
      const s = sandboxOf(r);
      return { ...s, deleteAt: now, goneAt: goneAt(s.behaviour, s.createdAt, now) };
    });
    // one statement for the batch; `deleteAt IS NULL` keeps a concurrent second delete a no-op
    const stopped = await this.db.$queryRaw<{ podUid: string }[]>`UPDATE "SimSandbox" AS s SET "deleteAt" = ${new Date(now)}, "goneAt" = v."goneAt" FROM jsonb_to_recordset(${JSON.stringify(plan.map((p) => ({ podUid: p.podUid, goneAt: new Date(p.goneAt).toISOString() })))}::jsonb) AS v("podUid" uuid, "goneAt" timestamptz) WHERE s."podUid" = v."podUid" AND s."deleteAt" IS NULL RETURNING s."podUid"`;
    const done = new Set(stopped.map((r) => r.podUid));
    for (const s of plan) if (done.has(s.podUid)) this.track(s, evaluate(s, now).nextChangeAt);
  }

  async forgetGone(clusterId: string, goneBefore: number, limit: number): Promise<number> {
    // the simulation shares the store with the pods, so "whose pods no longer exist" is one anti-join
    return this.db.$executeRaw`DELETE FROM "SimSandbox" WHERE "id" IN (
      SELECT s."id" FROM "SimSandbox" s
      WHERE s."clusterId" = ${clusterId}::uuid AND s."goneAt" < ${new Date(goneBefore)}
        AND NOT EXISTS (SELECT 1 FROM "Pod" p WHERE p."clusterId" = s."clusterId" AND p."uid" = s."podUid")
      LIMIT ${limit})`;
  }

  async describeSandboxes(podUids: string[], eventsAfter?: (number | null)[]): Promise<SandboxState[]> {
    if (podUids.length === 0) return [];
    const sandboxes = await this.read(podUids);
    const now = this.clock.now();
    return podUids.map((uid, i) => {
      const s = sandboxes.get(uid);
      if (!s) return unknownSandbox(uid);
      const state = evaluate(s, now, eventsAfter?.[i] ?? null);
      // a stop made by another process: re-arm this process's notifications accordingly
      const t = this.tracked.get(uid);
      if (t && t.sandbox.deleteAt !== s.deleteAt) this.track(s, state.nextChangeAt);
      return state;
    });
  }
}
