import { describe, expect, it } from 'vitest';
import {
  assume,
  balancedAllocationScore,
  kubeSchedulerProfile,
  defaultProfile,
  validateProfile,
  forget,
  leastAllocatedScore,
  mostAllocatedScore,
  nominate,
  numFeasibleNodesToFind,
  requestedToCapacityRatioScore,
  scheduleOne,
  Snapshot,
  type HostInfo,
  type Profile,
  type ScheduleResult,
  type Status,
} from '.';
import { filterHost, prepareOption, preparePod, releasePod, search } from './framework';
import { EKLET_TAINT, EKLET_TOLERATION, GI, host, option, placed, pod, seeded } from './testing';

const profile = (over: Partial<Profile> = {}, weights: Partial<Profile['scoreWeights']> = {}): Profile => {
  const p = kubeSchedulerProfile();
  return { ...p, ...over, scoreWeights: { ...p.scoreWeights, ...weights } };
};
const never = () => 0.999;
const scheduledOn = (r: ScheduleResult): string => (r.kind === 'Scheduled' ? r.hostId : `${r.kind}: ${r.message}`);

describe('numFeasibleNodesToFind (kube-scheduler worked values)', () => {
  const cases: [number, number | null, number][] = [
    [50, null, 50],
    [99, null, 99],
    [100, null, 100],
    [200, null, 100],
    [1000, null, 420],
    [5000, null, 500],
    [5000, 0, 500],
    [6000, null, 300],
    [10000, null, 500],
    [5000, 100, 5000],
    [5000, 30, 1500],
    [5000, 1, 100],
  ];
  for (const [n, pct, want] of cases) {
    it(`looks for ${want} feasible hosts out of ${n} at percentage ${pct}`, () => {
      expect(numFeasibleNodesToFind(n, pct)).toBe(want);
    });
  }
});

