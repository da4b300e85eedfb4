import { describe, expect, it } from 'vitest';
import { parseDetailed, parseYamlStream, type YamlPath } from './index';
import { DEFAULT_YAML_LIMITS, MAX_SUPPORTED_DEPTH, resolveLimits, type YamlLimits } from './types';

function parse(text: string, limits: Partial<YamlLimits> = {}) {
  return parseDetailed(text, resolveLimits(limits));
}

/** The same text made to go to the fallback: an anchor on its top node. */
const viaFallback = (text: string) => `&anchor\n${text}`;

/** Nesting `depth` collections deep, in a few shapes. */
const nested = {
  flowSeq: (depth: number) => `${'['.repeat(depth)}x${']'.repeat(depth)}`,
  flowMap: (depth: number) => `${'{a: '.repeat(depth)}x${'}'.repeat(depth)}`,
  compactSeq: (depth: number) => `${'- '.repeat(depth)}x\n`,
  blockMap: (depth: number) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ` x\n`,
};

const mapping = (keys: number) => Array.from({ length: keys }, (_, i) => `key-${i}: ${i}\n`).join('');
const sequence = (items: number) => Array.from({ length: items }, (_, i) => `- ${i}\n`).join('');
const documents = (count: number) => Array.from({ length: count }, (_, i) => `d: ${i}\n`).join('---\n');

function expectOk(text: string, limits: Partial<YamlLimits>, path: YamlPath): void {
  const { stream, path: taken } = parse(text, limits);
  expect(stream.errors).toEqual([]);
  expect(stream.documents.flatMap((d) => d.errors)).toEqual([]);
  expect(taken).toBe(path);
}

function expectLimit(text: string, limits: Partial<YamlLimits>, message: RegExp, document = 0): void {
  const { stream } = parse(text, limits);
  expect(stream.documents).toEqual([]);
  expect(stream.errors).toHaveLength(1);
  expect(stream.errors[0]).toMatchObject({ code: 'LIMIT_EXCEEDED', document });
  expect(stream.errors[0].message).toMatch(message);
}

describe('resolveLimits', () => {
  it('fills what the caller leaves out with the defaults', () => {
    expect(resolveLimits({ maxDepth: 8 })).toEqual({ ...DEFAULT_YAML_LIMITS, maxDepth: 8 });
    expect(resolveLimits(undefined)).toEqual(DEFAULT_YAML_LIMITS);
  });
  it('caps the depth at what the parsers support', () => {
    expect(resolveLimits({ maxDepth: 1e9 }).maxDepth).toBe(MAX_SUPPORTED_DEPTH);
  });
  it('has the documented defaults', () => {
    expect(DEFAULT_YAML_LIMITS).toEqual({ maxDocuments: 1000, maxCollectionSize: 10_000, maxDepth: 64, maxAliases: 100 });
  });
});

describe.each([
  ['the fast path', (t: string) => t, 'fast' as YamlPath],
  ['the fallback', viaFallback, 'mixed' as YamlPath],
])('limits in %s', (_, shape, path) => {
  it('accepts as many documents as the limit and refuses one more', () => {
    // (the fallback reads a document that needs it; the others take the fast path)
    expectOk(shape(documents(5)), { maxDocuments: 5 }, path);
    expectLimit(shape(documents(6)), { maxDocuments: 5 }, /^YAML limit exceeded: more than 5 documents in the stream \(maxDocuments: 5\)/, 5);
  });
  it('accepts as many keys in a mapping as the limit and refuses one more', () => {
    expectOk(shape(`m:\n${mapping(50).replace(/^/gm, '  ')}`), { maxCollectionSize: 50 }, path);
    expectLimit(shape(`m:\n${mapping(51).replace(/^/gm, '  ')}`), { maxCollectionSize: 50 }, /a mapping has more than 50 keys \(maxCollectionSize: 50\) at line \d+, column \d+$/);
  });
  it('accepts as many items in a sequence as the limit and refuses one more', () => {
    expectOk(shape(`s:\n${sequence(50)}`), { maxCollectionSize: 50 }, path);
    expectLimit(shape(`s:\n${sequence(51)}`), { maxCollectionSize: 50 }, /a sequence has more than 50 items \(maxCollectionSize: 50\)/);
  });
  it('counts the items of flow collections too', () => {
    const flow = (n: number) => `f: [${Array.from({ length: n }, (_, i) => i).join(', ')}]\n`;
    expectOk(shape(flow(50)), { maxCollectionSize: 50 }, path);
    expectLimit(shape(flow(51)), { maxCollectionSize: 50 }, /a sequence has more than 50 items/);
  });
  it.each(Object.entries(nested))('accepts nesting as deep as the limit and refuses one level more (%s)', (_, make) => {
    expectOk(shape(make(10)), { maxDepth: 10 }, path);
    expectLimit(shape(make(11)), { maxDepth: 10 }, /collections nested more than 10 deep \(maxDepth: 10\)/);
  });
  it('names the document where a limit was exceeded', () => {
    expectLimit(`a: 1\n---\n${shape(nested.flowSeq(11))}`, { maxDepth: 10 }, /maxDepth: 10/, 1);
  });
});

