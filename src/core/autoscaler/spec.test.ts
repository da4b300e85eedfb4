import { describe, it, expect } from 'vitest';
import { formatFieldPath } from '../manifest';
import { SCALABLE_TARGETS, metricDescription, metricTarget, parseHpaSpec, quantityMilli, tolerancesOf } from './spec';
import type { HpaSpec, MetricSpec } from './types';

const path = ['manifest', '0', 'spec'];
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const base = { scaleTargetRef: ref, maxReplicas: 10 };
const cpu80: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } };
const objectMetric = {
  type: 'Object',
  object: {
    describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' },
    metric: { name: 'requests-per-second' },
    target: { type: 'Value', value: '10k' },
  },
};
const externalMetric = {
  type: 'External',
  external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'jobs' } } }, target: { type: 'AverageValue', averageValue: 30 } },
};
const podsMetric = { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } };

function parse(raw: unknown) {
  return parseHpaSpec(raw, path);
}

/** Errors as [field relative to the spec, code, message]. */
function problems(raw: unknown): [string, string, string][] {
  return parse(raw).errors.map((e) => {
    expect(e.field.slice(0, path.length)).toEqual(path);
    return [formatFieldPath(e.field.slice(path.length)), e.code, e.message];
  });
}

function withMetric(metric: unknown, extra: Record<string, unknown> = {}) {
  return { ...base, metrics: [metric], ...extra };
}

function withTarget(type: string, member: string, body: Record<string, unknown>, target: unknown) {
  return withMetric({ type, [member]: { ...body, target } });
}

describe('SCALABLE_TARGETS', () => {
  it('lists Deployments and StatefulSets, both served as apps/v1', () => {
    expect(SCALABLE_TARGETS).toEqual({ Deployment: 'apps/v1', StatefulSet: 'apps/v1' });
  });
});

describe('parseHpaSpec defaults', () => {
  it('fills minReplicas 1 and the CPU 80 % metric and leaves behavior out when the spec has no behavior', () => {
    const r = parse(base);
    expect(r.errors).toEqual([]);
    expect(r.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 10, metrics: [cpu80] });
    expect('behavior' in r.spec).toBe(false);
  });

  const emptyMetrics: [string, unknown][] = [
    ['an empty list', []],
    ['null', null],
  ];
  it.each(emptyMetrics)('defaults metrics written as %s to CPU utilization 80 %%', (_name, metrics) => {
    const r = parse({ ...base, metrics });
    expect(r.errors).toEqual([]);
    expect(r.spec.metrics).toEqual([cpu80]);
  });

  it('treats null fields as unset, as Kubernetes decodes them', () => {
    const r = parse({ ...base, minReplicas: null, behavior: null });
    expect(r.errors).toEqual([]);
    expect(r.spec.minReplicas).toBe(1);
    expect(r.spec.behavior).toBeUndefined();
  });

  it('fills both directions with the Kubernetes defaults when behavior is an empty mapping', () => {
    const r = parse({ ...base, behavior: {} });
    expect(r.errors).toEqual([]);
    expect(r.spec.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    expect('stabilizationWindowSeconds' in r.spec.behavior!.scaleDown).toBe(false);
    expect('tolerance' in r.spec.behavior!.scaleUp).toBe(false);
  });

  it('fills only the unset fields of a partial behavior', () => {
    const r = parse({ ...base, behavior: { scaleDown: { stabilizationWindowSeconds: 60 }, scaleUp: { selectPolicy: 'Disabled' } } });
    expect(r.errors).toEqual([]);
    expect(r.spec.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Disabled',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('replaces the default policies with the written list', () => {
    const r = parse({ ...base, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } });
    expect(r.errors).toEqual([]);
    expect(r.spec.behavior!.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] });
  });

  it('keeps the tolerance of each direction as Kubernetes serves the quantity back', () => {
    const r = parse({ ...base, behavior: { scaleUp: { tolerance: '0.05' }, scaleDown: { tolerance: 0.5 } } });
    expect(r.errors).toEqual([]);
    expect(r.spec.behavior!.scaleUp.tolerance).toBe('50m');
    expect(r.spec.behavior!.scaleDown.tolerance).toBe('500m');
  });

  it('keeps minReplicas and a StatefulSet target as written', () => {
    const r = parse({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db.primary' }, minReplicas: 2, maxReplicas: 2 });
    expect(r.errors).toEqual([]);
    expect(r.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db.primary' });
    expect(r.spec.minReplicas).toBe(2);
  });

  it('parses every metric type, storing only the target field its type names, quantities canonical', () => {
    const r = parse({
      ...base,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } } },
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
        podsMetric,
        objectMetric,
        {
          type: 'External',
          external: {
            metric: { name: 'queue_messages_ready', selector: { matchExpressions: [{ key: 'queue', operator: 'In', values: ['a', 'b'] }, { key: 'tier', operator: 'Exists' }] } },
            target: { type: 'Value', value: '0.5' },
          },
        },
      ],
    });
    expect(r.errors).toEqual([]);
    expect(r.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } },
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' },
          metric: { name: 'requests-per-second' },
          target: { type: 'Value', value: '10k' },
        },
      },
      {
        type: 'External',
        external: {
          metric: { name: 'queue_messages_ready', selector: { matchExpressions: [{ key: 'queue', operator: 'In', values: ['a', 'b'] }, { key: 'tier', operator: 'Exists' }] } },
          target: { type: 'Value', value: '500m' },
        },
      },
    ]);
  });

  it('reads a YAML number target through its decimal form', () => {
    const r = parse(withMetric(externalMetric));
    expect(r.errors).toEqual([]);
    expect(r.spec.metrics[0]).toEqual({
      type: 'External',
      external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } },
    });
  });
});

