/**
 * CapacityPool: spot pods run only on spot hosts and regular pods only on regular hosts (the
 * pool decides the price and whether the provider may reclaim the capacity).
 */
import type { CapacityPool, HostInfo, Status } from '../../types';
import { unresolvable } from '../../status';

export const NAME = 'CapacityPool';

export function reason(pool: CapacityPool): string {
  return `node(s) didn't match the pod's capacity pool (${pool})`;
}

const MISMATCH: Record<CapacityPool, Status> = {
  spot: unresolvable(NAME, reason('spot')),
  regular: unresolvable(NAME, reason('regular')),
};

export function filter(podPool: CapacityPool, host: HostInfo): Status | null {
  return podPool === host.pool ? null : MISMATCH[podPool];
}
