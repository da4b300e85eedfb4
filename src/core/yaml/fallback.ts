/**
 * The fallback: the `yaml` package, for whatever the fast path does not take (anchors,
 * aliases, tags, complex keys, directives, invalid YAML, ...), made linear and bounded:
 *
 * - its CST (an iterative parser) is checked first for the number of documents and the
 *   nesting depth, so its recursive composer never meets a deep input;
 * - documents are composed with `uniqueKeys: false` (its duplicate-key check compares every key
 *   with every earlier one), and duplicates are found here with one Set per mapping, reported
 *   with the package's own message at the duplicate key;
 * - collection sizes and the exact depth are checked on the composed nodes;
 * - a document may hold at most maxAliases aliases (the package resolves each alias with a scan
 *   of all anchors and aliases: quadratic without a bound), and `toJS` runs with
 *   `maxAliasCount` (the "billion laughs" guard); a value reached through aliases is checked
 *   again for depth and for cycles (`&a [*a]`), which are refused.
 *
 * Pure: no I/O, no clock, no randomness (the package's warnings are silenced, not printed).
 */
import {
  Composer,
  CST,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  Parser,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import {
  DUPLICATE_KEY_MESSAGE,
  firstLine,
  LimitExceeded,
  type LineIndex,
  type YamlDocument,
  type YamlIssue,
  type YamlLimits,
} from './types';

export interface FallbackResult {
  documents: YamlDocument[];
  /** Problems not tied to a document (an input holding no document can still have some). */
  errors: YamlIssue[];
}

/**
 * Parses text[start, end) with the `yaml` package. Document indices start at `firstDocument`;
 * error positions are reported against `lines` (an index of the whole text). Throws
 * LimitExceeded (offsets in the whole text) when a limit is exceeded.
 */
export function fallbackParse(
  text: string,
  start: number,
  end: number,
  firstDocument: number,
  limits: YamlLimits,
  lines: () => LineIndex,
): FallbackResult {
  const src = start === 0 && end === text.length ? text : text.slice(start, end);
  checkNesting(src, limits.maxDepth, start, firstDocument);
  const tokens: CST.Token[] = [];
  let docCount = 0;
  for (const token of new Parser().parse(src)) {
    tokens.push(token);
    if (token.type !== 'document') continue;
    if (firstDocument + ++docCount > limits.maxDocuments) {
      throw new LimitExceeded('documents', limits.maxDocuments, start + token.offset, firstDocument + docCount - 1);
    }
    try {
      checkCstDepth(token, limits.maxDepth, start);
    } catch (e) {
      if (e instanceof LimitExceeded) e.document = firstDocument + docCount - 1;
      throw e;
    }
  }

  const composer = new Composer({ uniqueKeys: false, logLevel: 'error' });
  const docs: Document.Parsed[] = [];
  for (const token of tokens) for (const doc of composer.next(token)) docs.push(doc as Document.Parsed);
  for (const doc of composer.end()) docs.push(doc as Document.Parsed);

  const issue = (message: string, pos: number, document?: number): YamlIssue => {
    const where = pos >= 0 ? lines().at(start + pos) : '';
    const out: YamlIssue = { code: 'INVALID_YAML', message: `Invalid YAML: ${firstLine(message)}${where}` };
    if (document !== undefined) out.document = document;
    return out;
  };

  const documents: YamlDocument[] = [];
  docs.forEach((doc, i) => {
    const d = firstDocument + i;
    if (d + 1 > limits.maxDocuments) throw new LimitExceeded('documents', limits.maxDocuments, start + (doc.range?.[0] ?? 0), d);
    const reported: { pos: number; message: string }[] = doc.errors.map((e) => ({ pos: e.pos[0], message: e.message }));
    let inspected: ReturnType<typeof inspect>;
    try {
      inspected = inspect(doc.contents, limits, src, start);
    } catch (e) {
      if (e instanceof LimitExceeded) e.document = d;
      throw e;
    }
    const { duplicates, hasAlias } = inspected;
    // the package's errors in its order, each duplicate before the first of them that comes after it
    const found: { pos: number; message: string }[] = [];
    let k = 0;
    for (const pos of duplicates) {
      while (k < reported.length && reported[k].pos <= pos) found.push(reported[k++]);
      found.push({ pos, message: DUPLICATE_KEY_MESSAGE });
    }
    while (k < reported.length) found.push(reported[k++]);
    const errors = found.map((f) => issue(f.message, f.pos, d));

    let value: unknown = null;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliases });
    } catch (e) {
      if (e instanceof ReferenceError && /alias count/i.test(e.message)) {
        throw new LimitExceeded('aliases', limits.maxAliases, start + (doc.range?.[0] ?? 0), d);
      }
      errors.push(issue(e instanceof Error ? e.message : String(e), -1, d));
      value = null;
    }
    if (hasAlias && value !== null && typeof value === 'object') {
      const shape = measure(value, limits.maxDepth);
      if (shape === 'cycle') {
        errors.push({ code: 'INVALID_YAML', message: 'Invalid YAML: an alias refers to a collection that contains it', document: d });
        value = null;
      } else if (shape === 'deep') {
        throw new LimitExceeded('depth', limits.maxDepth, start + (doc.range?.[0] ?? 0), d);
      }
    }
    documents.push({ value, errors });
  });

  const errors: YamlIssue[] = [];
  if (docs.length === 0) {
    for (const e of composer.streamInfo().errors) errors.push(issue(e.message, e.pos[0]));
  }
  return { documents, errors };
}

