import { describe, it, expect } from 'vitest';
import {
  SYSTEM_PRIORITY_CLASSES,
  checkPriorityClassAgainstExisting,
  parsePriorityClass,
  resolvePriority,
  type PodPriorityFields,
  type PriorityClassInfo,
  type PriorityResolution,
} from './priorityclass';

const path = ['manifest', '0'];
const pc = (name: string, extra: Record<string, unknown>) => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name },
  ...extra,
});

describe('SYSTEM_PRIORITY_CLASSES', () => {
  it('holds the two built-in classes with Kubernetes values', () => {
    expect(SYSTEM_PRIORITY_CLASSES.map((c) => [c.name, c.value, c.globalDefault, c.preemptionPolicy])).toEqual([
      ['system-node-critical', 2000001000, false, 'PreemptLowerPriority'],
      ['system-cluster-critical', 2000000000, false, 'PreemptLowerPriority'],
    ]);
  });
});

describe('parsePriorityClass', () => {
  it('defaults globalDefault, preemptionPolicy and description', () => {
    expect(parsePriorityClass(pc('high', { value: 1000000 }), path)).toEqual({
      value: 1000000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: '',
      errors: [],
    });
  });

  it('keeps what the class sets', () => {
    const r = parsePriorityClass(pc('batch', { value: -10, globalDefault: true, preemptionPolicy: 'Never', description: 'batch work' }), path);
    expect(r).toEqual({ value: -10, globalDefault: true, preemptionPolicy: 'Never', description: 'batch work', errors: [] });
  });

  it('accepts the highest user-definable value', () => {
    expect(parsePriorityClass(pc('top', { value: 1000000000 }), path).errors).toEqual([]);
  });

  interface Case {
    name: string;
    raw: unknown;
    errors: { field: string[]; code: string; message: string }[];
  }
  const cases: Case[] = [
    {
      name: 'requires a value',
      raw: pc('x', {}),
      errors: [{ field: [...path, 'value'], code: 'REQUIRED', message: 'Required value: the priority of pods of this class, an integer up to 1000000000' }],
    },
    {
      name: 'refuses a value that is not an integer',
      raw: pc('x', { value: 1.5 }),
      errors: [{ field: [...path, 'value'], code: 'INVALID_VALUE', message: 'Invalid value: 1.5: must be an integer' }],
    },
    {
      name: 'refuses a value given as text',
      raw: pc('x', { value: '100' }),
      errors: [{ field: [...path, 'value'], code: 'INVALID_VALUE', message: 'Invalid value: "100": must be an integer' }],
    },
    {
      name: 'refuses a value beyond 32 bits',
      raw: pc('x', { value: 3000000000 }),
      errors: [
        {
          field: [...path, 'value'],
          code: 'INVALID_VALUE',
          message: 'Invalid value: 3000000000: must be a 32-bit integer (between -2147483648 and 2147483647)',
        },
      ],
    },
    {
      name: 'refuses a user class above 1000000000',
      raw: pc('x', { value: 1000000001 }),
      errors: [{ field: [...path, 'value'], code: 'FORBIDDEN', message: 'Forbidden: maximum allowed value of a user defined priority is 1000000000' }],
    },
    {
      name: 'refuses a name with the reserved system- prefix',
      raw: pc('system-important', { value: 10 }),
      errors: [
        {
          field: [...path, 'metadata', 'name'],
          code: 'RESERVED_NAME',
          message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-important is not a known system priority class",
        },
      ],
    },
    {
      name: 'refuses to redefine a built-in system class',
      raw: pc('system-cluster-critical', { value: 2000000000 }),
      errors: [
        {
          field: [...path, 'metadata', 'name'],
          code: 'RESERVED_NAME',
          message:
            "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: " +
            'system-cluster-critical is a built-in system priority class (value 2000000000) and cannot be created or changed',
        },
      ],
    },
    {
      name: 'refuses an unknown preemption policy',
      raw: pc('x', { value: 1, preemptionPolicy: 'Sometimes' }),
      errors: [
        { field: [...path, 'preemptionPolicy'], code: 'UNSUPPORTED_VALUE', message: 'Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"' },
      ],
    },
    {
      name: 'refuses a globalDefault that is not a boolean',
      raw: pc('x', { value: 1, globalDefault: 'yes' }),
      errors: [{ field: [...path, 'globalDefault'], code: 'INVALID_VALUE', message: 'Invalid value: "yes": must be true or false' }],
    },
    {
      name: 'refuses a description that is not text',
      raw: pc('x', { value: 1, description: 42 }),
      errors: [{ field: [...path, 'description'], code: 'INVALID_VALUE', message: 'Invalid value: 42: must be a string' }],
    },
    {
      name: 'refuses an object that is not a mapping',
      raw: 'high',
      errors: [{ field: path, code: 'INVALID_VALUE', message: 'Invalid value: "high": must be a mapping' }],
    },
  ];
  it.each(cases)('$name', ({ raw, errors }) => {
    expect(parsePriorityClass(raw, path).errors).toEqual(errors);
  });
});

