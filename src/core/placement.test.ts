import { describe, expect, it } from 'vitest';
import { placePod } from './placement';

describe('first-version placement', () => {
  const zones = [{ name: 'z1', hosts: 10 }, { name: 'z2', hosts: 10 }, { name: 'z3', hosts: 10 }];
  it('spreads a batch of pods evenly over the zones', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 9; i++) placePod(`pod-${i}`, zones, counts);
    expect([...counts.values()]).toEqual([3, 3, 3]);
  });
  it('fills the emptiest zone first', () => {
    const counts = new Map([['z1', 2], ['z2', 0], ['z3', 1]]);
    expect(placePod('p', zones, counts).zone).toBe('z2');
  });
  it('names a host inside the chosen zone, the same for the same pod', () => {
    const a = placePod('uid-1', zones, new Map());
    const b = placePod('uid-1', zones, new Map());
    expect(a).toEqual(b);
    expect(a.hostId).toMatch(/^z1-host-000\d$/);
  });
});
