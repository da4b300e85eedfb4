/**
 * The autoscaling/v2 HorizontalPodAutoscaler `spec`, parsed, validated and defaulted the way the
 * Kubernetes API server does it (pkg/apis/autoscaling/validation and pkg/apis/autoscaling/v2
 * defaults), with the HPAScaleToZero and HPAConfigurableTolerance features on, in Kubernetes'
 * words ("must be greater than or equal to `minReplicas`", "must specify at least one Object or
 * External metric to support scaling to zero replicas").
 *
 * Defaults: minReplicas 1; no metrics → CPU Utilization 80 %; `behavior`, only when written, gets
 * every unset field per direction (scaleUp: window 0, Max, [Pods 4 / 15 s, Percent 100 / 15 s];
 * scaleDown: window unset, Max, [Percent 100 / 15 s]); a written policy list replaces the default.
 *
 * Stricter than Kubernetes, so that a spec which would only fail later in the controller (or
 * scale nothing here) is refused when applied:
 * - scaleTargetRef: only Deployment and StatefulSet (apps/v1); apiVersion required; name a
 *   DNS-1123 subdomain.
 * - Resource / ContainerResource metrics: cpu or memory only.
 * - a target sets exactly the field its `type` names, and the type must suit the source
 *   (Resource: Utilization | AverageValue; Pods: AverageValue; Object, External: Value | AverageValue).
 * - metric selectors are checked as label selectors (the controller would fail to convert them).
 * - unknown fields are refused (UNKNOWN_FIELD), so a typo does not pass silently.
 *
 * Quantities are stored as Kubernetes serves them back ("0.5" → "500m", "1024Mi" → "1Gi").
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { canonicalQuantity } from '../admission/quota';
import { CODES, detail, nearestName, type UserError } from '../validation/errors';
import { validateDns1123Label, validateDns1123Subdomain, validateLabelKey, validateLabelValue } from '../names';
import { fitsQuantityLimit, isNegative, isZero, parseQuantity, parseQuantityValue, QUANTITY_TOO_LARGE, toMilliCeil } from '../quantity';
import type {
  CrossVersionObjectReference,
  HpaBehavior,
  HpaSpec,
  MetricIdentifier,
  MetricSelector,
  MetricSpec,
  MetricTarget,
  MetricTargetType,
  ScalingPolicy,
  ScalingPolicyType,
  ScalingRules,
  SelectPolicy,
  Tolerances,
} from './types';

/** Kinds an HPA may target here, with the apiVersion each is served as. */
export const SCALABLE_TARGETS: Readonly<Record<string, string>> = Object.freeze({
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
});

/** Kubernetes' autoscaling.DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;
/** validation.MaxStabilizationWindowSeconds */
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** validation.MaxPeriodSeconds */
export const MAX_PERIOD_SECONDS = 1800;

const INT32_MAX = 2147483647;

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] as const;
type MetricSourceType = (typeof METRIC_SOURCE_TYPES)[number];
/** The member each metric type populates. */
const MEMBER_OF: Readonly<Record<MetricSourceType, string>> = {
  Resource: 'resource',
  ContainerResource: 'containerResource',
  Pods: 'pods',
  Object: 'object',
  External: 'external',
};
const MEMBERS = ['object', 'external', 'pods', 'resource', 'containerResource'];

const METRIC_RESOURCES = ['cpu', 'memory'];
const TARGET_TYPES: readonly MetricTargetType[] = ['Utilization', 'Value', 'AverageValue'];
/** The target field each target type sets. */
const TARGET_FIELD: Readonly<Record<MetricTargetType, 'averageUtilization' | 'value' | 'averageValue'>> = {
  Utilization: 'averageUtilization',
  Value: 'value',
  AverageValue: 'averageValue',
};
const TARGET_FIELDS = ['averageUtilization', 'value', 'averageValue'] as const;
/** Target types each source accepts (the controller reads no other). */
const TARGET_TYPES_BY_SOURCE: Readonly<Record<MetricSourceType, readonly MetricTargetType[]>> = {
  Resource: ['AverageValue', 'Utilization'],
  ContainerResource: ['AverageValue', 'Utilization'],
  Pods: ['AverageValue'],
  Object: ['AverageValue', 'Value'],
  External: ['AverageValue', 'Value'],
};

const SELECT_POLICIES: readonly SelectPolicy[] = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES: readonly ScalingPolicyType[] = ['Percent', 'Pods'];
const SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'] as const;

