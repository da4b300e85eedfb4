/**
 * The service's operational metrics, as the layers that produce them see them (the adapter
 * exports them in Prometheus' text format at /metrics). Label values must come from a small,
 * fixed set (operation types, controller names, outcomes) — never from user input.
 */
export type Labels = Record<string, string>;

export interface CounterMetric {
  inc(labels: Labels, value?: number): void;
}
export interface HistogramMetric {
  observe(labels: Labels, seconds: number): void;
}
export interface GaugeMetric {
  set(labels: Labels, value: number): void;
  inc(labels: Labels, value?: number): void;
  dec(labels: Labels, value?: number): void;
}

export interface Metrics {
  /** GraphQL operations by type, root field and outcome (ok | error | refused). */
  requests: CounterMetric;
  requestDuration: HistogramMetric;
  /** Operations refused before running, by limit (depth, aliases, fields, cost, size, timeout). */
  costRefusals: CounterMetric;
  /** Requests refused by a rate limit, by bucket (account, metrics, anonymous, signup, auth). */
  rateLimited: CounterMetric;
  /** Open graphql-ws sockets and subscriptions (this api process). */
  sockets: GaugeMetric;
  subscriptions: GaugeMetric;
  /** Sockets or subscriptions refused or cut, by reason. */
  socketRefusals: CounterMetric;
  /** Reconcile passes by controller and outcome (ok | transient | conflict | permanent). */
  reconcileDuration: HistogramMetric;
  /** How long a due key waited before a worker claimed it, by controller. */
  queueWait: HistogramMetric;
  /** Scheduling attempts by result (scheduled | unschedulable | error). */
  schedulingAttempts: CounterMetric;
  /** Autoscaler decisions by direction (up | down). */
  autoscalerDecisions: CounterMetric;
}

/** Metrics that go nowhere (tests and tools that do not read them). */
export function noopMetrics(): Metrics {
  const c = { inc: () => {} };
  const h = { observe: () => {} };
  const g = { set: () => {}, inc: () => {}, dec: () => {} };
  return { requests: c, requestDuration: h, costRefusals: c, rateLimited: c, sockets: g, subscriptions: g, socketRefusals: c, reconcileDuration: h, queueWait: h, schedulingAttempts: c, autoscalerDecisions: c };
}
