import { describe, it, expect } from 'vitest';
import type { ContainerLike, PodSpecLike } from '../sizing';
import {
  SUPPORTED_QUOTA_RESOURCES,
  addUsage,
  canonicalQuantity,
  checkQuotas,
  formatUsage,
  parseResourceQuota,
  podQuotaUsage,
  pvcQuotaUsage,
  scaleUsage,
  workloadQuotaResource,
  type MissingResource,
  type QuotaState,
  type QuotaUsage,
} from './quota';

const Mi = 1024n * 1024n;
const Gi = 1024n * Mi;

function c(name: string, requests?: Record<string, unknown>, limits?: Record<string, unknown>, extra: Record<string, unknown> = {}): ContainerLike {
  const resources: ContainerLike['resources'] = {};
  if (requests) resources.requests = requests;
  if (limits) resources.limits = limits;
  return { name, resources, ...extra };
}

describe('canonicalQuantity', () => {
  const cases: [name: string, raw: unknown, expected: string | null][] = [
    ['prints whole cores without a suffix', '1000m', '1'],
    ['prints fractional cores in millicores', '1.5', '1500m'],
    ['prints a tenth of a core as 100m', '0.1', '100m'],
    ['reads a YAML number through its decimal form', 0.5, '500m'],
    ['uses the largest decimal suffix that keeps the number whole', '2000', '2k'],
    ['keeps a number that no decimal suffix divides', '1500', '1500'],
    ['moves 1000M up to 1G', '1000M', '1G'],
    ['prints 1.5Gi in Mi, the largest binary suffix that keeps it whole', '1.5Gi', '1536Mi'],
    ['moves 1024Mi up to 1Gi', '1024Mi', '1Gi'],
    ['keeps 512Mi as written', '512Mi', '512Mi'],
    ['keeps Ki when Mi would not be whole', '1500Ki', '1500Ki'],
    ['prints binary values under 1024 as decimals', '0.5Ki', '512'],
    ['prints binary values that are not whole as decimals', '1.1Ki', '1126400m'],
    ['keeps an exponent as an exponent', '1e3', '1e3'],
    ['drops an exponent that lands on zero', '1.5e3', '1500'],
    ['rounds below a nano-unit up to 1n', '0.1n', '1n'],
    ['prints zero as 0', '0Gi', '0'],
    ['caps the decimal suffix at E', '1000E', '1000E'],
    ['prints integers beyond 64 bits exactly', '12345678901234567890', '12345678901234567890'],
    ['refuses text that is not a quantity', '12q', null],
  ];
  it.each(cases)('%s', (_name, raw, expected) => {
    expect(canonicalQuantity(raw)).toBe(expected);
  });
});

