import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../ports/metrics';

/** A gauge read when Prometheus scrapes (queue depth, pods by phase, meter lag). */
export interface ScrapeGauge {
  name: string;
  help: string;
  labelNames?: string[];
  /** Values with their labels; called at each scrape (errors leave the gauge empty for that scrape). */
  read(): Promise<{ labels?: Record<string, string>; value: number }[]>;
}

export interface PrometheusMetrics extends Metrics {
  registry: Registry;
  /** Adds gauges computed at scrape time (by the composition root, which knows the store and queue). */
  addScrapeGauges(gauges: ScrapeGauge[]): void;
}

const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The metrics of one process, in their own registry (several runtimes can live in one process). */
export function createPrometheusMetrics(opts: { processMetrics?: boolean } = {}): PrometheusMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'nodeless_process_' });
  const r = { registers: [registry] };
  return {
    registry,
    requests: new Counter({ name: 'nodeless_graphql_requests_total', help: 'GraphQL operations by type, root field and outcome', labelNames: ['type', 'field', 'outcome'], ...r }),
    requestDuration: new Histogram({ name: 'nodeless_graphql_request_duration_seconds', help: 'GraphQL operation latency by type and root field', labelNames: ['type', 'field'], buckets: SECONDS, ...r }),
    costRefusals: new Counter({ name: 'nodeless_graphql_cost_refusals_total', help: 'Operations refused before running, by the limit they broke', labelNames: ['limit'], ...r }),
    rateLimited: new Counter({ name: 'nodeless_rate_limited_total', help: 'Requests refused by a rate limit, by bucket', labelNames: ['bucket'], ...r }),
    sockets: new Gauge({ name: 'nodeless_ws_sockets', help: 'Open graphql-ws sockets of this api process', labelNames: [], ...r }),
    subscriptions: new Gauge({ name: 'nodeless_ws_subscriptions', help: 'Live subscriptions of this api process', labelNames: [], ...r }),
    socketRefusals: new Counter({ name: 'nodeless_ws_refusals_total', help: 'Sockets or subscriptions refused or cut, by reason', labelNames: ['reason'], ...r }),
    reconcileDuration: new Histogram({ name: 'nodeless_reconcile_duration_seconds', help: 'Reconcile passes by controller and outcome', labelNames: ['controller', 'outcome'], buckets: SECONDS, ...r }),
    queueWait: new Histogram({ name: 'nodeless_queue_wait_seconds', help: 'Time a due work-queue key waited for a worker, by controller', labelNames: ['controller'], buckets: SECONDS, ...r }),
    schedulingAttempts: new Counter({ name: 'nodeless_scheduling_attempts_total', help: 'Pod scheduling attempts by result', labelNames: ['result'], ...r }),
    autoscalerDecisions: new Counter({ name: 'nodeless_autoscaler_decisions_total', help: 'Autoscaler rescales by direction', labelNames: ['direction'], ...r }),
    addScrapeGauges(gauges) {
      for (const g of gauges) {
        new Gauge({
          name: g.name,
          help: g.help,
          labelNames: g.labelNames ?? [],
          registers: [registry],
          async collect() {
            this.reset();
            try {
              for (const v of await g.read()) this.set(v.labels ?? {}, v.value);
            } catch {
              /* the store or queue is down: /readyz says so; the gauge is empty this scrape */
            }
          },
        });
      }
    },
  };
}
