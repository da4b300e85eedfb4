import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS_MAX_BYTES,
  checkAnnotations,
  checkLabels,
  checkObjectSize,
  checkPodSpecLimits,
  DEFAULT_OBJECT_LIMITS,
  jsonBytes,
  utf8Length,
  type ObjectLimits,
} from './objectLimits';
import { ErrorBudget, TOO_MANY_ERRORS, type FieldError } from './validation/errors';
import { fitsQuantityLimit, parseQuantity } from './quantity';

const LIMITS: ObjectLimits = { objectBytes: 1000, labelsPerObject: 3, containersPerPod: 2, envPerContainer: 2, portsPerContainer: 2, volumesPerPod: 2, volumeClaimTemplates: 2 };

/** Runs a check with an unbounded budget; the errors with their relative paths and full messages. */
function run(check: (emit: ReturnType<ErrorBudget['at']>) => unknown): FieldError[] {
  const budget = new ErrorBudget();
  check(budget.at([]));
  return budget.list();
}

const keyed = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
const containers = (n: number, extra: Record<string, unknown> = {}) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'nginx', ...extra }));

describe('checkLabels', () => {
  it.each<{ name: string; labels: Record<string, string>; errors: Partial<FieldError>[] }>([
    { name: 'accepts as many labels as the limit', labels: keyed(3), errors: [] },
    { name: 'refuses one label over the limit with one error naming it, without checking each label', labels: { ...keyed(3), 'bad key!': 'v' }, errors: [{ field: [], code: 'LIMIT_EXCEEDED', message: 'Too many: 4: must have at most 3 labels' }] },
    { name: 'refuses a key whose name part is over 63 characters', labels: { ['a'.repeat(64)]: 'v' }, errors: [{ field: ['a'.repeat(64)], code: 'INVALID_VALUE' }] },
    { name: 'refuses a key whose prefix is over 253 characters', labels: { [`${'a'.repeat(254)}/x`]: 'v' }, errors: [{ field: [`${'a'.repeat(254)}/x`], code: 'INVALID_VALUE' }] },
    { name: 'accepts a 63-character value', labels: { app: 'v'.repeat(63) }, errors: [] },
    { name: 'refuses a 64-character value', labels: { app: 'v'.repeat(64) }, errors: [{ field: ['app'], code: 'INVALID_VALUE' }] },
  ])('$name', ({ labels, errors }) => {
    const found = run((emit) => checkLabels(labels, 3, emit));
    expect(found).toEqual(errors.map((e) => expect.objectContaining(e)));
  });
});

describe('checkAnnotations', () => {
  // keys and values count in UTF-8 bytes, as Kubernetes counts them
  const sized = (bytes: number) => ({ k: 'x'.repeat(bytes - 1) });
  it.each<{ name: string; annotations: Record<string, string>; code: string | null }>([
    { name: 'accepts exactly 256 KiB of keys and values', annotations: sized(ANNOTATIONS_MAX_BYTES), code: null },
    { name: 'refuses one byte more, once, without checking each key', annotations: { ...sized(ANNOTATIONS_MAX_BYTES), 'bad key!': '' }, code: 'TOO_LARGE' },
    { name: 'counts a non-ASCII character as its UTF-8 bytes', annotations: { k: 'é'.repeat(ANNOTATIONS_MAX_BYTES / 2) }, code: 'TOO_LARGE' },
    { name: 'refuses a key that is not a qualified name', annotations: { 'bad key!': '' }, code: 'INVALID_VALUE' },
  ])('$name', ({ annotations, code }) => {
    const found = run((emit) => checkAnnotations(annotations, emit));
    expect(found.map((e) => e.code)).toEqual(code ? [code] : []);
  });
});

