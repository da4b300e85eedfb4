/**
 * The API's guard, as one yoga plugin that every operation passes through (HTTP, SSE and
 * graphql-ws alike): size and nesting limits before the parser, depth/alias/field limits before
 * the (costly) validation, then the operation's cost, the rate limits, a deadline that also fires
 * when the client goes away, and on the way out `extensions.cost`, the RateLimit-* headers, the
 * request log line and the metrics.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Services } from '../../app/services';
import type { RateDecision, RateLimiter, BucketPolicy } from '../../ports/ratelimiter';
import type { Logger } from '../../ports/log';
import type { Metrics } from '../../ports/metrics';
import { actualCost, requestedCost, selectedOperations, shapeOf, type OperationType } from './cost';
import { bucketPolicies, costModel, METRIC_REPORT_FIELDS, type GuardSettings } from './settings';
import type { Context } from '../builder';

export interface GuardDeps {
  svc: Services;
  settings: GuardSettings;
  limiter: RateLimiter;
  log: Logger;
  metrics: Metrics;
}

/** What the guard knows about one HTTP request (or one graphql-ws operation). */
export interface RequestGuard {
  requestId: string;
  ip: string;
  /** The last rate decision of the account's bucket, for the RateLimit-* headers. */
  rate: RateDecision | null;
  refused: RateDecision | null;
}

type GuardContext = Context & { request?: Request; req?: { socket?: { remoteAddress?: string } }; params?: { operationName?: string | null }; guard?: RequestGuard };

/** A refusal, as a GraphQL error with a code (and the HTTP status yoga answers with). */
export function refusal(code: string, message: string, extra: Record<string, unknown> = {}, httpStatus?: number, headers?: Record<string, string>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra, ...(httpStatus ? { http: { status: httpStatus, ...(headers ? { headers } : {}) } } : {}) } });
}

// called through the prototype's functions: see src/core/yaml/fast.ts (a String subclass in the
// process makes method lookups on primitive strings slow)
const charCodeAt = String.prototype.charCodeAt;
const startsWith = String.prototype.startsWith;
const indexOf = String.prototype.indexOf;

/**
 * The deepest nesting of `{`, `(` and `[` in a GraphQL document, outside strings and comments,
 * stopping as soon as it passes `max` (a cheap scan: the parser recurses per level).
 */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = charCodeAt.call(text, i);
    if (c === 0x23 /* # */) {
      while (i < text.length && charCodeAt.call(text, i) !== 0x0a && charCodeAt.call(text, i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (startsWith.call(text, '"""', i)) {
        const end = indexOf.call(text, '"""', i + 3);
        i = end < 0 ? text.length : end + 2;
        // block strings may escape \""" : rare, and being wrong here only under-counts nesting
      } else {
        for (i++; i < text.length; i++) {
          const d = charCodeAt.call(text, i);
          if (d === 0x5c /* \ */) i++;
          else if (d === 0x22 || d === 0x0a) break;
        }
      }
    } else if (c === 0x7b || c === 0x28 || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x29 || c === 0x5d) depth--;
  }
  return false;
}

/** Size and nesting of a document, checked before the parser runs (which recurses per level). */
export function preParseRefusal(query: unknown, settings: GuardSettings, metrics: Metrics): GraphQLError | null {
  if (typeof query !== 'string') return null;
  if (Buffer.byteLength(query) > settings.maxQueryBytes) {
    metrics.costRefusals.inc({ limit: 'size' });
    return refusal('QUERY_TOO_LARGE', `the query document is larger than ${settings.maxQueryBytes} bytes (NODELESS_MAX_QUERY_BYTES)`, { limit: 'NODELESS_MAX_QUERY_BYTES', max: settings.maxQueryBytes }, 413);
  }
  const levels = settings.maxDepth * 2 + 10;
  if (nestingExceeds(query, levels)) {
    metrics.costRefusals.inc({ limit: 'depth' });
    return refusal('GRAPHQL_PARSE_FAILED', `the query nests deeper than the parser accepts (more than ${levels} levels of braces, brackets and parentheses)`, { limit: 'NODELESS_MAX_QUERY_DEPTH' }, 400);
  }
  return null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = selectedOperations(document, name);
  return ops.length === 1 ? ops[0] : undefined;
}

function rootFields(op: OperationDefinitionNode | undefined): string[] {
  if (!op) return [];
  return op.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : []));
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export interface Guard extends Plugin<Record<string, unknown>> {
  /** Counts a refused authentication from `ip`; false once its budget is spent (answer RATE_LIMITED). */
  authFailed(ip: string): Promise<boolean>;
  /** The RATE_LIMITED error of an address whose failed authentications are spent. */
  authRateLimited(): GraphQLError;
}

