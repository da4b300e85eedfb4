import { describe, it, expect } from 'vitest';
import {
  SUPPORTED_SPECS,
  sizePod,
  type BilledSpec,
  type ContainerLike,
  type PodSpecLike,
  type ResourceList,
} from './sizing';

const CPU_ANN = 'eks.tke.cloud.tencent.com/cpu';
const MEM_ANN = 'eks.tke.cloud.tencent.com/mem';

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
    name: 'ignores resources other than cpu and memory for sizing',
    pod: { containers: [c({ cpu: '250m', 'ephemeral-storage': '100Gi', 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })] },
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
      expect(sizePod(tc.pod, tc.annotations)).toEqual({ ok: true, spec: tc.spec, source: tc.source });
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
      expect(r).toEqual({ ok: true, spec: s, source: 'resources' });
    }
  });

  it('accepts every supported spec as annotations', () => {
    for (const s of SUPPORTED_SPECS) {
      const r = sizePod({}, { [CPU_ANN]: String(s.cpuMilli / 1000), [MEM_ANN]: `${s.memoryMi}Mi` });
      expect(r).toEqual({ ok: true, spec: s, source: 'annotations' });
    }
  });

  it('cannot be changed by callers', () => {
    expect(Object.isFrozen(SUPPORTED_SPECS)).toBe(true);
    expect(Object.isFrozen(SUPPORTED_SPECS[0])).toBe(true);
  });
});
