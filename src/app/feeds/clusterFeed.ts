import type { EventRecord } from '../../adapters/prisma/objects';
import type { Services } from '../services';
import type { Channel } from '../channel';
import { assertReadKept } from '../retention';
import { topics, type ClusterEventsMessage } from '../topics';
import { eventRecord } from './eventRecord';

/** Rows per store read (a replay page, a gap fill, a catch-up). */
export const FEED_PAGE = 500;

/** Recent events a feed keeps in memory, so a subscriber resuming with a recent `since` needs no store read. */
export const FEED_TAIL = 2048;

/** Events queued for one replaying subscriber before its replay stops reading ahead (backpressure). */
export const STREAM_HIGH_WATER = 1000;

/** Live messages held while the feed is busy reading the store; beyond that they are dropped and read back from the store. */
export const STREAM_LIVE_MAX = 5000;

/**
 * How often a feed also asks the store for events it has not seen. The bus is at-most-once (a
 * worker may die between commit and publish, Redis may drop a subscriber): this bounds how long a
 * lost message can delay subscribers, even when no later event reveals the gap.
 */
export const STREAM_CATCHUP_MS = 5000;

/** How soon a feed reads the store again after a gap the store did not fill. */
const GAP_RETRY_MS = 100;

/** Completed store pages kept for subscribers replaying the same range one after another. */
const PAGE_CACHE = 8;

/** One subscriber of a feed: its position, its filter and the channel its events go to. */
export interface FeedSubscriber {
  /** The last sequence handed to this subscriber's channel (or skipped by its filter). */
  pos: number;
  readonly filter: (e: EventRecord) => boolean;
  readonly out: Channel<EventRecord>;
  /** Replaying: reads the tail or the store at its own pace; live: the feed pushes to it. */
  live: boolean;
  /** Called when the subscriber has more than the lag bound waiting (the feed does not wait for anyone). */
  readonly onLag: () => void;
  readonly maxLag: number;
}

/**
 * The events of one cluster for every subscriber of this process: ONE bus subscription, each
 * event received and ordered once, gaps filled from the store once, ONE catch-up timer, a
 * bounded in-memory tail of recent events, and store pages shared by subscribers replaying the
 * same range. Every subscriber receives the same EventRecord objects.
 *
 * Ordering: `head` is the highest sequence the feed has seen with no gap before it. A live event
 * that skips ahead makes the feed read the missing range from the store (events of a cluster
 * commit in sequence order, so they are there). Live subscribers get events as `head` advances;
 * a replaying subscriber reads from the tail (or the store) until it reaches `head`, then turns
 * live in the same synchronous step, so nothing falls between the two.
 */
export class ClusterFeed {
  private head = 0;
  /** Events head-tail.length+1 … head, in order (a ring kept as an array with a start index). */
  private tail: EventRecord[] = [];
  private tailStart = 0;
  private readonly subs = new Set<FeedSubscriber>();
  private pending: EventRecord[] = [];
  private overflowed = false;
  private catchUpDue = false;
  private pumping = false;
  private opened = false;
  private closedFlag = false;
  private unsubscribe: (() => Promise<void>) | null = null;
  private cancelTick = () => {};
  private readonly inflight = new Map<number, Promise<EventRecord[]>>();
  private readonly pages = new Map<number, EventRecord[]>();
  /** Callers about to attach (between their validation and their attach): the feed stays open for them. */
  holds = 0;

  constructor(
    private readonly svc: Services,
    readonly clusterId: string,
    private readonly onClosed: (feed: ClusterFeed) => void,
  ) {}

  /** Subscribes to the bus, then learns the newest sequence (anything committed later arrives as a message or by catch-up). */
  async open(): Promise<void> {
    this.unsubscribe = await this.svc.bus.subscribe(topics.clusterEvents(this.clusterId), (m) => this.receive((m as ClusterEventsMessage).events));
    const { eventSeq } = await this.svc.db.cluster.findUniqueOrThrow({ where: { id: this.clusterId }, select: { eventSeq: true } });
    this.head = eventSeq;
    this.tailStart = 0;
    this.opened = true;
    this.armTick();
    this.kick();
  }

