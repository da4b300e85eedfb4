import { describe, it, expect } from 'vitest';
import { monthKey, monthStart, nextMonthStart, parseMonthKey, previousMonthStart } from './months';

const at = (iso: string): number => Date.parse(iso);

describe('monthStart / nextMonthStart / previousMonthStart', () => {
  const cases: [name: string, t: string, start: string, next: string, previous: string][] = [
    ['mid-month', '2026-11-15T12:34:56.789Z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', '2026-10-01T00:00:00Z'],
    ['the first instant of a month', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', '2026-10-01T00:00:00Z'],
    ['the last instant of a month', '2026-11-30T23:59:59.999Z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', '2026-10-01T00:00:00Z'],
    ['December → January', '2026-12-31T23:59:59.999Z', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z', '2026-11-01T00:00:00Z'],
    ['January → previous December', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z', '2026-12-01T00:00:00Z'],
    ['leap February', '2028-02-29T12:00:00Z', '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z', '2028-01-01T00:00:00Z'],
    ['common February', '2026-02-28T23:59:59.999Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['March after a leap February', '2028-03-31T00:00:00Z', '2028-03-01T00:00:00Z', '2028-04-01T00:00:00Z', '2028-02-01T00:00:00Z'],
  ];
  for (const [name, t, start, next, previous] of cases) {
    it(name, () => {
      expect(monthStart(at(t))).toBe(at(start));
      expect(nextMonthStart(at(t))).toBe(at(next));
      expect(previousMonthStart(at(t))).toBe(at(previous));
    });
  }

  it('a leap February is 29 days, a common one 28', () => {
    const day = 86_400_000;
    expect(nextMonthStart(at('2028-02-10T00:00:00Z')) - monthStart(at('2028-02-10T00:00:00Z'))).toBe(29 * day);
    expect(nextMonthStart(at('2026-02-10T00:00:00Z')) - monthStart(at('2026-02-10T00:00:00Z'))).toBe(28 * day);
    expect(nextMonthStart(at('2100-02-10T00:00:00Z')) - monthStart(at('2100-02-10T00:00:00Z'))).toBe(28 * day);
    expect(nextMonthStart(at('2000-02-10T00:00:00Z')) - monthStart(at('2000-02-10T00:00:00Z'))).toBe(29 * day);
  });

  it('walks twelve months forward and back to the same start', () => {
    let t = at('2026-03-17T05:00:00Z');
    const starts: number[] = [];
    for (let i = 0; i < 12; i++) { t = nextMonthStart(t); starts.push(t); }
    expect(t).toBe(at('2027-03-01T00:00:00Z'));
    for (let i = 11; i >= 0; i--) { expect(t).toBe(starts[i]); t = previousMonthStart(t); }
    expect(t).toBe(at('2026-03-01T00:00:00Z'));
  });
});

describe('monthKey', () => {
  it('is YYYY-MM in UTC', () => {
    expect(monthKey(at('2026-11-15T00:00:00Z'))).toBe('2026-11');
    expect(monthKey(at('2026-01-01T00:00:00Z'))).toBe('2026-01');
    expect(monthKey(at('2026-12-31T23:59:59.999Z'))).toBe('2026-12');
    expect(monthKey(at('2027-01-01T00:00:00Z'))).toBe('2027-01');
    expect(monthKey(at('2028-02-29T23:00:00Z'))).toBe('2028-02');
  });

  it('is UTC, not local time', () => {
    // 2026-11-30T20:00-05:00 is already December in UTC
    expect(monthKey(at('2026-11-30T20:00:00-05:00'))).toBe('2026-12');
  });
});

describe('parseMonthKey', () => {
  it('parses a key to its month start', () => {
    expect(parseMonthKey('2026-11')).toBe(at('2026-11-01T00:00:00Z'));
    expect(parseMonthKey('2026-01')).toBe(at('2026-01-01T00:00:00Z'));
    expect(parseMonthKey('2026-12')).toBe(at('2026-12-01T00:00:00Z'));
    expect(parseMonthKey('2028-02')).toBe(at('2028-02-01T00:00:00Z'));
  });

  it('round-trips with monthKey', () => {
    for (const key of ['1970-01', '1999-12', '2026-02', '2028-02', '2099-07']) {
      const start = parseMonthKey(key)!;
      expect(monthKey(start)).toBe(key);
      expect(monthStart(start)).toBe(start);
    }
    // a year below 100 is that year, not 19xx
    expect(monthKey(parseMonthKey('0042-03')!)).toBe('0042-03');
  });

  it('rejects malformed and out-of-range keys', () => {
    for (const key of ['2026-13', '2026-00', '26-1', '2026-1', '2026-011', '202-11', '20261-01', '2026/11', '2026-11-01',
      ' 2026-11', '2026-11 ', '', 'abcd-ef', '2026-1a', '-2026-11', '+2026-11', '２０２６-11']) {
      expect(parseMonthKey(key), key).toBeNull();
    }
  });
});
