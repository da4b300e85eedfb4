import { describe, it, expect } from 'vitest';
import type { ContainerLike, PodSpecLike } from '../sizing';
import {
  applyLimitRanges,
  checkClaimAgainstLimitRanges,
  checkTemplateAgainstLimitRanges,
  parseLimitRange,
  type LimitRangeItem,
  type LimitRangeSpec,
} from './limitrange';

const path = ['manifest', '0', 'spec'];
const item = (i: number, ...rest: string[]) => [...path, 'limits', String(i), ...rest];

function c(name: string, requests?: Record<string, unknown>, limits?: Record<string, unknown>, extra: Record<string, unknown> = {}): ContainerLike {
  const resources: ContainerLike['resources'] = {};
  if (requests) resources.requests = requests;
  if (limits) resources.limits = limits;
  return { name, resources, ...extra };
}

/** Parses a LimitRange spec that must be valid. */
function lr(...limits: unknown[]): LimitRangeSpec {
  const r = parseLimitRange({ limits }, path);
  expect(r.errors).toEqual([]);
  return r.spec;
}

describe('parseLimitRange defaulting (SetDefaults_LimitRangeItem)', () => {
  const cases: [name: string, raw: Record<string, unknown>, expected: LimitRangeItem][] = [
    [
      'defaults the limit to max and the request to that limit',
      { type: 'Container', max: { cpu: '1', memory: '1Gi' } },
      { type: 'Container', max: { cpu: '1', memory: '1Gi' }, default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '1', memory: '1Gi' } },
    ],
    [
      'defaults the request to the default limit rather than to min',
      { type: 'Container', min: { cpu: '100m' }, default: { cpu: '500m' } },
      { type: 'Container', min: { cpu: '100m' }, default: { cpu: '500m' }, defaultRequest: { cpu: '500m' } },
    ],
    [
      'defaults the request to min when there is no default limit',
      { type: 'Container', min: { memory: '64Mi' } },
      { type: 'Container', min: { memory: '64Mi' }, defaultRequest: { memory: '64Mi' } },
    ],
    [
      'keeps a default request that is given',
      { type: 'Container', max: { cpu: '2' }, defaultRequest: { cpu: '250m' } },
      { type: 'Container', max: { cpu: '2' }, default: { cpu: '2' }, defaultRequest: { cpu: '250m' } },
    ],
    [
      'defaults nothing for a Pod item',
      { type: 'Pod', max: { cpu: '4' }, min: { cpu: '1' } },
      { type: 'Pod', max: { cpu: '4' }, min: { cpu: '1' } },
    ],
    [
      'stores quantities as Kubernetes prints them',
      { type: 'Container', max: { memory: '1.5Gi', cpu: 2 }, maxLimitRequestRatio: { cpu: '2000m' } },
      {
        type: 'Container',
        max: { cpu: '2', memory: '1536Mi' },
        default: { cpu: '2', memory: '1536Mi' },
        defaultRequest: { cpu: '2', memory: '1536Mi' },
        maxLimitRequestRatio: { cpu: '2' },
      },
    ],
    [
      'accepts a claim item with a storage minimum',
      { type: 'PersistentVolumeClaim', min: { storage: '1Gi' } },
      { type: 'PersistentVolumeClaim', min: { storage: '1Gi' } },
    ],
  ];
  it.each(cases)('%s', (_name, raw, expected) => {
    expect(lr(raw).limits).toEqual([expected]);
  });
});

