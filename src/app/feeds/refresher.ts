import type { Services } from '../services';
import { Channel } from '../channel';
import { STREAM_CATCHUP_MS } from './clusterFeed';
import { feedsOf } from './registry';

/** One subscriber of a refresher: decides from each shared read what it sends (null: nothing new for it). */
interface RefresherSubscriber<S, T> {
  select: (item: S, announced: boolean) => T | null;
  out: Channel<T>;
}

/**
 * A polled stream shared by every subscriber of one key in this process: ONE bus subscription
 * on `topic`, ONE catch-up timer, and ONE `fetch` per announcement or tick whatever the number
 * of subscribers; each subscriber's `select` turns the shared read into what it sends. A new
 * subscriber gets a read of its own "now" (joined with others arriving at the same time). Reads
 * run one at a time, in order; the refresher closes when its last subscriber leaves.
 */
export class SharedRefresher<S> {
  private readonly subs = new Set<RefresherSubscriber<S, unknown>>();
  private joiners: RefresherSubscriber<S, unknown>[] = [];
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private unsubscribe: Promise<() => Promise<void>> | null = null;
  private cancelTick = () => {};
  private closed = false;
  /** Shared reads made (tests: one per announcement or tick, not one per subscriber). */

  constructor(
    private readonly svc: Services,
    private readonly key: string,
    private readonly topic: string,
    private readonly fetch: () => Promise<S | null>,
  ) {}

  get subscribers(): number {
    return this.subs.size;
  }

  start(): void {
    this.unsubscribe = this.svc.bus.subscribe(this.topic, () => this.refresh(true));
    this.unsubscribe.catch((err) => this.fail(err));
    this.tick();
  }

  /** Adds a subscriber; it receives a fresh read first, then what the shared reads bring. */
  async add<T>(select: (item: S, announced: boolean) => T | null): Promise<Channel<T>> {
    const out = new Channel<T>();
    const sub: RefresherSubscriber<S, T> = { select, out };
    this.subs.add(sub as RefresherSubscriber<S, unknown>);
    out.onClose(() => this.remove(sub as RefresherSubscriber<S, unknown>));
    await this.unsubscribe; // the bus subscription is active: nothing announced from now on is missed
    this.joiners.push(sub as RefresherSubscriber<S, unknown>);
    this.enqueue(async () => {
      const joining = this.joiners.splice(0);
      if (joining.length === 0) return;
      const item = await this.fetch();
      if (item !== null) for (const s of joining) offer(s, item, true);
    });
    return out;
  }

  private remove(sub: RefresherSubscriber<S, unknown>): void {
    if (!this.subs.delete(sub)) return;
    if (this.subs.size === 0) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTick();
    const registry = feedsOf(this.svc).refreshers;
    if (registry.get(this.key) === (this as SharedRefresher<unknown>)) registry.delete(this.key);
    void this.unsubscribe?.then((u) => u()).catch(() => {});
  }

  private fail(err: unknown): void {
    for (const s of [...this.subs]) s.out.fail(err);
    this.close();
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((err) => this.fail(err));
  }

  /** One shared read for everybody (announcements that pile up while one runs make one more read, not one each). */
  private refresh(announced: boolean): void {
    if (this.closed || this.queued) return;
    this.queued = true;
    this.enqueue(async () => {
      this.queued = false;
      if (this.closed) return;
      const item = await this.fetch();
      if (item !== null) for (const s of [...this.subs]) offer(s, item, announced);
    });
  }

  private tick(): void {
    if (this.closed) return;
    this.cancelTick = this.svc.clock.setTimeout(() => {
      this.refresh(false);
      this.tick();
    }, STREAM_CATCHUP_MS);
  }
}

function offer<S>(sub: RefresherSubscriber<S, unknown>, item: S, announced: boolean): void {
  if (sub.out.isClosed) return;
  const value = sub.select(item, announced);
  if (value !== null) sub.out.push(value);
}

/**
 * A stream of `key`'s shared reads (see SharedRefresher): `fetch` runs for everybody
 * on every message on `topic` (announced), every STREAM_CATCHUP_MS (not announced), and for new
 * subscribers; `select` decides per subscriber what to send.
 */
export async function sharedRefreshingStream<S, T>(
  svc: Services,
  key: string,
  topic: string,
  fetch: () => Promise<S | null>,
  select: (item: S, announced: boolean) => T | null,
): Promise<AsyncIterableIterator<T>> {
  const registry = feedsOf(svc).refreshers;
  let r = registry.get(key) as SharedRefresher<S> | undefined;
  if (!r) {
    r = new SharedRefresher<S>(svc, key, topic, fetch);
    registry.set(key, r as SharedRefresher<unknown>);
    r.start();
  }
  return r.add(select);
}