const FIELDS = {
  spec: ['scaleTargetRef', 'minReplicas', 'maxReplicas', 'metrics', 'behavior'],
  ref: ['apiVersion', 'kind', 'name'],
  metric: ['type', ...MEMBERS],
  resource: ['name', 'target'],
  containerResource: ['name', 'container', 'target'],
  pods: ['metric', 'target'],
  object: ['describedObject', 'metric', 'target'],
  external: ['metric', 'target'],
  identifier: ['name', 'selector'],
  selector: ['matchLabels', 'matchExpressions'],
  requirement: ['key', 'operator', 'values'],
  target: ['type', ...TARGET_FIELDS],
  behavior: ['scaleUp', 'scaleDown'],
  rules: ['stabilizationWindowSeconds', 'selectPolicy', 'policies', 'tolerance'],
  policy: ['type', 'value', 'periodSeconds'],
} as const;

const QUANTITY_HINT = 'must be a quantity such as "500m", "2", "100Mi" or "1Gi"';

function defaultScaleUp(): ScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

function defaultScaleDown(): ScalingRules {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

function defaultMetrics(): MetricSpec[] {
  return [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Absent, as Kubernetes decodes it: a missing key or an explicit null. */
function isBlank(v: unknown): boolean {
  return v === undefined || v === null;
}

/** "a" or "an" before one of the type names used here ("an AverageValue", "a Utilization", "an Object"). */
function article(word: string): string {
  return /^[AEIO]/.test(word) ? 'an' : 'a';
}

/** pathvalidation.IsValidPathSegmentName: what an object or metric name may not be. */
function pathSegmentProblems(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) out.push(`may not contain '${bad}'`);
  return out;
}

function kindHint(kind: string): string {
  switch (kind) {
    case 'ReplicaSet':
      return 'a ReplicaSet is managed by its Deployment here; scale the Deployment instead';
    case 'ReplicationController':
      return 'ReplicationControllers are not served here; use a Deployment';
    case 'Job':
    case 'CronJob':
      return 'Jobs and CronJobs run to completion and are not scalable';
    case 'Pod':
      return 'a Pod is not scalable; scale the Deployment or StatefulSet that runs it';
    default: {
      const near = nearestName(kind, Object.keys(SCALABLE_TARGETS));
      const hint = near && near !== kind ? ` (kinds are case-sensitive: did you mean "${near}"?)` : '';
      return `a HorizontalPodAutoscaler here scales Deployments and StatefulSets${hint}`;
    }
  }
}

/** Collects errors at absolute paths, with Kubernetes' field.Error wording (no path prefix). */
class Checker {
  readonly errors: UserError[] = [];

  count(): number {
    return this.errors.length;
  }

  required(path: string[], what = ''): void {
    this.errors.push({ field: path, code: CODES.required, message: detail.required(what) });
  }

  invalid(path: string[], value: unknown, why: string): void {
    this.errors.push({ field: path, code: CODES.invalid, message: detail.invalid(value, why) });
  }

  notSupported(path: string[], value: unknown, values: readonly string[], why = ''): void {
    this.errors.push({ field: path, code: CODES.notSupported, message: detail.notSupported(value, values, why) });
  }

  forbidden(path: string[], why: string): void {
    this.errors.push({ field: path, code: CODES.forbidden, message: detail.forbidden(why) });
  }

  /** Refuses keys of `raw` that are not in `known`. */
  fields(raw: Record<string, unknown>, path: string[], known: readonly string[]): void {
    for (const key of Object.keys(raw)) {
      if (known.includes(key)) continue;
      const near = nearestName(key, known);
      const hint = near ? ` (did you mean "${near}"?)` : `; known fields: ${[...known].sort().join(', ')}`;
      this.errors.push({ field: [...path, key], code: 'UNKNOWN_FIELD', message: `unknown field ${JSON.stringify(key)}${hint}` });
    }
  }

  /** A mapping; undefined (reported) when something else. Blank is the caller's business. */
  mapping(raw: unknown, path: string[], what: string): Record<string, unknown> | undefined {
    if (isPlainObject(raw)) return raw;
    this.invalid(path, raw, `must be a mapping${what ? ` ${what}` : ''}`);
    return undefined;
  }

  /** A string (blank is the caller's business): undefined (reported) otherwise. */
  string(raw: unknown, path: string[]): string | undefined {
    if (typeof raw === 'string') return raw;
    const quoted = typeof raw === 'number' || typeof raw === 'boolean' ? `; quote it in YAML: "${String(raw)}"` : '';
    this.invalid(path, raw, `must be a string${quoted}`);
    return undefined;
  }

  /** A required non-empty string: REQUIRED when blank or "", undefined (reported) when invalid. */
  requiredString(raw: unknown, path: string[], detail = ''): string | undefined {
    if (isBlank(raw) || raw === '') {
      this.required(path, detail);
      return undefined;
    }
    return this.string(raw, path);
  }

  /** An int32; undefined (reported) otherwise. */
  int(raw: unknown, path: string[]): number | undefined {
    if (typeof raw !== 'number' || !Number.isInteger(raw)) {
      this.invalid(path, raw, 'must be an integer');
      return undefined;
    }
    if (raw > INT32_MAX || raw < -INT32_MAX - 1) {
      this.invalid(path, raw, `must be a 32-bit integer (at most ${INT32_MAX})`);
      return undefined;
    }
    return raw;
  }

  /** A quantity, as Kubernetes stores it; undefined (reported) when not one. */
  quantity(raw: unknown, path: string[]): { text: string; negative: boolean; zero: boolean } | undefined {
    const q = parseQuantityValue(raw);
    const text = q ? canonicalQuantity(raw) : null;
    if (!q || text === null) {
      this.invalid(path, raw, QUANTITY_HINT);
      return undefined;
    }
    if (!fitsQuantityLimit(q)) {
      this.invalid(path, raw, QUANTITY_TOO_LARGE);
      return undefined;
    }
    return { text, negative: isNegative(q), zero: isZero(q) };
  }
}

// ───────────────────────────── the spec ─────────────────────────────

/**
 * Parses, validates and defaults a HorizontalPodAutoscaler's `spec` (autoscaling/v2). `path` is
 * the field path of the spec itself; errors carry paths below it, every problem at once. The
 * returned spec is defaulted and holds what was valid; it is meant to be used only when
 * `errors` is empty.
 */
export function parseHpaSpec(raw: unknown, path: string[]): { spec: HpaSpec; errors: UserError[] } {
  const c = new Checker();
  const spec: HpaSpec = {
    scaleTargetRef: { apiVersion: '', kind: '', name: '' },
    minReplicas: 1,
    maxReplicas: 0,
    metrics: [],
  };
  if (isBlank(raw)) {
    c.required(path, 'a HorizontalPodAutoscaler needs a spec with scaleTargetRef and maxReplicas');
    spec.metrics = defaultMetrics();
    return { spec, errors: c.errors };
  }
  const s = c.mapping(raw, path, 'with scaleTargetRef, minReplicas, maxReplicas, metrics and behavior');
  if (!s) {
    spec.metrics = defaultMetrics();
    return { spec, errors: c.errors };
  }
  c.fields(s, path, FIELDS.spec);

  const ref = scaleTargetRef(c, s.scaleTargetRef, [...path, 'scaleTargetRef']);
  if (ref) spec.scaleTargetRef = ref;

  // minReplicas: defaulted to 1; 0 allowed (HPAScaleToZero) with an Object or External metric.
  const minPath = [...path, 'minReplicas'];
  let minReplicas: number | undefined = 1;
  if (!isBlank(s.minReplicas)) {
    minReplicas = c.int(s.minReplicas, minPath);
    if (minReplicas !== undefined && minReplicas < 0) {
      c.invalid(minPath, minReplicas, 'must be greater than or equal to 0');
      minReplicas = undefined;
    }
  }
  if (minReplicas !== undefined) spec.minReplicas = minReplicas;

  const maxPath = [...path, 'maxReplicas'];
  if (isBlank(s.maxReplicas)) {
    c.required(maxPath, 'the largest number of replicas the autoscaler may set, e.g. 10');
  } else {
    const maxReplicas = c.int(s.maxReplicas, maxPath);
    if (maxReplicas !== undefined) {
      spec.maxReplicas = maxReplicas;
      if (maxReplicas < 1) c.invalid(maxPath, maxReplicas, 'must be greater than 0');
      if (minReplicas !== undefined && maxReplicas < minReplicas) {
        c.invalid(maxPath, maxReplicas, 'must be greater than or equal to `minReplicas`');
      }
    }
  }

  const metricsPath = [...path, 'metrics'];
  const written = metricList(c, s.metrics, metricsPath);
  spec.metrics = written.given ? written.metrics : defaultMetrics();
  if (minReplicas === 0 && !written.types.some((t) => t === 'Object' || t === 'External')) {
    c.forbidden(metricsPath, 'must specify at least one Object or External metric to support scaling to zero replicas');
  }

  if (!isBlank(s.behavior)) {
    const behavior = parseBehavior(c, s.behavior, [...path, 'behavior']);
    if (behavior) spec.behavior = behavior;
  }
  return { spec, errors: c.errors };
}

function scaleTargetRef(c: Checker, raw: unknown, path: string[]): CrossVersionObjectReference | undefined {
  if (isBlank(raw)) {
    c.required(path, 'the workload to scale, e.g. {apiVersion: apps/v1, kind: Deployment, name: web}');
    return undefined;
  }
  const r = c.mapping(raw, path, 'with apiVersion, kind and name');
  if (!r) return undefined;
  const before = c.count();
  c.fields(r, path, FIELDS.ref);

  const kindPath = [...path, 'kind'];
  const kind = c.requiredString(r.kind, kindPath);
  const wanted = kind !== undefined ? SCALABLE_TARGETS[kind] : undefined;
  if (kind !== undefined && wanted === undefined) c.notSupported(kindPath, kind, Object.keys(SCALABLE_TARGETS), kindHint(kind));

  const avPath = [...path, 'apiVersion'];
  const apiVersion = c.requiredString(r.apiVersion, avPath);
  if (apiVersion !== undefined && wanted !== undefined && apiVersion !== wanted) {
    c.notSupported(avPath, apiVersion, [wanted], `${kind} is served as "${wanted}"`);
  }

  const namePath = [...path, 'name'];
  const name = c.requiredString(r.name, namePath);
  if (name !== undefined) for (const p of validateDns1123Subdomain(name)) c.invalid(namePath, name, p);

  if (c.count() > before || kind === undefined || apiVersion === undefined || name === undefined) return undefined;
  return { apiVersion, kind, name };
}

/** A described object (Object metrics): any kind, as Kubernetes validates it, apiVersion required. */
function describedObject(c: Checker, raw: unknown, path: string[]): CrossVersionObjectReference | undefined {
  if (isBlank(raw)) {
    c.required(path, 'the object the metric describes, e.g. {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}');
    return undefined;
  }
  const r = c.mapping(raw, path, 'with apiVersion, kind and name');
  if (!r) return undefined;
  const before = c.count();
  c.fields(r, path, FIELDS.ref);
  const out: Partial<CrossVersionObjectReference> = {};
  for (const key of ['kind', 'name', 'apiVersion'] as const) {
    const p = [...path, key];
    const v = c.requiredString(r[key], p);
    if (v === undefined) continue;
    if (key !== 'apiVersion') for (const problem of pathSegmentProblems(v)) c.invalid(p, v, problem);
    out[key] = v;
  }
  if (c.count() > before) return undefined;
  return { apiVersion: out.apiVersion!, kind: out.kind!, name: out.name! };
}

// ───────────────────────────── metrics ─────────────────────────────

function metricList(c: Checker, raw: unknown, path: string[]): { given: boolean; metrics: MetricSpec[]; types: string[] } {
  const out = { given: false, metrics: [] as MetricSpec[], types: [] as string[] };
  if (isBlank(raw)) return out;
  if (!Array.isArray(raw)) {
    c.invalid(path, raw, 'must be a list of metrics');
    out.given = true;
    return out;
  }
  if (raw.length === 0) return out;
  out.given = true;
  raw.forEach((m, i) => {
    const p = [...path, String(i)];
    if (isPlainObject(m) && typeof m.type === 'string') out.types.push(m.type);
    const metric = metricSpec(c, m, p);
    if (metric) out.metrics.push(metric);
  });
  return out;
}

function metricSpec(c: Checker, raw: unknown, path: string[]): MetricSpec | undefined {
  const m = c.mapping(raw, path, 'with a type and its source, e.g. {type: Resource, resource: {...}}');
  if (!m) return undefined;
  const before = c.count();
  c.fields(m, path, FIELDS.metric);

  const typePath = [...path, 'type'];
  let type: MetricSourceType | undefined;
  const t = c.requiredString(m.type, typePath, 'must specify a metric source type');
  if (t !== undefined) {
    if ((METRIC_SOURCE_TYPES as readonly string[]).includes(t)) type = t as MetricSourceType;
    else c.notSupported(typePath, t, METRIC_SOURCE_TYPES);
  }

  const expected = type ? MEMBER_OF[type] : undefined;
  for (const member of MEMBERS) {
    if (member !== expected && !isBlank(m[member]) && type) c.forbidden([...path, member], 'must populate the given metric source only');
  }
  if (!type || !expected) return undefined;
  const memberPath = [...path, expected];
  const src = m[expected];
  if (isBlank(src)) {
    c.required(memberPath, 'must populate information for the given metric source');
    return undefined;
  }
  const body = c.mapping(src, memberPath, '');
  if (!body) return undefined;

  let metric: MetricSpec | undefined;
  switch (type) {
    case 'Resource': {
      c.fields(body, memberPath, FIELDS.resource);
      const name = resourceName(c, body.name, [...memberPath, 'name']);
      const target = metricTargetOf(c, body.target, [...memberPath, 'target'], type);
      if (name !== undefined && target) metric = { type, resource: { name, target } };
      break;
    }
    case 'ContainerResource': {
      c.fields(body, memberPath, FIELDS.containerResource);
      const name = resourceName(c, body.name, [...memberPath, 'name']);
      const cPath = [...memberPath, 'container'];
      const container = c.requiredString(body.container, cPath, 'must specify a container');
      if (container !== undefined) for (const p of validateDns1123Label(container)) c.invalid(cPath, container, p);
      const target = metricTargetOf(c, body.target, [...memberPath, 'target'], type);
      if (name !== undefined && container !== undefined && target) metric = { type, containerResource: { name, container, target } };
      break;
    }
    case 'Pods': {
      c.fields(body, memberPath, FIELDS.pods);
      const id = metricIdentifier(c, body.metric, [...memberPath, 'metric']);
      const target = metricTargetOf(c, body.target, [...memberPath, 'target'], type);
      if (id && target) metric = { type, pods: { metric: id, target } };
      break;
    }
    case 'Object': {
      c.fields(body, memberPath, FIELDS.object);
      const obj = describedObject(c, body.describedObject, [...memberPath, 'describedObject']);
      const id = metricIdentifier(c, body.metric, [...memberPath, 'metric']);
      const target = metricTargetOf(c, body.target, [...memberPath, 'target'], type);
      if (obj && id && target) metric = { type, object: { describedObject: obj, metric: id, target } };
      break;
    }
    case 'External': {
      c.fields(body, memberPath, FIELDS.external);
      const id = metricIdentifier(c, body.metric, [...memberPath, 'metric']);
      const target = metricTargetOf(c, body.target, [...memberPath, 'target'], type);
      if (id && target) metric = { type, external: { metric: id, target } };
      break;
    }
  }
  return c.count() > before ? undefined : metric;
}

function resourceName(c: Checker, raw: unknown, path: string[]): string | undefined {
  const name = c.requiredString(raw, path, 'must specify a resource name');
  if (name === undefined) return undefined;
  if (!METRIC_RESOURCES.includes(name)) {
    c.notSupported(
      path,
      name,
      METRIC_RESOURCES,
      'resource metrics here are the cpu and memory the pods use; scale on anything else with a Pods, Object or External metric',
    );
    return undefined;
  }
  return name;
}

function metricIdentifier(c: Checker, raw: unknown, path: string[]): MetricIdentifier | undefined {
  if (isBlank(raw)) {
    c.required([...path, 'name'], 'must specify a metric name');
    return undefined;
  }
  const m = c.mapping(raw, path, 'with a name and an optional selector');
  if (!m) return undefined;
  const before = c.count();
  c.fields(m, path, FIELDS.identifier);
  const namePath = [...path, 'name'];
  const name = c.requiredString(m.name, namePath, 'must specify a metric name');
  if (name !== undefined) for (const p of pathSegmentProblems(name)) c.invalid(namePath, name, p);
  const selector = isBlank(m.selector) ? undefined : metricSelector(c, m.selector, [...path, 'selector']);
  if (c.count() > before || name === undefined) return undefined;
  return selector ? { name, selector } : { name };
}

function metricSelector(c: Checker, raw: unknown, path: string[]): MetricSelector | undefined {
  const s = c.mapping(raw, path, 'with matchLabels and/or matchExpressions');
  if (!s) return undefined;
  const before = c.count();
  c.fields(s, path, FIELDS.selector);
  const out: MetricSelector = {};

  const mlPath = [...path, 'matchLabels'];
  if (!isBlank(s.matchLabels)) {
    const ml = c.mapping(s.matchLabels, mlPath, 'of label names to values');
    if (ml) {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(ml)) {
        const p = [...mlPath, k];
        for (const problem of validateLabelKey(k)) c.invalid(p, k, problem);
        const value = c.string(v, p);
        if (value === undefined) continue;
        for (const problem of validateLabelValue(value)) c.invalid(p, value, problem);
        labels[k] = value;
      }
      out.matchLabels = labels;
    }
  }

  const mePath = [...path, 'matchExpressions'];
  if (!isBlank(s.matchExpressions)) {
    if (!Array.isArray(s.matchExpressions)) {
      c.invalid(mePath, s.matchExpressions, 'must be a list of label selector requirements');
    } else {
      const exprs: NonNullable<MetricSelector['matchExpressions']> = [];
      s.matchExpressions.forEach((e, j) => {
        const ePath = [...mePath, String(j)];
        const r = c.mapping(e, ePath, 'with key, operator and values');
        if (!r) return;
        c.fields(r, ePath, FIELDS.requirement);
        const keyPath = [...ePath, 'key'];
        const key = c.requiredString(r.key, keyPath);
        if (key !== undefined) for (const p of validateLabelKey(key)) c.invalid(keyPath, key, p);
        const opPath = [...ePath, 'operator'];
        const opRaw = c.requiredString(r.operator, opPath);
        let operator: (typeof SELECTOR_OPERATORS)[number] | undefined;
        if (opRaw !== undefined) {
          if ((SELECTOR_OPERATORS as readonly string[]).includes(opRaw)) operator = opRaw as typeof operator;
          else c.notSupported(opPath, opRaw, SELECTOR_OPERATORS);
        }
        const vPath = [...ePath, 'values'];
        let values: string[] | undefined = [];
        if (!isBlank(r.values)) {
          if (!Array.isArray(r.values)) {
            c.invalid(vPath, r.values, 'must be a list of strings');
            values = undefined;
          } else {
            const list: string[] = [];
            r.values.forEach((v, i) => {
              const value = c.string(v, [...vPath, String(i)]);
              if (value === undefined) return;
              for (const p of validateLabelValue(value)) c.invalid([...vPath, String(i)], value, p);
              list.push(value);
            });
            values = list;
          }
        }
        if (operator && values) {
          if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
            c.required(vPath, "must be specified when `operator` is 'In' or 'NotIn'");
          }
          if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
            c.forbidden(vPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
          }
        }
        if (key !== undefined && operator && values) {
          exprs.push(isBlank(r.values) ? { key, operator } : { key, operator, values });
        }
      });
      out.matchExpressions = exprs;
    }
  }
  return c.count() > before ? undefined : out;
}

