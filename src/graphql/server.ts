import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Services } from '../app/services';
import { authorize } from './auth';
import { schema } from './schema';
import { findUnstorableText, UNSTORABLE_TEXT } from '../core/manifest';
import type { Context } from './builder';

/**
 * Text PostgreSQL cannot store (NUL, unpaired surrogates) is refused for the whole request, in
 * the query or in any variable, before anything runs.
 */
/** The same, written as GraphQL string escapes in the query text (`"\u0000"`, a lone `"\uD800"`). */
const UNSTORABLE_ESCAPE = /\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/;

function unstorableInput(query: unknown, variables: unknown): GraphQLError | null {
  const inQuery = typeof query === 'string' && (UNSTORABLE_TEXT.test(query) || UNSTORABLE_ESCAPE.test(query));
  const hit = (inQuery ? ['query'] : null) ?? findUnstorableText(variables ?? {}, ['variables']);
  if (!hit) return null;
  return new GraphQLError(`${hit.join('.')}: contains a NUL character or an unpaired UTF-16 surrogate`, { extensions: { code: 'BAD_USER_INPUT' } });
}

type Enveloped = ExecutionArgs & { rootValue: { execute: (a: ExecutionArgs) => unknown; subscribe: (a: ExecutionArgs) => unknown } };

export interface ApiServer {
  url: string;
  wsUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Errors caused by the request, not by the server: Pothos rejects bad arguments (first: -1, a
 * malformed global ID) with a validation error, and a global ID naming a type that has no nodes
 * with a schema error.
 */
function isClientError(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null;
  if (!e || typeof e !== 'object') return false;
  return e.name === 'AppError' || e.name === 'PothosValidationError' || (e.name === 'PothosSchemaError' && /has not been implemented/.test(e.message ?? ''));
}

/**
 * AppErrors become GraphQL errors with `extensions.code`; anything else is masked. Duck-typed on
 * purpose: graphql may be loaded twice (ESM and CJS builds), so `instanceof` is unreliable.
 */
function maskError(error: unknown, message: string): Error {
  const e = error as { originalError?: unknown; path?: readonly (string | number)[]; locations?: unknown; message?: string };
  const original = (e && typeof e === 'object' && 'originalError' in e ? e.originalError : error) as { name?: string; code?: string; message?: string } | undefined;
  if (original && original.name === 'AppError' && typeof original.code === 'string') {
    return new GraphQLError(original.message ?? message, { extensions: { code: original.code }, path: e.path });
  }
  if (original && isClientError(original)) {
    return new GraphQLError(original.message ?? message, { extensions: { code: 'BAD_USER_INPUT' }, path: e.path });
  }
  if (!original && e && typeof e === 'object' && 'locations' in e) return error as Error; // syntax / validation errors
  if (original && typeof original === 'object' && 'extensions' in original && (original as { extensions?: { code?: unknown } }).extensions?.code) return original as unknown as Error;
  console.error('internal error:', original ?? error);
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * The API: graphql-yoga over HTTP (queries, mutations, SSE subscriptions, GraphiQL) and
 * graphql-ws on the same port and path for WebSocket subscriptions.
 */
export async function startApiServer(svc: Services, opts: { port: number; host?: string }): Promise<ApiServer> {
  const yoga = createYoga<{ svc?: Services }, Context>({
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
    maskedErrors: { maskError },
    plugins: [
      {
        onParams({ params, setResult }) {
          const bad = unstorableInput(params.query, params.variables);
          if (bad) setResult({ errors: [bad] });
        },
      },
    ],
    // Expected request errors (AppError: not found, unauthenticated) are answers, not incidents.
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => console.warn(...args),
      error: (...args: unknown[]) => {
        const expected = (a: unknown) => {
          const e = a as { originalError?: unknown } | null;
          return isClientError(a) || isClientError(e?.originalError);
        };
        if (!args.some(expected)) console.error(...args);
      },
    },
    // over WebSocket there is no request: onSubscribe below authenticates from connectionParams
    context: async ({ request }: Partial<YogaInitialContext>): Promise<Context> => {
      const auth = await authorize(svc, request?.headers.get('authorization'));
      return { svc, account: auth.account, principal: auth.principal, operator: auth.operator };
    },
  });

  const server: Server = createHttpServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (req.url === '/' || req.url === '') {
      res.writeHead(302, { location: '/graphql' }).end();
      return;
    }
    void yoga.requestListener(req, res);
  });
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const wsServer = useServer(
    {
      // yoga's enveloped execute/subscribe travel in rootValue (graphql-ws example pattern)
      execute: ((args: Enveloped) => args.rootValue.execute(args)) as never,
      subscribe: ((args: Enveloped) => args.rootValue.subscribe(args)) as never,
      // Anything thrown here would close the whole socket (and every other subscription on it):
      // turn it into an error for this one operation instead.
      onSubscribe: async (ctx, _id, payload) => {
        try {
          const bad = unstorableInput(payload.query, payload.variables);
          if (bad) return [bad];
          const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
          const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
          const nested = (params.headers ?? {}) as Record<string, unknown>;
          const authorization = params.authorization ?? params.Authorization ?? nested.authorization ?? nested.Authorization;
          const args = {
            schema: s,
            operationName: payload.operationName,
            document: parse(payload.query),
            variableValues: payload.variables,
            contextValue: await (async () => {
              const auth = await authorize(svc, typeof authorization === 'string' ? authorization : undefined);
              return { ...(await contextFactory()), svc, account: auth.account, principal: auth.principal, operator: auth.operator };
            })(),
            rootValue: { execute, subscribe },
          };
          const errors = validate(args.schema, args.document);
          if (errors.length) return errors;
          return args;
        } catch (err) {
          const e = err as { name?: string; locations?: unknown };
          if (e && e.name === 'GraphQLError' && e.locations) return [err as GraphQLError]; // syntax error
          return [maskError(err, 'Unexpected error.') as GraphQLError];
        }
      },
      // never send internal error messages in socket close reasons
      isProd: true,
      onError: (_ctx, _id, _payload, errors) => {
        // validation errors (no originalError) and AppErrors are the client's, not incidents
        for (const e of errors) if (e.originalError && (e.originalError as { name?: string }).name !== 'AppError') console.error('subscription error:', e);
      },
    },
    wss,
  );

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
      await wsServer.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
