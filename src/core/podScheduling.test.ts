import { POD_WITH_NODE_AFFINITY, POD_WITH_POD_AFFINITY, POD_WITH_TOLERATION, TWO_CONSTRAINTS } from '../../test/support/docs';
import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ADMISSION_TOLERATIONS,
  EKLET_TOLERATION,
  GPU_TOLERATION,
  requiredAntiAffinityOf,
  schedulingPodOf,
  validateSchedulingFields,
  withAdmissionTolerations,
  type PodSchedulingInput,
} from './podScheduling';
import { GPU_TYPE_ANNOTATION, SPOT_ANNOTATION } from './sizing';
import type { PlacementOption, Toleration } from './scheduler/types';

const EKLET = 'eks.tke.cloud.tencent.com/eklet';

function input(spec: unknown, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): PodSchedulingInput {
  return {
    uid: 'u1',
    namespace: 'default',
    name: 'p',
    labels,
    annotations,
    spec,
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
    ownerKey: null,
    nominatedHost: null,
  };
}

const container = { name: 'app', image: 'nginx' };
const intel2x4: PlacementOption = { cpuMilli: 2000, memoryMi: 4096, cpuType: 'intel', gpuModel: null, gpuMilli: 0 };
const amd2x4: PlacementOption = { ...intel2x4, cpuType: 'amd' };

/** The `spec` of a Kubernetes docs Pod manifest. */
const specOf = (yaml: string): unknown => (parseYaml(yaml) as { spec: unknown }).spec;

