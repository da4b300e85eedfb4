import { describe, expect, it } from 'vitest';
import { parseDetailed, parseYamlStream, type YamlPath } from './index';
import { expectSameValue, packageDocuments } from './testing';
import { resolveLimits } from './types';

function parse(text: string) {
  return parseDetailed(text, resolveLimits({}));
}

/** The documents' values, after checking there is no error and that the `yaml` package reads the same. */
function valuesOf(text: string, path: YamlPath): unknown[] {
  const { stream, path: taken } = parse(text);
  expect(stream.errors).toEqual([]);
  for (const doc of stream.documents) expect(doc.errors).toEqual([]);
  const values = stream.documents.map((d) => d.value);
  const expected = packageDocuments(text);
  expect(expected.flatMap((d) => d.errors)).toEqual([]);
  expectSameValue(values, expected.map((d) => d.value));
  expect(taken).toBe(path);
  return values;
}

interface Case {
  name: string;
  text: string;
  values: unknown[];
  path?: YamlPath;
}

function table(cases: Case[]): void {
  it.each(cases)('$name', ({ text, values, path }) => {
    expectSameValue(valuesOf(text, path ?? 'fast'), values);
  });
}

describe('parseYamlStream: documents and markers', () => {
  table([
    { name: 'an empty text holds no document', text: '', values: [] },
    { name: 'a text of comments and blank lines holds no document', text: '# one\n\n  # two\n', values: [] },
    { name: 'a bare --- is one empty document', text: '---\n', values: [null] },
    { name: 'a --- with a comment is one empty document', text: '--- # note\n', values: [null] },
    { name: 'a trailing --- opens an empty last document', text: 'a: 1\n---\n', values: [{ a: 1 }, null] },
    { name: 'a leading --- opens the first document', text: '---\na: 1\n', values: [{ a: 1 }] },
    { name: '... ends a document', text: 'a: 1\n...\n# after\n', values: [{ a: 1 }] },
    { name: 'content after ... is a new document', text: 'a: 1\n...\nb: 2\n', values: [{ a: 1 }, { b: 2 }] },
    { name: 'a ... with no document before it is an empty document', text: '...\n...\n', values: [null, null] },
    { name: '--- ... --- are two empty documents', text: '---\n...\n---\n', values: [null, null] },
    { name: 'documents hold scalars too', text: 'hello\n---\n"quoted"\n--- # c\n42\n', values: ['hello', 'quoted', 42] },
    { name: 'a document may be indented as a whole', text: '  a: 1\n  b: 2\n', values: [{ a: 1, b: 2 }] },
    { name: '---a is a plain scalar, not a marker', text: '---a\n', values: ['---a'] },
    { name: 'a marker with content on its line goes to the fallback', text: '--- [a]\n', values: [['a']], path: 'mixed' },
  ]);
});

