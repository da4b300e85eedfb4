/**
 * Operator use cases on the fleet: capacity totals, and spot capacity reclaimed by the
 * provider (the pods on it are interrupted and their controllers recreate them elsewhere).
 */
import type { Pod } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { appendEvents, POD_LIGHT, type EventInput } from '../adapters/prisma/objects';
import { terminatePods } from './cascade';
import { keys, publishEvents } from './topics';

export interface Capacity {
  hosts: number;
  schedulableHosts: number;
  /** Hosts running no sandbox at all. */
  emptyHosts: number;
  alloc: { cpuMilli: number; memoryMi: number; gpuMilli: number; pods: number };
  used: { cpuMilli: number; memoryMi: number; gpuMilli: number; pods: number };
}

interface TotalsRow {
  region: string;
  zone: string;
  hosts: bigint;
  schedulable: bigint;
  empty: bigint;
  ac: bigint; am: bigint; ag: bigint; ap: bigint;
  uc: bigint; um: bigint; ug: bigint; up: bigint;
}

/** Capacity per zone of the hosts in the fleet (one aggregate query). */
export async function zoneCapacity(svc: Services): Promise<Map<string, Capacity>> {
  const rows = await svc.db.$queryRaw<TotalsRow[]>`
    SELECT "region", "zone", count(*) AS hosts, count(*) FILTER (WHERE "schedulable") AS schedulable, count(*) FILTER (WHERE "usedPods" = 0) AS empty,
      sum("allocCpuMilli") AS ac, sum("allocMemoryMi") AS am, sum("allocGpuMilli") AS ag, sum("allocPods") AS ap,
      sum("usedCpuMilli") AS uc, sum("usedMemoryMi") AS um, sum("usedGpuMilli") AS ug, sum("usedPods") AS up
    FROM "Host" WHERE "inFleet" GROUP BY "region", "zone"`;
  const n = (v: bigint | number | null) => Number(v ?? 0);
  return new Map(
    rows.map((r) => [
      r.zone,
      { hosts: n(r.hosts), schedulableHosts: n(r.schedulable), emptyHosts: n(r.empty), alloc: { cpuMilli: n(r.ac), memoryMi: n(r.am), gpuMilli: n(r.ag), pods: n(r.ap) }, used: { cpuMilli: n(r.uc), memoryMi: n(r.um), gpuMilli: n(r.ug), pods: n(r.up) } },
    ]),
  );
}

export function sumCapacity(list: Capacity[]): Capacity {
  const z = () => ({ cpuMilli: 0, memoryMi: 0, gpuMilli: 0, pods: 0 });
  const out: Capacity = { hosts: 0, schedulableHosts: 0, emptyHosts: 0, alloc: z(), used: z() };
  for (const c of list) {
    out.hosts += c.hosts;
    out.schedulableHosts += c.schedulableHosts;
    out.emptyHosts += c.emptyHosts;
    for (const k of ['cpuMilli', 'memoryMi', 'gpuMilli', 'pods'] as const) {
      out.alloc[k] += c.alloc[k];
      out.used[k] += c.used[k];
    }
  }
  return out;
}

export type ReclaimResult = { hosts: string[]; interruptedPods: number; userErrors: UserError[] };

/**
 * The provider takes back spot capacity: `count` schedulable spot hosts of the zone (the
 * busiest first, as a provider reclaims what it needs) become unschedulable, and every pod on
 * them is interrupted: graceful deletion with a `SpotPodInterruption` warning. Their controllers
 * create replacements, which the scheduler places on the spot capacity that is left.
 */
