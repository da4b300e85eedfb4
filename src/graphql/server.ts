import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Services } from '../app/services';
import type { Logger } from '../ports/log';
import type { RateLimiter } from '../ports/ratelimiter';
import type { PrometheusMetrics } from '../adapters/metrics';
import { authorize, useAccessControl } from './auth';
import { schema } from './schema';
import type { Context } from './builder';
import { isClientError, isRequestError, maskError } from './errors';
import { unstorableInput } from './input';
import { useGuard } from './guard/plugin';
import type { GuardSettings } from './guard/settings';
import { startSocketServer } from './sockets';
import { corsFor, serveOps } from './ops';
import { useSharedSubscriptionResults } from './fanout';

export interface ApiServer {
  url: string;
  wsUrl: string;
  port: number;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  port: number;
  host?: string;
  guard: GuardSettings;
  limiter: RateLimiter;
  log: Logger;
  metrics: PrometheusMetrics;
  /** Bearer token /metrics asks for (unset: open). */
  metricsToken?: string;
  /** Whether the store and the bus answer (GET /readyz). */
  ready(): Promise<Record<string, string>>;
  /** false: no cost analysis and no rate limits (only to measure what they cost: bench:guard). */
  guardEnabled?: boolean;
}

/**
 * The API: graphql-yoga over HTTP (queries, mutations, SSE subscriptions, GraphiQL) and
 * graphql-ws on the same port and path for WebSocket subscriptions, both behind the guard
 * (src/graphql/guard) and the access control (src/graphql/auth); plus /healthz, /readyz and
 * /metrics.
 */
export async function startApiServer(svc: Services, opts: ApiServerOptions): Promise<ApiServer> {
  const { log, metrics } = opts;
  const guard = useGuard({ svc, settings: opts.guard, limiter: opts.limiter, log, metrics });
  const yoga = createYoga<{ req?: IncomingMessage; res?: ServerResponse }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // GraphiQL bundled in the package, so the page works with no CDN (offline, air-gapped)
    renderGraphiQL,
    graphiql: {
      title: 'Nodeless',
      // SSE carries the Headers tab (Authorization) with every request; WebSocket clients pass it
      // in connectionParams instead.
      subscriptionsProtocol: 'SSE',
      headers: JSON.stringify({ Authorization: 'Bearer <token from createAccount>' }),
    },
    cors: corsFor(opts.guard.corsOrigins),
    maskedErrors: { maskError: maskError(log) },
    plugins: [
      {
        onParams({ params, setResult }) {
          const bad = unstorableInput(params.query, params.variables);
          if (bad) setResult({ errors: [bad] });
        },
      },
      useAccessControl(),
      ...(opts.guardEnabled === false ? [] : [guard]),
      // subscription events executed once per distinct selection (after the guard's checks)
      useSharedSubscriptionResults(),
    ],
    // Expected request errors (AppError: not found, unauthenticated) are answers, not incidents.
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => log.warn({ detail: args.map(String).join(' ') }, 'graphql-yoga'),
      error: (...args: unknown[]) => {
        const expected = (a: unknown) => {
          const e = a as { originalError?: unknown; extensions?: { code?: unknown } } | null;
          return isClientError(a) || isClientError(e?.originalError) || isRequestError(a) || !!e?.extensions?.code;
        };
        if (!args.some(expected)) log.error({ err: args.find((a) => a instanceof Error) ?? new Error(args.map(String).join(' ')) }, 'graphql-yoga');
      },
    },
    // over WebSocket there is no request: the socket server authenticates from connectionParams
    context: async ({ request, req }: Partial<YogaInitialContext> & { req?: IncomingMessage }): Promise<Context> => {
      const auth = await authorize(svc, request?.headers.get('authorization'));
      if (auth.failed && !(await guard.authFailed(req?.socket.remoteAddress ?? 'unknown'))) throw guard.authRateLimited();
      return { svc, account: auth.account, principal: auth.principal, operator: auth.operator, denial: auth.denial };
    },
  });

  const server: Server = createHttpServer((req, res) => {
    if (serveOps(req, res, { metrics, metricsToken: opts.metricsToken, ready: opts.ready })) return;
    if (req.url === '/' || req.url === '') {
      res.writeHead(302, { location: '/graphql' }).end();
      return;
    }
    if (!withinBodyLimit(req, res, opts.guard.maxRequestBytes)) return;
    void yoga.requestListener(req, res);
  });
  const sockets = startSocketServer({ server, path: yoga.graphqlEndpoint, yoga: yoga as never, svc, settings: opts.guard, log, metrics, authFailed: (ip) => guard.authFailed(ip) });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : 'localhost';
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    async close() {
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Refuses a body larger than `max` bytes: at once when Content-Length says so, else as soon as
 * that many bytes have arrived (the connection is then closed).
 */
function withinBodyLimit(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  const tooLarge = () => {
    const body = JSON.stringify({ errors: [{ message: `the request body is larger than ${max} bytes (NODELESS_MAX_REQUEST_BYTES)`, extensions: { code: 'REQUEST_TOO_LARGE', limit: 'NODELESS_MAX_REQUEST_BYTES', max } }] });
    if (!res.headersSent) res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(body);
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    tooLarge();
    req.resume();
    return false;
  }
  if (req.headers['transfer-encoding']) {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max) {
        tooLarge();
        req.destroy();
      }
    });
  }
  return true;
}
