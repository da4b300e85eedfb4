import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { POD_EVENTS, Subscription, eventually, nginxDeployment, startStack, type PodEventItem, type Stack } from './support/stack';

/**
 * The walking-skeleton user story over real HTTP and a real graphql-ws socket, with the api and
 * the worker in this process (PostgreSQL when DATABASE_URL is set, PGlite otherwise).
 */
describe('the user story, end to end', () => {
  let stack: Stack;
  let token: string;
  let clusterId: string;
  const subs: Subscription[] = [];

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    for (const s of subs) await s.close();
    await stack?.stop();
  });

  const sub = <T>(query: string, variables: Record<string, unknown>, pick: (d: any) => T, tok: string | null = token) => {
    const s = new Subscription<T>(stack.wsUrl, tok, query, variables, pick);
    subs.push(s);
    return s;
  };

  it('refuses every operation but sign-up without a token', async () => {
    const r = await stack.gql(`{ clusters(first: 1) { edges { node { id } } } }`);
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const bad = await stack.gql(`{ viewer { id } }`, {}, 'nl_not-a-real-token');
    expect(bad.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('signs up and gets a token that authenticates', async () => {
    const r = await stack.gql(`mutation { createAccount(input: { name: "Ada" }) { token account { id name } userErrors { code } } }`);
    expect(r.data.createAccount.account.name).toBe('Ada');
    token = r.data.createAccount.token;
    expect(token).toMatch(/^nl_/);
    const me = await stack.gql(`{ viewer { id name } }`, {}, token);
    expect(me.data.viewer).toEqual(r.data.createAccount.account);
  });

  it('lists regions and zones from the fleet', async () => {
    const r = await stack.gql(`{ regions { name zones { name } } }`, {}, token);
    const gz = r.data.regions.find((x: any) => x.name === 'ap-guangzhou');
    expect(gz.zones.map((z: any) => z.name)).toEqual(['ap-guangzhou-3', 'ap-guangzhou-4', 'ap-guangzhou-6']);
  });

  it('creates a cluster whose status streams to RUNNING with a default namespace', async () => {
    const bad = await stack.gql(`mutation { createCluster(input: { name: "Bad_Name", region: "mars-1" }) { cluster { id } userErrors { field code } } }`, {}, token);
    expect(bad.data.createCluster.cluster).toBeNull();
    expect(bad.data.createCluster.userErrors).toEqual([
      { field: ['name'], code: 'INVALID_NAME' },
      { field: ['region'], code: 'UNKNOWN_REGION' },
    ]);
    const r = await stack.gql(`mutation { createCluster(input: { name: "prod", region: "ap-guangzhou" }) { cluster { id name region status } userErrors { code } } }`, {}, token);
    expect(r.data.createCluster.userErrors).toEqual([]);
    clusterId = r.data.createCluster.cluster.id;
    expect(r.data.createCluster.cluster).toMatchObject({ name: 'prod', region: 'ap-guangzhou' });
    const status = sub(`subscription($c: ID!) { clusterStatus(clusterId: $c) { status } }`, { c: clusterId }, (d) => d.clusterStatus.status);
    await status.until((xs) => xs.includes('RUNNING'), 'cluster RUNNING');
    const ns = await stack.gql(`query($c: ID!) { cluster(id: $c) { status namespaces { name } } }`, { c: clusterId }, token);
    expect(ns.data.cluster.status).toBe('RUNNING');
    expect(ns.data.cluster.namespaces.map((n: any) => n.name)).toContain('default');
    const dup = await stack.gql(`mutation { createCluster(input: { name: "prod", region: "ap-guangzhou" }) { cluster { id } userErrors { field code } } }`, {}, token);
    expect(dup.data.createCluster.userErrors).toEqual([{ field: ['name'], code: 'ALREADY_EXISTS' }]);
  });

  it('serves subscriptions over SSE too, authenticated by the Authorization header', async () => {
    const sse = async (auth: string | null) => {
      const ctrl = new AbortController();
      const res = await fetch(stack.url, {
        method: 'POST',
        signal: ctrl.signal,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ query: `subscription($c: ID!) { clusterStatus(clusterId: $c) { name status } }`, variables: { c: clusterId } }),
      });
      const reader = res.body!.getReader();
      let text = '';
      while (!/^data: \{.*\}$/m.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      ctrl.abort();
      return JSON.parse(/^data: (\{.*\})$/m.exec(text)![1]);
    };
    expect(await sse(`Bearer ${token}`)).toEqual({ data: { clusterStatus: { name: 'prod', status: 'RUNNING' } } });
    const anonymous = await sse(null);
    expect(anonymous.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('accepts the token in graphql-ws connectionParams, flat or as headers', async () => {
    for (const connectionParams of [{ authorization: `Bearer ${token}` }, { headers: { Authorization: `Bearer ${token}` } }]) {
      const client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
      const it = client.iterate({ query: `subscription($c: ID!) { clusterStatus(clusterId: $c) { status } }`, variables: { c: clusterId } });
      expect((await it.next()).value).toEqual({ data: { clusterStatus: { status: 'RUNNING' } } });
      await it.return?.();
      await client.dispose();
    }
  });

  const apply = (manifest: string) =>
    stack.gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { kind namespace name action } userErrors { field message code } } }`, { c: clusterId, m: manifest }, token);
  const workloadCount = async () => (await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 100) { edges { node { name } } } } }`, { c: clusterId }, token)).data.cluster.workloads.edges.length;

  it('refuses invalid manifests with field paths and writes nothing', async () => {
    const daemonSet = await apply(`apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: agent }\nspec: {}\n`);
    expect(daemonSet.data.applyManifest.userErrors[0].code).toBe('UNSUPPORTED_KIND');
    expect(daemonSet.data.applyManifest.userErrors[0].message).toMatch(/no nodes/);
    const unknown = await apply(`apiVersion: example.com/v1\nkind: Frobnicator\nmetadata: { name: x }\n`);
    expect(unknown.data.applyManifest.userErrors[0]).toMatchObject({ code: 'UNKNOWN_KIND' });
    expect(unknown.data.applyManifest.userErrors[0].message).toMatch(/Frobnicator/);

    // A valid Deployment next to broken ones: nothing at all is written.
    const broken = [
      nginxDeployment(3, 'fine'),
      nginxDeployment(-1, 'Web_Server'),
      nginxDeployment(2, 'cpu-bad').replace('image: nginx:1.14.2', 'image: nginx:1.14.2\n        resources:\n          requests:\n            cpu: 12q'),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: empty }\nspec:\n  selector: { matchLabels: { app: x } }\n  template:\n    metadata: { labels: { app: x } }\n    spec: { containers: [] }\n`,
    ].join('---\n');
    const r = await apply(broken);
    const errs = r.data.applyManifest.userErrors as { field: string[]; code: string }[];
    expect(r.data.applyManifest.objects).toEqual([]);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: ['manifest', '1', 'metadata', 'name'] }),
        expect.objectContaining({ field: ['manifest', '1', 'spec', 'replicas'] }),
        expect.objectContaining({ field: ['manifest', '2', 'spec', 'template', 'spec', 'containers', '0', 'resources', 'requests', 'cpu'], code: 'INVALID_QUANTITY' }),
        expect.objectContaining({ field: ['manifest', '3', 'spec', 'template', 'spec', 'containers'] }),
      ]),
    );
    expect(await workloadCount()).toBe(0);
    // (an empty first document still counts in the field path, as kubectl counts documents)
    const noNs = await apply(`---\n# an empty document\n---\n${nginxDeployment(1).replace('  name: nginx-deployment', '  name: nginx-deployment\n  namespace: missing')}`);
    expect(noNs.data.applyManifest.userErrors).toEqual([expect.objectContaining({ field: ['manifest', '1', 'metadata', 'namespace'], code: 'NOT_FOUND' })]);
  });

  let events: Subscription<PodEventItem>;
  it('deploys nginx with 3 replicas and streams each pod Pending → ContainerCreating → Running', async () => {
    events = sub(POD_EVENTS, { c: clusterId, since: 0 }, (d) => d.podEvents as PodEventItem);
    const r = await apply(nginxDeployment(3));
    expect(r.data.applyManifest).toEqual({ objects: [{ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment', action: 'CREATED' }], userErrors: [] });
    await events.until((xs) => xs.filter((e) => e.reason === 'Started').length === 3, '3 started pods');
    const names = [...new Set(events.items.map((e) => e.pod.name))];
    expect(names).toHaveLength(3);
    for (const name of names) {
      const mine = events.items.filter((e) => e.pod.name === name);
      expect(mine.map((e) => [e.type, e.pod.status])).toEqual([
        ['ADDED', 'Pending'],
        ['MODIFIED', 'ContainerCreating'],
        // the sandbox's kubelet events, recorded together with the status they led to
        ['MODIFIED', 'Running'],
        ['MODIFIED', 'Running'],
        ['MODIFIED', 'Running'],
        ['MODIFIED', 'Running'],
      ]);
      expect(mine.map((e) => e.reason)).toEqual(['SuccessfulCreate', 'Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
      expect(mine.map((e) => e.message).slice(2)).toEqual(['Pulling image "nginx:1.14.2"', expect.stringMatching(/^Successfully pulled image "nginx:1.14.2" in /), 'Created container nginx', 'Started container nginx']);
      expect(mine[5].pod).toMatchObject({ phase: 'RUNNING', billedSpec: { cpu: '1', memory: '2Gi' } });
      expect(name).toMatch(/^nginx-deployment-[a-z0-9]+-[a-z0-9]{5}$/);
    }
    // sequence numbers are per cluster (workload events take some too): increasing, never repeated
    const seqs = events.items.map((e) => e.sequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const again = await apply(nginxDeployment(3));
    expect(again.data.applyManifest.objects[0].action).toBe('UNCHANGED');
  });

  it('resumes a stream from a sequence: the missed events from the store, then live ones, no gap, no duplicate', async () => {
    const since = events.items[3].sequence;
    const resumed = sub(POD_EVENTS, { c: clusterId, since }, (d) => d.podEvents as PodEventItem);
    const missed = events.items.slice(4).map((e) => e.sequence);
    await resumed.until((xs) => xs.length >= missed.length, 'replayed events');
    expect(resumed.items.map((e) => e.sequence)).toEqual(missed);
    const scaled = await stack.gql(`mutation($c: ID!) { scaleWorkload(input: { clusterId: $c, namespace: "default", kind: "Deployment", name: "nginx-deployment", replicas: 5 }) { workload { replicas } userErrors { code } } }`, { c: clusterId }, token);
    expect(scaled.data.scaleWorkload).toEqual({ workload: { replicas: 5 }, userErrors: [] });
    const running = (xs: PodEventItem[]) => new Set(xs.filter((e) => e.pod.status === 'Running').map((e) => e.pod.name)).size;
    await resumed.until((xs) => running(xs) >= 5, 'two more pods running');
    await events.until((xs) => running(xs) === 5, '5 running pods');
    // the resumed stream saw exactly what the first one saw after `since`: no gap, no duplicate
    const seqs = resumed.items.map((e) => e.sequence);
    expect(events.items.slice(4).map((e) => e.sequence).slice(0, seqs.length)).toEqual(seqs);
  });

  it('scales to 0: every pod goes Terminating, then is deleted', async () => {
    const r = await stack.gql(`mutation($c: ID!) { scaleWorkload(input: { clusterId: $c, name: "nginx-deployment", replicas: 0 }) { workload { replicas } userErrors { code } } }`, { c: clusterId }, token);
    expect(r.data.scaleWorkload.userErrors).toEqual([]);
    await events.until((xs) => xs.filter((e) => e.type === 'DELETED').length === 5, '5 deleted pods');
    const names = [...new Set(events.items.map((e) => e.pod.name))];
    for (const name of names) {
      const tail = events.items.filter((e) => e.pod.name === name).slice(-2);
      expect(tail.map((e) => [e.type, e.pod.status])).toEqual([
        ['MODIFIED', 'Terminating'],
        ['DELETED', 'Terminating'],
      ]);
    }
    const q = await stack.gql(`query($c: ID!) { cluster(id: $c) { pods(first: 10) { edges { node { name } } } } }`, { c: clusterId }, token);
    expect(q.data.cluster.pods.edges).toEqual([]);
  });

  it('queries workloads, pods and events as Relay connections with global ids', async () => {
    await stack.gql(`mutation($c: ID!) { scaleWorkload(input: { clusterId: $c, name: "nginx-deployment", replicas: 3 }) { userErrors { code } } }`, { c: clusterId }, token);
    await events.until((xs) => xs.filter((e) => e.reason === 'Started').length === 8, '3 more running pods');
    const q = await stack.gql(
      `query($c: ID!) { cluster(id: $c) { id
        workloads(first: 10, kind: "Deployment") { edges { node { id kind name namespace replicas status { replicas readyReplicas } podBilledSpec { cpu memory } } } }
        pods(first: 2) { edges { cursor node { id name namespace phase status billedSpec { cpu memory } createdAt startedAt zone } } pageInfo { hasNextPage endCursor } }
        events(first: 3) { edges { node { sequence type reason involvedName } } pageInfo { hasNextPage } } } }`,
      { c: clusterId },
      token,
    );
    const c = q.data.cluster;
    expect(Buffer.from(c.id, 'base64').toString()).toMatch(/^Cluster:/);
    const w = c.workloads.edges[0].node;
    expect(w).toMatchObject({ kind: 'Deployment', name: 'nginx-deployment', replicas: 3, podBilledSpec: { cpu: '1', memory: '2Gi' } });
    expect(c.pods.edges).toHaveLength(2);
    expect(c.pods.pageInfo.hasNextPage).toBe(true);
    expect(c.pods.edges[0].node).toMatchObject({ namespace: 'default', phase: 'RUNNING', status: 'Running' });
    expect(c.pods.edges[0].node.zone).toMatch(/^ap-guangzhou-/);
    const next = await stack.gql(`query($c: ID!, $a: String) { cluster(id: $c) { pods(first: 10, after: $a) { edges { node { name } } pageInfo { hasNextPage } } } }`, { c: clusterId, a: c.pods.pageInfo.endCursor }, token);
    expect(next.data.cluster.pods.edges).toHaveLength(1);
    expect(next.data.cluster.pods.pageInfo.hasNextPage).toBe(false);
    expect(c.events.edges.map((e: any) => e.node.sequence)).toEqual([1, 2, 3]);
    const node = await stack.gql(`query($id: ID!) { node(id: $id) { ... on Pod { name } } }`, { id: c.pods.edges[0].node.id }, token);
    expect(node.data.node.name).toBe(c.pods.edges[0].node.name);
    // the Deployment status follows the pods (the workload controller runs after the pod loop)
    const status = await eventually(async () => {
      const r = await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 1, kind: "Deployment") { edges { node { status { replicas readyReplicas } } } } } }`, { c: clusterId }, token);
      const s = r.data.cluster.workloads.edges[0].node.status;
      return s.readyReplicas === 3 ? s : null;
    }, 'deployment status readyReplicas 3');
    expect(status).toEqual({ replicas: 3, readyReplicas: 3 });
  });
});