describe('scheduleOne: filtering and sampling', () => {
  const many = (n: number, f: (i: number) => Partial<HostInfo> = () => ({})): HostInfo[] =>
    Array.from({ length: n }, (_, i) => host(`h${String(i).padStart(3, '0')}`, f(i)));

  it('stops filtering once enough hosts are feasible and resumes after them on the next pod', () => {
    // 300 hosts: 50 − 300/125 = 48 % → 144 hosts.
    const snap = new Snapshot(many(300));
    const r1 = scheduleOne(kubeSchedulerProfile(), snap, pod('a'), never);
    expect(r1).toMatchObject({ kind: 'Scheduled', evaluated: 144, feasible: 144 });
    expect(snap.nextStartIndex).toBe(144);
    const r2 = scheduleOne(kubeSchedulerProfile(), snap, pod('b'), never);
    expect(r2).toMatchObject({ evaluated: 144, feasible: 144 });
    expect(snap.nextStartIndex).toBe(288);
    scheduleOne(kubeSchedulerProfile(), snap, pod('c'), never);
    expect(snap.nextStartIndex).toBe((288 + 144) % 300);
  });

  it('counts the infeasible hosts it walked past in the hosts processed', () => {
    // Every other host is cordoned: 144 feasible hosts take 287 steps from index 0.
    const snap = new Snapshot(many(300, (i) => ({ schedulable: i % 2 === 0 })));
    const r = scheduleOne(kubeSchedulerProfile(), snap, pod('a'), never);
    expect(r).toMatchObject({ kind: 'Scheduled', evaluated: 287, feasible: 144 });
    expect(snap.nextStartIndex).toBe(287);
  });

  it('visits every host when fewer are feasible than wanted, leaving the start index where it was', () => {
    const snap = new Snapshot(many(300, (i) => ({ schedulable: i < 10 })));
    snap.nextStartIndex = 7;
    const r = scheduleOne(kubeSchedulerProfile(), snap, pod('a'), never);
    expect(r).toMatchObject({ kind: 'Scheduled', evaluated: 300, feasible: 10 });
    expect(snap.nextStartIndex).toBe(7);
  });

  it('takes a single feasible host without scoring or drawing a random number', () => {
    const snap = new Snapshot(many(5, (i) => ({ schedulable: i === 3 })));
    const r = scheduleOne(kubeSchedulerProfile(), snap, pod('a'), () => {
      throw new Error('random must not be used');
    });
    expect(scheduledOn(r)).toBe('h003');
  });

  it('tries the options in order and reports the one that fits', () => {
    const snap = new Snapshot([host('i1', { cpuType: 'intel' }), host('a1', { cpuType: 'amd' })]);
    const p = pod('p', { options: [option({ cpuType: 'amd', cpuMilli: 2000 }), option({ cpuType: 'intel' })] });
    const r = scheduleOne(kubeSchedulerProfile(), snap, p, never);
    expect(r).toMatchObject({ kind: 'Scheduled', hostId: 'a1', option: { cpuType: 'amd', cpuMilli: 2000 } });
    const q = pod('q', { options: [option({ cpuType: 'amd', cpuMilli: 99000 }), option({ cpuType: 'intel' })] });
    expect(scheduleOne(kubeSchedulerProfile(), snap, q, never)).toMatchObject({ kind: 'Scheduled', hostId: 'i1', option: { cpuType: 'intel' } });
  });

  it('explains a failure with the first option’s diagnosis in kube-scheduler’s FitError format', () => {
    const snap = new Snapshot([
      host('h1', { requested: { cpuMilli: 63500 } }),
      host('h2', { requested: { cpuMilli: 63500 } }),
      host('h3', { taints: [EKLET_TAINT] }),
      host('h4', { pool: 'spot' }),
      host('h5', { schedulable: false }),
    ]);
    const p = pod('p', { options: [option({ cpuMilli: 1000 }), option({ cpuMilli: 500, cpuType: 'amd' })] });
    const r = scheduleOne(kubeSchedulerProfile(), snap, p, never);
    expect(r).toEqual({
      kind: 'Unschedulable',
      message:
        "0/5 hosts are available: 1 node(s) didn't match the pod's capacity pool (regular), 1 node(s) had untolerated taint {eks.tke.cloud.tencent.com/eklet: }, " +
        '1 node(s) were unschedulable, 2 Insufficient cpu. ' +
        'preemption: 0/5 hosts are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.',
      reasons: {
        'Insufficient cpu': 2,
        "node(s) had untolerated taint {eks.tke.cloud.tencent.com/eklet: }": 1,
        "node(s) didn't match the pod's capacity pool (regular)": 1,
        'node(s) were unschedulable': 1,
      },
      preemption: null,
    });
  });

  it('lets a tolerating pod onto tainted hosts and keeps GPU pods on their hosts', () => {
    const gpuTaint = { key: 'nvidia.com/gpu', value: '', effect: 'NoSchedule' as const };
    const snap = new Snapshot([
      host('cpu', { taints: [EKLET_TAINT] }),
      host('t4', { taints: [EKLET_TAINT, gpuTaint], gpuModel: 'T4', allocatable: { gpuMilli: 4000 } }),
    ]);
    const cpuPod = pod('c', { tolerations: [EKLET_TOLERATION] });
    const gpuPod = pod('g', {
      tolerations: [EKLET_TOLERATION, { key: 'nvidia.com/gpu', operator: 'Exists', value: '', effect: 'NoSchedule' }],
      options: [option({ gpuModel: 'T4', gpuMilli: 1000 })],
    });
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, cpuPod, never))).toBe('cpu');
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, gpuPod, never))).toBe('t4');
  });

  it('returns an Error for an invalid profile or a pod without options', () => {
    const snap = new Snapshot([host('h')]);
    expect(scheduleOne(profile({ percentageOfNodesToScore: 101 }), snap, pod('p'), never)).toMatchObject({ kind: 'Error' });
    expect(scheduleOne(kubeSchedulerProfile(), snap, pod('p', { options: [] }), never)).toMatchObject({ kind: 'Error' });
  });

  it('reports an empty fleet as unschedulable', () => {
    expect(scheduleOne(kubeSchedulerProfile(), new Snapshot([]), pod('p'), never)).toMatchObject({ kind: 'Unschedulable', reasons: {} });
  });
});

