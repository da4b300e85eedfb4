import { describe, expect, it } from 'vitest';
import { offeredRps, podUsage, validateLoadSpec, type LoadSpec } from './load';

const base: Omit<LoadSpec, 'points'> = { cpuMsPerRequest: 10, memoryMiPerRps: 1, baseCpuMilli: 0, baseMemoryMi: 0 };

describe('offeredRps', () => {
  const cases: [name: string, spec: LoadSpec, seconds: number, rps: number][] = [
    ['one point is a constant load', { ...base, points: [{ at: 0, rps: 50 }] }, 1234, 50],
    ['a ramp is linear between its points', { ...base, points: [{ at: 0, rps: 0 }, { at: 100, rps: 1000 }] }, 25, 250],
    ['the last value holds after the last point', { ...base, points: [{ at: 0, rps: 0 }, { at: 100, rps: 1000 }] }, 500, 1000],
    ['the first value holds before the first point', { ...base, points: [{ at: 60, rps: 7 }, { at: 100, rps: 1000 }] }, 10, 7],
    ['a script goes 0 → 10× → 0', { ...base, points: [{ at: 0, rps: 10 }, { at: 60, rps: 100 }, { at: 120, rps: 100 }, { at: 180, rps: 0 }] }, 150, 50],
    ['a repeating profile starts over', { ...base, points: [{ at: 0, rps: 0 }, { at: 50, rps: 100 }], repeatSeconds: 100 }, 125, 50],
    ['a repeating profile returns to its first value before wrapping', { ...base, points: [{ at: 0, rps: 0 }, { at: 50, rps: 100 }], repeatSeconds: 100 }, 75, 50],
  ];
  it.each(cases)('%s', (_name, spec, seconds, rps) => {
    expect(offeredRps(spec, seconds * 1000)).toBeCloseTo(rps, 9);
  });
});

describe('podUsage', () => {
  it('spreads the load evenly over the ready pods and adds the idle base', () => {
    const spec: LoadSpec = { ...base, points: [{ at: 0, rps: 0 }], baseCpuMilli: 5, baseMemoryMi: 64 };
    const usage = podUsage(spec, 100, [
      { name: 'a', cpuMilli: 1000, memoryMi: 1024 },
      { name: 'b', cpuMilli: 1000, memoryMi: 1024 },
    ]);
    // 50 rps each × 10 ms = 500 millicores (+5 base); 64 + 50 MiB
    expect(usage.get('a')).toEqual({ cpuMilli: 505, memoryBytes: 114n * 1024n * 1024n });
    expect(usage.get('b')).toEqual({ cpuMilli: 505, memoryBytes: 114n * 1024n * 1024n });
  });

  it('caps each pod at its spec', () => {
    const usage = podUsage({ ...base, points: [{ at: 0, rps: 0 }] }, 10_000, [{ name: 'a', cpuMilli: 250, memoryMi: 512 }]);
    expect(usage.get('a')).toEqual({ cpuMilli: 250, memoryBytes: 512n * 1024n * 1024n });
  });

  it('gives nothing when no pod is ready to serve', () => {
    expect(podUsage({ ...base, points: [{ at: 0, rps: 0 }] }, 100, []).size).toBe(0);
  });
});

describe('validateLoadSpec', () => {
  it('accepts a ramp', () => {
    expect(validateLoadSpec({ ...base, points: [{ at: 0, rps: 0 }, { at: 60, rps: 100 }] })).toEqual([]);
  });
  it('names every problem with its field', () => {
    const errors = validateLoadSpec({ ...base, cpuMsPerRequest: -1, points: [{ at: 10, rps: 1 }, { at: 5, rps: -2 }], repeatSeconds: 5 });
    expect(errors.map((e) => e.field.join('.'))).toEqual(['points.1.rps', 'points.1.at', 'repeatSeconds', 'cpuMsPerRequest']);
  });
  it('refuses an empty profile', () => {
    expect(validateLoadSpec({ ...base, points: [] })[0].message).toMatch(/at least one point/);
  });
});
