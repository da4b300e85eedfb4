/**
 * The shared checking context of a manifest parse (ManifestContext: errors and their budget,
 * accepted objects, duplicate names, and the field checks every kind uses: metadata, labels,
 * annotations, scalars, selectors), and the small pure helpers the kind modules share.
 *
 * Pure: no I/O, no clock, no randomness (generateName's suffix is given by the caller).
 */
import { validateDns1123Label, validateDns1123Subdomain } from '../names';
import { checkAnnotations, checkLabels, DEFAULT_OBJECT_LIMITS, type ObjectLimits } from '../objectLimits';
import { CODES, detail, formatFieldPath, renderValue, tooMany, tooManyErrors, type UserError } from '../validation/errors';
import { generatedName } from '../pods';
import type { IntOrPercent } from '../workloads/specs';
import type { ManifestObject, ObjectMeta, ParseManifestOptions } from './types';

export type Path = string[];

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

export function isAbsent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/** "a", "a and b", "a, b and c". */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

const INT32_MAX = 2147483647;

/**
 * What checking one manifest shares across its objects: the errors found (with the error
 * budget), the objects accepted, the names already defined, and the checks every kind uses on
 * its fields. One is made per parse; the per-kind modules call it while they read their object.
 */
export class ManifestContext {
  readonly errors: UserError[] = [];
  readonly objects: ManifestObject[] = [];
  /** kind/namespace/name → where it was first defined. */
  private readonly seen = new Map<string, string>();
  /** Field prefix of the document being validated (`[...fieldPrefix, '<doc>']`). */
  base: Path = [];

  /** Every error found (kept or only counted): what "did this part add errors" compares. */
  private found = 0;
  private readonly maxErrors: number;
  readonly limits: ObjectLimits;
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

  /** Every error found so far (kept or only counted). */
  get errorCount(): number {
    return this.found;
  }

  /** Past maxErrors an error is only counted: no path and no message is built for it. */
  add(path: Path, code: string, detail: string | (() => string), prefixed = true): void {
    this.found++;
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
  emitAt(path: Path) {
    return (field: string[], code: string, detail: () => string) => this.add([...path, ...field], code, detail);
  }

  invalid(path: Path, value: unknown, why: string): void {
    this.add(path, CODES.invalid, () => detail.invalid(value, why));
  }

  notSupported(path: Path, value: unknown, values: readonly string[]): void {
    this.add(path, CODES.notSupported, () => detail.notSupported(value, values));
  }

  checkDuplicate(kind: string, metadata: ObjectMeta | undefined, namePath: Path, where: string): void {
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
  metadata(
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
  stringMap(raw: unknown, path: Path, what: 'label' | 'annotation'): Record<string, string> {
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
  labels(raw: unknown, path: Path): Record<string, string> {
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
  annotations(raw: unknown, path: Path): Record<string, string> {
    const annotations = this.stringMap(raw, path, 'annotation');
    checkAnnotations(annotations, this.emitAt(path));
    return annotations;
  }

  // -------------------------------------------------------------------------------------------
  // scalar fields

  /** A required field that must be a mapping; reports REQUIRED or INVALID_VALUE otherwise. */
  requireMapping(raw: unknown, path: Path): raw is Record<string, unknown> {
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
  optionalMapping(raw: unknown, path: Path): Record<string, unknown> | undefined {
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
  int(raw: unknown, path: Path, min: number, minDetail?: string): number | null | undefined {
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
  bool(raw: unknown, path: Path): boolean | null | undefined {
    if (isAbsent(raw)) return null;
    if (typeof raw !== 'boolean') {
      this.invalid(path, raw, 'must be true or false');
      return undefined;
    }
    return raw;
  }

  /** An optional enum: null when absent, undefined (reported) when not one of `values`. */
  oneOf<T extends string>(raw: unknown, path: Path, values: readonly T[]): T | null | undefined {
    if (isBlank(raw)) return null;
    if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) {
      this.notSupported(path, raw, values);
      return undefined;
    }
    return raw as T;
  }

  /** An optional string: null when absent, undefined (reported) when not a string. */
  str(raw: unknown, path: Path): string | null | undefined {
    if (isAbsent(raw)) return null;
    if (typeof raw !== 'string') {
      this.invalid(path, raw, 'must be a string');
      return undefined;
    }
    return raw;
  }

  replicas(raw: unknown, path: Path): number | undefined {
    const n = this.int(raw, path, 0);
    return n === null ? 1 : n;
  }

  /** An int or a percentage ("25%") that is not negative. */
  intOrPercent(raw: unknown, path: Path): IntOrPercent | undefined {
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
  // selectors

  /** A required label selector with matchLabels; `owner` names the kind in the empty-selector message. */
  selector(raw: unknown, path: Path, owner: string): Record<string, string> | undefined {
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
}