describe('scheduleOne: scoring and host selection', () => {
  it('packs with the default profile: the fuller of two feasible hosts wins', () => {
    const snap = new Snapshot([host('empty'), host('half', { requested: { cpuMilli: 32000, memoryMi: 128 * GI } })]);
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, pod('p'), never))).toBe('half');
  });

  it('spreads with LeastAllocated: the emptier host wins', () => {
    const snap = new Snapshot([host('half', { requested: { cpuMilli: 32000, memoryMi: 128 * GI } }), host('empty')]);
    const least = profile({ scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] } });
    expect(scheduledOn(scheduleOne(least, snap, pod('p'), never))).toBe('empty');
  });

  it('breaks ties by reservoir sampling: a draw of 0 takes each newly tied host, a high draw keeps the first', () => {
    const hosts = [host('a'), host('b'), host('c')];
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), new Snapshot(hosts), pod('p'), () => 0))).toBe('c');
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), new Snapshot(hosts), pod('p'), () => 0.999))).toBe('a');
    // Second tie (cnt 2): 0.6 × 2 = 1.2 → keep; third (cnt 3): 0.2 × 3 = 0.6 → take.
    const draws = [0.6, 0.2];
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), new Snapshot(hosts), pod('p'), () => draws.shift()!))).toBe('c');
  });

  it('prefers hosts without the workload’s pods (system default spreading) over packing', () => {
    const owned = placed('o1', { ownerKey: 'rs', cpuMilli: 16000, memoryMi: 32 * GI });
    const snap = new Snapshot([host('with', { pods: [owned] }), host('other', { requested: { cpuMilli: 8000, memoryMi: 16 * GI } })]);
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, pod('p', { ownerKey: 'rs' }), never))).toBe('other');
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, pod('p'), never))).toBe('with');
  });

  it('with the packing profile, gives equal scores to the fuller host whatever the random draw (ties broken by exact fullness)', () => {
    // 300m and 500m of 64 cores both truncate to the same integer score; the 500m host is fuller
    const hosts = [host('a', { requested: { cpuMilli: 300 } }), host('b', { requested: { cpuMilli: 500 } }), host('c')];
    for (const draw of [0, 0.5, 0.999]) expect(scheduledOn(scheduleOne(defaultProfile(), new Snapshot(hosts), pod('p', { options: [option({ cpuMilli: 250, memoryMi: 512 })] }), () => draw))).toBe('b');
  });

  it('with the packing profile, scores the same first window of hosts every cycle, so consecutive pods share a host', () => {
    // 300 empty hosts: kube-scheduler's sample is 100 feasible hosts per cycle
    const hosts = Array.from({ length: 300 }, (_, i) => host(`h${String(i).padStart(3, '0')}`));
    const packing = new Snapshot(hosts);
    const small = (n: string) => pod(n, { options: [option({ cpuMilli: 1000, memoryMi: 2 * GI })] });
    const first = scheduledOn(scheduleOne(defaultProfile(), packing, small('a'), never));
    assume(packing, small('a'), first, option({ cpuMilli: 1000, memoryMi: 2 * GI }), 0);
    expect(scheduledOn(scheduleOne(defaultProfile(), packing, small('b'), never))).toBe(first);
    expect(packing.nextStartIndex).toBe(0);
    // kube-scheduler's round-robin moves the window on: the second pod lands on another host
    const rr = new Snapshot(hosts);
    const one = scheduledOn(scheduleOne(kubeSchedulerProfile(), rr, small('a'), never));
    assume(rr, small('a'), one, option({ cpuMilli: 1000, memoryMi: 2 * GI }), 0);
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), rr, small('b'), never))).not.toBe(one);
  });

  it('applies the profile’s default spread constraints instead of the system ones: zone only lets a workload share a host, [] turns spreading off', () => {
    const owned = placed('o1', { ownerKey: 'rs', cpuMilli: 16000, memoryMi: 32 * GI });
    const hosts = [host('with', { pods: [owned] }), host('other', { requested: { cpuMilli: 8000, memoryMi: 16 * GI } }), host('far', { zone: 'z2' })];
    const zoneOnly = scheduledOn(scheduleOne({ ...defaultProfile(), hostOrder: 'RoundRobin' }, new Snapshot(hosts), pod('p', { ownerKey: 'rs' }), never));
    // the zone z2 holds none of the workload's pods: zone spreading sends the pod there
    expect(zoneOnly).toBe('far');
    const none = scheduledOn(scheduleOne({ ...defaultProfile(), defaultSpreadConstraints: [] }, new Snapshot(hosts), pod('p', { ownerKey: 'rs' }), never));
    expect(none).toBe('with');
    expect(validateProfile({ ...defaultProfile(), defaultSpreadConstraints: [{ topologyKey: '', maxSkew: 0 }] })).toEqual([
      'defaultSpreadConstraints[0].topologyKey: required',
      'defaultSpreadConstraints[0].maxSkew: must be an integer ≥ 1',
    ]);
    expect(validateProfile({ ...defaultProfile(), tieBreak: 'Coin' as never, hostOrder: 'Last' as never })).toEqual(['tieBreak: "Coin" must be Random or Fullest', 'hostOrder: "Last" must be RoundRobin or FromFirst']);
  });

  it('honours preferred node affinity and avoids PreferNoSchedule taints', () => {
    const snap = new Snapshot([
      host('plain'),
      host('ssd', { extraLabels: { disk: 'ssd' } }),
      host('soft', { extraLabels: { disk: 'ssd' }, taints: [{ key: 'busy', value: '', effect: 'PreferNoSchedule' }] }),
    ]);
    const p = pod('p', { preferredNodeAffinity: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }], matchFields: [] } }] });
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, p, never))).toBe('ssd');
  });

  // The pipeline's fused and per-resource loops against the exported formulas: with only
  // NodeResourcesFit and BalancedAllocation weighted and every host scored, the chosen host
  // must be the first one (in visit order) with the highest weighted sum.
  const strategies: Profile['scoringStrategy'][] = [
    { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] },
    { type: 'LeastAllocated', resources: [{ name: 'memory', weight: 3 }, { name: 'cpu', weight: 2 }] },
    { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 2 }, { name: 'memory', weight: 1 }, { name: 'nvidia.com/gpu', weight: 5 }] },
    {
      type: 'RequestedToCapacityRatio',
      resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 2 }],
      shape: [
        { utilization: 0, score: 0 },
        { utilization: 60, score: 9 },
        { utilization: 100, score: 4 },
      ],
    },
  ];
  for (const strategy of strategies) {
    it(`chooses the host the exported ${strategy.type} and BalancedAllocation formulas rank first (${strategy.resources.map((r) => `${r.name}:${r.weight}`).join(' ')})`, () => {
      const rand = seeded(7);
      const hosts = Array.from({ length: 40 }, (_, i) =>
        host(`h${i}`, {
          zone: `z${i % 3}`,
          allocatable: { cpuMilli: 16000 + 16000 * Math.floor(rand() * 4), memoryMi: 64 * GI * (1 + Math.floor(rand() * 3)), gpuMilli: i % 4 === 0 ? 4000 : 0 },
          requested: { cpuMilli: 250 * Math.floor(rand() * 40), memoryMi: 512 * Math.floor(rand() * 60), gpuMilli: i % 8 === 0 ? 1000 : 0 },
        }),
      );
      const prof = profile({ scoringStrategy: strategy, percentageOfNodesToScore: 100 }, { TaintToleration: 0, NodeAffinity: 0, PodTopologySpread: 0, InterPodAffinity: 0 });
      const snap = new Snapshot(hosts);
      for (let t = 0; t < 60; t++) {
        const gpu = t % 5 === 0 ? 1000 : 0;
        const o = option({ cpuMilli: 250 * (1 + Math.floor(rand() * 16)), memoryMi: 512 * (1 + Math.floor(rand() * 32)), gpuMilli: gpu });
        const p = pod(`p${t}`, { options: [o] });
        snap.nextStartIndex = 0;
        const r = scheduleOne(prof, snap, p, never);
        let best = -1;
        let bestId = 'none';
        for (const pos of snap.visitOrder) {
          const h = snap.hosts[pos];
          const a = h.allocatable;
          const q = h.requested;
          if (a.cpuMilli - q.cpuMilli < o.cpuMilli || a.memoryMi - q.memoryMi < o.memoryMi || a.gpuMilli - q.gpuMilli < o.gpuMilli) continue;
          const req: number[] = [];
          const cap: number[] = [];
          const w: number[] = [];
          for (const res of strategy.resources) {
            if (res.name === 'nvidia.com/gpu' && gpu === 0) continue;
            const key = res.name === 'cpu' ? 'cpuMilli' : res.name === 'memory' ? 'memoryMi' : 'gpuMilli';
            req.push(q[key] + o[key]);
            cap.push(a[key]);
            w.push(res.weight);
          }
          const fitScore =
            strategy.type === 'MostAllocated'
              ? mostAllocatedScore(req, cap, w)
              : strategy.type === 'LeastAllocated'
                ? leastAllocatedScore(req, cap, w)
                : requestedToCapacityRatioScore(req, cap, w, strategy.shape!);
          const total = fitScore + balancedAllocationScore([q.cpuMilli + o.cpuMilli, q.memoryMi + o.memoryMi], [a.cpuMilli, a.memoryMi]);
          if (total > best) {
            best = total;
            bestId = h.id;
          }
        }
        expect(scheduledOn(r)).toBe(bestId);
        if (r.kind === 'Scheduled') assume(snap, p, r.hostId, r.option, t);
      }
    });
  }
});

