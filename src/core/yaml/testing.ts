/**
 * Test helpers: the `yaml` package's reading of a stream, as parseYamlStream promises to
 * reproduce it. Used by the tests beside this file only.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { firstLine } from './types';

/**
 * Deep equality with prototypes, -0 and NaN (node's isDeepStrictEqual). vitest's toStrictEqual
 * will not do for YAML values: it compares `.constructor`, which a `constructor` key replaces.
 */
export function expectSameValue(actual: unknown, expected: unknown): void {
  const show = (v: unknown) => inspect(v, { depth: 10, breakLength: Infinity });
  expect(isDeepStrictEqual(actual, expected), `${show(actual)}\n  is not\n${show(expected)}`).toBe(true);
}

export interface PackageDocument {
  value: unknown;
  /** First lines of the errors (and of what toJS threw), as parseManifest has always shown them. */
  errors: string[];
}

/** What `parseAllDocuments(text).map(d => d.toJS())` gives, errors included. */
export function packageDocuments(text: string): PackageDocument[] {
  return parseAllDocuments(text, { logLevel: 'silent' }).map((doc) => {
    const errors = doc.errors.map((e) => firstLine(e.message));
    let value: unknown = null;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push(firstLine(e instanceof Error ? e.message : String(e)));
    }
    return { value, errors };
  });
}
