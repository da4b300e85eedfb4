import { describe, expect, it } from 'vitest';
import {
  brokenLinear,
  filterStatic,
  fitsResources,
  gpuShare,
  leastAllocatedScore,
  mostAllocatedScore,
  requestedToCapacityRatioScore,
} from '.';
import { host, option } from '../../testing';

// Kubernetes' own cases (pkg/scheduler/framework/plugins/noderesources/*_test.go). Upstream memory
// is in bytes, ours in MiB: the formulas only use ratios, so the numbers are taken as they are.
// requested = the node's existing requests + the incoming pod's.

interface ScoreCase {
  name: string;
  requested: number[];
  capacity: number[];
  weights?: number[];
  want: number;
}

const W11 = [1, 1];

describe('LeastAllocated (least_allocated_test.go)', () => {
  const cases: ScoreCase[] = [
    { name: 'nothing scheduled, nothing requested', requested: [0, 0], capacity: [4000, 10000], want: 100 },
    { name: 'nothing scheduled, resources requested, node1 of differently sized nodes', requested: [3000, 5000], capacity: [4000, 10000], want: 37 },
    { name: 'nothing scheduled, resources requested, node2 of differently sized nodes', requested: [3000, 5000], capacity: [6000, 10000], want: 50 },
    { name: 'no resources requested, pods scheduled with resources, node1', requested: [6000, 0], capacity: [10000, 20000], want: 70 },
    { name: 'no resources requested, pods scheduled with resources, node2', requested: [6000, 5000], capacity: [10000, 20000], want: 57 },
    { name: 'resources requested, pods scheduled with resources, node1', requested: [6000, 5000], capacity: [10000, 20000], want: 57 },
    { name: 'resources requested, pods scheduled with resources, node2', requested: [6000, 10000], capacity: [10000, 20000], want: 45 },
    { name: 'resources requested, pods scheduled with resources, differently sized node2', requested: [6000, 10000], capacity: [10000, 50000], want: 60 },
    { name: 'requested resources exceed node capacity, node1', requested: [6000, 0], capacity: [4000, 10000], want: 50 },
    { name: 'requested resources exceed node capacity, node2', requested: [6000, 5000], capacity: [4000, 10000], want: 25 },
    { name: 'zero node resources score the minimum', requested: [3000, 5000], capacity: [0, 0], want: 0 },
    { name: 'memory weighted 2 against cpu 1, node1', requested: [3000, 5000], capacity: [4000, 10000], weights: [1, 2], want: 41 },
    { name: 'memory weighted 2 against cpu 1, node2', requested: [3000, 5000], capacity: [6000, 10000], weights: [1, 2], want: 50 },
    { name: 'an extended resource the pod requests counts (node1)', requested: [3000, 5000, 2], capacity: [6000, 10000, 4], weights: [1, 1, 1], want: 50 },
    { name: 'an extended resource the pod requests counts (node2)', requested: [3000, 5000, 2], capacity: [6000, 10000, 10], weights: [1, 1, 1], want: 60 },
  ];
  for (const c of cases) {
    it(`scores ${c.want} when ${c.name}`, () => {
      expect(leastAllocatedScore(c.requested, c.capacity, c.weights ?? W11)).toBe(c.want);
    });
  }
});

describe('MostAllocated (most_allocated_test.go)', () => {
  const cases: ScoreCase[] = [
    { name: 'nothing scheduled, nothing requested', requested: [0, 0], capacity: [4000, 10000], want: 0 },
    { name: 'nothing scheduled, resources requested, node1 of differently sized nodes', requested: [3000, 5000], capacity: [4000, 10000], want: 62 },
    { name: 'nothing scheduled, resources requested, node2 of differently sized nodes', requested: [3000, 5000], capacity: [6000, 10000], want: 50 },
    { name: 'no resources requested, pods scheduled with resources, node1', requested: [6000, 0], capacity: [10000, 20000], want: 30 },
    { name: 'no resources requested, pods scheduled with resources, node2', requested: [6000, 5000], capacity: [10000, 20000], want: 42 },
    { name: 'resources requested, pods scheduled with resources, node1', requested: [6000, 5000], capacity: [10000, 20000], want: 42 },
    { name: 'resources requested, pods scheduled with resources, node2', requested: [6000, 10000], capacity: [10000, 20000], want: 55 },
    { name: 'resources requested equal node capacity, node1', requested: [5000, 9000], capacity: [5000, 10000], want: 95 },
    { name: 'resources requested equal node capacity, node2', requested: [5000, 9000], capacity: [10000, 9000], want: 75 },
    { name: 'memory weighted 2 against cpu 1, node1', requested: [3000, 5000], capacity: [4000, 10000], weights: [1, 2], want: 58 },
    { name: 'memory weighted 2 against cpu 1, node2', requested: [3000, 5000], capacity: [6000, 10000], weights: [1, 2], want: 50 },
    // 300m (three non-zero 100m defaults) on a 250m node is clamped to the capacity.
    { name: 'requested above capacity is clamped (nonzero request case, node1)', requested: [300, 600], capacity: [250, 1000], want: 80 },
    { name: 'nonzero request case, node2', requested: [100, 200], capacity: [250, 1000], want: 30 },
    { name: 'an extended resource the pod requests counts (node1)', requested: [3000, 5000, 2], capacity: [6000, 10000, 4], weights: [1, 1, 1], want: 50 },
    { name: 'an extended resource the pod requests counts (node2)', requested: [3000, 5000, 2], capacity: [6000, 10000, 10], weights: [1, 1, 1], want: 40 },
    { name: 'the node does not have a resource (capacity 0 skipped)', requested: [3000, 4000, 0], capacity: [6000, 10000, 0], weights: [1, 1, 2], want: 45 },
  ];
  for (const c of cases) {
    it(`scores ${c.want} when ${c.name}`, () => {
      expect(mostAllocatedScore(c.requested, c.capacity, c.weights ?? W11)).toBe(c.want);
    });
  }
});

