import { describe, it, expect } from 'vitest';
import {
  CPU_TYPE_ANNOTATION,
  GPU_COUNT_ANNOTATION,
  GPU_SPECS,
  GPU_TYPE_ANNOTATION,
  SUPPORTED_SPECS,
  sizePod,
  type BilledSpec,
  type ContainerLike,
  type PodSpecLike,
  type ResourceList,
} from './sizing';
import type { PlacementOption } from './scheduler/types';

const CPU_ANN = 'eks.tke.cloud.tencent.com/cpu';
const MEM_ANN = 'eks.tke.cloud.tencent.com/mem';

/** The options of a CPU pod without a cpu-type annotation: intel first, then amd, same size. */
function cpuOptions(s: BilledSpec): PlacementOption[] {
  return [
    { cpuMilli: s.cpuMilli, memoryMi: s.memoryMi, cpuType: 'intel', gpuModel: null, gpuMilli: 0 },
    { cpuMilli: s.cpuMilli, memoryMi: s.memoryMi, cpuType: 'amd', gpuModel: null, gpuMilli: 0 },
  ];
}

function c(requests?: ResourceList, limits?: ResourceList, name = 'c'): ContainerLike {
  const resources: ContainerLike['resources'] = {};
  if (requests) resources.requests = requests;
  if (limits) resources.limits = limits;
  return { name, resources };
}

interface OkCase {
  name: string;
  pod: PodSpecLike;
  annotations?: Record<string, string>;
  spec: BilledSpec;
  source: 'default' | 'resources' | 'annotations';
}

