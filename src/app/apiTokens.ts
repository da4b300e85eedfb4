import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken, Prisma } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { lockScope } from './limits';
import { topics, type AccountAccessMessage } from './topics';
import { UNSTORABLE_TEXT } from '../core/manifest';
import { keysetWhere } from './keyset';

/** Every API token starts with this (operator tokens do not). */
export const TOKEN_PREFIX = 'nl_';
/** The name of the token made at sign-up (and by an operator's provisionAccount unless named). */
export const DEFAULT_TOKEN_NAME = 'default';

export type TokenScope = 'READ_WRITE' | 'READ_ONLY';
export const TOKEN_SCOPES: readonly TokenScope[] = ['READ_WRITE', 'READ_ONLY'];

/**
 * Token limits and timing. Defaults below; a composition root may set `svc.settings.access`
 * (e.g. from NODELESS_TOKENS_PER_ACCOUNT) to override them.
 */
export interface AccessSettings {
  /** `lastUsedAt` is written at most once per this many milliseconds per token. */
  lastUsedResolutionMs: number;
  /** Longest grace period of a rotation: the old token keeps working this long. */
  maxRotationGraceSeconds: number;
  /** Furthest a token's expiry may be set ahead. */
  maxTokenLifetimeMs: number;
}

export const defaultAccessSettings: AccessSettings = {
  lastUsedResolutionMs: 60_000,
  maxRotationGraceSeconds: 3600,
  maxTokenLifetimeMs: 10 * 366 * 86_400_000,
};

export function accessSettings(svc: Services): AccessSettings & { tokensPerAccount: number } {
  const configured = (svc.settings as { access?: Partial<AccessSettings> }).access;
  return { ...defaultAccessSettings, ...configured, tokensPerAccount: svc.settings.limits.tokensPerAccount };
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new secret: the token (shown once), its hash (stored) and the prefix shown in listings. */
export function mintToken(): { token: string; hash: string; prefix: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token), prefix: token.slice(0, 10) };
}

/**
 * An active token: not revoked (not even at a future instant, as a rotated one in its grace
 * period is) and not expired. Active tokens count against the cap and hold their name.
 */
export const activeTokenWhere = (now: Date): Prisma.ApiTokenWhereInput => ({ revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });

export type TokenStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/** What a token is at `now`: a rotated token in its grace period is still ACTIVE (with revokedAt ahead). */
export function tokenStatus(t: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now: number): TokenStatus {
  if (t.revokedAt && t.revokedAt.getTime() <= now) return 'REVOKED';
  if (t.expiresAt && t.expiresAt.getTime() <= now) return 'EXPIRED';
  return 'ACTIVE';
}

/** Validates a token name: 1 to 64 characters of printable text (trimmed). */
export function validateTokenName(raw: string, field: string[]): { name: string; error: null } | { name: null; error: UserError } {
  const name = raw.trim();
  if (name.length < 1 || name.length > 64 || UNSTORABLE_TEXT.test(name) || /\p{Cc}/u.test(name)) {
    return { name: null, error: { field, code: 'INVALID_VALUE', message: 'name must be 1 to 64 characters of printable text' } };
  }
  return { name, error: null };
}

function validateExpiry(svc: Services, expiresAt: Date | null | undefined, field: string[]): UserError | null {
  if (expiresAt === null || expiresAt === undefined) return null;
  const now = svc.clock.now();
  if (expiresAt.getTime() <= now) return { field, code: 'INVALID_VALUE', message: `expiresAt must be in the future (now is ${new Date(now).toISOString()})` };
  const max = accessSettings(svc).maxTokenLifetimeMs;
  if (expiresAt.getTime() - now > max) return { field, code: 'INVALID_VALUE', message: `expiresAt must be at most ${Math.floor(max / 86_400_000)} days ahead` };
  return null;
}

/** Tells the api processes to drop what a token or an account may no longer do (see AccountAccessMessage). */
export async function publishAccess(svc: Services, accountId: string, message: AccountAccessMessage): Promise<void> {
  try {
    await svc.bus.publish(topics.accountAccess(accountId), message);
  } catch (err) {
    // The store is the truth (every request re-reads the token and account); the message only
    // lets open sockets close at once.
    svc.log.error({ err, topic: topics.accountAccess(accountId) }, 'publishing an access change failed');
  }
}

type Tx = Prisma.TransactionClient;
const tokenLock = (accountId: string) => `tokens:${accountId}`;

