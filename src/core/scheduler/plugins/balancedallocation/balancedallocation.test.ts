import { describe, expect, it } from 'vitest';
import { balancedAllocationScore, balancedScore2 } from '.';

// Kubernetes' cases (balanced_allocation_test.go): requested = node's existing + the pod's real
// requests (no non-zero defaults), per configured resource; resources with allocatable 0 are
// skipped, and a GPU the pod does not request is left out by the caller.
describe('BalancedAllocation (balanced_allocation_test.go)', () => {
  const cases: { name: string; requested: number[]; capacity: number[]; want: number }[] = [
    { name: 'nothing scheduled, resources requested, node1 of differently sized nodes (std 0.125)', requested: [3000, 5000], capacity: [4000, 10000], want: 87 },
    { name: 'nothing scheduled, resources requested, node2 of differently sized nodes (std 0)', requested: [3000, 5000], capacity: [6000, 10000], want: 100 },
    { name: 'resources requested, pods scheduled with resources, node1 (std 0.175)', requested: [6000, 5000], capacity: [10000, 20000], want: 82 },
    { name: 'resources requested, pods scheduled with resources, node2 (std 0.05)', requested: [6000, 10000], capacity: [10000, 20000], want: 95 },
    { name: 'differently sized node2 (std 0.2)', requested: [6000, 10000], capacity: [10000, 50000], want: 80 },
    { name: 'requested resources at node capacity, node1 (std 0.5)', requested: [6000, 0], capacity: [6000, 10000], want: 50 },
    { name: 'requested resources at node capacity, node2 (std 0.25)', requested: [6000, 5000], capacity: [6000, 10000], want: 75 },
    { name: 'a scalar resource on the node counts (three fractions, node1)', requested: [3000, 5000, 4], capacity: [3500, 40000, 8], want: 70 },
    { name: 'a scalar resource on the node counts (three fractions, node2)', requested: [3000, 5000, 1], capacity: [3500, 40000, 8], want: 65 },
    { name: 'a node without the scalar resource skips it', requested: [3000, 5000, 0], capacity: [3500, 40000, 0], want: 63 },
    { name: 'three fractions with no memory requested (DRA case, node1)', requested: [3000, 0, 1], capacity: [3500, 40000, 8], want: 62 },
    { name: 'over-requested fractions are capped at 1', requested: [9000, 5000], capacity: [6000, 10000], want: 75 },
    { name: 'a single fraction has no deviation', requested: [3000], capacity: [6000], want: 100 },
  ];
  for (const c of cases) {
    it(`scores ${c.want} when ${c.name}`, () => {
      expect(balancedAllocationScore(c.requested, c.capacity)).toBe(c.want);
    });
  }

  it('truncates (1 − std) × 100 toward zero like Go int64()', () => {
    // std = |0.3 − 0| / 2 = 0.15; (1 − 0.15) × 100 is 85.00000000000001 in floating point → 85
    expect(balancedScore2(0.3, 0)).toBe(85);
    // 0.8571… and 0.125 → std 0.36607 → 63.39 → 63
    expect(balancedScore2(3000 / 3500, 5000 / 40000)).toBe(63);
  });
});