describe('schedulingPodOf', () => {
  it('reads a plain pod: sized options, regular pool, nothing required, the eklet toleration', () => {
    const r = schedulingPodOf({ ...input({ containers: [{ ...container, resources: { requests: { cpu: '2', memory: '4Gi' } } }] }, {}, { app: 'web' }), ownerKey: 'w1', priority: 7 });
    expect(r).toEqual({
      ok: true,
      pod: {
        uid: 'u1',
        namespace: 'default',
        name: 'p',
        labels: { app: 'web' },
        priority: 7,
        preemptionPolicy: 'PreemptLowerPriority',
        options: [intel2x4, amd2x4],
        pool: 'regular',
        nodeSelector: {},
        requiredNodeAffinity: null,
        preferredNodeAffinity: [],
        tolerations: [{ key: EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' }],
        topologySpreadConstraints: [],
        requiredPodAffinity: [],
        requiredPodAntiAffinity: [],
        preferredPodAffinity: [],
        preferredPodAntiAffinity: [],
        ownerKey: 'w1',
        nominatedHost: null,
      },
    });
  });

  it('puts a spot pod in the spot pool', () => {
    const r = schedulingPodOf(input({ containers: [container] }, { [SPOT_ANNOTATION]: 'true' }));
    expect(r.ok && r.pod.pool).toBe('spot');
    const f = schedulingPodOf(input({ containers: [container] }, { [SPOT_ANNOTATION]: 'false' }));
    expect(f.ok && f.pod.pool).toBe('regular');
  });

  it('gives a GPU pod GPU options and the nvidia.com/gpu toleration', () => {
    const r = schedulingPodOf(input({ containers: [{ ...container, resources: { limits: { 'nvidia.com/gpu': 1 } } }] }, { [GPU_TYPE_ANNOTATION]: 'T4,V100' }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.pod.options).toEqual([
      { cpuMilli: 8000, memoryMi: 32 * 1024, cpuType: null, gpuModel: 'T4', gpuMilli: 1000 },
      { cpuMilli: 8000, memoryMi: 40 * 1024, cpuType: null, gpuModel: 'V100', gpuMilli: 1000 },
    ]);
    expect(r.pod.tolerations).toEqual([
      { key: EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Exists', value: '', effect: 'NoSchedule' },
    ]);
  });

  it('does not add an admission toleration the user already wrote', () => {
    const spec = { containers: [container], tolerations: [{ key: EKLET, operator: 'Exists', effect: 'NoSchedule' }, { key: 'a', value: 'b' }] };
    const r = schedulingPodOf(input(spec));
    expect(r.ok && r.pod.tolerations).toEqual([
      { key: EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' },
      { key: 'a', operator: 'Equal', value: 'b', effect: '' },
    ]);
  });

  it('reads the docs pod with node affinity', () => {
    const r = schedulingPodOf(input(specOf(POD_WITH_NODE_AFFINITY)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.pod.requiredNodeAffinity).toEqual([
      { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['antarctica-east1', 'antarctica-west1'] }], matchFields: [] },
    ]);
    expect(r.pod.preferredNodeAffinity).toEqual([
      { weight: 1, preference: { matchExpressions: [{ key: 'another-node-label-key', operator: 'In', values: ['another-node-label-value'] }], matchFields: [] } },
    ]);
  });

  it('reads the docs pod with pod affinity and anti-affinity', () => {
    const r = schedulingPodOf(input(specOf(POD_WITH_POD_AFFINITY)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.pod.requiredPodAffinity).toEqual([
      {
        labelSelector: { matchLabels: {}, matchExpressions: [{ key: 'security', operator: 'In', values: ['S1'] }] },
        namespaces: [],
        topologyKey: 'topology.kubernetes.io/zone',
      },
    ]);
    expect(r.pod.preferredPodAntiAffinity).toEqual([
      {
        weight: 100,
        podAffinityTerm: {
          labelSelector: { matchLabels: {}, matchExpressions: [{ key: 'security', operator: 'In', values: ['S2'] }] },
          namespaces: [],
          topologyKey: 'topology.kubernetes.io/zone',
        },
      },
    ]);
    expect(r.pod.requiredPodAntiAffinity).toEqual([]);
    expect(r.pod.preferredPodAffinity).toEqual([]);
  });

  it('reads the docs pod with two topology spread constraints', () => {
    const r = schedulingPodOf(input(specOf(TWO_CONSTRAINTS), {}, { foo: 'bar' }));
    expect(r.ok && r.pod.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { foo: 'bar' }, matchExpressions: [] }, minDomains: null },
      { maxSkew: 1, topologyKey: 'node', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { foo: 'bar' }, matchExpressions: [] }, minDomains: null },
    ]);
  });

  it('reads the docs pod with a toleration, nodeSelector, matchFields and minDomains', () => {
    const spec = specOf(POD_WITH_TOLERATION) as Record<string, unknown>;
    spec.nodeSelector = { disktype: 'ssd' };
    spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['host-1'] }] }] } } };
    spec.topologySpreadConstraints = [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3 }];
    const r = schedulingPodOf(input(spec));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.pod.nodeSelector).toEqual({ disktype: 'ssd' });
    expect(r.pod.requiredNodeAffinity).toEqual([{ matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['host-1'] }] }]);
    expect(r.pod.tolerations).toEqual([
      { key: 'example-key', operator: 'Exists', value: '', effect: 'NoSchedule' },
      { key: EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' },
    ]);
    expect(r.pod.topologySpreadConstraints).toEqual([
      { maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: null, minDomains: 3 },
    ]);
  });

  it('refuses a pod whose spec or annotations are invalid, with whole messages', () => {
    const r = schedulingPodOf(
      input({ containers: [{ ...container, resources: { limits: { 'nvidia.com/gpu': 1 } } }], tolerations: [{ key: 'a', effect: 'Sometimes' }] }, { [SPOT_ANNOTATION]: 'yes' }),
    );
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          field: ['metadata', 'annotations', SPOT_ANNOTATION],
          code: 'INVALID_ANNOTATION',
          message: 'metadata.annotations[eks.tke.cloud.tencent.com/spot-pod]: Invalid value: "yes": must be "true" or "false"',
        },
        {
          field: ['spec', 'tolerations', '0', 'effect'],
          code: 'UNSUPPORTED_VALUE',
          message: 'spec.tolerations[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        },
        expect.objectContaining({ code: 'GPU_TYPE_REQUIRED', field: ['metadata', 'annotations', GPU_TYPE_ANNOTATION] }),
      ],
    });
  });

  it('refuses a spec that is not a mapping', () => {
    expect(schedulingPodOf(input(null))).toEqual({ ok: false, errors: [expect.objectContaining({ field: ['spec'], code: 'INVALID_VALUE' })] });
  });
});

