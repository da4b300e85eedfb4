/**
 * The worker's error taxonomy (as kubernetes sample-controller decides at each step):
 * - permanent: the object is invalid and cannot heal (a value the store refuses, a key no
 *   controller handles): reported once, not retried;
 * - conflict: an optimistic-concurrency race was lost: run again at once, without backoff;
 * - transient: anything else (the database or the provider is busy or away): retried with backoff.
 * Pure: looks at the error only.
 */
import { ConflictError, PermanentError } from '../app/errors';

export type ReconcileErrorKind = 'permanent' | 'conflict' | 'transient';

export interface ClassifiedError {
  kind: ReconcileErrorKind;
  /**
   * False for errors that point at a bug (a TypeError, a query Prisma refuses to build, a thrown
   * non-Error): those are logged with their stack; expected ones in one line.
   */
  expected: boolean;
}

/** Prisma codes of a race lost to another writer: a unique key taken meanwhile, a write conflict or deadlock, a row gone meanwhile. */
const CONFLICT_PRISMA = new Set(['P2002', 'P2025', 'P2034']);
/** SQLSTATEs of the same: serialization failure, deadlock. */
const CONFLICT_SQLSTATE = new Set(['40001', '40P01']);
/**
 * Prisma codes of values the database refuses whatever the moment: too long, invalid, out of
 * range, missing, inconsistent (retrying the same data fails the same way).
 */
const PERMANENT_PRISMA = new Set(['P2000', 'P2005', 'P2006', 'P2007', 'P2011', 'P2012', 'P2019', 'P2020', 'P2023', 'P2033']);
/** JavaScript's own errors: a bug, not the weather. */
const BUG_NAMES = new Set(['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError', 'EvalError', 'URIError']);

function prop(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

/** The Prisma error code (`P2020`) of an error, if any. */
export function prismaCode(err: unknown): string | undefined {
  const code = prop(err, 'code');
  return typeof code === 'string' && /^P[1-6]\d{3}$/.test(code) ? code : undefined;
}

/** The PostgreSQL SQLSTATE behind an error (from the pg driver, or under Prisma's driver adapter), if any. */
export function sqlState(err: unknown): string | undefined {
  const direct = prop(err, 'code');
  if (typeof direct === 'string' && /^[0-9A-Z]{5}$/.test(direct) && !prismaCode(err)) return direct;
  for (const cause of [prop(prop(prop(err, 'meta'), 'driverAdapterError'), 'cause'), prop(prop(err, 'cause'), 'cause'), prop(err, 'cause')]) {
    const code = prop(cause, 'originalCode');
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function classifyReconcileError(err: unknown): ClassifiedError {
  if (err instanceof PermanentError) return { kind: 'permanent', expected: true };
  if (err instanceof ConflictError) return { kind: 'conflict', expected: true };
  if (!(err instanceof Error)) return { kind: 'transient', expected: false };
  if (err.name === 'PrismaClientValidationError') return { kind: 'permanent', expected: false };
  const code = prismaCode(err);
  const state = sqlState(err);
  if ((code && CONFLICT_PRISMA.has(code)) || (state && CONFLICT_SQLSTATE.has(state))) return { kind: 'conflict', expected: true };
  if ((code && PERMANENT_PRISMA.has(code)) || (state && state.startsWith('22'))) return { kind: 'permanent', expected: true };
  return { kind: 'transient', expected: !BUG_NAMES.has(err.name) };
}

const MAX_LINE = 300;

/**
 * The error in one line: Prisma's multi-line messages (the call site, a code frame, then what
 * happened) are cut to what happened, with the code; other errors to their first line.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, MAX_LINE);
  const lines = err.message.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const prisma = err.name.startsWith('PrismaClient');
  let text = (prisma ? lines[lines.length - 1] : lines[0]) ?? '';
  const code = prismaCode(err);
  const state = sqlState(err);
  const tags = [code, state].filter((x): x is string => !!x && !text.includes(x));
  if (tags.length > 0) text = `${tags.join('/')}: ${text}`;
  const name = prisma || err.name === 'Error' || err instanceof PermanentError || err instanceof ConflictError ? '' : `${err.name}: `;
  const line = `${name}${text}`;
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}