type CstNode = CST.Token | undefined;

const SCALAR_MARK = '\x1f';
const MARKS = new Set(['\x02', '\x18', SCALAR_MARK]);

/**
 * Nesting past maxDepth found with the package's lexer before its parser runs: the parser
 * spends microseconds per character on deep `[[[[...` or `- - - - ...` input, and stopping at
 * the first level too many keeps such input cheap. Two lower bounds of the depth are tracked:
 * flow brackets open at once, and block indicators (`-`, `?`) in a row on one line (compact
 * nesting). Neither can exceed what the exact checks measure, so this never refuses what they
 * accept. Most inputs skip the lexer: a plain scan shows they have too few of those characters.
 */
function checkNesting(src: string, maxDepth: number, base: number, firstDocument: number): void {
  let brackets = 0;
  let onLine = 0;
  let most = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      brackets++;
      onLine++;
    } else if (c === 0x2d || c === 0x3f) onLine++;
    else if (c === 0x0a) {
      if (onLine > most) most = onLine;
      onLine = 0;
    }
  }
  if (brackets <= maxDepth && Math.max(most, onLine) <= maxDepth) return;
  let flow = 0;
  let compact = 0;
  let offset = 0;
  let documents = 0;
  let afterScalarMark = false;
  const exceeded = () => new LimitExceeded('depth', maxDepth, base + offset, firstDocument + Math.max(0, documents - 1));
  for (const lexeme of new Lexer().lex(src)) {
    if (lexeme === '\x02') {
      flow = 0;
      compact = 0;
      documents++;
    } else if (lexeme === '\x18') flow = 0; // the lexer ended a broken flow collection
    else if (lexeme === '\n' || lexeme === '\r\n') compact = 0;
    else if (!afterScalarMark) {
      if (lexeme === '[' || lexeme === '{') {
        if (++flow > maxDepth) throw exceeded();
      } else if ((lexeme === ']' || lexeme === '}') && flow > 0) flow--;
      else if ((lexeme === '-' || lexeme === '?') && flow === 0 && ++compact > maxDepth) throw exceeded();
    }
    afterScalarMark = lexeme === SCALAR_MARK;
    if (!MARKS.has(lexeme)) offset += lexeme.length;
  }
}

/** Nesting depth of the collections in a CST document, without recursion. */
function checkCstDepth(doc: CST.Document, maxDepth: number, base: number): void {
  const stack: [CstNode, number][] = [[doc.value, 0]];
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      const d = depth + 1;
      if (d > maxDepth) throw new LimitExceeded('depth', maxDepth, base + token.offset);
      for (const item of token.items as { key?: CstNode; value?: CstNode }[]) {
        if (item.key) stack.push([item.key, d]);
        if (item.value) stack.push([item.value, d]);
      }
    }
  }
}

