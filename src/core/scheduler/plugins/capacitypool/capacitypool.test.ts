import { describe, expect, it } from 'vitest';
import { filter } from '.';
import { host } from '../../testing';

describe('CapacityPool', () => {
  const cases = [
    { name: 'a spot pod on a regular host fails naming the pod’s pool', pod: 'spot', host: 'regular', reason: "node(s) didn't match the pod's capacity pool (spot)" },
    { name: 'a regular pod on a spot host fails naming the pod’s pool', pod: 'regular', host: 'spot', reason: "node(s) didn't match the pod's capacity pool (regular)" },
    { name: 'a spot pod on a spot host passes', pod: 'spot', host: 'spot', reason: null },
    { name: 'a regular pod on a regular host passes', pod: 'regular', host: 'regular', reason: null },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const st = filter(c.pod, host('h', { pool: c.host }));
      if (c.reason === null) expect(st).toBeNull();
      else expect(st).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [c.reason] });
    });
  }
});