describe('RequestedToCapacityRatio (requested_to_capacity_ratio_test.go)', () => {
  const leastShape = [
    { utilization: 0, score: 10 },
    { utilization: 100, score: 0 },
  ];
  const mostShape = [
    { utilization: 0, score: 0 },
    { utilization: 100, score: 1 },
  ];
  const cases: (ScoreCase & { shape: { utilization: number; score: number }[] })[] = [
    { name: 'nothing requested with the least-requested shape', requested: [0, 0], capacity: [4000, 10000], shape: leastShape, want: 100 },
    // (25 + 50) / 2 = 37.5: rounded with math.Round, where LeastAllocated truncates to 37.
    { name: 'resources requested on node1 of differently sized nodes (rounded mean)', requested: [3000, 5000], capacity: [4000, 10000], shape: leastShape, want: 38 },
    { name: 'resources requested on node2 of differently sized nodes', requested: [3000, 5000], capacity: [6000, 10000], shape: leastShape, want: 50 },
    { name: 'one extended resource at 25 % with shape 0→0, 100→1', requested: [2], capacity: [8], weights: [1], shape: mostShape, want: 2 },
    { name: 'one extended resource at 50 %', requested: [2], capacity: [4], weights: [1], shape: mostShape, want: 5 },
    { name: 'one extended resource full', requested: [4], capacity: [4], weights: [1], shape: mostShape, want: 10 },
    { name: 'one extended resource not requested scores 0', requested: [0], capacity: [8], weights: [1], shape: mostShape, want: 0 },
    { name: 'two extended resources weighted 3 and 5, node1 (31/8 rounds to 4)', requested: [2, 2], capacity: [8, 4], weights: [3, 5], shape: mostShape, want: 4 },
    { name: 'two extended resources weighted 3 and 5, node2 (25/8 rounds to 3)', requested: [2, 2], capacity: [4, 8], weights: [3, 5], shape: mostShape, want: 3 },
    { name: 'two extended resources, one over capacity scores the shape at 100', requested: [6, 4], capacity: [4, 8], weights: [3, 5], shape: mostShape, want: 7 },
    { name: 'two extended resources, more requested, node1', requested: [4, 2], capacity: [8, 4], weights: [3, 5], shape: mostShape, want: 5 },
    { name: 'two extended resources, more requested, node2', requested: [4, 2], capacity: [4, 8], weights: [3, 5], shape: mostShape, want: 5 },
    // Current upstream leaves resources scoring 0 out of the mean: 5 here, not round(2.5) = 3.
    { name: 'a resource scoring 0 is left out of the mean', requested: [0, 5000], capacity: [4000, 10000], shape: mostShape, want: 5 },
  ];
  for (const c of cases) {
    it(`scores ${c.want} when ${c.name}`, () => {
      expect(requestedToCapacityRatioScore(c.requested, c.capacity, c.weights ?? W11, c.shape)).toBe(c.want);
    });
  }

  // TestBrokenLinearFunction, on unscaled points.
  const shapes: { points: [number, number][]; at: [number, number][] }[] = [
    {
      points: [
        [10, 1],
        [90, 9],
      ],
      at: [
        [-10, 1], [0, 1], [9, 1], [10, 1], [15, 1], [19, 1], [20, 2], [89, 8], [90, 9], [99, 9], [100, 9], [110, 9],
      ],
    },
    {
      points: [
        [0, 2],
        [40, 10],
        [100, 0],
      ],
      // 41: 10 + trunc(-10 × 1 / 60) = 10 (Go truncates toward zero; flooring would give 9).
      at: [[-10, 2], [0, 2], [20, 6], [30, 8], [40, 10], [41, 10], [70, 5], [100, 0], [110, 0]],
    },
    {
      points: [
        [0, 2],
        [40, 2],
        [100, 2],
      ],
      at: [[-10, 2], [0, 2], [20, 2], [30, 2], [40, 2], [70, 2], [100, 2], [110, 2]],
    },
  ];
  for (const s of shapes) {
    for (const [p, want] of s.at) {
      it(`interpolates the shape ${JSON.stringify(s.points)} to ${want} at utilization ${p}`, () => {
        expect(brokenLinear(p, s.points.map((x) => x[0]), s.points.map((x) => x[1]))).toBe(want);
      });
    }
  }
});