describe('parseYamlStream: plain scalars and keys', () => {
  table([
    {
      name: 'plain scalars resolve as the YAML 1.2 core schema',
      text: 'n1: ~\nn2: null\nn3: NULL\nn4:\nb1: true\nb2: False\nb3: TRUE\ni1: 42\ni2: -0\ni3: 0o17\ni4: 0x1F\ni5: +5\ni6: 012\nf1: 1.5\nf2: .5\nf3: 1e3\nf4: .inf\nf5: -.Inf\nf6: .NaN\ns1: yes\ns2: 1.14.2\ns3: 250m\ns4: 0b1\n',
      values: [{ n1: null, n2: null, n3: null, n4: null, b1: true, b2: false, b3: true, i1: 42, i2: -0, i3: 15, i4: 31, i5: 5, i6: 12, f1: 1.5, f2: 0.5, f3: 1000, f4: Infinity, f5: -Infinity, f6: NaN, s1: 'yes', s2: '1.14.2', s3: '250m', s4: '0b1' }],
    },
    { name: 'keys resolve like values and become strings', text: '1: a\ntrue: b\n~: c\n0x10: d\n1.0e1: e\n', values: [{ 1: 'a', true: 'b', '': 'c', 16: 'd', 10: 'e' }] },
    { name: 'a plain scalar keeps inner colons, hashes and brackets', text: 'image: nginx:1.14.2\nurl: http://x:80/p#frag\ntag: a#b\nodd: a], b} [c\n', values: [{ image: 'nginx:1.14.2', url: 'http://x:80/p#frag', tag: 'a#b', odd: 'a], b} [c' }] },
    { name: 'a plain scalar may start with -, ? or : before a character', text: 'a: -x\nb: ?y\nc: :z\n:k: 1\n', values: [{ a: '-x', b: '?y', c: ':z', ':k': 1 }] },
    { name: 'keys may hold spaces and have spaces before the colon', text: 'my key  : v\n', values: [{ 'my key': 'v' }] },
    { name: 'trailing spaces and comments are not part of a scalar', text: 'a: v   \nb: w # note\nc: x\t# tab note\n', values: [{ a: 'v', b: 'w', c: 'x' }] },
    { name: 'a tab inside a plain scalar is kept', text: 'a: x\ty\n', values: [{ a: 'x\ty' }] },
    { name: 'a tab may separate a value from its key', text: 'a:\tb\nc:\t# note\n  d: 1\n', values: [{ a: 'b', c: { d: 1 } }] },
    { name: 'a plain scalar continues on more indented lines', text: 'd: The quick brown\n  fox jumps\n\n  over\n  - the dog\ne: 1\n', values: [{ d: 'The quick brown fox jumps\nover - the dog', e: 1 }] },
    { name: 'a plain scalar alone on its line under its key', text: 'k:\n  value\n  more\n', values: [{ k: 'value more' }] },
    { name: '<< is an ordinary key (no merge in YAML 1.2)', text: '<<: {a: 1}\n', values: [{ '<<': { a: 1 } }] },
  ]);
});

describe('parseYamlStream: quoted scalars', () => {
  table([
    { name: "single quotes escape a quote by doubling it", text: "a: 'it''s'\nb: ''\nc: ' # not a comment '\n", values: [{ a: "it's", b: '', c: ' # not a comment ' }] },
    {
      name: 'double quotes take every escape',
      text: 'a: "\\0\\a\\b\\t\\n\\v\\f\\r\\e\\ \\"\\/\\\\\\N\\_\\L\\P"\nb: "\\x41\\u00e9\\U0001F600"\nc: ""\n',
      values: [{ a: '\0\x07\b\t\n\v\f\r\x1b "/\\\u0085\u00a0\u2028\u2029', b: 'Aé😀', c: '' }],
    },
    { name: 'quoted keys may be anything', text: '"a: b": 1\n\'#\': 2\n"": 3\n"true": 4\n', values: [{ 'a: b': 1, '#': 2, '': 3, true: 4 }] },
    { name: 'quoted scalars fold over several lines', text: 'a: "one\n  two\n\n  three \\\n  four"\nb: \'x\n  y\'\n', values: [{ a: 'one two\nthree four', b: 'x y' }] },
  ]);
  it('sends an invalid escape to the fallback, which reports it as the yaml package does', () => {
    const { stream, path } = parse('a: "\\q"\n');
    expect(path).toBe('fallback');
    expect(stream.documents[0].errors.map((e) => e.message)).toEqual(['Invalid YAML: Invalid escape sequence \\q at line 1, column 5']);
    expect(packageDocuments('a: "\\q"\n')[0].errors).toEqual(['Invalid escape sequence \\q at line 1, column 5']);
  });
});

