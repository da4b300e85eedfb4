/**
 * The fast path: a hand-written, single-pass parser for the YAML people write for Kubernetes
 * and that kubectl, Helm and `yaml.stringify` emit. Linear in the input: every character is
 * looked at a bounded number of times, and each mapping checks its keys for duplicates with
 * one hash lookup per key.
 *
 * It accepts block mappings and sequences (`- ` items, compact `- key: v` and `- - x`),
 * plain, single- and double-quoted scalars (one line or several, with every escape), flow
 * collections (`{ a: 1, b: [x, y] }`, `[]`, `{}`, over several lines), comments, `---` and
 * `...`, and block scalars (`|`, `>`, chomping `-`/`+`, indentation indicators 1-9).
 * What it accepts it resolves exactly as `parseAllDocuments(text)[i].toJS()` of the `yaml`
 * package does (YAML 1.2 core schema): the values, the key order, duplicate keys reported at
 * the duplicate. `__proto__` keys become own properties; no prototype is ever changed.
 *
 * Tabs are read where they only separate (inside and after plain scalars, after a key's `:`,
 * before a comment). Anything else - anchors, aliases, tags, `?` keys, directives, tabs in
 * indentation or after `-`, a key longer than 1024 characters, and every form of invalid
 * YAML - makes it give up (throw Bail) on the document: the caller hands that document (or,
 * for problems between documents, the whole stream) to the `yaml` package. It never guesses.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { doubleQuotedValue, keyString, resolvePlain, unfoldLines } from './scalars';
import { LimitExceeded, type YamlLimits } from './types';

// String methods are called through the prototype's functions (`charCodeAt.call(src, i)`), not
// as `src.charCodeAt(i)`: once any `class … extends String` exists in the process (node-redis
// defines one), V8 looks methods up on primitive strings several times more slowly, and this
// parser is mostly such lookups; calling the functions themselves is not affected.
const charCodeAt = String.prototype.charCodeAt;
const indexOf = String.prototype.indexOf;
const slice = String.prototype.slice;
const startsWith = String.prototype.startsWith;

/** Thrown when the input leaves the subset; `reason` says where (for tests and debugging). */
export class Bail {
  constructor(readonly reason: string) {}
}

export type FastDocument =
  | { kind: 'fast'; value: unknown; duplicates: number[] }
  /** A document the fast path gave up on: text[start, end) holds it (with its `---` line). */
  | { kind: 'slow'; start: number; end: number; reason: string };

const LF = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;
const BANG = 0x21;
const DQUOTE = 0x22;
const HASH = 0x23;
const PERCENT = 0x25;
const AMP = 0x26;
const SQUOTE = 0x27;
const STAR = 0x2a;
const PLUS = 0x2b;
const COMMA = 0x2c;
const DASH = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const GT = 0x3e;
const QUESTION = 0x3f;
const AT = 0x40;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const BACKTICK = 0x60;
const LBRACE = 0x7b;
const PIPE = 0x7c;
const RBRACE = 0x7d;

/** The longest implicit key the `yaml` package accepts (from key start to its `:`). */
const MAX_IMPLICIT_KEY = 1024;

/** Slots of the key cache (a power of two), and the longest key it holds. */
const KEY_CACHE_SIZE = 4096;
const KEY_CACHE_MAX_LENGTH = 40;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Characters that cannot start a plain scalar here: every YAML indicator (`-`, `?` and `:`
 * start one before a character that is not white space, see plainStart), and TAB.
 */
const NOT_PLAIN_START = new Uint8Array(128);
for (const ch of '&*!|>\'"%@`,[]{}#?:\t') NOT_PLAIN_START[charCodeAt.call(ch, 0)] = 1;

/** In block context: whether a plain scalar may start at p, whose character is c (not a quote or bracket). */
function plainStart(src: string, p: number, c: number): boolean {
  if (c >= 128 || NOT_PLAIN_START[c] === 0) return true;
  if (c !== QUESTION && c !== COLON) return false;
  const d = charCodeAt.call(src, p + 1);
  return d === d && d !== SPACE && d !== TAB && d !== LF;
}

function put(obj: Record<string, unknown>, s: string, value: unknown): void {
  if (s === '__proto__') Object.defineProperty(obj, s, { value, writable: true, enumerable: true, configurable: true });
  else obj[s] = value;
}

/** Parses a whole stream; throws Bail when it must go to the fallback as a whole, LimitExceeded for a limit. */
export function fastParseStream(text: string, limits: YamlLimits): FastDocument[] {
  return new FastParser(text, limits).stream();
}

class FastParser {
  private readonly src: string;
  private readonly len: number;
  /** Current offset. */
  private pos = 0;
  /** Offset of the start of the current line. */
  private lineStart = 0;
  /**
   * Column of the current significant line's first character (pos), or of an item's content
   * after `- `; -1 at the end of the input or at a `---` / `...` line.
   */
  private indent = -1;
  /** Nesting of the flow collection being read (0 outside one). */
  private flowLevel = 0;
  /** Offsets of the duplicate keys of the current document. */
  private duplicates: number[] = [];
  private readonly maxDepth: number;
  private readonly maxSize: number;
  /**
   * Key strings already made, by a hash of their characters: manifests repeat their keys, and
   * reusing one string (already a property name) saves an allocation and a string-table lookup.
   */
  private readonly keys: (string | undefined)[] = new Array(KEY_CACHE_SIZE);

