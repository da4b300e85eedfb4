import { describe, expect, it } from 'vitest';
import { CODES, detail, fieldError, formatFieldPath, quoted, renderValue, tooMany, unknownField } from './errors';

describe('the validation kit', () => {
  it('renders field paths as kubectl does', () => {
    expect(formatFieldPath(['spec', 'template', 'spec', 'containers', '0', 'image'])).toBe('spec.template.spec.containers[0].image');
    expect(formatFieldPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels[app.kubernetes.io/name]');
    expect(formatFieldPath([])).toBe('');
  });

  it('renders values as kubectl does, shortened when long', () => {
    expect(renderValue('a')).toBe('"a"');
    expect(renderValue(-1)).toBe('-1');
    expect(renderValue(null)).toBe('null');
    expect(renderValue({ a: 1 })).toBe('{"a":1}');
    const long = renderValue('x'.repeat(500));
    expect(long.length).toBe(120);
    expect(long.endsWith('...')).toBe(true);
  });

  it("words Kubernetes' field error types", () => {
    expect(detail.required()).toBe('Required value');
    expect(detail.invalid(-1, 'must be greater than or equal to 0')).toBe('Invalid value: -1: must be greater than or equal to 0');
    expect(detail.notSupported('Sometimes', ['Always', 'OnFailure', 'Never'])).toBe('Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
    expect(detail.forbidden('may not be set')).toBe('Forbidden: may not be set');
    expect(detail.tooLong(63)).toBe('Too long: may not be more than 63 bytes');
    expect(detail.duplicate('web')).toBe('Duplicate value: "web"');
    expect(tooMany(120, 100, 'label')).toBe('Too many: 120: must have at most 100 labels');
    expect(quoted(['a', 'b'])).toBe('"a", "b"');
  });

  it('builds errors with the path in front of the detail, and unknown fields as strict validation words them', () => {
    expect(fieldError(['spec', 'replicas'], CODES.invalid, detail.invalid(-1, 'must be greater than or equal to 0'))).toEqual({
      field: ['spec', 'replicas'],
      code: 'INVALID_VALUE',
      message: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    });
    expect(unknownField(['manifest', '0', 'spec', 'template', 'spec', 'bogusField'], ['spec', 'template', 'spec', 'bogusField'])).toEqual({
      field: ['manifest', '0', 'spec', 'template', 'spec', 'bogusField'],
      code: 'UNKNOWN_FIELD',
      message: 'unknown field "spec.template.spec.bogusField"',
    });
  });
});

describe('did you mean', () => {
  it('picks the name a typo was probably meant to be, or none', async () => {
    const { nearestName } = await import('./errors');
    expect(nearestName('imagePullPolicyy', ['image', 'imagePullPolicy', 'name'])).toBe('imagePullPolicy');
    expect(nearestName('Replicas', ['replicas', 'selector'])).toBe('replicas');
    expect(nearestName('utilization', ['averageUtilization', 'type'])).toBe('averageUtilization');
    expect(nearestName('bogusField', ['containers', 'volumes'])).toBeUndefined();
  });

  it('knows the siblings of an unknown field in a schema, through lists and maps', async () => {
    const { knownSiblings, schemaOf } = await import('./fields');
    const deployment = schemaOf('apps/v1', 'Deployment')!;
    expect(knownSiblings(deployment, ['spec', 'template', 'spec', 'containers', '0', 'imagePullPolicyy'])).toContain('imagePullPolicy');
    expect(knownSiblings(deployment, ['spec', 'bogus'])).toContain('replicas');
    expect(knownSiblings(deployment, ['nothing', 'here'])).toEqual([]);
  });
});