describe('parseLimitRange validation', () => {
  interface Case {
    name: string;
    raw: unknown;
    errors: { field: string[]; code: string; message: string }[];
  }
  const cases: Case[] = [
    { name: 'requires a spec', raw: null, errors: [{ field: path, code: 'REQUIRED', message: 'Required value: a LimitRange needs a spec with "limits"' }] },
    { name: 'requires limits', raw: {}, errors: [{ field: [...path, 'limits'], code: 'REQUIRED', message: 'Required value' }] },
    {
      name: 'requires limits to be a list',
      raw: { limits: { type: 'Container' } },
      errors: [{ field: [...path, 'limits'], code: 'INVALID_VALUE', message: 'Invalid value: {"type":"Container"}: must be a list of limit items' }],
    },
    {
      name: 'requires a type',
      raw: { limits: [{ max: { cpu: '1' } }] },
      errors: [{ field: item(0, 'type'), code: 'REQUIRED', message: 'Required value: supported values: "Container", "Pod", "PersistentVolumeClaim"' }],
    },
    {
      name: 'refuses an unknown type',
      raw: { limits: [{ type: 'Node', max: { cpu: '1' } }] },
      errors: [{ field: item(0, 'type'), code: 'UNSUPPORTED_VALUE', message: 'Unsupported value: "Node": supported values: "Container", "Pod", "PersistentVolumeClaim"' }],
    },
    {
      name: 'refuses a second item of the same type',
      raw: { limits: [{ type: 'Pod', max: { cpu: '4' } }, { type: 'Pod', max: { memory: '4Gi' } }] },
      errors: [{ field: item(1, 'type'), code: 'DUPLICATE', message: 'Duplicate value: "Pod"' }],
    },
    {
      name: 'refuses defaults on a Pod item',
      raw: { limits: [{ type: 'Pod', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }] },
      errors: [
        { field: item(0, 'default'), code: 'FORBIDDEN', message: "Forbidden: may not be specified when `type` is 'Pod'" },
        { field: item(0, 'defaultRequest'), code: 'FORBIDDEN', message: "Forbidden: may not be specified when `type` is 'Pod'" },
      ],
    },
    {
      name: 'refuses a limit-to-request ratio on a claim item, which has no limits',
      raw: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '10Gi' }, maxLimitRequestRatio: { storage: '2' } }] },
      errors: [{ field: item(0, 'maxLimitRequestRatio'), code: 'FORBIDDEN', message: "Forbidden: may not be specified when `type` is 'PersistentVolumeClaim'" }],
    },
    {
      name: 'requires a claim item to bound storage',
      raw: { limits: [{ type: 'PersistentVolumeClaim' }] },
      errors: [
        {
          field: item(0, 'limits'),
          code: 'REQUIRED',
          message: 'Required value: either minimum or maximum storage value is required, but neither was provided',
        },
      ],
    },
    {
      name: 'refuses a resource a container item cannot limit',
      raw: { limits: [{ type: 'Container', max: { 'nvidia.com/gpu': '1' } }] },
      errors: [{ field: item(0, 'max', 'nvidia.com/gpu'), code: 'UNSUPPORTED_RESOURCE', message: 'Unsupported value: "nvidia.com/gpu": supported values: "cpu", "memory"' }],
    },
    {
      name: 'refuses CPU on a claim item',
      raw: { limits: [{ type: 'PersistentVolumeClaim', max: { cpu: '1', storage: '1Gi' } }] },
      errors: [{ field: item(0, 'max', 'cpu'), code: 'UNSUPPORTED_RESOURCE', message: 'Unsupported value: "cpu": supported values: "storage"' }],
    },
    {
      name: 'refuses a value that is not a quantity',
      raw: { limits: [{ type: 'Pod', max: { cpu: 'two' } }] },
      errors: [{ field: item(0, 'max', 'cpu'), code: 'INVALID_QUANTITY', message: 'Invalid value: "two": must be a quantity such as "250m", "0.5", "2", "512Mi" or "2Gi"' }],
    },
    {
      name: 'refuses a negative quantity',
      raw: { limits: [{ type: 'Pod', min: { memory: '-1Mi' } }] },
      errors: [{ field: item(0, 'min', 'memory'), code: 'INVALID_QUANTITY', message: 'Invalid value: "-1Mi": must be greater than or equal to 0' }],
    },
    {
      name: 'refuses a resource list that is not a mapping',
      raw: { limits: [{ type: 'Pod', max: ['cpu'] }] },
      errors: [{ field: item(0, 'max'), code: 'INVALID_VALUE', message: 'Invalid value: ["cpu"]: must be a mapping of resource names to quantities, e.g. {cpu: 500m}' }],
    },
    {
      name: 'refuses min above max',
      raw: { limits: [{ type: 'Pod', min: { cpu: '2' }, max: { cpu: '1' } }] },
      errors: [{ field: item(0, 'min', 'cpu'), code: 'INVALID_VALUE', message: 'Invalid value: "2": min value 2 is greater than max value 1' }],
    },
    {
      name: 'reports every consequence of min above max on a Container item, after defaulting',
      raw: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] },
      errors: [
        { field: item(0, 'min', 'cpu'), code: 'INVALID_VALUE', message: 'Invalid value: "2": min value 2 is greater than max value 1' },
        { field: item(0, 'defaultRequest', 'cpu'), code: 'INVALID_VALUE', message: 'Invalid value: "1": min value 2 is greater than default request value 1' },
        { field: item(0, 'default', 'cpu'), code: 'INVALID_VALUE', message: 'Invalid value: "2": min value 2 is greater than default value 1' },
      ],
    },
    {
      name: 'refuses a default request above max',
      raw: { limits: [{ type: 'Container', max: { memory: '1Gi' }, default: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' } }] },
      errors: [
        { field: item(0, 'defaultRequest', 'memory'), code: 'INVALID_VALUE', message: 'Invalid value: "2Gi": default request value 2Gi is greater than max value 1Gi' },
        {
          field: item(0, 'defaultRequest', 'memory'),
          code: 'INVALID_VALUE',
          message: 'Invalid value: "2Gi": default request value 2Gi is greater than default limit value 1Gi',
        },
      ],
    },
    {
      name: 'refuses a default limit above max, showing max as Kubernetes does',
      raw: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '1500m' }, defaultRequest: { cpu: '1' } }] },
      errors: [{ field: item(0, 'default', 'cpu'), code: 'INVALID_VALUE', message: 'Invalid value: "1": default value 1500m is greater than max value 1' }],
    },
    {
      name: 'refuses a ratio below 1',
      raw: { limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }] },
      errors: [{ field: item(0, 'maxLimitRequestRatio', 'cpu'), code: 'INVALID_VALUE', message: 'Invalid value: "500m": ratio 500m is less than 1' }],
    },
    {
      name: 'refuses a ratio that max and min could never allow',
      raw: { limits: [{ type: 'Pod', min: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '20' } }] },
      errors: [
        { field: item(0, 'maxLimitRequestRatio', 'cpu'), code: 'INVALID_VALUE', message: 'Invalid value: "20": ratio 20 is greater than max/min = 10.000000' },
      ],
    },
  ];
  it.each(cases)('$name', ({ raw, errors }) => {
    expect(parseLimitRange(raw, path).errors).toEqual(errors);
  });

  it('keeps valid items and leaves invalid ones out', () => {
    const r = parseLimitRange({ limits: [{ type: 'Pod', max: { cpu: 'x' } }, { type: 'Container', min: { cpu: '10m' } }] }, path);
    expect(r.errors).toHaveLength(1);
    expect(r.spec.limits.map((l) => l.type)).toEqual(['Container']);
  });

  it('accepts a ratio max/min allows exactly', () => {
    expect(parseLimitRange({ limits: [{ type: 'Pod', min: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '10' } }] }, path).errors).toEqual([]);
  });
});

