/**
 * A pod's scheduling spec: what the scheduler (./scheduler) needs to know about a pod, read from
 * its stored PodSpec and annotations, and the validation of those fields as the Kubernetes API
 * server does it (core/v1 ValidatePodSpec: nodeSelector, affinity, tolerations,
 * topologySpreadConstraints, priorityClassName, preemptionPolicy), plus the Tencent EKS
 * `spot-pod` annotation.
 *
 * Admission: every host is a virtual "eklet" node tainted `eks.tke.cloud.tencent.com/eklet:NoSchedule`,
 * so every pod gets the matching toleration; pods that ask for GPUs also tolerate
 * `nvidia.com/gpu:NoSchedule`, the taint of GPU hosts (Kubernetes' ExtendedResourceToleration
 * admission plugin). A toleration the user already wrote is not added twice.
 *
 * Errors carry a field path relative to the pod (`['spec', 'affinity', ...]`,
 * `['metadata', 'annotations', key]`) and the detail part of a kubectl-style message
 * (`Unsupported value: "Foo": supported values: ...`); callers prefix the rendered path, as for
 * sizing errors (see manifest.ts).
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { validateDns1123Label, validateDns1123Subdomain, validateLabelKey, validateLabelValue } from './names';
import { SPOT_ANNOTATION, sizePod, type PodSpecLike } from './sizing';
import { formatFieldPath, renderValue, type FieldError } from './validation/errors';
import {
  TAINT_EKLET,
  TAINT_GPU,
  type LabelSelector,
  type LabelSelectorOperator,
  type NodeSelectorOperator,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type PlacementOption,
  type PodAffinityTerm,
  type PreferredSchedulingTerm,
  type SchedulingPod,
  type TaintEffect,
  type Toleration,
  type TopologySpreadConstraint,
  type WeightedPodAffinityTerm,
} from './scheduler/types';

/** A scheduling-field problem (the validation kit's FieldError). */
export type SchedulingError = FieldError;

export interface PodSchedulingInput {
  uid: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** A stored PodSpec. */
  spec: unknown;
  /** Resolved from the PriorityClass (0 without one). */
  priority: number;
  /** Resolved from the PriorityClass (it wins over the pod's own field, as Kubernetes' Priority admission does). */
  preemptionPolicy: 'PreemptLowerPriority' | 'Never';
  ownerKey: string | null;
  nominatedHost: string | null;
}

export type SchedulingPodResult = { ok: true; pod: SchedulingPod } | { ok: false; errors: SchedulingError[] };

