import { describe, expect, it } from 'vitest';
import { firstFit, Snapshot } from '.';
import { host, option, pod } from './testing';

describe('firstFit', () => {
  it('takes the first host in the given order that passes the filters, not the zone-interleaved walk', () => {
    const snap = new Snapshot([
      host('z1-a', { zone: 'z1', requested: { cpuMilli: 64000 } }),
      host('z1-b', { zone: 'z1' }),
      host('z2-a', { zone: 'z2' }),
    ]);
    expect(firstFit(snap, pod('p'))).toMatchObject({ kind: 'Scheduled', hostId: 'z1-b', zone: 'z1', evaluated: 2, feasible: 1 });
    expect(snap.nextStartIndex).toBe(0);
  });

  it('falls through the options in order', () => {
    const snap = new Snapshot([host('amd', { cpuType: 'amd' })]);
    expect(firstFit(snap, pod('p', { options: [option({ cpuType: 'intel' }), option({ cpuType: 'amd' })] }))).toMatchObject({
      kind: 'Scheduled',
      hostId: 'amd',
      option: { cpuType: 'amd' },
    });
  });

  it('explains a failure like scheduleOne, without attempting preemption', () => {
    const snap = new Snapshot([host('a', { requested: { cpuMilli: 64000 } }), host('b', { schedulable: false })]);
    expect(firstFit(snap, pod('p', { priority: 1000 }))).toEqual({
      kind: 'Unschedulable',
      message: '0/2 hosts are available: 1 Insufficient cpu, 1 node(s) were unschedulable.',
      reasons: { 'Insufficient cpu': 1, 'node(s) were unschedulable': 1 },
      preemption: null,
    });
  });
});