const okCases: OkCase[] = [
  {
    name: 'sums requests and keeps the largest limit: 2+1 cores and 4+2 GiB become 4 cores / 8 GiB',
    pod: {
      containers: [
        c({ cpu: '2', memory: '4Gi' }, { cpu: '4', memory: '4Gi' }, 'c1'),
        c({ cpu: '1', memory: '2Gi' }, { cpu: '1', memory: '2Gi' }, 'c2'),
      ],
    },
    spec: { cpuMilli: 4000, memoryMi: 8192 },
    source: 'resources',
  },
  {
    name: 'falls back to 1 core / 2 GiB when nothing is set',
    pod: { containers: [{ name: 'web' }] },
    spec: { cpuMilli: 1000, memoryMi: 2048 },
    source: 'default',
  },
  {
    name: 'falls back to 1 core / 2 GiB when there are no containers at all',
    pod: {},
    spec: { cpuMilli: 1000, memoryMi: 2048 },
    source: 'default',
  },
  {
    name: 'falls back to 1 core / 2 GiB when every request is zero',
    pod: { containers: [c({ cpu: '0', memory: '0' })] },
    spec: { cpuMilli: 1000, memoryMi: 2048 },
    source: 'default',
  },
  {
    name: 'picks the smallest spec with 8 GiB when only memory is asked for',
    pod: { containers: [c({ cpu: '0', memory: '8Gi' })] },
    spec: { cpuMilli: 1000, memoryMi: 8192 },
    source: 'resources',
  },
  {
    name: 'rounds 100m of CPU alone up to the smallest spec, 250m / 512 MiB',
    pod: { containers: [c({ cpu: '100m' })] },
    spec: { cpuMilli: 250, memoryMi: 512 },
    source: 'resources',
  },
  {
    name: 'rounds 250m and 600 MiB up to 250m / 1 GiB',
    pod: { containers: [c({ cpu: '250m', memory: '600Mi' })] },
    spec: { cpuMilli: 250, memoryMi: 1024 },
    source: 'resources',
  },
  {
    name: 'rounds 3 cores and 3 GiB up to 4 cores / 8 GiB, the smallest 4-core spec',
    pod: { containers: [c({ cpu: '3', memory: '3Gi' })] },
    spec: { cpuMilli: 4000, memoryMi: 8192 },
    source: 'resources',
  },
  {
    name: 'moves to 2 cores / 9 GiB when 1 core cannot have 8.5 GiB',
    pod: { containers: [c({ cpu: '1', memory: '8.5Gi' })] },
    spec: { cpuMilli: 2000, memoryMi: 9216 },
    source: 'resources',
  },
  {
    name: 'uses the init containers when they need more than the app containers',
    pod: {
      containers: [c({ cpu: '250m', memory: '512Mi' })],
      initContainers: [c({ cpu: '2', memory: '6Gi' }, undefined, 'init')],
    },
    spec: { cpuMilli: 2000, memoryMi: 6144 },
    source: 'resources',
  },
  {
    name: 'takes CPU and memory from whichever group needs more of each',
    pod: {
      containers: [c({ cpu: '4', memory: '1Gi' })],
      initContainers: [c({ cpu: '250m', memory: '12Gi' }, undefined, 'init')],
    },
    spec: { cpuMilli: 4000, memoryMi: 12288 },
    source: 'resources',
  },
  {
    name: 'sums the requests of init containers too, as the Tencent rule says',
    pod: {
      containers: [c({ cpu: '250m' })],
      initContainers: [c({ cpu: '1' }, undefined, 'i1'), c({ cpu: '1' }, undefined, 'i2')],
    },
    spec: { cpuMilli: 2000, memoryMi: 4096 },
    source: 'resources',
  },
  {
    name: 'lets a limit larger than the summed requests decide',
    pod: { containers: [c({ cpu: '250m', memory: '256Mi' }, { cpu: '2', memory: '1Gi' }), c({ cpu: '250m' }, undefined, 'b')] },
    spec: { cpuMilli: 2000, memoryMi: 4096 },
    source: 'resources',
  },
  {
    name: 'defaults a missing request to the limit, as the Kubernetes API server does',
    pod: { containers: [c(undefined, { cpu: '1', memory: '1Gi' }, 'a'), c(undefined, { cpu: '1', memory: '1Gi' }, 'b')] },
    spec: { cpuMilli: 2000, memoryMi: 4096 },
    source: 'resources',
  },
  {
    name: 'compares memory in exact bytes: 1 GiB plus one byte needs 2 GiB',
    pod: { containers: [c({ cpu: '1', memory: String(1024 ** 3 + 1) })] },
    spec: { cpuMilli: 1000, memoryMi: 2048 },
    source: 'resources',
  },
  {
    name: 'compares memory in exact bytes: 1G (decimal) fits in 1 GiB',
    pod: { containers: [c({ cpu: '1', memory: '1G' })] },
    spec: { cpuMilli: 1000, memoryMi: 1024 },
    source: 'resources',
  },
  {
    name: 'compares CPU exactly: 1001m needs 2 cores',
    pod: { containers: [c({ cpu: '1001m', memory: '1Gi' })] },
    spec: { cpuMilli: 2000, memoryMi: 4096 },
    source: 'resources',
  },
  {
    name: 'accepts the largest spec, 16 cores / 64 GiB',
    pod: { containers: [c({ cpu: '16', memory: '64Gi' })] },
    spec: { cpuMilli: 16000, memoryMi: 65536 },
    source: 'resources',
  },
  {
    name: 'reads YAML numbers as quantities',
    pod: { containers: [c({ cpu: 0.5, memory: 1073741824 })] },
    spec: { cpuMilli: 500, memoryMi: 1024 },
    source: 'resources',
  },
  {
    name: 'ignores resources other than cpu, memory and GPUs for sizing',
    pod: { containers: [c({ cpu: '250m', 'ephemeral-storage': '100Gi', 'example.com/dongle': '3' }, { 'example.com/dongle': '3' })] },
    spec: { cpuMilli: 250, memoryMi: 512 },
    source: 'resources',
  },
  {
    name: 'uses the annotations 2 cores / 4Gi exactly',
    pod: { containers: [c({ cpu: '250m', memory: '512Mi' })] },
    annotations: { [CPU_ANN]: '2', [MEM_ANN]: '4Gi' },
    spec: { cpuMilli: 2000, memoryMi: 4096 },
    source: 'annotations',
  },
  {
    name: 'accepts annotations in Mi and fractional cores',
    pod: { containers: [{ name: 'web' }] },
    annotations: { [CPU_ANN]: '0.25', [MEM_ANN]: '512Mi' },
    spec: { cpuMilli: 250, memoryMi: 512 },
    source: 'annotations',
  },
  {
    name: 'accepts an annotation of 0.5Gi as 512 MiB',
    pod: {},
    annotations: { [CPU_ANN]: '.25', [MEM_ANN]: '0.5Gi' },
    spec: { cpuMilli: 250, memoryMi: 512 },
    source: 'annotations',
  },
  {
    name: 'lets the annotations win over requests larger than any spec',
    pod: { containers: [c({ cpu: '64', memory: '1Ti' })] },
    annotations: { [CPU_ANN]: '16', [MEM_ANN]: '32Gi' },
    spec: { cpuMilli: 16000, memoryMi: 32768 },
    source: 'annotations',
  },
  {
    name: 'treats nvidia.com/gpu: 0 as a CPU pod',
    pod: { containers: [c({ cpu: '1', memory: '2Gi', 'nvidia.com/gpu': '0' }, { 'nvidia.com/gpu': '0' })] },
    spec: { cpuMilli: 1000, memoryMi: 2048 },
    source: 'resources',
  },
  {
    name: 'ignores unrelated annotations',
    pod: { containers: [c({ cpu: '100m' })] },
    annotations: { 'example.com/owner': 'team-a' },
    spec: { cpuMilli: 250, memoryMi: 512 },
    source: 'resources',
  },
];

