/**
 * Types, limits and messages shared by the YAML fast path and its fallback.
 *
 * Pure: no I/O, no clock, no randomness.
 */

/** What one stream may hold. Every limit is checked in time linear in the input. */
export interface YamlLimits {
  /** Documents in one stream (`---` separated). */
  maxDocuments: number;
  /** Keys in one mapping, and items in one sequence (duplicates counted). */
  maxCollectionSize: number;
  /**
   * Nesting depth of collections: a scalar document is depth 0, `{a: 1}` depth 1, `{a: [1]}`
   * depth 2. Values above MAX_SUPPORTED_DEPTH are treated as MAX_SUPPORTED_DEPTH.
   */
  maxDepth: number;
  /**
   * Aliases per document, and alias expansions per document: the `yaml` package's
   * `maxAliasCount` (resolved aliases weighted by the aliases inside what they point at, so a
   * "billion laughs" is refused early).
   */
  maxAliases: number;
}

export const DEFAULT_YAML_LIMITS: Readonly<YamlLimits> = Object.freeze({
  maxDocuments: 1000,
  maxCollectionSize: 10_000,
  maxDepth: 64,
  maxAliases: 100,
});

/**
 * The deepest nesting either parser is allowed to reach, whatever the caller asks: both recurse
 * once per level (the `yaml` package's composer too), and this keeps them far from the stack.
 */
export const MAX_SUPPORTED_DEPTH = 512;

export type YamlIssueCode = 'INVALID_YAML' | 'LIMIT_EXCEEDED';

export interface YamlIssue {
  code: YamlIssueCode;
  /** One line: `Invalid YAML: <problem> at line L, column C` or `YAML limit exceeded: ...`. */
  message: string;
  /** Index of the document the issue belongs to, when it belongs to one. */
  document?: number;
}

export interface YamlDocument {
  /** The document as plain JSON-like data (null for an empty document). Meaningful only when `errors` is empty. */
  value: unknown;
  errors: YamlIssue[];
}

export interface YamlStream {
  documents: YamlDocument[];
  /**
   * Problems of the stream as a whole. A limit exceeded anywhere stops the parse: `documents`
   * is then empty and this holds the one LIMIT_EXCEEDED issue (with the document it was found in).
   */
  errors: YamlIssue[];
}

export function resolveLimits(limits: Partial<YamlLimits> | undefined): YamlLimits {
  const out: YamlLimits = { ...DEFAULT_YAML_LIMITS };
  if (limits) {
    for (const key of Object.keys(DEFAULT_YAML_LIMITS) as (keyof YamlLimits)[]) {
      const v = limits[key];
      if (typeof v === 'number' && !Number.isNaN(v)) out[key] = Math.max(0, Math.floor(v));
    }
  }
  out.maxDepth = Math.min(out.maxDepth, MAX_SUPPORTED_DEPTH);
  return out;
}

/** A limit was exceeded at `offset` (-1: not tied to a place) of the text being parsed. */
export class LimitExceeded {
  constructor(
    readonly what: 'documents' | 'mapping' | 'sequence' | 'depth' | 'aliases',
    readonly limit: number,
    readonly offset: number,
    /** The document it was found in, once known. */
    public document?: number,
  ) {}

  describe(): string {
    switch (this.what) {
      case 'documents':
        return `more than ${this.limit} documents in the stream (maxDocuments: ${this.limit})`;
      case 'mapping':
        return `a mapping has more than ${this.limit} keys (maxCollectionSize: ${this.limit})`;
      case 'sequence':
        return `a sequence has more than ${this.limit} items (maxCollectionSize: ${this.limit})`;
      case 'depth':
        return `collections nested more than ${this.limit} deep (maxDepth: ${this.limit})`;
      case 'aliases':
        return `more than ${this.limit} alias expansions (maxAliases: ${this.limit})`;
    }
  }
}

/** Line starts of a text, for turning offsets into `line L, column C` (1-based, as the `yaml` package does). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): { line: number; col: number } {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - s[lo] + 1 };
  }

  at(offset: number): string {
    const { line, col } = this.position(offset);
    return ` at line ${line}, column ${col}`;
  }
}

/** The first line of a message, without a trailing colon (as parseManifest has always shown YAML errors). */
export function firstLine(message: string): string {
  return message.split('\n')[0].trim().replace(/:$/, '');
}

export const DUPLICATE_KEY_MESSAGE = 'Map keys must be unique';