  constructor(text: string, private readonly limits: YamlLimits) {
    this.src = text;
    this.len = text.length;
    this.maxDepth = limits.maxDepth;
    this.maxSize = limits.maxCollectionSize;
  }

  // -------------------------------------------------------------------------------------------
  // Stream and documents

  stream(): FastDocument[] {
    const src = this.src;
    const docs: FastDocument[] = [];
    let open = false; // a document has started and not been pushed
    let current: FastDocument | null = null; // its content, once read
    let docStart = 0;
    const start = charCodeAt.call(src, 0) === 0xfeff ? 1 : 0;
    const count = () => {
      if (docs.length + 1 > this.limits.maxDocuments) {
        throw new LimitExceeded('documents', this.limits.maxDocuments, this.lineStart, docs.length);
      }
    };
    this.pos = start;
    this.lineStart = start;
    this.scanLine();
    for (;;) {
      if (this.indent === -1) {
        if (this.pos >= this.len) break;
        // a `---` or `...` line
        const ls = this.lineStart;
        if (charCodeAt.call(src, ls) === DASH) {
          if (open) docs.push(current ?? { kind: 'fast', value: null, duplicates: [] });
          count();
          open = true;
          current = null;
          docStart = ls;
          if (!this.restOfMarkerLine(ls + 3)) {
            // content on the `---` line: the fallback reads this document
            const end = this.boundaryAfter(ls);
            current = { kind: 'slow', start: ls, end, reason: 'content on the --- line' };
            this.jumpTo(end);
            continue;
          }
        } else {
          if (open) docs.push(current ?? { kind: 'fast', value: null, duplicates: [] });
          else {
            count();
            docs.push({ kind: 'fast', value: null, duplicates: [] });
          }
          open = false;
          current = null;
          if (!this.restOfMarkerLine(ls + 3)) throw new Bail('content after ...');
        }
        this.nextLine();
        continue;
      }
      if (open && current !== null) throw new Bail('content after a document');
      if (!open) {
        count();
        open = true;
        docStart = this.lineStart;
      }
      try {
        this.duplicates = [];
        const value = this.node(-1, 0, false);
        if (this.indent !== -1) throw new Bail('unexpected content after the document node');
        current = { kind: 'fast', value, duplicates: this.duplicates };
      } catch (e) {
        if (e instanceof LimitExceeded) e.document = docs.length;
        if (!(e instanceof Bail)) throw e;
        const end = this.boundaryAfter(docStart);
        current = { kind: 'slow', start: docStart, end, reason: e.reason };
        this.flowLevel = 0;
        this.jumpTo(end);
      }
    }
    if (open) docs.push(current ?? { kind: 'fast', value: null, duplicates: [] });
    return docs;
  }

  /** After `---` or `...`: true when only spaces and a comment follow on the line (pos then at its end). */
  private restOfMarkerLine(p: number): boolean {
    const src = this.src;
    let c = charCodeAt.call(src, p);
    if (p < this.len && c !== SPACE && c !== LF) return false; // a tab, or content
    while (c === SPACE) c = charCodeAt.call(src, ++p);
    if (c === HASH) {
      const nl = indexOf.call(src, '\n', p);
      p = nl === -1 ? this.len : nl;
    } else if (p < this.len && c !== LF) return false;
    this.pos = p;
    return true;
  }

  /** Offset of the first `---` or `...` line after the line starting at `from`, or the end. */
  private boundaryAfter(from: number): number {
    const src = this.src;
    for (let nl = indexOf.call(src, '\n', from); nl !== -1; nl = indexOf.call(src, '\n', nl + 1)) {
      if (this.isMarker(nl + 1)) return nl + 1;
    }
    return this.len;
  }

  /** A `---` or `...` marker starts at line start `p` (followed by white space or the end). */
  private isMarker(p: number): boolean {
    const src = this.src;
    const c = charCodeAt.call(src, p);
    if ((c !== DASH && c !== DOT) || charCodeAt.call(src, p + 1) !== c || charCodeAt.call(src, p + 2) !== c) return false;
    const d = charCodeAt.call(src, p + 3);
    return p + 3 >= this.len || d === SPACE || d === LF || d === TAB;
  }

  private jumpTo(p: number): void {
    this.pos = p;
    this.lineStart = p;
    this.scanLine();
  }

  // -------------------------------------------------------------------------------------------
  // Lines

