/**
 * Parses and validates the YAML a user submits (one or more documents, or a `kind: List`)
 * into the objects this platform runs: Namespaces, Deployments, StatefulSets, Jobs, CronJobs
 * and bare Pods. Workload specs are validated and defaulted the way Kubernetes does it
 * (apps/v1, batch/v1 and core/v1 defaults), and each workload gets the billed pod spec its
 * pods will run at.
 *
 * Every problem found is reported, across all documents, with a field path
 * `[...fieldPrefix, '<documentIndex>', ...pathInsideObject]` and a kubectl-style message
 * (`spec.replicas: Invalid value: -1: must be greater than or equal to 0`).
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { parseYamlStream } from './yaml';
import {
  validateDns1123Label,
  validateDns1123Subdomain,
} from './names';
import { fitsQuantityLimit, isNegative, isZero, parseQuantityValue, QUANTITY_TOO_LARGE } from './quantity';
import {
  checkAnnotations,
  checkLabels,
  checkObjectSize,
  checkPodSpecLimits,
  DEFAULT_OBJECT_LIMITS,
  type ObjectLimits,
} from './objectLimits';
import { formatFieldPath, nearestName, renderValue, tooMany, tooManyErrors, type UserError } from './validation/errors';
import { parseSimAnnotations } from './simulation';
import { generatedName } from './pods';
import { allKinds, apiVersionOf, kindInfo } from './kinds';
import { formatUnknown, knownSiblings, schemaOf, unknownFields } from './validation/fields';

/** Unknown fields reported per object at most (a wrong indentation can make hundreds). */
const MAX_UNKNOWN_FIELDS = 100;
import { jobLabels } from './workloads/job';
import { sizePod, type BilledSpec, type ContainerLike } from './sizing';
import { validateSchedulingFields } from './podScheduling';
import { validateSchedule } from './workloads/cronjob';
import type {
  ContainerSpec,
  CronJobSpec,
  DeploymentSpec,
  IntOrPercent,
  JobSpecTemplate,
  JobTemplateSpec,
  PodSpec,
  PodTemplate,
  RestartPolicy,
  StatefulSetSpec,
  VolumeClaimTemplate,
} from './workloads/specs';

export type { ContainerSpec, DeploymentSpec, PodTemplate } from './workloads/specs';
import { parseResourceQuota, type ResourceQuotaSpec } from './admission/quota';
import { parseLimitRange, type LimitRangeSpec } from './admission/limitrange';
import { parsePriorityClass, type PreemptionPolicy } from './admission/priorityclass';
import { parseHpaSpec } from './autoscaler/spec';
import type { HpaSpec } from './autoscaler/types';

export type { UserError } from './validation/errors';
export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * A Job as applied. The selector (and the `batch.kubernetes.io/controller-uid` / `job-name`
 * template labels it selects) are generated when the Job is created, from its uid, unless
 * `manualSelector: true`, in which case the user's selector is here.
 */
export type JobManifestSpec = JobSpecTemplate;

export type ManifestObject = (
  | { apiVersion: 'v1'; kind: 'Namespace'; metadata: ObjectMeta }
  | { apiVersion: 'apps/v1'; kind: 'Deployment'; metadata: ObjectMeta; spec: DeploymentSpec; billed: BilledSpec }
  | { apiVersion: 'apps/v1'; kind: 'StatefulSet'; metadata: ObjectMeta; spec: StatefulSetSpec; billed: BilledSpec }
  | { apiVersion: 'batch/v1'; kind: 'Job'; metadata: ObjectMeta; spec: JobManifestSpec; billed: BilledSpec }
  /** billed: the pod of the job template. */
  | { apiVersion: 'batch/v1'; kind: 'CronJob'; metadata: ObjectMeta; spec: CronJobSpec; billed: BilledSpec }
  | { apiVersion: 'v1'; kind: 'Pod'; metadata: ObjectMeta; spec: PodSpec; billed: BilledSpec }
  | { apiVersion: 'v1'; kind: 'ResourceQuota'; metadata: ObjectMeta; spec: ResourceQuotaSpec }
  | { apiVersion: 'v1'; kind: 'LimitRange'; metadata: ObjectMeta; spec: LimitRangeSpec }
  /** Cluster-scoped: metadata.namespace is ''. */
  | { apiVersion: 'scheduling.k8s.io/v1'; kind: 'PriorityClass'; metadata: ObjectMeta; value: number; globalDefault: boolean; preemptionPolicy: PreemptionPolicy; description: string }
  | { apiVersion: 'autoscaling/v2'; kind: 'HorizontalPodAutoscaler'; metadata: ObjectMeta; spec: HpaSpec }
) & {
  /** Field path of the object in the input (`['manifest', '<document>']`, or `…, 'items', '<i>'` in a List). */
  source: string[];
};

/** Kinds that hold policy, not pods. */
export type PolicyObject = Extract<ManifestObject, { kind: 'ResourceQuota' | 'LimitRange' | 'PriorityClass' }>;
export const POLICY_KINDS: readonly string[] = Object.freeze(['ResourceQuota', 'LimitRange', 'PriorityClass']);

export type AutoscalerObject = Extract<ManifestObject, { kind: 'HorizontalPodAutoscaler' }>;

/** Every kind that runs pods. */
export type WorkloadObject = Exclude<ManifestObject, { kind: 'Namespace' } | PolicyObject | AutoscalerObject>;

export interface ParseManifestOptions {
  /** Namespace for objects that do not name one. Defaults to 'default'. */
  defaultNamespace?: string;
  /** Prepended to every error's field path. Defaults to ['manifest']. */
  fieldPrefix?: string[];
  /** Caps on one object (DEFAULT_OBJECT_LIMITS where not given). */
  limits?: Partial<ObjectLimits>;
  /**
   * Errors built at most; past it, errors are only counted, and the list ends with one
   * TOO_MANY_ERRORS entry ("… and 412 more errors", its `omitted` the count). Default: all.
   */
  maxErrors?: number;
  /**
   * The random 5-character suffix of a name made from `metadata.generateName` (core/pods
   * nameSuffix). Without it, generateName is refused (this module draws no randomness itself).
   */
  nameSuffix?: () => string;
}

/** Kinds this platform runs, with the one apiVersion each is served at (from the kinds registry). */
export const SUPPORTED_KINDS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(allKinds().filter((i) => i.applies).map((i) => [i.kind, apiVersionOf(i)])),
);

/** Kinds Kubernetes users will reasonably try that are refused (for now, or by design). */
const NOT_YET_SUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  ReplicaSet: 'ReplicaSets are managed by Deployments; apply a Deployment',
  ReplicationController: 'ReplicationControllers are superseded by Deployments; apply a Deployment',
  Service: 'Service is not supported yet',
  ConfigMap: 'ConfigMap is not supported yet',
  Secret: 'Secret is not supported yet',
  Ingress: 'Ingress is not supported yet',
  PersistentVolumeClaim: 'PersistentVolumeClaim is not supported yet; use volumeClaimTemplates in a StatefulSet',
  ServiceAccount: 'ServiceAccount is not supported yet',
});

const DAEMONSET_EXPLANATION =
  'a DaemonSet runs one pod on every node, and a Nodeless cluster has no nodes, so there is nothing ' +
  'for a DaemonSet to run on; run the agent as a sidecar container in the pods that need it, or as a Deployment instead';

const INT32_MAX = 2147483647;
/** A CronJob's name plus the 11-character suffix of its Jobs must stay a 63-character label. */
const CRONJOB_NAME_MAX = 52;