/** The Kubernetes message for a target that sets none of the fields its source reads. */
function missingTargetMessage(source: MetricSourceType): { field: (typeof TARGET_FIELDS)[number]; detail: string } {
  switch (source) {
    case 'Resource':
    case 'ContainerResource':
      return { field: 'averageUtilization', detail: 'must set either a target raw value or a target utilization' };
    case 'Pods':
      return { field: 'averageValue', detail: 'must specify a positive target averageValue' };
    case 'Object':
      return { field: 'averageValue', detail: 'must set either a target value or averageValue' };
    case 'External':
      return { field: 'averageValue', detail: 'must set either a target value for metric or a per-pod target' };
  }
}

function metricTargetOf(c: Checker, raw: unknown, path: string[], source: MetricSourceType): MetricTarget | undefined {
  if (isBlank(raw)) {
    c.required([...path, 'type'], 'must specify a metric target type');
    return undefined;
  }
  const t = c.mapping(raw, path, 'with a type and its value, e.g. {type: Utilization, averageUtilization: 80}');
  if (!t) return undefined;
  const before = c.count();
  c.fields(t, path, FIELDS.target);

  // validateMetricTarget: the type, and every value that is set.
  const typePath = [...path, 'type'];
  let type: MetricTargetType | undefined;
  const typeRaw = c.requiredString(t.type, typePath, 'must specify a metric target type');
  if (typeRaw !== undefined) {
    if (!(TARGET_TYPES as readonly string[]).includes(typeRaw)) {
      c.invalid(typePath, typeRaw, 'must be either Utilization, Value, or AverageValue');
    } else if (!TARGET_TYPES_BY_SOURCE[source].includes(typeRaw as MetricTargetType)) {
      const allowed = TARGET_TYPES_BY_SOURCE[source];
      const said = allowed.map((a) => `${article(a)} ${a}`).join(' or ');
      c.notSupported(typePath, typeRaw, allowed, `${article(source)} ${source} metric's target is ${said}`);
    } else {
      type = typeRaw as MetricTargetType;
    }
  }

  const out: MetricTarget = { type: type ?? 'Value' };
  const set = TARGET_FIELDS.filter((f) => !isBlank(t[f]));
  for (const f of set) {
    const p = [...path, f];
    if (f === 'averageUtilization') {
      const u = c.int(t[f], p);
      if (u !== undefined && u < 1) c.invalid(p, u, 'must be greater than 0');
      else if (u !== undefined) out.averageUtilization = u;
    } else {
      const q = c.quantity(t[f], p);
      if (q && (q.negative || q.zero)) c.invalid(p, t[f], 'must be positive');
      else if (q) out[f] = q.text;
    }
  }

  // The per-source rules, then: exactly the field the type names.
  const both = (a: (typeof TARGET_FIELDS)[number], b: (typeof TARGET_FIELDS)[number]) => set.includes(a) && set.includes(b);
  const handled = new Set<string>();
  if ((source === 'Resource' || source === 'ContainerResource') && both('averageUtilization', 'averageValue')) {
    c.forbidden([...path, 'averageValue'], 'may not set both a target raw value and a target utilization');
    handled.add('averageValue').add('averageUtilization');
  }
  if (source === 'External' && both('value', 'averageValue')) {
    c.forbidden([...path, 'value'], 'may not set both a target value for metric and a per-pod target');
    handled.add('value').add('averageValue');
  }
  const readable = TARGET_TYPES_BY_SOURCE[source].map((ty) => TARGET_FIELD[ty]);
  if (!set.some((f) => readable.includes(f))) {
    const m = missingTargetMessage(source);
    c.required([...path, m.field], m.detail);
  } else if (type) {
    const field = TARGET_FIELD[type];
    if (!set.includes(field) && !handled.has(field)) c.required([...path, field], `must be set when \`type\` is ${type}`);
    for (const f of set) {
      if (f !== field && !handled.has(f)) c.forbidden([...path, f], `may not be set when \`type\` is ${type}`);
    }
  }

  if (c.count() > before || !type) return undefined;
  switch (type) {
    case 'Utilization':
      return { type, averageUtilization: out.averageUtilization };
    case 'Value':
      return { type, value: out.value };
    case 'AverageValue':
      return { type, averageValue: out.averageValue };
  }
}