describe('checkPriorityClassAgainstExisting', () => {
  const existing: PriorityClassInfo[] = [
    { name: 'low', value: 10, globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' },
    { name: 'high', value: 1000, globalDefault: false, preemptionPolicy: 'Never' },
  ];
  const cases: [name: string, className: string, pcv: Omit<PriorityClassInfo, 'name'>, errors: { field: string[]; code: string; message: string }[]][] = [
    ['accepts a new class that is not the default', 'mid', { value: 100, globalDefault: false, preemptionPolicy: 'Never' }, []],
    [
      'refuses a second global default',
      'mid',
      { value: 100, globalDefault: true, preemptionPolicy: 'Never' },
      [{ field: ['globalDefault'], code: 'FORBIDDEN', message: 'Forbidden: PriorityClass low is already marked as default. Only one default can exist' }],
    ],
    ['accepts the default class applied again unchanged', 'low', { value: 10, globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' }, []],
    [
      'refuses a change of value',
      'high',
      { value: 2000, globalDefault: false, preemptionPolicy: 'Never' },
      [{ field: ['value'], code: 'FORBIDDEN', message: 'Forbidden: may not be changed in an update.' }],
    ],
    [
      'refuses a change of preemption policy',
      'high',
      { value: 1000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' },
      [{ field: ['preemptionPolicy'], code: 'IMMUTABLE', message: 'Invalid value: "PreemptLowerPriority": field is immutable' }],
    ],
  ];
  it.each(cases)('%s', (_name, className, pcv, errors) => {
    expect(checkPriorityClassAgainstExisting(className, pcv, existing)).toEqual(errors);
  });
});

describe('resolvePriority', () => {
  const high: PriorityClassInfo = { name: 'high', value: 1000, globalDefault: false, preemptionPolicy: 'Never' };
  const def: PriorityClassInfo = { name: 'standard', value: 100, globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' };
  const lowDef: PriorityClassInfo = { name: 'cheap', value: 5, globalDefault: true, preemptionPolicy: 'Never' };

  interface Case {
    name: string;
    pod: PodPriorityFields;
    classes: PriorityClassInfo[];
    result: PriorityResolution;
  }
  const cases: Case[] = [
    {
      name: 'takes priority and preemption policy from the named class',
      pod: { priorityClassName: 'high' },
      classes: [high, def],
      result: { ok: true, priority: 1000, preemptionPolicy: 'Never', className: 'high' },
    },
    {
      name: 'resolves a built-in system class without it being stored',
      pod: { priorityClassName: 'system-node-critical' },
      classes: [],
      result: { ok: true, priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority', className: 'system-node-critical' },
    },
    {
      name: 'refuses a class that does not exist',
      pod: { priorityClassName: 'urgent' },
      classes: [high],
      result: { ok: false, code: 'PRIORITY_CLASS_NOT_FOUND', message: 'no PriorityClass with name urgent was found' },
    },
    {
      name: 'gives a pod without a class the global default class',
      pod: {},
      classes: [high, def],
      result: { ok: true, priority: 100, preemptionPolicy: 'PreemptLowerPriority', className: 'standard' },
    },
    {
      name: 'treats an empty class name as no class',
      pod: { priorityClassName: '' },
      classes: [def],
      result: { ok: true, priority: 100, preemptionPolicy: 'PreemptLowerPriority', className: 'standard' },
    },
    {
      name: 'takes the lowest of several global defaults, as Kubernetes does',
      pod: {},
      classes: [def, lowDef],
      result: { ok: true, priority: 5, preemptionPolicy: 'Never', className: 'cheap' },
    },
    {
      name: 'gives priority 0 when no class is the default',
      pod: {},
      classes: [high],
      result: { ok: true, priority: 0, preemptionPolicy: 'PreemptLowerPriority', className: null },
    },
    {
      name: 'admits a pod that sets the priority its class gives',
      pod: { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' },
      classes: [high],
      result: { ok: true, priority: 1000, preemptionPolicy: 'Never', className: 'high' },
    },
    {
      name: 'refuses a pod that sets a different priority',
      pod: { priorityClassName: 'high', priority: 5 },
      classes: [high],
      result: {
        ok: false,
        code: 'PRIORITY_MISMATCH',
        message: 'the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
      },
    },
    {
      name: 'refuses a pod without a class that sets a priority other than 0',
      pod: { priority: 7 },
      classes: [],
      result: {
        ok: false,
        code: 'PRIORITY_MISMATCH',
        message: 'the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
      },
    },
    {
      name: 'refuses a pod that sets a different preemption policy, even without a class',
      pod: { preemptionPolicy: 'Never' },
      classes: [],
      result: {
        ok: false,
        code: 'PREEMPTION_POLICY_MISMATCH',
        message:
          'the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
      },
    },
  ];
  it.each(cases)('$name', ({ pod, classes, result }) => {
    expect(resolvePriority(pod, classes)).toEqual(result);
  });
});