describe('parseHpaSpec scale to zero', () => {
  const cases: [name: string, raw: Record<string, unknown>, errors: [string, string, string][]][] = [
    ['accepts minReplicas 0 with an Object metric', { ...base, minReplicas: 0, metrics: [objectMetric] }, []],
    ['accepts minReplicas 0 with an External metric among others', { ...base, minReplicas: 0, metrics: [cpu80, externalMetric] }, []],
    [
      'refuses minReplicas 0 with only the default CPU metric',
      { ...base, minReplicas: 0 },
      [['metrics', 'FORBIDDEN', 'Forbidden: must specify at least one Object or External metric to support scaling to zero replicas']],
    ],
    [
      'refuses minReplicas 0 with only Pods and Resource metrics',
      { ...base, minReplicas: 0, metrics: [podsMetric, cpu80] },
      [['metrics', 'FORBIDDEN', 'Forbidden: must specify at least one Object or External metric to support scaling to zero replicas']],
    ],
    ['refuses a negative minReplicas', { ...base, minReplicas: -1 }, [['minReplicas', 'INVALID_VALUE', 'Invalid value: -1: must be greater than or equal to 0']]],
  ];
  it.each(cases)('%s', (_name, raw, errors) => {
    expect(problems(raw)).toEqual(errors);
  });

  it('keeps minReplicas 0 in the spec', () => {
    expect(parse({ ...base, minReplicas: 0, metrics: [objectMetric] }).spec.minReplicas).toBe(0);
  });
});

