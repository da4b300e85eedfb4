/**
 * Operational endpoints beside the API: /healthz (the process answers), /readyz (the store and
 * the bus answer), /metrics (Prometheus text format), and the CORS policy of the API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { PrometheusMetrics } from '../adapters/metrics';

export interface OpsOptions {
  metrics: PrometheusMetrics;
  metricsToken?: string;
  ready(): Promise<Record<string, string>>;
}

const sameSecret = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** Serves the operational endpoints; false when the request is for something else. */
export function serveOps(req: IncomingMessage, res: ServerResponse, opts: OpsOptions): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return true;
  }
  if (path === '/readyz') {
    opts.ready().then(
      (checks) => {
        const ok = Object.values(checks).every((v) => v === 'ok');
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: ok, checks }) + '\n');
      },
      (err) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: false, error: String(err) }) + '\n'),
    );
    return true;
  }
  if (path === '/metrics') {
    if (opts.metricsToken) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m || !sameSecret(m[1], opts.metricsToken)) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('metrics need "Authorization: Bearer <NODELESS_METRICS_TOKEN>"\n');
        return true;
      }
    }
    opts.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text),
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
    return true;
  }
  return false;
}

const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a browser page from `origin` may call the API (same-origin pages need no CORS). */
export function originAllowed(origin: string, allow: readonly string[]): boolean {
  if (allow.includes('*') || allow.includes(origin)) return true;
  if (allow.includes('localhost')) {
    try {
      const u = new URL(origin);
      return (u.protocol === 'http:' || u.protocol === 'https:') && LOCAL.has(u.hostname);
    } catch {
      return false;
    }
  }
  return false;
}

/** yoga's CORS option: the allowlist decides, other origins get no CORS headers (the browser blocks them). */
export function corsFor(allow: readonly string[]) {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !originAllowed(origin, allow)) return false as const;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', 'accept', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'],
      maxAge: 600,
    };
  };
}

/** The operational endpoints alone, for a process that serves no API (a worker). */
export async function startOpsServer(opts: OpsOptions & { port: number; host?: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (!serveOps(req, res, opts)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: this process serves /healthz, /readyz and /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
