import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Account } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { UNSTORABLE_TEXT } from '../core/manifest';

const TOKEN_PREFIX = 'nl_';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export type CreateAccountResult = { account: Account; token: string; userErrors: [] } | { account: null; token: null; userErrors: UserError[] };

/** Sign-up: creates an account and its first API token (returned once, stored hashed). */
export async function createAccount(svc: Services, input: { name: string }): Promise<CreateAccountResult> {
  if (!svc.settings.allowSignup) {
    return { account: null, token: null, userErrors: [{ field: [], code: 'SIGNUP_DISABLED', message: 'Sign-up is disabled on this installation; ask an operator for an API token.' }] };
  }
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100 || UNSTORABLE_TEXT.test(name)) {
    return { account: null, token: null, userErrors: [{ field: ['name'], code: 'INVALID_VALUE', message: 'name must be 1 to 100 characters of text' }] };
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const account = await svc.db.account.create({
    data: {
      id: svc.ids.uuid(),
      name,
      createdAt: new Date(svc.clock.now()),
      tokens: { create: { id: svc.ids.uuid(), hash: hashToken(token), prefix: token.slice(0, 10) } },
    },
  });
  return { account, token, userErrors: [] };
}

/** Who a request acts as: the account, and the token it used (its scope). */
export interface Principal {
  account: Account;
  /** The ApiToken row the request presented. */
  tokenId: string;
  /** The token may read but not change anything (mutations are FORBIDDEN). */
  readOnly: boolean;
}

/** The bearer token in an Authorization header value (`Bearer <token>` or the bare token), or null. */
export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const m = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : null;
}

/** Resolves `Authorization: Bearer <token>` (or the bare token) to its principal, or null. */
export async function authenticate(svc: Services, authorization: string | null | undefined): Promise<Principal | null> {
  const token = bearerToken(authorization);
  if (!token || !token.startsWith(TOKEN_PREFIX)) return null;
  const row = await svc.db.apiToken.findUnique({ where: { hash: hashToken(token) }, include: { account: true } });
  if (!row || row.revokedAt) return null;
  return { account: row.account, tokenId: row.id, readOnly: false };
}

/** True when the header carries the operator token (compared in constant time). */
export function isOperator(svc: Services, authorization: string | null | undefined): boolean {
  const token = bearerToken(authorization);
  if (!token) return false;
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(svc.settings.operatorToken).digest();
  return timingSafeEqual(a, b);
}
