import { getOperationAST, GraphQLError, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Account } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { checkToken, isOperator, type Denial, type Principal } from '../app/accounts';

/** What the Authorization of one request (an HTTP request, or a socket's connection_init) grants. */
export interface RequestAuth {
  /** The caller's account (null: anonymous, or a token that does not act for one). */
  account: Account | null;
  principal: Principal | null;
  /** The request carries the operator token. */
  operator: boolean;
  /**
   * A token was presented that is not a valid token (unknown, revoked or expired: what guessing
   * produces). A suspended account's genuine token is not a failure: see `denial`.
   */
  failed: boolean;
  /** Why the presented token was refused (unknown, revoked, expired, account suspended), or null. */
  denial: Denial | null;
}

/** The one place HTTP and WebSocket requests are authenticated. */
export async function authorize(svc: Services, authorization: string | null | undefined): Promise<RequestAuth> {
  if (isOperator(svc, authorization)) return { account: null, principal: null, operator: true, failed: false, denial: null };
  const { principal, denial } = await checkToken(svc, authorization);
  return { account: principal?.account ?? null, principal, operator: false, failed: denial?.code === 'UNAUTHENTICATED', denial };
}

/**
 * The Authorization a GraphQL context was built from: the HTTP request's header, or the
 * graphql-ws connection_init payload (`authorization`, `Authorization`, or either in `headers`).
 */
export function requestAuthorization(context: unknown): string | undefined {
  const ctx = (context ?? {}) as { request?: { headers?: { get?(name: string): string | null } }; connectionParams?: unknown };
  const header = ctx.request?.headers?.get?.('authorization');
  if (typeof header === 'string') return header;
  const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
  const nested = (params.headers ?? {}) as Record<string, unknown>;
  const value = params.authorization ?? params.Authorization ?? nested.authorization ?? nested.Authorization;
  return typeof value === 'string' ? value : undefined;
}

/** The refusal of a denied token, as the GraphQL error every surface answers with. */
export function denialError(denial: Denial): GraphQLError {
  return new GraphQLError(denial.message, { extensions: { code: denial.code, reason: denial.reason } });
}

/**
 * How a socket refuses a denied token at connection_init: close code 4401 (UNAUTHENTICATED:
 * unknown, revoked, expired) or 4403 (FORBIDDEN: account suspended), and a reason that starts
 * with the denial reason, e.g. "ACCOUNT_SUSPENDED: the account is suspended since …", cut to the
 * 123 bytes a close frame allows.
 */
export function denialCloseFrame(denial: Denial): { code: 4401 | 4403; reason: string } {
  const chars = Array.from(`${denial.reason}: ${denial.message}`); // code points: never split a surrogate pair
  while (Buffer.byteLength(chars.join(''), 'utf8') > 123) chars.pop();
  return { code: denial.code === 'FORBIDDEN' ? 4403 : 4401, reason: chars.join('') };
}

/**
 * Scopes and suspension, enforced for every operation on every surface (HTTP, SSE, graphql-ws),
 * after parse and validation, before anything resolves:
 * - a token that is unknown, revoked or expired: UNAUTHENTICATED (`extensions.reason`
 *   TOKEN_UNKNOWN / TOKEN_REVOKED / TOKEN_EXPIRED), even for operations open to anonymous callers;
 * - a suspended account's token: FORBIDDEN with `extensions.reason: ACCOUNT_SUSPENDED`;
 * - a read-only token: queries and subscriptions run; a mutation is FORBIDDEN with
 *   `extensions.reason: READ_ONLY_TOKEN`.
 * The token was checked once when the context was built (`authorize`): its principal or its
 * denial is in the context, so nothing is looked up here.
 */
export function useAccessControl(): Plugin {
  const refusal = async (args: ExecutionArgs): Promise<GraphQLError | null> => {
    const ctx = (args.contextValue ?? {}) as { operator?: boolean; principal?: Principal | null; denial?: Denial | null };
    if (ctx.operator) return null;
    if (ctx.denial) return denialError(ctx.denial);
    if (ctx.principal) {
      if (!ctx.principal.readOnly) return null;
      const op = getOperationAST(args.document, args.operationName ?? undefined);
      if (op?.operation !== 'mutation') return null;
      return new GraphQLError(`the token "${ctx.principal.tokenName}" is read-only: it may run queries and subscriptions, not mutations; use a READ_WRITE token`, {
        extensions: { code: 'FORBIDDEN', reason: 'READ_ONLY_TOKEN' },
      });
    }
    return null; // no token: what an anonymous caller may do
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const error = await refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const error = await refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
