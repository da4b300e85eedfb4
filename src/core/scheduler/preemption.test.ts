import { describe, expect, it } from 'vitest';
import { defaultProfile, scheduleOne, Snapshot, type PlacedPod, type ScheduleResult } from '.';
import { pickOneHostForPreemption } from './preemption';
import { host, option, placed, pod } from './testing';

const never = () => 0.999;
const lowPods = (prefix: string, n: number, cpu: number, over: Partial<PlacedPod> = {}): PlacedPod[] =>
  Array.from({ length: n }, (_, i) => placed(`${prefix}${i}`, { cpuMilli: cpu, memoryMi: 1024, priority: 0, startTime: i, ...over }));
const preemption = (r: ScheduleResult) => (r.kind === 'Unschedulable' ? r.preemption : null);

describe('DefaultPreemption: victims on a host', () => {
  it('removes every lower-priority pod, then reprieves the most important first, keeping only the victims needed', () => {
    // 64 cores: four 16-core pods of priorities 1, 2, 3, 4; the preemptor needs 20 cores.
    const pods = [1, 2, 3, 4].map((prio) => placed(`p${prio}`, { cpuMilli: 16000, memoryMi: 1024, priority: prio }));
    const snap = new Snapshot([host('h', { pods })]);
    const r = scheduleOne(defaultProfile(), snap, pod('hi', { priority: 100, options: [option({ cpuMilli: 20000 })] }), never);
    // Reprieve order 4, 3, 2, 1: 4 and 3 fit back (32 cores free), 2 does not (needs 20 of 16), then 1 does not.
    expect(preemption(r)).toEqual({ hostId: 'h', victims: ['p2', 'p1'], option: option({ cpuMilli: 20000 }) });
  });

  it('never evicts pods of equal or higher priority, nor terminating ones', () => {
    const pods = [
      placed('same', { cpuMilli: 30000, priority: 100 }),
      placed('dying', { cpuMilli: 30000, priority: 0, terminating: true }),
    ];
    const snap = new Snapshot([host('h', { pods })]);
    const r = scheduleOne(defaultProfile(), snap, pod('hi', { priority: 100, options: [option({ cpuMilli: 8000 })] }), never);
    expect(r).toMatchObject({
      kind: 'Unschedulable',
      preemption: null,
      message:
        '0/1 hosts are available: 1 Insufficient cpu. preemption: 0/1 hosts are available: 1 No preemption victims found for incoming pod.',
    });
  });

  it("never counts other tenants' capacity as preemptible", () => {
    // 60 cores are taken by other tenants' sandboxes; this cluster holds one 2-core pod.
    const snap = new Snapshot([host('h', { pods: [placed('mine', { cpuMilli: 2000 })], requested: { cpuMilli: 62000, pods: 30 } })]);
    const r = scheduleOne(defaultProfile(), snap, pod('hi', { priority: 10, options: [option({ cpuMilli: 8000 })] }), never);
    expect(r).toMatchObject({
      kind: 'Unschedulable',
      preemption: null,
      message: '0/1 hosts are available: 1 Insufficient cpu. preemption: 0/1 hosts are available: 1 Insufficient cpu.',
    });
  });

  it('does not try hosts whose failure preemption cannot fix', () => {
    const snap = new Snapshot([host('spot', { pool: 'spot', pods: lowPods('s', 4, 16000) }), host('full', { pods: lowPods('f', 4, 16000) })]);
    const r = scheduleOne(defaultProfile(), snap, pod('hi', { priority: 5, options: [option({ cpuMilli: 4000 })] }), never);
    expect(preemption(r)?.hostId).toBe('full');
    const none = new Snapshot([host('spot', { pool: 'spot' }), host('amd', { cpuType: 'amd' })]);
    const r2 = scheduleOne(defaultProfile(), none, pod('hi', { priority: 5, options: [option({ cpuType: 'intel' })] }), never);
    expect(r2.kind === 'Unschedulable' && r2.message).toBe(
      "0/2 hosts are available: 1 node(s) didn't match the pod's capacity pool (regular), 1 node(s) didn't match the requested CPU type (intel). " +
        'preemption: 0/2 hosts are available: 2 Preemption is not helpful for scheduling.',
    );
  });

  it('does not preempt for a pod with preemptionPolicy Never', () => {
    const snap = new Snapshot([host('h', { pods: lowPods('l', 4, 16000) })]);
    const r = scheduleOne(defaultProfile(), snap, pod('hi', { priority: 5, preemptionPolicy: 'Never' }), never);
    expect(r).toMatchObject({
      preemption: null,
      message: '0/1 hosts are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    });
  });

  it('waits instead of preempting again while its nominated host still has a terminating lower-priority pod', () => {
    const pods = [...lowPods('l', 3, 16000), placed('going', { cpuMilli: 16000, priority: 0, terminating: true })];
    const snap = new Snapshot([host('h', { pods }), host('g', { pods: lowPods('g', 4, 16000) })]);
    const r = scheduleOne(defaultProfile(), snap, pod('hi', { priority: 5, nominatedHost: 'h', options: [option({ cpuMilli: 20000 })] }), never);
    expect(r).toMatchObject({ preemption: null, message: expect.stringContaining('preemption: not eligible due to a terminating pod on the nominated node.') });
  });

  it('uses the first option preemption can make room for and reports it', () => {
    const snap = new Snapshot([host('amd', { cpuType: 'amd', pods: lowPods('a', 4, 16000) })]);
    const p = pod('hi', { priority: 5, options: [option({ cpuType: 'intel' }), option({ cpuType: 'amd', cpuMilli: 4000 })] });
    const r = scheduleOne(defaultProfile(), snap, p, never);
    expect(r).toMatchObject({
      kind: 'Unschedulable',
      // Equal priorities: the pod that started last is the least important, so it goes.
      preemption: { hostId: 'amd', victims: ['a3'], option: { cpuType: 'amd', cpuMilli: 4000 } },
      // The first option's diagnosis; no preemption sentence once preemption found a host.
      message: "0/1 hosts are available: 1 node(s) didn't match the requested CPU type (intel).",
    });
  });
});

describe('DefaultPreemption: choosing the host (pickOneNodeForPreemption)', () => {
  const v = (uid: string, priority: number, startTime = 0) => placed(uid, { priority, startTime });
  const cases: { name: string; cands: { host: number; victims: PlacedPod[] }[]; want: number }[] = [
    {
      name: 'the lowest highest-victim priority wins',
      cands: [
        { host: 0, victims: [v('a', 5)] },
        { host: 1, victims: [v('b', 3), v('c', 3), v('d', 2)] },
      ],
      want: 1,
    },
    {
      name: 'then the smallest sum of victim priorities',
      cands: [
        { host: 0, victims: [v('a', 3), v('b', 2)] },
        { host: 1, victims: [v('c', 3), v('d', 1)] },
      ],
      want: 1,
    },
    {
      name: 'then the fewest victims (priorities shifted by 2^31 so negative ones still count)',
      cands: [
        { host: 0, victims: [v('a', -5), v('b', -5)] },
        { host: 1, victims: [v('c', -5)] },
      ],
      want: 1,
    },
    {
      name: 'then the latest earliest start among the highest-priority victims',
      cands: [
        { host: 0, victims: [v('a', 3, 100), v('b', 1, 900)] },
        { host: 1, victims: [v('c', 3, 200), v('d', 1, 50)] },
      ],
      want: 1,
    },
    {
      name: 'then the first candidate',
      cands: [
        { host: 4, victims: [v('a', 1, 10)] },
        { host: 2, victims: [v('b', 1, 10)] },
      ],
      want: 4,
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(pickOneHostForPreemption(c.cands).host).toBe(c.want));
  }

  it('applies the order across hosts in a real scheduling pass', () => {
    const snap = new Snapshot([
      host('many-low', { pods: lowPods('m', 8, 8000, { priority: 1 }) }),
      host('one-mid', { pods: [placed('mid', { cpuMilli: 64000, priority: 2 })] }),
    ]);
    const r = scheduleOne(defaultProfile(), snap, pod('hi', { priority: 10, options: [option({ cpuMilli: 16000 })] }), never);
    // many-low: highest victim priority 1 (two 8-core victims) beats one-mid's priority 2; the
    // earliest-started pods are reprieved first, so the two started last go.
    expect(preemption(r)).toMatchObject({ hostId: 'many-low', victims: ['m6', 'm7'] });
  });
});