describe('sizePod picks the billed spec', () => {
  for (const tc of okCases) {
    it(tc.name, () => {
      expect(sizePod(tc.pod, tc.annotations)).toEqual({ ok: true, spec: tc.spec, source: tc.source, options: cpuOptions(tc.spec) });
    });
  }
});

interface ErrCase {
  name: string;
  pod: PodSpecLike;
  annotations?: Record<string, string>;
  errors: Array<{ code: string; field: string[]; message?: RegExp }>;
}

const errCases: ErrCase[] = [
  {
    name: 'refuses 17 cores as larger than any spec',
    pod: { containers: [c({ cpu: '17' })] },
    errors: [{ code: 'SPEC_TOO_LARGE', field: ['spec', 'containers'], message: /17 CPU.*largest supported pod spec, 16 CPU \/ 64Gi/ }],
  },
  {
    name: 'refuses 16 cores with 65 GiB as larger than any spec',
    pod: { containers: [c({ cpu: '16', memory: '65Gi' })] },
    errors: [{ code: 'SPEC_TOO_LARGE', field: ['spec', 'containers'], message: /16 CPU and 65Gi of memory/ }],
  },
  {
    name: 'refuses an init container larger than any spec',
    pod: { containers: [c({ cpu: '1' })], initContainers: [c({ memory: '100Gi' }, undefined, 'init')] },
    errors: [{ code: 'SPEC_TOO_LARGE', field: ['spec', 'containers'], message: /100Gi/ }],
  },
  {
    name: 'refuses annotations naming 2 cores / 3 GiB, which is not a supported spec',
    pod: {},
    annotations: { [CPU_ANN]: '2', [MEM_ANN]: '3Gi' },
    errors: [
      {
        code: 'UNSUPPORTED_SPEC',
        field: ['metadata', 'annotations'],
        message: /with 2 CPU the memory must be 4Gi to 16Gi in 1Gi steps$/,
      },
    ],
  },
  {
    name: 'refuses annotations naming 0.25 cores / 4 GiB and lists the memory sizes 0.25 cores can have',
    pod: {},
    annotations: { [CPU_ANN]: '0.25', [MEM_ANN]: '4Gi' },
    errors: [
      { code: 'UNSUPPORTED_SPEC', field: ['metadata', 'annotations'], message: /with 0\.25 CPU the memory must be one of 512Mi, 1Gi, 2Gi$/ },
    ],
  },
  {
    name: 'refuses an annotated CPU count that no spec has and lists the ones that exist',
    pod: {},
    annotations: { [CPU_ANN]: '3', [MEM_ANN]: '8Gi' },
    errors: [
      { code: 'UNSUPPORTED_SPEC', field: ['metadata', 'annotations'], message: /0\.25, 0\.5, 1, 2, 4, 8, 12, 16 cores/ },
    ],
  },
  {
    name: 'refuses an annotated memory of 4G because it must be in Gi or Mi',
    pod: {},
    annotations: { [CPU_ANN]: '2', [MEM_ANN]: '4G' },
    errors: [{ code: 'INVALID_ANNOTATION', field: ['metadata', 'annotations', MEM_ANN], message: /"4G".*Gi or Mi/ }],
  },
  {
    name: 'refuses an annotated CPU written in millicores',
    pod: {},
    annotations: { [CPU_ANN]: '250m', [MEM_ANN]: '512Mi' },
    errors: [{ code: 'INVALID_ANNOTATION', field: ['metadata', 'annotations', CPU_ANN], message: /plain number of CPU cores/ }],
  },
  {
    name: 'refuses a CPU annotation without its memory annotation',
    pod: {},
    annotations: { [CPU_ANN]: '2' },
    errors: [{ code: 'INVALID_ANNOTATION', field: ['metadata', 'annotations', MEM_ANN], message: /must be set together/ }],
  },
  {
    name: 'refuses a memory annotation without its CPU annotation',
    pod: {},
    annotations: { [MEM_ANN]: '4Gi' },
    errors: [{ code: 'INVALID_ANNOTATION', field: ['metadata', 'annotations', CPU_ANN], message: /must be set together/ }],
  },
  {
    name: 'reports an invalid quantity with the path to it',
    pod: { containers: [c({ cpu: '12q' })] },
    errors: [
      {
        code: 'INVALID_QUANTITY',
        field: ['spec', 'containers', '0', 'resources', 'requests', 'cpu'],
        message: /^Invalid value: "12q": must be a quantity/,
      },
    ],
  },
  {
    name: 'reports an invalid quantity in an init container limit with the path to it',
    pod: { containers: [c()], initContainers: [c(undefined, { memory: '1gi' }, 'a'), c(undefined, { memory: '1.2.3' }, 'b')] },
    errors: [
      { code: 'INVALID_QUANTITY', field: ['spec', 'initContainers', '0', 'resources', 'limits', 'memory'] },
      { code: 'INVALID_QUANTITY', field: ['spec', 'initContainers', '1', 'resources', 'limits', 'memory'] },
    ],
  },
  {
    name: 'refuses a negative quantity',
    pod: { containers: [c({ memory: '-1Gi' })] },
    errors: [
      {
        code: 'INVALID_QUANTITY',
        field: ['spec', 'containers', '0', 'resources', 'requests', 'memory'],
        message: /must be greater than or equal to 0/,
      },
    ],
  },
  {
    name: 'refuses a limit lower than the request of the same container',
    pod: { containers: [c({ cpu: '2' }, { cpu: '1' })] },
    errors: [
      {
        code: 'INVALID_VALUE',
        field: ['spec', 'containers', '0', 'resources', 'limits', 'cpu'],
        message: /^Invalid value: "1": must be greater than or equal to cpu request of "2"$/,
      },
    ],
  },
  {
    name: 'syntax-checks resources other than cpu and memory',
    pod: { containers: [c({ 'ephemeral-storage': 'lots' })] },
    errors: [{ code: 'INVALID_QUANTITY', field: ['spec', 'containers', '0', 'resources', 'requests', 'ephemeral-storage'] }],
  },
  {
    name: 'still syntax-checks requests and limits when annotations decide the size',
    pod: { containers: [c({ cpu: '12q' })] },
    annotations: { [CPU_ANN]: '2', [MEM_ANN]: '4Gi' },
    errors: [{ code: 'INVALID_QUANTITY', field: ['spec', 'containers', '0', 'resources', 'requests', 'cpu'] }],
  },
  {
    name: 'reports every error found, not just the first',
    pod: {
      containers: [c({ cpu: '12q', memory: '-1' }), c({ cpu: '2' }, { cpu: '1' }, 'b')],
      initContainers: [c({ memory: 'x' }, undefined, 'i')],
    },
    annotations: { [CPU_ANN]: '2' },
    errors: [
      { code: 'INVALID_ANNOTATION', field: ['metadata', 'annotations', MEM_ANN] },
      { code: 'INVALID_QUANTITY', field: ['spec', 'containers', '0', 'resources', 'requests', 'cpu'] },
      { code: 'INVALID_QUANTITY', field: ['spec', 'containers', '0', 'resources', 'requests', 'memory'] },
      { code: 'INVALID_VALUE', field: ['spec', 'containers', '1', 'resources', 'limits', 'cpu'] },
      { code: 'INVALID_QUANTITY', field: ['spec', 'initContainers', '0', 'resources', 'requests', 'memory'] },
    ],
  },
  {
    name: 'refuses requests that are not a mapping',
    pod: { containers: [{ name: 'a', resources: { requests: 'lots' as unknown as ResourceList } }] },
    errors: [{ code: 'INVALID_VALUE', field: ['spec', 'containers', '0', 'resources', 'requests'] }],
  },
];