describe('parseYamlStream: block scalars', () => {
  table([
    { name: 'a literal keeps line breaks and clips the last ones', text: 'a: |\n  one\n   two\n\n  three\n\n\nb: 1\n', values: [{ a: 'one\n two\n\nthree\n', b: 1 }] },
    { name: 'a folded scalar joins lines and keeps more indented ones', text: 'a: >\n  one\n  two\n\n  three\n    code\n  four\n', values: [{ a: 'one two\nthree\n  code\nfour\n' }] },
    { name: 'strip (-) drops the final line breaks', text: 'a: |-\n  x\n\n', values: [{ a: 'x' }] },
    { name: 'keep (+) keeps the final line breaks', text: 'a: |+\n  x\n\n\nb: 1\n', values: [{ a: 'x\n\n\n', b: 1 }] },
    { name: 'an explicit indentation indicator keeps leading spaces', text: 'a: |2\n    x\n   y\nb: >-1\n  z\n', values: [{ a: '  x\n y\n', b: ' z' }] },
    { name: 'indicators come in either order', text: 'a: |-2\n   x\nb: |2-\n   y\n', values: [{ a: ' x', b: ' y' }] },
    { name: 'leading empty lines are kept', text: 'a: |\n\n  x\n', values: [{ a: '\nx\n' }] },
    { name: 'an empty block scalar is empty', text: 'a: |\nb: >+\n\nc: |-\n', values: [{ a: '', b: '\n', c: '' }] },
    { name: 'a comment-like line inside is content', text: 'a: |\n  # not a comment\n  x: y\n', values: [{ a: '# not a comment\nx: y\n' }] },
    { name: 'a less indented comment ends it', text: 'a: |\n  x\n # comment\nb: 1\n', values: [{ a: 'x\n', b: 1 }] },
    { name: 'it ends at the end of the text without a line break', text: 'a: >\n  x', values: [{ a: 'x\n' }] },
    { name: 'tabs after the indentation are content', text: 'a: |\n  \tx\n  y\t\n', values: [{ a: '\tx\ny\t\n' }] },
    { name: 'it may be a sequence item and a document', text: '- |\n  a\n- >-\n  b\n  c\n---\n|\nroot\n', values: [['a\n', 'b c'], 'root\n'] },
    { name: 'a header comment is allowed', text: 'a: | # note\n  x\n', values: [{ a: 'x\n' }] },
    { name: 'a folded scalar keeps tab-led lines apart', text: 'a: >\n  one\n  \ttwo\n  three\n', values: [{ a: 'one\n\ttwo\nthree\n' }] },
  ]);
  it('sends more-indented leading empty lines to the fallback, which reports them as the yaml package does', () => {
    const text = 'a: |\n   \n  x\n';
    const { stream, path } = parse(text);
    expect(path).toBe('fallback');
    expect(stream.documents[0].errors.map((e) => e.message)).toEqual(packageDocuments(text)[0].errors.map((m) => `Invalid YAML: ${m}`));
  });
});

describe('parseYamlStream: collections', () => {
  table([
    { name: 'nested block mappings and sequences', text: 'a:\n  b:\n    - 1\n    - c: 2\n      d: 3\n  e: []\n', values: [{ a: { b: [1, { c: 2, d: 3 }], e: [] } }] },
    { name: 'a sequence may sit at its key\'s indentation (kubectl)', text: 'containers:\n- name: a\n  ports:\n  - 80\n- name: b\nz: 1\n', values: [{ containers: [{ name: 'a', ports: [80] }, { name: 'b' }], z: 1 }] },
    { name: 'compact nested sequences', text: '- - a\n  - b\n- - - c\n', values: [[['a', 'b'], [['c']]]] },
    { name: 'items may be empty', text: '- \n-\n- # c\n- a\n', values: [[null, null, null, 'a']] },
    { name: 'an item may hold a mapping on the next lines', text: '-\n  a: 1\n', values: [[{ a: 1 }]] },
    { name: 'wide item indentation', text: '-   a: 1\n    b: 2\n', values: [[{ a: 1, b: 2 }]] },
    { name: 'flow collections nest', text: 'a: {b: [1, x y, "q"], c: {}}\nd: [ ]\n', values: [{ a: { b: [1, 'x y', 'q'], c: {} }, d: [] }] },
    { name: 'a flow mapping key may have no value', text: 'a: {x, y: , z:}\n', values: [{ a: { x: null, y: null, z: null } }] },
    { name: 'a trailing comma is allowed', text: 'a: [1, 2, ]\n', values: [{ a: [1, 2] }] },
    { name: 'flow plain scalars keep inner colons', text: 'a: {url: http://x:80/p}\n', values: [{ a: { url: 'http://x:80/p' } }] },
    { name: 'a flow collection spans lines, its bracket back at the parent indent', text: 'a: [\n  1,\n  # c\n  2\n]\nb:\n  - {\n      x: 1 }\n', values: [{ a: [1, 2], b: [{ x: 1 }] }] },
    { name: 'a top-level flow collection may use column 0', text: '[\na,\nb\n]\n', values: [['a', 'b']] },
    { name: 'a flow pair inside a sequence goes to the fallback', text: '[a: 1]\n', values: [[{ a: 1 }]], path: 'mixed' },
    { name: 'a complex key goes to the fallback', text: '? [a]\n: 1\n', values: [{ '[ a ]': 1 }], path: 'mixed' },
  ]);
});

