import type { ApiToken } from '../../generated/prisma/client';
import { builder, cursorPage, decodeCursor, encodeCursor, parseId, requireAccount, UserErrorRef } from '../builder';
import { isUuid } from '../../app/clusters';
import { createApiToken, findApiToken, listApiTokens, revokeApiToken, rotateApiToken, tokenStatus, type TokenScope } from '../../app/apiTokens';

export const ApiTokenScopeEnum = builder.enumType('ApiTokenScope', {
  description: 'What a token may do.',
  values: {
    READ_WRITE: { description: 'Everything the account may do.' },
    READ_ONLY: { description: 'Queries and subscriptions only: every mutation is refused (FORBIDDEN, extensions.reason READ_ONLY_TOKEN).' },
  } as const,
});

export const ApiTokenStatusEnum = builder.enumType('ApiTokenStatus', {
  values: {
    ACTIVE: { description: 'Works (a rotated token in its grace period too, with `revokedAt` ahead).' },
    EXPIRED: { description: 'Past `expiresAt`.' },
    REVOKED: { description: 'Revoked, or replaced by a rotation whose grace period is over.' },
  } as const,
});

export const ApiTokenRef = builder.objectRef<ApiToken>('ApiToken');

builder.node(ApiTokenRef, {
  id: { resolve: (t) => t.id },
  description: 'A named API token of your account. The secret is shown once, when it is made; only its prefix is kept in the clear.',
  loadOne: (id, ctx) => (ctx.account && isUuid(id) ? findApiToken(ctx.svc, ctx.account.id, id.toLowerCase()) : null),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique among the account’s active tokens.' }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the token, to recognise it (e.g. "nl_AbC123x").' }),
    scope: t.field({ type: ApiTokenScopeEnum, resolve: (tok) => tok.scope as TokenScope }),
    status: t.field({ type: ApiTokenStatusEnum, description: 'What the token is now.', resolve: (tok, _, ctx) => tokenStatus(tok, ctx.svc.clock.now()) }),
    current: t.boolean({ description: 'This request was made with this token.', resolve: (tok, _, ctx) => ctx.principal?.tokenId === tok.id }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Last request made with it, to the minute (recorded at most once a minute).' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'null: never expires.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it stopped (or, for a rotated token in its grace period, will stop) working.' }),
    rotatedFromId: t.globalID({
      nullable: true,
      description: 'The id of the token this one replaced in a rotation.',
      resolve: (tok) => (tok.rotatedFromId ? { type: 'ApiToken', id: tok.rotatedFromId } : null),
    }),
  }),
});

const isTokenCursor = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && typeof v[1] === 'string' && isUuid(v[1]);

builder.queryField('apiTokens', (t) =>
  t.connection({
    type: ApiTokenRef,
    description: 'Your account’s tokens, oldest first (revoked and expired ones too, unless `activeOnly`).',
    args: { activeOnly: t.arg.boolean({ description: 'Only the tokens that work now.' }) },
    resolve: (_, args, ctx) => {
      const account = requireAccount(ctx);
      return cursorPage(args, (tok: ApiToken) => encodeCursor([tok.createdAt.toISOString(), tok.id]), ({ after, before, limit, inverted }) =>
        listApiTokens(ctx.svc, account.id, { activeOnly: args.activeOnly }, { after: decodeCursor(after, isTokenCursor), before: decodeCursor(before, isTokenCursor), limit, inverted }),
      );
    },
  }),
);

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 64 characters, unique among your active tokens (e.g. "ci", "grafana").' }),
    scope: t.field({ type: ApiTokenScopeEnum, description: 'Default READ_WRITE.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working (in the future, at most 10 years ahead); left out: never.' }),
  }),
});

const CreateApiTokenPayload = builder.objectRef<Awaited<ReturnType<typeof createApiToken>>>('CreateApiTokenPayload').implement({
  fields: (t) => ({
    token: t.string({ nullable: true, description: 'The secret, shown only once. Send it as "Authorization: Bearer <token>".', resolve: (p) => p.token }),
    apiToken: t.field({ type: ApiTokenRef, nullable: true, resolve: (p) => p.apiToken }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('createApiToken', (t) =>
  t.field({
    type: CreateApiTokenPayload,
    description: 'A new named token for your account (ALREADY_EXISTS for a name in use, LIMIT_EXCEEDED past the cap of active tokens, 50 by default).',
    args: { input: t.arg({ type: CreateApiTokenInput, required: true }) },
    resolve: (_, { input }, ctx) => createApiToken(ctx.svc, requireAccount(ctx).id, input),
  }),
);

const RevokeApiTokenInput = builder.inputType('RevokeApiTokenInput', {
  fields: (t) => ({ id: t.id({ required: true, description: 'The token’s id.' }) }),
});

const RevokeApiTokenPayload = builder.objectRef<Awaited<ReturnType<typeof revokeApiToken>>>('RevokeApiTokenPayload').implement({
  fields: (t) => ({
    apiToken: t.field({ type: ApiTokenRef, nullable: true, resolve: (p) => p.apiToken }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('revokeApiToken', (t) =>
  t.field({
    type: RevokeApiTokenPayload,
    description: 'Revokes one of your tokens at once (a rotated token still in its grace period too): its next request is UNAUTHENTICATED and its sockets are closed.',
    args: { input: t.arg({ type: RevokeApiTokenInput, required: true }) },
    resolve: (_, { input }, ctx) => revokeApiToken(ctx.svc, requireAccount(ctx).id, parseId('ApiToken', String(input.id)), String(input.id)),
  }),
);

const RotateApiTokenInput = builder.inputType('RotateApiTokenInput', {
  fields: (t) => ({
    id: t.id({ required: true, description: 'The token to replace.' }),
    graceSeconds: t.int({ description: 'How long the old token keeps working (0 to 3600; default 0: revoked at once).' }),
    expiresAt: t.field({ type: 'DateTime', description: 'Expiry of the new token; left out: the old token’s lifetime counted from now (never, if it never expired).' }),
  }),
});

const RotateApiTokenPayload = builder.objectRef<Awaited<ReturnType<typeof rotateApiToken>>>('RotateApiTokenPayload').implement({
  fields: (t) => ({
    token: t.string({ nullable: true, description: 'The new secret, shown only once.', resolve: (p) => p.token }),
    apiToken: t.field({ type: ApiTokenRef, nullable: true, description: 'The new token (same name and scope).', resolve: (p) => p.apiToken }),
    previous: t.field({ type: ApiTokenRef, nullable: true, description: 'The old token, with the `revokedAt` it got.', resolve: (p) => p.previous }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('rotateApiToken', (t) =>
  t.field({
    type: RotateApiTokenPayload,
    description: 'A new secret for the same name and scope; the old token is revoked at once or after `graceSeconds`.',
    args: { input: t.arg({ type: RotateApiTokenInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      const raw = String(input.id);
      return rotateApiToken(ctx.svc, requireAccount(ctx).id, { id: parseId('ApiToken', raw), rawId: raw, graceSeconds: input.graceSeconds, expiresAt: input.expiresAt });
    },
  }),
);
