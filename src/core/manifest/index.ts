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
 * This module is the entry point: the YAML stream, Lists, the checks every object gets (kind,
 * apiVersion, unknown fields, metadata, duplicate names), and the dispatch to the kind's module
 * under ./kinds; the checks they share are in ./context and ./podTemplate.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { parseYamlStream } from '../yaml';
import { checkObjectSize } from '../objectLimits';
import { CODES, detail, formatFieldPath, nearestName, renderValue, type UserError } from '../validation/errors';
import { allKinds, apiVersionOf, kindInfo } from '../kinds';
import { knownSiblings, schemaOf, unknownFields } from '../validation/fields';
import { jobLabels } from '../workloads/job';
import { andList, isBlank, isPlainObject, ManifestContext, type Path } from './context';
import type { KindHandler } from './handler';
import type { ManifestObject, ParseManifestOptions } from './types';
import { autoscalerHandler } from './kinds/autoscaler';
import { cronJobHandler } from './kinds/cronjob';
import { deploymentHandler } from './kinds/deployment';
import { jobHandler } from './kinds/job';
import { namespaceHandler } from './kinds/namespace';
import { podHandler } from './kinds/pod';
import { limitRangeHandler, priorityClassHandler, resourceQuotaHandler } from './kinds/policy';
import { statefulSetHandler } from './kinds/statefulset';

/** Unknown fields reported per object at most (a wrong indentation can make hundreds). */
const MAX_UNKNOWN_FIELDS = 100;

export type { ContainerSpec, DeploymentSpec, PodTemplate } from '../workloads/specs';
export type { UserError } from '../validation/errors';
export type {
  AutoscalerObject,
  JobManifestSpec,
  ManifestObject,
  ObjectMeta,
  ParseManifestOptions,
  PolicyObject,
  WorkloadObject,
} from './types';

/** Kinds that hold policy, not pods. */
export const POLICY_KINDS: readonly string[] = Object.freeze(['ResourceQuota', 'LimitRange', 'PriorityClass']);

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

/** How each supported kind is read, by kind. */
const HANDLERS: ReadonlyMap<string, KindHandler> = new Map(
  [
    namespaceHandler,
    deploymentHandler,
    statefulSetHandler,
    jobHandler,
    cronJobHandler,
    podHandler,
    resourceQuotaHandler,
    limitRangeHandler,
    priorityClassHandler,
    autoscalerHandler,
  ].map((h) => [h.kind, h]),
);

// every kind the registry says applyManifest takes has its handler, and no other (checked once, at load)
for (const i of allKinds()) {
  if (i.applies !== HANDLERS.has(i.kind)) throw new Error(`kinds registry and manifest handlers disagree on ${i.kind}`);
}

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
  const v = new ManifestContext(opts.defaultNamespace ?? 'default', opts);

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
  const v = new ManifestContext(opts.defaultNamespace ?? 'default', opts);
  values.forEach((value, d) => {
    validateDocument(v, value, [...prefix, String(d)], d);
  });
  return { objects: v.objects, errors: v.errors };
}

