import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/adapters/prisma/client';
import { POD_EVENTS, Subscription, dropSchema, eventually, makeGql, nginxDeployment, signup, type Gql, type PodEventItem } from './support/stack';
import { freePort, killAll, startService, type ServiceProcess } from './support/processes';

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;

/** The latest event of every pod name seen on a stream. */
function latest(items: PodEventItem[]): Map<string, PodEventItem> {
  const m = new Map<string, PodEventItem>();
  for (const e of items) m.set(e.pod.name, e);
  return m;
}
/** Pods whose latest event says Running (and that were not deleted since). */
const runningPods = (items: PodEventItem[]) => [...latest(items).values()].filter((e) => e.type !== 'DELETED' && e.pod.status === 'Running').map((e) => e.pod.name);
const deletedPods = (items: PodEventItem[]) => items.filter((e) => e.type === 'DELETED').map((e) => e.pod.name);
/** Strictly increasing: no repeat, no reordering (sequences are per cluster and shared with workload events, so not contiguous here). */
const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);
const addedPods = (items: PodEventItem[]) => items.filter((e) => e.type === 'ADDED').map((e) => e.pod.name);

const LIFECYCLE = [
  ['ADDED', 'Pending'],
  ['MODIFIED', 'ContainerCreating'],
  ['MODIFIED', 'Running'],
];
const TEARDOWN = [
  ['MODIFIED', 'Terminating'],
  ['DELETED', 'Terminating'],
];

/**
 * The deployed shape: two api processes and separate worker processes sharing PostgreSQL and
 * Redis, driven over real HTTP and real graphql-ws sockets. Everything a worker publishes must
 * reach a subscriber connected to another api process; work queued while no worker runs must be
 * done once one starts; concurrent workers must not create a pod twice.
 */