describe('sizePod refuses', () => {
  for (const tc of errCases) {
    it(tc.name, () => {
      const r = sizePod(tc.pod, tc.annotations);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.map((e) => ({ code: e.code, field: e.field }))).toEqual(
        tc.errors.map((e) => ({ code: e.code, field: e.field })),
      );
      tc.errors.forEach((e, i) => {
        if (e.message) expect(r.errors[i].message).toMatch(e.message);
      });
    });
  }
});

describe('SUPPORTED_SPECS', () => {
  it('lists every spec of the Tencent table, 128 in all', () => {
    const perCpu = new Map<number, number[]>();
    for (const s of SUPPORTED_SPECS) perCpu.set(s.cpuMilli, [...(perCpu.get(s.cpuMilli) ?? []), s.memoryMi / 1024]);
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    expect(Object.fromEntries(perCpu)).toEqual({
      250: [0.5, 1, 2],
      500: [1, 2, 3, 4],
      1000: range(1, 8),
      2000: range(4, 16),
      4000: range(8, 32),
      8000: range(16, 32),
      12000: range(24, 48),
      16000: range(32, 64),
    });
    expect(SUPPORTED_SPECS).toHaveLength(128);
  });

  it('is sorted by CPU, then by memory', () => {
    for (let i = 1; i < SUPPORTED_SPECS.length; i++) {
      const a = SUPPORTED_SPECS[i - 1];
      const b = SUPPORTED_SPECS[i];
      expect(a.cpuMilli < b.cpuMilli || (a.cpuMilli === b.cpuMilli && a.memoryMi < b.memoryMi)).toBe(true);
    }
  });

  it('maps every supported spec, asked for exactly, to itself', () => {
    for (const s of SUPPORTED_SPECS) {
      const r = sizePod({ containers: [c({ cpu: `${s.cpuMilli}m`, memory: `${s.memoryMi}Mi` })] }, undefined);
      expect(r).toEqual({ ok: true, spec: s, source: 'resources', options: cpuOptions(s) });
    }
  });

  it('accepts every supported spec as annotations', () => {
    for (const s of SUPPORTED_SPECS) {
      const r = sizePod({}, { [CPU_ANN]: String(s.cpuMilli / 1000), [MEM_ANN]: `${s.memoryMi}Mi` });
      expect(r).toEqual({ ok: true, spec: s, source: 'annotations', options: cpuOptions(s) });
    }
  });

  it('cannot be changed by callers', () => {
    expect(Object.isFrozen(SUPPORTED_SPECS)).toBe(true);
    expect(Object.isFrozen(SUPPORTED_SPECS[0])).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// GPU pods and CPU types

const gpu = (cpuMilli: number, memoryGi: number, gpuModel: 'V100' | 'T4', gpuMilli: number): PlacementOption => ({
  cpuMilli,
  memoryMi: memoryGi * 1024,
  cpuType: null,
  gpuModel,
  gpuMilli,
});
const cpuOpt = (cpuMilli: number, memoryGi: number, cpuType: 'intel' | 'amd'): PlacementOption => ({
  cpuMilli,
  memoryMi: memoryGi * 1024,
  cpuType,
  gpuModel: null,
  gpuMilli: 0,
});

interface OptionsCase {
  name: string;
  pod: PodSpecLike;
  annotations?: Record<string, string>;
  options: PlacementOption[];
  source: 'default' | 'resources' | 'annotations';
}

const optionCases: OptionsCase[] = [
  {
    name: "Tencent's GPU example 1: V100, requests 4C/16Gi, limits 8C/32Gi, 1 GPU → 8C/40GiB/1×V100",
    pod: { containers: [c({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' }, { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100' },
    options: [gpu(8000, 40, 'V100', 1000)],
    source: 'resources',
  },
  {
    name: "Tencent's GPU example 2: CPU 32, memory 128Gi, 2 GPUs → 36C/160GiB/4×V100 (over-allocates 2 cards)",
    pod: {
      containers: [
        c({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' }, { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '1' }, 'c1'),
        c({ cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '1' }, { cpu: '32', memory: '128Gi', 'nvidia.com/gpu': '1' }, 'c2'),
      ],
    },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100' },
    options: [gpu(36000, 160, 'V100', 4000)],
    source: 'resources',
  },
  {
    name: 'a gpu-type alone means 1 GPU, at the smallest spec of the type',
    pod: { containers: [{ name: 'app' }] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4' },
    options: [gpu(8000, 32, 'T4', 1000)],
    source: 'default',
  },
  {
    name: 'T4 with 1 GPU moves to the larger 1-card spec when 8C/32Gi is too small',
    pod: { containers: [c({ cpu: '10', memory: '40Gi', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4' },
    options: [gpu(20000, 80, 'T4', 1000)],
    source: 'resources',
  },
  {
    name: 'T4 with 1 GPU and 33 CPU takes the 2-card spec',
    pod: { containers: [c({ cpu: '33', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4' },
    options: [gpu(40000, 160, 'T4', 2000)],
    source: 'resources',
  },
  {
    name: 'a priority list gives one option per type, in order, with whitespace around the items',
    pod: { containers: [c(undefined, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: ' T4 , V100 ' },
    options: [gpu(8000, 32, 'T4', 1000), gpu(8000, 40, 'V100', 1000)],
    source: 'default',
  },
  {
    name: 'each type takes its own smallest covering spec: 9C/45Gi is V100×2 but T4×1 (20C/80Gi)',
    pod: { containers: [c({ cpu: '9', memory: '45Gi', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100,T4' },
    options: [gpu(18000, 80, 'V100', 2000), gpu(20000, 80, 'T4', 1000)],
    source: 'resources',
  },
  {
    name: 'a 1/4*T4 vGPU: 4C/20Gi and a quarter of a T4',
    pod: { containers: [c({ cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: '1/4*T4' },
    options: [gpu(4000, 20, 'T4', 250)],
    source: 'resources',
  },
  {
    name: 'a 1/2*T4 vGPU: 10C/40Gi and half a T4',
    pod: { containers: [{ name: 'app' }] },
    annotations: { [GPU_TYPE_ANNOTATION]: '1/2*T4' },
    options: [gpu(10000, 40, 'T4', 500)],
    source: 'default',
  },
  {
    name: 'the gpu-count annotation gives the number of GPUs',
    pod: { containers: [{ name: 'app' }] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [GPU_COUNT_ANNOTATION]: '2' },
    options: [gpu(18000, 80, 'V100', 2000)],
    source: 'default',
  },
  {
    name: 'gpu-count and nvidia.com/gpu may both be given when they agree',
    pod: { containers: [c({ 'nvidia.com/gpu': 2 }, { 'nvidia.com/gpu': 2 })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [GPU_COUNT_ANNOTATION]: '2' },
    options: [gpu(18000, 80, 'V100', 2000)],
    source: 'default',
  },
  {
    name: 'GPUs are summed over containers, and init containers count when they ask for more',
    pod: {
      containers: [c(undefined, { 'nvidia.com/gpu': '1' }, 'a')],
      initContainers: [c(undefined, { 'nvidia.com/gpu': '2' }, 'i1'), c(undefined, { 'nvidia.com/gpu': '2' }, 'i2')],
    },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100' },
    options: [gpu(36000, 160, 'V100', 4000)],
    source: 'default',
  },
  {
    name: 'a vGPU type cannot hold 2 GPUs and is left out when another type can',
    pod: { containers: [c(undefined, { 'nvidia.com/gpu': '2' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: '1/4*T4,V100' },
    options: [gpu(18000, 80, 'V100', 2000)],
    source: 'default',
  },
  {
    name: 'a type too small for the pod is left out when another type can hold it: 76 CPU fits T4×4, not V100×8',
    pod: { containers: [c({ cpu: '76', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100,T4' },
    options: [gpu(80000, 320, 'T4', 4000)],
    source: 'resources',
  },
  {
    name: 'cpu/mem annotations naming a GPU spec exactly decide the size (here over-allocating a card)',
    pod: { containers: [c({ cpu: '64', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [CPU_ANN]: '18', [MEM_ANN]: '80Gi' },
    options: [gpu(18000, 80, 'V100', 2000)],
    source: 'annotations',
  },
  {
    name: 'with cpu/mem annotations and several types, a type without that exact spec is left out',
    pod: { containers: [{ name: 'app' }] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100,T4', [CPU_ANN]: '8', [MEM_ANN]: '32Gi' },
    options: [gpu(8000, 32, 'T4', 1000)],
    source: 'annotations',
  },
  {
    name: 'a CPU pod without cpu-type prefers intel, then amd',
    pod: { containers: [c({ cpu: '2', memory: '4Gi' })] },
    options: [cpuOpt(2000, 4, 'intel'), cpuOpt(2000, 4, 'amd')],
    source: 'resources',
  },
  {
    name: 'a CPU pod with cpu-type amd runs on AMD only',
    pod: { containers: [c({ cpu: '2', memory: '4Gi' })] },
    annotations: { [CPU_TYPE_ANNOTATION]: 'amd' },
    options: [cpuOpt(2000, 4, 'amd')],
    source: 'resources',
  },
  {
    name: 'a CPU pod with cpu-type "amd, intel" prefers AMD, at the annotated size',
    pod: {},
    annotations: { [CPU_TYPE_ANNOTATION]: 'amd, intel', [CPU_ANN]: '4', [MEM_ANN]: '8Gi' },
    options: [cpuOpt(4000, 8, 'amd'), cpuOpt(4000, 8, 'intel')],
    source: 'annotations',
  },
];

describe('sizePod gives the placement options', () => {
  for (const tc of optionCases) {
    it(tc.name, () => {
      const r = sizePod(tc.pod, tc.annotations);
      expect(r).toEqual({
        ok: true,
        spec: { cpuMilli: tc.options[0].cpuMilli, memoryMi: tc.options[0].memoryMi },
        source: tc.source,
        options: tc.options,
      });
    });
  }
});

const ann = (key: string) => ['metadata', 'annotations', key];
const oneGpu = (): ContainerLike => c({ 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' });

const gpuErrCases: ErrCase[] = [
  {
    name: 'requires gpu-type on a pod that asks for nvidia.com/gpu',
    pod: { containers: [oneGpu()] },
    errors: [
      {
        code: 'GPU_TYPE_REQUIRED',
        field: ann(GPU_TYPE_ANNOTATION),
        message: /^Required value: the eks\.tke\.cloud\.tencent\.com\/gpu-type annotation is required for GPU pods; supported: "V100", "T4", "1\/4\*T4", "1\/2\*T4"$/,
      },
    ],
  },
  {
    name: 'requires gpu-type with a gpu-count annotation',
    pod: {},
    annotations: { [GPU_COUNT_ANNOTATION]: '1' },
    errors: [{ code: 'GPU_TYPE_REQUIRED', field: ann(GPU_TYPE_ANNOTATION) }],
  },
  {
    name: 'refuses an unknown GPU type, listing the supported ones',
    pod: { containers: [oneGpu()] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4,A100' },
    errors: [
      {
        code: 'UNSUPPORTED_GPU_TYPE',
        field: ann(GPU_TYPE_ANNOTATION),
        message: /^Unsupported value: "A100": supported values: "V100", "T4", "1\/4\*T4", "1\/2\*T4"/,
      },
    ],
  },
  {
    name: 'refuses a GPU type listed twice',
    pod: {},
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4, T4' },
    errors: [{ code: 'UNSUPPORTED_GPU_TYPE', field: ann(GPU_TYPE_ANNOTATION), message: /^Duplicate value: "T4"/ }],
  },
  {
    name: 'refuses an empty item in the GPU type list',
    pod: {},
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4,' },
    errors: [{ code: 'UNSUPPORTED_GPU_TYPE', field: ann(GPU_TYPE_ANNOTATION), message: /^Unsupported value: "":/ }],
  },
  {
    name: 'refuses a gpu-count that is not a positive integer',
    pod: {},
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [GPU_COUNT_ANNOTATION]: '0' },
    errors: [{ code: 'INVALID_ANNOTATION', field: ann(GPU_COUNT_ANNOTATION), message: /^Invalid value: "0": must be a positive whole number of GPUs/ }],
  },
  {
    name: 'refuses a gpu-count that disagrees with nvidia.com/gpu',
    pod: { containers: [oneGpu()] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [GPU_COUNT_ANNOTATION]: '2' },
    errors: [{ code: 'INVALID_ANNOTATION', field: ann(GPU_COUNT_ANNOTATION), message: /must equal the nvidia\.com\/gpu the containers ask for \(1\)/ }],
  },
  {
    name: 'refuses a GPU request that differs from its limit, as Kubernetes does for extended resources',
    pod: { containers: [c({ 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '2' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100' },
    errors: [
      {
        code: 'INVALID_VALUE',
        field: ['spec', 'containers', '0', 'resources', 'requests', 'nvidia.com/gpu'],
        message: /^Invalid value: "1": must be equal to nvidia\.com\/gpu limit of "2"$/,
      },
    ],
  },
  {
    name: 'refuses a fractional number of GPUs',
    pod: { containers: [c(undefined, { 'nvidia.com/gpu': '0.5' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100' },
    errors: [{ code: 'INVALID_VALUE', field: ['spec', 'containers', '0', 'resources', 'limits', 'nvidia.com/gpu'], message: /must be an integer$/ }],
  },
  {
    name: 'refuses cpu-type on a GPU pod',
    pod: { containers: [oneGpu()] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4', [CPU_TYPE_ANNOTATION]: 'intel' },
    errors: [
      {
        code: 'INVALID_ANNOTATION',
        field: ann(CPU_TYPE_ANNOTATION),
        message: /^Invalid value: "intel": GPU pods run on the CPUs of their GPU hosts; cpu-type applies to CPU pods$/,
      },
    ],
  },
  {
    name: 'refuses an unknown CPU type',
    pod: {},
    annotations: { [CPU_TYPE_ANNOTATION]: 'intel,arm' },
    errors: [{ code: 'UNSUPPORTED_CPU_TYPE', field: ann(CPU_TYPE_ANNOTATION), message: /^Unsupported value: "arm": supported values: "intel", "amd"/ }],
  },
  {
    name: 'refuses cpu/mem annotations on a GPU pod that are not a spec of its GPU type, listing the specs',
    pod: { containers: [oneGpu()] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [CPU_ANN]: '8', [MEM_ANN]: '32Gi' },
    errors: [
      {
        code: 'UNSUPPORTED_SPEC',
        field: ['metadata', 'annotations'],
        message:
          /^Unsupported value: eks\.tke\.cloud\.tencent\.com\/cpu="8", eks\.tke\.cloud\.tencent\.com\/mem="32Gi": not a GPU pod spec of V100; V100 specs are 1 × V100 with 8 CPU \/ 40Gi, 2 × V100 with 18 CPU \/ 80Gi, 4 × V100 with 36 CPU \/ 160Gi, 8 × V100 with 72 CPU \/ 320Gi$/,
      },
    ],
  },
  {
    name: 'refuses cpu/mem annotations naming a spec with fewer cards than the pod asks for',
    pod: { containers: [c(undefined, { 'nvidia.com/gpu': '2' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [CPU_ANN]: '8', [MEM_ANN]: '40Gi' },
    errors: [{ code: 'UNSUPPORTED_SPEC', field: ['metadata', 'annotations'], message: /not a GPU pod spec of V100 with at least 2 GPUs/ }],
  },
  {
    name: 'refuses cpu/mem annotations that match a CPU spec but no spec of any requested GPU type',
    pod: {},
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4,1/4*T4', [CPU_ANN]: '2', [MEM_ANN]: '4Gi' },
    errors: [{ code: 'UNSUPPORTED_SPEC', field: ['metadata', 'annotations'], message: /not a GPU pod spec of T4 or 1\/4\*T4; T4 specs are .*; 1\/4\*T4 specs are 1\/4\*T4 with 4 CPU \/ 20Gi$/ }],
  },
  {
    name: 'refuses a GPU pod larger than the largest spec of its type',
    pod: { containers: [c({ cpu: '100', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100' },
    errors: [
      {
        code: 'SPEC_TOO_LARGE',
        field: ['spec', 'containers'],
        message: /^Forbidden: the pod needs 1 GPU, 100 CPU and 0Gi of memory .*more than the largest spec of the requested GPU type: V100: 8 × V100 with 72 CPU \/ 320Gi$/,
      },
    ],
  },
  {
    name: 'refuses a GPU pod no requested type can hold, naming the largest spec of each',
    pod: { containers: [c({ memory: '400Gi', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: 'T4,V100' },
    errors: [
      {
        code: 'SPEC_TOO_LARGE',
        field: ['spec', 'containers'],
        message: /each requested GPU type: T4: 4 × T4 with 80 CPU \/ 320Gi; V100: 8 × V100 with 72 CPU \/ 320Gi$/,
      },
    ],
  },
  {
    name: 'refuses 2 GPUs of a vGPU type',
    pod: { containers: [c(undefined, { 'nvidia.com/gpu': '2' })] },
    annotations: { [GPU_TYPE_ANNOTATION]: '1/2*T4' },
    errors: [{ code: 'SPEC_TOO_LARGE', field: ['spec', 'containers'], message: /1\/2\*T4: 1\/2\*T4 with 10 CPU \/ 40Gi; a vGPU type \(1\/4\*T4, 1\/2\*T4\) is exactly 1 GPU$/ }],
  },
  {
    name: 'refuses a gpu-count above any spec, at the annotation',
    pod: {},
    annotations: { [GPU_TYPE_ANNOTATION]: 'V100', [GPU_COUNT_ANNOTATION]: '16' },
    errors: [{ code: 'SPEC_TOO_LARGE', field: ann(GPU_COUNT_ANNOTATION), message: /the pod needs 16 GPUs/ }],
  },
  {
    name: 'reports annotation and resource problems of a GPU pod together',
    pod: { containers: [c({ cpu: 'x', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
    annotations: { [CPU_TYPE_ANNOTATION]: 'amd' },
    errors: [
      { code: 'INVALID_QUANTITY', field: ['spec', 'containers', '0', 'resources', 'requests', 'cpu'] },
      { code: 'INVALID_ANNOTATION', field: ann(CPU_TYPE_ANNOTATION) },
      { code: 'GPU_TYPE_REQUIRED', field: ann(GPU_TYPE_ANNOTATION) },
    ],
  },
];

describe('sizePod refuses GPU and CPU-type problems', () => {
  for (const tc of gpuErrCases) {
    it(tc.name, () => {
      const r = sizePod(tc.pod, tc.annotations);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.map((e) => ({ code: e.code, field: e.field }))).toEqual(tc.errors.map((e) => ({ code: e.code, field: e.field })));
      tc.errors.forEach((e, i) => {
        if (e.message) expect(r.errors[i].message).toMatch(e.message);
      });
    });
  }
});

describe('GPU_SPECS', () => {
  it('is the Tencent GPU table: cards → CPU / memory per type', () => {
    const rows = GPU_SPECS.map((s) => [s.gpuType, s.model, s.cards, s.gpuMilli, s.cpuMilli / 1000, s.memoryMi / 1024]);
    expect(rows).toEqual([
      ['V100', 'V100', 1, 1000, 8, 40],
      ['V100', 'V100', 2, 2000, 18, 80],
      ['V100', 'V100', 4, 4000, 36, 160],
      ['V100', 'V100', 8, 8000, 72, 320],
      ['T4', 'T4', 1, 1000, 8, 32],
      ['T4', 'T4', 1, 1000, 20, 80],
      ['T4', 'T4', 1, 1000, 32, 128],
      ['T4', 'T4', 2, 2000, 40, 160],
      ['T4', 'T4', 4, 4000, 80, 320],
      ['1/4*T4', 'T4', 1, 250, 4, 20],
      ['1/2*T4', 'T4', 1, 500, 10, 40],
    ]);
  });

  it('maps every GPU spec, annotated exactly, to itself', () => {
    for (const s of GPU_SPECS) {
      const r = sizePod({}, { [GPU_TYPE_ANNOTATION]: s.gpuType, [CPU_ANN]: String(s.cpuMilli / 1000), [MEM_ANN]: `${s.memoryMi / 1024}Gi` });
      expect(r).toEqual({
        ok: true,
        spec: { cpuMilli: s.cpuMilli, memoryMi: s.memoryMi },
        source: 'annotations',
        options: [{ cpuMilli: s.cpuMilli, memoryMi: s.memoryMi, cpuType: null, gpuModel: s.model, gpuMilli: s.gpuMilli }],
      });
    }
  });

  it('cannot be changed by callers', () => {
    expect(Object.isFrozen(GPU_SPECS)).toBe(true);
    expect(Object.isFrozen(GPU_SPECS[0])).toBe(true);
  });
});
