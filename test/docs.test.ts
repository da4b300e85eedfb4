import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, validate } from 'graphql';
import { schema } from '../src/graphql/schema';
import { repoRoot } from './support/processes';

/** Every GraphQL operation the README and docs/ show is valid against the schema the API serves. */
describe('the documentation', () => {
  const files = ['README.md', ...readdirSync(path.join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const blocks = files.flatMap((file) => {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    return [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m, i) => ({ file, i, source: m[1] }));
  });

  it('shows operations (the tour and the reference pages)', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThan(10);
    expect(new Set(blocks.map((b) => b.file))).toContain("docs/operations.md");
  });

  it.each(blocks.map((b) => [`${b.file} #${b.i}`, b.source]))('%s parses and validates', (_, source) => {
    expect(validate(schema, parse(source as string)).map((e) => e.message)).toEqual([]);
  });
});