/** Inside a transaction holding the account's token lock: is `name` held by an active token (other than `exceptId`)? */
async function nameTaken(tx: Tx, accountId: string, name: string, now: Date, exceptId?: string): Promise<boolean> {
  return (await tx.apiToken.count({ where: { accountId, name, ...(exceptId ? { id: { not: exceptId } } : {}), ...activeTokenWhere(now) } })) > 0;
}

export type CreateTokenResult = { apiToken: ApiToken; token: string; userErrors: [] } | { apiToken: null; token: null; userErrors: UserError[] };

/** Writes a new token row (inside the caller's transaction). */
export async function insertToken(tx: Tx, svc: Services, accountId: string, data: { name: string; scope: TokenScope; expiresAt: Date | null; rotatedFromId?: string }): Promise<{ apiToken: ApiToken; token: string }> {
  const { token, hash, prefix } = mintToken();
  const apiToken = await tx.apiToken.create({
    data: { id: svc.ids.uuid(), accountId, hash, prefix, name: data.name, scope: data.scope, expiresAt: data.expiresAt, rotatedFromId: data.rotatedFromId ?? null, createdAt: new Date(svc.clock.now()) },
  });
  return { apiToken, token };
}

/**
 * A named token for the account: the name unique among its active tokens, at most
 * `tokensPerAccount` active ones (LIMIT_EXCEEDED), optionally read-only and expiring.
 */
export async function createApiToken(svc: Services, accountId: string, input: { name: string; scope?: TokenScope | null; expiresAt?: Date | null }): Promise<CreateTokenResult> {
  const userErrors: UserError[] = [];
  const named = validateTokenName(input.name, ['name']);
  if (named.error) userErrors.push(named.error);
  const scope = input.scope ?? 'READ_WRITE';
  if (!TOKEN_SCOPES.includes(scope)) userErrors.push({ field: ['scope'], code: 'INVALID_VALUE', message: `scope must be one of ${TOKEN_SCOPES.join(', ')}` });
  const expiry = validateExpiry(svc, input.expiresAt, ['expiresAt']);
  if (expiry) userErrors.push(expiry);
  if (userErrors.length || !named.name) return { apiToken: null, token: null, userErrors };
  const name = named.name;
  const limit = accessSettings(svc).tokensPerAccount;
  const result = await svc.db.$transaction(async (tx) => {
    await lockScope(tx, tokenLock(accountId));
    const now = new Date(svc.clock.now());
    if (await nameTaken(tx, accountId, name, now)) return { field: ['name'], code: 'ALREADY_EXISTS', message: `a token named "${name}" already exists; revoke it, rotate it, or pick another name` } satisfies UserError;
    if ((await tx.apiToken.count({ where: { accountId, ...activeTokenWhere(now) } })) >= limit) {
      return { field: [], code: 'LIMIT_EXCEEDED', message: `an account may have at most ${limit} active tokens; revoke one first` } satisfies UserError;
    }
    return insertToken(tx, svc, accountId, { name, scope, expiresAt: input.expiresAt ?? null });
  });
  if ('code' in result) return { apiToken: null, token: null, userErrors: [result] };
  return { ...result, userErrors: [] };
}

/** A token of this account, or null (another account's token is indistinguishable from none). */
export async function findApiToken(svc: Services, accountId: string, id: string): Promise<ApiToken | null> {
  return svc.db.apiToken.findFirst({ where: { id, accountId } });
}

const notFoundError = (id: string): UserError => ({ field: ['id'], code: 'NOT_FOUND', message: `token ${id} not found` });

export type RevokeTokenResult = { apiToken: ApiToken | null; userErrors: UserError[] };

/**
 * Revokes a token of the account at once (a rotated token still in its grace period too). An
 * already revoked token is refused with ALREADY_REVOKED.
 */
export async function revokeApiToken(svc: Services, accountId: string, id: string | null, rawId: string): Promise<RevokeTokenResult> {
  if (!id) return { apiToken: null, userErrors: [notFoundError(rawId)] };
  const now = new Date(svc.clock.now());
  const { count } = await svc.db.apiToken.updateMany({ where: { id, accountId, OR: [{ revokedAt: null }, { revokedAt: { gt: now } }] }, data: { revokedAt: now } });
  const row = await findApiToken(svc, accountId, id);
  if (!row) return { apiToken: null, userErrors: [notFoundError(rawId)] };
  if (count === 0) return { apiToken: null, userErrors: [{ field: ['id'], code: 'ALREADY_REVOKED', message: `token "${row.name}" was revoked at ${row.revokedAt!.toISOString()}` }] };
  await publishAccess(svc, accountId, { tokenId: id, effectiveAt: now.toISOString() });
  return { apiToken: row, userErrors: [] };
}

