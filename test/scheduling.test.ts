import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { scaleWorkload } from '../src/app/workloads';
import { reclaimSpotCapacity, restoreSpotCapacity } from '../src/app/fleet';
import type { Services } from '../src/app/services';
import { SMALL_FLEET, deployment } from './support/fleet';
import { useDrivenCluster } from './support/driven';

/**
 * The scheduling core in the pod loop, on a tiny fleet (test/fixtures/small-fleet.yaml: 10
 * hosts of 4 cores / 8 GiB, spot, AMD, T4, sliced T4 and V100) and a clock the test drives:
 * placement within capacity, FailedScheduling with kube-scheduler's diagnosis, back-off,
 * retry when capacity frees, GPU and CPU-type options, spot pools and spot interruption,
 * node selectors, and host usage that always equals the pods holding it.
 */
describe('scheduling on a small fleet', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 0, 0, 30));
  const c = useDrivenCluster(clock, { name: 'sched', region: 'lab', env: { NODELESS_FLEET_FILE: SMALL_FLEET } });
  let store: Store;
  let svc: Services;
  let accountId: string;
  let clusterId: string;
  beforeAll(() => ({ store, svc, accountId, clusterId } = c));
  const { step, apply, live } = c;
  const drop = (name: string) => c.drop('Deployment', name);
  const podsOf = (prefix: string) => store.prisma.pod.findMany({ where: { clusterId, name: { startsWith: `${prefix}-` } }, orderBy: { name: 'asc' } });

  /** Every host's usage equals the sum of the pods holding capacity on it, and never exceeds what it has. */
  async function expectExactUsage() {
    const hosts = await store.prisma.host.findMany();
    const pods = await store.prisma.pod.findMany({ where: { allocated: true } });
    for (const h of hosts) {
      const mine = pods.filter((p) => p.hostId === h.id);
      expect({ host: h.id, cpu: h.usedCpuMilli, mem: h.usedMemoryMi, gpu: h.usedGpuMilli, pods: h.usedPods }).toEqual({
        host: h.id,
        cpu: mine.reduce((n, p) => n + p.billedCpuMilli, 0),
        mem: mine.reduce((n, p) => n + p.billedMemoryMi, 0),
        gpu: mine.reduce((n, p) => n + p.gpuMilli, 0),
        pods: mine.length,
      });
      expect(h.usedCpuMilli).toBeLessThanOrEqual(h.allocCpuMilli);
      expect(h.usedMemoryMi).toBeLessThanOrEqual(h.allocMemoryMi);
      expect(h.usedGpuMilli).toBeLessThanOrEqual(h.allocGpuMilli);
      expect(h.usedPods).toBeLessThanOrEqual(h.allocPods);
    }
  }

  it('loads the fleet file into hosts labelled and tainted like virtual nodes', async () => {
    const hosts = await store.prisma.host.findMany({ orderBy: { id: 'asc' } });
    expect(hosts.map((h) => h.id)).toEqual([
      'lab-a-amd-0001', 'lab-a-cpu-0001', 'lab-a-cpu-0002', 'lab-a-spot-0001', 'lab-a-spot-0002', 'lab-a-t4-0001', 'lab-a-v100-0001', 'lab-a-vq-0001', 'lab-b-cpu-0001', 'lab-b-cpu-0002',
    ]);
    const vq = hosts.find((h) => h.id === 'lab-a-vq-0001')!;
    expect(vq).toMatchObject({ gpuModel: 'T4', gpuSliceMilli: 250, allocGpuMilli: 1000, allocCpuMilli: 16000, allocMemoryMi: 80 * 1024 });
    expect(vq.labels).toMatchObject({ 'topology.kubernetes.io/zone': 'lab-a', 'kubernetes.io/hostname': 'lab-a-vq-0001', 'node.kubernetes.io/instance-type': 'eklet', 'eks.tke.cloud.tencent.com/gpu-type': 'T4' });
    expect(vq.taints).toEqual([
      { key: 'eks.tke.cloud.tencent.com/eklet', value: '', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    ]);
  });

  it('places pods within capacity, says why the rest cannot run, backs off 1 s doubling to 10 s, and places them when capacity frees', async () => {
    // 5 regular hosts of 4 cores (4 Intel, 1 AMD as the fallback CPU type): 20 pods of 1C/2Gi fit, 2 do not
    await apply(deployment('fill', 22));
    const pods = await live('fill');
    const bound = pods.filter((p) => p.hostId !== null);
    expect(bound).toHaveLength(20);
    expect(new Set(bound.map((p) => p.hostId))).toEqual(new Set(['lab-a-cpu-0001', 'lab-a-cpu-0002', 'lab-a-amd-0001', 'lab-b-cpu-0001', 'lab-b-cpu-0002']));
    expect(bound.filter((p) => p.cpuType === 'amd').map((p) => p.hostId)).toEqual(['lab-a-amd-0001', 'lab-a-amd-0001', 'lab-a-amd-0001', 'lab-a-amd-0001']);
    await expectExactUsage();

    const waiting = pods.filter((p) => p.hostId === null);
    expect(waiting).toHaveLength(2);
    for (const p of waiting) {
      expect(p).toMatchObject({ phase: 'Pending', status: 'Pending', reason: 'Unschedulable', schedulingAttempts: 1 });
      expect(p.message).toMatch(/^0\/10 hosts are available: /);
      expect(p.message).toContain('4 Insufficient cpu');
      expect(p.message).toContain("node(s) didn't match the pod's capacity pool (regular)");
    }
    const failed = await store.prisma.event.findMany({ where: { clusterId, involvedName: waiting[0].name, reason: 'FailedScheduling' } });
    expect(failed).toHaveLength(1);
    expect(failed[0].eventType).toBe('Warning');

    // back-off: attempts at +1 s, +2 s, +4 s, +8 s, +10 s, +10 s after each failure
    const gaps: number[] = [];
    let last = (await store.prisma.pod.findUniqueOrThrow({ where: { id: waiting[0].id } })).nextScheduleAt!.getTime() - clock.now();
    gaps.push(last);
    for (let i = 0; i < 5; i++) {
      clock.advance(last);
      await c.converge();
      const p = await store.prisma.pod.findUniqueOrThrow({ where: { id: waiting[0].id } });
      expect(p.schedulingAttempts).toBe(i + 2);
      last = p.nextScheduleAt!.getTime() - clock.now();
      gaps.push(last);
    }
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
    // the same reason is not repeated as a new event
    expect(await store.prisma.event.count({ where: { clusterId, involvedName: waiting[0].name, reason: 'FailedScheduling' } })).toBe(1);

    // scaling down removes unscheduled pods first (as a ReplicaSet does), so capacity is freed for another workload
    const fill = { clusterId, namespace: 'default', kind: 'Deployment', name: 'fill' };
    await scaleWorkload(svc, accountId, { ...fill, replicas: 20 });
    await c.converge();
    expect((await live('fill')).every((p) => p.hostId !== null)).toBe(true);
    await apply(deployment('late', 2));
    expect((await live('late')).every((p) => p.hostId === null)).toBe(true);
    await scaleWorkload(svc, accountId, { ...fill, replicas: 18 });
    await c.converge();
    await step(10_000);
    expect((await live('late')).every((p) => p.hostId !== null && p.allocated)).toBe(true);
    await expectExactUsage();
    await drop('fill');
    await drop('late');
    await expectExactUsage();
    expect(await store.prisma.host.aggregate({ _sum: { usedCpuMilli: true, usedPods: true } })).toEqual({ _sum: { usedCpuMilli: 0, usedPods: 0 } });
  });

  it('runs GPU pods on their GPU model and slice, sized to the Tencent GPU specs, falling back along the gpu-type list', async () => {
    await apply(deployment('t4', 1, { resources: 'limits: { nvidia.com/gpu: 1 }', annotations: { 'eks.tke.cloud.tencent.com/gpu-type': 'T4' } }));
    await apply(deployment('quarter', 2, { resources: 'limits: { nvidia.com/gpu: 1 }', annotations: { 'eks.tke.cloud.tencent.com/gpu-type': '1/4*T4' } }));
    // T4 ×4 exists nowhere here (the T4 host has 2 cards): the pod falls back to V100 ×4
    await apply(deployment('big', 1, { resources: 'limits: { nvidia.com/gpu: 4 }', annotations: { 'eks.tke.cloud.tencent.com/gpu-type': 'T4,V100' } }));
    const [t4] = await live('t4');
    expect(t4).toMatchObject({ hostId: 'lab-a-t4-0001', gpuModel: 'T4', gpuMilli: 1000, billedCpuMilli: 8000, billedMemoryMi: 32 * 1024 });
    const quarter = await live('quarter');
    expect(quarter.map((p) => [p.hostId, p.gpuMilli, p.billedCpuMilli, p.billedMemoryMi])).toEqual([
      ['lab-a-vq-0001', 250, 4000, 20 * 1024],
      ['lab-a-vq-0001', 250, 4000, 20 * 1024],
    ]);
    const [big] = await live('big');
    expect(big).toMatchObject({ hostId: 'lab-a-v100-0001', gpuModel: 'V100', gpuMilli: 4000, billedCpuMilli: 36000, billedMemoryMi: 160 * 1024 });
    await expectExactUsage();
    // the V100 host is now full: a second one waits, told why
    await apply(deployment('big2', 1, { resources: 'limits: { nvidia.com/gpu: 4 }', annotations: { 'eks.tke.cloud.tencent.com/gpu-type': 'V100' } }));
    const [big2] = await live('big2');
    expect(big2.hostId).toBeNull();
    expect(big2.message).toContain('1 Insufficient nvidia.com/gpu');
    for (const n of ['t4', 'quarter', 'big', 'big2']) await drop(n);
  });

  it('puts spot pods on spot capacity only, interrupts them when the capacity is reclaimed, and their Deployment recreates them elsewhere', async () => {
    await apply(deployment('spot', 2, { annotations: { 'eks.tke.cloud.tencent.com/spot-pod': 'true' } }));
    const before = await live('spot');
    expect(before.every((p) => p.spot && p.hostId?.startsWith('lab-a-spot-'))).toBe(true);
    const onFirst = before.filter((p) => p.hostId === 'lab-a-spot-0001').length;
    const r = await reclaimSpotCapacity(svc, { zone: 'lab-a', count: 1 });
    expect(r.userErrors).toEqual([]);
    expect(r.hosts).toHaveLength(1);
    await c.converge();
    const interrupted = await store.prisma.event.findMany({ where: { clusterId, reason: 'SpotPodInterruption' } });
    expect(interrupted.length).toBe(before.filter((p) => p.hostId === r.hosts[0]).length);
    expect(interrupted.every((e) => e.eventType === 'Warning')).toBe(true);
    await step(1000);
    const after = await live('spot');
    expect(after).toHaveLength(2);
    expect(after.every((p) => p.hostId !== null && p.hostId !== r.hosts[0] && p.hostId.startsWith('lab-a-spot-'))).toBe(true);
    expect(onFirst + (2 - onFirst)).toBe(2);
    await restoreSpotCapacity(svc, { zone: 'lab-a' });
    await drop('spot');
    await expectExactUsage();
  });

  it('honours nodeSelector and required node affinity against the hosts labels, and refuses nothing it cannot place', async () => {
    await apply(deployment('zoned', 3, { cpu: '0.5', memory: '1Gi', spec: 'nodeSelector: { topology.kubernetes.io/zone: lab-b }' }));
    expect((await live('zoned')).map((p) => p.zone)).toEqual(['lab-b', 'lab-b', 'lab-b']);
    await apply(deployment('nowhere', 1, { spec: 'nodeSelector: { topology.kubernetes.io/zone: lab-z }' }));
    const [p] = await live('nowhere');
    expect(p.hostId).toBeNull();
    expect(p.message).toBe("0/10 hosts are available: 2 node(s) didn't match the pod's capacity pool (regular), 3 node(s) had untolerated taint {nvidia.com/gpu: present}, 5 node(s) didn't match Pod's node affinity/selector. preemption: 0/10 hosts are available: 10 Preemption is not helpful for scheduling.");
    await drop('zoned');
    await drop('nowhere');
  });

  it('keeps replicas with required pod anti-affinity on different hosts, and spreads a DoNotSchedule zone constraint within maxSkew', async () => {
    const anti = `affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: { matchLabels: { app: solo } }
        topologyKey: kubernetes.io/hostname`;
    // 5 regular CPU hosts: 5 replicas fit one per host, the 6th has nowhere to go
    await apply(deployment('solo', 6, { cpu: '0.5', memory: '1Gi', spec: anti }));
    const solo = await live('solo');
    const placed = solo.filter((p) => p.hostId !== null);
    expect(placed).toHaveLength(5);
    expect(new Set(placed.map((p) => p.hostId)).size).toBe(5);
    const [left] = solo.filter((p) => p.hostId === null);
    // the diagnosis is the first option's (Intel): the AMD host fails on CPU type there
    expect(left.message).toBe(
      "0/10 hosts are available: 1 node(s) didn't match the requested CPU type (intel), 2 node(s) didn't match the pod's capacity pool (regular), " +
        "3 node(s) had untolerated taint {nvidia.com/gpu: present}, 4 node(s) didn't match pod anti-affinity rules. " +
        'preemption: 0/10 hosts are available: 4 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.',
    );
    await drop('solo');

    const spread = `topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector: { matchLabels: { app: even } }`;
    await apply(deployment('even', 4, { cpu: '0.5', memory: '1Gi', spec: spread }));
    const zones = (await live('even')).map((p) => p.zone);
    expect(zones.filter((z) => z === 'lab-a')).toHaveLength(2);
    expect(zones.filter((z) => z === 'lab-b')).toHaveLength(2);
    await drop('even');
    await expectExactUsage();
  });
});
