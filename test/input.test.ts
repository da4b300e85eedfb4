import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock } from '../src/adapters/clock';
import { POD_EVENTS, Subscription, startStack, type Stack } from './support/stack';

/** Bad input anywhere gets a typed error (never INTERNAL_SERVER_ERROR) and changes nothing. */
describe('bad input at the API edge', () => {
  let stack: Stack;
  let token: string;
  let clusterId: string;

  beforeAll(async () => {
    stack = await startStack();
    token = (await stack.signup('edge')).token;
    const c = await stack.gql(`mutation { createCluster(input: { name: "edge", region: "ap-guangzhou" }) { cluster { id } } }`, {}, token);
    clusterId = c.data.createCluster.cluster.id;
  });
  afterAll(async () => stack?.stop());

  const codeOf = async (query: string, variables: Record<string, unknown> = {}) => {
    const r = await stack.gql(query, variables, token);
    return r.errors?.map((e) => e.extensions?.code) ?? r.data;
  };

  it('answers BAD_USER_INPUT for NUL characters and unpaired surrogates in variables or the query', async () => {
    expect(await codeOf(`mutation($n: String!) { createAccount(input: { name: $n }) { token } }`, { n: 'a\u0000b' })).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf(`query($c: ID!, $ns: String) { cluster(id: $c) { pods(first: 1, namespace: $ns) { edges { cursor } } } }`, { c: clusterId, ns: '\ud800' })).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf(`mutation { createAccount(input: { name: "x\\u0000" }) { token } }`)).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf(`query($c: ID!) { cluster(id: $c) { pods(first: 1, namespace: "\\uD800") { edges { cursor } } } }`, { c: clusterId })).toEqual(['BAD_USER_INPUT']);
    // a properly paired surrogate (an emoji) is fine
    expect(await codeOf(`query($c: ID!) { cluster(id: $c) { pods(first: 1, namespace: "\\uD83D\\uDE80") { edges { cursor } } } }`, { c: clusterId })).toEqual({ cluster: { pods: { edges: [] } } });
  });

  it('answers BAD_USER_INPUT for impossible page sizes and cursors', async () => {
    expect(await codeOf(`query($c: ID!) { cluster(id: $c) { pods(first: -1) { edges { cursor } } } }`, { c: clusterId })).toEqual(['BAD_USER_INPUT']);
    const huge = Buffer.from(JSON.stringify(1e12)).toString('base64url');
    expect(await codeOf(`query($c: ID!, $a: String) { cluster(id: $c) { events(first: 1, after: $a) { edges { cursor } } } }`, { c: clusterId, a: huge })).toEqual(['BAD_USER_INPUT']);
    const nul = Buffer.from(JSON.stringify(['default', 'a\u0000'])).toString('base64url');
    expect(await codeOf(`query($c: ID!, $a: String) { cluster(id: $c) { pods(first: 1, after: $a) { edges { cursor } } } }`, { c: clusterId, a: nul })).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves malformed or foreign global ids to null, not to an error', async () => {
    for (const id of [Buffer.from('Pod:not-a-uuid').toString('base64'), Buffer.from('Workload:x').toString('base64')]) {
      const r = await stack.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, token);
      expect(r.errors).toBeUndefined();
      expect(r.data.node).toBeNull();
    }
    const unknownType = await stack.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: Buffer.from('Spaceship:1').toString('base64') }, token);
    expect(unknownType.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('validates scale targets as Kubernetes names', async () => {
    const r = await stack.gql(`mutation($c: ID!) { scaleWorkload(input: { clusterId: $c, namespace: "Bad NS", name: "web", replicas: 1 }) { userErrors { field code } } }`, { c: clusterId }, token);
    expect(r.data.scaleWorkload.userErrors).toEqual([{ field: ['namespace'], code: 'INVALID_NAME' }]);
  });

  it('keeps a WebSocket and its other subscriptions alive when one subscribe message is broken', async () => {
    const good = new Subscription(stack.wsUrl, token, POD_EVENTS, { c: clusterId, since: 0 }, (d) => d);
    // a raw second connection to send a syntax error next to a live subscription
    const ws = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
    const messages: any[] = [];
    let closedWith: number | null = null;
    ws.on('message', (m) => messages.push(JSON.parse(String(m))));
    ws.on('close', (code) => (closedWith = code));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await new Promise<void>((resolve) => ws.on('message', () => messages.some((m) => m.type === 'connection_ack') && resolve()));
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: POD_EVENTS, variables: { c: clusterId } } }));
    ws.send(JSON.stringify({ id: '2', type: 'subscribe', payload: { query: 'subscription {' } }));
    await new Promise<void>((resolve) => ws.on('message', () => messages.some((m) => m.id === '2' && m.type === 'error') && resolve()));
    expect(closedWith).toBeNull();
    expect(messages.find((m) => m.id === '2').payload[0].message).toMatch(/Syntax Error/);
    ws.close();
    await good.close();
  });
});

