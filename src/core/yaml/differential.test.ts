/**
 * Differential property tests: whatever YAML the generators produce, parseYamlStream reads it
 * as the `yaml` package does. Values are manifest-like JSON (strings that look like numbers,
 * booleans and nulls, Unicode, quotes, colons, `#`, leading spaces, empty and long strings),
 * rendered by the package's own stringify under varied options and then disturbed (comments,
 * blank lines, `...`, CRLF, tabs). Seeds are fixed, so a run is reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { mulberry32 } from '../random';
import { parseDetailed, type YamlPath } from './index';
import { expectSameValue, packageDocuments } from './testing';
import { resolveLimits } from './types';

const PIECES = [
  '1', '0x1F', '1e3', '.inf', '-.Inf', '.NaN', '-0', '0o7', '+1', '1.', '007', '1.5', '-2',
  'true', 'False', 'NULL', '~', 'null', '', 'yes',
  'é', '日本', '😀', '\u00a0', '\u0085', '\u2028', '\x01', '\x7f',
  "'", '"', "''", '\\', ':', 'a:b', 'a: b', 'http://x:80/p', '#', ' #', 'a #b', 'a#b',
  ' lead', 'trail ', '- x', '-', '? q', '[', ']', '{', '}', ',', '&a', '*a', '!t', '|', '>', '%', '@', '`',
  '\n', '\n\n', ' \n ', '\t', 'word', 'two words', 'nginx:1.14.2', '250m', '512Mi', 'app.kubernetes.io/name',
  'x'.repeat(40),
];

function strings(pieces: string[]) {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...pieces) },
    { weight: 3, arbitrary: fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 6 }).map((a) => a.join('')) },
    { weight: 2, arbitrary: fc.array(fc.constantFrom(...pieces, ' ', ' '), { minLength: 5, maxLength: 30 }).map((a) => a.join(' ')) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  );
}

function values(pieces: string[]) {
  const str = strings(pieces);
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('name', 'image', 'app', 'labels', 'a', 'b', 'x y', 'kubernetes.io/x') },
    { weight: 2, arbitrary: str },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'toString', 'constructor', '<<', '1', 'true', 'null', '') },
  );
  const scalar = fc.oneof(
    { weight: 6, arbitrary: str },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  return fc.letrec<{ value: unknown; arr: unknown[]; obj: Record<string, unknown> }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('arr'), tie('obj')),
    arr: fc.array(tie('value'), { maxLength: 4 }),
    obj: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  })).value;
}

const anyOptions = fc.record({
  indent: fc.integer({ min: 1, max: 4 }),
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 40, 80),
  minContentWidth: fc.constantFrom(0, 20),
  defaultStringType: fc.constantFrom('PLAIN', 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_FOLDED', 'BLOCK_LITERAL'),
  defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
  collectionStyle: fc.constantFrom('any', 'any', 'block', 'flow'),
  flowCollectionPadding: fc.boolean(),
  singleQuote: fc.constantFrom(null, true, false),
  doubleQuotedAsJSON: fc.boolean(),
  blockQuote: fc.constantFrom<boolean | 'literal' | 'folded'>(true, false, 'literal', 'folded'),
  nullStr: fc.constantFrom('null', '~', ''),
} as const);

type Mutation = 'comment-line' | 'indented-comment' | 'trailing-comment' | 'trailing-tab-comment' | 'blank' | 'doc-end' | 'crlf';
const mutations = fc.array(
  fc.tuple(fc.nat(), fc.constantFrom<Mutation>('comment-line', 'indented-comment', 'trailing-comment', 'trailing-tab-comment', 'blank', 'doc-end', 'crlf')),
  { maxLength: 3 },
);

function mutate(text: string, muts: [number, Mutation][]): string {
  const lines = text.split('\n');
  for (const [n, m] of muts) {
    const i = n % (lines.length + 1);
    if (m === 'comment-line') lines.splice(i, 0, '# comment');
    else if (m === 'indented-comment') lines.splice(i, 0, '    # comment: x');
    else if (m === 'blank') lines.splice(i, 0, '');
    else if (m === 'doc-end') lines.splice(i, 0, '...');
    else if (m === 'trailing-comment' && i < lines.length) lines[i] += ' # c';
    else if (m === 'trailing-tab-comment' && i < lines.length) lines[i] += '\t# c';
  }
  const out = lines.join('\n');
  return muts.some(([, m]) => m === 'crlf') ? out.replace(/\n/g, '\r\n') : out;
}

const limits = resolveLimits({ maxCollectionSize: 1e6 });

/** parseYamlStream reads `text` as the `yaml` package does; returns the path it took. */
function expectSameAsPackage(text: string): YamlPath {
  const { stream, path } = parseDetailed(text, limits);
  const expected = packageDocuments(text);
  expect(stream.errors).toEqual([]);
  expect(stream.documents).toHaveLength(expected.length);
  stream.documents.forEach((doc, i) => {
    const theirs = expected[i];
    expect(doc.errors.length > 0, `document ${i} has errors in one reading only: ${JSON.stringify({ mine: doc.errors, theirs: theirs.errors })}`).toBe(theirs.errors.length > 0);
    if (theirs.errors.length === 0) expectSameValue(doc.value, theirs.value);
    // duplicate keys are all the fast path reports: its messages are the package's
    if (theirs.errors.every((m) => m.startsWith('Map keys must be unique'))) {
      expect(doc.errors.map((e) => e.message)).toEqual(theirs.errors.map((m) => `Invalid YAML: ${m}`));
    }
  });
  return path;
}

