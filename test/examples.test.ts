import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import { nginxDeployment, startStack, Subscription, type Stack } from './support/stack';
import { HELLO_CRONJOB, PI_JOB, WEB_STATEFULSET } from './support/docs';

const NGINX = nginxDeployment();
const [WEB, PI, HELLO] = [WEB_STATEFULSET, PI_JOB, HELLO_CRONJOB];

interface WorkloadEventItem {
  sequence: number;
  type: string;
  eventType: string;
  reason: string;
  message: string;
  involvedKind: string;
  involvedName: string;
  workload: { kind: string; name: string; status: Record<string, unknown> } | null;
}
const WORKLOAD_EVENTS = `subscription($c: ID!, $name: String, $since: Int) { workloadEvents(clusterId: $c, name: $name, since: $since) { sequence type eventType reason message involvedKind involvedName workload { kind name status { replicas readyReplicas availableReplicas succeeded lastScheduleTime } } } }`;

/**
 * The docs' nginx Deployment, web StatefulSet, pi Job and hello CronJob applied as written
 * through applyManifest, converging on a driven clock while workloadEvents and podEvents stream
 * over a real graphql-ws socket.
 */
describe('the Kubernetes docs examples, end to end over graphql-ws', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 2, 8, 0, 10));
  let stack: Stack;
  let token: string;
  let clusterId: string;
  const subs: Subscription[] = [];

  beforeAll(async () => {
    stack = await startStack({ overrides: { clock } });
    ({ token } = await stack.signup('docs'));
  });
  afterAll(async () => {
    for (const s of subs) await s.close();
    await stack?.stop();
  });

  const converge = () => stack.converge(clock);
  const step = async (ms: number) => {
    clock.advance(ms);
    await converge();
  };
  const sub = <T>(query: string, variables: Record<string, unknown>, pick: (d: any) => T) => {
    const s = new Subscription<T>(stack.wsUrl, token, query, variables, pick);
    subs.push(s);
    return s;
  };
  const apply = (manifest: string) =>
    stack.gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { kind name action } userErrors { field code message } } }`, { c: clusterId, m: manifest }, token);

  it('applies the four examples as written and watches each converge', async () => {
    const c = await stack.gql(`mutation { createCluster(input: { name: "docs", region: "ap-shanghai" }) { cluster { id } } }`, {}, token);
    clusterId = c.data.createCluster.cluster.id;
    await converge();
    const all = sub(WORKLOAD_EVENTS, { c: clusterId, since: 0 }, (d) => d.workloadEvents as WorkloadEventItem);
    const piOnly = sub(WORKLOAD_EVENTS, { c: clusterId, name: 'pi', since: 0 }, (d) => d.workloadEvents as WorkloadEventItem);

    const r = await apply([NGINX, WEB, PI, HELLO].join('---\n'));
    expect(r.data.applyManifest).toEqual({
      objects: [
        { kind: 'Deployment', name: 'nginx-deployment', action: 'CREATED' },
        { kind: 'StatefulSet', name: 'web', action: 'CREATED' },
        { kind: 'Job', name: 'pi', action: 'CREATED' },
        { kind: 'CronJob', name: 'hello', action: 'CREATED' },
      ],
      userErrors: [],
    });
    await converge();
    // web is OrderedReady with minReadySeconds 10: one more pod every 10 s
    await step(10_000);
    await step(10_000);
    await step(10_000);
    await step(60_000 - (clock.now() % 60_000) + 100); // the next whole minute: hello runs
    const hello = `hello-${Math.floor(clock.now() / 60_000)}`;
    await step(5000); // pi (started 40 s ago) and hello's first run are done (5 s each)

    const q = await stack.gql(
      `query($c: ID!) { cluster(id: $c) {
        workloads(first: 20) { edges { node { kind name replicas revision status { replicas readyReplicas availableReplicas updatedReplicas currentRevision updateRevision succeeded failed active completionTime activeJobs lastScheduleTime lastSuccessfulTime conditions { type status reason } } owner { name } } } }
        volumeClaims(first: 10) { edges { node { name storage storageClassName accessModes phase } } }
        pods(first: 20) { edges { node { name status ready restartCount index containerStatuses } } } } }`,
      { c: clusterId },
      token,
    );
    expect(q.errors).toBeUndefined();
    const byName = Object.fromEntries(q.data.cluster.workloads.edges.map((e: any) => [`${e.node.kind}/${e.node.name}`, e.node]));
    expect(byName['Deployment/nginx-deployment']).toMatchObject({
      revision: 1,
      status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, conditions: expect.arrayContaining([{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }]) },
    });
    const rs = Object.values(byName).find((w: any) => w.kind === 'ReplicaSet') as any;
    expect(rs).toMatchObject({ replicas: 3, revision: 1, owner: { name: 'nginx-deployment' }, status: { readyReplicas: 3 } });
    expect(byName['StatefulSet/web'].status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(byName['StatefulSet/web'].status.currentRevision).toBe(byName['StatefulSet/web'].status.updateRevision);
    expect(byName['Job/pi'].status).toMatchObject({ succeeded: 1, failed: 0, active: 0, conditions: [expect.objectContaining({ type: 'Complete', status: 'True' })] });
    expect(byName[`Job/${hello}`]).toMatchObject({ owner: { name: 'hello' }, status: { succeeded: 1 } });
    expect(byName['CronJob/hello'].status).toMatchObject({ activeJobs: [], lastScheduleTime: new Date(Math.floor(clock.now() / 60_000) * 60_000).toISOString() });
    expect(byName['CronJob/hello'].status.lastSuccessfulTime).not.toBeNull();
    expect(q.data.cluster.volumeClaims.edges.map((e: any) => e.node)).toEqual(
      [0, 1, 2].map((i) => ({ name: `www-web-${i}`, storage: '1Gi', storageClassName: 'my-storage-class', accessModes: ['ReadWriteOnce'], phase: 'Bound' })),
    );
    const pods = q.data.cluster.pods.edges.map((e: any) => e.node);
    expect(pods.filter((p: any) => p.name.startsWith('web-')).map((p: any) => [p.name, p.index, p.status, p.ready])).toEqual([0, 1, 2].map((i) => [`web-${i}`, i, 'Running', true]));
    const pi = pods.find((p: any) => p.name.startsWith('pi-'));
    expect(pi).toMatchObject({ status: 'Completed', ready: false, restartCount: 0 });
    expect(pi.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });

    // the workload stream carried the Kubernetes events of each kind
    await all.until((xs) => xs.some((e) => e.reason === 'SawCompletedJob'), 'the CronJob saw its job complete');
    expect(all.errors).toEqual([]);
    const messages = all.items.map((e) => `${e.involvedKind}/${e.involvedName} ${e.reason}: ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Deployment/nginx-deployment Applied: deployment.apps/nginx-deployment created',
        `Deployment/nginx-deployment ScalingReplicaSet: Scaled up replica set ${rs.name} to 3`,
        expect.stringMatching(new RegExp(`^ReplicaSet/${rs.name} SuccessfulCreate: Created pod: ${rs.name}-[a-z0-9]{5}$`)),
        'StatefulSet/web SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success',
        'StatefulSet/web SuccessfulCreate: create Pod web-2 in StatefulSet web successful',
        expect.stringMatching(/^Job\/pi SuccessfulCreate: Created pod: pi-[a-z0-9]{5}$/),
        'Job/pi Completed: Job completed',
        `CronJob/hello SuccessfulCreate: Created job ${hello}`,
        `CronJob/hello SawCompletedJob: Saw completed job: ${hello}, status: Complete`,
      ]),
    );
    const statusChanges = all.items.filter((e) => e.reason === 'StatusUpdated' && e.involvedName === 'nginx-deployment');
    expect(statusChanges.at(-1)!.workload).toMatchObject({ kind: 'Deployment', status: { replicas: 3, readyReplicas: 3, availableReplicas: 3 } });
    const seqs = all.items.map((e) => e.sequence);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    // one workload's stream holds only its own events
    await piOnly.until((xs) => xs.some((e) => e.reason === 'Completed'), 'pi completed');
    expect(piOnly.items.every((e) => e.involvedName === 'pi')).toBe(true);
    expect(piOnly.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['Applied', 'SuccessfulCreate', 'Completed', 'StatusUpdated']));

    // resumable: from the middle, exactly the rest
    const mid = all.items[Math.floor(all.items.length / 2)].sequence;
    const resumed = sub(WORKLOAD_EVENTS, { c: clusterId, since: mid }, (d) => d.workloadEvents as WorkloadEventItem);
    const rest = all.items.filter((e) => e.sequence > mid).map((e) => e.sequence);
    await resumed.until((xs) => xs.length >= rest.length, 'the rest of the workload events');
    expect(resumed.items.map((e) => e.sequence)).toEqual(rest);
  });

  it('refuses bad specs of each kind with field paths, and writes nothing', async () => {
    const before = await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 50) { edges { node { name resourceVersion: generation } } } } }`, { c: clusterId }, token);
    const bad = await apply(
      [
        HELLO.replace('"* * * * *"', '"61 * * * *"').replace('name: hello', 'name: bad-cron'),
        PI.replace('restartPolicy: Never', 'restartPolicy: Always').replace('name: pi', 'name: bad-job'),
        WEB.replace('replicas: 3 # by default is 1', 'replicas: 3\n  podManagementPolicy: Sometimes').replace('name: web', 'name: bad-web'),
        NGINX.replace('replicas: 3', 'replicas: 3\n  strategy:\n    type: Recreate\n    rollingUpdate:\n      maxSurge: 1').replace('name: nginx-deployment', 'name: bad-deploy'),
        `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec: {}\n`,
      ].join('---\n'),
    );
    const errors = bad.data.applyManifest.userErrors as { field: string[]; code: string; message: string }[];
    expect(bad.data.applyManifest.objects).toEqual([]);
    expect(errors.map((e) => e.field.join('.'))).toEqual(
      expect.arrayContaining(['manifest.0.spec.schedule', 'manifest.1.spec.template.spec.restartPolicy', 'manifest.2.spec.podManagementPolicy', 'manifest.3.spec.strategy.rollingUpdate', 'manifest.4.kind']),
    );
    expect(errors.find((e) => e.field.join('.') === 'manifest.1.spec.template.spec.restartPolicy')!.message).toContain('supported values: "OnFailure", "Never"');
    expect(errors.find((e) => e.field.join('.') === 'manifest.4.kind')!.message).toContain('no nodes');
    const after = await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 50) { edges { node { name resourceVersion: generation } } } } }`, { c: clusterId }, token);
    expect(after.data).toEqual(before.data);
  });

  it('deletes through the typed mutations: a pod is replaced, a CronJob goes with its Jobs and their pods', async () => {
    const web1 = await stack.gql(`mutation($c: ID!) { deletePod(input: { clusterId: $c, name: "web-1" }) { pod { name status deletionTimestamp } userErrors { code } } }`, { c: clusterId }, token);
    expect(web1.data.deletePod).toMatchObject({ pod: { name: 'web-1', status: 'Terminating' }, userErrors: [] });
    await step(10_000); // gone at once (no stop time here), re-created, available after minReadySeconds
    const pods = await stack.gql(`query($c: ID!) { cluster(id: $c) { pods(first: 50) { edges { node { name status uid } } } } }`, { c: clusterId }, token);
    expect(pods.data.cluster.pods.edges.map((e: any) => e.node).filter((p: any) => p.name === 'web-1')).toEqual([expect.objectContaining({ status: 'Running' })]);

    const del = await stack.gql(`mutation($c: ID!) { deleteWorkload(input: { clusterId: $c, kind: "CronJob", name: "hello" }) { deleted userErrors { code } } }`, { c: clusterId }, token);
    expect(del.data.deleteWorkload).toEqual({ deleted: true, userErrors: [] });
    await converge();
    const left = await stack.gql(`query($c: ID!) { cluster(id: $c) { workloads(first: 50, kind: "Job") { edges { node { name } } } pods(first: 50) { edges { node { name } } } } }`, { c: clusterId }, token);
    expect(left.data.cluster.workloads.edges.map((e: any) => e.node.name)).toEqual(['pi']);
    expect(left.data.cluster.pods.edges.map((e: any) => e.node.name).filter((n: string) => n.startsWith('hello-'))).toEqual([]);
    const again = await stack.gql(`mutation($c: ID!) { deleteWorkload(input: { clusterId: $c, kind: "CronJob", name: "hello" }) { deleted userErrors { code message } } }`, { c: clusterId }, token);
    expect(again.data.deleteWorkload).toEqual({ deleted: false, userErrors: [{ code: 'NOT_FOUND', message: 'cronjobs.batch "hello" not found in namespace "default"' }] });

    const cache = await stack.gql(`mutation { createImageCache(image: "nginx:1.27") { imageCache { image } userErrors { code } } }`, {}, token);
    expect(cache.data.createImageCache).toEqual({ imageCache: { image: 'nginx:1.27' }, userErrors: [] });
    const list = await stack.gql(`{ imageCaches(first: 10) { edges { node { image } } } }`, {}, token);
    expect(list.data.imageCaches.edges).toEqual([{ node: { image: 'nginx:1.27' } }]);
  });
});
