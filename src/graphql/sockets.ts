/**
 * graphql-ws on the API's port: a socket is accepted only with a valid token in its
 * connection_init payload; sockets per account and subscriptions per socket are capped; a
 * consumer that does not keep up is cut off (it reconnects and resumes with `since`); a
 * suspended account's sockets, and those of a revoked token, close at once.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Services } from '../app/services';
import { topics, type AccountAccessMessage } from '../app/topics';
import type { Logger } from '../ports/log';
import type { Metrics } from '../ports/metrics';
import { authorize, denialCloseFrame, requestAuthorization } from './auth';
import { maskError } from './errors';
import type { GuardSettings } from './guard/settings';
import { preParseRefusal, refusal } from './guard/plugin';
import { unstorableInput } from './input';
import { RESULT_SINK, type ResultSink } from './fanout';

/** Close codes (graphql-ws' own for auth; 1013 "try again later" makes clients reconnect). */
export const CLOSE = {
  forbidden: 4403,
  tooManySockets: 4429,
  slowConsumer: 1013,
} as const;

type Enveloped = ExecutionArgs & { rootValue: { execute: (a: ExecutionArgs) => unknown; subscribe: (a: ExecutionArgs) => unknown } };

interface Extra extends Record<PropertyKey, unknown> {
  socket: WebSocket;
  request: IncomingMessage;
  /** Set once connection_init was accepted. */
  accountId?: string;
  tokenId?: string | null;
  /** Operations started on this socket and not yet ended (counted before anything awaits). */
  live?: Set<string>;
  /** Stops the slow-consumer watch. */
  unwatch?: () => void;
}

interface SocketEntry {
  socket: WebSocket;
  tokenId: string | null;
}

export interface SocketServer {
  close(): Promise<void>;
}