// ---------------------------------------------------------------------------------------------
// A renderer of its own, for what stringify never writes: plain and quoted scalars folded over
// lines (with empty lines), block scalars with indentation indicators, keep/strip chomping,
// more-indented and tab-led lines, sequences at their key's indentation, compact items, flow
// collections over lines, tabs before comments.

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const sp = (n: number) => ' '.repeat(Math.max(0, n));

/** Strings that read back as themselves when written plain (most of the time: the package judges). */
const PLAIN_SAFE = /^[A-Za-z0-9][A-Za-z0-9 ._/()=+-]*$/;

/** The text of a scalar after `key: ` or `- ` in a collection at indent n (several lines maybe). */
function scalarText(v: unknown, n: number, r: Rand): string {
  if (typeof v !== 'string') return v === null ? pick(r, ['null', '~', '', 'Null']) : String(v);
  if (!PLAIN_SAFE.test(v) && r() < 0.8) return r() < 0.5 ? JSON.stringify(v) : `'${v.replace(/'/g, "''")}'`;
  const more = n + 1 + Math.floor(r() * 3);
  const fold = (t: string, breakAt: string) => t.split(breakAt).map((w, i) => (i === 0 ? w : (r() < 0.5 ? ' ' : `\n${r() < 0.3 ? '\n' : ''}${sp(more)}`) + w)).join('');
  switch (pick(r, ['plain', 'plain', 'folded-plain', 'single', 'double', 'double-escaped-break', 'literal', 'folded'])) {
    case 'plain':
      return v;
    case 'folded-plain':
      return fold(v, ' ');
    case 'single':
      return `'${fold(v.replace(/'/g, "''"), ' ')}'`;
    case 'double':
      return fold(JSON.stringify(v), ' ');
    case 'double-escaped-break': {
      const q = JSON.stringify(v);
      const cut = 1 + Math.floor(r() * Math.max(1, q.length - 2));
      return q[cut - 1] === '\\' ? q : `${q.slice(0, cut)}\\\n${sp(more)}${q.slice(cut)}`;
    }
    default: {
      const explicit = r() < 0.3 ? 1 + Math.floor(r() * 3) : 0;
      const header = `${r() < 0.5 ? '|' : '>'}${explicit || ''}${pick(r, ['', '-', '+'])}${r() < 0.2 ? ' # h' : ''}`;
      const ind = explicit ? Math.max(n, 0) + explicit : more;
      const lines = v.split('\n').map((l) => (l === '' ? sp(Math.floor(r() * (ind + 2))) : `${sp(ind)}${r() < 0.15 ? pick(r, ['  ', '\t']) : ''}${l}`));
      return `${header}\n${lines.join('\n')}`;
    }
  }
}

function keyText(k: string, r: Rand): string {
  return PLAIN_SAFE.test(k) && r() < 0.7 ? k : r() < 0.5 ? `'${k.replace(/'/g, "''")}'` : JSON.stringify(k);
}

function flowText(v: unknown, n: number, r: Rand): string {
  const brk = () => (r() < 0.2 ? `\n${sp(n + 1 + Math.floor(r() * 3))}` : ' ');
  if (Array.isArray(v)) return `[${v.map((x) => brk() + flowText(x, n, r)).join(',')}${v.length > 0 && r() < 0.2 ? ',' : ''}${brk()}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${brk()}${JSON.stringify(k)}: ${flowText(x, n, r)}`).join(',')}${brk()}}`;
  }
  return typeof v === 'string' ? (r() < 0.5 && /^[a-z][a-z0-9 ./-]*$/i.test(v) ? v : JSON.stringify(v)) : String(v);
}

/** Lines of a block collection (or scalar line) at indent n. */
function blockLines(v: unknown, n: number, r: Rand): string[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${sp(n)}[]`];
    return v.flatMap((item) => {
      const inner = n + 2;
      if (item !== null && typeof item === 'object' && (Array.isArray(item) ? item.length : Object.keys(item).length) > 0 && r() < 0.6) {
        const lines = blockLines(item, inner, r); // compact: the first line after `- `
        return [`${sp(n)}- ${lines[0].slice(inner)}`, ...lines.slice(1)];
      }
      if (item !== null && typeof item === 'object') return r() < 0.5 ? [`${sp(n)}- ${flowText(item, n, r)}`] : [`${sp(n)}-`, ...blockLines(item, n + 1 + Math.floor(r() * 3), r)];
      return [`${sp(n)}- ${scalarText(item, n, r)}`];
    });
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0) return [`${sp(n)}{}`];
    return entries.flatMap(([k, x]) => {
      const head = `${sp(n)}${keyText(k, r)}${r() < 0.1 ? ' ' : ''}:`;
      if (x !== null && typeof x === 'object') {
        if (r() < 0.3) return [`${head} ${flowText(x, n, r)}`];
        const at = Array.isArray(x) && x.length > 0 && r() < 0.4 ? n : n + 1 + Math.floor(r() * 3); // a sequence may sit at its key's indent
        return [`${head}${r() < 0.2 ? pick(r, [' # c', '\t# c']) : ''}`, ...blockLines(x, at, r)];
      }
      return [`${head} ${scalarText(x, n, r)}`];
    });
  }
  return [`${sp(n)}${scalarText(v, -1, r)}`];
}

