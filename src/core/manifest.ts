/**
 * Parses and validates the YAML a user submits (one or more documents, or a `kind: List`)
 * into the objects this platform runs: Namespaces and Deployments. Each Deployment gets the
 * billed pod spec its pods will run at.
 *
 * Every problem found is reported, across all documents, with a field path
 * `[...fieldPrefix, '<documentIndex>', ...pathInsideObject]` and a kubectl-style message
 * (`spec.replicas: Invalid value: -1: must be greater than or equal to 0`).
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { parseAllDocuments } from 'yaml';
import {
  validateDns1123Label,
  validateDns1123Subdomain,
  validateLabelKey,
  validateLabelValue,
} from './names';
import { sizePod, type BilledSpec, type ContainerLike } from './sizing';

export interface UserError {
  field: string[];
  message: string;
  code: string;
}
export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface ContainerSpec {
  name: string;
  image: string;
  [k: string]: unknown;
}
export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: { containers: ContainerSpec[]; initContainers?: ContainerSpec[]; [k: string]: unknown };
}
export interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: PodTemplate;
  [k: string]: unknown;
}
export type ManifestObject = (
  | { apiVersion: 'v1'; kind: 'Namespace'; metadata: ObjectMeta }
  | { apiVersion: 'apps/v1'; kind: 'Deployment'; metadata: ObjectMeta; spec: DeploymentSpec; billed: BilledSpec }
) & {
  /** Field path of the object in the input (`['manifest', '<document>']`, or `…, 'items', '<i>'` in a List). */
  source: string[];
};

export interface ParseManifestOptions {
  /** Namespace for objects that do not name one. Defaults to 'default'. */
  defaultNamespace?: string;
  /** Prepended to every error's field path. Defaults to ['manifest']. */
  fieldPrefix?: string[];
}

/** Kinds this platform runs, with the one apiVersion each is served at. */
export const SUPPORTED_KINDS: Readonly<Record<string, string>> = Object.freeze({
  Namespace: 'v1',
  Deployment: 'apps/v1',
});

/** Kinds Kubernetes users will reasonably try that are refused for now. */
const NOT_YET_SUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  StatefulSet: 'StatefulSet is not supported yet',
  Job: 'Job is not supported yet',
  CronJob: 'CronJob is not supported yet',
  Pod: 'bare Pods are not supported yet; wrap the pod in a Deployment (replicas: 1)',
});

const DAEMONSET_EXPLANATION =
  'a DaemonSet runs one pod on every node, and a Nodeless cluster has no nodes, so there is nothing ' +
  'for a DaemonSet to run on; run the agent as a sidecar container in the pods that need it, or as a Deployment instead';

const INT32_MAX = 2147483647;
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/**
 * Parses a manifest. `objects` holds only the objects that passed validation; `errors` holds
 * every problem found in every document.
 */
export function parseManifest(
  text: string,
  opts: ParseManifestOptions = {},
): { objects: ManifestObject[]; errors: UserError[] } {
  const prefix = opts.fieldPrefix ?? ['manifest'];
  const v = new Validator(opts.defaultNamespace ?? 'default');

  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(typeof text === 'string' ? text : '');
  } catch (e) {
    v.errors.push({ field: [...prefix], code: 'INVALID_YAML', message: `Invalid YAML: ${firstLine(e)}` });
    return { objects: [], errors: v.errors };
  }

  docs.forEach((doc, d) => {
    const base = [...prefix, String(d)];
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        v.errors.push({ field: base, code: 'INVALID_YAML', message: `Invalid YAML: ${firstLine(e)}` });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      v.errors.push({ field: base, code: 'INVALID_YAML', message: `Invalid YAML: ${firstLine(e)}` });
      return;
    }
    if (value === null || value === undefined) return; // an empty document: a bare `---`, or only comments
    const unstorable = findUnstorableText(value, base);
    if (unstorable) {
      v.errors.push({ field: unstorable, code: 'INVALID_VALUE', message: `${formatFieldPath(unstorable.slice(base.length))}: Invalid value: contains a NUL character or an unpaired UTF-16 surrogate` });
      return;
    }
    v.document(value, base, `document ${d}`);
    for (const error of validateSimAnnotations(value, base)) v.errors.push(error);
  });

  return { objects: v.objects, errors: v.errors };
}

/** NUL and unpaired surrogates: text PostgreSQL (and most tools) cannot store. */
export const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The path of the first key or string value holding unstorable text, or null. */
export function findUnstorableText(value: unknown, path: string[]): string[] | null {
  if (typeof value === 'string') return UNSTORABLE_TEXT.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findUnstorableText(value[i], [...path, String(i)]);
      if (hit) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (UNSTORABLE_TEXT.test(k)) return [...path, k];
      const hit = findUnstorableText(v, [...path, k]);
      if (hit) return hit;
    }
  }
  return null;
}

