/**
 * The one shape of a validation problem, and how every validator words it: kubectl-style field
 * paths (`spec.template.spec.containers[0].image`), values as kubectl shows them, and the
 * details of Kubernetes' field error types (Required value, Invalid value, Unsupported value,
 * Forbidden, Too long, Too many, Duplicate value, unknown field), each with its code. Plus an
 * error budget that stops building messages past the cap of one request.
 *
 * Pure: no I/O, no clock, no randomness.
 */

/** A field problem, with its path relative to what was checked and a kubectl-style message. */
export interface FieldError {
  field: string[];
  code: string;
  message: string;
}

/** The name the API layers use for a FieldError (a payload's `userErrors` entry). */
export type UserError = FieldError;

/** Receives one problem; the detail is built only if the receiver keeps it. */
export type Emit = (field: string[], code: string, detail: () => string) => void;

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

/** A value as kubectl shows it in "Invalid value: ..." messages, shortened when long. */
export function renderValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v.length > 200 ? v.slice(0, 200) : v);
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

/** `"a", "b", "c"`: the supported values of an Unsupported value message. */
export function quoted(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);

/** The codes of Kubernetes' field error types, as `userErrors` and `extensions.code` carry them. */
export const CODES = {
  required: 'REQUIRED',
  invalid: 'INVALID_VALUE',
  notSupported: 'UNSUPPORTED_VALUE',
  forbidden: 'FORBIDDEN',
  tooLong: 'TOO_LONG',
  tooMany: 'LIMIT_EXCEEDED',
  duplicate: 'DUPLICATE',
  unknownField: 'UNKNOWN_FIELD',
} as const;

/** The details (what follows `path: `) of Kubernetes' field error types. */
export const detail = {
  required: (what?: string): string => (what ? `Required value: ${what}` : 'Required value'),
  invalid: (value: unknown, why: string): string => `Invalid value: ${renderValue(value)}: ${why}`,
  notSupported: (value: unknown, supported: readonly string[], why = ''): string => `Unsupported value: ${renderValue(value)}: ${why ? `${why}; ` : ''}supported values: ${quoted(supported)}`,
  forbidden: (why: string): string => `Forbidden: ${why}`,
  tooLong: (max: number, unit = 'bytes'): string => `Too long: may not be more than ${max} ${unit}`,
  duplicate: (value: unknown): string => `Duplicate value: ${renderValue(value)}`,
  /** What strict field validation says of a field the schema does not know (`shown`: its path in the object). */
  unknownField: (shown: readonly string[], meant?: string): string => `unknown field ${JSON.stringify(formatFieldPath(shown))}${meant ? ` (did you mean "${meant}"?)` : ''}`,
} as const;

/** "Too many: 120: must have at most 100 labels" (Kubernetes' field.TooMany, with what). */
export function tooMany(n: number, max: number, what: string): string {
  return `Too many: ${n}: must have at most ${max} ${plural(max, what)}`;
}

/** A FieldError whose message is `path: detail` (or the detail alone at the root). */
export function fieldError(path: readonly string[], code: string, text: string): FieldError {
  const where = formatFieldPath(path);
  return { field: [...path], code, message: where ? `${where}: ${text}` : text };
}

/**
 * A field the kind's schema does not know, worded as the API server's strict field validation
 * does (`unknown field "spec.template.spec.bogusField"`); `shown` is the path as the user wrote
 * it inside the object, `path` where it is reported (a prefix such as the document's index).
 */
export function unknownField(path: readonly string[], shown: readonly string[]): FieldError {
  return { field: [...path], code: CODES.unknownField, message: detail.unknownField(shown) };
}

/** The code of the last entry of a capped error list, standing for the errors left out. */
export const TOO_MANY_ERRORS = 'TOO_MANY_ERRORS';

/** The entry standing for `omitted` errors left out of a list ("… and 412 more errors"). */
export function tooManyErrors(omitted: number): FieldError & { omitted: number } {
  return { field: [], code: TOO_MANY_ERRORS, message: `… and ${omitted} more ${omitted === 1 ? 'error' : 'errors'}`, omitted };
}

/**
 * Collects field errors up to `max`; past it, only counts them (no path, no message is built),
 * so a request with 50,000 bad fields costs 50,000 checks, not 50,000 messages.
 */
export class ErrorBudget {
  readonly errors: FieldError[] = [];
  /** Errors found past the cap. */
  omitted = 0;

  constructor(readonly max: number = Number.POSITIVE_INFINITY) {}

  get full(): boolean {
    return this.errors.length >= this.max;
  }

  /** Every error found, kept or not. */
  get count(): number {
    return this.errors.length + this.omitted;
  }

  add(field: string[] | (() => string[]), code: string, message: string | (() => string)): void {
    if (this.full) {
      this.omitted++;
      return;
    }
    this.errors.push({ field: typeof field === 'function' ? field() : field, code, message: typeof message === 'function' ? message() : message });
  }

  /** The errors kept, then one TOO_MANY_ERRORS entry standing for the rest (if any). */
  list(): FieldError[] {
    return this.omitted > 0 ? [...this.errors, tooManyErrors(this.omitted)] : [...this.errors];
  }

  /** An Emit that prefixes paths with `base` and messages with the kubectl path from `shown` on. */
  at(base: string[], shown: string[] = base): Emit {
    return (field, code, detail) =>
      this.add(() => [...base, ...field], code, () => {
        const where = formatFieldPath([...shown, ...field]);
        return where ? `${where}: ${detail()}` : detail();
      });
  }
}

/** Levenshtein distance, for "did you mean" hints on short field names. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/**
 * The name among `candidates` that `word` was probably meant to be ("did you mean"): the same
 * name in another case, one within two edits, or one that contains it (a shortened name such
 * as "utilization" for "averageUtilization"); undefined when none is close.
 */
export function nearestName(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (bestD <= 2) return best;
  return lower.length >= 4 ? candidates.find((c) => c.toLowerCase().includes(lower)) : undefined;
}