describe('scheduleOne: nominated pods', () => {
  it('tries the nominated host first and takes it when it passes the filters', () => {
    const snap = new Snapshot([host('a', { requested: { cpuMilli: 60000 } }), host('b')]);
    const r = scheduleOne(kubeSchedulerProfile(), snap, pod('p', { nominatedHost: 'b' }), never);
    expect(r).toMatchObject({ kind: 'Scheduled', hostId: 'b', evaluated: 1, feasible: 1 });
  });

  it('falls back to the full search when the nominated host no longer fits', () => {
    const snap = new Snapshot([host('a'), host('b', { requested: { cpuMilli: 64000 } })]);
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, pod('p', { nominatedHost: 'b' }), never))).toBe('a');
  });

  it('reserves a nominated pod’s resources against pods of equal or lower priority only', () => {
    const snap = new Snapshot([host('h', { requested: { cpuMilli: 60000 } })]);
    nominate(snap, pod('big', { priority: 10 }), 'h', option({ cpuMilli: 3000 }));
    const small = (prio: number) => pod(`s${prio}`, { priority: prio, options: [option({ cpuMilli: 2000 })] });
    expect(scheduleOne(kubeSchedulerProfile(), snap, small(10), never)).toMatchObject({ kind: 'Unschedulable', reasons: { 'Insufficient cpu': 1 } });
    expect(scheduleOne(kubeSchedulerProfile(), snap, small(5), never).kind).toBe('Unschedulable');
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, small(11), never))).toBe('h');
    // The nominated pod itself is not held back by its own reservation.
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, pod('big', { priority: 10, options: [option({ cpuMilli: 3000 })] }), never))).toBe('h');
    forget(snap, 'uid-big');
    expect(scheduledOn(scheduleOne(kubeSchedulerProfile(), snap, small(5), never))).toBe('h');
  });
});