  /**
   * From the start of a line (lineStart = pos): skips blank and comment lines and stops at the
   * first significant character, setting indent; or at a marker line / the end (indent -1).
   */
  private scanLine(): void {
    const src = this.src;
    const len = this.len;
    let p = this.pos;
    for (;;) {
      const ls = p;
      let c = charCodeAt.call(src, p);
      while (c === SPACE) c = charCodeAt.call(src, ++p);
      if (p >= len) {
        this.lineStart = ls;
        this.pos = len;
        this.indent = -1;
        return;
      }
      if (c === LF) {
        p++;
        continue;
      }
      if (c === HASH) {
        const nl = indexOf.call(src, '\n', p);
        if (nl === -1) {
          this.lineStart = ls;
          this.pos = len;
          this.indent = -1;
          return;
        }
        p = nl + 1;
        continue;
      }
      if (c === TAB) throw new Bail('tab in indentation');
      this.lineStart = ls;
      if (p === ls && (c === DASH || c === DOT) && this.isMarker(ls)) {
        this.pos = ls;
        this.indent = -1;
        return;
      }
      this.pos = p;
      this.indent = p - ls;
      return;
    }
  }

  /** At a line break (or the end): moves to the next significant line. */
  private nextLine(): void {
    if (this.pos >= this.len) {
      this.indent = -1;
      return;
    }
    this.pos++;
    this.lineStart = this.pos;
    this.scanLine();
  }

  /** After a value: only white space and a comment may end the line; then moves to the next significant line. */
  private endLine(): void {
    const src = this.src;
    let p = this.pos;
    let c = charCodeAt.call(src, p);
    if (c === SPACE || c === TAB) {
      do c = charCodeAt.call(src, ++p);
      while (c === SPACE || c === TAB);
      if (c === HASH) {
        const nl = indexOf.call(src, '\n', p);
        p = nl === -1 ? this.len : nl;
        c = LF;
      }
    }
    if (c !== LF && p < this.len) throw new Bail('unexpected content after a value');
    this.pos = p;
    this.nextLine();
  }