describe('checkPodSpecLimits', () => {
  it.each([
    { name: 'accepts a pod at every cap', spec: { containers: containers(1, { env: [{ name: 'A' }, { name: 'B' }], ports: [{ containerPort: 1 }, { containerPort: 65535 }] }), initContainers: containers(1), volumes: [{}, {}] }, errors: [] },
    { name: 'counts containers and initContainers together', spec: { containers: containers(2), initContainers: [{ name: 'i', image: 'x' }] }, errors: [{ field: ['initContainers'], code: 'LIMIT_EXCEEDED', message: 'initContainers: Too many: 3: must have at most 2 containers (containers and initContainers together; NODELESS_MAX_CONTAINERS_PER_POD)' }] },
    { name: 'puts too many containers at containers', spec: { containers: containers(3) }, errors: [{ field: ['containers'], code: 'LIMIT_EXCEEDED' }] },
    { name: 'refuses one env var over the cap', spec: { containers: containers(1, { env: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] }) }, errors: [{ field: ['containers', '0', 'env'], code: 'LIMIT_EXCEEDED', message: 'containers[0].env: Too many: 3: must have at most 2 environment variables (NODELESS_MAX_ENV_PER_CONTAINER)' }] },
    { name: 'refuses one port over the cap', spec: { containers: containers(1, { ports: [{ containerPort: 1 }, { containerPort: 2 }, { containerPort: 3 }] }) }, errors: [{ field: ['containers', '0', 'ports'], code: 'LIMIT_EXCEEDED' }] },
    { name: 'refuses one volume over the cap', spec: { containers: containers(1), volumes: [{}, {}, {}] }, errors: [{ field: ['volumes'], code: 'LIMIT_EXCEEDED' }] },
    { name: 'refuses a container port beyond 65535', spec: { containers: containers(1, { ports: [{ containerPort: 65536 }] }) }, errors: [{ field: ['containers', '0', 'ports', '0', 'containerPort'], code: 'INVALID_VALUE', message: 'containers[0].ports[0].containerPort: Invalid value: 65536: must be between 1 and 65535, inclusive' }] },
    { name: 'refuses a container port beyond int32', spec: { containers: containers(1, { ports: [{ containerPort: 2 ** 40 }] }) }, errors: [{ field: ['containers', '0', 'ports', '0', 'containerPort'], code: 'INVALID_VALUE' }] },
    { name: 'requires containerPort', spec: { containers: containers(1, { ports: [{ name: 'http' }] }) }, errors: [{ field: ['containers', '0', 'ports', '0', 'containerPort'], code: 'REQUIRED' }] },
    { name: 'refuses an unknown protocol', spec: { containers: containers(1, { ports: [{ containerPort: 80, protocol: 'HTTP' }] }) }, errors: [{ field: ['containers', '0', 'ports', '0', 'protocol'], code: 'UNSUPPORTED_VALUE' }] },
  ])('$name', ({ spec, errors }) => {
    const found = run((emit) => checkPodSpecLimits(spec, LIMITS, emit));
    expect(found).toEqual(errors.map((e) => expect.objectContaining(e)));
  });

  it('tells the caller to skip the entries of a list over its cap', () => {
    expect(checkPodSpecLimits({ containers: containers(3) }, LIMITS, () => {})).toBe(false);
    expect(checkPodSpecLimits({ containers: containers(1, { ports: [{ containerPort: 0 }] }) }, LIMITS, () => {})).toBe(true);
  });
});

describe('object size', () => {
  it.each([
    { name: 'counts JSON in UTF-8 bytes', value: { a: 'é' }, bytes: 10 },
    { name: 'counts a character outside the BMP as 4 bytes', value: '🚀', bytes: 6 },
  ])('$name', ({ value, bytes }) => expect(jsonBytes(value)).toBe(bytes));

  it('accepts an object of exactly the limit and refuses one byte more, naming the variable', () => {
    const at = (n: number) => ({ s: 'x'.repeat(n - 8) }); // {"s":"…"} is 8 bytes of syntax
    expect(jsonBytes(at(1000))).toBe(1000);
    expect(checkObjectSize(at(1000), LIMITS)).toBeNull();
    expect(checkObjectSize(at(1001), LIMITS)).toBe('Too long: the object is 1001 bytes; an object may have at most 1000 bytes (NODELESS_MAX_OBJECT_BYTES)');
  });

  it('measures UTF-8 as Buffer does', () => {
    for (const s of ['', 'abc', 'é', '€', '🚀', 'a\ud800b']) expect(utf8Length(s)).toBe(Buffer.byteLength(s));
  });

  it('defaults to Kubernetes’ 1.5 MiB per object', () => expect(DEFAULT_OBJECT_LIMITS.objectBytes).toBe(1.5 * 1024 * 1024));
});

describe('ErrorBudget', () => {
  it('keeps the first errors, counts the rest without building them, and ends with one TOO_MANY_ERRORS entry', () => {
    const budget = new ErrorBudget(2);
    let built = 0;
    for (let i = 0; i < 5; i++) budget.add(['f', String(i)], 'INVALID_VALUE', () => `message ${++built}`);
    expect(built).toBe(2);
    expect(budget.count).toBe(5);
    expect(budget.list()).toEqual([
      { field: ['f', '0'], code: 'INVALID_VALUE', message: 'message 1' },
      { field: ['f', '1'], code: 'INVALID_VALUE', message: 'message 2' },
      { field: [], code: TOO_MANY_ERRORS, message: '… and 3 more errors', omitted: 3 },
    ]);
  });

  it('prefixes paths and messages of a shared check', () => {
    const budget = new ErrorBudget();
    checkLabels({ 'bad key!': 'v' }, 3, budget.at(['input', 'labels'], ['labels']));
    expect(budget.errors).toEqual([expect.objectContaining({ field: ['input', 'labels', 'bad key!'], message: expect.stringMatching(/^labels\[bad key!\]: Invalid value: "bad key!": /) })]);
  });
});

describe('the largest quantity', () => {
  it.each([
    { q: '9223372036854775807m', fits: true },
    { q: '9223372036854775808m', fits: false },
    { q: '9223372036854775', fits: true },
    { q: '9223372036854776', fits: false },
    { q: '8Pi', fits: true },
    { q: '1e30', fits: false },
    { q: '-1e30', fits: false },
  ])('$q fits: $fits', ({ q, fits }) => expect(fitsQuantityLimit(parseQuantity(q)!)).toBe(fits));
});