describe('parseResourceQuota', () => {
  const path = ['manifest', '0', 'spec'];

  it('keeps valid limits as Kubernetes stores them', () => {
    const r = parseResourceQuota(
      { hard: { pods: '10', 'requests.cpu': '4000m', 'requests.memory': '1.5Gi', cpu: 0.5, 'count/jobs.batch': 3 } },
      path,
    );
    expect(r.errors).toEqual([]);
    expect(r.spec.hard).toEqual({ pods: '10', 'requests.cpu': '4', 'requests.memory': '1536Mi', cpu: '500m', 'count/jobs.batch': '3' });
  });

  it('accepts every supported resource name', () => {
    const hard = Object.fromEntries(SUPPORTED_QUOTA_RESOURCES.map((n) => [n, '1']));
    const r = parseResourceQuota({ hard }, path);
    expect(r.errors).toEqual([]);
    expect(Object.keys(r.spec.hard).sort()).toEqual([...SUPPORTED_QUOTA_RESOURCES].sort());
  });

  it('accepts an empty set of limits', () => {
    expect(parseResourceQuota({ hard: {} }, path)).toEqual({ spec: { hard: {} }, errors: [] });
  });

  interface ErrCase {
    name: string;
    raw: unknown;
    field: string[];
    code: string;
    message: string;
  }
  const errCases: ErrCase[] = [
    {
      name: 'requires a spec',
      raw: undefined,
      field: path,
      code: 'REQUIRED',
      message: 'Required value: a ResourceQuota needs a spec with "hard" limits',
    },
    { name: 'requires spec.hard', raw: {}, field: [...path, 'hard'], code: 'REQUIRED', message: 'Required value' },
    {
      name: 'requires spec.hard to be a mapping',
      raw: { hard: ['pods'] },
      field: [...path, 'hard'],
      code: 'INVALID_VALUE',
      message: 'Invalid value: ["pods"]: must be a mapping of resource names to quantities, e.g. {pods: "10", requests.cpu: "4"}',
    },
    {
      name: 'refuses a resource it does not track, listing the ones it does',
      raw: { hard: { services: '5' } },
      field: [...path, 'hard', 'services'],
      code: 'UNSUPPORTED_RESOURCE',
      message: `Unsupported value: "services": supported values: ${SUPPORTED_QUOTA_RESOURCES.map((n) => `"${n}"`).join(', ')}`,
    },
    {
      name: 'refuses a value that is not a quantity',
      raw: { hard: { 'requests.cpu': '12q' } },
      field: [...path, 'hard', 'requests.cpu'],
      code: 'INVALID_QUANTITY',
      message: 'Invalid value: "12q": must be a quantity such as "10", "500m", "4", "512Mi" or "8Gi"',
    },
    {
      name: 'refuses a negative limit',
      raw: { hard: { 'limits.memory': '-1Gi' } },
      field: [...path, 'hard', 'limits.memory'],
      code: 'INVALID_QUANTITY',
      message: 'Invalid value: "-1Gi": must be greater than or equal to 0',
    },
    {
      name: 'refuses a fraction of a pod',
      raw: { hard: { pods: '1.5' } },
      field: [...path, 'hard', 'pods'],
      code: 'INVALID_QUANTITY',
      message: 'Invalid value: "1.5": must be an integer',
    },
    {
      name: 'refuses a fraction of an object count written in milli',
      raw: { hard: { 'count/deployments.apps': '500m' } },
      field: [...path, 'hard', 'count/deployments.apps'],
      code: 'INVALID_QUANTITY',
      message: 'Invalid value: "500m": must be an integer',
    },
    {
      name: 'refuses quota scopes for now',
      raw: { hard: { pods: '1' }, scopes: ['BestEffort'] },
      field: [...path, 'scopes'],
      code: 'UNSUPPORTED_VALUE',
      message: 'Unsupported value: ["BestEffort"]: quota scopes are not supported yet; a quota here covers every pod in its namespace',
    },
    {
      name: 'refuses a scope selector for now',
      raw: { hard: { pods: '1' }, scopeSelector: { matchExpressions: [] } },
      field: [...path, 'scopeSelector'],
      code: 'UNSUPPORTED_VALUE',
      message:
        'Unsupported value: {"matchExpressions":[]}: quota scope selectors are not supported yet; a quota here covers every pod in its namespace',
    },
  ];
  it.each(errCases)('$name', ({ raw, field, code, message }) => {
    const r = parseResourceQuota(raw, path);
    expect(r.errors).toEqual([{ field, code, message }]);
  });

  it('leaves invalid entries out of the parsed spec and keeps the valid ones', () => {
    const r = parseResourceQuota({ hard: { pods: '-1', 'requests.cpu': '2', services: '1' } }, path);
    expect(r.errors.map((e) => e.field.at(-1))).toEqual(['pods', 'services']);
    expect(r.spec.hard).toEqual({ 'requests.cpu': '2' });
  });

  it('ignores an empty list of scopes', () => {
    expect(parseResourceQuota({ hard: { pods: '1' }, scopes: [] }, path).errors).toEqual([]);
  });
});