/** Values that cannot be stored, and input over the limits, are refused at the API with a field path; nothing is written. */
describe('limits at the API edge', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let stack: Stack;
  let token: string;
  let clusterId: string;
  const gql = (query: string, variables: Record<string, unknown> = {}) => stack.gql(query, { c: clusterId, ...variables }, token);
  const APPLY = `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { name } userErrors { field code message } } }`;

  beforeAll(async () => {
    stack = await startStack({ overrides: { clock } });
    token = (await stack.signup('limits-edge')).token;
    const c = await stack.gql(`mutation { createCluster(input: { name: "edge", region: "ap-guangzhou" }) { cluster { id } } }`, {}, token);
    clusterId = c.data.createCluster.cluster.id;
    await stack.converge(clock);
  });
  afterAll(async () => stack?.stop());

  it('refuses a StatefulSet whose volume claim asks for 1e30 bytes, at the claim’s storage, and writes nothing', async () => {
    const sts = `apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels: { app: db }\n  template:\n    metadata:\n      labels: { app: db }\n    spec:\n      containers: [{ name: db, image: postgres }]\n  volumeClaimTemplates:\n  - metadata: { name: data }\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: "1e30"\n`;
    const r = await gql(APPLY, { m: sts });
    expect(r.data.applyManifest).toEqual({
      objects: [],
      userErrors: [{ field: ['manifest', '0', 'spec', 'volumeClaimTemplates', '0', 'spec', 'resources', 'requests', 'storage'], code: 'TOO_LARGE', message: expect.stringContaining('Invalid value: "1e30": must be no more than 9223372036854775807m') }],
    });
    const w = await gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 5) { edges { node { name } } } } }`);
    expect(w.data.cluster.workloads.edges).toEqual([]);
  });

  it('refuses a metric value of 1e30 (more than a sample stores) with a user error, not an internal error', async () => {
    const r = await gql(`mutation($c: ID!) { reportExternalMetric(input: { clusterId: $c, name: "queue", value: "1e30" }) { accepted userErrors { field code } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.reportExternalMetric).toEqual({ accepted: 0, userErrors: [{ field: ['value'], code: 'TOO_LARGE' }] });
    const pods = await gql(`mutation($c: ID!) { reportPodMetrics(input: { clusterId: $c, pods: [{ name: "p", cpu: "1", memory: "1e30" }] }) { accepted userErrors { field code } } }`);
    expect(pods.data.reportPodMetrics).toEqual({ accepted: 0, userErrors: [{ field: ['pods', '0', 'memory'], code: 'TOO_LARGE' }] });
  });

  it('refuses an autoscaler target of 1e30 at its path', async () => {
    const r = await gql(`mutation($c: ID!) { setAutoscaler(input: { clusterId: $c, name: "h", spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 3, metrics: [{ type: "External", external: { metric: { name: "q" }, target: { type: "Value", value: "1e30" } } }] } }) { autoscaler { name } userErrors { field code } } }`);
    expect(r.data.setAutoscaler).toEqual({ autoscaler: null, userErrors: [{ field: ['spec', 'metrics', '0', 'external', 'target', 'value'], code: 'INVALID_VALUE' }] });
  });

  it('holds simulateAutoscaler(manifest:) to the manifest size limit, before parsing it', async () => {
    const manifest = `# ${'x'.repeat(1_048_576)}\n`;
    const r = await gql(`query($m: String!) { simulateAutoscaler(manifest: $m, currentReplicas: 1, metricsTimeline: [{ at: 0, values: ["1"] }]) { userErrors { field code message } } }`, { m: manifest });
    expect(r.data.simulateAutoscaler.userErrors).toEqual([{ field: ['manifest'], code: 'TOO_LARGE', message: `manifest: Too long: ${Buffer.byteLength(manifest)} bytes; at most 1048576 bytes (NODELESS_MAX_MANIFEST_BYTES)` }]);
  });

  it('holds priceQuote(template:) to what one pod may hold', async () => {
    const template = { spec: { containers: Array.from({ length: 31 }, (_, i) => ({ name: `c${i}`, image: 'nginx' })) } };
    const r = await gql(`query($c: ID!, $t: JSON!) { priceQuote(clusterId: $c, template: $t) { quote { summary } userErrors { field code message } } }`, { t: template });
    expect(r.data.priceQuote).toEqual({ quote: null, userErrors: [{ field: ['template', 'spec', 'containers'], code: 'LIMIT_EXCEEDED', message: 'spec.containers: Too many: 31: must have at most 30 containers (containers and initContainers together; NODELESS_MAX_CONTAINERS_PER_POD)' }] });
  });

  it('returns at most 100 userErrors, the last one counting the rest', async () => {
    const manifest = Array.from({ length: 150 }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Bad_${i}\n`).join('---\n');
    const r = await gql(APPLY, { m: manifest });
    const errors = r.data.applyManifest.userErrors;
    expect(errors).toHaveLength(101);
    expect(errors[0]).toMatchObject({ field: ['manifest', '0', 'metadata', 'name'], code: 'INVALID_VALUE' });
    // one error per bad name: 150 found, 100 returned
    expect(errors[100]).toEqual({ field: [], code: 'TOO_MANY_ERRORS', message: '… and 50 more errors' });
  });
});
