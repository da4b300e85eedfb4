import { describe, expect, it } from 'vitest';
import { canonicalJson, generatedName, nameSuffix, podTemplateHash, safeEncode } from './pods';

describe('pod template hash', () => {
  it('is the same for templates that differ only in key order', () => {
    expect(podTemplateHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(podTemplateHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
  });
  it('changes when the image changes', () => {
    expect(podTemplateHash({ spec: { containers: [{ image: 'nginx:1.14.2' }] } })).not.toBe(
      podTemplateHash({ spec: { containers: [{ image: 'nginx:1.16.1' }] } }),
    );
  });
  it('uses only consonants and digits that cannot spell words', () => {
    expect(safeEncode(0xffffffff)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
  it('ignores undefined values in canonical JSON', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe('pod names', () => {
  it('are the generateName prefix and a suffix', () => {
    expect(generatedName('web-5d9f-', nameSuffix([0, 1, 2, 3, 4]))).toBe('web-5d9f-bcdfg');
  });
  it('stay within 63 characters for long prefixes', () => {
    expect(generatedName(`${'a'.repeat(80)}-h-`, 'xxxxx')).toHaveLength(63);
  });
});
