import { describe, expect, it } from 'vitest';
import { filter } from '.';
import { host } from '../../testing';

describe('NodeUnschedulable', () => {
  it('rejects a host that is not schedulable as UnschedulableAndUnresolvable', () => {
    expect(filter(host('h', { schedulable: false }))).toMatchObject({
      code: 'UnschedulableAndUnresolvable',
      reasons: ['node(s) were unschedulable'],
      plugin: 'NodeUnschedulable',
    });
  });

  it('passes a schedulable host', () => {
    expect(filter(host('h'))).toBeNull();
  });
});
