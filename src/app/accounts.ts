import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account, ApiToken, Prisma } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { UNSTORABLE_TEXT } from '../core/manifest';
import { accessSettings, activeTokenWhere, DEFAULT_TOKEN_NAME, hashToken, insertToken, publishAccess, TOKEN_PREFIX, tokenStatus, validateTokenName } from './apiTokens';
import { keysetWhere } from './keyset';


/** An account as the API shows it; `activeTokens` is filled in by listings (one query per page). */
export type AccountView = Account & { activeTokens?: number };

export type AccountStatus = 'ACTIVE' | 'SUSPENDED';
export const accountStatus = (a: Pick<Account, 'suspendedAt'>): AccountStatus => (a.suspendedAt ? 'SUSPENDED' : 'ACTIVE');

export type CreateAccountResult =
  | { account: Account; token: string; apiToken: ApiToken; userErrors: [] }
  | { account: null; token: null; apiToken: null; userErrors: UserError[] };

const failed = (...userErrors: UserError[]): CreateAccountResult => ({ account: null, token: null, apiToken: null, userErrors });

function validateAccountName(raw: string): { name: string } | UserError {
  const name = raw.trim();
  if (name.length < 1 || name.length > 100 || UNSTORABLE_TEXT.test(name)) return { field: ['name'], code: 'INVALID_VALUE', message: 'name must be 1 to 100 characters of text' };
  return { name };
}

/** Sign-up: creates an account and its first API token (named "default", returned once, stored hashed). */
export async function createAccount(svc: Services, input: { name: string }): Promise<CreateAccountResult> {
  if (!svc.settings.allowSignup) {
    return failed({ field: [], code: 'SIGNUP_DISABLED', message: 'Sign-up is disabled on this installation; ask an operator for an account (provisionAccount).' });
  }
  return openAccount(svc, input);
}

/**
 * An operator opens an account, whatever NODELESS_ALLOW_SIGNUP says: the account and its first
 * token (named `tokenName`, default "default"), shown once. Callers check the operator token.
 */
export async function provisionAccount(svc: Services, input: { name: string; tokenName?: string | null }): Promise<CreateAccountResult> {
  return openAccount(svc, input);
}

async function openAccount(svc: Services, input: { name: string; tokenName?: string | null }): Promise<CreateAccountResult> {
  const errors: UserError[] = [];
  const account = validateAccountName(input.name);
  if ('code' in account) errors.push(account);
  const tokenName = validateTokenName(input.tokenName ?? DEFAULT_TOKEN_NAME, ['tokenName']);
  if (tokenName.error) errors.push(tokenName.error);
  if ('code' in account || !tokenName.name || errors.length) return failed(...errors);
  const name = tokenName.name;
  return svc.db.$transaction(async (tx) => {
    const created = await tx.account.create({ data: { id: svc.ids.uuid(), name: account.name, createdAt: new Date(svc.clock.now()) } });
    const { apiToken, token } = await insertToken(tx, svc, created.id, { name, scope: 'READ_WRITE', expiresAt: null });
    return { account: created, token, apiToken, userErrors: [] };
  });
}

/** Any account by id (operators). */
export async function findAccount(svc: Services, id: string): Promise<Account | null> {
  return svc.db.account.findUnique({ where: { id } });
}

/** Active tokens (neither revoked nor expired) of one account. */
export async function countActiveTokens(svc: Services, accountId: string): Promise<number> {
  return svc.db.apiToken.count({ where: { accountId, ...activeTokenWhere(new Date(svc.clock.now())) } });
}

export type AccountChangeResult = { account: AccountView | null; userErrors: UserError[] };

const accountNotFound = (raw: string): UserError => ({ field: ['id'], code: 'NOT_FOUND', message: `account ${raw} not found` });

/**
 * Suspends an account (operators): from the next request on, every token of the account is
 * refused (FORBIDDEN, reason ACCOUNT_SUSPENDED) on every surface, and api processes are told to
 * close its sockets. Its clusters and data stay as they are. An account already suspended is
 * refused with ALREADY_SUSPENDED (reinstate it first to change the reason).
 */
export async function suspendAccount(svc: Services, input: { id: string | null; rawId: string; reason: string }): Promise<AccountChangeResult> {
  const reason = input.reason.trim();
  const errors: UserError[] = [];
  if (!input.id || !(await findAccount(svc, input.id))) errors.push(accountNotFound(input.rawId));
  if (reason.length < 1 || reason.length > 500 || UNSTORABLE_TEXT.test(reason)) errors.push({ field: ['reason'], code: 'INVALID_VALUE', message: 'reason must be 1 to 500 characters of text' });
  if (errors.length || !input.id) return { account: null, userErrors: errors };
  const now = new Date(svc.clock.now());
  const { count } = await svc.db.account.updateMany({ where: { id: input.id, suspendedAt: null }, data: { suspendedAt: now, suspendedReason: reason } });
  const account = (await findAccount(svc, input.id))!;
  if (count === 0) return { account: null, userErrors: [{ field: ['id'], code: 'ALREADY_SUSPENDED', message: `account ${input.rawId} is suspended since ${account.suspendedAt!.toISOString()}` }] };
  await publishAccess(svc, account.id, { suspended: true });
  return { account, userErrors: [] };
}

