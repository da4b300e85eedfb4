import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../src/generated/prisma/client';
import { testStore, startStack, type GqlResult, type Stack } from './support/stack';
import { workloadLoaders } from '../src/graphql/loaders/workloads';
import { clusterLoaders } from '../src/graphql/loaders/clusters';
import { billingLoaders } from '../src/graphql/loaders/billing';
import type { InvoiceView } from '../src/app/billing';

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

const rawId = (id: string) => {
  const decoded = Buffer.from(id, 'base64').toString();
  return decoded.includes(':') ? decoded.split(':')[1] : id;
};

/**
 * Everything an account shows on a dashboard, `n` of each level: n clusters, each with n
 * Deployments (each owning a ReplicaSet with two pods, scaled by an autoscaler with a history
 * and metric samples), namespaces, events, claims and policies; n finalized invoices with lines
 * and a budget per cluster.
 */
async function seedAccount(db: Stack['app']['runtime']['svc']['db'], accountId: string, n: number, now: number): Promise<void> {
  const id = () => crypto.randomUUID();
  const clusters = Array.from({ length: n }, (_, i) => ({ id: id(), accountId, name: `c${i}`, region: 'ap-guangzhou', version: '1.32', status: 'RUNNING' }));
  await db.cluster.createMany({ data: clusters });
  const workloads: Prisma.WorkloadCreateManyInput[] = [];
  const pods: Prisma.PodCreateManyInput[] = [];
  const autoscalers: Prisma.AutoscalerCreateManyInput[] = [];
  const decisions: Prisma.ScalingDecisionCreateManyInput[] = [];
  const samples: Prisma.PodMetricCreateManyInput[] = [];
  const perCluster = <T>(make: (clusterId: string) => T) => clusters.map((c) => make(c.id));
  await db.namespace.createMany({ data: clusters.flatMap((c) => ['default', 'team'].map((name) => ({ id: id(), uid: id(), clusterId: c.id, name }))) });
  await db.event.createMany({ data: perCluster((clusterId) => ({ id: id(), clusterId, sequence: 1, type: 'ADDED', involvedKind: 'Pod', involvedName: 'x', involvedUid: id(), namespace: 'default', reason: 'Scheduled', message: 'm', object: {} })) });
  await db.volumeClaim.createMany({ data: perCluster((clusterId) => ({ id: id(), uid: id(), clusterId, namespace: 'default', name: 'data', storageClassName: 'cbs', storage: '1Gi', storageBytes: 1n << 30n })) });
  await db.resourceQuota.createMany({ data: perCluster((clusterId) => ({ id: id(), uid: id(), clusterId, namespace: 'default', name: 'q', hard: { pods: '10' } })) });
  await db.limitRange.createMany({ data: perCluster((clusterId) => ({ id: id(), uid: id(), clusterId, namespace: 'default', name: 'l', spec: { limits: [] } })) });
  await db.priorityClass.createMany({ data: perCluster((clusterId) => ({ id: id(), uid: id(), clusterId, name: 'high', value: 1000 })) });
  for (const c of clusters) {
    for (let i = 0; i < n; i++) {
      const dep = id();
      const rs = id();
      const base = { clusterId: c.id, namespace: 'default', apiVersion: 'apps/v1', podCpuMilli: 1000, podMemoryMi: 2048 };
      workloads.push({ ...base, id: dep, uid: id(), kind: 'Deployment', name: `web-${i}`, spec: { replicas: 2 } });
      workloads.push({ ...base, id: rs, uid: id(), kind: 'ReplicaSet', name: `web-${i}-abc`, spec: { replicas: 2 }, ownerId: dep });
      autoscalers.push({ id: id(), uid: id(), clusterId: c.id, namespace: 'default', name: `web-${i}`, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `web-${i}` }, minReplicas: 1, maxReplicas: 5 }, targetKind: 'Deployment', targetName: `web-${i}` });
      for (let d = 0; d < 2; d++) decisions.push({ id: id(), clusterId: c.id, workloadId: dep, namespace: 'default', autoscalerName: `web-${i}`, at: new Date(now - (d + 1) * 60_000), fromReplicas: 1 + d, toReplicas: 2 + d, proposed: 2 + d, metrics: [], reason: 'r', message: 'm' });
      for (let p = 0; p < 2; p++) {
        const pod = id();
        pods.push({ id: pod, uid: id(), clusterId: c.id, namespace: 'default', name: `web-${i}-abc-${p}`, workloadId: rs, spec: {}, phase: 'Running', status: 'Running', billedCpuMilli: 1000, billedMemoryMi: 2048 });
        samples.push({ id: id(), clusterId: c.id, podId: pod, workloadId: rs, at: new Date(now - 5_000), windowMs: 15_000, cpuMilli: 250, memoryBytes: 1n << 28n });
      }
    }
  }
  await db.workload.createMany({ data: workloads });
  await db.pod.createMany({ data: pods });
  await db.autoscaler.createMany({ data: autoscalers });
  await db.scalingDecision.createMany({ data: decisions });
  await db.podMetric.createMany({ data: samples });
  const month = new Date(now).toISOString().slice(0, 7);
  await db.clusterCost.createMany({ data: clusters.map((c) => ({ clusterId: c.id, month, accountId, currency: 'CNY', costNano: 5_000_000_000n })) });
  await db.budget.createMany({
    data: [{ id: id(), accountId, scope: 'account', clusterId: null, amountMicro: 100_000_000n, currency: 'CNY', period: 'MONTHLY' }, ...clusters.map((c) => ({ id: id(), accountId, scope: c.id, clusterId: c.id, amountMicro: 10_000_000n, currency: 'CNY', period: 'MONTHLY' }))],
  });
  const invoices = Array.from({ length: n }, (_, i) => ({ id: id(), accountId, month: `2020-${String(i + 1).padStart(2, '0')}`, currency: 'CNY', status: 'FINALIZED', number: i + 1, totalMicro: 2_000_000n, finalizedAt: new Date(now) }));
  await db.invoice.createMany({ data: invoices });
  await db.invoiceLine.createMany({
    data: invoices.flatMap((inv) => [0, 1].map((position) => ({ invoiceId: inv.id, position, clusterId: clusters[0].id, clusterName: 'c0', namespace: 'default', workloadKind: 'Deployment', workloadName: 'web-0', resource: position ? 'memory' : 'cpu', kind: 'intel', spot: false, quantity: 3600n, unitPriceNano: 1000, rateBp: 10_000, amountMicro: 1_000_000n }))),
  });
}

