import { describe, expect, it } from 'vitest';
import { backoffMs, comparePods, defaultProfile } from '.';

describe('backoff', () => {
  it('doubles from 1 s and caps at 10 s with the defaults (1, 2, 4, 8, 10, 10 …)', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((a) => backoffMs(defaultProfile(), a))).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });

  it('has no backoff before the first attempt', () => {
    expect(backoffMs(defaultProfile(), 0)).toBe(0);
  });

  it('follows the profile’s durations', () => {
    const p = { ...defaultProfile(), podInitialBackoffMs: 300, podMaxBackoffMs: 1000 };
    expect([1, 2, 3, 4].map((a) => backoffMs(p, a))).toEqual([300, 600, 1000, 1000]);
  });
});

describe('PrioritySort', () => {
  it('orders higher priority first, then earlier creation, then uid', () => {
    const pods = [
      { uid: 'c', priority: 0, createdAt: 5 },
      { uid: 'b', priority: 10, createdAt: 9 },
      { uid: 'a', priority: 0, createdAt: 5 },
      { uid: 'd', priority: 0, createdAt: 1 },
      { uid: 'e', priority: -5, createdAt: 0 },
    ];
    expect([...pods].sort(comparePods).map((p) => p.uid)).toEqual(['b', 'd', 'a', 'c', 'e']);
  });
});