  /** The key src[start, end) resolved: a cached string when one with these characters was made already. */
  private key(start: number, end: number): unknown {
    const src = this.src;
    const n = end - start;
    if (n === 0 || n > KEY_CACHE_MAX_LENGTH) return resolvePlain(slice.call(src, start, end));
    let h = n;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + charCodeAt.call(src, i)) | 0;
    const slot = h & (KEY_CACHE_SIZE - 1);
    const known = this.keys[slot];
    if (known !== undefined && known.length === n && startsWith.call(src, known, start)) return known;
    const key = resolvePlain(slice.call(src, start, end));
    if (typeof key === 'string') this.keys[slot] = key;
    return key;
  }

  // -------------------------------------------------------------------------------------------
  // Block nodes

  /**
   * A node starting at pos, in column this.indent, inside a block collection at indent `n`
   * (-1 at the top). `depth` is the parent's depth. `inline`: right after `- ` of an item.
   * Returns with the state at the next significant line.
   */
  private node(n: number, depth: number, inline: boolean): unknown {
    const src = this.src;
    const p = this.pos;
    const col = this.indent;
    const c = charCodeAt.call(src, p);
    switch (c) {
      case DASH: {
        const d = charCodeAt.call(src, p + 1);
        if (d === SPACE || d === LF || p + 1 >= this.len) return this.blockSeq(col, depth + 1);
        if (d === TAB) throw new Bail('tab after -');
        break;
      }
      case LBRACKET:
      case LBRACE: {
        const v = this.flow(n, depth + 1);
        this.endLine();
        return v;
      }
      case DQUOTE:
      case SQUOTE: {
        const start = p;
        const s = this.quoted(n);
        const multiline = this.lastQuotedMultiline;
        let q = this.pos;
        while (charCodeAt.call(src, q) === SPACE) q++;
        if (charCodeAt.call(src, q) === COLON) {
          const d = charCodeAt.call(src, q + 1);
          if (d === SPACE || d === LF || q + 1 >= this.len) {
            if (multiline) throw new Bail('multi-line key');
            if (q - start > MAX_IMPLICIT_KEY) throw new Bail('long key');
            this.pos = q + 1;
            return this.blockMap(col, depth + 1, s, start);
          }
        }
        this.endLine();
        return s;
      }
      case PIPE:
      case GT:
        if (inline || n < 0) return this.blockScalar(n);
        throw new Bail('block scalar on its own line');
      default:
        if (!plainStart(src, p, c)) throw new Bail('indicator');
    }
    // a plain scalar, or the key of a mapping
    const end = this.plainLine();
    const stop = charCodeAt.call(src, this.pos);
    if (stop === COLON) {
      if (this.pos - p > MAX_IMPLICIT_KEY) throw new Bail('long key');
      const key = this.key(p, end);
      this.pos++;
      return this.blockMap(col, depth + 1, key, p);
    }
    return this.plainValue(p, end, n);
  }

  /**
   * Scans one line of a plain scalar in block context from pos; stops at a line break or the
   * end, at ` #` (or TAB `#`), or at a `:` followed by white space (pos is left on that
   * character). Returns the end of its last character that is not white space.
   */
  private plainLine(): number {
    const src = this.src;
    const len = this.len;
    let i = this.pos;
    let end = i;
    for (;;) {
      const c = charCodeAt.call(src, i);
      if (c > COLON) {
        i++;
        end = i;
        continue;
      }
      if (c === LF || i >= len) break;
      if (c === SPACE || c === TAB) {
        if (charCodeAt.call(src, i + 1) === HASH) break;
        i++;
        continue;
      }
      if (c === COLON) {
        const d = charCodeAt.call(src, i + 1);
        if (d === SPACE || d === LF || d === TAB || i + 1 >= len) break;
      }
      i++;
      end = i;
    }
    this.pos = i;
    return end;
  }

  /**
   * A plain scalar value whose first line is src[start, end) (pos at its line break, comment
   * or end), in a block collection at indent n: reads its continuation lines (more indented
   * than n), resolves it, and moves to the next significant line.
   */
  private plainValue(start: number, end: number, n: number): unknown {
    const src = this.src;
    const len = this.len;
    if (charCodeAt.call(src, this.pos) !== LF) {
      // the end of the input, or a comment
      this.endLine();
      return resolvePlain(slice.call(src, start, end));
    }
    let text: string | null = null; // the folded value once it has several lines
    let breaks = 0; // empty lines since the last content line
    let lastEnd = this.pos; // line break after the last content line
    let q = this.pos;
    while (q < len) {
      // q at a line break
      const ls = q + 1;
      let p = ls;
      let c = charCodeAt.call(src, p);
      while (c === SPACE) c = charCodeAt.call(src, ++p);
      if (c === LF) {
        breaks++;
        q = p;
        continue;
      }
      if (p >= len || c === HASH) break;
      const s = p - ls;
      if (s <= n || (n < 0 && s === 0 && this.isMarker(ls))) {
        if (text !== null) break;
        // the usual case, a one-line scalar: the next significant line is this one
        if (c === TAB) throw new Bail('tab in indentation');
        this.lineStart = ls;
        if (s === 0 && (c === DASH || c === DOT) && this.isMarker(ls)) {
          this.pos = ls;
          this.indent = -1;
        } else {
          this.pos = p;
          this.indent = s;
        }
        return resolvePlain(slice.call(src, start, end));
      }
      if (c === TAB) throw new Bail('tab in a plain continuation');
      this.pos = p;
      const e = this.plainLine();
      if (charCodeAt.call(src, this.pos) === COLON && this.pos < len) throw new Bail('key in a plain continuation');
      if (text === null) text = slice.call(src, start, end);
      text += (breaks === 0 ? ' ' : '\n'.repeat(breaks)) + slice.call(src, p, e);
      breaks = 0;
      if (this.pos < len && charCodeAt.call(src, this.pos) !== LF) {
        // ended by a comment
        this.endLine();
        return resolvePlain(text);
      }
      lastEnd = this.pos;
      q = this.pos;
    }
    this.pos = lastEnd;
    this.nextLine();
    return text === null ? resolvePlain(slice.call(src, start, end)) : text;
  }

  /** Whether the last quoted scalar read spanned lines. */
  private lastQuotedMultiline = false;

  /**
   * A single- or double-quoted scalar at pos, in a collection at indent n; pos is left after
   * the closing quote.
   */
  private quoted(n: number): string {
    const src = this.src;
    const len = this.len;
    const open = this.pos;
    const quote = charCodeAt.call(src, open);
    let i = open + 1;
    let escapes = false;
    let lines = false;
    for (;;) {
      if (i >= len) throw new Bail('unterminated quoted scalar');
      const c = charCodeAt.call(src, i);
      if (c === quote) {
        if (quote === SQUOTE && charCodeAt.call(src, i + 1) === SQUOTE) {
          escapes = true;
          i += 2;
          continue;
        }
        break;
      }
      if (c === LF) {
        lines = true;
        this.checkContinuation(i + 1, n);
      } else if (c === 0x5c && quote === DQUOTE) {
        escapes = true;
        if (charCodeAt.call(src, i + 1) === LF) {
          lines = true;
          this.checkContinuation(i + 2, n);
        }
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = i + 1;
    this.lastQuotedMultiline = lines;
    if (quote === SQUOTE) {
      let s = slice.call(src, open + 1, i);
      if (lines) s = unfoldLines(s);
      return escapes ? s.replaceAll("''", "'") : s;
    }
    if (!escapes && !lines) return slice.call(src, open + 1, i);
    const v = doubleQuotedValue(src, open + 1, i);
    if (v === null) throw new Bail('invalid escape');
    return v;
  }

  /** A quoted scalar continues on the line starting at ls: it must be blank or indented more than n. */
  private checkContinuation(ls: number, n: number): void {
    const src = this.src;
    let p = ls;
    let c = charCodeAt.call(src, p);
    while (c === SPACE) c = charCodeAt.call(src, ++p);
    if (c === LF) return;
    if (c === TAB) throw new Bail('tab in a quoted continuation');
    if (p - ls <= n) throw new Bail('quoted scalar continues less indented');
    if (n < 0 && p === ls && this.isMarker(ls)) throw new Bail('marker inside a quoted scalar');
  }

  /**
   * A block mapping in column m, at `depth`, whose first key (resolved) started at keyStart;
   * pos is just after that key's `:`.
   */
  private blockMap(m: number, depth: number, firstKey: unknown, keyStart: number): Record<string, unknown> {
    if (depth > this.maxDepth) throw new LimitExceeded('depth', this.maxDepth, keyStart);
    const src = this.src;
    const obj: Record<string, unknown> = {};
    let typed: Set<unknown> | null = null;
    let size = 0;
    let key = firstKey;
    let kStart = keyStart;
    for (;;) {
      const value = this.mapValue(m, depth);
      if (++size > this.maxSize) throw new LimitExceeded('mapping', this.maxSize, kStart);
      // insert, checking for a duplicate with one lookup
      let s: string;
      if (typeof key === 'string') {
        s = key;
        if (typed === null) {
          if (obj[s] !== undefined && hasOwn.call(obj, s)) this.duplicates.push(kStart);
        } else if (typed.has(s)) this.duplicates.push(kStart);
        else typed.add(s);
      } else {
        // keys of several types: the `yaml` package compares resolved values (1 and "1" differ)
        if (typed === null) typed = new Set<unknown>(Object.keys(obj));
        if (key === key) {
          if (typed.has(key)) this.duplicates.push(kStart);
          else typed.add(key);
        }
        s = keyString(key);
      }
      put(obj, s, value);

      const ind = this.indent;
      if (ind < m) return obj;
      if (ind > m) throw new Bail('bad indentation in a mapping');
      // the next key, at column m
      const p = this.pos;
      kStart = p;
      const c = charCodeAt.call(src, p);
      if (c === DQUOTE || c === SQUOTE) {
        key = this.quoted(m);
        if (this.lastQuotedMultiline) throw new Bail('multi-line key');
        let q = this.pos;
        while (charCodeAt.call(src, q) === SPACE) q++;
        const d = charCodeAt.call(src, q + 1);
        if (charCodeAt.call(src, q) !== COLON || (d !== SPACE && d !== LF && q + 1 < this.len)) throw new Bail('quoted key without :');
        if (q - p > MAX_IMPLICIT_KEY) throw new Bail('long key');
        this.pos = q + 1;
        continue;
      }
      if (!plainStart(src, p, c)) throw new Bail('indicator at a key');
      if (c === DASH) {
        const d = charCodeAt.call(src, p + 1);
        if (d === SPACE || d === LF || d === TAB || p + 1 >= this.len) throw new Bail('sequence item in a mapping');
      }
      const end = this.plainLine();
      if (charCodeAt.call(src, this.pos) !== COLON || this.pos >= this.len) throw new Bail('mapping line without a key');
      if (this.pos - p > MAX_IMPLICIT_KEY) throw new Bail('long key');
      key = this.key(p, end);
      this.pos++;
    }
  }

  /** The value after a key's `:` (pos just after it) in a mapping at column m. */
  private mapValue(m: number, depth: number): unknown {
    const src = this.src;
    let p = this.pos;
    let c = charCodeAt.call(src, p);
    while (c === SPACE || c === TAB) c = charCodeAt.call(src, ++p); // (a tab here separates, it does not indent)
    this.pos = p;
    if (c === LF || p >= this.len || c === HASH) {
      if (c === HASH) {
        const nl = indexOf.call(src, '\n', p);
        this.pos = nl === -1 ? this.len : nl;
      }
      this.nextLine();
      return this.valueBelow(m, depth, true);
    }
    switch (c) {
      case PIPE:
      case GT:
        return this.blockScalar(m);
      case LBRACKET:
      case LBRACE: {
        const v = this.flow(m, depth + 1);
        this.endLine();
        return v;
      }
      case DQUOTE:
      case SQUOTE: {
        const s = this.quoted(m);
        this.endLine();
        return s;
      }
      case DASH: {
        const d = charCodeAt.call(src, p + 1);
        if (d === SPACE || d === LF || d === TAB || p + 1 >= this.len) throw new Bail('sequence on the line of its key');
        break;
      }
      default:
        if (!plainStart(src, p, c)) throw new Bail('indicator at a value');
    }
    const end = this.plainLine();
    if (charCodeAt.call(src, this.pos) === COLON && this.pos < this.len) throw new Bail('compact nested mapping');
    return this.plainValue(p, end, m);
  }

  /**
   * The value of a key or item whose own line ended empty, in a collection at column m: a node
   * on the following, more indented lines, a sequence at column m (for a key), or null.
   */
  private valueBelow(m: number, depth: number, forKey: boolean): unknown {
    const ind = this.indent;
    if (ind > m) return this.node(m, depth, false);
    if (forKey && ind === m && ind >= 0) {
      const src = this.src;
      const p = this.pos;
      if (charCodeAt.call(src, p) === DASH) {
        const d = charCodeAt.call(src, p + 1);
        if (d === SPACE || d === LF || p + 1 >= this.len) return this.blockSeq(m, depth + 1);
      }
    }
    return null;
  }

  /** A block sequence in column m at `depth`; pos at the `-` of its first item. */
  private blockSeq(m: number, depth: number): unknown[] {
    if (depth > this.maxDepth) throw new LimitExceeded('depth', this.maxDepth, this.pos);
    const src = this.src;
    const arr: unknown[] = [];
    for (;;) {
      if (arr.length >= this.maxSize) throw new LimitExceeded('sequence', this.maxSize, this.pos);
      let p = this.pos + 1;
      let c = charCodeAt.call(src, p);
      while (c === SPACE) c = charCodeAt.call(src, ++p);
      let value: unknown;
      if (c === LF || p >= this.len || c === HASH) {
        if (c === HASH) {
          const nl = indexOf.call(src, '\n', p);
          p = nl === -1 ? this.len : nl;
        }
        this.pos = p;
        this.nextLine();
        value = this.valueBelow(m, depth, false);
      } else {
        if (c === TAB) throw new Bail('tab after -');
        this.pos = p;
        this.indent = p - this.lineStart;
        value = this.node(m, depth, true);
      }
      arr.push(value);
      const ind = this.indent;
      if (ind === m) {
        const q = this.pos;
        if (charCodeAt.call(src, q) === DASH) {
          const d = charCodeAt.call(src, q + 1);
          if (d === SPACE || d === LF || q + 1 >= this.len) continue;
        }
        return arr;
      }
      if (ind > m) throw new Bail('bad indentation in a sequence');
      return arr;
    }
  }

  /**
   * A block scalar whose header (`|` or `>`) is at pos, in a collection at indent n (-1: the
   * document itself). Resolved line by line as the `yaml` package's resolveBlockScalar does.
   */
  private blockScalar(n: number): string {
    const src = this.src;
    const len = this.len;
    const folded = charCodeAt.call(src, this.pos) === GT;
    let i = this.pos + 1;
    let chomp = 0; // 0 clip, 1 strip (-), 2 keep (+)
    let explicit = 0;
    for (let k = 0; k < 2; k++) {
      const c = charCodeAt.call(src, i);
      if ((c === DASH || c === PLUS) && chomp === 0) {
        chomp = c === DASH ? 1 : 2;
        i++;
      } else if (c >= 0x31 && c <= 0x39 && explicit === 0) {
        explicit = c - 0x30;
        i++;
      } else break;
    }
    let c = charCodeAt.call(src, i);
    if (c === SPACE) {
      do c = charCodeAt.call(src, ++i);
      while (c === SPACE);
      if (c === HASH) {
        const nl = indexOf.call(src, '\n', i);
        i = nl === -1 ? len : nl;
        c = LF;
      }
    }
    if (c !== LF && i < len) throw new Bail('block scalar header');
    if (i >= len) {
      this.pos = len;
      this.indent = -1;
      return '';
    }
    // the lines of the scalar: [indent, content start, content end] for each
    const regionStart = i + 1;
    let trim = explicit > 0 ? Math.max(n, 0) + explicit : -1; // -1: from the first non-empty line
    let maxLeadingEmpty = 0;
    const ind: number[] = [];
    const cs: number[] = [];
    const ce: number[] = [];
    let p = regionStart;
    let regionEnd = len;
    for (;;) {
      const ls = p;
      let q = p;
      let d = charCodeAt.call(src, q);
      while (d === SPACE) d = charCodeAt.call(src, ++q);
      const s = q - ls;
      if (q >= len) {
        ind.push(s);
        cs.push(q);
        ce.push(q);
        break;
      }
      if (d === LF) {
        ind.push(s);
        cs.push(q);
        ce.push(q);
        if (trim < 0 && s > maxLeadingEmpty) maxLeadingEmpty = s;
        p = q + 1;
        continue;
      }
      if (s <= n || (s === 0 && this.isMarker(ls))) {
        regionEnd = ls;
        break;
      }
      if (trim < 0) {
        if (maxLeadingEmpty > s) throw new Bail('more-indented leading empty lines');
        trim = s;
      }
      if (s < trim) {
        // a less indented line ends the scalar: a comment, or the parent's next line
        if (d === TAB || (s > n && d !== HASH)) throw new Bail('block scalar line less indented');
        regionEnd = ls;
        break;
      }
      const nl = indexOf.call(src, '\n', q);
      ind.push(s);
      cs.push(q);
      if (nl === -1) {
        ce.push(len);
        break;
      }
      ce.push(nl);
      p = nl + 1;
    }
    if (regionEnd < len) {
      // the region ends with the line break before the terminating line: one more (empty) line
      ind.push(0);
      cs.push(regionEnd);
      ce.push(regionEnd);
    }
    const count = regionEnd === regionStart ? 0 : ind.length;

    let value = '';
    let chompStart = count;
    for (let k = count - 1; k >= 0; k--) {
      if (cs[k] === ce[k]) chompStart = k;
      else break;
    }
    if (chompStart === 0) {
      value = chomp === 2 && count > 0 ? '\n'.repeat(Math.max(1, count - 1)) : '';
    } else {
      let contentStart = 0;
      while (cs[contentStart] === ce[contentStart]) contentStart++;
      for (let k = count - 1; k >= chompStart; k--) if (ind[k] > trim) chompStart = k + 1;
      const parts: string[] = [];
      for (let k = 0; k < contentStart; k++) parts.push(' '.repeat(Math.max(0, ind[k] - trim)) + '\n');
      let sep = '';
      let prevMoreIndented = false;
      for (let k = contentStart; k < chompStart; k++) {
        const lineText = slice.call(src, cs[k] - ind[k] + Math.min(trim, ind[k]), ce[k]);
        if (!folded) {
          parts.push(sep, lineText);
          sep = '\n';
        } else if (ind[k] > trim || charCodeAt.call(src, cs[k]) === TAB) {
          if (sep === ' ') sep = '\n';
          else if (!prevMoreIndented && sep === '\n') sep = '\n\n';
          parts.push(sep, lineText);
          sep = '\n';
          prevMoreIndented = true;
        } else if (cs[k] === ce[k]) {
          if (sep === '\n') parts.push('\n');
          else sep = '\n';
        } else {
          parts.push(sep, lineText);
          sep = ' ';
          prevMoreIndented = false;
        }
      }
      value = parts.join('');
      if (chomp === 2) {
        for (let k = chompStart; k < count; k++) value += '\n' + ' '.repeat(Math.max(0, ind[k] - trim));
        if (charCodeAt.call(value, value.length - 1) !== LF) value += '\n';
      } else if (chomp === 0) value += '\n';
    }
    if (regionEnd >= len) {
      this.pos = len;
      this.indent = -1;
    } else {
      this.pos = regionEnd - 1;
      this.nextLine();
    }
    return value;
  }

  // -------------------------------------------------------------------------------------------
  // Flow collections

  /**
   * A flow collection at pos (`[` or `{`), at `depth`, inside a block collection at indent n:
   * its continuation lines must be indented more than n (its closing bracket may sit at n).
   * pos is left after the closing bracket.
   */
  private flow(n: number, depth: number): unknown {
    if (depth > this.maxDepth) throw new LimitExceeded('depth', this.maxDepth, this.pos);
    const src = this.src;
    const isMap = charCodeAt.call(src, this.pos) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    this.flowLevel++;
    this.pos++;
    this.flowSpace(n);
    const arr: unknown[] | null = isMap ? null : [];
    const obj: Record<string, unknown> | null = isMap ? {} : null;
    let typed: Set<unknown> | null = null;
    let size = 0;
    if (charCodeAt.call(src, this.pos) !== close) {
      for (;;) {
        if (++size > this.maxSize) throw new LimitExceeded(isMap ? 'mapping' : 'sequence', this.maxSize, this.pos);
        if (arr !== null) {
          arr.push(this.flowValue(n, depth, false));
        } else {
          const kStart = this.pos;
          const key = this.flowKey(n);
          let value: unknown = null;
          if (charCodeAt.call(src, this.pos) === COLON) {
            this.pos++;
            this.flowSpace(n);
            const c = charCodeAt.call(src, this.pos);
            if (c !== COMMA && c !== RBRACE) value = this.flowValue(n, depth, true);
          }
          let s: string;
          if (typeof key === 'string') {
            s = key;
            if (typed === null) {
              if (obj![s] !== undefined && hasOwn.call(obj, s)) this.duplicates.push(kStart);
            } else if (typed.has(s)) this.duplicates.push(kStart);
            else typed.add(s);
          } else {
            if (typed === null) typed = new Set<unknown>(Object.keys(obj!));
            if (key === key) {
              if (typed.has(key)) this.duplicates.push(kStart);
              else typed.add(key);
            }
            s = keyString(key);
          }
          put(obj!, s, value);
        }
        this.flowSpace(n);
        const c = charCodeAt.call(src, this.pos);
        if (c === COMMA) {
          this.pos++;
          this.flowSpace(n);
          if (charCodeAt.call(src, this.pos) === close) break;
          continue;
        }
        if (c === close) break;
        throw new Bail('expected , or a closing bracket');
      }
    }
    this.pos++;
    this.flowLevel--;
    return arr ?? obj;
  }

  /** Skips spaces, line breaks and comments inside a flow collection, checking indentation. */
  private flowSpace(n: number): void {
    const src = this.src;
    const len = this.len;
    let p = this.pos;
    for (;;) {
      const c = charCodeAt.call(src, p);
      if (c === SPACE) {
        p++;
        continue;
      }
      if (c === LF) {
        const ls = p + 1;
        let q = ls;
        let d = charCodeAt.call(src, q);
        while (d === SPACE) d = charCodeAt.call(src, ++q);
        if (q >= len) throw new Bail('unterminated flow collection');
        if (d === TAB) throw new Bail('tab in flow indentation');
        this.lineStart = ls;
        p = q;
        const s = q - ls;
        // the package rejects some comments in column 0 of a flow mapping (after a value): leave them to it
        if (d === HASH && s === 0) throw new Bail('comment in column 0 inside a flow collection');
        if (d === LF || d === HASH) continue;
        if (s === 0 && this.isMarker(ls)) throw new Bail('marker inside a flow collection');
        if (s <= n && !(s === n && this.flowLevel === 1 && (d === RBRACKET || d === RBRACE))) {
          throw new Bail('flow collection less indented');
        }
        continue;
      }
      if (c === HASH) {
        const prev = charCodeAt.call(src, p - 1);
        if (prev !== SPACE && prev !== LF) throw new Bail('comment without a space before it');
        const nl = indexOf.call(src, '\n', p);
        if (nl === -1) throw new Bail('unterminated flow collection');
        p = nl;
        continue;
      }
      if (c === TAB) throw new Bail('tab in a flow collection');
      if (p >= len) throw new Bail('unterminated flow collection');
      this.pos = p;
      return;
    }
  }

  /** An item of a flow sequence, or the value of a flow mapping's key. */
  private flowValue(n: number, depth: number, inMap: boolean): unknown {
    const src = this.src;
    const p = this.pos;
    const c = charCodeAt.call(src, p);
    if (c === LBRACKET || c === LBRACE) return this.flow(n, depth + 1);
    if (c === DQUOTE || c === SQUOTE) {
      const s = this.quoted(n);
      if (!inMap) {
        // `["a": 1]` is a pair in a sequence
        let q = this.pos;
        while (charCodeAt.call(src, q) === SPACE) q++;
        if (charCodeAt.call(src, q) === COLON) throw new Bail('pair in a flow sequence');
      }
      return s;
    }
    this.plainStartInFlow(c, p);
    const end = this.flowPlain();
    if (charCodeAt.call(src, this.pos) === COLON) throw new Bail(': in a flow plain scalar');
    return resolvePlain(slice.call(src, p, end));
  }

  /** A key of a flow mapping; pos is left at its `:` or at what follows it (`,` or `}` for a key without value). */
  private flowKey(n: number): unknown {
    const src = this.src;
    const p = this.pos;
    const c = charCodeAt.call(src, p);
    let key: unknown;
    if (c === DQUOTE || c === SQUOTE) {
      key = this.quoted(n);
      if (this.lastQuotedMultiline) throw new Bail('multi-line key');
      let q = this.pos;
      while (charCodeAt.call(src, q) === SPACE) q++;
      this.pos = q;
    } else {
      if (c === LBRACKET || c === LBRACE) throw new Bail('collection as a key');
      this.plainStartInFlow(c, p);
      const end = this.flowPlain();
      key = this.key(p, end);
    }
    const d = charCodeAt.call(src, this.pos);
    if (d === COLON) {
      const e = charCodeAt.call(src, this.pos + 1);
      if (e !== SPACE && e !== LF && e !== COMMA && e !== RBRACE) throw new Bail(': without a space after a key');
      return key;
    }
    if (d === COMMA || d === RBRACE) return key;
    throw new Bail('unexpected character after a flow key');
  }

  private plainStartInFlow(c: number, p: number): void {
    if (c < 128 && NOT_PLAIN_START[c] === 1) throw new Bail('indicator in a flow collection');
    if (c === DASH) {
      const d = charCodeAt.call(this.src, p + 1);
      if (d === SPACE || d === LF || d === TAB || d === COMMA || d === RBRACKET || d === RBRACE || d === LBRACKET || d === LBRACE) {
        throw new Bail('- indicator in a flow collection');
      }
    }
  }

  /**
   * One line of a plain scalar in a flow collection from pos: stops at `,`, `]`, `}`, at a `:`
   * before white space or a flow indicator, at ` #`, a line break or the end (pos left there).
   * Returns the end of its last non-space character.
   */
  private flowPlain(): number {
    const src = this.src;
    const len = this.len;
    let i = this.pos;
    let end = i;
    for (;;) {
      const c = charCodeAt.call(src, i);
      if (c === COMMA || c === RBRACKET || c === RBRACE || c === LF || i >= len) break;
      if (c === COLON) {
        // `:` ends the scalar only before white space or a flow indicator (`http://x` is one scalar)
        const d = charCodeAt.call(src, i + 1);
        if (i + 1 >= len || d === SPACE || d === LF || d === TAB || d === COMMA || d === RBRACKET || d === RBRACE || d === LBRACKET || d === LBRACE) break;
        i++;
        end = i;
        continue;
      }
      if (c === SPACE || c === TAB) {
        if (charCodeAt.call(src, i + 1) === HASH) break;
        i++;
        continue;
      }
      if (c === LBRACKET || c === LBRACE) throw new Bail('bracket inside a flow plain scalar');
      i++;
      end = i;
    }
    this.pos = i;
    return end;
  }
}
