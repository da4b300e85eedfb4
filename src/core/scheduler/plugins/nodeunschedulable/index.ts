/**
 * NodeUnschedulable (kube-scheduler's plugin of that name): a host that is not schedulable
 * (cordoned, or spot capacity reclaimed) takes no new pods. Unlike Kubernetes, no toleration lets
 * a pod past it: a reclaimed spot host really has no capacity.
 */
import type { HostInfo, Status } from '../../types';
import { unresolvable } from '../../status';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE = unresolvable(NAME, ERR_REASON_UNSCHEDULABLE);

export function filter(host: HostInfo): Status | null {
  return host.schedulable ? null : UNSCHEDULABLE;
}