/** One document (`d`, at `base`): nothing for an empty one, text PostgreSQL cannot store refused, then validated. */
function validateDocument(v: ManifestContext, value: unknown, base: string[], d: number): void {
  if (value === null || value === undefined) return;
  const unstorable = findUnstorableText(value, base);
  if (unstorable) {
    v.errors.push({ field: unstorable, code: 'INVALID_VALUE', message: `${formatFieldPath(unstorable.slice(base.length))}: Invalid value: contains a NUL character or an unpaired UTF-16 surrogate` });
    return;
  }
  document(v, value, base, `document ${d}`);
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
// documents, Lists and objects

/** One document: a List, or one object. `base` is its field prefix; `where` names it in duplicate messages. */
function document(c: ManifestContext, value: unknown, base: Path, where: string): void {
  c.base = base;
  if (isPlainObject(value) && value.kind === 'List') {
    list(c, value, where);
    return;
  }
  object(c, value, [], where);
}

function list(c: ManifestContext, value: Record<string, unknown>, where: string): void {
  if (isBlank(value.apiVersion)) c.add(['apiVersion'], 'REQUIRED', 'Required value');
  else if (value.apiVersion !== 'v1') {
    c.add(
      ['apiVersion'],
      'UNSUPPORTED_API_VERSION',
      `Unsupported value: ${renderValue(value.apiVersion)}: a List is served as "v1"; supported values: "v1"`,
    );
  }
  const items = value.items;
  if (items === undefined || items === null) return;
  if (!Array.isArray(items)) {
    c.add(['items'], 'INVALID_VALUE', `Invalid value: ${renderValue(items)}: must be a list of objects`);
    return;
  }
  items.forEach((item, i) => {
    const path = ['items', String(i)];
    if (isPlainObject(item) && item.kind === 'List') {
      c.add([...path, 'kind'], 'UNSUPPORTED_KIND', 'Unsupported value: "List": a List cannot contain another List');
      return;
    }
    object(c, item, path, `${where}, items[${i}]`);
  });
}

function object(c: ManifestContext, value: unknown, path: Path, where: string): void {
  if (!isPlainObject(value)) {
    c.add(
      path,
      'INVALID_OBJECT',
      `Invalid value: ${renderValue(value)}: must be a mapping (an object with apiVersion, kind, metadata, ...)`,
    );
    return;
  }
  // Kubernetes refuses an object over 1.5 MiB (etcd's request limit) before looking inside
  const tooLarge = checkObjectSize(value, c.limits);
  if (tooLarge) {
    c.add(path, 'TOO_LARGE', tooLarge);
    return;
  }
  const before = c.errorCount;
  const { apiVersion, kind } = value;

  if (isBlank(kind)) c.add([...path, 'kind'], 'REQUIRED', 'Required value');
  else if (typeof kind !== 'string') c.add([...path, 'kind'], 'INVALID_VALUE', `Invalid value: ${renderValue(kind)}: must be a string`);
  if (isBlank(apiVersion)) c.add([...path, 'apiVersion'], 'REQUIRED', 'Required value');
  else if (typeof apiVersion !== 'string') {
    c.add([...path, 'apiVersion'], 'INVALID_VALUE', `Invalid value: ${renderValue(apiVersion)}: must be a string`);
  }
  if (typeof kind !== 'string' || kind === '') return;

  if (!Object.prototype.hasOwnProperty.call(SUPPORTED_KINDS, kind)) {
    refuseKind(c, kind, [...path, 'kind']);
    return;
  }
  const wanted = SUPPORTED_KINDS[kind];
  if (typeof apiVersion === 'string' && apiVersion !== '' && apiVersion !== wanted) {
    c.add(
      [...path, 'apiVersion'],
      'UNSUPPORTED_API_VERSION',
      `Unsupported value: ${renderValue(apiVersion)}: ${kind} is served as "${wanted}"; supported values: "${wanted}"`,
    );
  }
  const handler = HANDLERS.get(kind);

  // Strict field validation (kubectl's default): a field the kind's schema does not know is
  // refused, not dropped. What an exported object carries (status, metadata.uid, …) is known
  // to the schema and ignored on apply.
  // (An autoscaler's spec is checked by its own parser, which also suggests the field meant.)
  const schema = schemaOf(wanted, kind);
  if (schema) {
    for (const p of unknownFields(schema, value, MAX_UNKNOWN_FIELDS)) {
      if (handler?.checksOwnSpecFields && p[0] === 'spec') continue;
      c.add([...path, ...p], CODES.unknownField, () => detail.unknownField(p, nearestName(p[p.length - 1], knownSiblings(schema, p))), false);
    }
  }

  // The rest is validated even after an apiVersion problem, so every error shows at once.
  const source = [...c.base, ...path];
  const metaPath = [...path, 'metadata'];

  const metadata = c.metadata(value.metadata, metaPath, handler?.nameRule ?? 'subdomain', kindInfo(kind)?.namespaced ?? true);
  if (metadata && handler?.checkName) handler.checkName(c, metadata, [...metaPath, 'name']);
  c.checkDuplicate(kind, metadata, [...metaPath, 'name'], where);
  if (!handler) return;
  const obj = handler.parse(c, value, path, metadata, source);
  if (c.errorCount === before && obj) c.objects.push(obj);
}

function refuseKind(c: ManifestContext, kind: string, path: Path): void {
  if (kind === 'DaemonSet') {
    c.add(path, 'UNSUPPORTED_KIND', `Unsupported value: "DaemonSet": ${DAEMONSET_EXPLANATION}`);
    return;
  }
  const kinds = andList(Object.entries(SUPPORTED_KINDS).map(([k, api]) => `"${k}" (apiVersion ${api})`));
  if (Object.prototype.hasOwnProperty.call(NOT_YET_SUPPORTED, kind)) {
    c.add(path, 'UNSUPPORTED_KIND', `Unsupported value: ${renderValue(kind)}: ${NOT_YET_SUPPORTED[kind]}; supported kinds are ${kinds}`);
    return;
  }
  // Case slips (`deployment`, `Cronjob`) and plurals (`pods`, `StatefulSets`).
  const lower = kind.toLowerCase();
  const near = Object.keys(SUPPORTED_KINDS).find((k) => {
    const l = k.toLowerCase();
    return l === lower || `${l}s` === lower;
  });
  const hint = near ? ` (kinds are singular and case-sensitive: did you mean "${near}"?)` : '';
  c.add(path, 'UNKNOWN_KIND', `Unsupported value: ${renderValue(kind)}: unknown kind${hint}; supported kinds are ${kinds}`);
}