// ───────────────────────────── behavior ─────────────────────────────

function parseBehavior(c: Checker, raw: unknown, path: string[]): HpaBehavior | undefined {
  const b = c.mapping(raw, path, 'with scaleUp and/or scaleDown');
  if (!b) return undefined;
  const before = c.count();
  c.fields(b, path, FIELDS.behavior);
  const scaleUp = scalingRules(c, b.scaleUp, [...path, 'scaleUp'], defaultScaleUp());
  const scaleDown = scalingRules(c, b.scaleDown, [...path, 'scaleDown'], defaultScaleDown());
  if (c.count() > before || !scaleUp || !scaleDown) return undefined;
  return { scaleUp, scaleDown };
}

/** One direction: the written fields over the defaults (copyHPAScalingRules), then validated. */
function scalingRules(c: Checker, raw: unknown, path: string[], defaults: ScalingRules): ScalingRules | undefined {
  if (isBlank(raw)) return defaults;
  const r = c.mapping(raw, path, 'with stabilizationWindowSeconds, selectPolicy, policies and tolerance');
  if (!r) return undefined;
  const before = c.count();
  c.fields(r, path, FIELDS.rules);
  const out: ScalingRules = { ...defaults };

  const wPath = [...path, 'stabilizationWindowSeconds'];
  if (!isBlank(r.stabilizationWindowSeconds)) {
    const w = c.int(r.stabilizationWindowSeconds, wPath);
    if (w !== undefined) {
      if (w < 0) c.invalid(wPath, w, 'must be greater than or equal to zero');
      else if (w > MAX_STABILIZATION_WINDOW_SECONDS) c.invalid(wPath, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`);
      else out.stabilizationWindowSeconds = w;
    }
  }

  const spPath = [...path, 'selectPolicy'];
  if (!isBlank(r.selectPolicy)) {
    const sp = c.string(r.selectPolicy, spPath);
    if (sp !== undefined) {
      if ((SELECT_POLICIES as readonly string[]).includes(sp)) out.selectPolicy = sp as SelectPolicy;
      else c.notSupported(spPath, sp, SELECT_POLICIES);
    }
  }

  const pPath = [...path, 'policies'];
  if (!isBlank(r.policies)) {
    if (!Array.isArray(r.policies)) {
      c.invalid(pPath, r.policies, 'must be a list of policies, e.g. [{type: Pods, value: 4, periodSeconds: 60}]');
    } else if (r.policies.length === 0) {
      c.required(pPath, 'must specify at least one Policy');
    } else {
      const policies: ScalingPolicy[] = [];
      r.policies.forEach((p, i) => {
        const policy = scalingPolicy(c, p, [...pPath, String(i)]);
        if (policy) policies.push(policy);
      });
      out.policies = policies;
    }
  }

  const tPath = [...path, 'tolerance'];
  if (!isBlank(r.tolerance)) {
    const q = c.quantity(r.tolerance, tPath);
    if (q && q.negative) c.invalid(tPath, r.tolerance, 'must be greater than or equal to 0');
    else if (q) out.tolerance = q.text;
  }
  return c.count() > before ? undefined : out;
}

function scalingPolicy(c: Checker, raw: unknown, path: string[]): ScalingPolicy | undefined {
  const p = c.mapping(raw, path, 'with type, value and periodSeconds');
  if (!p) return undefined;
  const before = c.count();
  c.fields(p, path, FIELDS.policy);

  const typePath = [...path, 'type'];
  let type: ScalingPolicyType | undefined;
  const t = c.requiredString(p.type, typePath);
  if (t !== undefined) {
    if ((POLICY_TYPES as readonly string[]).includes(t)) type = t as ScalingPolicyType;
    else c.notSupported(typePath, t, POLICY_TYPES);
  }

  const vPath = [...path, 'value'];
  let value: number | undefined;
  if (isBlank(p.value)) c.required(vPath);
  else {
    value = c.int(p.value, vPath);
    if (value !== undefined && value <= 0) c.invalid(vPath, value, 'must be greater than zero');
  }

  const psPath = [...path, 'periodSeconds'];
  let periodSeconds: number | undefined;
  if (isBlank(p.periodSeconds)) c.required(psPath);
  else {
    periodSeconds = c.int(p.periodSeconds, psPath);
    if (periodSeconds !== undefined && periodSeconds <= 0) c.invalid(psPath, periodSeconds, 'must be greater than zero');
    if (periodSeconds !== undefined && periodSeconds > MAX_PERIOD_SECONDS) {
      c.invalid(psPath, periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`);
    }
  }

  if (c.count() > before || !type || value === undefined || periodSeconds === undefined) return undefined;
  return { type, value, periodSeconds };
}

