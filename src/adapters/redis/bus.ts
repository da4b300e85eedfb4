import { createClient } from 'redis';
import type { Bus } from '../../ports/bus';

type RedisClient = ReturnType<typeof createClient>;

export interface RedisBusOptions {
  /** Prepended to every topic to form the Redis channel name (default: "nodeless:bus:"). */
  prefix?: string;
  /** Connection errors and handler exceptions. Default: console.error. */
  onError?: (err: unknown) => void;
}

interface Subscription {
  handler: (message: unknown) => void;
}

interface TopicEntry {
  subs: Set<Subscription>;
  /** Resolves once Redis confirmed the SUBSCRIBE. */
  ready: Promise<void>;
  listener: (message: string) => void;
}

/**
 * Bus over Redis PUBLISH/SUBSCRIBE: one channel per topic (prefix + topic), a publisher connection
 * and a dedicated subscriber connection. All local handlers of a topic share one Redis
 * subscription, which is dropped when the last of them unsubscribes. Per-publisher order holds
 * because Redis relays the messages of one connection in order.
 */
export class RedisBus implements Bus {
  private readonly topics = new Map<string, TopicEntry>();
  private closed = false;

  private constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly prefix: string,
    private readonly reportError: (err: unknown) => void,
    /** Whether close() also closes the publisher (false when it was handed in). */
    private readonly ownsPublisher: boolean,
  ) {}

  static async connect(url: string, opts: RedisBusOptions = {}): Promise<RedisBus> {
    const client: RedisClient = createClient({ url });
    client.on('error', opts.onError ?? defaultOnError);
    await client.connect();
    try {
      return await RedisBus.build(client, opts, true);
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
  }

  /**
   * Uses an existing connected client to publish, and a duplicate of it to subscribe. close()
   * closes only the duplicate.
   */
  static async fromClient(client: RedisClient, opts: RedisBusOptions = {}): Promise<RedisBus> {
    return RedisBus.build(client, opts, false);
  }

  private static async build(client: RedisClient, opts: RedisBusOptions, ownsPublisher: boolean): Promise<RedisBus> {
    const reportError = opts.onError ?? defaultOnError;
    const subscriber = client.duplicate();
    subscriber.on('error', reportError);
    await subscriber.connect();
    return new RedisBus(client, subscriber, opts.prefix ?? 'nodeless:bus:', reportError, ownsPublisher);
  }

  async publish(topic: string, message: unknown): Promise<void> {
    if (this.closed) throw new Error('RedisBus is closed');
    await this.publisher.publish(this.prefix + topic, JSON.stringify(message) ?? 'null');
  }

  async subscribe(topic: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('RedisBus is closed');
    const channel = this.prefix + topic;
    let entry = this.topics.get(topic);
    if (!entry) {
      const subs = new Set<Subscription>();
      const listener = (raw: string) => this.dispatch(topic, subs, raw);
      const created: TopicEntry = { subs, listener, ready: this.subscriber.subscribe(channel, listener) };
      entry = created;
      this.topics.set(topic, created);
      created.ready.catch(() => {
        if (this.topics.get(topic) === created) this.topics.delete(topic);
      });
    }
    const sub: Subscription = { handler };
    entry.subs.add(sub);
    const current = entry;
    try {
      await current.ready;
    } catch (err) {
      current.subs.delete(sub);
      throw err;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      current.subs.delete(sub);
      if (current.subs.size > 0 || this.topics.get(topic) !== current) return;
      this.topics.delete(topic);
      if (!this.closed) await this.subscriber.unsubscribe(channel, current.listener);
    };
  }

  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.topics.values()) entry.subs.clear();
    this.topics.clear();
    await Promise.allSettled([
      this.subscriber.close(),
      this.ownsPublisher ? this.publisher.close() : Promise.resolve(),
    ]);
  }

  private dispatch(topic: string, subs: Set<Subscription>, raw: string): void {
    for (const sub of [...subs]) {
      if (!subs.has(sub)) continue;
      try {
        sub.handler(JSON.parse(raw));
      } catch (err) {
        this.reportError(new Error(`RedisBus: handler for "${topic}" threw`, { cause: err }));
      }
    }
  }
}

function defaultOnError(err: unknown): void {
  console.error('RedisBus:', err);
}