/** Lifts a suspension (operators): the account's tokens that are still valid work again. NOT_SUSPENDED otherwise. */
export async function reinstateAccount(svc: Services, input: { id: string | null; rawId: string }): Promise<AccountChangeResult> {
  if (!input.id || !(await findAccount(svc, input.id))) return { account: null, userErrors: [accountNotFound(input.rawId)] };
  const { count } = await svc.db.account.updateMany({ where: { id: input.id, suspendedAt: { not: null } }, data: { suspendedAt: null, suspendedReason: null } });
  if (count === 0) return { account: null, userErrors: [{ field: ['id'], code: 'NOT_SUSPENDED', message: `account ${input.rawId} is not suspended` }] };
  await publishAccess(svc, input.id, { suspended: false });
  return { account: await findAccount(svc, input.id), userErrors: [] };
}

/** A page of all accounts by name (operators), with their active token counts: one query. */
export async function listAccounts(
  svc: Services,
  filter: { status?: AccountStatus | null; name?: string | null },
  page: { after?: [string, string]; before?: [string, string]; limit: number; inverted: boolean },
): Promise<AccountView[]> {
  const now = new Date(svc.clock.now());
  const keyset = (k: [string, string], op: 'gt' | 'lt'): Prisma.AccountWhereInput => keysetWhere(['name', 'id'], k, op);
  const dir = page.inverted ? 'desc' : 'asc';
  const rows = await svc.db.account.findMany({
    where: {
      ...(filter.status === 'SUSPENDED' ? { suspendedAt: { not: null } } : filter.status === 'ACTIVE' ? { suspendedAt: null } : {}),
      ...(filter.name ? { name: { contains: filter.name.trim(), mode: 'insensitive' as const } } : {}),
      AND: [page.after ? keyset(page.after, 'gt') : {}, page.before ? keyset(page.before, 'lt') : {}],
    },
    orderBy: [{ name: dir }, { id: dir }],
    take: page.limit,
    include: { _count: { select: { tokens: { where: activeTokenWhere(now) } } } },
  });
  return rows.map(({ _count, ...a }) => ({ ...a, activeTokens: _count.tokens }));
}

// ───────────────────────────── authentication ─────────────────────────────

/** Who a request acts as: the account, and the token it used (its scope). */
export interface Principal {
  account: Account;
  /** The ApiToken row the request presented. */
  tokenId: string;
  /** The token's name (for messages and logs). */
  tokenName: string;
  /** The token may read but not change anything (mutations are FORBIDDEN). */
  readOnly: boolean;
}

/** Why a presented token does not act for its account. */
export type DenialReason = 'TOKEN_UNKNOWN' | 'TOKEN_REVOKED' | 'TOKEN_EXPIRED' | 'ACCOUNT_SUSPENDED';

export interface Denial {
  /** UNAUTHENTICATED for a token that is not (or no longer) valid; FORBIDDEN for a suspended account's. */
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  reason: DenialReason;
  message: string;
}

/** What an Authorization header value amounts to (operator tokens are checked apart: isOperator). */
export type TokenCheck = { principal: null; denial: null } | { principal: Principal; denial: null } | { principal: null; denial: Denial };

/** The bearer token in an Authorization header value (`Bearer <token>` or the bare token), or null. */
export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const m = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : null;
}

/**
 * The one decision on an API token, for every surface: no token (anonymous), a principal, or a
 * denial. Reads the token and its account on every call, so a revocation or a suspension holds
 * from the next request on. Records `lastUsedAt`, writing at most once per resolution
 * (`lastUsedResolutionMs`, a minute) per token whatever the number of processes.
 */
export async function checkToken(svc: Services, authorization: string | null | undefined): Promise<TokenCheck> {
  const token = bearerToken(authorization);
  if (!token) return { principal: null, denial: null };
  const deny = (code: Denial['code'], reason: DenialReason, message: string): TokenCheck => ({ principal: null, denial: { code, reason, message } });
  const unknown = () => deny('UNAUTHENTICATED', 'TOKEN_UNKNOWN', 'the bearer token is not a valid API token; get one with createAccount (or from an operator)');
  if (!token.startsWith(TOKEN_PREFIX)) return unknown();
  const row = await svc.db.apiToken.findUnique({ where: { hash: hashToken(token) }, include: { account: true } });
  if (!row) return unknown();
  const now = svc.clock.now();
  const status = tokenStatus(row, now);
  if (status === 'REVOKED') return deny('UNAUTHENTICATED', 'TOKEN_REVOKED', `the token "${row.name}" (${row.prefix}…) was revoked at ${row.revokedAt!.toISOString()}`);
  if (status === 'EXPIRED') return deny('UNAUTHENTICATED', 'TOKEN_EXPIRED', `the token "${row.name}" (${row.prefix}…) expired at ${row.expiresAt!.toISOString()}`);
  if (row.account.suspendedAt) {
    return deny('FORBIDDEN', 'ACCOUNT_SUSPENDED', `the account is suspended since ${row.account.suspendedAt.toISOString()}: ${row.account.suspendedReason ?? 'no reason given'}; contact the operator`);
  }
  const resolution = accessSettings(svc).lastUsedResolutionMs;
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= resolution) {
    // conditional, so concurrent requests (any process) write once per resolution
    await svc.db.apiToken
      .updateMany({ where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(now - resolution) } }] }, data: { lastUsedAt: new Date(now) } })
      .catch((err) => svc.log.warn({ err }, 'recording lastUsedAt failed'));
  }
  const { account, ...t } = row;
  return { principal: { account, tokenId: t.id, tokenName: t.name, readOnly: t.scope === 'READ_ONLY' }, denial: null };
}

/** True when the header carries the operator token (compared in constant time). */
export function isOperator(svc: Services, authorization: string | null | undefined): boolean {
  const token = bearerToken(authorization);
  if (!token) return false;
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(svc.settings.operatorToken).digest();
  return timingSafeEqual(a, b);
}