export type RotateTokenResult = { apiToken: ApiToken; previous: ApiToken; token: string; userErrors: [] } | { apiToken: null; previous: null; token: null; userErrors: UserError[] };

/**
 * A new secret for the same name and scope. The old token is revoked now, or `graceSeconds`
 * later (at most `maxRotationGraceSeconds`) so running clients can switch over. The new token
 * expires at `expiresAt`, or (left out) after the old token's lifetime counted from now (never,
 * if the old one never expired). Rotation does not count against the token cap: it replaces one.
 */
export async function rotateApiToken(svc: Services, accountId: string, input: { id: string | null; rawId: string; graceSeconds?: number | null; expiresAt?: Date | null }): Promise<RotateTokenResult> {
  const fail = (...userErrors: UserError[]): RotateTokenResult => ({ apiToken: null, previous: null, token: null, userErrors });
  const userErrors: UserError[] = [];
  const grace = input.graceSeconds ?? 0;
  const maxGrace = accessSettings(svc).maxRotationGraceSeconds;
  if (!Number.isInteger(grace) || grace < 0 || grace > maxGrace) userErrors.push({ field: ['graceSeconds'], code: 'INVALID_VALUE', message: `graceSeconds must be an integer from 0 to ${maxGrace}` });
  const expiry = validateExpiry(svc, input.expiresAt, ['expiresAt']);
  if (expiry) userErrors.push(expiry);
  if (!input.id) return fail(notFoundError(input.rawId), ...userErrors);
  if (userErrors.length) {
    // an unknown id is reported first (and the same way whoever owns it)
    if (!(await findApiToken(svc, accountId, input.id))) return fail(notFoundError(input.rawId));
    return fail(...userErrors);
  }
  const id = input.id;
  const result = await svc.db.$transaction(async (tx) => {
    await lockScope(tx, tokenLock(accountId));
    const now = svc.clock.now();
    const old = await tx.apiToken.findFirst({ where: { id, accountId } });
    if (!old) return notFoundError(input.rawId);
    if (old.revokedAt) {
      const when = old.revokedAt.getTime() > now ? `will be revoked at ${old.revokedAt.toISOString()} (it was rotated already)` : `was revoked at ${old.revokedAt.toISOString()}`;
      return { field: ['id'], code: 'ALREADY_REVOKED', message: `token "${old.name}" ${when}; rotate its successor or create a new token` } satisfies UserError;
    }
    // an expired token's name is free: another token may have taken it since
    if (await nameTaken(tx, accountId, old.name, new Date(now), old.id)) return { field: ['id'], code: 'ALREADY_EXISTS', message: `another active token is named "${old.name}" now; revoke it first or create a token with a new name` } satisfies UserError;
    const lifetime = old.expiresAt ? old.expiresAt.getTime() - old.createdAt.getTime() : null;
    const expiresAt = input.expiresAt ?? (lifetime === null ? null : new Date(now + lifetime));
    const revokedAt = new Date(now + grace * 1000);
    const previous = await tx.apiToken.update({ where: { id }, data: { revokedAt } });
    const made = await insertToken(tx, svc, accountId, { name: old.name, scope: old.scope as TokenScope, expiresAt, rotatedFromId: old.id });
    return { ...made, previous };
  });
  if ('code' in result) return fail(result);
  await publishAccess(svc, accountId, { tokenId: id, effectiveAt: result.previous.revokedAt!.toISOString() });
  return { ...result, userErrors: [] };
}

/** A page of the account's tokens in creation order (keyset on createdAt, id; one query). */
export async function listApiTokens(
  svc: Services,
  accountId: string,
  filter: { activeOnly?: boolean | null },
  page: { after?: [string, string]; before?: [string, string]; limit: number; inverted: boolean },
): Promise<ApiToken[]> {
  const now = new Date(svc.clock.now());
  const keyset = (k: [string, string], op: 'gt' | 'lt'): Prisma.ApiTokenWhereInput => keysetWhere(['createdAt', 'id'], [new Date(k[0]), k[1]], op);
  const dir = page.inverted ? 'desc' : 'asc';
  return svc.db.apiToken.findMany({
    where: { accountId, AND: [filter.activeOnly ? activeTokenWhere(now) : {}, page.after ? keyset(page.after, 'gt') : {}, page.before ? keyset(page.before, 'lt') : {}] },
    orderBy: [{ createdAt: dir }, { id: dir }],
    take: page.limit,
  });
}