// ───────────────────────────── for the core ─────────────────────────────

/** Milli-value of a quantity string, as Kubernetes' Quantity.MilliValue() (rounded up). Throws on text that is not a quantity. */
export function quantityMilli(q: string): bigint {
  const parsed = parseQuantity(q);
  if (!parsed) throw new RangeError(`not a quantity: ${JSON.stringify(q)}`);
  return toMilliCeil(parsed);
}

/** The metric's target as the core needs it. */
export function metricTarget(m: MetricSpec): MetricTarget {
  switch (m.type) {
    case 'Resource':
      return m.resource.target;
    case 'ContainerResource':
      return m.containerResource.target;
    case 'Pods':
      return m.pods.target;
    case 'Object':
      return m.object.target;
    case 'External':
      return m.external.target;
  }
}

/** Quantity.AsApproximateFloat64 of a quantity string. */
function approximateFloat(text: string): number {
  const q = parseQuantity(text);
  if (!q) throw new RangeError(`not a quantity: ${JSON.stringify(text)}`);
  return Number(q.num) / Number(q.den);
}

/**
 * Tolerances for this HPA: behavior.scaleUp / scaleDown.tolerance (the quantity as a float) where
 * set, else the controller's `defaultTolerance` (--horizontal-pod-autoscaler-tolerance).
 */
