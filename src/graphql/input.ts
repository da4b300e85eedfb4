/**
 * Checks on a request's raw input, before the parser sees it (both HTTP and graphql-ws).
 */
import { GraphQLError } from 'graphql';
import { findUnstorableText, UNSTORABLE_TEXT } from '../core/manifest';

/** The same, written as GraphQL string escapes in the query text (`"\u0000"`, a lone `"\uD800"`). */
const UNSTORABLE_ESCAPE = /\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/;

/**
 * Text PostgreSQL cannot store (NUL, unpaired surrogates) is refused for the whole request, in
 * the query or in any variable, before anything runs.
 */
export function unstorableInput(query: unknown, variables: unknown): GraphQLError | null {
  const inQuery = typeof query === 'string' && (UNSTORABLE_TEXT.test(query) || UNSTORABLE_ESCAPE.test(query));
  const hit = (inQuery ? ['query'] : null) ?? findUnstorableText(variables ?? {}, ['variables']);
  if (!hit) return null;
  return new GraphQLError(`${hit.join('.')}: contains a NUL character or an unpaired UTF-16 surrogate`, { extensions: { code: 'BAD_USER_INPUT' } });
}
