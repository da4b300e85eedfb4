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
  let lastVersion = -1;
  return refreshingStream(svc, topics.clusterStatus(clusterId), async () => {
    const c = await svc.db.cluster.findUnique({ where: { id: clusterId } });
    if (!c || c.resourceVersion <= lastVersion) return null;
    lastVersion = c.resourceVersion;
    return c;
  });
}

/**
 * A stream of reads: `read(announced)` runs now (announced), on every message on `topic`
 * (announced) and, since a message can be lost, every STREAM_CATCHUP_MS (not announced); what it
 * returns is sent (null: nothing new). Reads run one at a time, in order.
 */
export async function refreshingStream<T>(svc: Services, topic: string, read: (announced: boolean) => Promise<T | null>): Promise<AsyncIterableIterator<T>> {
  const out = new Channel<T>();
  let chain = Promise.resolve();
  const refresh = (announced: boolean) => {
    chain = chain
      .then(async () => {
        const item = await read(announced);
        if (item !== null) out.push(item);
      })
      .catch((err) => out.fail(err));
  };
  const unsubscribe = await svc.bus.subscribe(topic, () => refresh(true));
  out.onClose(unsubscribe);
  let cancelTick = () => {};
  const tick = () => {
    if (out.isClosed) return;
    cancelTick = svc.clock.setTimeout(() => {
      refresh(false);
      tick();
    }, STREAM_CATCHUP_MS);
  };
  out.onClose(() => cancelTick());
  refresh(true);
  tick();
  return out;
}
