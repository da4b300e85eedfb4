import type { Config } from '../config';
import { startApiServer, type ApiServer } from '../graphql/server';
import { startWorker, type Worker } from '../worker';
import { buildRuntime, type Overrides, type Runtime } from './compose';
import { startOpsServer } from '../graphql/ops';

export interface App {
  runtime: Runtime;
  api: ApiServer | null;
  /** A worker-only process' /metrics, /healthz and /readyz (NODELESS_OPS_PORT), or null. */
  ops: { port: number; close(): Promise<void> } | null;
  worker: Worker | null;
  stop(): Promise<void>;
}

/** Builds and starts the api half, the worker half, or both (the all-in-one `npm start`). */
export async function startApp(config: Config, roles: { api: boolean; worker: boolean }, overrides: Overrides = {}): Promise<App> {
  const runtime = await buildRuntime(config, overrides);
  const worker = roles.worker ? await startWorker(runtime.svc, { concurrency: config.workerConcurrency, resyncMs: config.resyncMs, tenantShare: config.workerTenantShare, turnWaitMs: config.workerTurnWaitMs }) : null;
  const api = roles.api
    ? await startApiServer(runtime.svc, {
        port: config.port,
        host: config.host,
        guard: config.guard,
        limiter: runtime.limiter,
        log: runtime.log,
        metrics: runtime.metrics,
        metricsToken: config.metricsToken,
        ready: () => runtime.ready(),
      })
    : null;
  const ops = !api && config.opsPort !== undefined ? await startOpsServer({ port: config.opsPort, host: config.host, metrics: runtime.metrics, metricsToken: config.metricsToken, ready: () => runtime.ready() }) : null;
  let stopping: Promise<void> | null = null;
  return {
    runtime,
    api,
    ops,
    worker,
    stop() {
      stopping ??= (async () => {
        await api?.close();
        await ops?.close();
        await worker?.stop();
        await runtime.close();
      })();
      return stopping;
    },
  };
}

/** Runs until SIGINT/SIGTERM, then shuts down gracefully (in-flight reconciles finish). */
export function stopOnSignals(app: App): void {
  let signalled = false;
  const handler = (sig: string) => {
    if (signalled) process.exit(1);
    signalled = true;
    console.log(`\n${sig}: shutting down…`);
    app.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}
