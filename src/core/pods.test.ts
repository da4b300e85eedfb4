import { describe, expect, it } from 'vitest';
import { canonicalJson, deploymentPodName, nameSuffix, podTemplateHash, rankForDeletion, safeEncode } from './pods';

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
  it('are deployment-hash-suffix', () => {
    expect(deploymentPodName('web', '5d9f', nameSuffix([0, 1, 2, 3, 4]))).toBe('web-5d9f-bcdfg');
  });
  it('stay within 63 characters for long deployment names', () => {
    expect(deploymentPodName('a'.repeat(80), 'h', 'xxxxx')).toHaveLength(63);
  });
});

describe('scale-down order', () => {
  const t = (s: number) => new Date(1_000_000 + s * 1000);
  const table = [
    { name: 'an unscheduled pod goes before a scheduled one', pods: [{ id: 'a', hostId: 'h', phase: 'Pending', status: 'ContainerCreating', createdAt: t(0) }, { id: 'b', hostId: null, phase: 'Pending', status: 'Pending', createdAt: t(0) }], first: 'b' },
    { name: 'a pending pod goes before a running one', pods: [{ id: 'a', hostId: 'h', phase: 'Running', status: 'Running', createdAt: t(9) }, { id: 'b', hostId: 'h', phase: 'Pending', status: 'ContainerCreating', createdAt: t(0) }], first: 'b' },
    { name: 'the newest of equal pods goes first', pods: [{ id: 'a', hostId: 'h', phase: 'Running', status: 'Running', createdAt: t(1) }, { id: 'b', hostId: 'h', phase: 'Running', status: 'Running', createdAt: t(5) }], first: 'b' },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(rankForDeletion(row.pods)[0].id).toBe(row.first);
    });
  }
});