describe('parseYamlStream: what only the fallback reads', () => {
  table([
    { name: 'anchors and aliases', text: 'a: &x {b: 1}\nc: *x\n', values: [{ a: { b: 1 }, c: { b: 1 } }], path: 'mixed' },
    { name: 'tags', text: 'a: !!str 1\nb: !!int "2"\n', values: [{ a: '1', b: 2 }], path: 'mixed' },
    { name: 'a directive sends the whole stream', text: '%YAML 1.2\n---\na: 1\n', values: [{ a: 1 }], path: 'fallback' },
    { name: 'a tab after a sequence indicator', text: '-\tb\n', values: [['b']], path: 'mixed' },
    { name: 'a BOM past the start sends the whole stream', text: 'a: "x\ufeff"\n', values: [{ a: 'x\ufeff' }], path: 'fallback' },
    { name: 'only the document that needs it goes to the fallback', text: 'a: 1\n---\nb: &x 2\nc: *x\n---\nd: 3\n', values: [{ a: 1 }, { b: 2, c: 2 }, { d: 3 }], path: 'mixed' },
  ]);
});

describe('parseYamlStream: line ends, BOM, tabs', () => {
  it('reads CRLF text as the same text with LF', () => {
    const lf = 'a: 1\nb: |\n  x\n  y\nc: "p\n  q"\nd: [1,\n  2]\n---\ne: f\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    expectSameValue(valuesOf(crlf, 'fast'), valuesOf(lf, 'fast'));
  });
  it('ignores a BOM at the start', () => {
    expect(valuesOf('\ufeffa: 1\n', 'fast')).toStrictEqual([{ a: 1 }]);
  });
  it('sends a lone CR to the fallback', () => {
    expect(valuesOf('a: "x\ry"\n', 'fallback')).toStrictEqual([{ a: 'x\ry' }]);
  });
  it('sends tab indentation to the fallback, which reports it', () => {
    const { stream, path } = parse('a:\n\tb: 1\n');
    expect(path).toBe('fallback');
    expect(stream.documents[0].errors.length).toBeGreaterThan(0);
    expect(packageDocuments('a:\n\tb: 1\n')[0].errors.length).toBeGreaterThan(0);
  });
});