export function tolerancesOf(spec: HpaSpec, defaultTolerance: number): Tolerances {
  const up = spec.behavior?.scaleUp.tolerance;
  const down = spec.behavior?.scaleDown.tolerance;
  return {
    up: up !== undefined ? approximateFloat(up) : defaultTolerance,
    down: down !== undefined ? approximateFloat(down) : defaultTolerance,
  };
}

/** A metric selector as Go's %+v prints a *metav1.LabelSelector ("nil" when unset). */
export function formatMetricSelector(sel: MetricSelector | undefined): string {
  if (!sel) return 'nil';
  const labels = sel.matchLabels ?? {};
  const keys = Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ml = keys.map((k) => `${k}: ${labels[k]},`).join('');
  const me = (sel.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${ml}},MatchExpressions:[]LabelSelectorRequirement{${me}},}`;
}

/**
 * A metric's name as the HPA controller prints it in events and conditions ("New size: 3;
 * reason: <this> above target"), from horizontal.go:
 * - Resource / ContainerResource Utilization: "cpu resource utilization (percentage of request)",
 *   "cpu container resource utilization (percentage of request)"; AverageValue: "cpu resource" (both);
 * - Pods: "pods metric <name>";
 * - Object Value: "<Kind> metric <name>" (the described object's kind, as written);
 * - Object AverageValue and External: "external metric <name>(<selector>)" — upstream prints the
 *   external form for Object AverageValue too, and so does this.
 */
export function metricDescription(m: MetricSpec): string {
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const src = m.type === 'Resource' ? m.resource : m.containerResource;
      if (src.target.type !== 'Utilization') return `${src.name} resource`;
      return m.type === 'Resource'
        ? `${src.name} resource utilization (percentage of request)`
        : `${src.name} container resource utilization (percentage of request)`;
    }
    case 'Pods':
      return `pods metric ${m.pods.metric.name}`;
    case 'Object':
      if (m.object.target.type === 'Value') return `${m.object.describedObject.kind} metric ${m.object.metric.name}`;
      return `external metric ${m.object.metric.name}(${formatMetricSelector(m.object.metric.selector)})`;
    case 'External':
      return `external metric ${m.external.metric.name}(${formatMetricSelector(m.external.metric.selector)})`;
  }
}
