/** A problem with the caller's input, reported in a mutation payload's `userErrors`. */
export interface UserError {
  /** Path to the offending input field, e.g. ["manifest", "0", "spec", "replicas"]. */
  field: string[];
  message: string;
  code: string;
}

export type AppErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT';

/** A request-level failure, surfaced as a GraphQL error with `extensions.code`. */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 'P2002';
}