describe('parseYamlStream: duplicate and prototype keys', () => {
  it.each([
    ['a block mapping', 'a: 1\nb: 2\na: 3\n', 'Invalid YAML: Map keys must be unique at line 3, column 1'],
    ['a flow mapping', 'x: {a: 1, a: 2}\n', 'Invalid YAML: Map keys must be unique at line 1, column 11'],
    ['a nested mapping', 'x:\n  - y: 1\n    y: 2\n', 'Invalid YAML: Map keys must be unique at line 3, column 5'],
    ['numbers equal as values (1 and 1.0)', '1: a\n1.0: b\n', 'Invalid YAML: Map keys must be unique at line 2, column 1'],
    ['null keys (~ and empty)', '~: a\nnull: b\n', 'Invalid YAML: Map keys must be unique at line 2, column 1'],
    ['quoted and plain spellings of one string', '"a": 1\na: 2\n', 'Invalid YAML: Map keys must be unique at line 2, column 1'],
    ['the fallback', 'a: &x 1\nb: 2\na: *x\n', 'Invalid YAML: Map keys must be unique at line 3, column 1'],
  ])('reports a duplicate key in %s where the yaml package does', (_, text, message) => {
    const { stream } = parse(text);
    expect(stream.documents[0].errors).toEqual([{ code: 'INVALID_YAML', message, document: 0 }]);
    expect(packageDocuments(text)[0].errors.map((m) => `Invalid YAML: ${m}`)).toEqual([message]);
  });
  it.each([
    ['1 and "1"', '1: a\n"1": b\n', { 1: 'b' }],
    ['true and "true"', 'true: a\n"true": b\n', { true: 'b' }],
    ['NaN and NaN', '.nan: a\n.NaN: b\n', { NaN: 'b' }],
  ])('does not take %s for duplicates, as the yaml package does not', (_, text, value) => {
    expect(valuesOf(text, 'fast')).toStrictEqual([value]);
  });
  it('reports every duplicate, in order', () => {
    const { stream } = parse('a: 1\na: 2\nb: 1\nb: 2\n');
    expect(stream.documents[0].errors.map((e) => e.message)).toEqual([
      'Invalid YAML: Map keys must be unique at line 2, column 1',
      'Invalid YAML: Map keys must be unique at line 4, column 1',
    ]);
  });
  it.each([
    ['block', '__proto__:\n  polluted: 1\nconstructor: 2\ntoString: 3\nhasOwnProperty: 4\n', 'fast'],
    ['flow', '{__proto__: {polluted: 1}, constructor: 2, toString: 3, hasOwnProperty: 4}\n', 'fast'],
    ['fallback', '__proto__: &x\n  polluted: 1\nconstructor: 2\ntoString: 3\nhasOwnProperty: *x\n', 'mixed'],
  ] as Array<[string, string, YamlPath]>)('makes prototype names own properties and changes no prototype (%s)', (_, text, path) => {
    const [value] = valuesOf(text, path) as Record<string, unknown>[];
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('reports a duplicate __proto__ key', () => {
    const { stream } = parse('__proto__: 1\n__proto__: 2\n');
    expect(stream.documents[0].errors).toHaveLength(1);
  });
});

describe('parseYamlStream: errors', () => {
  it('puts an error in the document the yaml package puts it in', () => {
    const text = 'a: 1\n---\nb: [1\nc: 2\n---\nd: 4\n';
    const { stream, path } = parse(text);
    const expected = packageDocuments(text);
    expect(path).toBe('fallback');
    expect(stream.documents.map((d) => d.errors.length > 0)).toEqual(expected.map((d) => d.errors.length > 0));
    expect(stream.documents[1].errors[0]).toMatchObject({ code: 'INVALID_YAML', document: 1 });
    expect(stream.documents[1].errors[0].message).toMatch(/^Invalid YAML: .* at line \d+, column \d+$/);
    expect(stream.documents[2].value).toEqual({ d: 4 });
  });
  it('reports what toJS throws (an unknown alias) as an error of its document', () => {
    const { stream } = parse('a: *nowhere\n');
    expect(stream.documents[0].errors.map((e) => e.message)).toEqual(['Invalid YAML: Unresolved alias (the anchor must be set before the alias): nowhere']);
  });
  it('refuses an alias that makes a collection contain itself', () => {
    const { stream } = parse('a: &x [*x]\n');
    expect(stream.documents[0]).toEqual({ value: null, errors: [{ code: 'INVALID_YAML', message: 'Invalid YAML: an alias refers to a collection that contains it', document: 0 }] });
  });
  it('reads something that is not a string as an empty text', () => {
    expect(parseYamlStream(undefined as unknown as string)).toEqual({ documents: [], errors: [] });
  });
});