export function startSocketServer(opts: {
  server: Server;
  path: string;
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
  svc: Services;
  settings: GuardSettings;
  log: Logger;
  metrics: Metrics;
  /** A refused authentication from this address: false when its failed-auth budget is spent. */
  authFailed(ip: string): Promise<boolean>;
}): SocketServer {
  const { svc, settings, log, metrics, yoga } = opts;
  const mask = maskError(log);
  /** This process' sockets by account, and the bus subscriptions that close them. */
  const byAccount = new Map<string, { sockets: Set<SocketEntry>; unsubscribe: Promise<() => Promise<void>> }>();

  const closeAll = (accountId: string, pick: (e: SocketEntry) => boolean, code: number, reason: string) => {
    for (const e of byAccount.get(accountId)?.sockets ?? []) if (pick(e)) e.socket.close(code, reason);
  };

  const onAccess = (accountId: string) => (message: unknown) => {
    const m = (message ?? {}) as AccountAccessMessage;
    if (m.suspended) closeAll(accountId, () => true, CLOSE.forbidden, 'account suspended');
    if (m.tokenId) {
      const when = m.effectiveAt ? Date.parse(m.effectiveAt) - svc.clock.now() : 0;
      const close = () => closeAll(accountId, (e) => e.tokenId === m.tokenId, CLOSE.forbidden, 'token revoked');
      if (!(when > 0)) close();
      else svc.clock.setTimeout(close, when);
    }
  };

  const register = (accountId: string, entry: SocketEntry) => {
    let a = byAccount.get(accountId);
    if (!a) {
      a = { sockets: new Set(), unsubscribe: svc.bus.subscribe(topics.accountAccess(accountId), onAccess(accountId)) };
      byAccount.set(accountId, a);
    }
    a.sockets.add(entry);
    metrics.sockets.inc({});
  };

  const unregister = (accountId: string, socket: WebSocket) => {
    const a = byAccount.get(accountId);
    if (!a) return;
    for (const e of a.sockets) if (e.socket === socket) {
      a.sockets.delete(e);
      metrics.sockets.dec({});
    }
    if (a.sockets.size === 0) {
      byAccount.delete(accountId);
      void a.unsubscribe.then((u) => u()).catch(() => {});
    }
  };

  const cutSlow = (socket: WebSocket, accountId: string | null, why: string) => {
    metrics.socketRefusals.inc({ reason: 'slow_consumer' });
    log.warn({ account: accountId, buffered: socket.bufferedAmount, why }, 'closing a socket that does not keep up');
    socket.close(CLOSE.slowConsumer, 'slow consumer: reconnect and resume with since');
  };

  /** A socket with more than socketBufferBytes unsent is cut off (true) rather than buffered without bound. */
  const overBuffer = (extra: Extra): boolean => {
    if (extra.socket.bufferedAmount <= settings.socketBufferBytes) return false;
    cutSlow(extra.socket, extra.accountId ?? null, 'buffer');
    return true;
  };

  /**
   * Each stream sends its next message only once the previous one was handed to the kernel, so a
   * client that stops reading holds at most one unsent message per operation; what it holds on
   * to is the server's attention. A socket with unsent data at every check for socketStallMs,
   * or with more than socketBufferBytes unsent, is closed (1013): the client reconnects and
   * resumes each stream with `since`.
   */
  const watchConsumer = (socket: WebSocket, accountId: string): (() => void) => {
    const every = Math.max(100, Math.floor(settings.socketStallMs / 6));
    let stalledSince: number | null = null;
    let cancel = () => {};
    const tick = () => {
      if (socket.readyState !== socket.OPEN) return;
      const now = svc.clock.now();
      if (socket.bufferedAmount === 0) stalledSince = null;
      else stalledSince ??= now;
      if (socket.bufferedAmount > settings.socketBufferBytes) return cutSlow(socket, accountId, 'buffer');
      if (stalledSince !== null && now - stalledSince >= settings.socketStallMs) return cutSlow(socket, accountId, 'stalled');
      cancel = svc.clock.setTimeout(tick, every);
    };
    cancel = svc.clock.setTimeout(tick, every);
    return () => cancel();
  };

  /**
   * Where shared subscription results go as ready-made JSON (graphql/fanout.ts): the same frame
   * graphql-ws would send, the same slow-consumer check as its onNext, and the same flow
   * control (past SEND_AHEAD_BYTES unsent, the stream waits for the kernel).
   */
  const resultSink = (extra: Extra, id: string): ResultSink => {
    const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    return {
      send(payloadJson) {
        const socket = extra.socket;
        if (socket.readyState !== socket.OPEN) return;
        if (overBuffer(extra)) return;
        const frame = head + payloadJson + '}';
        if (socket.bufferedAmount < SEND_AHEAD_BYTES) return socket.send(frame);
        return new Promise<void>((resolve) => socket.send(frame, () => resolve()));
      },
    };
  };

  const wss = new WebSocketServer({ server: opts.server, path: opts.path, maxPayload: settings.maxRequestBytes });
  // before graphql-ws's own listener: its sends go through batchedSend
  wss.on('connection', (socket) => batchSends(socket));
  const wsServer = useServer<Record<string, unknown>, Extra>(
    {
      // a socket that never says who it is goes away after 3 s
      connectionInitWaitTimeout: 3_000,
      onConnect: async (ctx) => {
        const ip = ctx.extra.request.socket.remoteAddress ?? 'unknown';
        const auth = await authorize(svc, requestAuthorization({ connectionParams: ctx.connectionParams }));
        if (auth.failed && !(await opts.authFailed(ip))) {
          metrics.socketRefusals.inc({ reason: 'auth_rate' });
          ctx.extra.socket.close(CLOSE.tooManySockets, 'too many failed authentications from this address; retry later');
          return false;
        }
        if (!auth.account) {
          metrics.socketRefusals.inc({ reason: 'unauthenticated' });
          // say why (4401 a token that is not one, revoked or expired; 4403 a suspended account)
          if (auth.denial) {
            const f = denialCloseFrame(auth.denial);
            ctx.extra.socket.close(f.code, f.reason);
          }
          return false; // 4403 Forbidden: connection_init must carry a valid token
        }
        const accountId = auth.account.id;
        if ((byAccount.get(accountId)?.sockets.size ?? 0) >= settings.socketsPerAccount) {
          metrics.socketRefusals.inc({ reason: 'sockets_per_account' });
          ctx.extra.socket.close(CLOSE.tooManySockets, `this account already has ${settings.socketsPerAccount} sockets open (NODELESS_MAX_SOCKETS_PER_ACCOUNT)`);
          return false;
        }
        ctx.extra.accountId = accountId;
        ctx.extra.tokenId = auth.principal?.tokenId ?? null;
        register(accountId, { socket: ctx.extra.socket, tokenId: ctx.extra.tokenId });
        ctx.extra.unwatch = watchConsumer(ctx.extra.socket, accountId);
        return true;
      },
      onClose: (ctx) => {
        ctx.extra.unwatch?.();
        if (ctx.extra.accountId) unregister(ctx.extra.accountId, ctx.extra.socket);
      },
      // yoga's enveloped execute/subscribe travel in rootValue (graphql-ws example pattern)
      execute: ((args: Enveloped) => args.rootValue.execute(args)) as never,
      subscribe: ((args: Enveloped) => args.rootValue.subscribe(args)) as never,
      // Anything thrown here would close the whole socket (and every other subscription on it):
      // turn it into an error for this one operation instead.
      onSubscribe: async (ctx, id, payload) => {
        const live = (ctx.extra.live ??= new Set());
        if (live.size >= settings.subscriptionsPerSocket) {
          metrics.socketRefusals.inc({ reason: 'subscriptions_per_socket' });
          return [refusal('LIMIT_EXCEEDED', `this socket already carries ${settings.subscriptionsPerSocket} operations (NODELESS_MAX_SUBSCRIPTIONS_PER_SOCKET); open another socket or end some`, { limit: 'NODELESS_MAX_SUBSCRIPTIONS_PER_SOCKET', max: settings.subscriptionsPerSocket })];
        }
        live.add(id);
        const refuse = (errors: readonly GraphQLError[]) => {
          live.delete(id);
          return [...errors];
        };
        try {
          const bad = preParseRefusal(payload.query, settings, metrics) ?? unstorableInput(payload.query, payload.variables);
          if (bad) return refuse([bad]);
          const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
          const auth = await authorize(svc, requestAuthorization({ connectionParams: ctx.connectionParams }));
          const args = {
            schema: s,
            operationName: payload.operationName,
            document: parse(payload.query),
            variableValues: payload.variables,
            contextValue: { ...(await contextFactory()), svc, account: auth.account, principal: auth.principal, operator: auth.operator, denial: auth.denial, connectionParams: ctx.connectionParams, [RESULT_SINK]: resultSink(ctx.extra, id) },
            rootValue: { execute, subscribe },
          };
          const errors = validate(args.schema, args.document);
          if (errors.length) return refuse(errors.map((e: GraphQLError) => mask(e, 'Unexpected error.') as GraphQLError));
          return args;
        } catch (err) {
          return refuse([mask(err, 'Unexpected error.') as GraphQLError]);
        }
      },
      onComplete: (ctx, id) => {
        ctx.extra.live?.delete(id);
      },
      onError: (ctx, id, _payload, errors) => {
        ctx.extra.live?.delete(id);
        // validation errors (no originalError) and AppErrors are the client's, not incidents
        // (nor is a write to a socket the client already closed)
        if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return;
        for (const e of errors) if (e.originalError && (e.originalError as { name?: string }).name !== 'AppError' && !(e.extensions as { code?: unknown } | undefined)?.code) log.error({ err: e }, 'subscription error');
      },
      // a consumer that does not read what it is sent is cut off rather than buffered without bound
      onNext: (ctx) => {
        overBuffer(ctx.extra);
      },
      // never send internal error messages in socket close reasons
      isProd: true,
    },
    wss,
  );
  return {
    async close() {
      await wsServer.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const a of byAccount.values()) void a.unsubscribe.then((u) => u()).catch(() => {});
      byAccount.clear();
    },
  };
}

/** Unsent bytes under which a send is reported done at once (the next message may follow). */
export const SEND_AHEAD_BYTES = 64 * 1024;

/**
 * Batches a socket's sends: the frames one turn of the event loop sends go to the kernel in one
 * write (the underlying socket is corked until the end of the turn), and a send is reported done
 * as soon as its frame is queued while less than SEND_AHEAD_BYTES wait (graphql-ws waits for that
 * before it sends the stream's next message), so a burst of events costs a few writes per socket
 * instead of one write and one event-loop turn per event. Past SEND_AHEAD_BYTES a send is done
 * only once the kernel took it: a client that does not read still holds the stream back, and
 * the slow-consumer watch sees its unsent bytes.
 */
export function batchSends(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  const send = socket.send.bind(socket) as (data: unknown, cb?: (err?: Error) => void) => void;
  let corked = false;
  (socket as unknown as { send: typeof send }).send = (data, cb) => {
    if (raw && !corked) {
      corked = true;
      raw.cork();
      process.nextTick(() => {
        corked = false;
        raw.uncork();
      });
    }
    if (!cb || socket.bufferedAmount >= SEND_AHEAD_BYTES) return send(data, cb);
    send(data);
    queueMicrotask(() => cb());
  };
}
