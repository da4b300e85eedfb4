import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
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