describe('scheduleOne with assume and forget', () => {
  it('sees the capacity an assumed pod takes and gets it back when the pod is forgotten', () => {
    const snap = new Snapshot([host('h', { allocatable: { cpuMilli: 4000 } })]);
    const a = pod('a', { options: [option({ cpuMilli: 3000 })] });
    const r = scheduleOne(kubeSchedulerProfile(), snap, a, never);
    expect(r.kind).toBe('Scheduled');
    if (r.kind === 'Scheduled') assume(snap, a, r.hostId, r.option, 1);
    expect(scheduleOne(kubeSchedulerProfile(), snap, pod('b', { options: [option({ cpuMilli: 2000 })] }), never).kind).toBe('Unschedulable');
    forget(snap, a.uid);
    expect(scheduleOne(kubeSchedulerProfile(), snap, pod('b', { options: [option({ cpuMilli: 2000 })] }), never).kind).toBe('Scheduled');
  });

  it('keeps a zone-spread workload within maxSkew 1 across zones as it is placed', () => {
    const hosts = ['z1', 'z2', 'z3'].flatMap((z) => [host(`${z}-a`, { zone: z }), host(`${z}-b`, { zone: z })]);
    const snap = new Snapshot(hosts);
    const perZone: Record<string, number> = { z1: 0, z2: 0, z3: 0 };
    for (let i = 0; i < 9; i++) {
      const p = pod(`w${i}`, {
        labels: { app: 'w' },
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'w' }, matchExpressions: [] }, minDomains: null },
        ],
      });
      const r = scheduleOne(kubeSchedulerProfile(), snap, p, seeded(i));
      if (r.kind !== 'Scheduled') throw new Error(r.message);
      assume(snap, p, r.hostId, r.option, i);
      perZone[r.zone]++;
      const counts = Object.values(perZone);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    expect(perZone).toEqual({ z1: 3, z2: 3, z3: 3 });
  });
});