describe.runIf(!!DATABASE_URL && !!REDIS_URL)('api and worker as separate processes (PostgreSQL + Redis)', () => {
  const suffix = randomBytes(6).toString('hex');
  const schema = `t_${suffix}`;
  const queueName = `t_${suffix}`;
  let baseConnectionString: string;
  let env: Record<string, string | undefined>;
  let api1: ServiceProcess;
  let api2: ServiceProcess;
  let worker1: ServiceProcess;
  let gql1: Gql;
  let gql2: Gql;
  let ws2: string;
  let token: string;
  let clusterId: string;
  let events: Subscription<PodEventItem>;
  const subs: Subscription[] = [];
  const workers: ServiceProcess[] = [];

  const startWorker = async (name: string) => {
    const w = startService('worker', env, name);
    workers.push(w);
    await w.waitForLine(/^nodeless worker running/);
    return w;
  };
  const startApi = (name: string, port: number) => startService('api', { ...env, PORT: String(port) }, name);

  beforeAll(async () => {
    baseConnectionString = parseDatabaseUrl(DATABASE_URL!).connectionString;
    const u = new URL(baseConnectionString);
    u.searchParams.set('schema', schema);
    env = {
      DATABASE_URL: u.toString(),
      REDIS_URL,
      NODELESS_QUEUE_NAME: queueName,
      NODELESS_ALLOW_SIGNUP: 'true',
      NODELESS_BOOT_MS: '0',
      NODELESS_STOP_MS: '0',
      NODELESS_CLUSTER_PROVISION_MS: '0',
      NODELESS_RESYNC_MS: '0',
      HOST: '127.0.0.1',
      NODELESS_DATA_DIR: undefined,
    };
    const port1 = await freePort();
    let port2 = await freePort();
    while (port2 === port1) port2 = await freePort();
    // All three at once on a schema that does not exist yet: they race to create and migrate it
    // (one does, under an advisory lock; the others wait).
    api1 = startApi('api1', port1);
    api2 = startApi('api2', port2);
    worker1 = startService('worker', env, 'worker1');
    workers.push(worker1);
    const [m1, m2] = await Promise.all([
      api1.waitForLine(/^nodeless api listening on (\S+)/),
      api2.waitForLine(/^nodeless api listening on (\S+)/),
      worker1.waitForLine(/^nodeless worker running/),
    ]);
    expect(m1[1]).toBe(`http://127.0.0.1:${port1}/graphql`);
    expect(m2[1]).toBe(`http://127.0.0.1:${port2}/graphql`);
    gql1 = makeGql(m1[1]);
    gql2 = makeGql(m2[1]);
    ws2 = m2[1].replace(/^http/, 'ws');
  });

  afterAll(async () => {
    for (const s of subs) await s.close().catch(() => undefined);
    await Promise.all([api1, api2, ...workers].filter(Boolean).map((p) => p.stop()));
    await killAll();
    await dropSchema(baseConnectionString, schema);
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const keys = [...(await redis.keys(`nodeless:wq:${queueName}:*`)), ...(await redis.keys(`nodeless:${queueName}:*`))];
      if (keys.length > 0) await redis.del(keys);
    } finally {
      await redis.close();
    }
  });

  const sub2 = <T>(query: string, variables: Record<string, unknown>, pick: (d: any) => T) => {
    const s = new Subscription<T>(ws2, token, query, variables, pick);
    subs.push(s);
    return s;
  };
  const scale = async (gql: Gql, replicas: number) => {
    const r = await gql(`mutation($c: ID!, $n: Int!) { scaleWorkload(input: { clusterId: $c, name: "nginx-deployment", replicas: $n }) { workload { replicas } userErrors { code } } }`, { c: clusterId, n: replicas }, token);
    expect(r.data?.scaleWorkload).toEqual({ workload: { replicas }, userErrors: [] });
  };
  const pods = async (gql: Gql) => {
    const r = await gql(`query($c: ID!) { cluster(id: $c) { pods(first: 100) { edges { node { name status } } } } }`, { c: clusterId }, token);
    expect(r.errors).toBeUndefined();
    return (r.data.cluster.pods.edges as { node: { name: string; status: string } }[]).map((e) => e.node);
  };
  const workload = async (gql: Gql) => {
    const r = await gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 10) { edges { node { name replicas status { replicas readyReplicas } } } } } }`, { c: clusterId }, token);
    expect(r.errors).toBeUndefined();
    return r.data.cluster.workloads.edges[0].node as { name: string; replicas: number; status: { replicas: number; readyReplicas: number } };
  };
  /** Each of `names` went through exactly `steps` (type, status) on the stream. */
  const expectSteps = (names: string[], steps: string[][], items = events.items) => {
    for (const name of names) {
      // (the sandbox's kubelet events — Pulling, Pulled, Created, Started — share one status: count it once)
      const seen = items.filter((e) => e.pod.name === name).map((e) => [e.type, e.pod.status]);
      expect(seen.filter((x, i) => i === 0 || x.join() !== seen[i - 1].join()), name).toEqual(steps);
    }
  };

  it('signs up on api #1 with a token that api #2 accepts', async () => {
    ({ token } = await signup(gql1, 'Ada'));
    expect(token).toMatch(/^nl_/);
    const me = await gql2(`{ viewer { name } }`, {}, token);
    expect(me.data.viewer).toEqual({ name: 'Ada' });
  });

  it('creates a cluster on api #1; the worker provisions it and api #2 streams it to RUNNING', async () => {
    const r = await gql1(`mutation { createCluster(input: { name: "prod", region: "ap-guangzhou" }) { cluster { id status } userErrors { code } } }`, {}, token);
    expect(r.data.createCluster.userErrors).toEqual([]);
    clusterId = r.data.createCluster.cluster.id;
    const status = sub2(`subscription($c: ID!) { clusterStatus(clusterId: $c) { status } }`, { c: clusterId }, (d) => d.clusterStatus.status as string);
    await status.until((xs) => xs.includes('RUNNING'), 'cluster RUNNING on api #2');
    expect(status.errors).toEqual([]);
    const q = await gql2(`query($c: ID!) { cluster(id: $c) { status namespaces { name } } }`, { c: clusterId }, token);
    expect(q.data.cluster.status).toBe('RUNNING');
    expect(q.data.cluster.namespaces.map((n: any) => n.name)).toContain('default');
  });

  it('streams the pods of a Deployment applied on api #1 to a subscriber on api #2: Pending → ContainerCreating → Running', async () => {
    events = sub2(POD_EVENTS, { c: clusterId, since: 0 }, (d) => d.podEvents as PodEventItem);
    const r = await gql1(
      `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { kind name action } userErrors { code } } }`,
      { c: clusterId, m: nginxDeployment(3) },
      token,
    );
    expect(r.data.applyManifest).toEqual({ objects: [{ kind: 'Deployment', name: 'nginx-deployment', action: 'CREATED' }], userErrors: [] });
    await events.until((xs) => runningPods(xs).length === 3, '3 running pods on api #2');
    const names = [...new Set(events.items.map((e) => e.pod.name))];
    expect(names).toHaveLength(3);
    expectSteps(names, LIFECYCLE);
    for (const name of names) expect(name).toMatch(/^nginx-deployment-[a-z0-9]+-[a-z0-9]{5}$/);
    expect(increasing(events.items.map((e) => e.sequence))).toBe(true);
  });

  it('scales to 5 then to 0: the new pods start, then every pod is Terminating and DELETED (all live over the Redis bus)', async () => {
    // The stream already delivered events, so it is past its replay: from here on every event
    // must travel worker process → Redis → api #2.
    const first = new Set(events.items.map((e) => e.pod.name));
    await scale(gql1, 5);
    await events.until((xs) => runningPods(xs).length === 5, '5 running pods');
    const added = [...new Set(events.items.map((e) => e.pod.name))].filter((n) => !first.has(n));
    expect(added).toHaveLength(2);
    expectSteps(added, LIFECYCLE);

    await scale(gql1, 0);
    await events.until((xs) => deletedPods(xs).length === 5, '5 deleted pods');
    const all = [...first, ...added];
    expect(deletedPods(events.items).sort()).toEqual([...all].sort());
    for (const name of all) {
      expect(events.items.filter((e) => e.pod.name === name).slice(-2).map((e) => [e.type, e.pod.status]), name).toEqual(TEARDOWN);
    }
    expect(await pods(gql2)).toEqual([]);
    expect(increasing(events.items.map((e) => e.sequence))).toBe(true);
    expect(events.errors).toEqual([]);
    // Let the worker settle the Deployment status before it is killed.
    await eventually(async () => {
      const w = await workload(gql2);
      return w.status.replicas === 0 && w.status.readyReplicas === 0;
    }, 'deployment status 0/0');
  });

  it('loses no work while no worker runs: a new worker does what was asked meanwhile', async () => {
    expect(await worker1.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    const seen = events.items.length;
    await scale(gql1, 2);
    // Nobody reconciles: the desired state is recorded, no pod exists, no event is published.
    expect(await pods(gql2)).toEqual([]);
    expect(await workload(gql2)).toEqual({ name: 'nginx-deployment', replicas: 2, status: { replicas: 0, readyReplicas: 0 } });
    expect(events.items.length).toBe(seen);

    await startWorker('worker2');
    await events.until((xs) => runningPods(xs).length === 2, '2 running pods after the new worker started');
    const fresh = events.items.slice(seen);
    const names = [...new Set(fresh.map((e) => e.pod.name))];
    expect(names).toHaveLength(2);
    expectSteps(names, LIFECYCLE, fresh);
    const now = await pods(gql1);
    expect(now.map((p) => p.name).sort()).toEqual([...names].sort());
    expect(now.every((p) => p.status === 'Running')).toBe(true);
  });

  it('two workers at once never create a pod twice', async () => {
    const worker2 = workers[workers.length - 1];
    // worker3 starts (and runs its start-up resync) while scale-ups are being reconciled.
    const seen = events.items.length;
    const worker3 = startService('worker', env, 'worker3');
    workers.push(worker3);
    await scale(gql2, 8);
    await worker3.waitForLine(/^nodeless worker running/);
    await scale(gql1, 12);
    await events.until((xs) => runningPods(xs).length === 12, '12 running pods');
    const added = addedPods(events.items.slice(seen));
    expect(added).toHaveLength(10);
    expect(new Set(added).size).toBe(10);
    const all = addedPods(events.items);
    expect(new Set(all).size).toBe(all.length);
    const now = await pods(gql2);
    expect(now).toHaveLength(12);
    expect(new Set(now.map((p) => p.name)).size).toBe(12);
    expect(now.every((p) => p.status === 'Running')).toBe(true);
    expect(increasing(events.items.map((e) => e.sequence))).toBe(true);

    // worker2 stops gracefully; worker3 alone carries on.
    expect(await worker2.stop()).toEqual({ code: 0, signal: null });
    const before = deletedPods(events.items).length;
    await scale(gql1, 3);
    await events.until((xs) => deletedPods(xs).length === before + 9, '9 more deleted pods');
    expect(runningPods(events.items)).toHaveLength(3);
    expect(await pods(gql2)).toHaveLength(3);
    expect(events.errors).toEqual([]);
  });

  it('every process shuts down cleanly on SIGTERM', async () => {
    const live = [api1, api2, ...workers.filter((w) => !w.exit)];
    expect(live).toHaveLength(3);
    for (const s of subs.splice(0)) await s.close();
    const exits = await Promise.all(live.map((p) => p.stop()));
    expect(exits).toEqual(live.map(() => ({ code: 0, signal: null })));
    for (const p of [api1, api2, ...workers]) expect(p.stderr.filter((l) => /internal error|failed|Error/.test(l)), p.name).toEqual([]);
  });
});