describe('admission tolerations', () => {
  it('tolerate the eklet taint on every pod and the GPU taint on GPU pods', () => {
    expect(ADMISSION_TOLERATIONS.every).toEqual([{ key: EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' }]);
    expect(ADMISSION_TOLERATIONS.gpu).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', value: '', effect: 'NoSchedule' }]);
    expect(Object.isFrozen(EKLET_TOLERATION) && Object.isFrozen(GPU_TOLERATION)).toBe(true);
  });

  it('are appended after the user tolerations as copies', () => {
    const user: Toleration[] = [{ key: '', operator: 'Exists', value: '', effect: '' }];
    const out = withAdmissionTolerations(user, [intel2x4]);
    expect(out).toEqual([...user, EKLET_TOLERATION]);
    expect(Object.isFrozen(out[1])).toBe(false);
  });
});

describe('requiredAntiAffinityOf', () => {
  it('reads the required anti-affinity terms of a stored spec and leaves out unreadable ones', () => {
    expect(
      requiredAntiAffinityOf({
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' },
          { labelSelector: { matchLabels: { app: 'db' } } },
        ],
      }),
    ).toEqual([{ labelSelector: { matchLabels: { app: 'db' }, matchExpressions: [] }, namespaces: [], topologyKey: 'kubernetes.io/hostname' }]);
    expect(requiredAntiAffinityOf(null)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

interface BadCase {
  name: string;
  spec: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  errors: Array<{ code: string; field: string[]; message?: string | RegExp }>;
}

const NA = ['spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'];
const nodeAffinity = (...matchExpressions: unknown[]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } },
});
const PA = ['spec', 'affinity', 'podAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', '0'];
const TSC = ['spec', 'topologySpreadConstraints'];
const spread = (extra: Record<string, unknown> = {}) => ({ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', ...extra });

const badCases: BadCase[] = [
  {
    name: 'an unknown node selector operator',
    spec: { affinity: nodeAffinity({ key: 'zone', operator: 'Foo', values: ['a'] }) },
    errors: [{ code: 'UNSUPPORTED_VALUE', field: [...NA, '0', 'matchExpressions', '0', 'operator'], message: 'Unsupported value: "Foo": supported values: "DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"' }],
  },
  {
    name: 'a missing node selector operator',
    spec: { affinity: nodeAffinity({ key: 'zone', values: ['a'] }) },
    errors: [{ code: 'REQUIRED', field: [...NA, '0', 'matchExpressions', '0', 'operator'] }],
  },
  {
    name: 'In without values',
    spec: { affinity: nodeAffinity({ key: 'zone', operator: 'In' }) },
    errors: [{ code: 'REQUIRED', field: [...NA, '0', 'matchExpressions', '0', 'values'], message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" }],
  },
  {
    name: 'Exists with values',
    spec: { affinity: nodeAffinity({ key: 'zone', operator: 'Exists', values: ['a'] }) },
    errors: [{ code: 'FORBIDDEN', field: [...NA, '0', 'matchExpressions', '0', 'values'], message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" }],
  },
  {
    name: 'Gt with two values, and Lt with a value that is not an integer',
    spec: { affinity: nodeAffinity({ key: 'cpus', operator: 'Gt', values: ['1', '2'] }, { key: 'cpus', operator: 'Lt', values: ['many'] }) },
    errors: [
      { code: 'REQUIRED', field: [...NA, '0', 'matchExpressions', '0', 'values'], message: "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'" },
      { code: 'INVALID_VALUE', field: [...NA, '0', 'matchExpressions', '1', 'values', '0'], message: /^Invalid value: "many": must be an integer/ },
    ],
  },
  {
    name: 'an invalid label key and values that are not strings',
    spec: { affinity: nodeAffinity({ key: 'a/b/c', operator: 'In', values: [1] }) },
    errors: [
      { code: 'INVALID_VALUE', field: [...NA, '0', 'matchExpressions', '0', 'values', '0'], message: 'Invalid value: 1: must be a string; quote it in YAML: "1"' },
      { code: 'INVALID_VALUE', field: [...NA, '0', 'matchExpressions', '0', 'key'] },
    ],
  },
  {
    name: 'required node affinity without terms',
    spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
    errors: [{ code: 'REQUIRED', field: NA, message: 'Required value: must have at least one node selector term' }],
  },
  {
    name: 'matchFields on a key other than metadata.name, with two values, and with Exists',
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'spec.unschedulable', operator: 'In', values: ['a', 'b'] }, { key: 'metadata.name', operator: 'Exists' }] }],
          },
        },
      },
    },
    errors: [
      { code: 'REQUIRED', field: [...NA, '0', 'matchFields', '0', 'values'], message: "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector" },
      { code: 'INVALID_VALUE', field: [...NA, '0', 'matchFields', '0', 'key'], message: /^Invalid value: "spec\.unschedulable": not a valid field selector key/ },
      { code: 'UNSUPPORTED_VALUE', field: [...NA, '0', 'matchFields', '1', 'operator'], message: 'Unsupported value: "Exists": supported values: "In", "NotIn"' },
    ],
  },
  {
    name: 'a preferred node term with weight 0',
    spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }] } } },
    errors: [{ code: 'INVALID_VALUE', field: ['spec', 'affinity', 'nodeAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', '0', 'weight'], message: 'Invalid value: 0: must be in the range 1-100' }],
  },
  {
    name: 'a pod affinity term without topologyKey',
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'a' } } }] } } },
    errors: [{ code: 'REQUIRED', field: [...PA, 'topologyKey'], message: 'Required value: can not be empty' }],
  },
  {
    name: 'a label selector with an unknown operator, Exists with values and an invalid value',
    spec: {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'In', values: ['not ok'] }] },
              topologyKey: 'zone',
            },
          ],
        },
      },
    },
    errors: [
      { code: 'UNSUPPORTED_VALUE', field: [...PA, 'labelSelector', 'matchExpressions', '0', 'operator'], message: 'Unsupported value: "Gt": supported values: "DoesNotExist", "Exists", "In", "NotIn"' },
      { code: 'FORBIDDEN', field: [...PA, 'labelSelector', 'matchExpressions', '1', 'values'] },
      { code: 'INVALID_VALUE', field: [...PA, 'labelSelector', 'matchExpressions', '2', 'values', '0'], message: /^Invalid value: "not ok": a valid label must be/ },
    ],
  },
  {
    name: 'an invalid namespace and a namespaceSelector in a pod affinity term',
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ namespaces: ['Team_A'], namespaceSelector: {}, topologyKey: 'zone' }] } } },
    errors: [
      { code: 'INVALID_VALUE', field: [...PA, 'namespaces', '0'] },
      { code: 'UNSUPPORTED_FIELD', field: [...PA, 'namespaceSelector'] },
    ],
  },
  {
    name: 'a preferred pod anti-affinity term with weight 101 and no podAffinityTerm',
    spec: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101 }] } } },
    errors: [
      { code: 'INVALID_VALUE', field: ['spec', 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', '0', 'weight'], message: 'Invalid value: 101: must be in the range 1-100' },
      { code: 'REQUIRED', field: ['spec', 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', '0', 'podAffinityTerm', 'topologyKey'] },
    ],
  },
  {
    name: 'a toleration with Exists and a value',
    spec: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] },
    errors: [{ code: 'INVALID_VALUE', field: ['spec', 'tolerations', '0', 'operator'], message: 'Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when `operator` is \'Exists\'' }],
  },
  {
    name: 'a toleration without a key that is not Exists',
    spec: { tolerations: [{ operator: 'Equal', value: 'v' }] },
    errors: [{ code: 'INVALID_VALUE', field: ['spec', 'tolerations', '0', 'operator'], message: 'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"' }],
  },
  {
    name: 'a toleration with tolerationSeconds but not NoExecute, and an unknown operator',
    spec: { tolerations: [{ key: 'k', operator: 'Equal', effect: 'NoSchedule', tolerationSeconds: 30 }, { key: 'k', operator: 'Matches' }] },
    errors: [
      { code: 'INVALID_VALUE', field: ['spec', 'tolerations', '0', 'effect'], message: 'Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set' },
      { code: 'UNSUPPORTED_VALUE', field: ['spec', 'tolerations', '1', 'operator'], message: 'Unsupported value: "Matches": supported values: "Equal", "Exists"' },
    ],
  },
  {
    name: 'a topology spread constraint without whenUnsatisfiable',
    spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone' }] },
    errors: [{ code: 'REQUIRED', field: [...TSC, '0', 'whenUnsatisfiable'], message: 'Required value: supported values: "DoNotSchedule", "ScheduleAnyway"' }],
  },
  {
    name: 'a topology spread constraint with maxSkew 0, no topologyKey and an unknown whenUnsatisfiable',
    spec: { topologySpreadConstraints: [{ maxSkew: 0, whenUnsatisfiable: 'Sometimes' }] },
    errors: [
      { code: 'INVALID_VALUE', field: [...TSC, '0', 'maxSkew'], message: 'Invalid value: 0: must be greater than zero' },
      { code: 'REQUIRED', field: [...TSC, '0', 'topologyKey'], message: 'Required value: can not be empty' },
      { code: 'UNSUPPORTED_VALUE', field: [...TSC, '0', 'whenUnsatisfiable'], message: 'Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway"' },
    ],
  },
  {
    name: 'minDomains with ScheduleAnyway, and minDomains 0',
    spec: { topologySpreadConstraints: [spread({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }), spread({ topologyKey: 'node', minDomains: 0 })] },
    errors: [
      { code: 'INVALID_VALUE', field: [...TSC, '0', 'minDomains'], message: 'Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway' },
      { code: 'INVALID_VALUE', field: [...TSC, '1', 'minDomains'], message: 'Invalid value: 0: must be greater than zero' },
    ],
  },
  {
    name: 'two topology spread constraints with the same topologyKey and whenUnsatisfiable',
    spec: { topologySpreadConstraints: [spread(), spread({ maxSkew: 2 }), spread({ whenUnsatisfiable: 'ScheduleAnyway' })] },
    errors: [{ code: 'DUPLICATE', field: [...TSC, '0'], message: /^Duplicate value: "\{zone, DoNotSchedule\}"/ }],
  },
  {
    name: 'nodeTaintsPolicy Honor, not supported yet',
    spec: { topologySpreadConstraints: [spread({ nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' })] },
    errors: [{ code: 'UNSUPPORTED_FIELD', field: [...TSC, '0', 'nodeTaintsPolicy'] }],
  },
  {
    name: 'an invalid nodeSelector',
    spec: { nodeSelector: { 'bad key!': 'x', zone: 'not ok', gpu: true } },
    errors: [
      { code: 'INVALID_VALUE', field: ['spec', 'nodeSelector', 'bad key!'] },
      { code: 'INVALID_VALUE', field: ['spec', 'nodeSelector', 'zone'] },
      { code: 'INVALID_VALUE', field: ['spec', 'nodeSelector', 'gpu'], message: 'Invalid value: true: must be a string; quote it in YAML: "true"' },
    ],
  },
  {
    name: 'a priorityClassName that is not a DNS-1123 subdomain and an unknown preemptionPolicy',
    spec: { priorityClassName: 'High_Priority', preemptionPolicy: 'Sometimes' },
    errors: [
      { code: 'INVALID_VALUE', field: ['spec', 'priorityClassName'], message: /^Invalid value: "High_Priority": a lowercase RFC 1123 subdomain/ },
      { code: 'UNSUPPORTED_VALUE', field: ['spec', 'preemptionPolicy'], message: 'Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"' },
    ],
  },
  {
    name: 'a spot-pod annotation other than "true" or "false"',
    spec: {},
    annotations: { [SPOT_ANNOTATION]: 'yes' },
    errors: [{ code: 'INVALID_ANNOTATION', field: ['metadata', 'annotations', SPOT_ANNOTATION], message: 'Invalid value: "yes": must be "true" or "false"' }],
  },
  {
    name: 'scheduling fields of the wrong shape',
    spec: { affinity: [], tolerations: {}, topologySpreadConstraints: 'zone', nodeSelector: ['a'] },
    errors: [
      { code: 'INVALID_VALUE', field: ['spec', 'nodeSelector'] },
      { code: 'INVALID_VALUE', field: ['spec', 'affinity'] },
      { code: 'INVALID_VALUE', field: ['spec', 'tolerations'] },
      { code: 'INVALID_VALUE', field: ['spec', 'topologySpreadConstraints'] },
    ],
  },
];

describe('validateSchedulingFields refuses, as the Kubernetes API server does', () => {
  for (const tc of badCases) {
    it(tc.name, () => {
      const errors = validateSchedulingFields({ containers: [container], ...tc.spec }, tc.annotations);
      expect(errors.map((e) => ({ code: e.code, field: e.field }))).toEqual(tc.errors.map((e) => ({ code: e.code, field: e.field })));
      tc.errors.forEach((e, i) => {
        if (typeof e.message === 'string') expect(errors[i].message).toBe(e.message);
        else if (e.message) expect(errors[i].message).toMatch(e.message);
      });
    });
  }
});

describe('validateSchedulingFields accepts', () => {
  it.each([
    ['pod-with-node-affinity', specOf(POD_WITH_NODE_AFFINITY)],
    ['pod-with-pod-affinity', specOf(POD_WITH_POD_AFFINITY)],
    ['two topology spread constraints', specOf(TWO_CONSTRAINTS)],
    ['pod-with-toleration', specOf(POD_WITH_TOLERATION)],
  ])('the Kubernetes docs example %s', (_name, spec) => {
    expect(validateSchedulingFields(spec, {})).toEqual([]);
  });

  it('a spec without scheduling fields, and null fields', () => {
    expect(validateSchedulingFields({ containers: [container] }, undefined)).toEqual([]);
    expect(validateSchedulingFields({ containers: [container], affinity: null, tolerations: null, nodeSelector: null, topologySpreadConstraints: null }, null)).toEqual([]);
  });

  it('tolerations of every allowed form', () => {
    const tolerations = [
      { operator: 'Exists' },
      { key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      { key: 'k', value: 'v', effect: 'PreferNoSchedule' },
      { key: 'example.com/k', operator: 'Equal', value: '', effect: '' },
    ];
    expect(validateSchedulingFields({ tolerations }, {})).toEqual([]);
  });
});
