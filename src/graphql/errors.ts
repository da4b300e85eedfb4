/**
 * How errors leave the API: every error has an `extensions.code`, client mistakes are answered
 * as such (no stack trace logged), and anything unexpected is masked as INTERNAL_SERVER_ERROR
 * and logged once with its stack.
 *
 * Codes of client mistakes (as Apollo and the GraphQL-over-HTTP spec name them):
 *   GRAPHQL_PARSE_FAILED       the document does not parse (syntax, too many tokens, nesting)
 *   GRAPHQL_VALIDATION_FAILED  it does not validate against the schema
 *   BAD_USER_INPUT             variables that do not coerce, an unknown operation name, bad arguments
 * Request-level refusals from the app keep their own codes (UNAUTHENTICATED, FORBIDDEN,
 * NOT_FOUND, RATE_LIMITED, MAX_COST_EXCEEDED, …).
 */
import { GraphQLError } from 'graphql';
import type { Logger } from '../ports/log';

type Path = readonly (string | number)[] | undefined;

/**
 * Errors caused by the request, not by the server: Pothos rejects bad arguments (first: -1, a
 * malformed global ID) with a validation error, and a global ID naming a type that has no nodes
 * with a schema error.
 */
export function isClientError(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null;
  if (!e || typeof e !== 'object') return false;
  return e.name === 'AppError' || e.name === 'PothosValidationError' || (e.name === 'PothosSchemaError' && /has not been implemented/.test(e.message ?? ''));
}

/** A GraphQL error raised before execution (parse, validation, variables): the request's, not an incident. */
export function isRequestError(err: unknown): boolean {
  const e = err as { name?: string; path?: unknown; originalError?: { name?: string } } | null;
  return !!e && typeof e === 'object' && e.name === 'GraphQLError' && !e.path && (!e.originalError || e.originalError.name === 'GraphQLError');
}

/** The code of an error raised before execution (no path): parse, validation, or the request's variables. */
export function requestErrorCode(message: string): string {
  if (message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  if (/^Variable "\$[^"]*" /.test(message) || message.startsWith('Unknown operation named') || message.startsWith('Must provide operation name') || message.startsWith('Must provide an operation')) return 'BAD_USER_INPUT';
  return 'GRAPHQL_VALIDATION_FAILED';
}

const codeOf = (e: unknown): unknown => (e && typeof e === 'object' ? (e as { extensions?: { code?: unknown } }).extensions?.code : undefined);

/**
 * AppErrors become GraphQL errors with `extensions.code`; anything else is masked. Duck-typed on
 * purpose: graphql may be loaded twice (ESM and CJS builds), so `instanceof` is unreliable.
 */
export function maskError(log: Logger) {
  return (error: unknown, message: string): Error => {
    const e = error as { originalError?: unknown; path?: Path; locations?: unknown; message?: string; extensions?: Record<string, unknown> };
    const original = (e && typeof e === 'object' && 'originalError' in e ? e.originalError : error) as { name?: string; code?: string; message?: string; extensions?: Record<string, unknown> } | undefined;
    if (original && original.name === 'AppError' && typeof original.code === 'string') {
      return new GraphQLError(original.message ?? message, { extensions: { ...(original.extensions ?? {}), code: original.code }, path: e.path });
    }
    if (original && isClientError(original)) {
      return new GraphQLError(original.message ?? message, { extensions: { code: 'BAD_USER_INPUT' }, path: e.path });
    }
    // yoga's name for an unknown or missing operation name: the request's mistake
    if (codeOf(e) === 'OPERATION_RESOLUTION_FAILURE') return new GraphQLError(e.message ?? message, { extensions: { ...(e.extensions ?? {}), code: 'BAD_USER_INPUT' } });
    // already coded (a guard refusal, an access refusal)
    if (codeOf(e)) return error as Error;
    if (original && codeOf(original)) return original as unknown as Error;
    // before execution (no path): the document or the variables are the client's mistake
    const isGraphQLError = e && typeof e === 'object' && 'locations' in e && 'path' in e;
    if (isGraphQLError && !e.path && (!original || (original as { name?: string }).name === 'GraphQLError')) {
      const msg = e.message ?? message;
      return new GraphQLError(msg, { extensions: { ...(e.extensions ?? {}), code: requestErrorCode(msg) } });
    }
    log.error({ err: original instanceof Error ? original : error instanceof Error ? error : new Error(String(original ?? error)) }, 'internal error');
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' }, ...(e?.path ? { path: e.path } : {}) });
  };
}