describe('podQuotaUsage', () => {
  interface Case {
    name: string;
    pod: PodSpecLike;
    gpuMilli?: number;
    usage: Partial<QuotaUsage>;
  }
  const cases: Case[] = [
    {
      name: 'counts one pod under both pod-count names',
      pod: { containers: [c('app')] },
      usage: { pods: 1n, 'count/pods': 1n, cpu: 0n, 'requests.cpu': 0n, 'limits.cpu': 0n },
    },
    {
      name: 'sums requests of app containers, under both the short and the requests. name',
      pod: { containers: [c('a', { cpu: '250m', memory: '256Mi' }), c('b', { cpu: '1', memory: '1Gi' })] },
      usage: { cpu: 1250n, 'requests.cpu': 1250n, memory: 1280n * Mi, 'requests.memory': 1280n * Mi },
    },
    {
      name: 'takes a container request from its limit when the request is not set',
      pod: { containers: [c('a', undefined, { cpu: '2', memory: '1Gi' })] },
      usage: { 'requests.cpu': 2000n, 'limits.cpu': 2000n, 'requests.memory': Gi, 'limits.memory': Gi },
    },
    {
      name: 'sums limits separately from requests',
      pod: { containers: [c('a', { cpu: '100m' }, { cpu: '500m' }), c('b', { cpu: '200m' }, { cpu: '1' })] },
      usage: { 'requests.cpu': 300n, 'limits.cpu': 1500n },
    },
    {
      name: 'takes the largest init container when it exceeds the app containers',
      pod: { containers: [c('a', { cpu: '500m' })], initContainers: [c('i1', { cpu: '2' }), c('i2', { cpu: '1' })] },
      usage: { 'requests.cpu': 2000n },
    },
    {
      name: 'keeps the app containers when they exceed every init container',
      pod: { containers: [c('a', { memory: '2Gi' }), c('b', { memory: '2Gi' })], initContainers: [c('i', { memory: '3Gi' })] },
      usage: { 'requests.memory': 4n * Gi },
    },
    {
      name: 'adds a sidecar to the app containers and to the init containers after it',
      pod: {
        containers: [c('a', { cpu: '1' })],
        initContainers: [c('side', { cpu: '500m' }, undefined, { restartPolicy: 'Always' }), c('i', { cpu: '1200m' })],
      },
      usage: { 'requests.cpu': 1700n },
    },
    {
      name: 'rounds sub-millicore CPU up to a whole millicore',
      pod: { containers: [c('a', { cpu: '0.0001' })] },
      usage: { 'requests.cpu': 1n },
    },
    {
      name: 'counts the pod GPU share in milli-GPUs',
      pod: { containers: [c('a')] },
      gpuMilli: 250,
      usage: { 'requests.nvidia.com/gpu': 250n },
    },
    {
      name: 'leaves invalid quantities to the manifest validator and counts them as unset',
      pod: { containers: [c('a', { cpu: 'lots' })] },
      usage: { 'requests.cpu': 0n },
    },
  ];
  it.each(cases)('$name', ({ pod, gpuMilli, usage }) => {
    const r = podQuotaUsage(pod, gpuMilli ?? 0);
    expect(r.usage).toMatchObject(usage);
  });

  it('lists, per resource, the containers that do not set it', () => {
    const r = podQuotaUsage(
      {
        containers: [c('app', { cpu: '1' }), c('web', undefined, { cpu: '1', memory: '1Gi' })],
        initContainers: [c('init', { memory: '64Mi' })],
      },
      0,
    );
    expect(r.missing).toEqual<MissingResource[]>([
      { resource: 'cpu', containers: ['init'] },
      { resource: 'limits.cpu', containers: ['app', 'init'] },
      { resource: 'limits.memory', containers: ['app', 'init'] },
      { resource: 'memory', containers: ['app'] },
      { resource: 'requests.cpu', containers: ['init'] },
      { resource: 'requests.memory', containers: ['app'] },
    ]);
  });

  it('lists nothing missing when every container sets requests and limits', () => {
    const r = podQuotaUsage({ containers: [c('app', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] }, 0);
    expect(r.missing).toEqual([]);
  });

  it('refuses a GPU share that is not a whole number of milli-GPUs', () => {
    expect(() => podQuotaUsage({ containers: [] }, 0.5)).toThrow(RangeError);
  });
});

describe('pvcQuotaUsage, workloadQuotaResource, addUsage, scaleUsage', () => {
  it('counts a claim and its storage in bytes', () => {
    expect(pvcQuotaUsage('10Gi')).toEqual({ persistentvolumeclaims: 1n, 'count/persistentvolumeclaims': 1n, 'requests.storage': 10n * Gi });
  });

  const kinds: [kind: string, resource: string | null][] = [
    ['Deployment', 'count/deployments.apps'],
    ['StatefulSet', 'count/statefulsets.apps'],
    ['Job', 'count/jobs.batch'],
    ['CronJob', 'count/cronjobs.batch'],
    ['Pod', null],
    ['toString', null],
  ];
  it.each(kinds)('maps %s to %s', (kind, resource) => {
    expect(workloadQuotaResource(kind)).toBe(resource);
  });

  it('adds usage vectors per resource', () => {
    expect(addUsage({ pods: 1n, cpu: 500n }, { cpu: 250n, memory: 1n })).toEqual({ pods: 1n, cpu: 750n, memory: 1n });
  });

  it('scales a usage vector by a replica count', () => {
    expect(scaleUsage({ pods: 1n, cpu: 500n }, 3)).toEqual({ pods: 3n, cpu: 1500n });
  });
});

describe('formatUsage', () => {
  it('shows every resource of hard, rendered as Kubernetes renders it', () => {
    const used: QuotaUsage = { 'requests.cpu': 1500n, 'requests.memory': Gi, pods: 3n, 'limits.memory': 1536n * Mi, 'requests.storage': 1000n };
    const hard = { pods: '10', 'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi', 'requests.storage': '1Ti' };
    expect(formatUsage(used, hard)).toEqual({
      'limits.cpu': '0',
      'limits.memory': '1536Mi',
      pods: '3',
      'requests.cpu': '1500m',
      'requests.memory': '1Gi',
      'requests.storage': '1k',
    });
  });

  it('prints whole cores and whole GPUs without a suffix', () => {
    expect(formatUsage({ cpu: 2000n, 'requests.nvidia.com/gpu': 1000n }, { cpu: '4', 'requests.nvidia.com/gpu': '2' })).toEqual({
      cpu: '2',
      'requests.nvidia.com/gpu': '1',
    });
  });

  it('prints a thousand objects as Kubernetes does, 1k', () => {
    expect(formatUsage({ pods: 1000n }, { pods: '2000' })).toEqual({ pods: '1k' });
  });
});

describe('checkQuotas', () => {
  const compute = (used: QuotaUsage, hard: Record<string, string> = { 'requests.cpu': '4', 'requests.memory': '4Gi' }): QuotaState => ({
    name: 'compute',
    hard,
    used,
  });

  interface Case {
    name: string;
    quotas: QuotaState[];
    delta: QuotaUsage;
    missing?: MissingResource[];
    result: ReturnType<typeof checkQuotas>;
  }
  const cases: Case[] = [
    {
      name: 'admits a request that stays within every quota',
      quotas: [compute({ 'requests.cpu': 1000n })],
      delta: { 'requests.cpu': 2000n },
      result: { ok: true },
    },
    {
      name: 'admits a request that reaches the limit exactly',
      quotas: [compute({ 'requests.cpu': 2000n })],
      delta: { 'requests.cpu': 2000n },
      result: { ok: true },
    },
    {
      name: 'refuses a request over the limit in Kubernetes words',
      quotas: [compute({ 'requests.cpu': 3000n })],
      delta: { 'requests.cpu': 2000n },
      result: {
        ok: false,
        code: 'EXCEEDED_QUOTA',
        quota: 'compute',
        message: 'exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=3, limited: requests.cpu=4',
      },
    },
    {
      name: 'renders millicores and memory as Kubernetes does',
      quotas: [compute({ 'requests.cpu': 3500n, 'requests.memory': 3n * Gi + 512n * Mi }, { 'requests.cpu': '4000m', 'requests.memory': '4Gi' })],
      delta: { 'requests.cpu': 750n, 'requests.memory': 1536n * Mi },
      result: {
        ok: false,
        code: 'EXCEEDED_QUOTA',
        quota: 'compute',
        message:
          'exceeded quota: compute, requested: requests.cpu=750m,requests.memory=1536Mi, ' +
          'used: requests.cpu=3500m,requests.memory=3584Mi, limited: requests.cpu=4,requests.memory=4Gi',
      },
    },
    {
      name: 'lists only the exceeded resources, sorted by name',
      quotas: [compute({ pods: 1n, 'limits.memory': Gi, cpu: 0n }, { pods: '10', 'limits.memory': '1Gi', cpu: '1' })],
      delta: { pods: 1n, 'limits.memory': 512n * Mi, cpu: 2000n },
      result: {
        ok: false,
        code: 'EXCEEDED_QUOTA',
        quota: 'compute',
        message: 'exceeded quota: compute, requested: cpu=2,limits.memory=512Mi, used: cpu=0,limits.memory=1Gi, limited: cpu=1,limits.memory=1Gi',
      },
    },
    {
      name: 'names the first quota that is exceeded',
      quotas: [
        { name: 'a', hard: { pods: '10' }, used: { pods: 2n } },
        { name: 'b', hard: { 'count/pods': '2' }, used: { 'count/pods': 2n } },
      ],
      delta: { pods: 1n, 'count/pods': 1n },
      result: { ok: false, code: 'EXCEEDED_QUOTA', quota: 'b', message: 'exceeded quota: b, requested: count/pods=1, used: count/pods=2, limited: count/pods=2' },
    },
    {
      name: 'counts a missing used entry as nothing used',
      quotas: [{ name: 'objects', hard: { 'count/deployments.apps': '0' }, used: {} }],
      delta: { 'count/deployments.apps': 1n },
      result: {
        ok: false,
        code: 'EXCEEDED_QUOTA',
        quota: 'objects',
        message: 'exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0',
      },
    },
    {
      name: 'ignores resources the request does not add to, even over their limit',
      quotas: [compute({ 'requests.cpu': 9000n })],
      delta: { 'count/deployments.apps': 1n, 'requests.cpu': 0n },
      result: { ok: true },
    },
    {
      name: 'ignores a quota that tracks nothing the request adds to',
      quotas: [{ name: 'storage', hard: { 'requests.storage': '1Gi' }, used: { 'requests.storage': 2n * Gi } }],
      delta: { pods: 1n, 'requests.cpu': 1000n },
      result: { ok: true },
    },
    {
      name: 'compares against a fractional limit without rounding it up',
      quotas: [compute({}, { 'requests.cpu': '100.5m' })],
      delta: { 'requests.cpu': 101n },
      result: {
        ok: false,
        code: 'EXCEEDED_QUOTA',
        quota: 'compute',
        message: 'exceeded quota: compute, requested: requests.cpu=101m, used: requests.cpu=0, limited: requests.cpu=100500u',
      },
    },
    {
      name: 'refuses a pod whose containers do not set what the quota tracks, before counting',
      quotas: [compute({ 'requests.cpu': 9000n }, { 'limits.cpu': '4', 'requests.memory': '4Gi', 'requests.cpu': '1' })],
      delta: { 'requests.cpu': 2000n },
      missing: [
        { resource: 'requests.memory', containers: ['web', 'app', 'web'] },
        { resource: 'limits.cpu', containers: ['app'] },
        { resource: 'limits.memory', containers: ['app'] },
      ],
      result: {
        ok: false,
        code: 'QUOTA_MISSING_REQUESTS',
        quota: 'compute',
        message: 'failed quota: compute: must specify limits.cpu for: app; requests.memory for: app,web',
      },
    },
    {
      name: 'reports a missing request under the name the quota tracks it by',
      quotas: [compute({}, { cpu: '4' })],
      delta: { cpu: 1000n },
      missing: [
        { resource: 'cpu', containers: ['app'] },
        { resource: 'requests.cpu', containers: ['app'] },
      ],
      result: { ok: false, code: 'QUOTA_MISSING_REQUESTS', quota: 'compute', message: 'failed quota: compute: must specify cpu for: app' },
    },
    {
      name: 'does not require requests that no quota tracks',
      quotas: [{ name: 'pods', hard: { pods: '10' }, used: { pods: 0n } }],
      delta: { pods: 1n },
      missing: [{ resource: 'requests.cpu', containers: ['app'] }],
      result: { ok: true },
    },
  ];
  it.each(cases)('$name', ({ quotas, delta, missing, result }) => {
    expect(checkQuotas(quotas, delta, missing)).toEqual(result);
  });

  it('refuses a pod measured by podQuotaUsage once the namespace has no CPU left', () => {
    const pod: PodSpecLike = { containers: [c('app', { cpu: '500m', memory: '256Mi' }, { cpu: '1', memory: '512Mi' })] };
    const { usage, missing } = podQuotaUsage(pod, 0);
    const quota: QuotaState = {
      name: 'team',
      hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '2Gi' },
      used: { pods: 4n, 'requests.cpu': 1750n, 'limits.memory': Gi },
    };
    expect(checkQuotas([quota], usage, missing)).toEqual({
      ok: false,
      code: 'EXCEEDED_QUOTA',
      quota: 'team',
      message: 'exceeded quota: team, requested: requests.cpu=500m, used: requests.cpu=1750m, limited: requests.cpu=2',
    });
  });
});