describe('applyLimitRanges defaulting', () => {
  const defaults = lr({
    type: 'Container',
    default: { cpu: '500m', memory: '512Mi' },
    defaultRequest: { cpu: '100m', memory: '256Mi' },
  });

  interface Case {
    name: string;
    pod: PodSpecLike;
    ranges: LimitRangeSpec[];
    containers: ContainerLike[];
    initContainers?: ContainerLike[];
  }
  const cases: Case[] = [
    {
      name: 'fills in requests and limits a container does not set',
      pod: { containers: [{ name: 'app' }] },
      ranges: [defaults],
      containers: [{ name: 'app', resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } } }],
    },
    {
      name: 'keeps what a container sets and fills in only the rest',
      pod: { containers: [c('app', { cpu: '200m' }, { memory: '1Gi' })] },
      ranges: [defaults],
      containers: [c('app', { cpu: '200m', memory: '1Gi' }, { memory: '1Gi', cpu: '500m' })],
    },
    {
      name: 'takes a missing request from the container limit before the LimitRange default request',
      pod: { containers: [c('app', undefined, { cpu: '2' })] },
      ranges: [lr({ type: 'Container', default: { cpu: '1' }, defaultRequest: { cpu: '100m' } })],
      containers: [c('app', { cpu: '2' }, { cpu: '2' })],
    },
    {
      name: 'takes requests from limits even without any LimitRange',
      pod: { containers: [c('app', undefined, { memory: '1Gi' })] },
      ranges: [],
      containers: [c('app', { memory: '1Gi' }, { memory: '1Gi' })],
    },
    {
      name: 'lets the first LimitRange with a default win',
      pod: { containers: [{ name: 'app' }] },
      ranges: [lr({ type: 'Container', default: { cpu: '1' } }), lr({ type: 'Container', default: { cpu: '2', memory: '1Gi' } })],
      containers: [{ name: 'app', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }],
    },
    {
      name: 'defaults init containers too',
      pod: { containers: [], initContainers: [{ name: 'init' }] },
      ranges: [defaults],
      containers: [],
      initContainers: [{ name: 'init', resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } } }],
    },
    {
      name: 'leaves a container without anything to set as it was',
      pod: { containers: [{ name: 'app' }] },
      ranges: [lr({ type: 'Pod', max: { cpu: '4' } })],
      containers: [{ name: 'app' }],
    },
  ];
  it.each(cases)('$name', ({ pod, ranges, containers, initContainers }) => {
    const r = applyLimitRanges(pod, ranges);
    expect(r.spec.containers).toEqual(containers);
    if (initContainers) expect(r.spec.initContainers).toEqual(initContainers);
  });

  it('does not modify the pod spec it is given', () => {
    const pod: PodSpecLike & { restartPolicy: string } = {
      containers: [c('app', { cpu: '200m' }, undefined), { name: 'bare' }],
      initContainers: [c('init', undefined, { memory: '1Gi' })],
      restartPolicy: 'Always',
    };
    const before = structuredClone(pod);
    const r = applyLimitRanges(pod, [defaults]);
    expect(pod).toEqual(before);
    expect(r.spec).not.toBe(pod);
    expect(r.spec.restartPolicy).toBe('Always');
    expect(r.spec.containers![0].resources!.limits).toEqual({ cpu: '500m', memory: '512Mi' });
  });
});

