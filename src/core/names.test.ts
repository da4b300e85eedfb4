import { describe, it, expect } from 'vitest';
import {
  DNS1123_LABEL_MESSAGE,
  DNS1123_SUBDOMAIN_MESSAGE,
  LABEL_VALUE_MESSAGE,
  validateDns1123Label,
  validateDns1123Subdomain,
  validateLabelKey,
  validateLabelValue,
} from './names';

const a = (n: number) => 'a'.repeat(n);

describe('validateDns1123Label', () => {
  const valid = ['a', 'web', 'my-name', '123-abc', '0', a(63), 'a-b-c-1'];
  for (const s of valid) {
    it(`accepts "${s.length > 20 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}"`, () => {
      expect(validateDns1123Label(s)).toEqual([]);
    });
  }

  const invalid: Array<[string, string[]]> = [
    ['', [DNS1123_LABEL_MESSAGE]],
    ['Web_Server', [DNS1123_LABEL_MESSAGE]],
    ['-web', [DNS1123_LABEL_MESSAGE]],
    ['web-', [DNS1123_LABEL_MESSAGE]],
    ['web.server', [DNS1123_LABEL_MESSAGE]],
    ['WEB', [DNS1123_LABEL_MESSAGE]],
    ['we b', [DNS1123_LABEL_MESSAGE]],
    [a(64), ['must be no more than 63 characters']],
    [`-${a(63)}`, ['must be no more than 63 characters', DNS1123_LABEL_MESSAGE]],
  ];
  for (const [s, errs] of invalid) {
    it(`refuses "${s.length > 20 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}" with ${errs.length} message(s)`, () => {
      expect(validateDns1123Label(s)).toEqual(errs);
    });
  }

  it('words its message the way Kubernetes does', () => {
    expect(validateDns1123Label('Web_Server')[0]).toBe(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')",
    );
  });
});

describe('validateDns1123Subdomain', () => {
  const valid = ['a', 'web', 'example.com', 'my-app.v1', '1.2.3', `${a(63)}.${a(63)}.${a(63)}.${a(61)}`];
  for (const s of valid) {
    it(`accepts "${s.length > 30 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}"`, () => {
      expect(validateDns1123Subdomain(s)).toEqual([]);
    });
  }

  const invalid: Array<[string, string[]]> = [
    ['', [DNS1123_SUBDOMAIN_MESSAGE]],
    ['Web_Server', [DNS1123_SUBDOMAIN_MESSAGE]],
    ['-web', [DNS1123_SUBDOMAIN_MESSAGE]],
    ['web.', [DNS1123_SUBDOMAIN_MESSAGE]],
    ['.web', [DNS1123_SUBDOMAIN_MESSAGE]],
    ['a..b', [DNS1123_SUBDOMAIN_MESSAGE]],
    ['a.-b', [DNS1123_SUBDOMAIN_MESSAGE]],
    ['Example.com', [DNS1123_SUBDOMAIN_MESSAGE]],
    [`${a(63)}.${a(63)}.${a(63)}.${a(62)}`, ['must be no more than 253 characters']],
  ];
  for (const [s, errs] of invalid) {
    it(`refuses "${s.length > 30 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}"`, () => {
      expect(validateDns1123Subdomain(s)).toEqual(errs);
    });
  }
});

describe('validateLabelKey', () => {
  const valid = [
    'app',
    'App',
    'my.name',
    'my_name',
    'a',
    '123-abc',
    'example.com/tier',
    'app.kubernetes.io/name',
    'eks.tke.cloud.tencent.com/cpu',
    a(63),
    `example.com/${a(63)}`,
  ];
  for (const s of valid) {
    it(`accepts "${s.length > 30 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}"`, () => {
      expect(validateLabelKey(s)).toEqual([]);
    });
  }

  const invalid: Array<[string, RegExp[]]> = [
    ['', [/^name part must be non-empty$/]],
    ['-app', [/^name part must consist of alphanumeric characters/]],
    ['app_', [/^name part must consist of/]],
    ['my app', [/^name part must consist of/]],
    [a(64), [/^name part must be no more than 63 characters$/]],
    ['example.com/', [/^name part must be non-empty$/]],
    ['/app', [/^prefix part must be non-empty$/]],
    ['Example.com/app', [/^prefix part a lowercase RFC 1123 subdomain must consist of/]],
    ['a/b/c', [/^a qualified name must consist of .*with an optional DNS subdomain prefix and '\/'/]],
    ['bad_prefix/bad name', [/^prefix part a lowercase RFC 1123 subdomain/, /^name part must consist of/]],
  ];
  for (const [s, patterns] of invalid) {
    it(`refuses "${s.length > 30 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}" and explains which part is wrong`, () => {
      const errs = validateLabelKey(s);
      expect(errs).toHaveLength(patterns.length);
      patterns.forEach((p, i) => expect(errs[i]).toMatch(p));
    });
  }
});

describe('validateLabelValue', () => {
  const valid = ['', 'web', 'MyValue', 'my_value', '12345', 'v1.2.3', 'a-b', a(63)];
  for (const s of valid) {
    it(`accepts "${s.length > 20 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}"`, () => {
      expect(validateLabelValue(s)).toEqual([]);
    });
  }

  const invalid: Array<[string, string[]]> = [
    ['-web', [LABEL_VALUE_MESSAGE]],
    ['web_', [LABEL_VALUE_MESSAGE]],
    ['a b', [LABEL_VALUE_MESSAGE]],
    ['a/b', [LABEL_VALUE_MESSAGE]],
    [a(64), ['must be no more than 63 characters']],
  ];
  for (const [s, errs] of invalid) {
    it(`refuses "${s.length > 20 ? `${s.slice(0, 10)}… (${s.length} chars)` : s}"`, () => {
      expect(validateLabelValue(s)).toEqual(errs);
    });
  }
});
