import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { doubleQuotedValue, keyString, resolvePlain, unfoldLines } from './scalars';

/** What the `yaml` package makes of `k: <source>`. */
function packageValue(source: string): unknown {
  return (parseDocument(`k: ${source}`).toJS() as { k: unknown }).k;
}

describe('resolvePlain', () => {
  const cases: Array<[string, unknown]> = [
    ['', null],
    ['~', null],
    ['null', null],
    ['Null', null],
    ['NULL', null],
    ['nULL', 'nULL'],
    ['nulls', 'nulls'],
    ['~~', '~~'],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['tRUE', 'tRUE'],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['yes', 'yes'],
    ['on', 'on'],
    ['0', 0],
    ['-0', -0],
    ['+5', 5],
    ['012', 12],
    ['12345678901234567890', 12345678901234567890],
    ['0o17', 15],
    ['0O17', '0O17'],
    ['0o18', '0o18'],
    ['0x1F', 31],
    ['0X1F', '0X1F'],
    ['-0x1', '-0x1'],
    ['0x', '0x'],
    ['0b101', '0b101'],
    ['1_000', '1_000'],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['-1.25', -1.25],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['+1.5e+2', 150],
    ['1e', '1e'],
    ['.', '.'],
    ['+', '+'],
    ['-', '-'],
    ['.inf', Infinity],
    ['.Inf', Infinity],
    ['+.INF', Infinity],
    ['-.inf', -Infinity],
    ['.nan', NaN],
    ['.NaN', NaN],
    ['.NAN', NaN],
    ['-.nan', '-.nan'],
    ['.infinity', '.infinity'],
    ['1.14.2', '1.14.2'],
    ['250m', '250m'],
    ['512Mi', '512Mi'],
    ['nginx', 'nginx'],
  ];
  it.each(cases)('resolves %j as the core schema does', (source, expected) => {
    expect(resolvePlain(source)).toStrictEqual(expected);
  });
  // (an empty or lone `-` value is not a plain scalar in YAML: the package reads an item there)
  it.each(cases.filter(([s]) => s !== '' && s !== '-'))('agrees with the yaml package on %j', (source) => {
    expect(resolvePlain(source)).toStrictEqual(packageValue(source));
  });
});

describe('keyString', () => {
  it.each([
    [null, ''],
    ['a', 'a'],
    [1, '1'],
    [-0, '0'],
    [1.5, '1.5'],
    [true, 'true'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
  ] as Array<[unknown, string]>)('turns the key %j into the property %j', (key, expected) => {
    expect(keyString(key)).toBe(expected);
  });
});

describe('doubleQuotedValue', () => {
  const value = (content: string) => doubleQuotedValue(content, 0, content.length);
  it.each([
    ['plain text', 'plain text'],
    ['\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e', '\0\x07\b\t\t\n\v\f\r\x1b'],
    ['\\ \\"\\/\\\\', ' "/\\'],
    ['\\N\\_\\L\\P', '\u0085\u00a0\u2028\u2029'],
    ['\\x41\\u00e9\\U0001F600', 'Aé😀'],
    ['\\ud800', '\ud800'],
    ['a\n b', 'a b'],
    ['a  \n   b', 'a b'],
    ['a\n\n b', 'a\nb'],
    ['a\n \n\n b', 'a\n\nb'],
    ['a\\\n    b', 'ab'],
    ['a \\\n  b', 'a b'],
    ['tab\there', 'tab\there'],
    ['  kept  ', '  kept  '],
  ])('reads %j as %j', (content, expected) => {
    expect(value(content)).toBe(expected);
  });
  it.each(['\\q', '\\x4', '\\xZZ', '\\u12', '\\U00110000', '\\'])('refuses the invalid escape in %j', (content) => {
    expect(value(content)).toBeNull();
  });
  it('agrees with the yaml package on a folded, escaped scalar', () => {
    const source = '"a\\tb \\x41\n    c  \n\n    d\\\n    e"';
    expect(doubleQuotedValue(source, 1, source.length - 1)).toBe(packageValue(source));
  });
});

describe('unfoldLines', () => {
  it.each([
    ['one line', 'one line'],
    ['a \n b', 'a b'],
    ['a\n\n b', 'a\nb'],
    ['a\n\n\n b', 'a\n\nb'],
    ['a\n  b  \n c', 'a b c'],
    ['a\n', 'a '],
    ['a\n  ', 'a '],
  ])('folds %j into %j', (text, expected) => {
    expect(unfoldLines(text)).toBe(expected);
  });
  it('agrees with the yaml package on a multi-line single-quoted scalar', () => {
    const source = "'a  \n  b\n\n  c '";
    expect(unfoldLines(source.slice(1, -1))).toBe(packageValue(source));
  });
});
