/**
 * Fire-and-forget publish/subscribe of JSON-serialisable messages by topic.
 * Delivery is at-most-once and only to subscriptions active at publish time; anything that must
 * not be lost is written to the store first (the bus only says "look").
 */
export interface Bus {
  publish(topic: string, message: unknown): Promise<void>;
  /**
   * Resolves once the subscription is active (a message published after that is delivered).
   * Messages arrive in publish order per publisher. Returns the unsubscribe function.
   */
  subscribe(topic: string, handler: (message: unknown) => void): Promise<() => Promise<void>>;
  /** Resolves when the bus' server answers (readiness checks); absent: always ready (in-process). */
  ping?(): Promise<void>;
  close(): Promise<void>;
}
