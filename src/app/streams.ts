import type { Event } from '../generated/prisma/client';
import type { EventRecord } from '../adapters/prisma/objects';
import type { Services } from './services';
import { Channel } from './channel';
import { requireCluster } from './clusters';
import { AppError } from './errors';
import { assertSinceKept } from './retention';
import { topics, type ClusterEventsMessage } from './topics';

const PAGE = 500;

/** Events queued for one subscriber before the stream stops reading ahead (backpressure). */
export const STREAM_HIGH_WATER = 1000;

/** Live messages buffered while the subscriber is slow; beyond that they are dropped and read back from the store. */
export const STREAM_LIVE_MAX = 5000;

/**
 * How often a live stream also asks the store for events it has not seen. The bus is
 * at-most-once (a worker may die between commit and publish, Redis may drop a subscriber): this
 * bounds how long a lost message can delay a subscriber, even when no later event reveals the gap.
 */
export const STREAM_CATCHUP_MS = 5000;

export function eventRecord(e: Event): EventRecord {
  const { eventTime, ...rest } = e;
  return { ...rest, type: e.type as EventRecord['type'], object: e.object as unknown as EventRecord['object'], createdAt: e.createdAt.toISOString(), ...(eventTime ? { eventTime: eventTime.toISOString() } : {}) };
}

/**
 * A cluster's event stream, resumable: with `since` (the last sequence the client saw) it first
 * replays every later event from the store, then continues live, with no gap and no duplicate.
 *
 * How: subscribe to the bus first (buffering), then replay from the store, then drain live
 * events in sequence order. A live event that skips ahead (its predecessor was published late,
 * or the publish was lost) triggers a read of the missing range from the store: events of a
 * cluster commit in sequence order, so the missing ones are already there. Every
 * STREAM_CATCHUP_MS the stream also reads the store, for a lost publish with nothing after it.
 * The store is the source of truth, so a slow subscriber costs bounded memory: replay reads a
 * page only when the subscriber has taken the previous ones, and live messages that pile up are
 * dropped and read back from the store later.
 */
export async function clusterEventStream(
  svc: Services,
  accountId: string,
  clusterId: string,
  opts: { since?: number | null; filter?: (e: EventRecord) => boolean },
): Promise<AsyncIterableIterator<EventRecord>> {
  await requireCluster(svc, accountId, clusterId);
  const filter = opts.filter ?? (() => true);
  const out = new Channel<EventRecord>();
  let live: EventRecord[] = [];
  let overflowed = false;
  let wake: (() => void) | null = null;
  const unsubscribe = await svc.bus.subscribe(topics.clusterEvents(clusterId), (m) => {
    if (overflowed) return;
    live.push(...(m as ClusterEventsMessage).events);
    if (live.length > STREAM_LIVE_MAX) {
      live = [];
      overflowed = true;
    }
    wake?.();
  });
  out.onClose(unsubscribe);

  const readRange = async (after: number, upTo: number | null): Promise<EventRecord[]> => {
    const rows = await svc.db.event.findMany({
      where: { clusterId, sequence: upTo === null ? { gt: after } : { gt: after, lte: upTo } },
      orderBy: { sequence: 'asc' },
      take: PAGE,
    });
    return rows.map(eventRecord);
  };

  const { eventSeq } = await svc.db.cluster.findUniqueOrThrow({ where: { id: clusterId }, select: { eventSeq: true } });
  if (opts.since !== undefined && opts.since !== null && (opts.since < 0 || opts.since > eventSeq)) {
    await out.close();
    throw new AppError('BAD_USER_INPUT', `since must be between 0 and the cluster's lastEventSequence (${eventSeq}); got ${opts.since}`);
  }
  await assertSinceKept(svc, clusterId, opts.since).catch(async (err) => {
    await out.close();
    throw err;
  });
  let last = opts.since ?? eventSeq;

  const emit = (e: EventRecord) => {
    last = e.sequence;
    if (filter(e)) out.push(e);
  };
  /** Everything after `last` from the store, page by page, at the subscriber's pace. */
  const readStore = async () => {
    for (;;) {
      await out.drained(STREAM_HIGH_WATER);
      if (out.isClosed) return;
      const page = await readRange(last, null);
      for (const e of page) emit(e);
      if (page.length < PAGE) return;
    }
  };

  const closed = new Promise<void>((resolve) => out.onClose(resolve));
  let catchUpDue = false;
  let cancelTick = () => {};
  const armTick = () => {
    if (out.isClosed) return;
    cancelTick = svc.clock.setTimeout(() => {
      catchUpDue = true;
      wake?.();
    }, STREAM_CATCHUP_MS);
  };
  out.onClose(() => cancelTick());

  void (async () => {
    await readStore(); // replay
    armTick();
    while (!out.isClosed) {
      if (catchUpDue || overflowed) {
        catchUpDue = false;
        overflowed = false;
        await readStore();
        armTick();
        continue;
      }
      if (live.length === 0) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), closed]);
        wake = null;
        continue;
      }
      const batch = live.splice(0).sort((a, b) => a.sequence - b.sequence);
      for (const e of batch) {
        if (out.isClosed) break;
        if (e.sequence <= last) continue;
        while (e.sequence > last + 1 && !out.isClosed) {
          const missing = await readRange(last, e.sequence - 1);
          if (missing.length === 0) throw new Error(`event ${last + 1} of cluster ${clusterId} is missing from the store`);
          for (const m of missing) emit(m);
        }
        emit(e);
        await out.drained(STREAM_HIGH_WATER);
      }
    }
  })().catch((err) => out.fail(err));

  return out;
}
