import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import type { Services } from '../src/app/services';
import { deleteAutoscaler, reportCustomMetric, reportPodMetrics, setAutoscaler, setWorkloadLoad } from '../src/app/autoscalers';
import { scaleWorkload } from '../src/app/workloads';
import { applyManifest } from '../src/app/manifests';
import type { HpaStatus } from '../src/core/autoscaler/types';
import { deployment } from './support/fleet';
import { useDrivenCluster } from './support/driven';

const hpa = (name: string, target: string, spec: string, annotations = '') => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}${annotations ? `\n  annotations: ${annotations}` : ''}
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${target} }
${spec}`;

/**
 * Autoscaling end to end on a clock the test drives: the simulated provider samples pod usage
 * from a workload's offered load every 5 s, each sample wakes the autoscaler, and its decision
 * goes through the scale path to the Deployment controller and the pod loop.
 */
describe('autoscaling', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 0, 0, 0));
  const c = useDrivenCluster(clock, { name: 'hpa', region: 'ap-guangzhou' });
  let store: Store;
  let svc: Services;
  let accountId: string;
  let clusterId: string;
  beforeAll(() => ({ store, svc, accountId, clusterId } = c));
  const { step, apply, live } = c;
  const replicasOf = async (name: string) => ((await store.prisma.workload.findFirstOrThrow({ where: { clusterId, kind: 'Deployment', name } })).spec as { replicas: number }).replicas;
  const statusOf = async (name: string) => (await store.prisma.autoscaler.findFirstOrThrow({ where: { clusterId, name } })).status as unknown as HpaStatus;
  const condition = (s: HpaStatus, type: string) => s.conditions.find((x) => x.type === type);

  it('follows a load ramp 0 → 10× → 0: up within one evaluation, never past max, down only after the 300 s stabilization', async () => {
    // 1-core pods; 10 ms of CPU per request: 100 rps keeps 2 pods at 50 %, 1,000 rps is 10×
    await apply(deployment('web', 2, { cpu: '1', memory: '2Gi' }));
    await apply(hpa('web', 'web', '  minReplicas: 2\n  maxReplicas: 10\n  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } } }]'));
    const ramp = [
      { at: 0, rps: 100 },
      { at: 60, rps: 100 },
      { at: 61, rps: 1000 },
      { at: 240, rps: 1000 },
      { at: 241, rps: 100 },
    ];
    expect((await setWorkloadLoad(svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'web', load: { points: ramp, cpuMsPerRequest: 10, memoryMiPerRps: 0, baseCpuMilli: 0, baseMemoryMi: 100 } })).userErrors).toEqual([]);
    const start = clock.now();
    const history: { t: number; replicas: number }[] = [];
    for (let t = 0; t <= 900; t += 5) {
      await step(5000);
      history.push({ t: (clock.now() - start) / 1000, replicas: await replicasOf('web') });
    }
    const at = (t: number) => history.filter((h) => h.t <= t).at(-1)!.replicas;
    // steady at 2 while the load is 100 rps (2 pods at 50 %: within tolerance)
    expect(at(60)).toBe(2);
    // the load jumps at 61 s; the sample at 65 s wakes the autoscaler, which scales in that evaluation (legacy cap: max(2·2, 4) = 4)
    expect(at(65)).toBe(4);
    expect(Math.max(...history.map((h) => h.replicas))).toBe(10);
    expect(history.every((h) => h.replicas <= 10)).toBe(true);
    // the load drops at 241 s: the 300 s window keeps the highest recommendation, so nothing shrinks before 241 + 300 s
    const lastHigh = history.filter((h) => h.t <= 245).at(-1)!;
    expect(lastHigh.replicas).toBe(10);
    expect(history.filter((h) => h.t > 245 && h.t < 540).every((h) => h.replicas === 10)).toBe(true);
    expect(at(900)).toBe(2);
    // every decision is on record with its SuccessfulRescale event (in commit order), Kubernetes' message and the metrics that drove it
    const rows = await store.prisma.scalingDecision.findMany({ where: { clusterId, autoscalerName: 'web' } });
    const events = await store.prisma.event.findMany({ where: { clusterId, involvedKind: 'HorizontalPodAutoscaler', reason: 'SuccessfulRescale', involvedName: 'web' }, orderBy: { sequence: 'asc' } });
    const byId = new Map(rows.map((d) => [d.id, d]));
    const decisions = events.map((e) => byId.get((e.object as { decisionId: string }).decisionId)!);
    expect(decisions.every(Boolean)).toBe(true);
    expect(decisions).toHaveLength(rows.length);
    expect(events.map((e) => e.message)).toEqual(decisions.map((d) => d.message));
    expect(decisions[0]).toMatchObject({ fromReplicas: 2, toReplicas: 4, message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target' });
    expect((decisions[0].metrics as { resource: { current: { averageUtilization: number } } }[])[0].resource.current.averageUtilization).toBe(100);
    expect(decisions.at(-1)).toMatchObject({ toReplicas: 2, reason: 'All metrics below target' });
    const firstDown = decisions.find((d) => d.toReplicas < d.fromReplicas)!;
    expect((firstDown.at.getTime() - start) / 1000).toBeGreaterThanOrEqual(241 + 300);
    const status = await statusOf('web');
    expect(status).toMatchObject({ currentReplicas: 2, desiredReplicas: 2 });
    expect(condition(status, 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(await live('web')).toHaveLength(2);
    await setWorkloadLoad(svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'web', load: null });
  }, 120_000);

  it('scales a queue worker to zero when its External metric is idle and wakes it on the first activation', async () => {
    await apply(deployment('worker', 1, { cpu: '500m', memory: '1Gi' }));
    await apply(
      hpa('worker', 'worker', '  minReplicas: 0\n  maxReplicas: 20\n  metrics: [{ type: External, external: { metric: { name: queue_messages, selector: { matchLabels: { queue: jobs } } }, target: { type: AverageValue, averageValue: "10" } } }]\n  behavior: { scaleDown: { stabilizationWindowSeconds: 60 } }', '{ autoscaling.nodeless.io/activation-threshold: "2" }'),
    );
    const report = (value: string, labels = { queue: 'jobs' }) => reportCustomMetric(svc, accountId, { clusterId, namespace: 'default', name: 'queue_messages', labels, value });
    expect((await report('0')).userErrors).toEqual([]);
    await step(0);
    expect(await replicasOf('worker')).toBe(1); // the first recommendation is the current size: held for the 60 s window
    for (let i = 0; i < 14; i++) {
      await report('0');
      await step(5000);
    }
    expect(await replicasOf('worker')).toBe(0);
    await step(10_000);
    expect(await live('worker')).toHaveLength(0);
    // 2 is not above the activation threshold: stays asleep; another queue's series does not count
    await report('2');
    await report('500', { queue: 'other' });
    await step(0);
    expect(await replicasOf('worker')).toBe(0);
    // 35 messages: awake at once, ceil(35 / 10) = 4
    await report('35');
    await step(0);
    expect(await replicasOf('worker')).toBe(4);
    const last = await store.prisma.scalingDecision.findFirstOrThrow({ where: { clusterId, autoscalerName: 'worker' }, orderBy: { at: 'desc' } });
    expect(last).toMatchObject({ fromReplicas: 0, toReplicas: 4 });
    expect(last.message).toMatch(/^New size: 4; reason: external metric queue_messages\(/);
  }, 60_000);

  it('reports real pod usage and custom per-pod metrics that the autoscaler acts on at once', async () => {
    await apply(deployment('api', 2, { cpu: '1', memory: '1Gi' }));
    await apply(hpa('api', 'api', '  minReplicas: 1\n  maxReplicas: 8\n  metrics: [{ type: Pods, pods: { metric: { name: rps }, target: { type: AverageValue, averageValue: "100" } } }]'));
    const pods = await live('api');
    expect(pods).toHaveLength(2);
    const r = await reportPodMetrics(svc, accountId, { clusterId, namespace: 'default', pods: pods.map((p) => ({ name: p.name, cpu: '300m', memory: '200Mi', custom: [{ name: 'rps', value: '250' }] })) });
    expect(r).toEqual({ accepted: 2, userErrors: [] });
    await step(0);
    // 250 rps a pod at a 100 target: ceil(2.5 × 2) = 5, capped by the legacy rate max(2·2, 4) = 4
    const decisions = () => store.prisma.scalingDecision.findMany({ where: { clusterId, autoscalerName: 'api' }, orderBy: { at: 'asc' } });
    expect((await decisions()).map((d) => [d.fromReplicas, d.proposed, d.toReplicas, d.limitedBy, d.message])).toEqual([[2, 5, 4, 'ScaleUpLimit', 'New size: 4; reason: pods metric rps above target']]);
    expect(await replicasOf('api')).toBe(4);
    // at the next 15 s sync the 2 new pods have reported nothing (missing, counted as 0 on a scale-up): 500 / 4 → ceil(1.25 × 4) = 5
    await step(15_000);
    expect((await decisions()).map((d) => [d.fromReplicas, d.proposed, d.toReplicas, d.limitedBy])).toEqual([
      [2, 5, 4, 'ScaleUpLimit'],
      [4, 5, 5, null],
    ]);
    expect(await replicasOf('api')).toBe(5);
    expect(condition(await statusOf('api'), 'ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
    const sample = await store.prisma.podMetric.findFirstOrThrow({ where: { podId: pods[0].id, source: 'reported' } });
    expect(sample).toMatchObject({ cpuMilli: 300, memoryBytes: 200n * 1024n * 1024n });
    // a pod with real numbers is not sampled idle by the simulated agent after its report
    expect(await store.prisma.podMetric.count({ where: { podId: pods[0].id, source: 'simulated', at: { gt: sample.at } } })).toBe(0);
  });

  it('scales on an Object metric reported for the object it describes, and ignores the same metric of another object', async () => {
    await apply(deployment('front', 1, { cpu: '250m', memory: '512Mi' }));
    await apply(
      hpa('front', 'front', '  minReplicas: 1\n  maxReplicas: 10\n  metrics: [{ type: Object, object: { describedObject: { apiVersion: networking.k8s.io/v1, kind: Ingress, name: main-route }, metric: { name: requests-per-second }, target: { type: Value, value: "10" } } }]'),
    );
    const report = (name: string, value: string) => reportCustomMetric(svc, accountId, { clusterId, namespace: 'default', name: 'requests-per-second', value, object: { kind: 'Ingress', name } });
    expect((await report('other-route', '500')).userErrors).toEqual([]);
    await step(0);
    expect(await replicasOf('front')).toBe(1);
    expect(condition(await statusOf('front'), 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetObjectMetric' });
    // 30 rps at a target of 10, times the 1 ready pod: 3
    expect((await report('main-route', '30')).userErrors).toEqual([]);
    await step(0);
    expect(await replicasOf('front')).toBe(3);
    const d = await store.prisma.scalingDecision.findFirstOrThrow({ where: { clusterId, autoscalerName: 'front' } });
    expect(d.message).toBe('New size: 3; reason: Ingress metric requests-per-second above target');
    expect(d.metrics).toEqual([{ type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' }, metric: { name: 'requests-per-second' }, current: { value: '30' } } }]);
  });

  it('refuses bad metric reports, changing nothing', async () => {
    const before = await store.prisma.podMetric.count();
    const bad = await reportPodMetrics(svc, accountId, { clusterId, namespace: 'default', pods: [{ name: 'nope', cpu: 'lots', memory: '-1Mi' }] });
    expect(bad.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([
      ['pods.0.cpu', 'INVALID_VALUE'],
      ['pods.0.memory', 'INVALID_VALUE'],
    ]);
    const missing = await reportPodMetrics(svc, accountId, { clusterId, namespace: 'default', pods: [{ name: 'nope', cpu: '1', memory: '1Mi' }] });
    expect(missing.userErrors).toEqual([{ field: ['pods', '0', 'name'], code: 'NOT_FOUND', message: 'pods "nope" not found in namespace "default"' }]);
    const ext = await reportCustomMetric(svc, accountId, { clusterId, namespace: 'default', name: '', labels: { 'bad key!': 'x' }, value: '1' });
    expect(ext.userErrors.map((e) => e.field.join('.'))).toEqual(['name', 'labels.bad key!']);
    const load = await setWorkloadLoad(svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'web', load: { points: [], cpuMsPerRequest: -1, memoryMiPerRps: 0, baseCpuMilli: 0, baseMemoryMi: 0 } });
    expect(load.userErrors.map((e) => e.field.join('.'))).toEqual(['load.points', 'load.cpuMsPerRequest']);
    expect(await store.prisma.podMetric.count()).toBe(before);
  });

  it('validates autoscalers as the API server does and keeps one autoscaler per workload', async () => {
    const r = await applyManifest(svc, accountId, { clusterId, manifest: hpa('bad', 'web', '  minReplicas: 0\n  maxReplicas: 0') });
    expect(r.userErrors.map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^spec\.maxReplicas: Invalid value: 0/), expect.stringMatching(/must specify at least one Object or External metric to support scaling to zero replicas/)]),
    );
    const rival = await setAutoscaler(svc, accountId, { clusterId, namespace: 'default', name: 'second', spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 } });
    expect(rival.userErrors[0]).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already scaled by HorizontalPodAutoscaler "web"') });
    const window = await setAutoscaler(svc, accountId, { clusterId, namespace: 'default', name: 'x', spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } } });
    expect(window.userErrors[0]).toMatchObject({ field: ['spec', 'behavior', 'scaleDown', 'stabilizationWindowSeconds'] });
    expect(await store.prisma.autoscaler.count({ where: { clusterId, name: { in: ['bad', 'second', 'x'] } } })).toBe(0);
  });

  it('reports FailedGetScale while the target is missing, and scales it once it exists', async () => {
    const r = await setAutoscaler(svc, accountId, { clusterId, namespace: 'default', name: 'later', spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'later' }, minReplicas: 3, maxReplicas: 5 } });
    expect(r.userErrors).toEqual([]);
    await step(0);
    expect(condition(await statusOf('later'), 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: deployments.apps "later" not found` });
    await apply(deployment('later', 1, { cpu: '250m', memory: '512Mi' }));
    await step(15_000);
    // below minReplicas: raised to min without reading metrics
    expect(await replicasOf('later')).toBe(3);
    const d = await store.prisma.scalingDecision.findFirstOrThrow({ where: { clusterId, autoscalerName: 'later' } });
    expect(d.message).toBe('New size: 3; reason: Current number of replicas below Spec.MinReplicas');
  });

  it('brings a scale by hand above maxReplicas back to max, and deleting the autoscaler leaves the replicas as they are', async () => {
    expect((await scaleWorkload(svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'later', replicas: 9 })).userErrors).toEqual([]);
    await step(15_000);
    // above maxReplicas: back to max at once (metrics unread); later evaluations may take it on down to min (it is idle)
    const fromNine = await store.prisma.scalingDecision.findFirstOrThrow({ where: { clusterId, autoscalerName: 'later', fromReplicas: 9 } });
    expect(fromNine).toMatchObject({ toReplicas: 5, message: 'New size: 5; reason: Current number of replicas above Spec.MaxReplicas' });
    expect(await replicasOf('later')).toBeGreaterThanOrEqual(3);
    expect(await replicasOf('later')).toBeLessThanOrEqual(5);
    expect((await deleteAutoscaler(svc, accountId, { clusterId, namespace: 'default', name: 'later' })).deleted).toBe(true);
    const decided = await store.prisma.scalingDecision.count({ where: { clusterId, autoscalerName: 'later' } });
    await scaleWorkload(svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'later', replicas: 7 });
    await step(30_000);
    expect(await replicasOf('later')).toBe(7);
    expect(await store.prisma.scalingDecision.count({ where: { clusterId, autoscalerName: 'later' } })).toBe(decided); // history outlives the autoscaler, and nothing decides any more
  });
});