export function useGuard(deps: GuardDeps): Guard {
  const { svc, settings, limiter, log, metrics } = deps;
  const policies = bucketPolicies(settings);
  const guards = new WeakMap<Request, RequestGuard>();
  /** Live subscriptions per account on this process (HTTP/SSE and WebSocket). */
  const liveSubscriptions = new Map<string, number>();

  const guardOf = (ctx: GuardContext): RequestGuard => {
    if (ctx.guard) return ctx.guard;
    const fromRequest = ctx.request ? guards.get(ctx.request) : undefined;
    if (fromRequest) return fromRequest;
    const g: RequestGuard = { requestId: randomUUID(), ip: ctx.req?.socket?.remoteAddress ?? 'unknown', rate: null, refused: null };
    if (ctx.request) guards.set(ctx.request, g);
    return g;
  };

  const limited = (bucket: string, d: RateDecision, what: string): GraphQLError => {
    metrics.rateLimited.inc({ bucket });
    const retry = Number.isFinite(d.retryAfterMs) ? seconds(d.retryAfterMs) : null;
    const message = retry === null ? `${what}: this request costs more than the whole budget (${d.limit} points); ask for less` : `${what}: rate limit exceeded; retry after ${retry} s`;
    return refusal('RATE_LIMITED', message, { bucket, limit: d.limit, remaining: d.remaining, ...(retry !== null ? { retryAfterSeconds: retry } : {}) }, 429, retry !== null ? { 'Retry-After': String(retry) } : undefined);
  };

  /** Takes the points of one operation from its buckets; returns a refusal, or the refund to make later. */
  async function charge(ctx: GuardContext, g: RequestGuard, type: OperationType, cost: { total: number; roots: { field: string; cost: number; args: Record<string, unknown> }[] }): Promise<GraphQLError | { key: string; policy: BucketPolicy; taken: number } | null> {
    if (ctx.operator) return null; // operators are not rate limited
    if (type === 'mutation' && cost.roots.some((r) => r.field === 'createAccount')) {
      const d = await limiter.take(`signup:${g.ip}`, 1, policies.signup);
      if (!d.allowed) return limited('signup', d, 'sign-ups from this address');
    }
    let points = cost.total;
    if (ctx.account && type === 'mutation') {
      const samples = cost.roots.filter((r) => METRIC_REPORT_FIELDS.has(r.field)).reduce((s, r) => s + r.cost, 0);
      if (samples > 0) {
        const d = await limiter.take(`metrics:${ctx.account.id}`, samples, policies.metrics);
        if (!d.allowed) return limited('metrics', d, 'metric reports of this account');
        points -= samples;
      }
    }
    const [key, policy, bucket] = ctx.account ? [`account:${ctx.account.id}`, policies.account, 'account'] : [`anonymous:${g.ip}`, policies.anonymous, 'anonymous'];
    const d = await limiter.take(key, points, policy);
    g.rate = d;
    if (!d.allowed) {
      g.refused = d;
      return limited(bucket, d, ctx.account ? 'query cost points of this account' : 'requests without a token from this address');
    }
    return { key, policy, taken: points };
  }

  /** Aborted by the deadline or when the client goes away; `done` releases the timer. */
  function deadline(ctx: GuardContext): { signal: AbortSignal; done(): void } {
    const ac = new AbortController();
    const cancel = svc.clock.setTimeout(() => {
      metrics.costRefusals.inc({ limit: 'timeout' });
      ac.abort(refusal('QUERY_TIMEOUT', `the operation ran longer than ${settings.timeoutMs} ms and was stopped (NODELESS_QUERY_TIMEOUT_MS); ask for less`, { limit: 'NODELESS_QUERY_TIMEOUT_MS', max: settings.timeoutMs }, 504));
    }, settings.timeoutMs);
    const client = ctx.request?.signal;
    const onAbort = () => ac.abort(refusal('CLIENT_CLOSED_REQUEST', 'the client went away'));
    if (client) {
      if (client.aborted) onAbort();
      else client.addEventListener('abort', onAbort, { once: true });
    }
    return {
      signal: ac.signal,
      done() {
        cancel();
        client?.removeEventListener('abort', onAbort);
      },
    };
  }

  function checkCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown, type: OperationType) {
    const cost = requestedCost(schema, document, operationName, (variables ?? {}) as Record<string, unknown>, costModel);
    const max = type === 'subscription' ? settings.maxSubscriptionCost : settings.maxCost;
    if (cost.total > max) {
      metrics.costRefusals.inc({ limit: 'cost' });
      const name = type === 'subscription' ? 'NODELESS_MAX_SUBSCRIPTION_COST' : 'NODELESS_MAX_QUERY_COST';
      return { cost, error: refusal('MAX_COST_EXCEEDED', `the ${type} would cost ${formatCost(cost.total)} points; at most ${max} are allowed (${name}): ask for smaller pages (first/last) or fewer fields`, { limit: name, max, requested: formatCost(cost.total) }) };
    }
    return { cost, error: null };
  }

  return {
    async authFailed(ip: string) {
      const d = await limiter.take(`auth:${ip}`, 1, policies.auth);
      if (!d.allowed) metrics.rateLimited.inc({ bucket: 'auth' });
      return d.allowed;
    },
    authRateLimited() {
      const retry = seconds(60_000 / Math.max(1, settings.authFailuresPerMinute));
      return refusal('RATE_LIMITED', `too many failed authentications from this address (NODELESS_AUTH_FAILURES_PER_MINUTE: ${settings.authFailuresPerMinute}); retry after ${retry} s`, { bucket: 'auth', retryAfterSeconds: retry }, 429, { 'Retry-After': String(retry) });
    },

    onRequest({ request, serverContext }) {
      const given = request.headers.get('x-request-id');
      const sc = serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined;
      guards.set(request, { requestId: given && REQUEST_ID.test(given) ? given : randomUUID(), ip: sc?.req?.socket?.remoteAddress ?? 'unknown', rate: null, refused: null });
    },

    onParams({ params, setResult }) {
      const bad = preParseRefusal(params.query, settings, metrics);
      if (bad) setResult({ errors: [bad] });
    },

    onParse({ setParseFn, parseFn }) {
      setParseFn((source, options) => parseFn(source, { ...options, maxTokens: settings.maxQueryTokens }));
    },

    onValidate({ params, context, setResult }) {
      const ctx = context as unknown as GuardContext;
      const shape = shapeOf(params.documentAST, ctx.params?.operationName);
      const over: [string, string, number, number, string][] = [
        ['MAX_DEPTH_EXCEEDED', 'depth', shape.depth, settings.maxDepth, 'NODELESS_MAX_QUERY_DEPTH'],
        ['MAX_ALIASES_EXCEEDED', 'aliases', shape.aliases, settings.maxAliases, 'NODELESS_MAX_QUERY_ALIASES'],
        ['MAX_FIELDS_EXCEEDED', 'fields', shape.fields, settings.maxFields, 'NODELESS_MAX_QUERY_FIELDS'],
      ];
      for (const [code, what, value, max, name] of over) {
        if (value <= max) continue;
        metrics.costRefusals.inc({ limit: what });
        const shown = formatCost(value);
        setResult([refusal(code, `the operation has ${shown} ${what === 'depth' ? 'levels of nesting' : what} (fragments expanded); at most ${max} are allowed (${name})`, { limit: name, max, actual: shown })]);
        return;
      }
    },

    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as unknown as GuardContext;
      const g = guardOf(ctx);
      const op = operationOf(args.document, args.operationName);
      const type = (op?.operation ?? 'query') as OperationType;
      const fields = rootFields(op);
      const field = fields.length === 1 ? fields[0] : fields.length === 0 ? '' : 'multiple';
      const started = performance.now();
      const stop = (error: GraphQLError) => {
        metrics.requests.inc({ type, field, outcome: 'refused' });
        log.info({ requestId: g.requestId, account: ctx.account?.id ?? null, type, fields, operationName: args.operationName ?? null, code: error.extensions.code }, 'refused');
        setResultAndStopExecution({ errors: [error] });
      };
      const { cost, error } = checkCost(args.schema, args.document, args.operationName, args.variableValues, type);
      if (error) return stop(error);
      const charged = await charge(ctx, g, type, cost);
      if (charged instanceof GraphQLError) return stop(charged);
      const timer = cost.total >= settings.deadlineMinCost ? deadline(ctx) : null;
      if (timer) (args as { signal?: AbortSignal }).signal = timer.signal;
      return {
        async onExecuteDone({ result, setResult }) {
          timer?.done();
          if (!isResult(result)) return;
          let actual = Math.min(cost.total, actualCost(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown>, costModel, result.data ?? null));
          if (!Number.isFinite(actual)) actual = cost.total;
          let status = g.rate;
          if (charged && actual < charged.taken && status) {
            // give back what was not used; the answer does not wait for the store to say so
            const back = Math.min(charged.taken, cost.total - actual);
            void limiter.refund(charged.key, back, charged.policy).catch((err) => log.warn({ err, requestId: g.requestId }, 'refunding query points failed'));
            status = { ...status, remaining: Math.min(status.limit, status.remaining + Math.floor(back)) };
            g.rate = status;
          }
          const codes = (result.errors ?? []).map((e) => (e as GraphQLError).extensions?.code ?? 'INTERNAL_SERVER_ERROR');
          const ms = performance.now() - started;
          metrics.requests.inc({ type, field, outcome: codes.length ? 'error' : 'ok' });
          metrics.requestDuration.observe({ type, field }, ms / 1000);
          log.info({ requestId: g.requestId, account: ctx.account?.id ?? null, type, fields, operationName: args.operationName ?? null, ms: Math.round(ms * 10) / 10, cost: { requested: cost.total, actual }, ...(codes.length ? { errors: codes } : {}) }, 'graphql');
          setResult({
            ...result,
            extensions: {
              ...(result.extensions ?? {}),
              requestId: g.requestId,
              cost: {
                requestedQueryCost: cost.total,
                actualQueryCost: actual,
                ...(status ? { throttleStatus: { maximumAvailable: status.limit, currentlyAvailable: status.remaining, restoreRate: (charged?.policy ?? policies.account).refillPerSecond } } : {}),
              },
            },
          });
        },
      };
    },

    async onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as unknown as GuardContext;
      const g = guardOf(ctx);
      const op = operationOf(args.document, args.operationName);
      const fields = rootFields(op);
      const field = fields.length === 1 ? fields[0] : 'multiple';
      const stop = (error: GraphQLError) => {
        metrics.requests.inc({ type: 'subscription', field, outcome: 'refused' });
        setResultAndStopExecution({ errors: [error] });
      };
      const { cost, error } = checkCost(args.schema, args.document, args.operationName, args.variableValues, 'subscription');
      if (error) return stop(error);
      const accountId = ctx.account?.id;
      if (accountId && (liveSubscriptions.get(accountId) ?? 0) >= settings.subscriptionsPerAccount) {
        metrics.socketRefusals.inc({ reason: 'subscriptions_per_account' });
        return stop(refusal('LIMIT_EXCEEDED', `this account already has ${settings.subscriptionsPerAccount} live subscriptions on this server (NODELESS_MAX_SUBSCRIPTIONS_PER_ACCOUNT); end some first`, { limit: 'NODELESS_MAX_SUBSCRIPTIONS_PER_ACCOUNT', max: settings.subscriptionsPerAccount }));
      }
      // reserve the place before anything awaits (subscriptions of one account arrive concurrently)
      if (accountId) liveSubscriptions.set(accountId, (liveSubscriptions.get(accountId) ?? 0) + 1);
      let ended = false;
      const end = () => {
        if (ended || !accountId) return;
        ended = true;
        const n = (liveSubscriptions.get(accountId) ?? 1) - 1;
        if (n <= 0) liveSubscriptions.delete(accountId);
        else liveSubscriptions.set(accountId, n);
      };
      const charged = await charge(ctx, g, 'subscription', cost);
      if (charged instanceof GraphQLError) {
        end();
        return stop(charged);
      }
      metrics.requests.inc({ type: 'subscription', field, outcome: 'ok' });
      log.info({ requestId: g.requestId, account: accountId ?? null, type: 'subscription', fields, operationName: args.operationName ?? null, cost: { requested: cost.total } }, 'subscribe');
      // the client going away ends the subscription (graphql-ws returns the iterator itself)
      if (ctx.request?.signal) (args as { signal?: AbortSignal }).signal = ctx.request.signal;
      if (!accountId) return;
      metrics.subscriptions.inc({});
      const endLive = () => {
        if (!ended) metrics.subscriptions.dec({});
        end();
      };
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            endLive(); // refused or failed at once: nothing stays live
            return;
          }
          return { onEnd: endLive };
        },
      };
    },

    onResponse({ request, response }) {
      const g = guards.get(request);
      if (!g) return;
      response.headers.set('x-request-id', g.requestId);
      const d = g.refused ?? g.rate;
      if (!d) return;
      response.headers.set('RateLimit-Limit', String(d.limit));
      response.headers.set('RateLimit-Remaining', String(d.remaining));
      response.headers.set('RateLimit-Reset', String(Math.ceil(d.resetMs / 1000)));
    },
  };
}

function isResult(r: unknown): r is ExecutionResult {
  return !!r && typeof r === 'object' && !(Symbol.asyncIterator in r);
}

/** Costs can be astronomically large (nested fragments): shown as an integer or in e-notation. */
function formatCost(n: number): string | number {
  return n <= Number.MAX_SAFE_INTEGER ? Math.round(n) : n.toExponential(2);
}
