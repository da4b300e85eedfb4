import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../src/generated/prisma/client';
import { testStore, startStack, type GqlResult, type Stack } from './support/stack';

/** Listing pods costs the same small number of SQL queries for 10 pods or 1,000 (no N+1). */
describe('SQL queries per request', () => {
  let sql: string[] = [];
  let stack: Stack;
  let token: string;
  let clusterId: string;
  let workloadId: string;

  beforeAll(async () => {
    const store = await testStore({ onQuery: (q) => sql.push(q) });
    stack = await startStack({ store, worker: false });
    const t = await stack.signup('counter');
    token = t.token;
    const c = await stack.gql(`mutation { createCluster(input: { name: "big", region: "ap-guangzhou" }) { cluster { id } } }`, {}, token);
    clusterId = c.data.createCluster.cluster.id;
    const raw = Buffer.from(clusterId, 'base64').toString().split(':')[1];
    const db = store.prisma;
    workloadId = crypto.randomUUID();
    await db.workload.create({ data: { id: workloadId, uid: crypto.randomUUID(), clusterId: raw, namespace: 'default', kind: 'Deployment', apiVersion: 'apps/v1', name: 'big', spec: { replicas: 1000 }, podCpuMilli: 1000, podMemoryMi: 2048 } });
    const rows: Prisma.PodCreateManyInput[] = Array.from({ length: 1000 }, (_, i) => ({
      id: crypto.randomUUID(),
      uid: crypto.randomUUID(),
      clusterId: raw,
      namespace: 'default',
      name: `big-pod-${String(i).padStart(4, '0')}`,
      workloadId: i % 2 === 0 ? workloadId : null,
      spec: {},
      phase: 'Running',
      status: 'Running',
      billedCpuMilli: 1000,
      billedMemoryMi: 2048,
      zone: 'ap-guangzhou-3',
      hostId: 'h',
    }));
    await db.pod.createMany({ data: rows });
  });
  afterAll(async () => stack?.stop());

  const PODS = `query($c: ID!, $n: Int!, $w: ID) { cluster(id: $c) { name pods(first: $n, workload: $w) { edges { cursor node { id name namespace phase status reason billedSpec { cpu memory cpuMillicores } labels zone host createdAt startedAt resourceVersion } } pageInfo { hasNextPage endCursor } } } }`;

  const count = async (n: number, w?: string) => {
    sql = [];
    const r = await stack.gql(PODS, { c: clusterId, n, w }, token);
    expect(r.errors).toBeUndefined();
    if (process.env.SHOW_SQL) console.log(sql);
    return { queries: sql.length, edges: r.data.cluster.pods.edges.length };
  };

  it('is constant from 10 to 1,000 pods', async () => {
    const small = await count(10);
    const large = await count(1000);
    expect(small.edges).toBe(10);
    expect(large.edges).toBe(1000);
    expect(large.queries).toBe(small.queries);
    expect(large.queries).toBeLessThanOrEqual(4); // token + account, cluster, pods
  });

  it('filters by workload in the same single query', async () => {
    const r = await count(1000, Buffer.from(`Workload:${workloadId}`).toString('base64'));
    expect(r.edges).toBe(500);
    expect(r.queries).toBeLessThanOrEqual(4);
  });

  it('pages through all 1,000 pods with cursors, without repeats or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: GqlResult = await stack.gql(`query($c: ID!, $a: String) { cluster(id: $c) { pods(first: 300, after: $a) { edges { node { name } } pageInfo { hasNextPage endCursor } } } }`, { c: clusterId, a: after }, token);
      const page: { edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = r.data.cluster.pods;
      seen.push(...page.edges.map((e: any) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(seen).toEqual([...seen].sort());
  });

  it('pages workloads in namespace, kind, name order, forwards and backwards', async () => {
    const raw = Buffer.from(clusterId, 'base64').toString().split(':')[1];
    for (const [namespace, name] of [['a-ns', 'zeta'], ['default', 'alpha'], ['z-ns', 'mid']]) {
      await stack.app.runtime.svc.db.workload.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId: raw, namespace, kind: 'Deployment', apiVersion: 'apps/v1', name, spec: { replicas: 0 }, podCpuMilli: 1000, podMemoryMi: 2048 } });
    }
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: GqlResult = await stack.gql(`query($c: ID!, $a: String) { cluster(id: $c) { workloads(first: 1, after: $a) { edges { node { namespace name } } pageInfo { hasNextPage endCursor } } } }`, { c: clusterId, a: after }, token);
      const page: { edges: { node: { namespace: string; name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = r.data.cluster.workloads;
      names.push(...page.edges.map((e) => `${e.node.namespace}/${e.node.name}`));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(names).toEqual(['a-ns/zeta', 'default/alpha', 'default/big', 'z-ns/mid']);
    const last2: GqlResult = await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(last: 2) { edges { node { name } } } } }`, { c: clusterId }, token);
    expect(last2.data.cluster.workloads.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['big', 'mid']);
  });

  it('rejects a malformed cursor with BAD_USER_INPUT', async () => {
    const r = await stack.gql(`query($c: ID!) { cluster(id: $c) { pods(first: 1, after: "garbage") { edges { node { name } } } } }`, { c: clusterId }, token);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
