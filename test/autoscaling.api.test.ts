import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import { Subscription, startStack, type Stack } from './support/stack';
import { deployment } from './support/fleet';

const WORKER_HPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: worker }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: worker }
  minReplicas: 1
  maxReplicas: 10
  metrics:
    - type: External
      external:
        metric: { name: queue_messages }
        target: { type: AverageValue, averageValue: "20" }
`;

const SCALING_EVENTS = `subscription($c: ID!, $since: Int) { scalingEvents(clusterId: $c, since: $since) { sequence autoscalerName targetKind targetName fromReplicas toReplicas proposed reason message limitedBy metrics { type name value averageValue } } }`;

/**
 * The autoscaling API over real HTTP and a real graphql-ws socket, on a driven clock: autoscalers
 * from YAML and typed input, the scalingEvents stream, history and metrics views, the dry run,
 * bad input, and tenant isolation.
 */
describe('autoscaling over GraphQL', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 2));
  let stack: Stack;
  let token: string;
  let other: string;
  let clusterId: string;
  const subs: Subscription[] = [];
  const converge = () => stack.converge(clock);
  const gql = (q: string, v: Record<string, unknown> = {}, t: string = token) => stack.gql(q, { c: clusterId, ...v }, t);

  beforeAll(async () => {
    stack = await startStack({ overrides: { clock } });
    ({ token } = await stack.signup('hpa-tenant'));
    ({ token: other } = await stack.signup('hpa-other'));
    const c = await stack.gql(`mutation { createCluster(input: { name: "h", region: "ap-guangzhou" }) { cluster { id } } }`, {}, token);
    clusterId = c.data.createCluster.cluster.id;
    await converge();
  });
  afterAll(async () => {
    for (const s of subs) await s.close();
    await stack?.stop();
  });

  const apply = async (manifest: string) => {
    const r = await gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { kind name action } userErrors { field code message } } }`, { m: manifest });
    await converge();
    return r.data.applyManifest;
  };
  const report = (value: string, t = token) =>
    stack.gql(`mutation($c: ID!, $v: String!) { reportExternalMetric(input: { clusterId: $c, name: "queue_messages", value: $v }) { accepted userErrors { field code message } } }`, { c: clusterId, v: value }, t);

  it('applies an autoscaler from YAML and streams its decisions live over the socket', async () => {
    const r = await apply(`${deployment('worker', 1, { cpu: '500m', memory: '1Gi' })}---\n${WORKER_HPA}`);
    expect(r.userErrors).toEqual([]);
    expect(r.objects).toContainEqual({ kind: 'HorizontalPodAutoscaler', name: 'worker', action: 'CREATED' });
    // from the sequence before the report: whenever the socket becomes active, nothing is missed
    const since = (await gql(`query($c: ID!) { cluster(id: $c) { lastEventSequence } }`)).data.cluster.lastEventSequence;
    const s = new Subscription(stack.wsUrl, token, SCALING_EVENTS, { c: clusterId, since }, (d) => d.scalingEvents);
    subs.push(s);
    expect((await report('95')).data.reportExternalMetric).toEqual({ accepted: 1, userErrors: [] });
    await converge();
    await s.until((items) => items.length >= 1, 'a scaling event');
    expect(s.items[0]).toMatchObject({
      autoscalerName: 'worker',
      targetKind: 'Deployment',
      targetName: 'worker',
      fromReplicas: 1,
      toReplicas: 4, // ceil(95 / 20) = 5, held to max(2·1, 4) = 4
      proposed: 5,
      limitedBy: 'ScaleUpLimit',
      message: 'New size: 4; reason: external metric queue_messages(nil) above target',
      metrics: [{ type: 'External', name: 'queue_messages', value: null, averageValue: '95' }],
    });
  });

  it('shows the autoscaler, its status and conditions, the scaling history and the metrics', async () => {
    // the next 15 s sync: the External AverageValue now divides by the 4 pods it has, ceil(95 / 20) = 5
    clock.advance(15_000);
    await converge();
    const q = await gql(`query($c: ID!) { cluster(id: $c) {
      autoscalers(first: 10) { edges { node { name minReplicas maxReplicas scaleTargetRef { kind name } target { name replicas }
        status { currentReplicas desiredReplicas lastScaleTime currentMetrics { type name averageValue } conditions { type status reason } } } } }
      workloads(first: 10, kind: "Deployment") { edges { node { name autoscaler { name } scalingHistory(first: 5) { edges { node { fromReplicas toReplicas reason } } } metrics(windowSeconds: 60) { pods cpuMilli } } } }
      pods(first: 10) { edges { node { name metrics { cpu memory source windowSeconds } } } } } }`);
    expect(q.errors).toBeUndefined();
    const a = q.data.cluster.autoscalers.edges[0].node;
    expect(a).toMatchObject({ name: 'worker', minReplicas: 1, maxReplicas: 10, scaleTargetRef: { kind: 'Deployment', name: 'worker' }, target: { name: 'worker', replicas: 5 } });
    expect(a.status.currentMetrics).toEqual([{ type: 'External', name: 'queue_messages', averageValue: '23750m' }]); // 95 over the 4 pods it had, in milli-units as Kubernetes prints it
    expect(a.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`).sort()).toEqual(['AbleToScale=True', 'ScalingActive=True', 'ScalingLimited=False']);
    expect(a.status.lastScaleTime).toBe(new Date(clock.now()).toISOString());
    const w = q.data.cluster.workloads.edges.find((e: { node: { name: string } }) => e.node.name === 'worker').node;
    expect(w.autoscaler).toEqual({ name: 'worker' });
    expect(w.scalingHistory.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { fromReplicas: 4, toReplicas: 5, reason: 'external metric queue_messages(nil) above target' },
      { fromReplicas: 1, toReplicas: 4, reason: 'external metric queue_messages(nil) above target' },
    ]);
    // the simulated agent samples the running pods of autoscaled workloads (idle: no load set)
    expect(w.metrics.at(-1)).toEqual({ pods: 4, cpuMilli: 0 });
    const pods = q.data.cluster.pods.edges.map((e: { node: { metrics: unknown } }) => e.node.metrics);
    // the 5th pod started after the last sample: no metrics yet
    expect(pods).toHaveLength(5);
    expect(pods.filter((m: unknown) => m === null)).toHaveLength(1);
    expect(pods.filter((m: { source: string; windowSeconds: number; cpu: string } | null) => m?.source === 'simulated' && m.windowSeconds === 5 && m.cpu === '0')).toHaveLength(4);
  });

  it('takes a typed autoscaler, and reports its validation errors with field paths', async () => {
    const set = (spec: Record<string, unknown>) =>
      gql(`mutation($c: ID!, $s: AutoscalerSpecInput!) { setAutoscaler(input: { clusterId: $c, name: "typed", spec: $s }) { autoscaler { name minReplicas spec } userErrors { field code message } } }`, { s: spec });
    const bad = await set({ scaleTargetRef: { name: 'nope', kind: 'Job', apiVersion: 'batch/v1' }, minReplicas: 5, maxReplicas: 2, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 1801 }] } } });
    const errors = bad.data.setAutoscaler.userErrors as { field: string[]; message: string }[];
    expect(bad.data.setAutoscaler.autoscaler).toBeNull();
    expect(errors.map((e) => e.field.join('.'))).toEqual(
      expect.arrayContaining(['spec.scaleTargetRef.kind', 'spec.maxReplicas', 'spec.behavior.scaleUp.policies.0.value', 'spec.behavior.scaleUp.policies.0.periodSeconds']),
    );
    expect(errors.find((e) => e.field.join('.') === 'spec.maxReplicas')!.message).toMatch(/^spec\.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/);
    const ok = await set({ scaleTargetRef: { name: 'api' }, maxReplicas: 6, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '0.5Gi' } } }], behavior: { scaleDown: { selectPolicy: 'Disabled' } } });
    expect(ok.data.setAutoscaler.userErrors).toEqual([]);
    expect(ok.data.setAutoscaler.autoscaler).toMatchObject({ name: 'typed', minReplicas: 1 });
    expect(ok.data.setAutoscaler.autoscaler.spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { selectPolicy: 'Disabled', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    expect(ok.data.setAutoscaler.autoscaler.spec.metrics[0].resource.target.averageValue).toBe('512Mi');
    const del = await gql(`mutation($c: ID!) { deleteAutoscaler(input: { clusterId: $c, name: "typed" }) { deleted userErrors { code } } }`);
    expect(del.data.deleteAutoscaler).toEqual({ deleted: true, userErrors: [] });
    const again = await gql(`mutation($c: ID!) { deleteAutoscaler(input: { clusterId: $c, name: "typed" }) { deleted userErrors { code } } }`);
    expect(again.data.deleteAutoscaler).toEqual({ deleted: false, userErrors: [{ code: 'NOT_FOUND' }] });
  });

  it('dry-runs a behavior over a metrics timeline', async () => {
    const q = await gql(
      `query($m: String!, $t: [TimelineStepInput!]!) { simulateAutoscaler(manifest: $m, currentReplicas: 2, metricsTimeline: $t) { decisions { at currentReplicas desiredReplicas rescaled limitedBy message } userErrors { message } } }`,
      { m: WORKER_HPA.replace('maxReplicas: 10', 'maxReplicas: 10\n  behavior: { scaleUp: { policies: [{ type: Pods, value: 1, periodSeconds: 60 }] } }'), t: [{ at: 0, values: ['200'] }, { at: 30, values: ['200'] }, { at: 61, values: ['200'] }] },
    );
    expect(q.data.simulateAutoscaler.userErrors).toEqual([]);
    expect(q.data.simulateAutoscaler.decisions).toEqual([
      { at: 0, currentReplicas: 2, desiredReplicas: 3, rescaled: true, limitedBy: 'ScaleUpLimit', message: 'New size: 3; reason: external metric queue_messages(nil) above target' },
      { at: 30, currentReplicas: 3, desiredReplicas: 3, rescaled: false, limitedBy: null, message: null },
      { at: 61, currentReplicas: 3, desiredReplicas: 4, rescaled: true, limitedBy: 'ScaleUpLimit', message: 'New size: 4; reason: external metric queue_messages(nil) above target' },
    ]);
    const bad = await gql(`query($t: [TimelineStepInput!]!) { simulateAutoscaler(manifest: "apiVersion: v1\\nkind: Nope\\nmetadata: { name: x }", currentReplicas: 1, metricsTimeline: $t) { decisions { at } userErrors { code } } }`, { t: [{ at: 0, values: ['1'] }] });
    expect(bad.data.simulateAutoscaler.userErrors[0].code).toBe('UNKNOWN_KIND');
    const wrongCount = await gql(`query($m: String!, $t: [TimelineStepInput!]!) { simulateAutoscaler(manifest: $m, currentReplicas: 1, metricsTimeline: $t) { userErrors { field message } } }`, { m: WORKER_HPA, t: [{ at: 0, values: ['1', '2'] }] });
    expect(wrongCount.data.simulateAutoscaler.userErrors[0]).toEqual({ field: ['metricsTimeline', '0', 'values'], message: 'values: 2 given, the spec has 1 metric(s)' });
  });

  it('refuses a metrics window out of range', async () => {
    const q = await gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 1) { edges { node { metrics(windowSeconds: 9999) { pods } } } } } }`);
    expect(q.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("keeps every tenant out of another's autoscalers, metrics and decisions", async () => {
    expect((await report('1000', other)).data.reportExternalMetric.userErrors[0].code).toBe('NOT_FOUND');
    const load = await stack.gql(`mutation($c: ID!) { setWorkloadLoad(input: { clusterId: $c, name: "worker", load: { points: [{ at: 0, rps: 1 }], cpuMsPerRequest: 1 } }) { userErrors { code } } }`, { c: clusterId }, other);
    expect(load.data.setWorkloadLoad.userErrors[0].code).toBe('NOT_FOUND');
    const del = await stack.gql(`mutation($c: ID!) { deleteAutoscaler(input: { clusterId: $c, name: "worker" }) { deleted userErrors { code } } }`, { c: clusterId }, other);
    expect(del.data.deleteAutoscaler).toEqual({ deleted: false, userErrors: [{ code: 'NOT_FOUND' }] });
    const set = await stack.gql(`mutation($c: ID!) { setAutoscaler(input: { clusterId: $c, name: "evil", spec: { scaleTargetRef: { name: "worker" }, maxReplicas: 1 } }) { userErrors { code } } }`, { c: clusterId }, other);
    expect(set.data.setAutoscaler.userErrors[0].code).toBe('NOT_FOUND');
    const view = await stack.gql(`query($c: ID!) { cluster(id: $c) { autoscalers(first: 1) { edges { node { name } } } } }`, { c: clusterId }, other);
    expect(view.data?.cluster ?? null).toBeNull();
    const s = new Subscription(stack.wsUrl, other, SCALING_EVENTS, { c: clusterId }, (d) => d.scalingEvents);
    subs.push(s);
    await s.until(() => false, 'an error', 10_000).catch(() => undefined);
    expect(JSON.stringify(s.errors)).toContain('NOT_FOUND');
    expect(s.items).toEqual([]);
    // nothing of theirs changed ours
    const mine = await gql(`query($c: ID!) { cluster(id: $c) { autoscalers(first: 5) { edges { node { name target { replicas } } } } } }`);
    expect(mine.data.cluster.autoscalers.edges.map((e: { node: unknown }) => e.node)).toEqual([{ name: 'worker', target: { replicas: 5 } }]);
  });
});