  get subscribers(): number {
    return this.subs.size;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }


  /** Events kept in memory. */
  get tailLength(): number {
    return this.tail.length - this.tailStart;
  }

  /**
   * Adds a subscriber that has seen everything up to `pos`: it replays what it lacks (from the
   * tail, else from the store, at its own pace), then receives live events.
   */
  attach(sub: FeedSubscriber): void {
    if (this.closedFlag) return sub.out.fail(new Error(`the event feed of cluster ${this.clusterId} is closed`));
    this.subs.add(sub);
    sub.out.onClose(() => this.detach(sub));
    void this.replay(sub).catch((err) => sub.out.fail(err));
  }

  private detach(sub: FeedSubscriber): void {
    if (!this.subs.delete(sub)) return;
    if (this.subs.size === 0 && this.holds === 0) void this.close();
  }

  /** Ends a hold taken before attaching; closes the feed if nobody is left. */
  unhold(): void {
    this.holds--;
    if (this.subs.size === 0 && this.holds === 0) void this.close();
  }

  /** Frees everything: the bus subscription, the timer, the tail and the cached pages. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.cancelTick();
    this.tail = [];
    this.tailStart = 0;
    this.pending = [];
    this.pages.clear();
    this.onClosed(this);
    for (const s of [...this.subs]) void s.out.close();
    this.subs.clear();
    const u = this.unsubscribe;
    this.unsubscribe = null;
    await u?.();
  }

  private fail(err: unknown): void {
    for (const s of [...this.subs]) s.out.fail(err);
    void this.close();
  }

  private receive(events: EventRecord[]): void {
    if (this.closedFlag || this.overflowed) return;
    this.pending.push(...events);
    if (this.pending.length > STREAM_LIVE_MAX) {
      this.pending = [];
      this.overflowed = true;
    }
    this.kick();
  }

  private armTick(ms = STREAM_CATCHUP_MS): void {
    if (this.closedFlag) return;
    this.cancelTick();
    this.cancelTick = this.svc.clock.setTimeout(() => {
      this.catchUpDue = true;
      this.kick();
    }, ms);
  }

  /** Runs the one pump of the feed if it is not running (everything the feed receives goes through it, in order). */
  private kick(): void {
    if (this.pumping || !this.opened || this.closedFlag) return;
    this.pumping = true;
    void this.pump()
      .catch((err) => this.fail(err))
      .finally(() => {
        this.pumping = false;
        if (this.pending.length > 0 || this.catchUpDue || this.overflowed) this.kick();
      });
  }

  private async pump(): Promise<void> {
    while (!this.closedFlag) {
      if (this.catchUpDue || this.overflowed) {
        this.catchUpDue = false;
        this.overflowed = false;
        await this.readForward();
        this.armTick();
        continue;
      }
      if (this.pending.length === 0) return;
      const batch = this.pending.splice(0).sort((a, b) => a.sequence - b.sequence);
      for (const e of batch) {
        if (this.closedFlag) return;
        if (e.sequence <= this.head) continue;
        while (e.sequence > this.head + 1 && !this.closedFlag) {
          const missing = await this.readRange(this.head, e.sequence - 1);
          if (missing.length === 0) {
            // a later sequence's commit implies the earlier ones: not there (yet), the next
            // catch-up takes what the store has; never fail every subscriber over it
            this.svc.log.warn({ clusterId: this.clusterId, missing: this.head + 1, seen: e.sequence }, 'event feed: a gap the store does not fill yet');
            this.armTick(GAP_RETRY_MS);
            return;
          }
          for (const m of missing) this.append(m);
        }
        if (e.sequence === this.head + 1) this.append(e);
      }
    }
  }

  /** Everything after `head` in the store (a lost publish with nothing after it, or dropped messages). */
  private async readForward(): Promise<void> {
    for (;;) {
      const page = await this.readRange(this.head, null);
      for (const e of page) if (e.sequence > this.head) this.append(e);
      if (page.length < FEED_PAGE || this.closedFlag) return;
    }
  }