describe('parseHpaSpec validation', () => {
  const cases: [name: string, raw: unknown, errors: [string, string, string][]][] = [
    // the spec itself
    ['refuses a missing spec', undefined, [['', 'REQUIRED', 'Required value: a HorizontalPodAutoscaler needs a spec with scaleTargetRef and maxReplicas']]],
    [
      'refuses a spec that is not a mapping',
      'web',
      [['', 'INVALID_VALUE', 'Invalid value: "web": must be a mapping with scaleTargetRef, minReplicas, maxReplicas, metrics and behavior']],
    ],
    [
      'refuses an unknown spec field and suggests the one meant',
      { ...base, minReplica: 2 },
      [['minReplica', 'UNKNOWN_FIELD', 'unknown field "minReplica" (did you mean "minReplicas"?)']],
    ],
    [
      'refuses an unknown spec field and lists the known ones',
      { ...base, selectionStrategy: 'LabelSelector' },
      [['selectionStrategy', 'UNKNOWN_FIELD', 'unknown field "selectionStrategy"; known fields: behavior, maxReplicas, metrics, minReplicas, scaleTargetRef']],
    ],

    // scaleTargetRef
    [
      'requires scaleTargetRef',
      { maxReplicas: 3 },
      [['scaleTargetRef', 'REQUIRED', 'Required value: the workload to scale, e.g. {apiVersion: apps/v1, kind: Deployment, name: web}']],
    ],
    [
      'requires the kind, apiVersion and name of scaleTargetRef',
      { scaleTargetRef: {}, maxReplicas: 3 },
      [
        ['scaleTargetRef.kind', 'REQUIRED', 'Required value'],
        ['scaleTargetRef.apiVersion', 'REQUIRED', 'Required value'],
        ['scaleTargetRef.name', 'REQUIRED', 'Required value'],
      ],
    ],
    [
      'refuses a ReplicaSet target and points at its Deployment',
      { ...base, scaleTargetRef: { ...ref, kind: 'ReplicaSet' } },
      [
        [
          'scaleTargetRef.kind',
          'UNSUPPORTED_VALUE',
          'Unsupported value: "ReplicaSet": a ReplicaSet is managed by its Deployment here; scale the Deployment instead; supported values: "Deployment", "StatefulSet"',
        ],
      ],
    ],
    [
      'refuses a Job target as not scalable',
      { ...base, scaleTargetRef: { apiVersion: 'batch/v1', kind: 'Job', name: 'x' } },
      [['scaleTargetRef.kind', 'UNSUPPORTED_VALUE', 'Unsupported value: "Job": Jobs and CronJobs run to completion and are not scalable; supported values: "Deployment", "StatefulSet"']],
    ],
    [
      'refuses a CronJob target as not scalable',
      { ...base, scaleTargetRef: { apiVersion: 'batch/v1', kind: 'CronJob', name: 'x' } },
      [['scaleTargetRef.kind', 'UNSUPPORTED_VALUE', 'Unsupported value: "CronJob": Jobs and CronJobs run to completion and are not scalable; supported values: "Deployment", "StatefulSet"']],
    ],
    [
      'refuses a lowercase kind and suggests the kind meant',
      { ...base, scaleTargetRef: { ...ref, kind: 'deployment' } },
      [
        [
          'scaleTargetRef.kind',
          'UNSUPPORTED_VALUE',
          'Unsupported value: "deployment": a HorizontalPodAutoscaler here scales Deployments and StatefulSets (kinds are case-sensitive: did you mean "Deployment"?); supported values: "Deployment", "StatefulSet"',
        ],
      ],
    ],
    [
      'refuses an old apiVersion for a Deployment',
      { ...base, scaleTargetRef: { ...ref, apiVersion: 'extensions/v1beta1' } },
      [['scaleTargetRef.apiVersion', 'UNSUPPORTED_VALUE', 'Unsupported value: "extensions/v1beta1": Deployment is served as "apps/v1"; supported values: "apps/v1"']],
    ],
    [
      'refuses a target name that is not a DNS-1123 subdomain',
      { ...base, scaleTargetRef: { ...ref, name: 'Web_1' } },
      [
        [
          'scaleTargetRef.name',
          'INVALID_VALUE',
          `Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')`,
        ],
      ],
    ],
    [
      'refuses a kind that is not a string',
      { ...base, scaleTargetRef: { ...ref, kind: 5 } },
      [['scaleTargetRef.kind', 'INVALID_VALUE', 'Invalid value: 5: must be a string; quote it in YAML: "5"']],
    ],

    // replicas
    ['refuses a fractional minReplicas', { ...base, minReplicas: 1.5 }, [['minReplicas', 'INVALID_VALUE', 'Invalid value: 1.5: must be an integer']]],
    ['refuses a minReplicas written as a string', { ...base, minReplicas: '2' }, [['minReplicas', 'INVALID_VALUE', 'Invalid value: "2": must be an integer']]],
    ['requires maxReplicas', { scaleTargetRef: ref }, [['maxReplicas', 'REQUIRED', 'Required value: the largest number of replicas the autoscaler may set, e.g. 10']]],
    [
      'refuses maxReplicas 0, which is also below the default minReplicas',
      { ...base, maxReplicas: 0 },
      [
        ['maxReplicas', 'INVALID_VALUE', 'Invalid value: 0: must be greater than 0'],
        ['maxReplicas', 'INVALID_VALUE', 'Invalid value: 0: must be greater than or equal to `minReplicas`'],
      ],
    ],
    [
      'refuses maxReplicas below minReplicas',
      { ...base, minReplicas: 3, maxReplicas: 2 },
      [['maxReplicas', 'INVALID_VALUE', 'Invalid value: 2: must be greater than or equal to `minReplicas`']],
    ],
    [
      'refuses a maxReplicas beyond 32 bits',
      { ...base, maxReplicas: 3e9 },
      [['maxReplicas', 'INVALID_VALUE', 'Invalid value: 3000000000: must be a 32-bit integer (at most 2147483647)']],
    ],

    // metrics: the source
    ['refuses metrics that are not a list', { ...base, metrics: { type: 'Resource' } }, [['metrics', 'INVALID_VALUE', 'Invalid value: {"type":"Resource"}: must be a list of metrics']]],
    ['requires a metric type', withMetric({ resource: { name: 'cpu' } }), [['metrics[0].type', 'REQUIRED', 'Required value: must specify a metric source type']]],
    [
      'refuses an unknown metric type',
      withMetric({ type: 'Prometheus' }),
      [['metrics[0].type', 'UNSUPPORTED_VALUE', 'Unsupported value: "Prometheus": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"']],
    ],
    [
      'requires the member the metric type names',
      withMetric({ type: 'Resource' }),
      [['metrics[0].resource', 'REQUIRED', 'Required value: must populate information for the given metric source']],
    ],
    [
      'refuses a member the metric type does not name',
      withMetric({ ...cpu80, pods: podsMetric.pods }),
      [['metrics[0].pods', 'FORBIDDEN', 'Forbidden: must populate the given metric source only']],
    ],
    [
      'requires a resource name',
      withTarget('Resource', 'resource', {}, { type: 'Utilization', averageUtilization: 50 }),
      [['metrics[0].resource.name', 'REQUIRED', 'Required value: must specify a resource name']],
    ],
    [
      'refuses a resource other than cpu and memory and says what to use instead',
      withTarget('Resource', 'resource', { name: 'nvidia.com/gpu' }, { type: 'AverageValue', averageValue: '1' }),
      [
        [
          'metrics[0].resource.name',
          'UNSUPPORTED_VALUE',
          'Unsupported value: "nvidia.com/gpu": resource metrics here are the cpu and memory the pods use; scale on anything else with a Pods, Object or External metric; supported values: "cpu", "memory"',
        ],
      ],
    ],
    [
      'requires the container of a ContainerResource metric',
      withTarget('ContainerResource', 'containerResource', { name: 'cpu' }, { type: 'Utilization', averageUtilization: 50 }),
      [['metrics[0].containerResource.container', 'REQUIRED', 'Required value: must specify a container']],
    ],
    [
      'refuses a container name that is not a DNS-1123 label',
      withTarget('ContainerResource', 'containerResource', { name: 'cpu', container: 'App' }, { type: 'Utilization', averageUtilization: 50 }),
      [
        [
          'metrics[0].containerResource.container',
          'INVALID_VALUE',
          `Invalid value: "App": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')`,
        ],
      ],
    ],
    [
      'requires a metric name',
      withTarget('Pods', 'pods', { metric: {} }, { type: 'AverageValue', averageValue: '1' }),
      [['metrics[0].pods.metric.name', 'REQUIRED', 'Required value: must specify a metric name']],
    ],
    [
      'requires the metric of a Pods source',
      withTarget('Pods', 'pods', {}, { type: 'AverageValue', averageValue: '1' }),
      [['metrics[0].pods.metric.name', 'REQUIRED', 'Required value: must specify a metric name']],
    ],
    [
      'refuses a metric name with a slash',
      withTarget('Pods', 'pods', { metric: { name: 'a/b' } }, { type: 'AverageValue', averageValue: '1' }),
      [['metrics[0].pods.metric.name', 'INVALID_VALUE', `Invalid value: "a/b": may not contain '/'`]],
    ],
    [
      'requires the described object of an Object metric',
      withTarget('Object', 'object', { metric: { name: 'hits' } }, { type: 'Value', value: '1' }),
      [
        [
          'metrics[0].object.describedObject',
          'REQUIRED',
          'Required value: the object the metric describes, e.g. {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}',
        ],
      ],
    ],
    [
      "requires the described object's kind, name and apiVersion",
      withTarget('Object', 'object', { metric: { name: 'hits' }, describedObject: { name: '..' } }, { type: 'Value', value: '1' }),
      [
        ['metrics[0].object.describedObject.kind', 'REQUIRED', 'Required value'],
        ['metrics[0].object.describedObject.name', 'INVALID_VALUE', `Invalid value: "..": may not be '..'`],
        ['metrics[0].object.describedObject.apiVersion', 'REQUIRED', 'Required value'],
      ],
    ],

    // metrics: selectors
    [
      'refuses a selector operator outside In, NotIn, Exists and DoesNotExist',
      withTarget('External', 'external', { metric: { name: 'q', selector: { matchExpressions: [{ key: 'n', operator: 'Gt', values: ['1'] }] } } }, { type: 'Value', value: '1' }),
      [
        [
          'metrics[0].external.metric.selector.matchExpressions[0].operator',
          'UNSUPPORTED_VALUE',
          'Unsupported value: "Gt": supported values: "DoesNotExist", "Exists", "In", "NotIn"',
        ],
      ],
    ],
    [
      'requires values for In',
      withTarget('External', 'external', { metric: { name: 'q', selector: { matchExpressions: [{ key: 'n', operator: 'In' }] } } }, { type: 'Value', value: '1' }),
      [['metrics[0].external.metric.selector.matchExpressions[0].values', 'REQUIRED', "Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    ],
    [
      'refuses values for Exists',
      withTarget('External', 'external', { metric: { name: 'q', selector: { matchExpressions: [{ key: 'n', operator: 'Exists', values: ['a'] }] } } }, { type: 'Value', value: '1' }),
      [['metrics[0].external.metric.selector.matchExpressions[0].values', 'FORBIDDEN', "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]],
    ],
    [
      'refuses a matchLabels value that is not a string',
      withTarget('External', 'external', { metric: { name: 'q', selector: { matchLabels: { shard: 3 } } } }, { type: 'Value', value: '1' }),
      [['metrics[0].external.metric.selector.matchLabels.shard', 'INVALID_VALUE', 'Invalid value: 3: must be a string; quote it in YAML: "3"']],
    ],
    [
      'refuses a matchLabels key that is not a label key',
      withTarget('External', 'external', { metric: { name: 'q', selector: { matchLabels: { 'a b': 'x' } } } }, { type: 'Value', value: '1' }),
      [
        [
          'metrics[0].external.metric.selector.matchLabels[a b]',
          'INVALID_VALUE',
          `Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')`,
        ],
      ],
    ],

    // metrics: targets
    ['requires a target', withTarget('Resource', 'resource', { name: 'cpu' }, undefined), [['metrics[0].resource.target.type', 'REQUIRED', 'Required value: must specify a metric target type']]],
    [
      'refuses a target type outside Utilization, Value and AverageValue',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Percent', averageUtilization: 50 }),
      [['metrics[0].resource.target.type', 'INVALID_VALUE', 'Invalid value: "Percent": must be either Utilization, Value, or AverageValue']],
    ],
    [
      'refuses a Value target on a Resource metric',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Value', averageValue: '500m' }),
      [
        [
          'metrics[0].resource.target.type',
          'UNSUPPORTED_VALUE',
          `Unsupported value: "Value": a Resource metric's target is an AverageValue or a Utilization; supported values: "AverageValue", "Utilization"`,
        ],
      ],
    ],
    [
      'refuses a Utilization target on a Pods metric',
      withTarget('Pods', 'pods', { metric: { name: 'm' } }, { type: 'Utilization', averageValue: '1' }),
      [['metrics[0].pods.target.type', 'UNSUPPORTED_VALUE', `Unsupported value: "Utilization": a Pods metric's target is an AverageValue; supported values: "AverageValue"`]],
    ],
    [
      'refuses a Utilization target on an Object metric',
      withTarget('Object', 'object', { metric: { name: 'm' }, describedObject: objectMetric.object.describedObject }, { type: 'Utilization', value: '1' }),
      [
        [
          'metrics[0].object.target.type',
          'UNSUPPORTED_VALUE',
          `Unsupported value: "Utilization": an Object metric's target is an AverageValue or a Value; supported values: "AverageValue", "Value"`,
        ],
      ],
    ],
    [
      'requires a utilization or a raw value on a Resource target',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Utilization' }),
      [['metrics[0].resource.target.averageUtilization', 'REQUIRED', 'Required value: must set either a target raw value or a target utilization']],
    ],
    [
      'requires the field the target type names and refuses the other one',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Utilization', averageValue: '500m' }),
      [
        ['metrics[0].resource.target.averageUtilization', 'REQUIRED', 'Required value: must be set when `type` is Utilization'],
        ['metrics[0].resource.target.averageValue', 'FORBIDDEN', 'Forbidden: may not be set when `type` is Utilization'],
      ],
    ],
    [
      'refuses both a utilization and a raw value on a Resource target',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Utilization', averageUtilization: 50, averageValue: '500m' }),
      [['metrics[0].resource.target.averageValue', 'FORBIDDEN', 'Forbidden: may not set both a target raw value and a target utilization']],
    ],
    [
      'refuses both a value and a per-pod value on an External target',
      withTarget('External', 'external', { metric: { name: 'q' } }, { type: 'Value', value: '1', averageValue: '1' }),
      [['metrics[0].external.target.value', 'FORBIDDEN', 'Forbidden: may not set both a target value for metric and a per-pod target']],
    ],
    [
      'refuses a second value on an Object target',
      withTarget('Object', 'object', { metric: { name: 'm' }, describedObject: objectMetric.object.describedObject }, { type: 'Value', value: '1', averageValue: '2' }),
      [['metrics[0].object.target.averageValue', 'FORBIDDEN', 'Forbidden: may not be set when `type` is Value']],
    ],
    [
      'requires an averageValue on a Pods target',
      withTarget('Pods', 'pods', { metric: { name: 'm' } }, { type: 'AverageValue' }),
      [['metrics[0].pods.target.averageValue', 'REQUIRED', 'Required value: must specify a positive target averageValue']],
    ],
    [
      'requires a value or averageValue on an Object target',
      withTarget('Object', 'object', { metric: { name: 'm' }, describedObject: objectMetric.object.describedObject }, { type: 'Value' }),
      [['metrics[0].object.target.averageValue', 'REQUIRED', 'Required value: must set either a target value or averageValue']],
    ],
    [
      'requires a value or averageValue on an External target',
      withTarget('External', 'external', { metric: { name: 'q' } }, { type: 'AverageValue' }),
      [['metrics[0].external.target.averageValue', 'REQUIRED', 'Required value: must set either a target value for metric or a per-pod target']],
    ],
    [
      'refuses a utilization of 0',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Utilization', averageUtilization: 0 }),
      [['metrics[0].resource.target.averageUtilization', 'INVALID_VALUE', 'Invalid value: 0: must be greater than 0']],
    ],
    [
      'refuses a fractional utilization',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Utilization', averageUtilization: 50.5 }),
      [['metrics[0].resource.target.averageUtilization', 'INVALID_VALUE', 'Invalid value: 50.5: must be an integer']],
    ],
    [
      'refuses a zero value',
      withTarget('External', 'external', { metric: { name: 'q' } }, { type: 'Value', value: '0' }),
      [['metrics[0].external.target.value', 'INVALID_VALUE', 'Invalid value: "0": must be positive']],
    ],
    [
      'refuses a negative averageValue',
      withTarget('Pods', 'pods', { metric: { name: 'm' } }, { type: 'AverageValue', averageValue: '-1' }),
      [['metrics[0].pods.target.averageValue', 'INVALID_VALUE', 'Invalid value: "-1": must be positive']],
    ],
    [
      'refuses a value that is not a quantity',
      withTarget('Pods', 'pods', { metric: { name: 'm' } }, { type: 'AverageValue', averageValue: '10 rps' }),
      [['metrics[0].pods.target.averageValue', 'INVALID_VALUE', 'Invalid value: "10 rps": must be a quantity such as "500m", "2", "100Mi" or "1Gi"']],
    ],
    [
      'refuses an unknown target field',
      withTarget('Resource', 'resource', { name: 'cpu' }, { type: 'Utilization', averageUtilization: 50, utilization: 50 }),
      [['metrics[0].resource.target.utilization', 'UNKNOWN_FIELD', 'unknown field "utilization" (did you mean "averageUtilization"?)']],
    ],

    // behavior
    ['refuses a behavior that is not a mapping', { ...base, behavior: 'fast' }, [['behavior', 'INVALID_VALUE', 'Invalid value: "fast": must be a mapping with scaleUp and/or scaleDown']]],
    ['refuses a misspelt direction', { ...base, behavior: { scaleup: {} } }, [['behavior.scaleup', 'UNKNOWN_FIELD', 'unknown field "scaleup" (did you mean "scaleUp"?)']]],
    [
      'refuses a negative stabilization window',
      { ...base, behavior: { scaleDown: { stabilizationWindowSeconds: -1 } } },
      [['behavior.scaleDown.stabilizationWindowSeconds', 'INVALID_VALUE', 'Invalid value: -1: must be greater than or equal to zero']],
    ],
    [
      'refuses a stabilization window over an hour',
      { ...base, behavior: { scaleUp: { stabilizationWindowSeconds: 3601 } } },
      [['behavior.scaleUp.stabilizationWindowSeconds', 'INVALID_VALUE', 'Invalid value: 3601: must be less than or equal to 3600']],
    ],
    [
      'refuses a select policy outside Max, Min and Disabled',
      { ...base, behavior: { scaleUp: { selectPolicy: 'Maximum' } } },
      [['behavior.scaleUp.selectPolicy', 'UNSUPPORTED_VALUE', 'Unsupported value: "Maximum": supported values: "Disabled", "Max", "Min"']],
    ],
    [
      'refuses an empty policy list',
      { ...base, behavior: { scaleDown: { policies: [] } } },
      [['behavior.scaleDown.policies', 'REQUIRED', 'Required value: must specify at least one Policy']],
    ],
    [
      'refuses a policy type outside Pods and Percent',
      { ...base, behavior: { scaleUp: { policies: [{ type: 'Replicas', value: 1, periodSeconds: 15 }] } } },
      [['behavior.scaleUp.policies[0].type', 'UNSUPPORTED_VALUE', 'Unsupported value: "Replicas": supported values: "Percent", "Pods"']],
    ],
    [
      'refuses a policy value of 0',
      { ...base, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } },
      [['behavior.scaleUp.policies[0].value', 'INVALID_VALUE', 'Invalid value: 0: must be greater than zero']],
    ],
    [
      'refuses a period of 0 seconds',
      { ...base, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 0 }] } } },
      [['behavior.scaleUp.policies[0].periodSeconds', 'INVALID_VALUE', 'Invalid value: 0: must be greater than zero']],
    ],
    [
      'refuses a period over 30 minutes',
      { ...base, behavior: { scaleDown: { policies: [{ type: 'Percent', value: 10, periodSeconds: 1801 }] } } },
      [['behavior.scaleDown.policies[0].periodSeconds', 'INVALID_VALUE', 'Invalid value: 1801: must be less than or equal to 1800']],
    ],
    [
      'requires the type, value and period of a policy',
      { ...base, behavior: { scaleDown: { policies: [{}] } } },
      [
        ['behavior.scaleDown.policies[0].type', 'REQUIRED', 'Required value'],
        ['behavior.scaleDown.policies[0].value', 'REQUIRED', 'Required value'],
        ['behavior.scaleDown.policies[0].periodSeconds', 'REQUIRED', 'Required value'],
      ],
    ],
    [
      'refuses a negative tolerance',
      { ...base, behavior: { scaleUp: { tolerance: '-0.1' } } },
      [['behavior.scaleUp.tolerance', 'INVALID_VALUE', 'Invalid value: "-0.1": must be greater than or equal to 0']],
    ],
    [
      'refuses a tolerance that is not a quantity',
      { ...base, behavior: { scaleUp: { tolerance: '5%' } } },
      [['behavior.scaleUp.tolerance', 'INVALID_VALUE', 'Invalid value: "5%": must be a quantity such as "500m", "2", "100Mi" or "1Gi"']],
    ],
  ];
  it.each(cases)('%s', (_name, raw, errors) => {
    expect(problems(raw)).toEqual(errors);
  });

  it('accepts a tolerance of 0', () => {
    const r = parse({ ...base, behavior: { scaleDown: { tolerance: '0' } } });
    expect(r.errors).toEqual([]);
    expect(r.spec.behavior!.scaleDown.tolerance).toBe('0');
  });

  it('reports every problem at once', () => {
    const errs = problems({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' },
      minReplicas: 0,
      maxReplicas: 0,
      metrics: [{ type: 'Pods', pods: { metric: { name: 'm' }, target: { type: 'AverageValue', averageValue: '0' } } }],
      behavior: { scaleUp: { stabilizationWindowSeconds: 4000 } },
      replicas: 3,
    });
    expect(errs.map(([field, code]) => `${field} ${code}`)).toEqual([
      'replicas UNKNOWN_FIELD',
      'scaleTargetRef.kind UNSUPPORTED_VALUE',
      'maxReplicas INVALID_VALUE',
      'metrics[0].pods.target.averageValue INVALID_VALUE',
      'metrics FORBIDDEN',
      'behavior.scaleUp.stabilizationWindowSeconds INVALID_VALUE',
    ]);
  });

  it('keeps errors under the path it is given', () => {
    const r = parseHpaSpec({ ...base, maxReplicas: 'ten' }, ['spec']);
    expect(r.errors).toEqual([{ field: ['spec', 'maxReplicas'], code: 'INVALID_VALUE', message: 'Invalid value: "ten": must be an integer' }]);
  });
});