/** Nested fields read per request through batched loaders: the statement count does not grow with the number of parents. */
describe('SQL statements of deep queries', () => {
  let sql: string[] = [];
  let stack: Stack;
  const accounts: Record<'small' | 'large', { token: string; accountId: string; clusterId: string }> = {} as never;

  beforeAll(async () => {
    const store = await testStore({ onQuery: (q) => sql.push(q) });
    stack = await startStack({ store, worker: false });
    const db = stack.app.runtime.svc.db;
    const now = stack.app.runtime.svc.clock.now();
    for (const [size, n] of [['small', 2], ['large', 12]] as const) {
      const t = await stack.signup(size);
      const accountId = rawId(t.accountId);
      await seedAccount(db, accountId, n, now);
      const c = await db.cluster.findFirstOrThrow({ where: { accountId, name: 'c0' } });
      accounts[size] = { token: t.token, accountId, clusterId: c.id };
    }
  }, 120_000);
  afterAll(async () => stack?.stop());

  /** Statements of the request but the token's throttled last-used stamp (written at most once a minute). */
  const reads = () => sql.filter((q) => !/^UPDATE "[^"]+"\."ApiToken"/.test(q)).length;

  /** Runs `query` for both accounts: same statements for 2 parents per level as for 12. */
  async function statements(query: string, pick: (data: any) => unknown[]): Promise<{ small: number; large: number }> {
    const out = { small: 0, large: 0 };
    for (const size of ['small', 'large'] as const) {
      sql = [];
      const r = await stack.gql(query, { c: accounts[size].clusterId }, accounts[size].token);
      expect(r.errors).toBeUndefined();
      expect(pick(r.data)).toHaveLength(size === 'small' ? 2 : 12);
      if (process.env.SHOW_SQL) console.log(size, sql);
      out[size] = reads();
    }
    return out;
  }

  it('reads workloads with their owner, children, autoscaler, scaling history and metrics in constant statements', async () => {
    const r = await statements(
      `query($c: ID!) { cluster(id: $c) { workloads(first: 100, kind: "Deployment") { edges { node { name owner { name }
         children { name owner { name } metrics { pods } }
         autoscaler { name minReplicas status { desiredReplicas } target { name } }
         scalingHistory(first: 5) { edges { node { toReplicas } } }
         metrics { pods cpuMilli } } } } } }`,
      (d) => d.cluster.workloads.edges,
    );
    expect(r.large).toBe(r.small);
    expect(r.large).toBeLessThanOrEqual(12); // children { owner } is served from the rows already read
  });

  it('returns the same nested values as one-by-one reads', async () => {
    const { token, clusterId } = accounts.large;
    const r = await stack.gql(
      `query($c: ID!) { cluster(id: $c) { workloads(first: 100) { edges { node { name kind owner { name } children { name } autoscaler { name target { name } } scalingHistory(first: 5) { edges { node { toReplicas } } } metrics { pods cpuMilli } } } } } }`,
      { c: clusterId },
      token,
    );
    expect(r.errors).toBeUndefined();
    const nodes = r.data.cluster.workloads.edges.map((e: any) => e.node);
    const dep = nodes.find((w: any) => w.name === 'web-7');
    const rs = nodes.find((w: any) => w.name === 'web-7-abc');
    expect(dep.owner).toBeNull();
    expect(dep.children).toEqual([{ name: 'web-7-abc' }]);
    expect(dep.autoscaler).toEqual({ name: 'web-7', target: { name: 'web-7' } });
    expect(dep.scalingHistory.edges.map((e: any) => e.node.toReplicas)).toEqual([2, 3]);
    expect(dep.metrics).toEqual([{ pods: 2, cpuMilli: 500 }]);
    expect(rs.owner).toEqual({ name: 'web-7' });
    expect(rs.children).toEqual([]);
    expect(rs.autoscaler).toBeNull();
    expect(rs.metrics).toEqual([{ pods: 2, cpuMilli: 500 }]);
  });

  it('reads autoscalers with their targets, history and metrics in constant statements', async () => {
    const r = await statements(
      `query($c: ID!) { cluster(id: $c) { autoscalers(first: 100) { edges { node { name status { currentReplicas conditions { type } }
         target { name autoscaler { name } scalingHistory(first: 3) { edges { node { fromReplicas toReplicas } } } metrics { pods }
           children { name } } } } } } }`,
      (d) => d.cluster.autoscalers.edges,
    );
    expect(r.large).toBe(r.small);
    expect(r.large).toBeLessThanOrEqual(12);
  });

  it('reads clusters with namespaces, workloads, pods and every nested connection in constant statements', async () => {
    const r = await statements(
      `query { clusters(first: 100) { edges { node { name namespaces { name } cost { runningPods amount { amount } } autoscaler(name: "web-1") { name target { name } }
         workloads(first: 3) { edges { node { name children { name } autoscaler { name } } } pageInfo { hasNextPage } }
         pods(first: 2) { edges { node { name metrics { cpuMilli } } } }
         autoscalers(first: 2) { edges { node { name target { name } } } }
         events(last: 2) { edges { node { sequence } } }
         volumeClaims(first: 2) { edges { node { name } } }
         resourceQuotas(first: 2) { edges { node { name used } } }
         limitRanges(first: 2) { edges { node { name } } }
         priorityClasses(first: 2) { edges { node { name } } } } } } }`,
      (d) => d.clusters.edges,
    );
    expect(r.large).toBe(r.small);
    expect(r.large).toBeLessThanOrEqual(36);
  });

  it('pages each cluster on its own: every cluster gets its own first page and next-page flag', async () => {
    const db = stack.app.runtime.svc.db;
    const web1 = await db.workload.findFirstOrThrow({ where: { clusterId: accounts.large.clusterId, name: 'web-1' } });
    const r = await stack.gql(
      `query($w: ID) { clusters(first: 100) { edges { node { name namespaces { name } workloads(first: 3) { edges { node { name } } pageInfo { hasNextPage } } pods(last: 1, workload: null) { edges { node { name } } } ofWeb1: pods(first: 5, workload: $w) { edges { node { name } } } resourceQuotas(first: 1) { edges { node { used } } } } } } }`,
      { w: web1.id },
      accounts.large.token,
    );
    expect(r.errors).toBeUndefined();
    for (const { node } of r.data.clusters.edges) {
      // a Deployment's pods are its ReplicaSets' pods; only c0 holds this one
      expect(node.ofWeb1.edges.map((e: any) => e.node.name)).toEqual(node.name === 'c0' ? ['web-1-abc-0', 'web-1-abc-1'] : []);
      expect(node.namespaces).toEqual([{ name: 'default' }, { name: 'team' }]);
      expect(node.workloads.edges.map((e: any) => e.node.name)).toEqual(['web-0', 'web-1', 'web-10']);
      expect(node.workloads.pageInfo.hasNextPage).toBe(true);
      expect(node.pods.edges.map((e: any) => e.node.name)).toEqual(['web-9-abc-1']);
      expect(node.resourceQuotas.edges[0].node.used).toEqual({ pods: '24' }); // 12 Deployments × 2 running pods in default
    }
  });

  it('reads invoices with their lines, and budgets with their spend, in constant statements', async () => {
    const r = await statements(`query { invoices(first: 20) { edges { node { month total { amount } lines(first: 5) { edges { node { resource amount { amount } } } } csv } } } }`, (d) => d.invoices.edges);
    expect(r.large).toBe(r.small);
    const b = { small: 0, large: 0 };
    for (const size of ['small', 'large'] as const) {
      sql = [];
      const res = await stack.gql(`query { budgets { clusterId spent { amount } percentUsed } }`, {}, accounts[size].token);
      expect(res.errors).toBeUndefined();
      expect(res.data.budgets).toHaveLength(size === 'small' ? 3 : 13);
      const account = res.data.budgets.find((x: any) => x.clusterId === null);
      expect(account.spent.amount).toBe(size === 'small' ? '10.000000' : '60.000000');
      b[size] = reads();
    }
    expect(b.large).toBe(b.small);
  });

  it('never returns another account’s objects: every loader statement filters by the caller’s account', async () => {
    const svc = stack.app.runtime.svc;
    const db = svc.db;
    const mine = accounts.small.accountId;
    const other = accounts.large.accountId;
    const theirClusters = await db.cluster.findMany({ where: { accountId: other } });
    const theirDeps = await db.workload.findMany({ where: { cluster: { accountId: other }, kind: 'Deployment' }, take: 3 });
    const theirRs = await db.workload.findMany({ where: { ownerId: { in: theirDeps.map((d) => d.id) } } });
    const theirInvoices = (await db.invoice.findMany({ where: { accountId: other }, take: 3 })) as InvoiceView[];
    const theirBudgets = await db.budget.findMany({ where: { accountId: other } });
    const theirPods = await db.pod.findMany({ where: { cluster: { accountId: other } }, take: 3 });
    const now = svc.clock.now();
    const w = workloadLoaders(db, mine, now);
    const c = clusterLoaders(db, mine);
    const b = billingLoaders(svc, mine, new Date(now).toISOString().slice(0, 7));
    const page = { limit: 10, inverted: false };
    sql = [];
    const results = await Promise.all([
      w.workload.loadMany(theirDeps.map((d) => d.id)),
      w.children.loadMany(theirDeps.map((d) => ({ ...page, parent: d.id }))),
      w.children.load({ ...page, parent: theirDeps[0].id, after: ['2999-01-01T00:00:00.000Z', 'z'] }),
      w.workloadByName.loadMany(theirDeps.map((d) => ({ clusterId: d.clusterId, namespace: d.namespace, kind: d.kind, name: d.name }))),
      w.autoscalerOf.loadMany(theirDeps.map((d) => ({ clusterId: d.clusterId, namespace: d.namespace, kind: d.kind, name: d.name }))),
      w.workloadSeries.loadMany(theirDeps.map((d) => ({ id: d.id, seconds: 60 }))),
      w.podSample(new Date(0)).loadMany(theirPods.map((p) => p.id)),
      c.namespaces.loadMany(theirClusters.map((x) => x.id)),
      ...(['workloads', 'pods', 'volumeClaims', 'autoscalers', 'resourceQuotas', 'limitRanges', 'priorityClasses', 'events'] as const).map((k) => (c[k] as typeof c.workloads).loadMany(theirClusters.map((x) => ({ ...page, parent: x.id })))),
      c.pods.load({ ...page, parent: theirClusters[0].id, workload: theirDeps[0].id }),
      c.scalingHistory.loadMany(theirDeps.map((d) => ({ ...page, parent: d.id }))),
      b.invoiceLines.loadMany(theirInvoices),
      b.budgetSpentNano.loadMany(theirBudgets),
    ]);
    const found = JSON.stringify(results, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
    expect(found).not.toMatch(/"id"|"name"|[1-9]/);
    expect(theirRs.length).toBeGreaterThan(0); // what the children loader would have found without the account filter
    expect(sql.length).toBeGreaterThan(15);
    for (const q of sql) expect(q, q).toMatch(/"accountId"/);
  });
});
