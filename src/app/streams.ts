import type { EventRecord } from '../adapters/prisma/objects';
import type { Services } from './services';
import { Channel } from './channel';
import { requireCluster } from './clusters';
import { AppError } from './errors';
import { assertKeptIn } from './retention';
import { acquireClusterFeed } from './feeds/registry';
import type { FeedSubscriber } from './feeds/clusterFeed';

export { eventRecord } from './feeds/eventRecord';
export { STREAM_CATCHUP_MS, STREAM_HIGH_WATER, FEED_TAIL } from './feeds/clusterFeed';

/** What a stream's consumer sees: the events, and how many wait for it (tests, backpressure). */
export type EventStream = Channel<EventRecord>;

/**
 * A cluster's event stream, resumable: with `since` (the last sequence the client saw) it first
 * replays every later event (from the feed's in-memory tail, else from the store), then continues
 * live, with no gap and no duplicate. Without `since` it starts at the cluster's newest event.
 *
 * Every subscriber of a cluster in this process shares one feed (feeds/clusterFeed.ts): one bus
 * subscription, one gap fill, one catch-up timer, the same event objects. A live subscriber that
 * has more than `limits.streamMaxLag` events waiting is cut off with SLOW_CONSUMER, naming the
 * last sequence it took: it resumes with `since` and misses nothing. A replaying subscriber
 * reads at its own pace (bounded memory whatever the history).
 */
export async function clusterEventStream(
  svc: Services,
  accountId: string,
  clusterId: string,
  opts: { since?: number | null; filter?: (e: EventRecord) => boolean },
): Promise<EventStream> {
  const cluster = await requireCluster(svc, accountId, clusterId);
  const since = opts.since ?? null;
  if (since !== null && (since < 0 || since > cluster.eventSeq)) {
    throw new AppError('BAD_USER_INPUT', `since must be between 0 and the cluster's lastEventSequence (${cluster.eventSeq}); got ${since}`);
  }
  assertKeptIn(cluster, since); // the row just read: pruning after it is caught by the replay's reads
  const { feed, release } = await acquireClusterFeed(svc, clusterId);
  const out = new Channel<EventRecord>();
  const start = since ?? cluster.eventSeq;
  const maxLag = svc.settings.limits.streamMaxLag;
  const sub: FeedSubscriber = {
    pos: start,
    filter: opts.filter ?? (() => true),
    out,
    live: false,
    maxLag,
    onLag: () => {
      svc.metrics.socketRefusals.inc({ reason: 'stream_lag' });
      const taken = out.taken?.sequence ?? start;
      out.fail(
        new AppError('SLOW_CONSUMER', `this subscription fell more than ${maxLag} events behind the cluster's events (NODELESS_STREAM_MAX_LAG); resume with since: ${taken}`, {
          lastSequence: taken,
          limit: 'NODELESS_STREAM_MAX_LAG',
          max: maxLag,
        }),
      );
    },
  };
  feed.attach(sub);
  release();
  return out;
}