describe('the host walk', () => {
  // search() skips hosts whose class fails a host-static filter without calling the filters; it
  // must give exactly what visiting every host in order gives.
  it('finds the same feasible hosts, processed count and statuses as a plain walk over every host', () => {
    const rand = seeded(11);
    for (let round = 0; round < 30; round++) {
      const n = 20 + Math.floor(rand() * 200);
      const hosts = Array.from({ length: n }, (_, i) =>
        host(`h${i}`, {
          zone: `z${Math.floor(rand() * 3)}`,
          cpuType: rand() < 0.5 ? 'intel' : 'amd',
          pool: rand() < 0.2 ? 'spot' : 'regular',
          schedulable: rand() < 0.9,
          taints: rand() < 0.2 ? [EKLET_TAINT] : [],
          requested: { cpuMilli: Math.floor(rand() * 64) * 1000 },
        }),
      );
      const snap = new Snapshot(hosts);
      const p = pod('p', { options: [option({ cpuMilli: 8000, cpuType: rand() < 0.5 ? 'intel' : null })] });
      const ps = preparePod(snap, p);
      const os = prepareOption(snap, ps, p.options[0]);
      const want = 1 + Math.floor(rand() * 30);
      const start = Math.floor(rand() * n);
      for (const order of [snap.visitOrder, null]) {
        const statuses: (Status | null)[] = new Array(n).fill(null);
        const got = search(snap, ps, os, order, start, want, statuses);
        const feasible = [...snap.scratchFeasible.slice(0, got.found)];
        // The plain walk.
        const expectFeasible: number[] = [];
        const expectStatuses: (Status | null)[] = new Array(n).fill(null);
        let processed = 0;
        for (let i = 0; i < n; i++) {
          const pos = (start + i) % n;
          const h = order === null ? pos : order[pos];
          processed++;
          const st = filterHost(snap, ps, os, h);
          if (st === null) {
            expectFeasible.push(h);
            if (expectFeasible.length >= want) break;
          } else expectStatuses[h] = st;
        }
        expect(feasible).toEqual(expectFeasible);
        expect(got.processed).toBe(processed);
        if (got.found === 0) expect(statuses).toEqual(expectStatuses);
      }
      releasePod(snap, ps);
    }
  });
});

describe('the equivalence cache', () => {
  it('answers an identical pod that follows a failure with the same result, until the snapshot changes', () => {
    const snap = new Snapshot([host('h', { requested: { cpuMilli: 63000 } })]);
    const a = scheduleOne(kubeSchedulerProfile(), snap, pod('a', { options: [option({ cpuMilli: 2000 })] }), never);
    const gen = snap.generation;
    const b = scheduleOne(kubeSchedulerProfile(), snap, pod('b', { options: [option({ cpuMilli: 2000 })] }), never);
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(snap.generation).toBe(gen);
    // A different pod is computed afresh.
    expect(scheduleOne(kubeSchedulerProfile(), snap, pod('c', { options: [option({ cpuMilli: 500 })] }), never).kind).toBe('Scheduled');
    // Capacity freed: the same pod now fits.
    const snap2 = new Snapshot([host('h', { pods: [placed('x', { cpuMilli: 63000 })] })]);
    const p = (n: string) => pod(n, { options: [option({ cpuMilli: 2000 })], preemptionPolicy: 'Never' });
    expect(scheduleOne(kubeSchedulerProfile(), snap2, p('d'), never).kind).toBe('Unschedulable');
    forget(snap2, 'x');
    expect(scheduleOne(kubeSchedulerProfile(), snap2, p('e'), never).kind).toBe('Scheduled');
  });

  it('is not used for a pod holding a nomination (its own reservation is excluded by uid)', () => {
    const snap = new Snapshot([host('h', { requested: { cpuMilli: 62000 } })]);
    nominate(snap, pod('n', { priority: 5 }), 'h', option({ cpuMilli: 1500 }));
    const q = (n: string) => pod(n, { priority: 5, options: [option({ cpuMilli: 1500 })] });
    expect(scheduleOne(kubeSchedulerProfile(), snap, q('other'), never).kind).toBe('Unschedulable');
    expect(scheduleOne(kubeSchedulerProfile(), snap, q('n'), never).kind).toBe('Scheduled');
  });
});