export async function reclaimSpotCapacity(svc: Services, input: { zone: string; count: number }): Promise<ReclaimResult> {
  if (!Number.isInteger(input.count) || input.count < 1) return { hosts: [], interruptedPods: 0, userErrors: [{ field: ['count'], code: 'INVALID_VALUE', message: 'count must be a positive integer' }] };
  const zoneKnown = svc.fleet.regions.some((r) => r.zones.some((z) => z.name === input.zone));
  if (!zoneKnown) return { hosts: [], interruptedPods: 0, userErrors: [{ field: ['zone'], code: 'UNKNOWN_ZONE', message: `unknown zone "${input.zone}"` }] };
  const now = new Date(svc.clock.now());
  const published: { clusterId: string; records: Awaited<ReturnType<typeof appendEvents>> }[] = [];
  const hosts = await svc.db.$transaction(async (tx) => {
    const picked = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Host" WHERE "zone" = ${input.zone} AND "pool" = 'spot' AND "schedulable" AND "inFleet"
      ORDER BY "usedPods" DESC, "id" LIMIT ${input.count} FOR UPDATE`;
    const ids = picked.map((h) => h.id);
    if (ids.length === 0) return ids;
    await tx.host.updateMany({ where: { id: { in: ids } }, data: { schedulable: false, reclaimedAt: now } });
    const pods = (await tx.pod.findMany({ where: { hostId: { in: ids }, allocated: true, deletionTimestamp: null }, omit: POD_LIGHT })) as Pod[];
    // one write per cluster and host (the message names the host)
    const groups = new Map<string, Pod[]>();
    for (const p of pods) {
      const k = `${p.clusterId} ${p.hostId}`;
      groups.set(k, [...(groups.get(k) ?? []), p]);
    }
    const events = new Map<string, EventInput[]>();
    for (const list of groups.values()) {
      const { clusterId, hostId } = list[0];
      const done = await terminatePods(tx, list, `Spot capacity reclaimed: host ${hostId} in ${input.zone} is being taken back by the provider; the pod is interrupted`, now, { reason: 'SpotPodInterruption', eventType: 'Warning' });
      if (done.written.length < list.length) throw new Error('a pod changed while reclaiming spot capacity; retry');
      events.set(clusterId, [...(events.get(clusterId) ?? []), ...done.events]);
    }
    // clusters in id order: two reclaims at once take the cluster rows in the same order (no deadlock)
    for (const [clusterId, list] of [...events].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) published.push({ clusterId, records: await appendEvents(tx, clusterId, list, now, () => svc.ids.uuid()) });
    return ids;
  });
  for (const p of published) {
    await publishEvents(svc.bus, p.clusterId, p.records);
    await svc.queue.add(keys.pods(p.clusterId));
  }
  // controllers see their pods terminating and create replacements
  const owners = await svc.db.pod.findMany({ where: { hostId: { in: hosts }, workloadId: { not: null } }, select: { workloadId: true }, distinct: ['workloadId'] });
  for (const o of owners) await svc.queue.add(keys.workload(o.workloadId!));
  return { hosts, interruptedPods: published.reduce((n, p) => n + p.records.length, 0), userErrors: [] };
}

/** Reclaimed spot hosts of the zone come back (schedulable again); clusters with pods waiting for capacity are woken. */
export async function restoreSpotCapacity(svc: Services, input: { zone: string }): Promise<{ hosts: number }> {
  const r = await svc.db.host.updateMany({ where: { zone: input.zone, pool: 'spot', reclaimedAt: { not: null }, inFleet: true }, data: { schedulable: true, reclaimedAt: null } });
  const region = svc.fleet.regions.find((rg) => rg.zones.some((z) => z.name === input.zone))?.name ?? '';
  await wakeClustersWaitingForCapacity(svc, region);
  return { hosts: r.count };
}

/**
 * Capacity came free in the region (a pod finished or went, spot hosts came back): wake the pod
 * loops of the region's clusters that have unschedulable pods, as kube-scheduler moves such pods
 * back to its active queue on a cluster event (pods still in their back-off wait for it to end).
 */
export async function wakeClustersWaitingForCapacity(svc: Services, region: string, except?: string): Promise<void> {
  const waiting = await svc.db.pod.findMany({
    where: { hostId: null, schedulingAttempts: { gt: 0 }, deletionTimestamp: null, cluster: { region }, ...(except ? { clusterId: { not: except } } : {}) },
    select: { clusterId: true },
    distinct: ['clusterId'],
  });
  for (const w of waiting) await svc.queue.add(keys.pods(w.clusterId));
}