describe('NodeResourcesFit filter', () => {
  const h = host('h');
  const free = (cpu: number, mem: number, gpu: number, pods: number) =>
    [cpu, mem, gpu, pods, h.allocatable.cpuMilli, h.allocatable.memoryMi, 4000, h.allocatable.pods] as const;
  const cases: { name: string; o: ReturnType<typeof option>; free: ReturnType<typeof free>; code: string | null; reasons?: string[] }[] = [
    { name: 'an option that fits passes', o: option({ cpuMilli: 1000, memoryMi: 2048 }), free: free(1000, 2048, 0, 1), code: null },
    { name: 'short of CPU is Unschedulable "Insufficient cpu"', o: option({ cpuMilli: 2000 }), free: free(1000, 9999, 0, 10), code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    {
      name: 'every shortfall is listed in kube-scheduler order',
      o: option({ cpuMilli: 2000, memoryMi: 4096, gpuMilli: 1000 }),
      free: free(1000, 1024, 0, 0),
      code: 'Unschedulable',
      reasons: ['Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient nvidia.com/gpu'],
    },
    { name: 'a GPU request is checked only when made', o: option({ gpuMilli: 0 }), free: free(64000, 65536, -5, 10), code: null },
    {
      name: 'a request above the whole allocatable is UnschedulableAndUnresolvable',
      o: option({ cpuMilli: 128000 }),
      free: free(64000, 262144, 0, 256),
      code: 'UnschedulableAndUnresolvable',
      reasons: ['Insufficient cpu'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const st = fitsResources(c.o, ...c.free);
      if (c.code === null) expect(st).toBeNull();
      else expect(st).toMatchObject({ code: c.code, reasons: c.reasons, plugin: 'NodeResourcesFit' });
    });
  }

  const kinds = [
    { name: 'an AMD option on an Intel host fails on CPU type', o: option({ cpuType: 'amd' }), h: host('i'), reason: "node(s) didn't match the requested CPU type (amd)" },
    { name: 'a null CPU type runs on any host', o: option({ cpuType: null }), h: host('a', { cpuType: 'amd' }), reason: null },
    { name: 'a T4 option on a host without GPUs fails', o: option({ gpuModel: 'T4', gpuMilli: 1000 }), h: host('c'), reason: "node(s) didn't have the requested GPU (T4)" },
    { name: 'a T4 option on a V100 host fails', o: option({ gpuModel: 'T4', gpuMilli: 1000 }), h: host('v', { gpuModel: 'V100' }), reason: "node(s) didn't have the requested GPU (T4)" },
    { name: 'a whole T4 on a whole-card T4 host passes', o: option({ gpuModel: 'T4', gpuMilli: 2000 }), h: host('t', { gpuModel: 'T4', gpuSliceMilli: 1000 }), reason: null },
    { name: 'a quarter T4 on a host sliced in quarters passes', o: option({ gpuModel: 'T4', gpuMilli: 250 }), h: host('q', { gpuModel: 'T4', gpuSliceMilli: 250 }), reason: null },
    {
      name: 'a quarter T4 on a whole-card host fails on the slice',
      o: option({ gpuModel: 'T4', gpuMilli: 250 }),
      h: host('w', { gpuModel: 'T4', gpuSliceMilli: 1000 }),
      reason: "node(s) didn't offer the requested vGPU slice (1/4 T4)",
    },
    {
      name: 'a half T4 on a host sliced in quarters fails on the slice',
      o: option({ gpuModel: 'T4', gpuMilli: 500 }),
      h: host('q2', { gpuModel: 'T4', gpuSliceMilli: 250 }),
      reason: "node(s) didn't offer the requested vGPU slice (1/2 T4)",
    },
    {
      name: 'a whole card on a sliced host fails on the slice',
      o: option({ gpuModel: 'T4', gpuMilli: 1000 }),
      h: host('s', { gpuModel: 'T4', gpuSliceMilli: 500 }),
      reason: "node(s) didn't offer the requested vGPU slice (1 T4)",
    },
  ];
  for (const c of kinds) {
    it(c.name, () => {
      const st = filterStatic(c.o, c.h);
      if (c.reason === null) expect(st).toBeNull();
      else expect(st).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [c.reason] });
    });
  }

  it('names GPU shares as fractions of a card or whole cards', () => {
    expect([250, 500, 750, 1000, 3000].map((m) => gpuShare(m, 'T4'))).toEqual(['1/4 T4', '1/2 T4', '3/4 T4', '1 T4', '3 T4']);
  });
});
