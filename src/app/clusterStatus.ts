import type { Cluster } from '../generated/prisma/client';
import type { Services } from './services';
import { requireCluster } from './clusters';
import { sharedRefreshingStream } from './feeds/refresher';
import { topics } from './topics';

/**
 * The cluster now, then again whenever it changes: re-read on every announcement and, since an
 * announcement can be lost, every STREAM_CATCHUP_MS as well (sent only if it changed). The reads
 * are shared by every subscriber of the cluster in this process (one per announcement or tick).
 */
export async function clusterStatusStream(svc: Services, accountId: string, clusterId: string): Promise<AsyncIterableIterator<Cluster>> {
  await requireCluster(svc, accountId, clusterId);
  let lastVersion = -1;
  return sharedRefreshingStream(
    svc,
    `status:${clusterId}`,
    topics.clusterStatus(clusterId),
    () => svc.db.cluster.findUnique({ where: { id: clusterId } }),
    (c) => {
      if (c.resourceVersion <= lastVersion) return null;
      lastVersion = c.resourceVersion;
      return c;
    },
  );
}
