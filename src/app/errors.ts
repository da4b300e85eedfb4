import { TOO_MANY_ERRORS as TOO_MANY_ERRORS_CODE, tooManyErrors } from '../core/validation/errors';

/** A problem with the caller's input, reported in a mutation payload's `userErrors`. */
export interface UserError {
  /** Path to the offending input field, e.g. ["manifest", "0", "spec", "replicas"]. */
  field: string[];
  message: string;
  code: string;
}

/**
 * EXPIRED: a `since` older than what the store keeps (Kubernetes' 410 Gone): re-list, then stream from the list's sequence.
 * SLOW_CONSUMER: a subscriber fell too far behind its stream (NODELESS_STREAM_MAX_LAG): resume with `since` (extensions.lastSequence).
 */
export type AppErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'EXPIRED' | 'SLOW_CONSUMER';

/** A request-level failure, surfaced as a GraphQL error with `extensions.code` (and any other `extensions` given). */
export class AppError extends Error {
  readonly extensions: Record<string, unknown>;
  constructor(
    readonly code: AppErrorCode,
    message: string,
    extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.extensions = { ...(extensions ?? {}), code };
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 'P2002';
}

export { TOO_MANY_ERRORS } from '../core/validation/errors';

/**
 * One request returns at most `max` userErrors (limits.userErrors): past the cap, one final entry
 * `{ field: [], code: 'TOO_MANY_ERRORS', message: '… and 412 more errors' }`. A list a validator
 * already capped (its TOO_MANY_ERRORS entry counts the errors it did not build) keeps that count.
 */
export function capUserErrors(errors: readonly UserError[], max: number): UserError[] {
  const kept: UserError[] = [];
  let omitted = 0;
  for (const e of errors) {
    if (e.code === TOO_MANY_ERRORS_CODE) omitted += Number((e as { omitted?: unknown }).omitted ?? 0);
    else if (kept.length < max) kept.push(e);
    else omitted++;
  }
  if (omitted === 0) return kept;
  const { omitted: _, ...last } = tooManyErrors(omitted);
  return [...kept, last];
}

/** A use case's result with its userErrors capped (see capUserErrors). */
export function withCappedErrors<T extends { userErrors: UserError[] }>(result: T, max: number): T {
  return result.userErrors.length <= max && !result.userErrors.some((e) => e.code === TOO_MANY_ERRORS_CODE) ? result : { ...result, userErrors: capUserErrors(result.userErrors, max) };
}

/**
 * A reconcile failure that retrying cannot heal: the object is invalid (e.g. a stored spec the
 * controller cannot use). The worker reports it once (a Warning event on the object where there
 * is one) and does not retry the key; the next change of the object (or the periodic resync)
 * reconciles it again.
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** A work key no controller handles (an unknown kind, a malformed id): dropped, not retried. */
export class UnknownKeyError extends PermanentError {
  constructor(readonly key: string, reason: string) {
    super(`unknown work key "${key}": ${reason}`);
    this.name = 'UnknownKeyError';
  }
}

/**
 * A reconcile lost an optimistic-concurrency race (another writer changed the object first): the
 * key runs again at once, from a fresh read, without backoff.
 */
export class ConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConflictError';
  }
}