describe('alias limits (the fallback)', () => {
  const aliases = (n: number) => `a: &x 1\nb:\n${'  - *x\n'.repeat(n)}`;
  it('accepts fewer aliases than the limit and refuses more', () => {
    expectOk(aliases(99), {}, 'mixed');
    expectLimit(aliases(101), {}, /^YAML limit exceeded: more than 100 alias expansions \(maxAliases: 100\)/);
  });
  it('refuses alias expansions past the limit as the yaml package counts them', () => {
    // 5 aliases, each expanding a sequence that holds 3 aliases
    const text = 'a: &a [1]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n';
    expectOk(text, { maxAliases: 100 }, 'mixed');
    expectLimit(text, { maxAliases: 10 }, /maxAliases: 10/);
  });
  it('refuses a billion laughs quickly', () => {
    const levels = 'abcdefghi'.split('');
    const text = levels.map((l, i) => `${l}: &${l} [${Array(9).fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`).join(', ')}]`).join('\n');
    expectLimit(text, {}, /alias expansions \(maxAliases: 100\)/);
  });
  it('refuses many aliases of many anchors (each would cost a scan of all of them)', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `- &a${i} x\n- *a${i}\n`).join('');
    expectLimit(text, { maxCollectionSize: 1e6 }, /maxAliases: 100/);
  });
  it('refuses nesting past the limit that aliases build', () => {
    // each alias puts a 4-deep sequence inside another
    const text = 'a: &a [[[[1]]]]\nb: &b [[[[*a]]]]\nc: [[[[*b]]]]\n';
    expectOk(text, { maxDepth: 13 }, 'mixed');
    expectLimit(text, { maxDepth: 12 }, /maxDepth: 12/);
  });
});

describe('adversarial input', () => {
  const keys = 50_000;
  const big = mapping(keys);
  it.each([
    ['the fast path', big, 'fast'],
    ['the fallback', `a: &x 1\n${big}`, 'mixed'],
  ] as Array<[string, string, YamlPath]>)('parses 50,000 keys in one mapping in %s', (_, text, path) => {
    const { stream, path: taken } = parse(text, { maxCollectionSize: 100_000 });
    expect(taken).toBe(path);
    expect(stream.documents[0].errors).toEqual([]);
    const value = stream.documents[0].value as Record<string, unknown>;
    expect(Object.keys(value).length).toBeGreaterThanOrEqual(keys);
    // every key holds its own value (keys far outnumber the parser's key cache)
    for (let i = 0; i < keys; i++) if (value[`key-${i}`] !== i) expect(value[`key-${i}`]).toBe(i);
  });
  it.each([
    ['the fast path', big, keys + 1],
    ['the fallback', `a: &x 1\n${big}`, keys + 2],
  ] as Array<[string, string, number]>)('finds a duplicate at the end of 50,000 keys in %s', (_, text, line) => {
    const { stream } = parse(`${text}key-7: again\n`, { maxCollectionSize: 100_000 });
    expect(stream.documents[0].errors.map((e) => e.message)).toEqual([`Invalid YAML: Map keys must be unique at line ${line}, column 1`]);
  });
  it('refuses 50,000 keys with the default limit', () => {
    expectLimit(big, {}, /maxCollectionSize: 10000/);
  });
  it.each(Object.entries(nested))('gives a limit error, not a crash, for 10,000-deep nesting (%s)', (name, make) => {
    const depth = name === 'blockMap' ? 2_000 : 10_000; // (a block mapping that deep is 2 MB of indentation already)
    for (const text of [make(depth), viaFallback(make(depth))]) {
      expectLimit(text, {}, /maxDepth: 64/);
      expectLimit(text, { maxDepth: 1e9 }, new RegExp(`maxDepth: ${MAX_SUPPORTED_DEPTH}`));
    }
  });
  it.each(Object.entries(nested))('parses nesting as deep as the deepest supported limit in both paths (%s)', (_, make) => {
    expectOk(make(MAX_SUPPORTED_DEPTH), { maxDepth: MAX_SUPPORTED_DEPTH }, 'fast');
    expectOk(viaFallback(make(MAX_SUPPORTED_DEPTH)), { maxDepth: MAX_SUPPORTED_DEPTH }, 'mixed');
  });
  it('refuses 100,000 documents at the limit', () => {
    expectLimit('---\n'.repeat(100_000), {}, /maxDocuments: 1000/, 1000);
  });
  it('is a limit error, not a crash, for a deep stack of unclosed brackets', () => {
    expect(parseYamlStream(`a: ${'['.repeat(200_000)}`).errors[0].code).toBe('LIMIT_EXCEEDED');
  });
});
