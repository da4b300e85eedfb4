import { describe, it, expect } from 'vitest';
import {
  addQuantity,
  compareQuantity,
  formatCpuMilli,
  formatMemoryMi,
  isNegative,
  maxQuantity,
  parseQuantity,
  parseQuantityValue,
  toMilliCeil,
  toUnitsCeil,
  type Quantity,
} from './quantity';

const KI = 1024n;
const MI = KI * KI;
const GI = MI * KI;

/** The quantity equals num/den exactly, and its denominator is a positive power of ten. */
function expectExact(q: Quantity | null, num: bigint, den: bigint = 1n): void {
  expect(q).not.toBeNull();
  const { num: n, den: d } = q as Quantity;
  expect(d > 0n).toBe(true);
  expect(/^10*$/.test(d.toString())).toBe(true);
  expect(n * den).toBe(num * d);
}

function q(s: string): Quantity {
  const r = parseQuantity(s);
  if (!r) throw new Error(`test setup: ${s} should parse`);
  return r;
}

describe('parseQuantity', () => {
  const valid: Array<[string, bigint, bigint?]> = [
    ['0', 0n],
    ['1', 1n],
    ['+1', 1n],
    ['-1', -1n],
    ['1.5', 3n, 2n],
    ['.5', 1n, 2n],
    ['5.', 5n],
    ['0.25', 1n, 4n],
    ['250m', 1n, 4n],
    ['100m', 1n, 10n],
    ['1500m', 3n, 2n],
    ['1n', 1n, 1_000_000_000n],
    ['1u', 1n, 1_000_000n],
    ['1k', 1000n],
    ['1M', 1_000_000n],
    ['1G', 1_000_000_000n],
    ['1T', 10n ** 12n],
    ['1P', 10n ** 15n],
    ['1E', 10n ** 18n],
    ['1Ki', KI],
    ['512Mi', 512n * MI],
    ['1.5Gi', 3n * GI, 2n],
    ['0.5Gi', GI, 2n],
    ['1Ti', KI ** 4n],
    ['1Pi', KI ** 5n],
    ['1Ei', KI ** 6n],
    ['1e3', 1000n],
    ['1E-2', 1n, 100n],
    ['1.5e+2', 150n],
    ['12e0', 12n],
    ['-2.5Gi', -5n * GI, 2n],
    ['007', 7n],
  ];
  for (const [input, num, den] of valid) {
    it(`reads "${input}" as ${num}/${den ?? 1n}`, () => {
      expectExact(parseQuantity(input), num, den ?? 1n);
    });
  }

  const invalid = [
    '12q',
    '1.2.3',
    'Gi',
    '',
    ' 1',
    '1 ',
    '1 Gi',
    '1gi',
    '1K',
    '1Kii',
    '1mm',
    '1Gi3',
    'e3',
    '1e',
    '.',
    '-',
    '++1',
    'm',
    '0x10',
    '1,5',
    '1_000',
    '1e99999',
  ];
  for (const input of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      expect(parseQuantity(input)).toBeNull();
    });
  }
});

describe('parseQuantityValue', () => {
  const valid: Array<[unknown, bigint, bigint?]> = [
    ['2Gi', 2n * GI],
    [0.5, 1n, 2n],
    [2, 2n],
    [0, 0n],
    [-2, -2n],
    [1e9, 1_000_000_000n],
    [1e21, 10n ** 21n],
    [1e-7, 1n, 10_000_000n],
  ];
  for (const [input, num, den] of valid) {
    it(`accepts ${typeof input} ${String(input)} as ${num}/${den ?? 1n}`, () => {
      expectExact(parseQuantityValue(input), num, den ?? 1n);
    });
  }

  const invalid: unknown[] = [NaN, Infinity, -Infinity, true, null, undefined, {}, [], '12q', 10n];
  for (const input of invalid) {
    it(`refuses ${typeof input} ${String(input)}`, () => {
      expect(parseQuantityValue(input)).toBeNull();
    });
  }
});

describe('toMilliCeil', () => {
  const cases: Array<[string, bigint]> = [
    ['0', 0n],
    ['1', 1000n],
    ['250m', 250n],
    ['0.0001', 1n],
    ['1.2345', 1235n],
    ['1n', 1n],
    ['16', 16000n],
    ['-0.0001', 0n],
    ['-1.5', -1500n],
  ];
  for (const [input, milli] of cases) {
    it(`rounds ${input} up to ${milli} thousandths`, () => {
      expect(toMilliCeil(q(input))).toBe(milli);
    });
  }
});

describe('toUnitsCeil', () => {
  const cases: Array<[string, bigint]> = [
    ['2', 2n],
    ['1.5', 2n],
    ['1m', 1n],
    ['1Ki', 1024n],
    ['0.5Ki', 512n],
    ['-1.5', -1n],
  ];
  for (const [input, units] of cases) {
    it(`rounds ${input} up to ${units} whole units`, () => {
      expect(toUnitsCeil(q(input))).toBe(units);
    });
  }
});

describe('isNegative', () => {
  const cases: Array<[string, boolean]> = [
    ['-1', true],
    ['-1m', true],
    ['0', false],
    ['-0', false],
    ['1', false],
  ];
  for (const [input, negative] of cases) {
    it(`says ${input} is ${negative ? '' : 'not '}negative`, () => {
      expect(isNegative(q(input))).toBe(negative);
    });
  }
});

describe('arithmetic on quantities', () => {
  it('compares values written with different suffixes exactly', () => {
    expect(compareQuantity(q('1Gi'), q('1024Mi'))).toBe(0);
    expect(compareQuantity(q('1G'), q('1Gi'))).toBe(-1);
    expect(compareQuantity(q('1001m'), q('1'))).toBe(1);
    expect(compareQuantity(q('0.5'), q('500m'))).toBe(0);
  });

  it('adds values with different denominators exactly', () => {
    expectExact(addQuantity(q('250m'), q('1.5')), 7n, 4n);
    expectExact(addQuantity(q('1n'), q('1')), 1_000_000_001n, 1_000_000_000n);
    expectExact(addQuantity(q('0.1'), q('0.2')), 3n, 10n);
  });

  it('keeps the larger value when taking the maximum', () => {
    expectExact(maxQuantity(q('1Gi'), q('1G')), GI);
    expectExact(maxQuantity(q('1'), q('1001m')), 1001n, 1000n);
  });
});

describe('formatCpuMilli', () => {
  const cases: Array<[number, string]> = [
    [250, '250m'],
    [500, '500m'],
    [1000, '1'],
    [1500, '1500m'],
    [4000, '4'],
    [16000, '16'],
    [0, '0'],
  ];
  for (const [milli, text] of cases) {
    it(`writes ${milli} millicores as "${text}"`, () => {
      expect(formatCpuMilli(milli)).toBe(text);
    });
  }
});

describe('formatMemoryMi', () => {
  const cases: Array<[number, string]> = [
    [512, '512Mi'],
    [1024, '1Gi'],
    [2048, '2Gi'],
    [1536, '1536Mi'],
    [65536, '64Gi'],
    [0, '0'],
  ];
  for (const [mi, text] of cases) {
    it(`writes ${mi} MiB as "${text}"`, () => {
      expect(formatMemoryMi(mi)).toBe(text);
    });
  }

  it('writes a value that parses back to the same number of bytes', () => {
    for (const mi of [512, 1024, 1536, 3072, 49152]) {
      expectExact(parseQuantity(formatMemoryMi(mi)), BigInt(mi) * MI);
    }
  });
});