describe('quantityMilli', () => {
  const cases: [string, bigint][] = [
    ['500m', 500n],
    ['1', 1000n],
    ['1Gi', 1073741824000n],
    ['0.05', 50n],
    ['1k', 1000000n],
    ['1.0001', 1001n],
    ['1n', 1n],
  ];
  it.each(cases)('reads %s as %s thousandths, rounding up', (q, milli) => {
    expect(quantityMilli(q)).toBe(milli);
  });

  it('throws on text that is not a quantity', () => {
    expect(() => quantityMilli('ten')).toThrow(RangeError);
  });
});

describe('metricTarget', () => {
  it('returns the target of each metric type', () => {
    const r = parse({ ...base, metrics: [cpu80, podsMetric, objectMetric, externalMetric, { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', target: { type: 'AverageValue', averageValue: '1Gi' } } }] });
    expect(r.errors).toEqual([]);
    expect(r.spec.metrics.map(metricTarget)).toEqual([
      { type: 'Utilization', averageUtilization: 80 },
      { type: 'AverageValue', averageValue: '1k' },
      { type: 'Value', value: '10k' },
      { type: 'AverageValue', averageValue: '30' },
      { type: 'AverageValue', averageValue: '1Gi' },
    ]);
  });
});

describe('tolerancesOf', () => {
  const spec = (behavior?: unknown): HpaSpec => {
    const r = parse(behavior === undefined ? base : { ...base, behavior });
    expect(r.errors).toEqual([]);
    return r.spec;
  };
  const cases: [name: string, behavior: unknown, expected: { up: number; down: number }][] = [
    ["uses the controller's tolerance in both directions without behavior", undefined, { up: 0.1, down: 0.1 }],
    ["uses the controller's tolerance where behavior sets none", { scaleDown: { stabilizationWindowSeconds: 30 } }, { up: 0.1, down: 0.1 }],
    ['uses the scale-up tolerance upwards only', { scaleUp: { tolerance: '0.05' } }, { up: 0.05, down: 0.1 }],
    ['uses each direction its own tolerance', { scaleUp: { tolerance: '50m' }, scaleDown: { tolerance: 0.5 } }, { up: 0.05, down: 0.5 }],
    ['reads a tolerance of 0 as no tolerance', { scaleDown: { tolerance: '0' } }, { up: 0.1, down: 0 }],
  ];
  it.each(cases)('%s', (_name, behavior, expected) => {
    expect(tolerancesOf(spec(behavior), 0.1)).toEqual(expected);
  });
});

describe('metricDescription', () => {
  const one = (m: unknown): MetricSpec => {
    const r = parse(withMetric(m));
    expect(r.errors).toEqual([]);
    return r.spec.metrics[0];
  };
  const cases: [name: string, metric: unknown, expected: string][] = [
    ['names a Resource utilization metric', cpu80, 'cpu resource utilization (percentage of request)'],
    [
      'names a Resource average value metric',
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } },
      'memory resource',
    ],
    [
      'names a ContainerResource utilization metric',
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
      'cpu container resource utilization (percentage of request)',
    ],
    [
      'names a ContainerResource average value metric as upstream does, like a Resource one',
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'AverageValue', averageValue: '200m' } } },
      'cpu resource',
    ],
    ['names a Pods metric', podsMetric, 'pods metric packets-per-second'],
    ['names an Object value metric by the kind of its object, as written', objectMetric, 'Ingress metric requests-per-second'],
    [
      'names an Object average value metric in the external form, as upstream does',
      { ...objectMetric, object: { ...objectMetric.object, target: { type: 'AverageValue', averageValue: '5' } } },
      'external metric requests-per-second(nil)',
    ],
    [
      'names an External metric with its selector printed as Go prints it',
      externalMetric,
      'external metric queue_messages_ready(&LabelSelector{MatchLabels:map[string]string{queue: jobs,},MatchExpressions:[]LabelSelectorRequirement{},})',
    ],
    [
      'prints match labels sorted and match expressions in order',
      {
        type: 'External',
        external: {
          metric: {
            name: 'q',
            selector: { matchLabels: { zone: 'a', app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }, { key: 'canary', operator: 'DoesNotExist' }] },
          },
          target: { type: 'Value', value: '1' },
        },
      },
      'external metric q(&LabelSelector{MatchLabels:map[string]string{app: web,zone: a,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[x y],},LabelSelectorRequirement{Key:canary,Operator:DoesNotExist,Values:[],},},})',
    ],
    [
      'prints an External metric without a selector as nil',
      { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1' } } },
      'external metric q(nil)',
    ],
    [
      'prints an empty selector as an empty LabelSelector',
      { type: 'External', external: { metric: { name: 'q', selector: {} }, target: { type: 'Value', value: '1' } } },
      'external metric q(&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},})',
    ],
  ];
  it.each(cases)('%s', (_name, metric, expected) => {
    expect(metricDescription(one(metric))).toBe(expected);
  });
});