function render(docs: unknown[], seed: number): string {
  const r = mulberry32(seed);
  const text = docs.map((d) => blockLines(d, 0, r).join('\n') + '\n').join(pick(r, ['---\n', '--- # next\n', '...\n---\n']));
  // comments between lines and after them (inside a scalar they are content: the package agrees)
  return text.split('\n').flatMap((line) => (r() < 0.05 ? [pick(r, ['# c', '  # c', '']), line] : r() < 0.05 ? [`${line} # c`] : [line])).join('\n');
}

describe('parseYamlStream against the yaml package', () => {
  it('reads whatever stringify emits, disturbed by comments, blank lines, `...`, tabs and CRLF, as the package does', () => {
    const paths: Record<YamlPath, number> = { fast: 0, mixed: 0, fallback: 0 };
    fc.assert(
      fc.property(fc.array(values(PIECES), { minLength: 1, maxLength: 3 }), anyOptions, mutations, (docs, options, muts) => {
        const text = mutate(docs.map((d) => stringify(d, options)).join('---\n'), muts);
        paths[expectSameAsPackage(text)]++;
      }),
      { numRuns: 600, seed: 20240611 },
    );
    // the property covered both readers
    expect(paths.fast).toBeGreaterThan(0);
    expect(paths.mixed + paths.fallback).toBeGreaterThan(0);
  });

  it('reads hand-written styles (folded scalars, block scalar indicators, kubectl sequences, multi-line flow) as the package does', () => {
    const paths: Record<YamlPath, number> = { fast: 0, mixed: 0, fallback: 0 };
    const text = (s: string) => s.replace(/[\r\u2028\u0085]/g, '');
    fc.assert(
      fc.property(fc.array(values(PIECES.map(text)), { minLength: 1, maxLength: 3 }), fc.integer(), (docs, seed) => {
        paths[expectSameAsPackage(render(docs, seed))]++;
      }),
      { numRuns: 800, seed: 4242 },
    );
    expect(paths.fast).toBeGreaterThan(paths.mixed + paths.fallback);
  });

  it('reads block-style stringify output that the package reads without error with the fast path', () => {
    const blockOptions = fc.record({
      indent: fc.integer({ min: 1, max: 4 }),
      indentSeq: fc.boolean(),
      lineWidth: fc.constantFrom(0, 20, 40, 80),
      minContentWidth: fc.constantFrom(0, 20),
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_FOLDED', 'BLOCK_LITERAL'),
      defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
      collectionStyle: fc.constantFrom('any', 'block'),
      nullStr: fc.constantFrom('null', '~', ''),
    } as const);
    let checked = 0;
    fc.assert(
      fc.property(fc.array(values(PIECES), { minLength: 1, maxLength: 3 }), blockOptions, (docs, options) => {
        const text = docs.map((d) => stringify(d, options)).join('---\n');
        const expected = packageDocuments(text);
        // (stringify now and then writes what the package itself rejects, `k:\n[]` say: not this property's business)
        if (expected.some((d) => d.errors.length > 0)) return;
        checked++;
        const { stream, path } = parseDetailed(text, limits);
        expect(path).toBe('fast');
        expectSameValue(stream.documents.map((d) => d.value), expected.map((d) => d.value));
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(checked).toBeGreaterThan(250);
  });

  it('reads documents sent to the fallback (anchors, aliases, tags) as the package does', () => {
    const decorate = fc.constantFrom(
      (t: string) => `&top\n${t}`,
      (t: string) => `base: &b {k: v}\nuse: *b\nrest:\n${t.replace(/^/gm, '  ')}`,
      (t: string) => `tagged: !!str 1\nrest:\n${t.replace(/^/gm, '  ')}`,
    );
    const paths: Record<YamlPath, number> = { fast: 0, mixed: 0, fallback: 0 };
    fc.assert(
      fc.property(values(PIECES), values(PIECES), anyOptions, decorate, (a, b, options, wrap) => {
        const text = `${stringify(a, options)}---\n${wrap(stringify(b, { ...options, collectionStyle: 'block' }))}`;
        paths[expectSameAsPackage(text)]++;
      }),
      { numRuns: 300, seed: 99 },
    );
    expect(paths.mixed).toBeGreaterThan(0);
  });
});
