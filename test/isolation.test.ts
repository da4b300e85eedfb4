import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_EVENTS, Subscription, nginxDeployment, startStack, type Stack } from './support/stack';

/** Account B must get nothing of account A's: null or NOT_FOUND, never data, never a change. */
describe('tenant isolation', () => {
  let stack: Stack;
  let a: string;
  let b: string;
  const ids: { cluster: string; workload: string; pod: string; account: string } = { cluster: '', workload: '', pod: '', account: '' };

  beforeAll(async () => {
    stack = await startStack();
    const ta = await stack.signup('alice');
    a = ta.token;
    ids.account = ta.accountId;
    b = (await stack.signup('bob')).token;
    const c = await stack.gql(`mutation { createCluster(input: { name: "shared-name", region: "ap-guangzhou" }) { cluster { id } } }`, {}, a);
    ids.cluster = c.data.createCluster.cluster.id;
    const status = new Subscription(stack.wsUrl, a, `subscription($c: ID!) { clusterStatus(clusterId: $c) { status } }`, { c: ids.cluster }, (d) => d.clusterStatus.status);
    await status.until((xs) => xs.includes('RUNNING'), 'RUNNING');
    await status.close();
    const pods = new Subscription(stack.wsUrl, a, POD_EVENTS, { c: ids.cluster, since: 0 }, (d) => d.podEvents);
    await stack.gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { code } } }`, { c: ids.cluster, m: nginxDeployment(2) }, a);
    await pods.until((xs) => xs.filter((e: any) => e.reason === 'Started').length === 2, 'pods running');
    await stack.gql(`mutation { createImageCache(image: "alice/private-model:1") { userErrors { code } } }`, {}, a);
    await pods.close();
    const q = await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 1) { edges { node { id } } } pods(first: 1) { edges { node { id } } } } }`, { c: ids.cluster }, a);
    ids.workload = q.data.cluster.workloads.edges[0].node.id;
    ids.pod = q.data.cluster.pods.edges[0].node.id;
  });
  afterAll(async () => stack?.stop());

  it('hides every object from queries: cluster(id) and node(id) are null, lists are empty', async () => {
    const q = await stack.gql(`query($c: ID!) { cluster(id: $c) { id } clusters(first: 10) { edges { node { id } } } }`, { c: ids.cluster }, b);
    expect(q.errors).toBeUndefined();
    expect(q.data).toEqual({ cluster: null, clusters: { edges: [] } });
    for (const id of Object.values(ids)) {
      const n = await stack.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, b);
      expect(n.data?.node ?? null).toBeNull();
      // the owner still sees them (so the ids above are real)
      const own = await stack.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, a);
      expect(own.data.node).toEqual({ id });
    }
  });

  it('refuses mutations on them with NOT_FOUND and changes nothing', async () => {
    const apply = await stack.gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { name } userErrors { field code } } }`, { c: ids.cluster, m: nginxDeployment(9) }, b);
    expect(apply.data.applyManifest).toEqual({ objects: [], userErrors: [{ field: ['clusterId'], code: 'NOT_FOUND' }] });
    const scale = await stack.gql(`mutation($c: ID!) { scaleWorkload(input: { clusterId: $c, name: "nginx-deployment", replicas: 7 }) { workload { id } userErrors { field code } } }`, { c: ids.cluster }, b);
    expect(scale.data.scaleWorkload).toEqual({ workload: null, userErrors: [{ field: ['clusterId'], code: 'NOT_FOUND' }] });
    const rollback = await stack.gql(`mutation($c: ID!) { rollbackWorkload(input: { clusterId: $c, name: "nginx-deployment", revision: 0 }) { workload { id } userErrors { field code } } }`, { c: ids.cluster }, b);
    expect(rollback.data.rollbackWorkload).toEqual({ workload: null, userErrors: [{ field: ['clusterId'], code: 'NOT_FOUND' }] });
    const del = await stack.gql(`mutation($c: ID!) { deleteWorkload(input: { clusterId: $c, kind: "Deployment", name: "nginx-deployment" }) { deleted userErrors { field code } } }`, { c: ids.cluster }, b);
    expect(del.data.deleteWorkload).toEqual({ deleted: false, userErrors: [{ field: ['clusterId'], code: 'NOT_FOUND' }] });
    const podName = (await stack.gql(`query($id: ID!) { node(id: $id) { ... on Pod { name } } }`, { id: ids.pod }, a)).data.node.name;
    const delPod = await stack.gql(`mutation($c: ID!, $n: String!) { deletePod(input: { clusterId: $c, name: $n }) { pod { id } userErrors { field code } } }`, { c: ids.cluster, n: podName }, b);
    expect(delPod.data.deletePod).toEqual({ pod: null, userErrors: [{ field: ['clusterId'], code: 'NOT_FOUND' }] });
    const own = await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 1) { edges { node { replicas generation } } } pods(first: 10) { edges { node { name deletionTimestamp } } } } }`, { c: ids.cluster }, a);
    expect(own.data.cluster.workloads.edges[0].node).toEqual({ replicas: 2, generation: 1 });
    expect(own.data.cluster.pods.edges.map((e: any) => e.node.deletionTimestamp)).toEqual([null, null]);
    // image caches are per account
    expect((await stack.gql(`{ imageCaches(first: 10) { edges { node { image } } } }`, {}, b)).data.imageCaches.edges).toEqual([]);
    expect((await stack.gql(`{ imageCaches(first: 10) { edges { node { image } } } }`, {}, a)).data.imageCaches.edges).toEqual([{ node: { image: 'alice/private-model:1' } }]);
    // Bob may use the same cluster name in his own account.
    const mine = await stack.gql(`mutation { createCluster(input: { name: "shared-name", region: "ap-guangzhou" }) { cluster { id } userErrors { code } } }`, {}, b);
    expect(mine.data.createCluster.userErrors).toEqual([]);
    expect(mine.data.createCluster.cluster.id).not.toBe(ids.cluster);
  });

  it('refuses subscriptions to them with NOT_FOUND', async () => {
    for (const query of [POD_EVENTS, `subscription($c: ID!) { clusterStatus(clusterId: $c) { id status } }`, `subscription($c: ID!, $since: Int) { workloadEvents(clusterId: $c, since: $since) { sequence reason } }`]) {
      const s = new Subscription(stack.wsUrl, b, query, { c: ids.cluster, since: 0 }, (d) => d);
      await s.until(() => false, 'an error').catch(() => undefined);
      expect(s.items).toEqual([]);
      expect(JSON.stringify(s.errors)).toMatch(/NOT_FOUND/);
      await s.close();
    }
  });
});
