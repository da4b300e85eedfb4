import type { Services } from '../app/services';
import { keys, topics } from '../app/topics';
import { ConflictError } from '../app/errors';

/** Brings a PROVISIONING cluster to RUNNING: system namespaces first, then the status. */
export async function reconcileCluster(svc: Services, id: string): Promise<void> {
  const cluster = await svc.db.cluster.findUnique({ where: { id } });
  if (!cluster || cluster.status !== 'PROVISIONING') return;
  await svc.db.namespace.createMany({
    data: ['default', 'kube-system'].map((name) => ({ id: svc.ids.uuid(), uid: svc.ids.uuid(), clusterId: id, name })),
    skipDuplicates: true,
  });
  const readyAt = cluster.createdAt.getTime() + svc.settings.clusterProvisionMs;
  const now = svc.clock.now();
  if (now < readyAt) {
    await svc.queue.addAfter(keys.cluster(id), readyAt - now);
    return;
  }
  const { count } = await svc.db.cluster.updateMany({
    where: { id, status: 'PROVISIONING', resourceVersion: cluster.resourceVersion },
    data: { status: 'RUNNING', observedGeneration: cluster.generation, resourceVersion: { increment: 1 } },
  });
  if (count === 0) throw new ConflictError(`cluster ${id} changed while provisioning`);
  await svc.bus.publish(topics.clusterStatus(id), { id, status: 'RUNNING' });
}
