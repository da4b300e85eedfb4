import { fnv1a32 } from './pods';

/**
 * First-version placement (the full filter/score scheduler comes later): spread a workload's
 * pods evenly over the region's zones, then pick a host in the zone by hashing the pod uid.
 * `podsPerZone` holds the current count of the workload's placed pods per zone and is updated
 * in place so a batch spreads evenly.
 */
export function placePod(
  podUid: string,
  zones: readonly { name: string; hosts: number }[],
  podsPerZone: Map<string, number>,
): { zone: string; hostId: string } {
  if (zones.length === 0) throw new Error('region has no zones');
  let best = zones[0];
  for (const z of zones) if ((podsPerZone.get(z.name) ?? 0) < (podsPerZone.get(best.name) ?? 0)) best = z;
  podsPerZone.set(best.name, (podsPerZone.get(best.name) ?? 0) + 1);
  const host = fnv1a32(podUid) % best.hosts;
  return { zone: best.name, hostId: `${best.name}-host-${String(host).padStart(4, '0')}` };
}
