import type { Account } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { authenticate, bearerToken, isOperator, type Principal } from '../app/accounts';

/** What the Authorization of one request (an HTTP request, or a socket's connection_init) grants. */
export interface RequestAuth {
  /** The caller's account (null: anonymous, or a token that does not resolve). */
  account: Account | null;
  principal: Principal | null;
  /** The request carries the operator token. */
  operator: boolean;
  /** A token was presented and is neither an API token nor the operator token. */
  failed: boolean;
}

/** The one place HTTP and WebSocket requests are authenticated. */
export async function authorize(svc: Services, authorization: string | null | undefined): Promise<RequestAuth> {
  const operator = isOperator(svc, authorization);
  const principal = operator ? null : await authenticate(svc, authorization);
  return { account: principal?.account ?? null, principal, operator, failed: !operator && !principal && bearerToken(authorization) !== null };
}
