import type { Cluster } from '../generated/prisma/client';
import type { Services } from './services';
import { Channel } from './channel';
import { requireCluster } from './clusters';
import { topics } from './topics';

/** The cluster now, then re-read and sent again whenever a status change is announced. */
export async function clusterStatusStream(svc: Services, accountId: string, clusterId: string): Promise<AsyncIterableIterator<Cluster>> {
  await requireCluster(svc, accountId, clusterId);
  const out = new Channel<Cluster>();
  let lastVersion = -1;
  const send = async () => {
    const c = await svc.db.cluster.findUnique({ where: { id: clusterId } });
    if (c && c.resourceVersion > lastVersion) {
      lastVersion = c.resourceVersion;
      out.push(c);
    }
  };
  let chain = Promise.resolve();
  const unsubscribe = await svc.bus.subscribe(topics.clusterStatus(clusterId), () => {
    chain = chain.then(send).catch((err) => out.fail(err));
  });
  out.onClose(unsubscribe);
  chain = chain.then(send).catch((err) => out.fail(err));
  return out;
}
