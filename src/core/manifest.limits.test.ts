import { describe, expect, it } from 'vitest';
import { parseManifest, validateManifestValues } from './manifest';
import { DEFAULT_OBJECT_LIMITS } from './objectLimits';
import { TOO_MANY_ERRORS } from './validation/errors';

/** A Deployment as JSON (valid YAML), with `pod` merged into its pod spec and `meta` into its metadata. */
function deployment(pod: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...meta },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...pod } } },
  });
}

function statefulSet(claims: unknown[]): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres' }] } }, volumeClaimTemplates: claims },
  });
}

const claim = (name: string, storage: unknown) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
const containers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'nginx' }));
const many = (n: number, key: (i: number) => string, value = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value]));
const TEMPLATE = ['manifest', '0', 'spec', 'template'];

describe('parseManifest holds each object to its limits', () => {
  it.each([
    {
      name: 'refuses a volume claim of 1e30 bytes (more than can be stored) at its storage',
      manifest: statefulSet([claim('data', '1e30')]),
      field: ['manifest', '0', 'spec', 'volumeClaimTemplates', '0', 'spec', 'resources', 'requests', 'storage'],
      code: 'TOO_LARGE',
    },
    {
      name: 'refuses a volume claim of 1e30 written as a YAML number',
      manifest: statefulSet([claim('data', 1e30)]),
      field: ['manifest', '0', 'spec', 'volumeClaimTemplates', '0', 'spec', 'resources', 'requests', 'storage'],
      code: 'TOO_LARGE',
    },
    {
      name: 'refuses one volume claim template over the cap',
      manifest: statefulSet(Array.from({ length: DEFAULT_OBJECT_LIMITS.volumeClaimTemplates + 1 }, (_, i) => claim(`d${i}`, '1Gi'))),
      field: ['manifest', '0', 'spec', 'volumeClaimTemplates'],
      code: 'LIMIT_EXCEEDED',
    },
    {
      name: 'refuses one container over the cap at the template’s containers',
      manifest: deployment({ containers: containers(DEFAULT_OBJECT_LIMITS.containersPerPod + 1) }),
      field: [...TEMPLATE, 'spec', 'containers'],
      code: 'LIMIT_EXCEEDED',
    },
    {
      name: 'refuses one env var over the cap at the container’s env',
      manifest: deployment({ containers: [{ name: 'app', image: 'nginx', env: Array.from({ length: DEFAULT_OBJECT_LIMITS.envPerContainer + 1 }, (_, i) => ({ name: `E${i}`, value: '1' })) }] }),
      field: [...TEMPLATE, 'spec', 'containers', '0', 'env'],
      code: 'LIMIT_EXCEEDED',
    },
    {
      name: 'refuses a container port beyond int32',
      manifest: deployment({ containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 99999999999 }] }] }),
      field: [...TEMPLATE, 'spec', 'containers', '0', 'ports', '0', 'containerPort'],
      code: 'INVALID_VALUE',
    },
    {
      name: 'refuses one label over the cap at the object’s labels, once',
      manifest: deployment({}, { labels: many(DEFAULT_OBJECT_LIMITS.labelsPerObject + 1, (i) => `l${i}`) }),
      field: ['manifest', '0', 'metadata', 'labels'],
      code: 'LIMIT_EXCEEDED',
    },
    {
      name: 'refuses a memory limit of 1e30 at the container’s limits',
      manifest: deployment({ containers: [{ name: 'app', image: 'nginx', resources: { limits: { memory: '1e30' } } }] }),
      field: [...TEMPLATE, 'spec', 'containers', '0', 'resources', 'limits', 'memory'],
      code: 'TOO_LARGE',
    },
    {
      name: 'refuses an ephemeral-storage request of 1e30',
      manifest: deployment({ containers: [{ name: 'app', image: 'nginx', resources: { requests: { 'ephemeral-storage': '1e30' } } }] }),
      field: [...TEMPLATE, 'spec', 'containers', '0', 'resources', 'requests', 'ephemeral-storage'],
      code: 'TOO_LARGE',
    },
    {
      name: 'refuses a ResourceQuota hard value of 1e30',
      manifest: JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'requests.memory': '1e30' } } }),
      field: ['manifest', '0', 'spec', 'hard', 'requests.memory'],
      code: 'TOO_LARGE',
    },
    {
      name: 'refuses a LimitRange max of 1e30',
      manifest: JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '1e30' } }] } }),
      field: ['manifest', '0', 'spec', 'limits', '0', 'max', 'cpu'],
      code: 'TOO_LARGE',
    },
    {
      name: 'refuses an autoscaler target of 1e30',
      manifest: JSON.stringify({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1e30' } } }] } }),
      field: ['manifest', '0', 'spec', 'metrics', '0', 'external', 'target', 'value'],
      code: 'INVALID_VALUE',
    },
  ])('$name', ({ manifest, field, code }) => {
    const { objects, errors } = parseManifest(manifest);
    expect(objects).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ field, code })]);
  });

  it.each([
    { name: 'a volume claim of 8Pi (the largest that can be stored)', manifest: statefulSet([claim('data', '8Pi')]) },
    { name: 'exactly the cap of volume claim templates', manifest: statefulSet(Array.from({ length: DEFAULT_OBJECT_LIMITS.volumeClaimTemplates }, (_, i) => claim(`d${i}`, '1Gi'))) },
    { name: 'exactly the cap of containers, init containers included', manifest: deployment({ containers: containers(DEFAULT_OBJECT_LIMITS.containersPerPod - 1), initContainers: [{ name: 'init', image: 'busybox' }] }) },
    { name: 'exactly the cap of labels', manifest: deployment({}, { labels: many(DEFAULT_OBJECT_LIMITS.labelsPerObject, (i) => `l${i}`) }) },
    { name: 'ports from 1 to 65535', manifest: deployment({ containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 1 }, { containerPort: 65535, hostPort: 65535, protocol: 'UDP' }] }] }) },
  ])('accepts $name', ({ manifest }) => {
    const { objects, errors } = parseManifest(manifest);
    expect(errors).toEqual([]);
    expect(objects).toHaveLength(1);
  });

  it('refuses an object over the size limit before looking inside, and accepts one at it', () => {
    const manifest = deployment({}, { annotations: { note: 'x'.repeat(1000) } });
    const size = Buffer.byteLength(JSON.stringify(JSON.parse(manifest)));
    expect(parseManifest(manifest, { limits: { objectBytes: size } }).errors).toEqual([]);
    const over = parseManifest(manifest, { limits: { objectBytes: size - 1 } });
    expect(over.errors).toEqual([{ field: ['manifest', '0'], code: 'TOO_LARGE', message: `Too long: the object is ${size} bytes; an object may have at most ${size - 1} bytes (NODELESS_MAX_OBJECT_BYTES)` }]);
  });

  it('takes its caps from the options', () => {
    expect(parseManifest(deployment({ containers: containers(2) }), { limits: { containersPerPod: 1 } }).errors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: [...TEMPLATE, 'spec', 'containers'] })]);
  });
});