/** The toleration of the taint every host carries. */
export const EKLET_TOLERATION: Readonly<Toleration> = Object.freeze({ key: TAINT_EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' });
/** The toleration of GPU hosts' taint, for pods that ask for GPUs (ExtendedResourceToleration). */
export const GPU_TOLERATION: Readonly<Toleration> = Object.freeze({ key: TAINT_GPU, operator: 'Exists', value: '', effect: 'NoSchedule' });

/** What admission adds to the user's tolerations: `every` pod, and pods whose options ask for a `gpu`. */
export const ADMISSION_TOLERATIONS: Readonly<{ every: readonly Readonly<Toleration>[]; gpu: readonly Readonly<Toleration>[] }> = Object.freeze({
  every: Object.freeze([EKLET_TOLERATION]),
  gpu: Object.freeze([GPU_TOLERATION]),
});

/** The user's tolerations followed by the admission ones they do not already have. */
export function withAdmissionTolerations(user: readonly Toleration[], options: readonly PlacementOption[]): Toleration[] {
  const out = user.map((t) => ({ ...t }));
  const added = [...ADMISSION_TOLERATIONS.every, ...(options.some((o) => o.gpuMilli > 0) ? ADMISSION_TOLERATIONS.gpu : [])];
  for (const t of added) {
    const same = out.some((u) => u.key === t.key && u.operator === t.operator && u.value === t.value && u.effect === t.effect);
    if (!same) out.push({ ...t });
  }
  return out;
}

/**
 * Validates the scheduling fields of a raw pod spec and the pod's raw annotations (the
 * spot-pod annotation; the sizing annotations are sizePod's). Field paths are relative to the pod.
 */
export function validateSchedulingFields(rawSpec: unknown, rawAnnotations: unknown): SchedulingError[] {
  return readScheduling(rawSpec, rawAnnotations).errors;
}

/**
 * The scheduler's view of a pod, or every problem found in its spec and annotations. Error
 * messages here are whole (`spec.tolerations[0].effect: Unsupported value: ...`): callers show
 * them as they are.
 */
export function schedulingPodOf(input: PodSchedulingInput): SchedulingPodResult {
  const read = readScheduling(input.spec, input.annotations);
  const sizing = isPlainObject(input.spec) ? sizePod(input.spec as PodSpecLike, input.annotations) : null;
  const errors = [...read.errors, ...(sizing && !sizing.ok ? sizing.errors : [])].map((e) => ({
    ...e,
    message: `${formatFieldPath(e.field)}: ${e.message}`,
  }));
  if (errors.length > 0 || !sizing || !sizing.ok) return { ok: false, errors };
  const s = read.fields;
  return {
    ok: true,
    pod: {
      uid: input.uid,
      namespace: input.namespace,
      name: input.name,
      labels: { ...input.labels },
      priority: input.priority,
      preemptionPolicy: input.preemptionPolicy,
      options: sizing.options,
      pool: s.spot ? 'spot' : 'regular',
      nodeSelector: s.nodeSelector,
      requiredNodeAffinity: s.requiredNodeAffinity,
      preferredNodeAffinity: s.preferredNodeAffinity,
      tolerations: withAdmissionTolerations(s.tolerations, sizing.options),
      topologySpreadConstraints: s.topologySpreadConstraints,
      requiredPodAffinity: s.requiredPodAffinity,
      requiredPodAntiAffinity: s.requiredPodAntiAffinity,
      preferredPodAffinity: s.preferredPodAffinity,
      preferredPodAntiAffinity: s.preferredPodAntiAffinity,
      ownerKey: input.ownerKey,
      nominatedHost: input.nominatedHost,
    },
  };
}

/**
 * The required anti-affinity terms of a stored pod's `spec.affinity.podAntiAffinity` (placed
 * pods repel matching incoming pods). Stored specs were validated on admission; a term that does
 * not read is left out rather than failing the caller.
 */
export function requiredAntiAffinityOf(rawPodAntiAffinity: unknown): PodAffinityTerm[] {
  if (!isPlainObject(rawPodAntiAffinity)) return [];
  const path = ['spec', 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'];
  return new Reader().podAffinityTerms(rawPodAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, path);
}

// ---------------------------------------------------------------------------------------------

interface SchedulingFields {
  spot: boolean;
  nodeSelector: Record<string, string>;
  requiredNodeAffinity: NodeSelectorTerm[] | null;
  preferredNodeAffinity: PreferredSchedulingTerm[];
  /** As the user wrote them (normalized), without the admission ones. */
  tolerations: Toleration[];
  topologySpreadConstraints: TopologySpreadConstraint[];
  requiredPodAffinity: PodAffinityTerm[];
  requiredPodAntiAffinity: PodAffinityTerm[];
  preferredPodAffinity: WeightedPodAffinityTerm[];
  preferredPodAntiAffinity: WeightedPodAffinityTerm[];
}

type Path = string[];

const NODE_SELECTOR_OPERATORS: readonly NodeSelectorOperator[] = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'];
const LABEL_SELECTOR_OPERATORS: readonly LabelSelectorOperator[] = ['DoesNotExist', 'Exists', 'In', 'NotIn'];
const FIELD_SELECTOR_OPERATORS = ['In', 'NotIn'] as const;
const FIELD_SELECTOR_KEYS = ['metadata.name'];
const TOLERATION_OPERATORS = ['Equal', 'Exists'] as const;
const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'] as const;
const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'] as const;
const NODE_INCLUSION_POLICIES = ['Honor', 'Ignore'] as const;
const INTEGER_RE = /^[+-]?\d+$/;
const INT32_MAX = 2147483647;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isAbsent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

function supported(values: readonly string[]): string {
  return values.map((s) => JSON.stringify(s)).join(', ');
}


function readScheduling(rawSpec: unknown, rawAnnotations: unknown): { errors: SchedulingError[]; fields: SchedulingFields } {
  const r = new Reader();
  const fields = r.read(rawSpec, rawAnnotations);
  return { errors: r.errors, fields };
}

class Reader {
  readonly errors: SchedulingError[] = [];

  private add(path: Path, code: string, message: string): void {
    this.errors.push({ field: path, code, message });
  }

  private invalid(path: Path, value: unknown, detail: string): void {
    this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(value)}: ${detail}`);
  }

  private notSupported(path: Path, value: unknown, values: readonly string[]): void {
    this.add(path, 'UNSUPPORTED_VALUE', `Unsupported value: ${renderValue(value)}: supported values: ${supported(values)}`);
  }

  private unsupportedField(path: Path, detail: string): void {
    this.add(path, 'UNSUPPORTED_FIELD', `Forbidden: ${detail}`);
  }

  read(rawSpec: unknown, rawAnnotations: unknown): SchedulingFields {
    const fields: SchedulingFields = {
      spot: this.spot(rawAnnotations),
      nodeSelector: {},
      requiredNodeAffinity: null,
      preferredNodeAffinity: [],
      tolerations: [],
      topologySpreadConstraints: [],
      requiredPodAffinity: [],
      requiredPodAntiAffinity: [],
      preferredPodAffinity: [],
      preferredPodAntiAffinity: [],
    };
    if (!isPlainObject(rawSpec)) {
      this.invalid(['spec'], rawSpec, 'must be a mapping');
      return fields;
    }
    const spec = ['spec'];
    fields.nodeSelector = this.nodeSelector(rawSpec.nodeSelector, [...spec, 'nodeSelector']);
    this.affinity(rawSpec.affinity, [...spec, 'affinity'], fields);
    fields.tolerations = this.tolerations(rawSpec.tolerations, [...spec, 'tolerations']);
    fields.topologySpreadConstraints = this.spreadConstraints(rawSpec.topologySpreadConstraints, [...spec, 'topologySpreadConstraints']);
    this.priority(rawSpec, spec);
    return fields;
  }

  // -------------------------------------------------------------------------------------------
  // shapes

  /** An optional mapping: null when absent, undefined (reported) when not a mapping. */
  private mapping(raw: unknown, path: Path): Record<string, unknown> | null | undefined {
    if (isAbsent(raw)) return null;
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping');
      return undefined;
    }
    return raw;
  }

  /** An optional list: [] when absent, undefined (reported) when not a list. */
  private list(raw: unknown, path: Path, what: string): unknown[] | undefined {
    if (isAbsent(raw)) return [];
    if (!Array.isArray(raw)) {
      this.invalid(path, raw, `must be a list of ${what}`);
      return undefined;
    }
    return raw;
  }

  /** An optional string: '' when absent, undefined (reported) when not a string. */
  private str(raw: unknown, path: Path): string | undefined {
    if (isAbsent(raw)) return '';
    return this.requiredString(raw, path);
  }

  /** A string (absent is not one): undefined (reported) otherwise. */
  private requiredString(raw: unknown, path: Path): string | undefined {
    if (typeof raw === 'string') return raw;
    const quoted = typeof raw === 'number' || typeof raw === 'boolean' ? `; quote it in YAML: "${String(raw)}"` : '';
    this.invalid(path, raw, `must be a string${quoted}`);
    return undefined;
  }

  /** A list of strings: [] when absent, undefined (reported) when not a list of strings. */
  private strings(raw: unknown, path: Path): string[] | undefined {
    const list = this.list(raw, path, 'strings');
    if (!list) return undefined;
    const out: string[] = [];
    list.forEach((v, i) => {
      const s = this.requiredString(v, [...path, String(i)]);
      if (s !== undefined) out.push(s);
    });
    return out.length === list.length ? out : undefined;
  }

  /** An optional integer: null when absent, undefined (reported) when not an integer. */
  private int(raw: unknown, path: Path): number | null | undefined {
    if (isAbsent(raw)) return null;
    if (typeof raw !== 'number' || !Number.isInteger(raw)) {
      this.invalid(path, raw, 'must be an integer');
      return undefined;
    }
    return raw;
  }

  /** A weight of a preferred term: 1..100. */
  private weight(raw: unknown, path: Path): number | undefined {
    const w = this.int(raw, path);
    if (w === undefined) return undefined;
    if (w === null || w < 1 || w > 100) {
      this.invalid(path, w ?? 0, 'must be in the range 1-100');
      return undefined;
    }
    return w;
  }

  /** A label key (qualified name); '' reports "name part must be non-empty", as Kubernetes does. */
  private labelKey(raw: unknown, path: Path): string | undefined {
    const key = this.str(raw, path);
    if (key === undefined) return undefined;
    const problems = validateLabelKey(key);
    for (const p of problems) this.invalid(path, key, p);
    return problems.length > 0 ? undefined : key;
  }

  /** A map of label keys to label values (nodeSelector, matchLabels). */
  private labelMap(raw: unknown, path: Path): Record<string, string> | undefined {
    if (isAbsent(raw)) return {};
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping of strings to strings');
      return undefined;
    }
    let ok = true;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      const value = this.requiredString(v, [...path, k]);
      if (value === undefined) {
        ok = false;
        continue;
      }
      const problems = [...validateLabelKey(k).map((p) => [k, p]), ...validateLabelValue(value).map((p) => [value, p])];
      for (const [shown, p] of problems) this.invalid([...path, k], shown, p);
      if (problems.length > 0) ok = false;
      else out[k] = value;
    }
    return ok ? out : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // annotations, nodeSelector, priority

  private spot(rawAnnotations: unknown): boolean {
    if (!isPlainObject(rawAnnotations) || !Object.prototype.hasOwnProperty.call(rawAnnotations, SPOT_ANNOTATION)) return false;
    const raw = rawAnnotations[SPOT_ANNOTATION];
    if (raw === 'true') return true;
    if (raw !== 'false') {
      this.add(['metadata', 'annotations', SPOT_ANNOTATION], 'INVALID_ANNOTATION', `Invalid value: ${renderValue(raw)}: must be "true" or "false"`);
    }
    return false;
  }

  private nodeSelector(raw: unknown, path: Path): Record<string, string> {
    return this.labelMap(raw, path) ?? {};
  }

  private priority(spec: Record<string, unknown>, path: Path): void {
    const pcPath = [...path, 'priorityClassName'];
    const name = this.str(spec.priorityClassName, pcPath);
    if (name) for (const p of validateDns1123Subdomain(name)) this.invalid(pcPath, name, p);
    const ppPath = [...path, 'preemptionPolicy'];
    const policy = spec.preemptionPolicy;
    if (!isAbsent(policy) && !(PREEMPTION_POLICIES as readonly unknown[]).includes(policy)) this.notSupported(ppPath, policy, PREEMPTION_POLICIES);
  }

  // -------------------------------------------------------------------------------------------
  // affinity

  private affinity(raw: unknown, path: Path, fields: SchedulingFields): void {
    const affinity = this.mapping(raw, path);
    if (!affinity) return;

    const naPath = [...path, 'nodeAffinity'];
    const na = this.mapping(affinity.nodeAffinity, naPath);
    if (na) {
      const reqPath = [...naPath, 'requiredDuringSchedulingIgnoredDuringExecution'];
      const req = this.mapping(na.requiredDuringSchedulingIgnoredDuringExecution, reqPath);
      if (req) fields.requiredNodeAffinity = this.nodeSelectorTerms(req.nodeSelectorTerms, [...reqPath, 'nodeSelectorTerms']);
      fields.preferredNodeAffinity = this.preferredNodeTerms(
        na.preferredDuringSchedulingIgnoredDuringExecution,
        [...naPath, 'preferredDuringSchedulingIgnoredDuringExecution'],
      );
    }

    for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
      const pPath = [...path, kind];
      const pa = this.mapping(affinity[kind], pPath);
      if (!pa) continue;
      const required = this.podAffinityTerms(pa.requiredDuringSchedulingIgnoredDuringExecution, [...pPath, 'requiredDuringSchedulingIgnoredDuringExecution']);
      const preferred = this.weightedPodAffinityTerms(
        pa.preferredDuringSchedulingIgnoredDuringExecution,
        [...pPath, 'preferredDuringSchedulingIgnoredDuringExecution'],
      );
      if (kind === 'podAffinity') {
        fields.requiredPodAffinity = required;
        fields.preferredPodAffinity = preferred;
      } else {
        fields.requiredPodAntiAffinity = required;
        fields.preferredPodAntiAffinity = preferred;
      }
    }
  }

  private nodeSelectorTerms(raw: unknown, path: Path): NodeSelectorTerm[] | null {
    if (isAbsent(raw) || (Array.isArray(raw) && raw.length === 0)) {
      this.add(path, 'REQUIRED', 'Required value: must have at least one node selector term');
      return null;
    }
    const list = this.list(raw, path, 'node selector terms');
    if (!list) return null;
    const out: NodeSelectorTerm[] = [];
    list.forEach((t, i) => {
      const term = this.nodeSelectorTerm(t, [...path, String(i)]);
      if (term) out.push(term);
    });
    return out;
  }

  private preferredNodeTerms(raw: unknown, path: Path): PreferredSchedulingTerm[] {
    const out: PreferredSchedulingTerm[] = [];
    this.list(raw, path, 'preferred scheduling terms')?.forEach((t, i) => {
      const tPath = [...path, String(i)];
      if (!isPlainObject(t)) {
        this.invalid(tPath, t, 'must be a mapping with weight and preference');
        return;
      }
      const weight = this.weight(t.weight, [...tPath, 'weight']);
      // preference is a struct in the API: absent, it is the empty term.
      const preference = this.nodeSelectorTerm(t.preference ?? {}, [...tPath, 'preference']);
      if (weight !== undefined && preference) out.push({ weight, preference });
    });
    return out;
  }

  private nodeSelectorTerm(raw: unknown, path: Path): NodeSelectorTerm | undefined {
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping with matchExpressions and/or matchFields');
      return undefined;
    }
    const before = this.errors.length;
    const matchExpressions: NodeSelectorRequirement[] = [];
    const matchFields: NodeSelectorRequirement[] = [];
    const exPath = [...path, 'matchExpressions'];
    this.list(raw.matchExpressions, exPath, 'node selector requirements')?.forEach((e, j) => {
      const req = this.nodeSelectorRequirement(e, [...exPath, String(j)]);
      if (req) matchExpressions.push(req);
    });
    const fPath = [...path, 'matchFields'];
    this.list(raw.matchFields, fPath, 'node selector requirements')?.forEach((e, j) => {
      const req = this.nodeFieldRequirement(e, [...fPath, String(j)]);
      if (req) matchFields.push(req);
    });
    return this.errors.length > before ? undefined : { matchExpressions, matchFields };
  }

  /** A required operator: REQUIRED when blank, UNSUPPORTED_VALUE when not one of `values`. */
  private operator<T extends string>(raw: unknown, path: Path, values: readonly T[]): T | undefined {
    if (isAbsent(raw) || raw === '') {
      this.add(path, 'REQUIRED', `Required value: supported values: ${supported(values)}`);
      return undefined;
    }
    if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) {
      this.notSupported(path, raw, values);
      return undefined;
    }
    return raw as T;
  }

  private nodeSelectorRequirement(raw: unknown, path: Path): NodeSelectorRequirement | undefined {
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping with key, operator and values');
      return undefined;
    }
    const before = this.errors.length;
    const operator = this.operator(raw.operator, [...path, 'operator'], NODE_SELECTOR_OPERATORS);
    const vPath = [...path, 'values'];
    const values = this.strings(raw.values, vPath);
    if (operator && values) {
      switch (operator) {
        case 'In':
        case 'NotIn':
          if (values.length === 0) this.add(vPath, 'REQUIRED', "Required value: must be specified when `operator` is 'In' or 'NotIn'");
          break;
        case 'Exists':
        case 'DoesNotExist':
          if (values.length > 0) this.add(vPath, 'FORBIDDEN', "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
          break;
        case 'Gt':
        case 'Lt':
          if (values.length !== 1) this.add(vPath, 'REQUIRED', "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'");
          else if (!INTEGER_RE.test(values[0])) this.invalid([...vPath, '0'], values[0], "must be an integer when `operator` is 'Lt' or 'Gt'");
          break;
      }
    }
    const key = this.labelKey(raw.key, [...path, 'key']);
    if (this.errors.length > before || !operator || !values || key === undefined) return undefined;
    return { key, operator, values };
  }

  private nodeFieldRequirement(raw: unknown, path: Path): NodeSelectorRequirement | undefined {
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping with key, operator and values');
      return undefined;
    }
    const before = this.errors.length;
    const operator = this.operator(raw.operator, [...path, 'operator'], FIELD_SELECTOR_OPERATORS);
    const vPath = [...path, 'values'];
    const values = this.strings(raw.values, vPath);
    if (operator && values && values.length !== 1) {
      this.add(vPath, 'REQUIRED', "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
    }
    const kPath = [...path, 'key'];
    const key = this.str(raw.key, kPath);
    if (key !== undefined && !FIELD_SELECTOR_KEYS.includes(key)) {
      this.invalid(kPath, key, `not a valid field selector key; supported keys: ${supported(FIELD_SELECTOR_KEYS)}`);
    } else if (values) {
      values.forEach((v, i) => {
        for (const p of validateDns1123Subdomain(v)) this.invalid([...vPath, String(i)], v, p);
      });
    }
    if (this.errors.length > before || !operator || !values || key === undefined) return undefined;
    return { key, operator, values };
  }

  podAffinityTerms(raw: unknown, path: Path): PodAffinityTerm[] {
    const out: PodAffinityTerm[] = [];
    this.list(raw, path, 'pod affinity terms')?.forEach((t, i) => {
      const term = this.podAffinityTerm(t, [...path, String(i)]);
      if (term) out.push(term);
    });
    return out;
  }

  private weightedPodAffinityTerms(raw: unknown, path: Path): WeightedPodAffinityTerm[] {
    const out: WeightedPodAffinityTerm[] = [];
    this.list(raw, path, 'weighted pod affinity terms')?.forEach((t, i) => {
      const tPath = [...path, String(i)];
      if (!isPlainObject(t)) {
        this.invalid(tPath, t, 'must be a mapping with weight and podAffinityTerm');
        return;
      }
      const weight = this.weight(t.weight, [...tPath, 'weight']);
      // podAffinityTerm is a struct in the API: absent, it is the empty term (and misses its topologyKey).
      const podAffinityTerm = this.podAffinityTerm(t.podAffinityTerm ?? {}, [...tPath, 'podAffinityTerm']);
      if (weight !== undefined && podAffinityTerm) out.push({ weight, podAffinityTerm });
    });
    return out;
  }

  private podAffinityTerm(raw: unknown, path: Path): PodAffinityTerm | undefined {
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping with labelSelector, namespaces and topologyKey');
      return undefined;
    }
    const before = this.errors.length;
    const labelSelector = this.labelSelector(raw.labelSelector, [...path, 'labelSelector']);
    const nsPath = [...path, 'namespaces'];
    const namespaces = this.strings(raw.namespaces, nsPath);
    namespaces?.forEach((ns, i) => {
      for (const p of validateDns1123Label(ns)) this.invalid([...nsPath, String(i)], ns, p);
    });
    if (!isAbsent(raw.namespaceSelector)) {
      this.unsupportedField([...path, 'namespaceSelector'], 'namespaceSelector is not supported yet; list the namespaces in `namespaces`');
    }
    for (const field of ['matchLabelKeys', 'mismatchLabelKeys']) {
      if (!isAbsent(raw[field]) && !(Array.isArray(raw[field]) && (raw[field] as unknown[]).length === 0)) {
        this.unsupportedField([...path, field], `${field} is not supported yet`);
      }
    }
    const tkPath = [...path, 'topologyKey'];
    let topologyKey: string | undefined;
    if (isAbsent(raw.topologyKey) || raw.topologyKey === '') this.add(tkPath, 'REQUIRED', 'Required value: can not be empty');
    else topologyKey = this.labelKey(raw.topologyKey, tkPath);
    if (this.errors.length > before || labelSelector === undefined || !namespaces || topologyKey === undefined) return undefined;
    return { labelSelector, namespaces, topologyKey };
  }

  /** A label selector: null when absent (selects nothing), undefined when invalid (reported). */
  private labelSelector(raw: unknown, path: Path): LabelSelector | null | undefined {
    const sel = this.mapping(raw, path);
    if (sel === null) return null;
    if (!sel) return undefined;
    const before = this.errors.length;
    const matchLabels = this.labelMap(sel.matchLabels, [...path, 'matchLabels']);
    const matchExpressions: LabelSelector['matchExpressions'] = [];
    const exPath = [...path, 'matchExpressions'];
    this.list(sel.matchExpressions, exPath, 'label selector requirements')?.forEach((e, j) => {
      const ePath = [...exPath, String(j)];
      if (!isPlainObject(e)) {
        this.invalid(ePath, e, 'must be a mapping with key, operator and values');
        return;
      }
      const operator = this.operator(e.operator, [...ePath, 'operator'], LABEL_SELECTOR_OPERATORS);
      const vPath = [...ePath, 'values'];
      const values = this.strings(e.values, vPath);
      if (operator && values) {
        if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
          this.add(vPath, 'REQUIRED', "Required value: must be specified when `operator` is 'In' or 'NotIn'");
        }
        if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
          this.add(vPath, 'FORBIDDEN', "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        }
      }
      const key = this.labelKey(e.key, [...ePath, 'key']);
      values?.forEach((v, i) => {
        for (const p of validateLabelValue(v)) this.invalid([...vPath, String(i)], v, p);
      });
      if (operator && values && key !== undefined) matchExpressions.push({ key, operator, values });
    });
    if (this.errors.length > before || !matchLabels) return undefined;
    return { matchLabels, matchExpressions };
  }

  // -------------------------------------------------------------------------------------------
  // tolerations

  private tolerations(raw: unknown, path: Path): Toleration[] {
    const out: Toleration[] = [];
    this.list(raw, path, 'tolerations')?.forEach((t, i) => {
      const tol = this.toleration(t, [...path, String(i)]);
      if (tol) out.push(tol);
    });
    return out;
  }

  private toleration(raw: unknown, path: Path): Toleration | undefined {
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping with key, operator, value and effect');
      return undefined;
    }
    const before = this.errors.length;
    const key = this.str(raw.key, [...path, 'key']);
    const opPath = [...path, 'operator'];
    const operator = this.str(raw.operator, opPath);
    const value = this.str(raw.value, [...path, 'value']);
    const effPath = [...path, 'effect'];
    const effect = this.str(raw.effect, effPath);
    const seconds = this.int(raw.tolerationSeconds, [...path, 'tolerationSeconds']);

    if (key) for (const p of validateLabelKey(key)) this.invalid([...path, 'key'], key, p);
    if (key === '' && operator !== undefined && operator !== 'Exists') {
      this.invalid(opPath, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"');
    }
    if (!isAbsent(raw.tolerationSeconds) && effect !== undefined && effect !== 'NoExecute') {
      this.invalid(effPath, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
    }
    // As Kubernetes does, value problems are reported at the operator.
    if (operator === '' || operator === 'Equal') {
      if (value) {
        const problems = validateLabelValue(value);
        if (problems.length > 0) this.invalid(opPath, value, problems.join(';'));
      }
    } else if (operator === 'Exists') {
      if (value) this.invalid(opPath, raw, "value must be empty when `operator` is 'Exists'");
    } else if (operator !== undefined) {
      this.notSupported(opPath, operator, TOLERATION_OPERATORS);
    }
    if (effect && !(TAINT_EFFECTS as readonly string[]).includes(effect)) this.notSupported(effPath, effect, TAINT_EFFECTS);

    if (this.errors.length > before || key === undefined || operator === undefined || value === undefined || effect === undefined || seconds === undefined) {
      return undefined;
    }
    return { key, operator: operator === 'Exists' ? 'Exists' : 'Equal', value, effect: effect as TaintEffect | '' };
  }

  // -------------------------------------------------------------------------------------------
  // topology spread constraints

  private spreadConstraints(raw: unknown, path: Path): TopologySpreadConstraint[] {
    const list = this.list(raw, path, 'topology spread constraints');
    if (!list) return [];
    const out: TopologySpreadConstraint[] = [];
    const seen: Array<{ key: string; when: string } | null> = [];
    list.forEach((c, i) => {
      const cPath = [...path, String(i)];
      if (!isPlainObject(c)) {
        this.invalid(cPath, c, 'must be a mapping with maxSkew, topologyKey, whenUnsatisfiable and labelSelector');
        seen.push(null);
        return;
      }
      const before = this.errors.length;

      const skewPath = [...cPath, 'maxSkew'];
      let maxSkew: number | undefined;
      if (isAbsent(c.maxSkew)) this.add(skewPath, 'REQUIRED', 'Required value');
      else {
        const n = this.int(c.maxSkew, skewPath);
        if (typeof n === 'number' && n <= 0) this.invalid(skewPath, n, 'must be greater than zero');
        else if (typeof n === 'number' && n > INT32_MAX) this.invalid(skewPath, n, `must be less than or equal to ${INT32_MAX}`);
        else if (typeof n === 'number') maxSkew = n;
      }

      const tkPath = [...cPath, 'topologyKey'];
      let topologyKey: string | undefined;
      if (isAbsent(c.topologyKey) || c.topologyKey === '') this.add(tkPath, 'REQUIRED', 'Required value: can not be empty');
      else topologyKey = this.str(c.topologyKey, tkPath);

      const whenPath = [...cPath, 'whenUnsatisfiable'];
      const when = this.operator(c.whenUnsatisfiable, whenPath, WHEN_UNSATISFIABLE);

      seen.push(topologyKey !== undefined && when ? { key: topologyKey, when } : null);

      const mdPath = [...cPath, 'minDomains'];
      const minDomains = this.int(c.minDomains, mdPath);
      if (typeof minDomains === 'number') {
        if (minDomains <= 0) this.invalid(mdPath, minDomains, 'must be greater than zero');
        if (when === 'ScheduleAnyway') this.invalid(mdPath, minDomains, 'can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway');
      }

      const defaults = { nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore' } as const;
      for (const [field, dflt] of Object.entries(defaults)) {
        const v = c[field];
        if (isAbsent(v)) continue;
        if (!(NODE_INCLUSION_POLICIES as readonly unknown[]).includes(v)) this.notSupported([...cPath, field], v, NODE_INCLUSION_POLICIES);
        else if (v !== dflt) this.unsupportedField([...cPath, field], `${field}: ${String(v)} is not supported yet; the default, ${dflt}, applies`);
      }
      if (!isAbsent(c.matchLabelKeys) && !(Array.isArray(c.matchLabelKeys) && c.matchLabelKeys.length === 0)) {
        this.unsupportedField([...cPath, 'matchLabelKeys'], 'matchLabelKeys is not supported yet');
      }

      const labelSelector = this.labelSelector(c.labelSelector, [...cPath, 'labelSelector']);

      if (this.errors.length > before || maxSkew === undefined || topologyKey === undefined || !when || minDomains === undefined || labelSelector === undefined) {
        return;
      }
      out.push({ maxSkew, topologyKey, whenUnsatisfiable: when, labelSelector, minDomains });
    });

    // As Kubernetes does: a constraint is reported when a later one repeats its {topologyKey, whenUnsatisfiable}.
    let duplicate = false;
    seen.forEach((a, i) => {
      if (!a || !seen.slice(i + 1).some((b) => b && b.key === a.key && b.when === a.when)) return;
      duplicate = true;
      this.add([...path, String(i)], 'DUPLICATE', `Duplicate value: ${renderValue(`{${a.key}, ${a.when}}`)}: {topologyKey, whenUnsatisfiable} must be unique`);
    });
    return duplicate ? [] : out;
  }
}
