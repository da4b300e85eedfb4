import type { Services } from '../services';
import { ClusterFeed } from './clusterFeed';
import type { SharedRefresher } from './refresher';

/**
 * The shared feeds of one process (one Services): a cluster's event feed and each polled
 * stream's refresher exist once however many subscribe, and are freed when the last one leaves.
 */
interface Feeds {
  clusters: Map<string, { feed: ClusterFeed; ready: Promise<void> }>;
  refreshers: Map<string, SharedRefresher<unknown>>;
}

const registries = new WeakMap<Services, Feeds>();

export function feedsOf(svc: Services): Feeds {
  let f = registries.get(svc);
  if (!f) {
    f = { clusters: new Map(), refreshers: new Map() };
    registries.set(svc, f);
  }
  return f;
}

/**
 * The cluster's feed, opened by the first caller and shared by the next ones. The caller holds a
 * reference until it attaches a subscriber (or calls `release`): a feed never closes between
 * a subscriber's validation and its attach.
 */
export async function acquireClusterFeed(svc: Services, clusterId: string): Promise<{ feed: ClusterFeed; release: () => void }> {
  const feeds = feedsOf(svc);
  let entry = feeds.clusters.get(clusterId);
  if (!entry || entry.feed.isClosed) {
    const feed: ClusterFeed = new ClusterFeed(svc, clusterId, (closed) => {
      if (feeds.clusters.get(clusterId)?.feed === closed) feeds.clusters.delete(clusterId);
    });
    const created = { feed, ready: feed.open() };
    entry = created;
    feeds.clusters.set(clusterId, created);
    created.ready.catch(() => void feed.close());
  }
  const { feed, ready } = entry;
  feed.holds++;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    feed.unhold();
  };
  try {
    await ready;
  } catch (err) {
    release();
    throw err;
  }
  return { feed, release };
}

/** What this process holds for streams (tests, /metrics): feeds, their subscribers, refreshers. */
export function feedStats(svc: Services): { clusterFeeds: number; subscribers: number; refreshers: number; refresherSubscribers: number; tailEvents: number } {
  const f = registries.get(svc);
  if (!f) return { clusterFeeds: 0, subscribers: 0, refreshers: 0, refresherSubscribers: 0, tailEvents: 0 };
  let subscribers = 0;
  let tailEvents = 0;
  for (const { feed } of f.clusters.values()) {
    subscribers += feed.subscribers;
    tailEvents += feed.tailLength;
  }
  let refresherSubscribers = 0;
  for (const r of f.refreshers.values()) refresherSubscribers += r.subscribers;
  return { clusterFeeds: f.clusters.size, subscribers, refreshers: f.refreshers.size, refresherSubscribers, tailEvents };
}