/** The validator alone (the YAML parse of a 50,000-key mapping is a separate matter). */
describe('validating 50,000 labels or annotations', () => {
  const doc = (meta: Record<string, unknown>) => JSON.parse(deployment({}, meta)) as unknown;

  it('refuses 50,000 labels with one error, quickly', () => {
    const value = doc({ labels: many(50_000, (i) => `bad key ${i}`) });
    const t = performance.now();
    const { errors } = validateManifestValues([value], { maxErrors: 100 });
    expect(performance.now() - t).toBeLessThan(3000);
    expect(errors).toEqual([expect.objectContaining({ field: ['manifest', '0', 'metadata', 'labels'], code: 'LIMIT_EXCEEDED', message: 'metadata.labels: Too many: 50000: must have at most 100 labels (NODELESS_MAX_LABELS_PER_OBJECT)' })]);
  });

  it('builds at most maxErrors errors for 50,000 bad labels, then one entry counting the rest', () => {
    const value = doc({ labels: many(50_000, (i) => `bad key ${i}`) });
    const t = performance.now();
    const { errors } = validateManifestValues([value], { maxErrors: 100, limits: { labelsPerObject: 100_000 } });
    expect(performance.now() - t).toBeLessThan(3000);
    expect(errors).toHaveLength(101);
    expect(errors[99]).toMatchObject({ field: ['manifest', '0', 'metadata', 'labels', 'bad key 99'] });
    expect(errors[100]).toMatchObject({ field: [], code: TOO_MANY_ERRORS, message: '… and 49900 more errors' });
  });

  it('refuses 50,000 annotation keys over 256 KiB with one error, and checks 30,000 that fit', () => {
    const over = validateManifestValues([doc({ annotations: many(50_000, (i) => `example.com/key-${i}`) })], { maxErrors: 100 });
    expect(over.errors).toEqual([expect.objectContaining({ field: ['manifest', '0', 'metadata', 'annotations'], code: 'TOO_LARGE' })]);
    const value = doc({ annotations: many(30_000, (i) => `k${i}`, '') });
    const t = performance.now();
    const fits = validateManifestValues([value], { maxErrors: 100 });
    expect(performance.now() - t).toBeLessThan(3000);
    expect(fits.errors).toEqual([]);
  });

  it('keeps every error when no cap is given', () => {
    const { errors } = validateManifestValues([doc({ labels: many(50, (i) => `bad key ${i}`) })]);
    expect(errors).toHaveLength(50);
  });

  it('validates as parseManifest does', () => {
    const text = deployment({ containers: containers(31) }, { labels: { 'bad key': 'v' } });
    expect(validateManifestValues([JSON.parse(text)])).toEqual(parseManifest(text));
  });
});