describe('applyLimitRanges checks', () => {
  interface Case {
    name: string;
    pod: PodSpecLike;
    ranges: unknown[][];
    errors: string[];
  }
  const cases: Case[] = [
    {
      name: 'admits a container within min and max',
      pod: { containers: [c('app', { cpu: '250m' }, { cpu: '500m' })] },
      ranges: [[{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' } }]],
      errors: [],
    },
    {
      name: 'refuses a request under the minimum',
      pod: { containers: [c('app', { cpu: '50m' }, { cpu: '200m' })] },
      ranges: [[{ type: 'Container', min: { cpu: '100m' } }]],
      errors: ['minimum cpu usage per Container is 100m, but request is 50m'],
    },
    {
      name: 'refuses a limit over the maximum',
      pod: { containers: [c('app', { memory: '512Mi' }, { memory: '2Gi' })] },
      ranges: [[{ type: 'Container', max: { memory: '1Gi' } }]],
      errors: ['maximum memory usage per Container is 1Gi, but limit is 2Gi'],
    },
    {
      name: 'prints quantities as Kubernetes does in its messages',
      pod: { containers: [c('app', { cpu: '0.05' }, { cpu: '2000m' })] },
      ranges: [[{ type: 'Container', min: { cpu: '0.1' }, max: { cpu: '1000m' } }]],
      errors: ['minimum cpu usage per Container is 100m, but request is 50m', 'maximum cpu usage per Container is 1, but limit is 2'],
    },
    {
      name: 'refuses a limit too far above the request',
      pod: { containers: [c('app', { cpu: '250m' }, { cpu: '1' })] },
      ranges: [[{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }]],
      errors: ['cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000'],
    },
    {
      name: 'admits a limit exactly at the ratio',
      pod: { containers: [c('app', { cpu: '500m' }, { cpu: '1' })] },
      ranges: [[{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }]],
      errors: [],
    },
    {
      name: 'refuses a ratio when the container sets no limit',
      pod: { containers: [c('app', { memory: '1Gi' })] },
      ranges: [[{ type: 'Container', maxLimitRequestRatio: { memory: '1' } }]],
      errors: ['memory max limit to request ratio per Container is 1, but no limit is specified or limit is 0'],
    },
    {
      name: 'refuses a ratio when the container sets no request',
      pod: { containers: [{ name: 'app' }] },
      ranges: [[{ type: 'Container', maxLimitRequestRatio: { cpu: '3' } }]],
      errors: ['cpu max limit to request ratio per Container is 3, but no request is specified or request is 0'],
    },
    {
      name: 'checks init containers against Container items',
      pod: { containers: [c('app', { cpu: '500m' }, { cpu: '500m' })], initContainers: [c('init', { cpu: '2' }, { cpu: '2' })] },
      ranges: [[{ type: 'Container', max: { cpu: '1' } }]],
      errors: ['maximum cpu usage per Container is 1, but limit is 2'],
    },
    {
      name: 'refuses a pod whose containers together go over a Pod maximum',
      pod: { containers: [c('a', { memory: '512Mi' }, { memory: '1Gi' }), c('b', { memory: '512Mi' }, { memory: '1Gi' })] },
      ranges: [[{ type: 'Pod', max: { memory: '1Gi' } }]],
      errors: ['maximum memory usage per Pod is 1Gi, but limit is 2Gi'],
    },
    {
      name: 'totals a pod with its largest init container',
      pod: { containers: [c('a', { memory: '1Gi' }, { memory: '1Gi' })], initContainers: [c('init', { memory: '3Gi' }, { memory: '3Gi' })] },
      ranges: [[{ type: 'Pod', max: { memory: '2Gi' } }]],
      errors: ['maximum memory usage per Pod is 2Gi, but limit is 3Gi'],
    },
    {
      name: 'refuses a request over the maximum when the limit is within it',
      pod: { containers: [c('app', { cpu: '2' }, { cpu: '1' })] },
      ranges: [[{ type: 'Pod', max: { cpu: '1' } }]],
      errors: ['maximum cpu usage per Pod is 1, but request is 2'],
    },
    {
      name: 'refuses a limit under the minimum when the request meets it',
      pod: { containers: [c('app', { memory: '1Gi' }, { memory: '512Mi' })] },
      ranges: [[{ type: 'Container', min: { memory: '1Gi' } }]],
      errors: ['minimum memory usage per Container is 1Gi, but limit is 512Mi'],
    },
    {
      name: 'refuses a Pod maximum when no container sets a limit',
      pod: { containers: [c('a', { cpu: '1' })] },
      ranges: [[{ type: 'Pod', max: { cpu: '4' } }]],
      errors: ['maximum cpu usage per Pod is 4.  No limit is specified'],
    },
    {
      name: 'refuses a Pod minimum when no container sets a request',
      pod: { containers: [{ name: 'a' }] },
      ranges: [[{ type: 'Pod', min: { memory: '64Mi' } }]],
      errors: ['minimum memory usage per Pod is 64Mi.  No request is specified'],
    },
    {
      name: 'checks the defaults it applied, as Kubernetes does',
      pod: { containers: [{ name: 'app' }] },
      ranges: [[{ type: 'Container', default: { cpu: '2' }, defaultRequest: { cpu: '500m' } }], [{ type: 'Container', max: { cpu: '1' } }]],
      errors: ['maximum cpu usage per Container is 1, but limit is 2'],
    },
    {
      name: 'reports the violations of every LimitRange',
      pod: { containers: [c('app', { cpu: '50m', memory: '4Gi' }, { cpu: '50m', memory: '4Gi' })] },
      ranges: [[{ type: 'Container', min: { cpu: '100m' } }], [{ type: 'Pod', max: { memory: '2Gi' } }]],
      errors: [
        'minimum cpu usage per Container is 100m, but request is 50m',
        'maximum memory usage per Pod is 2Gi, but limit is 4Gi',
      ],
    },
    {
      name: 'refuses, as pod validation would and with nothing else, a default limit below the request the container sets',
      pod: { containers: [c('app', { cpu: '2' })], initContainers: [c('init', { memory: '1Gi' })] },
      ranges: [[{ type: 'Container', default: { cpu: '1', memory: '512Mi' } }], [{ type: 'Pod', max: { cpu: '500m' } }]],
      errors: [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
        'spec.initContainers[0].resources.requests: Invalid value: "1Gi": must be less than or equal to memory limit of 512Mi',
      ],
    },
  ];
  it.each(cases)('$name', ({ pod, ranges, errors }) => {
    const specs = ranges.map((limits) => lr(...limits));
    expect(applyLimitRanges(pod, specs).errors).toEqual(errors);
    expect(checkTemplateAgainstLimitRanges(pod, specs)).toEqual(errors);
  });

  it('totals a sidecar with the app containers', () => {
    const pod: PodSpecLike = {
      containers: [c('app', { cpu: '1' }, { cpu: '1' })],
      initContainers: [c('proxy', { cpu: '500m' }, { cpu: '500m' }, { restartPolicy: 'Always' })],
    };
    expect(applyLimitRanges(pod, [lr({ type: 'Pod', max: { cpu: '1' } })]).errors).toEqual(['maximum cpu usage per Pod is 1, but limit is 1500m']);
  });
});

describe('checkClaimAgainstLimitRanges', () => {
  const ranges = [lr({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } })];
  const cases: [name: string, requests: Record<string, unknown> | undefined, errors: string[]][] = [
    ['admits a claim within bounds', { storage: '5Gi' }, []],
    ['refuses a claim under the minimum', { storage: '500Mi' }, ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi']],
    ['refuses a claim over the maximum', { storage: '20Gi' }, ['maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi']],
    [
      'refuses a claim that requests no storage',
      undefined,
      [
        'minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified',
        'maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified',
      ],
    ],
  ];
  it.each(cases)('%s', (_name, requests, errors) => {
    expect(checkClaimAgainstLimitRanges(requests, ranges)).toEqual(errors);
  });

  it('ignores Container and Pod items', () => {
    expect(checkClaimAgainstLimitRanges({ storage: '1Ti' }, [lr({ type: 'Container', max: { memory: '1Gi' } })])).toEqual([]);
  });
});
