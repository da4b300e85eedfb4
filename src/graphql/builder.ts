import SchemaBuilder from '@pothos/core';
import RelayPlugin, { decodeGlobalID, resolveCursorConnection, type DefaultConnectionArguments, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { Account } from '../generated/prisma/client';
import type { Services } from '../app/services';
import type { Denial, Principal } from '../app/accounts';
import { AppError, type UserError } from '../app/errors';
import { isUuid } from '../app/clusters';
import { findUnstorableText } from '../core/manifest';

/**
 * What every resolver gets. Nested fields read through the request's loaders, made on first use
 * and kept with this context: `loaders(ctx, info)` in graphql/loaders.
 */
export interface Context {
  svc: Services;
  account: Account | null;
  /** The account's token used, with its scope (null: anonymous or operator). */
  principal: Principal | null;
  /** The request carries the operator token (fleet and spot capacity operations). */
  operator: boolean;
  /** Why the presented token was refused (`authorize().denial`; null: no token, or a usable one). */
  denial: Denial | null;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC.',
  serialize: (d) => (d instanceof Date ? d.toISOString() : new Date(String(d)).toISOString()),
  parseValue: (v) => {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (Kubernetes specs, labels, annotations).',
  serialize: (v) => v,
  parseValue: (v) => v,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'A problem with the input of a mutation. Nothing was changed.',
  fields: (t) => ({
    field: t.exposeStringList('field', { description: 'Path to the offending input field, e.g. ["manifest","0","spec","replicas"].' }),
    message: t.exposeString('message'),
    code: t.exposeString('code', { description: 'Machine-readable reason, e.g. INVALID_NAME, INVALID_QUANTITY, UNSUPPORTED_KIND, NOT_FOUND.' }),
  }),
});

/** The caller's account, or an UNAUTHENTICATED error. */
export function requireAccount(ctx: Context): Account {
  if (!ctx.account) throw new AppError('UNAUTHENTICATED', 'this operation needs "Authorization: Bearer <token>"; get a token with the createAccount mutation');
  return ctx.account;
}

/** Operator-only fields: FORBIDDEN without the operator token. */
export function requireOperator(ctx: Context): void {
  if (!ctx.operator) throw new AppError('FORBIDDEN', 'this operation is for operators: send "Authorization: Bearer <operator token>" (NODELESS_OPERATOR_TOKEN; printed at start when generated)');
}

/** Accepts a global ID of the expected type (or a bare UUID); anything else is "not found". */
export function parseId(expected: string, raw: string): string | null {
  if (isUuid(raw)) return raw.toLowerCase();
  try {
    const { typename, id } = decodeGlobalID(raw);
    return typename === expected && isUuid(id) ? id : null;
  } catch {
    return null;
  }
}

export const encodeCursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(v) && !findUnstorableText(v, [])) return v;
  } catch {
    /* fall through */
  }
  throw new AppError('BAD_USER_INPUT', 'invalid cursor');
}

export interface Page<T> {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor?: string | null; endCursor?: string | null };
  edges: { cursor: string; node: T }[];
}

/**
 * A Relay connection over a keyset: `fetch` gets the decoded page request and runs ONE query
 * (`limit` rows, reversed order when `inverted`), so a page costs one SQL query at any size.
 */
export function cursorPage<T>(
  args: DefaultConnectionArguments,
  toCursor: (node: T) => string,
  fetch: (page: ResolveCursorConnectionArgs) => Promise<T[]>,
): Promise<Page<T>> {
  return resolveCursorConnection({ args, toCursor: toCursor as (v: unknown) => string, defaultSize: 100, maxSize: 1000 }, async (p) => fetch(p)) as Promise<Page<T>>;
}

/** A cursor holding `n` strings. */
export const isStringTuple =
  (n: number) =>
  (v: unknown): v is string[] =>
    Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string');
