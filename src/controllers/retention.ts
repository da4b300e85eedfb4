import type { Services } from '../app/services';
import { keys } from '../app/topics';
import { retentionPass } from '../app/prune';

/**
 * The retention controller of one cluster (kube-apiserver's event TTL and the PodGC controller
 * in one pass): prunes old events, garbage-collects finished pods past the threshold once they
 * are billed, bounds the scaling history and the metric samples. Runs every retention interval
 * while the cluster exists; a pass that stopped at its batch limit is queued again at once.
 */
export async function reconcileRetention(svc: Services, clusterId: string): Promise<void> {
  const exists = await svc.db.cluster.findUnique({ where: { id: clusterId }, select: { id: true } });
  if (!exists) return;
  const pass = await retentionPass(svc, clusterId);
  if (pass.eventsPruned + pass.podsCollected + pass.decisionsPruned > 0) svc.log.debug({ clusterId, ...pass }, 'retention pass');
  if (pass.more) await svc.queue.add(keys.retention(clusterId));
  else await svc.queue.addAfter(keys.retention(clusterId), svc.settings.retention.intervalMs);
}