/** The labels the Job controller generates on a Job's pod template (and selects by). */
export const JOB_GENERATED_LABELS: readonly string[] = Object.freeze(Object.keys(jobLabels('', '')));

/**
 * Parses a manifest. `objects` holds only the objects that passed validation; `errors` holds
 * every problem found in every document.
 */
export function parseManifest(
  text: string,
  opts: ParseManifestOptions = {},
): { objects: ManifestObject[]; errors: UserError[] } {
  const prefix = opts.fieldPrefix ?? ['manifest'];
  const v = new Validator(opts.defaultNamespace ?? 'default', opts);

  // linear in the size of the text, with limits on documents, collection sizes, depth and aliases
  const parsed = parseYamlStream(typeof text === 'string' ? text : '');
  for (const e of parsed.errors) v.errors.push({ field: e.document === undefined ? [...prefix] : [...prefix, String(e.document)], code: e.code, message: e.message });
  parsed.documents.forEach((doc, d) => {
    const base = [...prefix, String(d)];
    if (doc.errors.length > 0) {
      for (const e of doc.errors) v.errors.push({ field: base, code: e.code, message: e.message });
      return;
    }
    validateDocument(v, doc.value, base, d); // null: an empty document (a bare `---`, or only comments)
  });

  return { objects: v.objects, errors: v.errors };
}

/**
 * Validates documents already parsed (from JSON, or YAML parsed elsewhere) exactly as
 * parseManifest validates each YAML document: document `d` is reported at `[...fieldPrefix, d]`.
 */
export function validateManifestValues(values: unknown[], opts: ParseManifestOptions = {}): { objects: ManifestObject[]; errors: UserError[] } {
  const prefix = opts.fieldPrefix ?? ['manifest'];
  const v = new Validator(opts.defaultNamespace ?? 'default', opts);
  values.forEach((value, d) => {
    validateDocument(v, value, [...prefix, String(d)], d);
  });
  return { objects: v.objects, errors: v.errors };
}

/** One document (`d`, at `base`): nothing for an empty one, text PostgreSQL cannot store refused, then validated. */
function validateDocument(v: Validator, value: unknown, base: string[], d: number): void {
  if (value === null || value === undefined) return;
  const unstorable = findUnstorableText(value, base);
  if (unstorable) {
    v.errors.push({ field: unstorable, code: 'INVALID_VALUE', message: `${formatFieldPath(unstorable.slice(base.length))}: Invalid value: contains a NUL character or an unpaired UTF-16 surrogate` });
    return;
  }
  v.document(value, base, `document ${d}`);
}

/** NUL and unpaired surrogates: text PostgreSQL (and most tools) cannot store. */
export const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Cheap first test (no lookaround): most text has no NUL and no surrogate at all. */
const MAYBE_UNSTORABLE = /[\u0000\ud800-\udfff]/;
const unstorable = (s: string) => MAYBE_UNSTORABLE.test(s) && UNSTORABLE_TEXT.test(s);

/** A value still to look at, and how it was reached (the path is built only for a hit). */
interface Visit {
  value: unknown;
  key: string;
  parent: Visit | null;
}

/**
 * The path of the first key or string value holding unstorable text (in document order), or
 * null. Linear, and iterative: a value nested a million levels deep is walked, not recursed.
 */
