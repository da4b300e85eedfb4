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

/** Resolves `Authorization: Bearer <token>` (or the bare token) to an account, or null. */
export async function authenticate(svc: Services, authorization: string | null | undefined): Promise<Account | null> {
  if (!authorization) return null;
  const m = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization);
  if (!m || !m[1].startsWith(TOKEN_PREFIX)) return null;
  const row = await svc.db.apiToken.findUnique({ where: { hash: hashToken(m[1]) }, include: { account: true } });
  if (!row || row.revokedAt) return null;
  return row.account;
}

/** True when the header carries the operator token (compared in constant time). */
export function isOperator(svc: Services, authorization: string | null | undefined): boolean {
  if (!authorization) return false;
  const m = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization);
  if (!m) return false;
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(svc.settings.operatorToken).digest();
  return timingSafeEqual(a, b);
}
