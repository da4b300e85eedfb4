import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_EVENTS, Subscription, makeGql, nginxDeployment, type Gql, type PodEventItem } from './support/stack';
import { freePort, killAll, startService, type ServiceProcess } from './support/processes';

/** The latest event of every pod name seen on a stream. */
const runningPods = (items: PodEventItem[]) => {
  const last = new Map<string, PodEventItem>();
  for (const e of items) last.set(e.pod.name, e);
  return [...last.values()].filter((e) => e.type !== 'DELETED' && e.pod.status === 'Running').map((e) => e.pod.name);
};

/**
 * `npm start` as a user runs it: one process (api + worker) with PGlite in a data folder and the
 * in-process bus and queue, no PostgreSQL or Redis. What it prints, GraphiQL, the user story, and
 * a restart on the same data folder that loses nothing.
 */
describe('the all-in-one process (embedded mode)', () => {
  let dataDir: string;
  let proc: ServiceProcess | undefined;
  let port: number;
  let url: string;
  let gql: Gql;
  let token: string;
  let clusterId: string;
  let podNames: string[];
  let storedEvents = 0;
  const subs: Subscription[] = [];

  /** Starts `src/main/all-in-one.ts` on a fresh port and waits for its banner. */
  const start = async (env: Record<string, string> = {}) => {
    port = await freePort();
    proc = startService('all-in-one', {
      PORT: String(port),
      NODELESS_DATA_DIR: dataDir,
      NODELESS_BOOT_MS: '0',
      NODELESS_CLUSTER_PROVISION_MS: '0',
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      HOST: undefined,
      NODELESS_ALLOW_SIGNUP: undefined,
      NODELESS_QUEUE_NAME: undefined,
      ...env,
    });
    // The banner's last line: the whole banner (one console.log) has been printed.
    await proc.waitForLine(/^then send it as the header/);
    const m = await proc.waitForLine(/^\s*GraphiQL:\s+(\S+)$/, { timeoutMs: 0 });
    url = m[1];
    // The server listens on every interface; the printed URL says localhost, we dial IPv4.
    gql = makeGql(`http://127.0.0.1:${port}/graphql`);
    return proc;
  };
  const sub = <T>(query: string, variables: Record<string, unknown>, pick: (d: any) => T) => {
    const s = new Subscription<T>(`ws://127.0.0.1:${port}/graphql`, token, query, variables, pick);
    subs.push(s);
    return s;
  };
  const closeSubs = async () => {
    for (const s of subs.splice(0)) await s.close();
  };
  const stop = async () => {
    await closeSubs();
    const exit = await proc!.stop();
    expect(proc!.lines).toContain('SIGTERM: shutting down…');
    expect(exit, proc!.tail()).toEqual({ code: 0, signal: null });
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'nodeless-embedded-'));
  });
  afterAll(async () => {
    await closeSubs().catch(() => undefined);
    await proc?.stop();
    await killAll();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints where GraphiQL is and how to get a token, and serves GraphiQL', async () => {
    await start();
    expect(url).toBe(`http://localhost:${port}/graphql`);
    const out = proc!.stdout.join('\n');
    expect(out).toContain('Nodeless is running (api + worker in one process)');
    expect(out).toContain(`PGlite in ${dataDir}`);
    expect(out).toContain(`Subscriptions:  ws://localhost:${port}/graphql`);
    expect(out).toContain('sign-up is open');
    expect(out).toMatch(/curl -s http:\/\/localhost:\d+\/graphql .*createAccount/s);
    expect(out).toContain('Authorization: Bearer <token>');

    const res = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<title>Nodeless<\/title>/);
    expect(html).toMatch(/graphiql/i);
  });

  it('signs up with exactly the request the banner shows', async () => {
    const lines = proc!.stdout;
    const curl = lines.findIndex((l) => l.includes('curl -s'));
    expect(curl).toBeGreaterThanOrEqual(0);
    expect(lines[curl]).toContain(`curl -s ${url} -H 'content-type: application/json'`);
    const body = /-d '(.*)'$/.exec(lines[curl + 1].trim())?.[1];
    expect(body, lines[curl + 1]).toBeDefined();
    const { query } = JSON.parse(body!) as { query: string };
    expect(query).toMatch(/createAccount/);
    const r = await gql(query);
    expect(r.errors).toBeUndefined();
    token = r.data.createAccount.token;
    expect(token).toMatch(/^nl_/);
    const me = await gql(`{ viewer { id name } }`, {}, token);
    expect(me.data.viewer).toEqual({ id: r.data.createAccount.account.id, name: 'me' });
  });

  it('runs the story: a cluster goes RUNNING, a 2-replica nginx gets 2 Running pods over graphql-ws', async () => {
    const c = await gql(`mutation { createCluster(input: { name: "home", region: "ap-guangzhou" }) { cluster { id } userErrors { code } } }`, {}, token);
    expect(c.data.createCluster.userErrors).toEqual([]);
    clusterId = c.data.createCluster.cluster.id;
    const status = sub(`subscription($c: ID!) { clusterStatus(clusterId: $c) { status } }`, { c: clusterId }, (d) => d.clusterStatus.status as string);
    await status.until((xs) => xs.includes('RUNNING'), 'cluster RUNNING');

    const events = sub(POD_EVENTS, { c: clusterId, since: 0 }, (d) => d.podEvents as PodEventItem);
    const a = await gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { name action } userErrors { code } } }`, { c: clusterId, m: nginxDeployment(2) }, token);
    expect(a.data.applyManifest).toEqual({ objects: [{ name: 'nginx-deployment', action: 'CREATED' }], userErrors: [] });
    await events.until((xs) => runningPods(xs).length === 2, '2 running pods');
    podNames = runningPods(events.items).sort();
    for (const name of podNames) {
      const statuses = events.items.filter((e) => e.pod.name === name).map((e) => e.pod.status);
      expect(statuses.filter((st, i) => st !== statuses[i - 1])).toEqual(['Pending', 'ContainerCreating', 'Running']);
    }
    await events.until((xs) => xs.filter((e) => e.reason === 'Started').length === 2, 'both pods started');
    storedEvents = events.items.length;
    expect(events.items.map((e) => e.sequence)).toEqual([...new Set(events.items.map((e) => e.sequence))].sort((x, y) => x - y));
  });

  it('exits 0 on SIGTERM and, restarted on the same data folder, has lost nothing', async () => {
    await stop();
    // (restarted with sign-up closed, checked by the next test: one cold start fewer)
    await start({ NODELESS_ALLOW_SIGNUP: 'false' });
    expect(proc!.stdout.join('\n')).toContain(`PGlite in ${dataDir}`);

    const me = await gql(`{ viewer { name } }`, {}, token);
    expect(me.errors).toBeUndefined();
    expect(me.data.viewer).toEqual({ name: 'me' });
    const q = await gql(
      `query($c: ID!) { cluster(id: $c) { name status workloads(first: 10) { edges { node { kind name replicas } } } pods(first: 10) { edges { node { name status } } } } }`,
      { c: clusterId },
      token,
    );
    expect(q.errors).toBeUndefined();
    const cluster = q.data.cluster;
    expect(cluster).toMatchObject({ name: 'home', status: 'RUNNING' });
    expect(cluster.workloads.edges.map((e: any) => e.node)).toEqual([{ kind: 'Deployment', name: 'nginx-deployment', replicas: 2 }, { kind: 'ReplicaSet', name: expect.stringMatching(/^nginx-deployment-[a-z0-9]+$/), replicas: 2 }]);
    expect(cluster.pods.edges.map((e: any) => e.node).sort((x: any, y: any) => x.name.localeCompare(y.name))).toEqual(podNames.map((name) => ({ name, status: 'Running' })));

    // The event log survived too, and the restarted worker carries on where it left off.
    const events = sub(POD_EVENTS, { c: clusterId, since: 0 }, (d) => d.podEvents as PodEventItem);
    await events.until((xs) => xs.length >= storedEvents, 'the stored events');
    const s = await gql(`mutation($c: ID!) { scaleWorkload(input: { clusterId: $c, name: "nginx-deployment", replicas: 3 }) { workload { replicas } userErrors { code } } }`, { c: clusterId }, token);
    expect(s.data.scaleWorkload).toEqual({ workload: { replicas: 3 }, userErrors: [] });
    await events.until((xs) => runningPods(xs).length === 3, 'a third running pod');
    await events.until((xs) => xs.filter((e) => e.reason === 'Started').length === 3, 'a third pod started');
    expect(events.items.map((e) => e.sequence)).toEqual([...new Set(events.items.map((e) => e.sequence))].sort((x, y) => x - y));
    expect(runningPods(events.items).filter((n) => !podNames.includes(n))).toHaveLength(1);
  });

  it('with NODELESS_ALLOW_SIGNUP=false refuses sign-up (SIGNUP_DISABLED) but existing tokens still work', async () => {
    expect(proc!.stdout.join('\n')).toContain('sign-up is DISABLED: an operator creates accounts with provisionAccount, or set NODELESS_ALLOW_SIGNUP=true');
    const r = await gql(`mutation { createAccount(input: { name: "eve" }) { token account { id } userErrors { code field } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.createAccount).toEqual({ token: null, account: null, userErrors: [{ code: 'SIGNUP_DISABLED', field: [] }] });
    const me = await gql(`{ viewer { name } }`, {}, token);
    expect(me.data.viewer).toEqual({ name: 'me' });
    await stop();
    expect(proc!.stderr.filter((l) => l.trim() !== '')).toEqual([]);
  });
});
