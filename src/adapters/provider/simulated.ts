import type { Db } from '../prisma/client';
import { insertRows } from '../prisma/objects';
import type { Clock } from '../../ports/clock';
import type { Provider, SandboxChange, SandboxRequest, SandboxState } from '../../ports/provider';

const SANDBOX_COLUMNS: Record<string, string> = { id: 'text', clusterId: 'uuid', region: 'text', zone: 'text', hostId: 'text', podUid: 'uuid', cpuMilli: 'int', memoryMi: 'int', createdAt: 'timestamptz', readyAt: 'timestamptz', stopMs: 'int', deleteAt: 'timestamptz', goneAt: 'timestamptz' };

export interface SimulatedProviderOptions {
  /** Time from create to Running (image pull + boot). Zero is allowed. */
  bootLatencyMs: number;
  /** Time from delete to Gone. */
  stopLatencyMs: number;
}

/** Per-pod overrides, from the pod's annotations (documented in the README). */
export const SIM_BOOT_ANNOTATION = 'sim.nodeless.dev/boot-ms';
export const SIM_STOP_ANNOTATION = 'sim.nodeless.dev/stop-ms';

/** Longest simulated latency accepted (one hour). */
export const SIM_MAX_MS = 3_600_000;

/** A per-pod latency from an annotation; out-of-range or malformed values fall back to the default. */
function annotationMs(annotations: Record<string, string>, key: string, fallback: number): number {
  const v = annotations[key];
  if (v === undefined || !/^\d{1,7}$/.test(v)) return fallback;
  const n = Number(v);
  return n <= SIM_MAX_MS ? n : fallback;
}

/**
 * A simulated provider fleet. Its state is a table (SimSandbox) so that every worker process
 * sees the same fleet; sandbox phases are derived from timestamps on the injected clock, so a
 * test that advances the clock moves sandboxes along.
 */
export class SimulatedProvider implements Provider {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: SimulatedProviderOptions,
  ) {}

  private state(row: { id: string; zone: string; hostId: string; readyAt: Date; goneAt: Date | null }): SandboxState {
    const now = this.clock.now();
    const at = { zone: row.zone, hostId: row.hostId };
    if (row.goneAt) {
      if (row.goneAt.getTime() <= now) return { id: row.id, ...at, phase: 'Gone', nextChangeAt: null };
      return { id: row.id, ...at, phase: 'Stopping', nextChangeAt: row.goneAt.getTime() };
    }
    if (row.readyAt.getTime() <= now) return { id: row.id, ...at, phase: 'Running', nextChangeAt: null };
    return { id: row.id, ...at, phase: 'Creating', nextChangeAt: row.readyAt.getTime() };
  }

  private listeners = new Set<(changes: SandboxChange[]) => void>();
  /** Pending notifications, one timer per due time (a batch of pods shares one). */
  private timers = new Map<number, { cancel: () => void; changes: SandboxChange[] }>();

  watch(listener: (changes: SandboxChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        for (const t of this.timers.values()) t.cancel();
        this.timers.clear();
      }
    };
  }

  private notifyAt(at: number, change: SandboxChange): void {
    if (this.listeners.size === 0) return;
    const pending = this.timers.get(at);
    if (pending) {
      pending.changes.push(change);
      return;
    }
    const changes = [change];
    const cancel = this.clock.setTimeout(() => {
      this.timers.delete(at);
      for (const l of this.listeners) l(changes);
    }, at - this.clock.now());
    this.timers.set(at, { cancel, changes });
  }

  /** Schedules a notification for every sandbox (by pod uid) that will change phase later. */
  private async scheduleNotifications(podUids: string[]): Promise<SandboxState[]> {
    const rows = await this.db.simSandbox.findMany({ where: { podUid: { in: podUids } }, select: { id: true, podUid: true, clusterId: true, zone: true, hostId: true, readyAt: true, goneAt: true } });
    const byUid = new Map(rows.map((r) => [r.podUid, r]));
    return podUids.map((uid) => {
      const row = byUid.get(uid);
      if (!row) return { id: `sbx-${uid}`, zone: null, hostId: null, phase: 'Gone', nextChangeAt: null };
      const state = this.state(row);
      if (state.nextChangeAt !== null) {
        this.notifyAt(state.nextChangeAt, { sandboxId: row.id, podUid: uid, clusterId: row.clusterId, phase: state.phase === 'Creating' ? 'Running' : 'Gone' });
      }
      return state;
    });
  }

  async createSandboxes(requests: SandboxRequest[]): Promise<SandboxState[]> {
    if (requests.length === 0) return [];
    const now = this.clock.now();
    await insertRows(this.db, 'SimSandbox', SANDBOX_COLUMNS, requests.map((r) => ({
        id: `sbx-${r.podUid}`,
        clusterId: r.clusterId,
        region: r.region,
        zone: r.zone,
        hostId: r.hostId,
        podUid: r.podUid,
        cpuMilli: r.cpuMilli,
        memoryMi: r.memoryMi,
        createdAt: new Date(now),
        readyAt: new Date(now + annotationMs(r.annotations, SIM_BOOT_ANNOTATION, this.options.bootLatencyMs)),
        // stop latency is chosen at create time so a delete needs no annotations
        stopMs: annotationMs(r.annotations, SIM_STOP_ANNOTATION, this.options.stopLatencyMs),
        deleteAt: null,
        goneAt: null,
      })), true);
    return this.scheduleNotifications(requests.map((r) => r.podUid));
  }

  async deleteSandboxes(podUids: string[]): Promise<void> {
    if (podUids.length === 0) return;
    const now = new Date(this.clock.now());
    const stopped = await this.db.$queryRaw<{ podUid: string }[]>`UPDATE "SimSandbox" SET "deleteAt" = ${now}, "goneAt" = ${now}::timestamptz + ("stopMs" * interval '1 millisecond') WHERE "podUid" = ANY(${podUids}::uuid[]) AND "deleteAt" IS NULL RETURNING "podUid"`;
    if (stopped.length > 0) await this.scheduleNotifications(stopped.map((r) => r.podUid));
  }

  async describeSandboxes(podUids: string[]): Promise<SandboxState[]> {
    if (podUids.length === 0) return [];
    const rows = await this.db.simSandbox.findMany({
      where: { podUid: { in: podUids } },
      select: { id: true, podUid: true, zone: true, hostId: true, readyAt: true, goneAt: true },
    });
    const byUid = new Map(rows.map((r) => [r.podUid, this.state(r)]));
    return podUids.map((uid) => byUid.get(uid) ?? { id: `sbx-${uid}`, zone: null, hostId: null, phase: 'Gone', nextChangeAt: null });
  }
}