describe('autoscaling within the pods-per-cluster limit', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 3, 0, 0, 0));
  const c = useDrivenCluster(clock, { name: 'hpa-limit', region: 'ap-guangzhou', env: { NODELESS_PODS_PER_CLUSTER: '5' } });

  it('records FailedRescale and scales nothing when a scale-up would pass the limit, then scales once there is room', async () => {
    const { store, svc, accountId, clusterId } = c;
    await c.apply(deployment('other', 2, { cpu: '250m', memory: '512Mi' }));
    await c.apply(deployment('q', 2, { cpu: '250m', memory: '512Mi' }));
    await c.apply(
      hpa('q', 'q', '  minReplicas: 1\n  maxReplicas: 10\n  metrics: [{ type: External, external: { metric: { name: jobs }, target: { type: AverageValue, averageValue: "10" } } }]'),
    );
    expect((await reportCustomMetric(svc, accountId, { clusterId, namespace: 'default', name: 'jobs', value: '40' })).userErrors).toEqual([]);
    await c.step(0);
    const q = async () => store.prisma.workload.findFirstOrThrow({ where: { clusterId, kind: 'Deployment', name: 'q' } });
    // ceil(40 / 10) = 4 pods would make 6 in the cluster: refused, nothing scaled, nothing remembered as a scale event
    expect(((await q()).spec as { replicas: number }).replicas).toBe(2);
    const a = await store.prisma.autoscaler.findFirstOrThrow({ where: { clusterId, name: 'q' } });
    const status = a.status as unknown as HpaStatus;
    expect(status.conditions.find((x) => x.type === 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedUpdateScale', message: expect.stringMatching(/^the HPA controller was unable to update the target scale: the cluster would run 6 pods; a cluster may run at most 5/) });
    expect(status.desiredReplicas).toBe(2);
    const warning = await store.prisma.event.findFirstOrThrow({ where: { clusterId, reason: 'FailedRescale' } });
    expect(warning).toMatchObject({ eventType: 'Warning', involvedKind: 'HorizontalPodAutoscaler', message: expect.stringMatching(/^New size: 4; reason: external metric jobs\(nil\) above target; error: the cluster would run 6 pods/) });
    expect(await store.prisma.scalingDecision.count({ where: { clusterId } })).toBe(0);
    // still refused at the next sync: recorded once, not at every sync
    await c.step(15_000);
    expect(((await q()).spec as { replicas: number }).replicas).toBe(2);
    expect(await store.prisma.event.count({ where: { clusterId, reason: 'FailedRescale' } })).toBe(1);
    // once the other Deployment is gone there is room: the next sync scales
    await c.drop('Deployment', 'other');
    await c.step(15_000);
    expect(((await q()).spec as { replicas: number }).replicas).toBe(4);
    expect((await store.prisma.scalingDecision.findFirstOrThrow({ where: { clusterId } })).message).toBe('New size: 4; reason: external metric jobs(nil) above target');
  });
});