  private async readRange(after: number, upTo: number | null): Promise<EventRecord[]> {
    const rows = await this.svc.db.event.findMany({
      where: { clusterId: this.clusterId, sequence: upTo === null ? { gt: after } : { gt: after, lte: upTo } },
      orderBy: { sequence: 'asc' },
      take: FEED_PAGE,
    });
    return rows.map(eventRecord);
  }

  /** The next event in order: into the tail, then to every live subscriber. */
  private append(e: EventRecord): void {
    this.head = e.sequence;
    this.tail.push(e);
    if (this.tail.length - this.tailStart > FEED_TAIL) {
      this.tailStart++;
      if (this.tailStart >= FEED_TAIL) {
        this.tail = this.tail.slice(this.tailStart);
        this.tailStart = 0;
      }
    }
    for (const s of this.subs) if (s.live) offer(s, e);
  }

  /** Up to `max` events after `pos` from the tail, or null when the tail does not reach back to pos+1. */
  private fromTail(pos: number, max: number): EventRecord[] | null {
    const len = this.tail.length - this.tailStart;
    const first = this.head - len + 1;
    if (len === 0 || pos + 1 < first) return null;
    const from = this.tailStart + (pos + 1 - first);
    return this.tail.slice(from, Math.min(this.tail.length, from + max));
  }

  /**
   * Page k of the store (sequences k·PAGE+1 … (k+1)·PAGE): one read for all subscribers asking at
   * once; a page wholly at or below `head` is complete and kept for the next few who ask.
   */
  private page(k: number): Promise<EventRecord[]> {
    const done = this.pages.get(k);
    if (done) return Promise.resolve(done);
    const running = this.inflight.get(k);
    if (running) return running;
    const complete = (k + 1) * FEED_PAGE <= this.head;
    const p = this.readRange(k * FEED_PAGE, (k + 1) * FEED_PAGE).then(
      (rows) => {
        this.inflight.delete(k);
        if (complete && !this.closedFlag) {
          this.pages.set(k, rows);
          if (this.pages.size > PAGE_CACHE) this.pages.delete(this.pages.keys().next().value!);
        }
        return rows;
      },
      (err) => {
        this.inflight.delete(k);
        throw err;
      },
    );
    this.inflight.set(k, p);
    return p;
  }

  /** Brings a subscriber from its position up to `head` at its own pace, then makes it live. */
  private async replay(sub: FeedSubscriber): Promise<void> {
    while (!sub.out.isClosed && !this.closedFlag && sub.pos < this.head) {
      await sub.out.drained(STREAM_HIGH_WATER);
      if (sub.out.isClosed || this.closedFlag) return;
      const recent = this.fromTail(sub.pos, FEED_PAGE);
      if (recent) {
        for (const e of recent) deliver(sub, e);
        continue;
      }
      const headAtRead = this.head;
      const k = Math.floor(sub.pos / FEED_PAGE);
      const rows = (await this.page(k)).filter((e) => e.sequence > sub.pos);
      // pruning may have run since the subscriber's `since` was checked: EXPIRED rather than a silent gap
      await assertReadKept(this.svc, this.clusterId, sub.pos, rows);
      if (sub.out.isClosed || this.closedFlag) return;
      for (const e of rows) deliver(sub, e);
      // everything committed up to the page's end (or head) was in that read: nothing is missed by moving past it
      sub.pos = Math.max(sub.pos, Math.min((k + 1) * FEED_PAGE, headAtRead));
    }
    if (!sub.out.isClosed && !this.closedFlag) sub.live = true; // same synchronous step as the check above
  }
}

function deliver(sub: FeedSubscriber, e: EventRecord): void {
  if (e.sequence <= sub.pos) return;
  sub.pos = e.sequence;
  if (sub.filter(e)) sub.out.push(e);
}

/** A live event for a subscriber: never waits for it; one that has more than its bound waiting is cut off. */
function offer(sub: FeedSubscriber, e: EventRecord): void {
  if (e.sequence <= sub.pos) return;
  if (!sub.filter(e)) {
    sub.pos = e.sequence;
    return;
  }
  if (sub.out.buffered >= sub.maxLag) {
    sub.live = false;
    sub.onLag();
    return;
  }
  sub.pos = e.sequence;
  sub.out.push(e);
}
