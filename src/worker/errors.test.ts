import { describe, expect, it } from 'vitest';
import { Prisma } from '../generated/prisma/client';
import { ConflictError, PermanentError, UnknownKeyError } from '../app/errors';
import { classifyReconcileError, describeError } from './errors';

const known = (code: string, message: string, originalCode?: string) =>
  new Prisma.PrismaClientKnownRequestError(message, {
    code,
    clientVersion: '7',
    meta: originalCode ? { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode, originalMessage: 'x' } } } : undefined,
  });

/** What Prisma throws for `storage: "1e30"` written to a bigint column (its message as it comes). */
const OUT_OF_RANGE = known(
  'P2020',
  '\nInvalid `pass.tx.volumeClaim.createMany()` invocation in\n/work/main/src/controllers/workload.ts:368:31\n\n  365 async function createClaims(pass: Pass, claims: ClaimToCreate[]): Promise<void> {\n→ 368     await pass.tx.volumeClaim.createMany(\nValue out of range for the type: value "1000000000000000000000000000000" is out of range for type bigint',
  '22003',
);

describe('classifyReconcileError', () => {
  const cases: [string, unknown, string, boolean][] = [
    ['a PermanentError is permanent', new PermanentError('bad spec'), 'permanent', true],
    ['an UnknownKeyError is permanent', new UnknownKeyError('nope:1', 'no controller'), 'permanent', true],
    ['a ConflictError is a conflict', new ConflictError('changed meanwhile'), 'conflict', true],
    ['a value out of range for its column (P2020) is permanent', OUT_OF_RANGE, 'permanent', true],
    ['a raw query refused for its data (P2010, SQLSTATE 22003) is permanent', known('P2010', 'Raw query failed. Code: `22003`. Message: `bigint out of range`', '22003'), 'permanent', true],
    ['invalid input syntax (SQLSTATE 22P02 under P2007) is permanent', known('P2007', 'Data validation error', '22P02'), 'permanent', true],
    ['a write conflict or deadlock (P2034) is a conflict', known('P2034', 'Transaction failed due to a write conflict or a deadlock'), 'conflict', true],
    ['a serialization failure (SQLSTATE 40001) is a conflict', known('P2010', 'Raw query failed', '40001'), 'conflict', true],
    ['a unique key taken meanwhile (P2002) is a conflict', known('P2002', 'Unique constraint failed'), 'conflict', true],
    ['a row gone meanwhile (P2025) is a conflict', known('P2025', 'Record to update not found'), 'conflict', true],
    ['a connection timeout (P2024) is transient', known('P2024', 'Timed out fetching a new connection from the connection pool'), 'transient', true],
    ['a pg error with its own SQLSTATE (57P01, admin shutdown) is transient', Object.assign(new Error('terminating connection'), { code: '57P01' }), 'transient', true],
    ['a provider outage is transient', new Error('fleet API down'), 'transient', true],
    ['a query Prisma cannot build is permanent, and looks like a bug', new Prisma.PrismaClientValidationError('Unknown argument `idx`', { clientVersion: '7' }), 'permanent', false],
    ['a TypeError is transient, and looks like a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), 'transient', false],
    ['a thrown string is transient, and looks like a bug', 'boom', 'transient', false],
  ];
  for (const [name, err, kind, expected] of cases) {
    it(name, () => {
      expect(classifyReconcileError(err)).toEqual({ kind, expected });
    });
  }
});

describe('describeError', () => {
  const cases: [string, unknown, string][] = [
    ['keeps what happened of a Prisma message (not its code frame), with the codes', OUT_OF_RANGE, 'P2020/22003: Value out of range for the type: value "1000000000000000000000000000000" is out of range for type bigint'],
    ['keeps the first line of other errors', new Error('fleet API down\n    at somewhere'), 'fleet API down'],
    ['names errors that are not plain Errors', new TypeError('x is not a function'), 'TypeError: x is not a function'],
    ['writes a thrown value as it is', 'boom', 'boom'],
    ['cuts a long message', new Error('x'.repeat(1000)), `${'x'.repeat(299)}…`],
  ];
  for (const [name, err, line] of cases) {
    it(name, () => {
      expect(describeError(err)).toBe(line);
      expect(describeError(err)).not.toContain('\n');
    });
  }
});