/**
 * Walks a composed document (of src, at `base` in the whole text) without recursion: checks
 * depth, collection sizes and the number of aliases, finds duplicate keys (offsets in src of
 * the duplicates, as the `yaml` package compares keys: scalars by value, other nodes by
 * identity), and says whether it holds aliases.
 */
function inspect(root: unknown, limits: YamlLimits, src: string, base: number): { duplicates: number[]; hasAlias: boolean } {
  const duplicates: number[] = [];
  let aliases = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (isAlias(node)) {
      // every alias is at least one expansion; and the package looks up each one in a list of
      // all anchors and aliases, so their number must stay small for toJS to stay linear
      if (++aliases > limits.maxAliases) throw new LimitExceeded('aliases', limits.maxAliases, base + (node.range?.[0] ?? 0));
      continue;
    }
    const offset = base + ((node as YamlNode | null)?.range?.[0] ?? 0);
    if (isMap(node)) {
      const d = depth + 1;
      if (d > limits.maxDepth) throw new LimitExceeded('depth', limits.maxDepth, offset);
      if (node.items.length > limits.maxCollectionSize) throw new LimitExceeded('mapping', limits.maxCollectionSize, offset);
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        if (isScalar(key)) {
          const v = key.value;
          if (v === v) {
            if (seen.has(v)) duplicates.push(keyPosition(src, key));
            else seen.add(v);
          }
        }
        if (key) stack.push([key, d]);
        if (pair.value) stack.push([pair.value, d]);
      }
      continue;
    }
    if (isSeq(node)) {
      const d = depth + 1;
      if (d > limits.maxDepth) throw new LimitExceeded('depth', limits.maxDepth, offset);
      if (node.items.length > limits.maxCollectionSize) throw new LimitExceeded('sequence', limits.maxCollectionSize, offset);
      for (const item of node.items) stack.push([item, d]);
    }
  }
  duplicates.sort((a, b) => a - b);
  return { duplicates, hasAlias: aliases > 0 };
}

/**
 * Where the package reports a duplicate key: at the key, or for an empty key (`: v`), at its
 * `:` (the empty node itself is placed before the white space that precedes it).
 */
function keyPosition(src: string, key: YamlNode): number {
  const [from, to] = key.range ?? [0, 0];
  if (to > from) return from;
  let p = from;
  for (;;) {
    const c = src.charCodeAt(p);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) p++;
    else if (c === 0x23) {
      const nl = src.indexOf('\n', p);
      if (nl === -1) return from;
      p = nl + 1;
    } else return c === 0x3a ? p : from;
  }
}

/**
 * Depth of a value that aliases may have made a graph, without recursion and visiting each
 * object once: 'cycle' when an object contains itself, 'deep' past maxDepth, else 'ok'.
 */
function measure(root: object, maxDepth: number): 'ok' | 'deep' | 'cycle' {
  const depthOf = new Map<object, number>(); // finished objects: the depth below them (1 for a leaf collection)
  const onPath = new Set<object>();
  const stack: { obj: object; children: unknown[]; next: number; deepest: number }[] = [];
  const enter = (obj: object): 'ok' | 'cycle' => {
    if (onPath.has(obj)) return 'cycle';
    onPath.add(obj);
    stack.push({ obj, children: Array.isArray(obj) ? obj : Object.values(obj), next: 0, deepest: 0 });
    return 'ok';
  };
  enter(root);
  while (stack.length > 0) {
    if (stack.length > maxDepth) return 'deep';
    const top = stack[stack.length - 1];
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (child === null || typeof child !== 'object') continue;
      const known = depthOf.get(child);
      if (known !== undefined) {
        if (known > top.deepest) top.deepest = known;
        continue;
      }
      if (enter(child) === 'cycle') return 'cycle';
      continue;
    }
    stack.pop();
    onPath.delete(top.obj);
    const d = top.deepest + 1;
    if (d + stack.length > maxDepth) return 'deep';
    depthOf.set(top.obj, d);
    if (stack.length > 0) {
      const parent = stack[stack.length - 1];
      if (d > parent.deepest) parent.deepest = d;
    }
  }
  return 'ok';
}
