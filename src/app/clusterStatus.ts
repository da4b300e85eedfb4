import type { Cluster } from '../generated/prisma/client';
import type { Services } from './services';
import { Channel } from './channel';
import { requireCluster } from './clusters';
import { STREAM_CATCHUP_MS } from './streams';
import { topics } from './topics';

/**
 * The cluster now, then again whenever it changes: re-read on every announcement and, since an
 * announcement can be lost, every STREAM_CATCHUP_MS as well (sent only if it changed).
 */
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
  const refresh = () => {
    chain = chain.then(send).catch((err) => out.fail(err));
  };
  const unsubscribe = await svc.bus.subscribe(topics.clusterStatus(clusterId), refresh);
  out.onClose(unsubscribe);
  let cancelTick = () => {};
  const tick = () => {
    if (out.isClosed) return;
    cancelTick = svc.clock.setTimeout(() => {
      refresh();
      tick();
    }, STREAM_CATCHUP_MS);
  };
  out.onClose(() => cancelTick());
  refresh();
  tick();
  return out;
}