export function findUnstorableText(value: unknown, path: string[]): string[] | null {
  const pathOf = (v: Visit | null): string[] => {
    const out: string[] = [];
    for (let at = v; at && at.parent !== null; at = at.parent) out.push(at.key);
    return [...path, ...out.reverse()];
  };
  const stack: Visit[] = [{ value, key: '', parent: null }];
  const seen = new Set<object>(); // a cyclic value (never from JSON, but from a caller) ends
  while (stack.length > 0) {
    const v = stack.pop()!;
    const x = v.value;
    if (typeof x === 'string') {
      if (unstorable(x)) return pathOf(v);
      continue;
    }
    if (x === null || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    const children: Visit[] = [];
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        const c = x[i];
        if (typeof c === 'string' || (c !== null && typeof c === 'object')) children.push({ value: c, key: String(i), parent: v });
      }
    } else {
      for (const k in x) {
        if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
        if (unstorable(k)) return pathOf({ value: null, key: k, parent: v });
        const c = (x as Record<string, unknown>)[k];
        if (typeof c === 'string' || (c !== null && typeof c === 'object')) children.push({ value: c, key: k, parent: v });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return null;
}

export { formatFieldPath, renderValue };

// ---------------------------------------------------------------------------------------------

type Path = string[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function isAbsent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

function supported(values: readonly string[]): string {
  return values.map((s) => JSON.stringify(s)).join(', ');
}

/** "a", "a and b", "a, b and c". */
function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;

/** Which restartPolicy values a pod may have, by what owns it. */
type PodOwner = 'Deployment' | 'StatefulSet' | 'Job' | 'Pod';
const RESTART_POLICIES: Record<PodOwner, readonly RestartPolicy[]> = {
  Deployment: ['Always'],
  StatefulSet: ['Always'],
  Job: ['OnFailure', 'Never'],
  Pod: ['Always', 'OnFailure', 'Never'],
};

class Validator {
  readonly errors: UserError[] = [];
  readonly objects: ManifestObject[] = [];
  /** kind/namespace/name → where it was first defined. */
  private readonly seen = new Map<string, string>();
  /** Field prefix of the document being validated (`[...fieldPrefix, '<doc>']`). */
  private base: Path = [];

  /** Every error found (kept or only counted): what "did this part add errors" compares. */
  private errorCount = 0;
  private readonly maxErrors: number;
  private readonly limits: ObjectLimits;
  private readonly nameSuffix: (() => string) | null;
  /** The TOO_MANY_ERRORS entry, once errors are past maxErrors. */
  private overflow: (UserError & { omitted: number }) | null = null;

  constructor(
    private readonly defaultNamespace: string,
    opts: ParseManifestOptions = {},
  ) {
    this.limits = { ...DEFAULT_OBJECT_LIMITS, ...opts.limits };
    this.maxErrors = opts.maxErrors ?? Number.POSITIVE_INFINITY;
    this.nameSuffix = opts.nameSuffix ?? null;
  }

  /** Past maxErrors an error is only counted: no path and no message is built for it. */
  private add(path: Path, code: string, detail: string | (() => string), prefixed = true): void {
    this.errorCount++;
    if (this.overflow) {
      this.overflow.omitted++;
      this.overflow.message = tooManyErrors(this.overflow.omitted).message;
      return;
    }
    if (this.errors.length >= this.maxErrors) {
      this.overflow = tooManyErrors(1);
      this.errors.push(this.overflow);
      return;
    }
    const where = prefixed ? formatFieldPath(path) : '';
    const text = typeof detail === 'function' ? detail() : detail;
    this.errors.push({ field: [...this.base, ...path], code, message: where ? `${where}: ${text}` : text });
  }

  /** Reports the errors of a shared check (paths relative to `path`). */
  private emitAt(path: Path) {
    return (field: string[], code: string, detail: () => string) => this.add([...path, ...field], code, detail);
  }

  private invalid(path: Path, value: unknown, detail: string): void {
    this.add(path, 'INVALID_VALUE', () => `Invalid value: ${renderValue(value)}: ${detail}`);
  }

  private notSupported(path: Path, value: unknown, values: readonly string[]): void {
    this.add(path, 'UNSUPPORTED_VALUE', () => `Unsupported value: ${renderValue(value)}: supported values: ${supported(values)}`);
  }

  document(value: unknown, base: Path, where: string): void {
    this.base = base;
    if (isPlainObject(value) && value.kind === 'List') {
      this.list(value, where);
      return;
    }
    this.object(value, [], where);
  }

  private list(value: Record<string, unknown>, where: string): void {
    if (isBlank(value.apiVersion)) this.add(['apiVersion'], 'REQUIRED', 'Required value');
    else if (value.apiVersion !== 'v1') {
      this.add(
        ['apiVersion'],
        'UNSUPPORTED_API_VERSION',
        `Unsupported value: ${renderValue(value.apiVersion)}: a List is served as "v1"; supported values: "v1"`,
      );
    }
    const items = value.items;
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) {
      this.add(['items'], 'INVALID_VALUE', `Invalid value: ${renderValue(items)}: must be a list of objects`);
      return;
    }
    items.forEach((item, i) => {
      const path = ['items', String(i)];
      if (isPlainObject(item) && item.kind === 'List') {
        this.add([...path, 'kind'], 'UNSUPPORTED_KIND', 'Unsupported value: "List": a List cannot contain another List');
        return;
      }
      this.object(item, path, `${where}, items[${i}]`);
    });
  }

  private object(value: unknown, path: Path, where: string): void {
    if (!isPlainObject(value)) {
      this.add(
        path,
        'INVALID_OBJECT',
        `Invalid value: ${renderValue(value)}: must be a mapping (an object with apiVersion, kind, metadata, ...)`,
      );
      return;
    }
    // Kubernetes refuses an object over 1.5 MiB (etcd's request limit) before looking inside
    const tooLarge = checkObjectSize(value, this.limits);
    if (tooLarge) {
      this.add(path, 'TOO_LARGE', tooLarge);
      return;
    }
    const before = this.errorCount;
    const { apiVersion, kind } = value;

    if (isBlank(kind)) this.add([...path, 'kind'], 'REQUIRED', 'Required value');
    else if (typeof kind !== 'string') this.add([...path, 'kind'], 'INVALID_VALUE', `Invalid value: ${renderValue(kind)}: must be a string`);
    if (isBlank(apiVersion)) this.add([...path, 'apiVersion'], 'REQUIRED', 'Required value');
    else if (typeof apiVersion !== 'string') {
      this.add([...path, 'apiVersion'], 'INVALID_VALUE', `Invalid value: ${renderValue(apiVersion)}: must be a string`);
    }
    if (typeof kind !== 'string' || kind === '') return;

    if (!Object.prototype.hasOwnProperty.call(SUPPORTED_KINDS, kind)) {
      this.refuseKind(kind, [...path, 'kind']);
      return;
    }
    const wanted = SUPPORTED_KINDS[kind];
    if (typeof apiVersion === 'string' && apiVersion !== '' && apiVersion !== wanted) {
      this.add(
        [...path, 'apiVersion'],
        'UNSUPPORTED_API_VERSION',
        `Unsupported value: ${renderValue(apiVersion)}: ${kind} is served as "${wanted}"; supported values: "${wanted}"`,
      );
    }

    // Strict field validation (kubectl's default): a field the kind's schema does not know is
    // refused, not dropped. What an exported object carries (status, metadata.uid, …) is known
    // to the schema and ignored on apply.
    // (An autoscaler's spec is checked by its own parser, which also suggests the field meant.)
    const schema = schemaOf(wanted, kind);
    if (schema) {
      for (const p of unknownFields(schema, value, MAX_UNKNOWN_FIELDS)) {
        if (kind === 'HorizontalPodAutoscaler' && p[0] === 'spec') continue;
        this.add([...path, ...p], 'UNKNOWN_FIELD', () => {
          const near = nearestName(p[p.length - 1], knownSiblings(schema, p));
          return `unknown field ${JSON.stringify(formatUnknown(p))}${near ? ` (did you mean "${near}"?)` : ''}`;
        }, false);
      }
    }

    // The rest is validated even after an apiVersion problem, so every error shows at once.
    const source = [...this.base, ...path];
    const metaPath = [...path, 'metadata'];
    const ok = () => this.errorCount === before;

    // StatefulSet pods are named <name>-<ordinal> and carry it as their hostname: a label.
    const nameRule = kind === 'Namespace' || kind === 'StatefulSet' ? 'label' : 'subdomain';
    const metadata = this.metadata(value.metadata, metaPath, nameRule, kindInfo(kind)?.namespaced ?? true);
    if (kind === 'CronJob' && metadata && metadata.name.length > CRONJOB_NAME_MAX) {
      this.invalid([...metaPath, 'name'], metadata.name, `must be no more than ${CRONJOB_NAME_MAX} characters`);
    }
    this.checkDuplicate(kind, metadata, [...metaPath, 'name'], where);
    if (kind === 'Namespace') {
      if (ok() && metadata) this.objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata, source });
      return;
    }
    if (kind === 'ResourceQuota' || kind === 'LimitRange') {
      const r = kind === 'ResourceQuota' ? parseResourceQuota(value.spec, [...path, 'spec']) : parseLimitRange(value.spec, [...path, 'spec']);
      for (const e of r.errors) this.add(e.field, e.code, e.message);
      if (ok() && metadata) this.objects.push({ apiVersion: 'v1', kind, metadata, spec: r.spec, source } as ManifestObject);
      return;
    }
    if (kind === 'HorizontalPodAutoscaler') {
      const r = parseHpaSpec(value.spec, [...path, 'spec']);
      for (const e of r.errors) this.add(e.field, e.code, e.message);
      if (ok() && metadata) this.objects.push({ apiVersion: 'autoscaling/v2', kind, metadata, spec: r.spec, source });
      return;
    }
    if (kind === 'PriorityClass') {
      const r = parsePriorityClass(value, path);
      for (const e of r.errors) this.add(e.field, e.code, e.message);
      if (ok() && metadata) {
        this.objects.push({ apiVersion: 'scheduling.k8s.io/v1', kind, metadata, value: r.value, globalDefault: r.globalDefault, preemptionPolicy: r.preemptionPolicy, description: r.description, source });
      }
      return;
    }
    const r = this.workloadSpec(kind, value, path);
    if (ok() && metadata && r) this.objects.push({ apiVersion: wanted, kind, metadata, spec: r.spec, billed: r.billed, source } as ManifestObject);
  }

  /** The spec of a kind that runs pods, validated and defaulted, with its billed pod spec. */
  private workloadSpec(kind: string, value: Record<string, unknown>, path: Path): { spec: unknown; billed: BilledSpec } | undefined {
    const specPath = [...path, 'spec'];
    switch (kind) {
      case 'Deployment':
        return this.deploymentSpec(value.spec, specPath);
      case 'StatefulSet':
        return this.statefulSetSpec(value.spec, specPath);
      case 'Job':
        return this.jobSpec(value.spec, specPath, 'Job');
      case 'CronJob':
        return this.cronJobSpec(value.spec, specPath);
      case 'Pod': {
        const metaPath = [...path, 'metadata'];
        const rawAnnotations = isPlainObject(value.metadata) ? value.metadata.annotations : undefined;
        this.simAnnotations(rawAnnotations, [...metaPath, 'annotations']);
        return this.podSpec(value.spec, specPath, path, rawAnnotations, 'Pod');
      }
    }
    return undefined;
  }

  private refuseKind(kind: string, path: Path): void {
    if (kind === 'DaemonSet') {
      this.add(path, 'UNSUPPORTED_KIND', `Unsupported value: "DaemonSet": ${DAEMONSET_EXPLANATION}`);
      return;
    }
    const kinds = andList(Object.entries(SUPPORTED_KINDS).map(([k, api]) => `"${k}" (apiVersion ${api})`));
    if (Object.prototype.hasOwnProperty.call(NOT_YET_SUPPORTED, kind)) {
      this.add(path, 'UNSUPPORTED_KIND', `Unsupported value: ${renderValue(kind)}: ${NOT_YET_SUPPORTED[kind]}; supported kinds are ${kinds}`);
      return;
    }
    // Case slips (`deployment`, `Cronjob`) and plurals (`pods`, `StatefulSets`).
    const lower = kind.toLowerCase();
    const near = Object.keys(SUPPORTED_KINDS).find((k) => {
      const l = k.toLowerCase();
      return l === lower || `${l}s` === lower;
    });
    const hint = near ? ` (kinds are singular and case-sensitive: did you mean "${near}"?)` : '';
    this.add(path, 'UNKNOWN_KIND', `Unsupported value: ${renderValue(kind)}: unknown kind${hint}; supported kinds are ${kinds}`);
  }

  private checkDuplicate(kind: string, metadata: ObjectMeta | undefined, namePath: Path, where: string): void {
    if (!metadata || metadata.name === '') return;
    const key = `${kind}\u0000${metadata.namespace}\u0000${metadata.name}`;
    const first = this.seen.get(key);
    if (first === undefined) {
      this.seen.set(key, where);
      return;
    }
    const scope = kind === 'Namespace' ? '' : ` in namespace "${metadata.namespace}"`;
    this.add(
      namePath,
      'DUPLICATE',
      `Duplicate value: ${renderValue(metadata.name)}: ${kind} "${metadata.name}"${scope} is already defined in ${first}`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // metadata

  /**
   * Validates object metadata. Returns the metadata when the name and namespace could be read
   * (other problems are reported but do not prevent the return), undefined otherwise.
   */
  private metadata(
    raw: unknown,
    path: Path,
    nameRule: 'label' | 'subdomain',
    namespaced: boolean,
  ): ObjectMeta | undefined {
    if (raw !== undefined && raw !== null && !isPlainObject(raw)) {
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be a mapping`);
      return undefined;
    }
    const m = isPlainObject(raw) ? raw : {};
    let ok = true;

    let name = m.name;
    const validName = nameRule === 'label' ? validateDns1123Label : validateDns1123Subdomain;
    if (isBlank(name) && !isBlank(m.generateName)) {
      // the API server's name generation: the prefix (validated as a name, a trailing dash
      // allowed), cut to leave room for the suffix in 63 characters, then 5 random characters
      const prefix = m.generateName;
      if (typeof prefix !== 'string') {
        ok = false;
        this.add([...path, 'generateName'], 'INVALID_VALUE', `Invalid value: ${renderValue(prefix)}: must be a string`);
      } else if (!this.nameSuffix) {
        ok = false;
        this.add([...path, 'generateName'], 'FORBIDDEN', 'Forbidden: generateName is not supported here; set metadata.name');
      } else {
        const problems = validName(prefix.endsWith('-') ? `${prefix.slice(0, -1)}a` : prefix);
        for (const p of problems) this.add([...path, 'generateName'], 'INVALID_VALUE', `Invalid value: ${renderValue(prefix)}: ${p}`);
        if (problems.length > 0) ok = false;
        else name = generatedName(prefix, this.nameSuffix());
      }
    } else if (isBlank(name)) {
      ok = false;
      this.add([...path, 'name'], 'REQUIRED', 'Required value: name or generateName is required');
    } else if (typeof name !== 'string') {
      ok = false;
      this.add([...path, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: must be a string`);
    } else {
      for (const p of validName(name)) this.add([...path, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: ${p}`);
    }

    let namespace = '';
    if (namespaced) {
      const ns = m.namespace;
      if (isBlank(ns)) {
        namespace = this.defaultNamespace;
      } else if (typeof ns !== 'string') {
        ok = false;
        this.add([...path, 'namespace'], 'INVALID_VALUE', `Invalid value: ${renderValue(ns)}: must be a string`);
      } else {
        namespace = ns;
        for (const p of validateDns1123Label(ns)) {
          this.add([...path, 'namespace'], 'INVALID_VALUE', `Invalid value: ${renderValue(ns)}: ${p}`);
        }
      }
    }
    // A Namespace is cluster-scoped: kubectl ignores metadata.namespace on it, and so do we.

    const labels = this.labels(m.labels, [...path, 'labels']);
    const annotations = this.annotations(m.annotations, [...path, 'annotations']);
    if (!ok) return undefined;
    return { name: name as string, namespace, labels, annotations };
  }

  /** A mapping of string keys to string values; entries with non-string values are reported and dropped. */
  private stringMap(raw: unknown, path: Path, what: 'label' | 'annotation'): Record<string, string> {
    const out: Record<string, string> = {};
    if (raw === undefined || raw === null) return out;
    if (!isPlainObject(raw)) {
      this.add(path, 'INVALID_VALUE', () => `Invalid value: ${renderValue(raw)}: must be a mapping of strings to strings`);
      return out;
    }
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== 'string') {
        const quoted = typeof v === 'number' || typeof v === 'boolean' ? `; quote it in YAML: "${String(v)}"` : '';
        this.add([...path, k], 'INVALID_VALUE', () => `Invalid value: ${renderValue(v)}: ${what} values must be strings${quoted}`);
        continue;
      }
      out[k] = v;
    }
    return out;
  }

  /** Labels: at most limits.labelsPerObject (one error over it, no per-label check), Kubernetes' key and value rules. */
  private labels(raw: unknown, path: Path): Record<string, string> {
    if (isPlainObject(raw)) {
      const n = Object.keys(raw).length;
      if (n > this.limits.labelsPerObject) {
        this.add(path, 'LIMIT_EXCEEDED', () => `${tooMany(n, this.limits.labelsPerObject, 'label')} (NODELESS_MAX_LABELS_PER_OBJECT)`);
        return {};
      }
    }
    const labels = this.stringMap(raw, path, 'label');
    checkLabels(labels, this.limits.labelsPerObject, this.emitAt(path));
    return labels;
  }

  /** Annotations: 256 KiB of keys and values in all (one error over it, no per-key check), keys qualified names. */
  private annotations(raw: unknown, path: Path): Record<string, string> {
    const annotations = this.stringMap(raw, path, 'annotation');
    checkAnnotations(annotations, this.emitAt(path));
    return annotations;
  }

  /** The `sim.nodeless.dev/` annotations that script the simulated sandbox (README). */
  private simAnnotations(raw: unknown, path: Path): void {
    if (!isPlainObject(raw)) return;
    for (const e of parseSimAnnotations(raw).errors) this.add([...path, e.key], 'INVALID_ANNOTATION', e.message);
  }

  // -------------------------------------------------------------------------------------------
  // scalar fields

  /** A required field that must be a mapping; reports REQUIRED or INVALID_VALUE otherwise. */
  private requireMapping(raw: unknown, path: Path): raw is Record<string, unknown> {
    if (raw === undefined || raw === null) {
      this.add(path, 'REQUIRED', 'Required value');
      return false;
    }
    if (!isPlainObject(raw)) {
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be a mapping`);
      return false;
    }
    return true;
  }

  /** An optional mapping: {} when absent, undefined (reported) when not a mapping. */
  private optionalMapping(raw: unknown, path: Path): Record<string, unknown> | undefined {
    if (isAbsent(raw)) return {};
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping');
      return undefined;
    }
    return raw;
  }

  /**
   * An optional int32 field of at least `min`: null when absent, undefined (reported) when
   * invalid. `minDetail` replaces the default "must be greater than or equal to <min>".
   */
  private int(raw: unknown, path: Path, min: number, minDetail?: string): number | null | undefined {
    if (isAbsent(raw)) return null;
    if (typeof raw !== 'number' || !Number.isInteger(raw)) {
      this.invalid(path, raw, 'must be an integer');
      return undefined;
    }
    if (raw < min) {
      this.invalid(path, raw, minDetail ?? `must be greater than or equal to ${min}`);
      return undefined;
    }
    if (raw > INT32_MAX) {
      this.invalid(path, raw, `must be less than or equal to ${INT32_MAX}`);
      return undefined;
    }
    return raw;
  }

  /** An optional boolean: null when absent, undefined (reported) when not true or false. */
  private bool(raw: unknown, path: Path): boolean | null | undefined {
    if (isAbsent(raw)) return null;
    if (typeof raw !== 'boolean') {
      this.invalid(path, raw, 'must be true or false');
      return undefined;
    }
    return raw;
  }

  /** An optional enum: null when absent, undefined (reported) when not one of `values`. */
  private oneOf<T extends string>(raw: unknown, path: Path, values: readonly T[]): T | null | undefined {
    if (isBlank(raw)) return null;
    if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) {
      this.notSupported(path, raw, values);
      return undefined;
    }
    return raw as T;
  }

  /** An optional string: null when absent, undefined (reported) when not a string. */
  private str(raw: unknown, path: Path): string | null | undefined {
    if (isAbsent(raw)) return null;
    if (typeof raw !== 'string') {
      this.invalid(path, raw, 'must be a string');
      return undefined;
    }
    return raw;
  }

  private replicas(raw: unknown, path: Path): number | undefined {
    const n = this.int(raw, path, 0);
    return n === null ? 1 : n;
  }

  /** An int or a percentage ("25%") that is not negative. */
  private intOrPercent(raw: unknown, path: Path): IntOrPercent | undefined {
    if (typeof raw === 'string') {
      if (!PERCENT_RE.test(raw)) {
        this.invalid(path, raw, PERCENT_MESSAGE);
        return undefined;
      }
      return raw;
    }
    if (typeof raw === 'number') return this.int(raw, path, 0) ?? undefined;
    this.invalid(path, raw, "must be an integer or percentage (e.g '5%')");
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // selectors, pod templates, pod specs

  /** A required label selector with matchLabels; `owner` names the kind in the empty-selector message. */
  private selector(raw: unknown, path: Path, owner: string): Record<string, string> | undefined {
    if (raw === undefined || raw === null) {
      this.add(path, 'REQUIRED', 'Required value');
      return undefined;
    }
    if (!isPlainObject(raw)) {
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be a mapping with matchLabels`);
      return undefined;
    }
    const hasExpressions = raw.matchExpressions !== undefined && raw.matchExpressions !== null;
    if (hasExpressions) {
      this.add(
        [...path, 'matchExpressions'],
        'UNSUPPORTED_FIELD',
        'Forbidden: matchExpressions are not supported yet; select pods with matchLabels',
      );
    }
    const rawLabels = raw.matchLabels;
    if (rawLabels === undefined || rawLabels === null) {
      if (!hasExpressions) this.add([...path, 'matchLabels'], 'REQUIRED', 'Required value');
      return undefined;
    }
    const before = this.errorCount;
    const labels = this.labels(rawLabels, [...path, 'matchLabels']);
    if (this.errorCount > before) return undefined;
    if (Object.keys(labels).length === 0) {
      if (!hasExpressions) {
        this.add([...path, 'matchLabels'], 'INVALID_VALUE', `Invalid value: {}: empty selector is invalid for ${owner.toLowerCase()}`);
      }
      return undefined;
    }
    return hasExpressions ? undefined : labels;
  }

  /**
   * A pod template (`metadata` with labels and annotations, and a pod `spec`). With
   * `matchLabels`, the template labels must carry them.
   */
  private podTemplate(
    raw: unknown,
    path: Path,
    owner: PodOwner,
    matchLabels: Record<string, string> | undefined,
  ): { template: PodTemplate; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errorCount;

    const metaPath = [...path, 'metadata'];
    const rawMeta = raw.metadata;
    let labels: Record<string, string> = {};
    let annotations: Record<string, string> = {};
    let rawAnnotations: unknown;
    if (rawMeta !== undefined && rawMeta !== null && !isPlainObject(rawMeta)) {
      this.add(metaPath, 'INVALID_VALUE', `Invalid value: ${renderValue(rawMeta)}: must be a mapping`);
    } else if (isPlainObject(rawMeta)) {
      labels = this.labels(rawMeta.labels, [...metaPath, 'labels']);
      annotations = this.annotations(rawMeta.annotations, [...metaPath, 'annotations']);
      rawAnnotations = rawMeta.annotations;
      this.simAnnotations(rawAnnotations, [...metaPath, 'annotations']);
    }
    if (matchLabels) {
      const matches = Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
      if (!matches) {
        this.add(
          [...metaPath, 'labels'],
          'INVALID_VALUE',
          `Invalid value: ${renderValue(labels)}: \`selector\` does not match template \`labels\``,
        );
      }
    }

    const pod = this.podSpec(raw.spec, [...path, 'spec'], path, rawAnnotations, owner);
    if (!pod || this.errorCount > before) return undefined;
    return { template: { metadata: { labels, annotations }, spec: pod.spec }, billed: pod.billed };
  }

  /**
   * A pod spec at `path`; `podPath` is the pod's own root (the template, or the bare Pod), where
   * sizing and scheduling errors (`spec.containers`, `spec.affinity...`, `metadata.annotations[...]`)
   * are placed. Defaults restartPolicy (Always; a Job's must be written) and
   * terminationGracePeriodSeconds (30); the scheduling fields are stored as written.
   */
  private podSpec(
    raw: unknown,
    path: Path,
    podPath: Path,
    rawAnnotations: unknown,
    owner: PodOwner,
  ): { spec: PodSpec; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errorCount;
    // what one pod may hold (containers, env vars, ports, volumes); over a cap, its entries are not checked one by one
    if (!checkPodSpecLimits(raw, this.limits, this.emitAt(path))) return undefined;

    const names = new Set<string>();
    const containers = this.containers(raw.containers, [...path, 'containers'], names, true);
    const hasInit = !isAbsent(raw.initContainers);
    const initContainers = hasInit ? this.containers(raw.initContainers, [...path, 'initContainers'], names, false) : undefined;

    const allowed = RESTART_POLICIES[owner];
    const rpPath = [...path, 'restartPolicy'];
    let restartPolicy: RestartPolicy | undefined;
    if (isBlank(raw.restartPolicy)) {
      if (owner === 'Job') this.add(rpPath, 'REQUIRED', `Required value: valid values: ${supported(allowed)}`);
      else restartPolicy = 'Always';
    } else {
      restartPolicy = this.oneOf(raw.restartPolicy, rpPath, allowed) ?? undefined;
    }

    const grace = this.int(raw.terminationGracePeriodSeconds, [...path, 'terminationGracePeriodSeconds'], 0);

    const adsPath = [...path, 'activeDeadlineSeconds'];
    if (!isAbsent(raw.activeDeadlineSeconds)) {
      if (owner === 'Deployment' || owner === 'StatefulSet') {
        this.add(adsPath, 'FORBIDDEN', `Forbidden: activeDeadlineSeconds in ${owner} is not supported`);
      } else {
        this.int(raw.activeDeadlineSeconds, adsPath, 1, 'must be greater than 0');
      }
    }

    // nodeSelector, affinity, tolerations, topology spread, priorityClassName, preemptionPolicy,
    // and the spot-pod annotation; their paths are relative to the pod, like sizing errors.
    for (const e of validateSchedulingFields(raw, annotationsForSizing(rawAnnotations))) {
      this.add([...podPath, ...e.field], e.code, e.message);
    }

    if (!containers || (hasInit && !initContainers)) return undefined;
    const sizing = sizePod(
      { containers: containers as ContainerLike[], initContainers: initContainers as ContainerLike[] | undefined },
      annotationsForSizing(rawAnnotations),
    );
    if (!sizing.ok) {
      for (const e of sizing.errors) this.add([...podPath, ...e.field], e.code, e.message);
      return undefined;
    }
    if (this.errorCount > before || restartPolicy === undefined || grace === undefined) return undefined;

    const spec: PodSpec = { ...raw, containers, restartPolicy, terminationGracePeriodSeconds: grace ?? 30 };
    if (initContainers) spec.initContainers = initContainers;
    else delete spec.initContainers;
    return { spec, billed: sizing.spec };
  }

  /**
   * Validates a container list (names, uniqueness across `names`, images, probes). Returns the
   * list when it is an array of mappings, even if some container has other problems.
   */
  private containers(raw: unknown, path: Path, names: Set<string>, required: boolean): ContainerSpec[] | undefined {
    if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
      if (required) {
        this.add(path, 'REQUIRED', 'Required value: a pod needs at least one container');
        return undefined;
      }
      return [];
    }
    if (!Array.isArray(raw)) {
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be a list of containers`);
      return undefined;
    }
    let shapeOk = true;
    raw.forEach((c: unknown, i) => {
      const cPath = [...path, String(i)];
      if (!isPlainObject(c)) {
        shapeOk = false;
        this.add(cPath, 'INVALID_VALUE', `Invalid value: ${renderValue(c)}: must be a mapping with name and image`);
        return;
      }
      const name = c.name;
      if (isBlank(name)) this.add([...cPath, 'name'], 'REQUIRED', 'Required value');
      else if (typeof name !== 'string') {
        this.add([...cPath, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: must be a string`);
      } else {
        for (const p of validateDns1123Label(name)) {
          this.add([...cPath, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: ${p}`);
        }
        if (names.has(name)) this.add([...cPath, 'name'], 'DUPLICATE', `Duplicate value: ${renderValue(name)}`);
        names.add(name);
      }
      const image = c.image;
      if (isBlank(image)) this.add([...cPath, 'image'], 'REQUIRED', 'Required value');
      else if (typeof image !== 'string') {
        this.add([...cPath, 'image'], 'INVALID_VALUE', `Invalid value: ${renderValue(image)}: must be a string`);
      } else if (image.trim() !== image) {
        this.add([...cPath, 'image'], 'INVALID_VALUE', `Invalid value: ${renderValue(image)}: must not have leading or trailing whitespace`);
      }
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) this.probe(c[probe], [...cPath, probe]);
    });
    return shapeOk ? (raw as ContainerSpec[]) : undefined;
  }

  private probe(raw: unknown, path: Path): void {
    if (isAbsent(raw)) return;
    if (!isPlainObject(raw)) {
      this.invalid(path, raw, 'must be a mapping');
      return;
    }
    this.int(raw.initialDelaySeconds, [...path, 'initialDelaySeconds'], 0);
    this.int(raw.periodSeconds, [...path, 'periodSeconds'], 1);
  }

  // -------------------------------------------------------------------------------------------
  // Deployment

  private deploymentSpec(raw: unknown, path: Path): { spec: DeploymentSpec; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errorCount;

    const replicas = this.replicas(raw.replicas, [...path, 'replicas']);
    const matchLabels = this.selector(raw.selector, [...path, 'selector'], 'Deployment');
    const template = this.podTemplate(raw.template, [...path, 'template'], 'Deployment', matchLabels);
    const strategy = this.deploymentStrategy(raw.strategy, [...path, 'strategy']);
    const minReadySeconds = this.int(raw.minReadySeconds, [...path, 'minReadySeconds'], 0);
    const revisionHistoryLimit = this.int(raw.revisionHistoryLimit, [...path, 'revisionHistoryLimit'], 0);
    const progressDeadlineSeconds = this.int(raw.progressDeadlineSeconds, [...path, 'progressDeadlineSeconds'], 0);
    const paused = this.bool(raw.paused, [...path, 'paused']);
    const minReady = minReadySeconds ?? 0;
    const deadline = progressDeadlineSeconds ?? 600;
    if (progressDeadlineSeconds !== undefined && minReadySeconds !== undefined && deadline <= minReady) {
      this.invalid([...path, 'progressDeadlineSeconds'], deadline, 'must be greater than minReadySeconds');
    }

    if (
      this.errorCount > before || replicas === undefined || !matchLabels || !template || !strategy ||
      minReadySeconds === undefined || revisionHistoryLimit === undefined || progressDeadlineSeconds === undefined || paused === undefined
    ) {
      return undefined;
    }
    return {
      spec: {
        ...raw,
        replicas,
        selector: { matchLabels },
        template: template.template,
        strategy,
        minReadySeconds: minReady,
        revisionHistoryLimit: revisionHistoryLimit ?? 10,
        progressDeadlineSeconds: deadline,
        paused: paused ?? false,
      },
      billed: template.billed,
    };
  }

  private deploymentStrategy(raw: unknown, path: Path): DeploymentSpec['strategy'] | undefined {
    const s = this.optionalMapping(raw, path);
    if (!s) return undefined;
    const type = this.oneOf(s.type, [...path, 'type'], ['Recreate', 'RollingUpdate'] as const);
    if (type === undefined) return undefined;
    const ruPath = [...path, 'rollingUpdate'];
    if (type === 'Recreate') {
      if (!isAbsent(s.rollingUpdate)) {
        this.add(ruPath, 'FORBIDDEN', "Forbidden: may not be specified when strategy `type` is 'Recreate'");
        return undefined;
      }
      return { type: 'Recreate' };
    }
    const ru = this.optionalMapping(s.rollingUpdate, ruPath);
    if (!ru) return undefined;
    const maxSurge = this.intOrPercent(ru.maxSurge ?? '25%', [...ruPath, 'maxSurge']);
    const maxUnavailable = this.intOrPercent(ru.maxUnavailable ?? '25%', [...ruPath, 'maxUnavailable']);
    if (maxSurge === undefined || maxUnavailable === undefined) return undefined;
    const value = (v: IntOrPercent) => (typeof v === 'number' ? v : Number(v.slice(0, -1)));
    if (typeof maxUnavailable === 'string' && value(maxUnavailable) > 100) {
      this.invalid([...ruPath, 'maxUnavailable'], maxUnavailable, 'must not be greater than 100%');
      return undefined;
    }
    if (value(maxSurge) === 0 && value(maxUnavailable) === 0) {
      this.invalid([...ruPath, 'maxUnavailable'], maxUnavailable, 'may not be 0 when `maxSurge` is 0');
      return undefined;
    }
    return { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } };
  }

  // -------------------------------------------------------------------------------------------
  // StatefulSet

  private statefulSetSpec(raw: unknown, path: Path): { spec: StatefulSetSpec; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errorCount;

    const replicas = this.replicas(raw.replicas, [...path, 'replicas']);
    const matchLabels = this.selector(raw.selector, [...path, 'selector'], 'StatefulSet');
    const template = this.podTemplate(raw.template, [...path, 'template'], 'StatefulSet', matchLabels);
    const serviceName = this.str(raw.serviceName, [...path, 'serviceName']);
    if (serviceName) {
      for (const p of validateDns1123Label(serviceName)) this.invalid([...path, 'serviceName'], serviceName, p);
    }
    const podManagementPolicy = this.oneOf(raw.podManagementPolicy, [...path, 'podManagementPolicy'], ['OrderedReady', 'Parallel'] as const);
    const updateStrategy = this.statefulSetStrategy(raw.updateStrategy, [...path, 'updateStrategy']);
    const claims = this.volumeClaimTemplates(raw.volumeClaimTemplates, [...path, 'volumeClaimTemplates']);
    const minReadySeconds = this.int(raw.minReadySeconds, [...path, 'minReadySeconds'], 0);
    const revisionHistoryLimit = this.int(raw.revisionHistoryLimit, [...path, 'revisionHistoryLimit'], 0);

    if (
      this.errorCount > before || replicas === undefined || !matchLabels || !template || serviceName === undefined ||
      podManagementPolicy === undefined || !updateStrategy || !claims || minReadySeconds === undefined || revisionHistoryLimit === undefined
    ) {
      return undefined;
    }
    return {
      spec: {
        ...raw,
        replicas,
        selector: { matchLabels },
        template: template.template,
        serviceName: serviceName ?? '',
        podManagementPolicy: podManagementPolicy ?? 'OrderedReady',
        updateStrategy,
        volumeClaimTemplates: claims,
        minReadySeconds: minReadySeconds ?? 0,
        revisionHistoryLimit: revisionHistoryLimit ?? 10,
      },
      billed: template.billed,
    };
  }

  private statefulSetStrategy(raw: unknown, path: Path): StatefulSetSpec['updateStrategy'] | undefined {
    const s = this.optionalMapping(raw, path);
    if (!s) return undefined;
    const type = this.oneOf(s.type, [...path, 'type'], ['OnDelete', 'RollingUpdate'] as const);
    if (type === undefined) return undefined;
    const ruPath = [...path, 'rollingUpdate'];
    if (type === 'OnDelete') {
      if (!isAbsent(s.rollingUpdate)) {
        this.invalid(ruPath, s.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'");
        return undefined;
      }
      return { type: 'OnDelete' };
    }
    const ru = this.optionalMapping(s.rollingUpdate, ruPath);
    if (!ru) return undefined;
    const partition = this.int(ru.partition, [...ruPath, 'partition'], 0);
    if (partition === undefined) return undefined;
    return { type: 'RollingUpdate', rollingUpdate: { ...ru, partition: partition ?? 0 } };
  }

  private volumeClaimTemplates(raw: unknown, path: Path): VolumeClaimTemplate[] | undefined {
    if (isAbsent(raw)) return [];
    if (!Array.isArray(raw)) {
      this.invalid(path, raw, 'must be a list of PersistentVolumeClaim templates');
      return undefined;
    }
    if (raw.length > this.limits.volumeClaimTemplates) {
      const n = raw.length;
      this.add(path, 'LIMIT_EXCEEDED', () => `${tooMany(n, this.limits.volumeClaimTemplates, 'volume claim template')} (NODELESS_MAX_VOLUME_CLAIM_TEMPLATES)`);
      return undefined;
    }
    const before = this.errorCount;
    const names = new Set<string>();
    const out: VolumeClaimTemplate[] = [];
    raw.forEach((c: unknown, i) => {
      const cPath = [...path, String(i)];
      if (!this.requireMapping(c, cPath)) return;
      const claim = this.volumeClaimTemplate(c, cPath, names);
      if (claim) out.push(claim);
    });
    return this.errorCount > before ? undefined : out;
  }

  private volumeClaimTemplate(c: Record<string, unknown>, path: Path, names: Set<string>): VolumeClaimTemplate | undefined {
    const before = this.errorCount;
    const metaPath = [...path, 'metadata'];
    let name: string | undefined;
    let labels: Record<string, string> | undefined;
    if (this.requireMapping(c.metadata, metaPath)) {
      const m = c.metadata;
      const namePath = [...metaPath, 'name'];
      if (isBlank(m.name)) this.add(namePath, 'REQUIRED', 'Required value: name is required');
      else if (typeof m.name !== 'string') this.invalid(namePath, m.name, 'must be a string');
      else {
        name = m.name;
        // The claim is mounted as a pod volume of the same name: a DNS-1123 label.
        for (const p of validateDns1123Label(name)) this.invalid(namePath, name, p);
        if (names.has(name)) this.add(namePath, 'DUPLICATE', `Duplicate value: ${renderValue(name)}`);
        names.add(name);
      }
      if (!isAbsent(m.labels)) labels = this.labels(m.labels, [...metaPath, 'labels']);
    }

    const specPath = [...path, 'spec'];
    if (!this.requireMapping(c.spec, specPath)) return undefined;
    const spec = c.spec;

    const amPath = [...specPath, 'accessModes'];
    const accessModes: string[] = [];
    if (isAbsent(spec.accessModes) || (Array.isArray(spec.accessModes) && spec.accessModes.length === 0)) {
      this.add(amPath, 'REQUIRED', 'Required value: at least 1 access mode is required');
    } else if (!Array.isArray(spec.accessModes)) {
      this.invalid(amPath, spec.accessModes, 'must be a list of access modes');
    } else {
      spec.accessModes.forEach((m: unknown, i) => {
        const mode = this.oneOf(m, [...amPath, String(i)], ACCESS_MODES);
        if (mode) accessModes.push(mode);
      });
      if (accessModes.includes('ReadWriteOncePod') && spec.accessModes.length > 1) {
        this.add(amPath, 'FORBIDDEN', 'Forbidden: may not use ReadWriteOncePod with other access modes');
      }
    }

    const scPath = [...specPath, 'storageClassName'];
    const storageClassName = this.str(spec.storageClassName, scPath);
    if (storageClassName) {
      for (const p of validateDns1123Subdomain(storageClassName)) this.invalid(scPath, storageClassName, p);
    }

    const resPath = [...specPath, 'resources'];
    const reqPath = [...resPath, 'requests'];
    const storagePath = [...reqPath, 'storage'];
    let storage: string | undefined;
    if (this.requireMapping(spec.resources, resPath) && this.requireMapping(spec.resources.requests, reqPath)) {
      const rawStorage = spec.resources.requests.storage;
      if (isBlank(rawStorage)) this.add(storagePath, 'REQUIRED', 'Required value');
      else {
        const q = parseQuantityValue(rawStorage);
        if (!q) {
          this.add(storagePath, 'INVALID_QUANTITY', `Invalid value: ${renderValue(rawStorage)}: must be a quantity such as "1Gi", "500Mi" or "10G"`);
        } else if (isNegative(q) || isZero(q)) {
          this.invalid(storagePath, rawStorage, 'must be greater than zero');
        } else if (!fitsQuantityLimit(q)) {
          this.add(storagePath, 'TOO_LARGE', () => `Invalid value: ${renderValue(rawStorage)}: ${QUANTITY_TOO_LARGE}`);
        } else {
          storage = String(rawStorage);
        }
      }
    }

    if (this.errorCount > before || name === undefined || storage === undefined || storageClassName === undefined) return undefined;
    const resources = spec.resources as Record<string, unknown> & { requests: Record<string, unknown> };
    return {
      metadata: labels ? { name, labels } : { name },
      spec: {
        ...spec,
        accessModes,
        storageClassName: storageClassName ?? 'standard',
        resources: { ...resources, requests: { ...resources.requests, storage } },
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Job and CronJob

  /**
   * A Job spec (`mode: 'Job'`), or the spec of a CronJob's jobTemplate (`'JobTemplate'`, where
   * the selector is always generated). Defaults as batch/v1 does: completions and parallelism
   * 1 when neither is set (completions null, a work queue, when only parallelism is), backoffLimit
   * 6, completionMode NonIndexed, suspend false.
   */
  private jobSpec(raw: unknown, path: Path, mode: 'Job' | 'JobTemplate'): { spec: JobManifestSpec; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errorCount;

    const parallelism = this.int(raw.parallelism, [...path, 'parallelism'], 0);
    const completions = this.int(raw.completions, [...path, 'completions'], 0);
    const backoffLimit = this.int(raw.backoffLimit, [...path, 'backoffLimit'], 0);
    const activeDeadlineSeconds = this.int(raw.activeDeadlineSeconds, [...path, 'activeDeadlineSeconds'], 1, 'must be greater than 0');
    const ttl = this.int(raw.ttlSecondsAfterFinished, [...path, 'ttlSecondsAfterFinished'], 0);
    const completionMode = this.oneOf(raw.completionMode, [...path, 'completionMode'], ['NonIndexed', 'Indexed'] as const);
    if (completionMode === 'Indexed' && isAbsent(raw.completions)) {
      this.add([...path, 'completions'], 'REQUIRED', 'Required value: when completion mode is Indexed');
    }
    const suspend = this.bool(raw.suspend, [...path, 'suspend']);
    const manualSelector = this.bool(raw.manualSelector, [...path, 'manualSelector']);
    // Job features this platform does not run yet: refused rather than silently ignored.
    for (const field of ['podFailurePolicy', 'successPolicy', 'backoffLimitPerIndex', 'maxFailedIndexes', 'podReplacementPolicy', 'managedBy']) {
      if (!isAbsent(raw[field])) this.add([...path, field], 'UNSUPPORTED_FIELD', `Forbidden: ${field} is not supported yet`);
    }

    const selPath = [...path, 'selector'];
    let matchLabels: Record<string, string> | undefined;
    if (mode === 'JobTemplate') {
      if (!isAbsent(raw.selector)) this.invalid(selPath, raw.selector, '`selector` will be auto-generated');
      if (manualSelector === true) this.notSupported([...path, 'manualSelector'], true, ['nil', 'false']);
    } else if (manualSelector === true) {
      matchLabels = this.selector(raw.selector, selPath, 'Job');
    } else if (!isAbsent(raw.selector)) {
      this.invalid(selPath, raw.selector, '`selector` will be auto-generated; set manualSelector: true to choose it yourself');
    }

    const template = this.podTemplate(raw.template, [...path, 'template'], 'Job', matchLabels);

    if (
      this.errorCount > before || !template || parallelism === undefined || completions === undefined ||
      backoffLimit === undefined || activeDeadlineSeconds === undefined || ttl === undefined ||
      completionMode === undefined || suspend === undefined || manualSelector === undefined
    ) {
      return undefined;
    }
    const spec: JobManifestSpec = {
      ...raw,
      parallelism: parallelism ?? 1,
      completions: completions ?? (parallelism === null ? 1 : null),
      backoffLimit: backoffLimit ?? 6,
      activeDeadlineSeconds,
      ttlSecondsAfterFinished: ttl,
      completionMode: completionMode ?? 'NonIndexed',
      suspend: suspend ?? false,
      template: template.template,
    };
    if (matchLabels) spec.selector = { matchLabels };
    else delete spec.selector;
    if (manualSelector === null) delete spec.manualSelector;
    else spec.manualSelector = manualSelector;
    return { spec, billed: template.billed };
  }

  private cronJobSpec(raw: unknown, path: Path): { spec: CronJobSpec; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errorCount;

    const schedPath = [...path, 'schedule'];
    const tzPath = [...path, 'timeZone'];
    let schedule: string | undefined;
    if (isBlank(raw.schedule)) this.add(schedPath, 'REQUIRED', 'Required value');
    else schedule = this.str(raw.schedule, schedPath) ?? undefined;
    let timeZone = this.str(raw.timeZone, tzPath);
    if (timeZone === '') timeZone = null;
    if (schedule !== undefined && timeZone !== undefined) {
      const problem = validateSchedule(schedule, timeZone);
      if (problem) {
        const isTz = problem.field === 'timeZone';
        const detail = /^(Invalid value|Required value|Unsupported value|Forbidden):/.test(problem.message)
          ? problem.message
          : `Invalid value: ${renderValue(isTz ? timeZone : schedule)}: ${problem.message}`;
        this.add(isTz ? tzPath : schedPath, detail.startsWith('Required value') ? 'REQUIRED' : 'INVALID_VALUE', detail);
      }
    }

    const concurrencyPolicy = this.oneOf(raw.concurrencyPolicy, [...path, 'concurrencyPolicy'], ['Allow', 'Forbid', 'Replace'] as const);
    const startingDeadlineSeconds = this.int(raw.startingDeadlineSeconds, [...path, 'startingDeadlineSeconds'], 0);
    const suspend = this.bool(raw.suspend, [...path, 'suspend']);
    const successful = this.int(raw.successfulJobsHistoryLimit, [...path, 'successfulJobsHistoryLimit'], 0);
    const failed = this.int(raw.failedJobsHistoryLimit, [...path, 'failedJobsHistoryLimit'], 0);

    const jtPath = [...path, 'jobTemplate'];
    let jobTemplate: JobTemplateSpec | undefined;
    let billed: BilledSpec | undefined;
    if (this.requireMapping(raw.jobTemplate, jtPath)) {
      const jt = raw.jobTemplate;
      const metaPath = [...jtPath, 'metadata'];
      const meta = this.optionalMapping(jt.metadata, metaPath);
      const labels = this.labels(meta?.labels, [...metaPath, 'labels']);
      const annotations = this.annotations(meta?.annotations, [...metaPath, 'annotations']);
      const job = this.jobSpec(jt.spec, [...jtPath, 'spec'], 'JobTemplate');
      if (job && meta) {
        jobTemplate = { ...jt, metadata: { labels, annotations }, spec: job.spec };
        billed = job.billed;
      }
    }

    if (
      this.errorCount > before || schedule === undefined || timeZone === undefined || concurrencyPolicy === undefined ||
      startingDeadlineSeconds === undefined || suspend === undefined || successful === undefined || failed === undefined ||
      !jobTemplate || !billed
    ) {
      return undefined;
    }
    return {
      spec: {
        ...raw,
        schedule,
        timeZone,
        concurrencyPolicy: concurrencyPolicy ?? 'Allow',
        startingDeadlineSeconds,
        suspend: suspend ?? false,
        successfulJobsHistoryLimit: successful ?? 3,
        failedJobsHistoryLimit: failed ?? 1,
        jobTemplate,
      },
      billed,
    };
  }
}

/**
 * The template annotations as the sizing rule should see them. A YAML number such as
 * `eks.tke.cloud.tencent.com/cpu: 2` is already reported as "must be a string"; reading it as
 * its text here keeps the sizing check from adding a second, misleading error about it.
 */
function annotationsForSizing(raw: unknown): Record<string, string> | undefined {
  if (!isPlainObject(raw)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    out[k] = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
  }
  return out as Record<string, string>;
}