/** Annotations that script the simulated sandbox (README): whole milliseconds up to one hour. */
export const SIM_ANNOTATIONS = ['sim.nodeless.dev/boot-ms', 'sim.nodeless.dev/stop-ms'];
const SIM_MAX_MS = 3_600_000;

function validateSimAnnotations(value: unknown, base: string[]): UserError[] {
  const doc = value as { kind?: unknown; spec?: { template?: { metadata?: { annotations?: unknown } } } };
  const annotations = doc?.spec?.template?.metadata?.annotations;
  if (!isPlainObject(annotations)) return [];
  const errors: UserError[] = [];
  for (const key of SIM_ANNOTATIONS) {
    const v = annotations[key];
    if (v === undefined || typeof v !== 'string') continue; // absent, or already reported as not a string
    if (!/^\d{1,7}$/.test(v) || Number(v) > SIM_MAX_MS) {
      const field = [...base, 'spec', 'template', 'metadata', 'annotations', key];
      errors.push({ field, code: 'INVALID_ANNOTATION', message: `${formatFieldPath(field.slice(base.length))}: Invalid value: "${v}": must be whole milliseconds from 0 to ${SIM_MAX_MS}` });
    }
  }
  return errors;
}

/** Renders a field path the way kubectl does: `spec.template.spec.containers[0].image`. */
export function formatFieldPath(path: readonly string[]): string {
  let out = '';
  for (const seg of path) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${seg}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

type Path = string[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim().replace(/:$/, '');
}

/** A value as kubectl shows it in "Invalid value: ..." messages, shortened when long. */
function renderValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (v === undefined) s = 'undefined';
  else if (typeof v === 'number' || typeof v === 'boolean' || v === null) s = String(v);
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

class Validator {
  readonly errors: UserError[] = [];
  readonly objects: ManifestObject[] = [];
  /** kind/namespace/name → where it was first defined. */
  private readonly seen = new Map<string, string>();
  /** Field prefix of the document being validated (`[...fieldPrefix, '<doc>']`). */
  private base: Path = [];

  constructor(private readonly defaultNamespace: string) {}

  private add(path: Path, code: string, detail: string): void {
    const where = formatFieldPath(path);
    this.errors.push({ field: [...this.base, ...path], code, message: where ? `${where}: ${detail}` : detail });
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
    const before = this.errors.length;
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

    // The rest is validated even after an apiVersion problem, so every error shows at once.
    if (kind === 'Namespace') {
      const metadata = this.metadata(value.metadata, [...path, 'metadata'], 'label', false);
      this.checkDuplicate(kind, metadata, [...path, 'metadata', 'name'], where);
      if (this.errors.length === before && metadata) {
        this.objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata, source: [...this.base, ...path] });
      }
      return;
    }

    // Deployment
    const metadata = this.metadata(value.metadata, [...path, 'metadata'], 'subdomain', true);
    this.checkDuplicate(kind, metadata, [...path, 'metadata', 'name'], where);
    const result = this.deploymentSpec(value.spec, [...path, 'spec']);
    if (this.errors.length === before && metadata && result) {
      this.objects.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: result.spec, billed: result.billed, source: [...this.base, ...path] });
    }
  }

  private refuseKind(kind: string, path: Path): void {
    if (kind === 'DaemonSet') {
      this.add(path, 'UNSUPPORTED_KIND', `Unsupported value: "DaemonSet": ${DAEMONSET_EXPLANATION}`);
      return;
    }
    const supported = Object.entries(SUPPORTED_KINDS)
      .map(([k, api]) => `"${k}" (apiVersion ${api})`)
      .join(' and ');
    const notYet = NOT_YET_SUPPORTED[kind];
    if (Object.prototype.hasOwnProperty.call(NOT_YET_SUPPORTED, kind)) {
      this.add(path, 'UNSUPPORTED_KIND', `Unsupported value: ${renderValue(kind)}: ${notYet}; supported kinds are ${supported}`);
      return;
    }
    const near = Object.keys(SUPPORTED_KINDS).find((k) => k.toLowerCase() === kind.toLowerCase());
    const hint = near ? ` (kinds are case-sensitive: did you mean "${near}"?)` : '';
    this.add(
      path,
      'UNKNOWN_KIND',
      `Unsupported value: ${renderValue(kind)}: unknown kind${hint}; supported kinds are ${supported}`,
    );
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

    const name = m.name;
    if (isBlank(name)) {
      ok = false;
      const detail = isBlank(m.generateName)
        ? 'Required value: name is required'
        : 'Required value: generateName is not supported; set metadata.name';
      this.add([...path, 'name'], 'REQUIRED', detail);
    } else if (typeof name !== 'string') {
      ok = false;
      this.add([...path, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: must be a string`);
    } else {
      const problems = nameRule === 'label' ? validateDns1123Label(name) : validateDns1123Subdomain(name);
      for (const p of problems) this.add([...path, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: ${p}`);
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
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be a mapping of strings to strings`);
      return out;
    }
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== 'string') {
        const quoted = typeof v === 'number' || typeof v === 'boolean' ? `; quote it in YAML: "${String(v)}"` : '';
        this.add([...path, k], 'INVALID_VALUE', `Invalid value: ${renderValue(v)}: ${what} values must be strings${quoted}`);
        continue;
      }
      out[k] = v;
    }
    return out;
  }

  private labels(raw: unknown, path: Path): Record<string, string> {
    const labels = this.stringMap(raw, path, 'label');
    for (const [k, v] of Object.entries(labels)) {
      for (const p of validateLabelKey(k)) this.add([...path, k], 'INVALID_VALUE', `Invalid value: ${renderValue(k)}: ${p}`);
      for (const p of validateLabelValue(v)) this.add([...path, k], 'INVALID_VALUE', `Invalid value: ${renderValue(v)}: ${p}`);
    }
    return labels;
  }

  private annotations(raw: unknown, path: Path): Record<string, string> {
    const annotations = this.stringMap(raw, path, 'annotation');
    let size = 0;
    for (const [k, v] of Object.entries(annotations)) {
      for (const p of validateLabelKey(k)) this.add([...path, k], 'INVALID_VALUE', `Invalid value: ${renderValue(k)}: ${p}`);
      size += k.length + v.length;
    }
    if (size > ANNOTATIONS_MAX_BYTES) {
      this.add(path, 'INVALID_VALUE', `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes`);
    }
    return annotations;
  }

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

  // -------------------------------------------------------------------------------------------
  // Deployment spec

  private deploymentSpec(raw: unknown, path: Path): { spec: DeploymentSpec; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errors.length;

    const replicas = this.replicas(raw.replicas, [...path, 'replicas']);
    const matchLabels = this.selector(raw.selector, [...path, 'selector']);
    const template = this.template(raw.template, [...path, 'template'], matchLabels);

    if (this.errors.length > before || replicas === undefined || !matchLabels || !template) return undefined;
    return {
      spec: { ...raw, replicas, selector: { matchLabels }, template: template.template },
      billed: template.billed,
    };
  }

  private replicas(raw: unknown, path: Path): number | undefined {
    if (raw === undefined || raw === null) return 1;
    if (typeof raw !== 'number' || !Number.isInteger(raw)) {
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be an integer`);
      return undefined;
    }
    if (raw < 0) {
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be greater than or equal to 0`);
      return undefined;
    }
    if (raw > INT32_MAX) {
      this.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be less than or equal to ${INT32_MAX}`);
      return undefined;
    }
    return raw;
  }

  private selector(raw: unknown, path: Path): Record<string, string> | undefined {
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
    const before = this.errors.length;
    const labels = this.labels(rawLabels, [...path, 'matchLabels']);
    if (this.errors.length > before) return undefined;
    if (Object.keys(labels).length === 0) {
      if (!hasExpressions) {
        this.add([...path, 'matchLabels'], 'INVALID_VALUE', 'Invalid value: {}: empty selector is invalid for deployment');
      }
      return undefined;
    }
    return hasExpressions ? undefined : labels;
  }

  private template(
    raw: unknown,
    path: Path,
    matchLabels: Record<string, string> | undefined,
  ): { template: PodTemplate; billed: BilledSpec } | undefined {
    if (!this.requireMapping(raw, path)) return undefined;
    const before = this.errors.length;

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

    const specPath = [...path, 'spec'];
    const podSpec = raw.spec;
    if (podSpec === undefined || podSpec === null) {
      this.add(specPath, 'REQUIRED', 'Required value');
      return undefined;
    }
    if (!isPlainObject(podSpec)) {
      this.add(specPath, 'INVALID_VALUE', `Invalid value: ${renderValue(podSpec)}: must be a mapping`);
      return undefined;
    }

    const names = new Set<string>();
    const containers = this.containers(podSpec.containers, [...specPath, 'containers'], names, true);
    const hasInit = podSpec.initContainers !== undefined && podSpec.initContainers !== null;
    const initContainers = hasInit
      ? this.containers(podSpec.initContainers, [...specPath, 'initContainers'], names, false)
      : undefined;
    if (!containers || (hasInit && !initContainers)) return undefined;

    const sizing = sizePod(
      { containers: containers as ContainerLike[], initContainers: initContainers as ContainerLike[] | undefined },
      annotationsForSizing(rawAnnotations),
    );
    if (!sizing.ok) {
      for (const e of sizing.errors) this.add([...path, ...e.field], e.code, e.message);
      return undefined;
    }
    if (this.errors.length > before) return undefined;

    const spec: PodTemplate['spec'] = { ...podSpec, containers };
    if (initContainers) spec.initContainers = initContainers;
    else delete spec.initContainers;
    return { template: { metadata: { labels, annotations }, spec }, billed: sizing.spec };
  }

  /**
   * Validates a container list (names, uniqueness across `names`, images). Returns the list
   * when it is an array of mappings, even if some container has other problems.
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
    });
    return shapeOk ? (raw as ContainerSpec[]) : undefined;
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
