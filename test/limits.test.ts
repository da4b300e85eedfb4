import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { createAccount } from '../src/app/accounts';
import { createCluster } from '../src/app/clusters';
import { applyManifest } from '../src/app/manifests';
import { scaleWorkload } from '../src/app/workloads';
import { createImageCache } from '../src/app/imageCaches';
import { reportCustomMetric, reportPodMetrics, setAutoscaler } from '../src/app/autoscalers';
import { simulateAutoscalerTimeline } from '../src/app/simulateAutoscaler';
import { priceQuote } from '../src/app/billing';
import { reconcileWorkload } from '../src/controllers/workload';
import { buildRuntime, type Runtime } from '../src/main/compose';
import { nginxDeployment, testConfig, testStore } from './support/stack';
import { useDrivenCluster } from './support/driven';

/** Account and cluster limits hold under concurrent requests; controllers never duplicate pods. */
describe('limits and concurrent writers', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let rt: Runtime;
  let accountId: string;
  let clusterId: string;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    rt.svc.settings.limits = { ...rt.svc.settings.limits, clustersPerAccount: 2, podsPerCluster: 10 };
    accountId = (await createAccount(rt.svc, { name: 'limited' })).account!.id;
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  it('creates at most clustersPerAccount clusters, even when asked concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => createCluster(rt.svc, accountId, { name: `c${i}`, region: 'ap-guangzhou' })));
    expect(results.filter((r) => r.cluster).length).toBe(2);
    expect(results.filter((r) => r.userErrors[0]?.code === 'LIMIT_EXCEEDED').length).toBe(3);
    expect(await store.prisma.cluster.count({ where: { accountId } })).toBe(2);
    clusterId = results.find((r) => r.cluster)!.cluster!.id;
    await store.prisma.cluster.update({ where: { id: clusterId }, data: { status: 'RUNNING' } });
    await store.prisma.namespace.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, name: 'default' } });
  });

  it('creates at most clustersPerRegion clusters of an account in one region, even when asked concurrently', async () => {
    const other = (await createAccount(rt.svc, { name: 'regional' })).account!.id;
    const before = rt.svc.settings.limits;
    rt.svc.settings.limits = { ...before, clustersPerAccount: 10, clustersPerRegion: 2 };
    try {
      const results = await Promise.all(Array.from({ length: 4 }, (_, i) => createCluster(rt.svc, other, { name: `r${i}`, region: 'ap-shanghai' })));
      expect(results.filter((r) => r.cluster)).toHaveLength(2);
      expect(results.filter((r) => r.userErrors[0]?.code === 'LIMIT_EXCEEDED').map((r) => r.userErrors[0].message)).toEqual([
        'an account may have at most 2 clusters in one region (ap-shanghai)',
        'an account may have at most 2 clusters in one region (ap-shanghai)',
      ]);
      // another region is another budget
      expect((await createCluster(rt.svc, other, { name: 'elsewhere', region: 'na-ashburn' })).cluster).not.toBeNull();
    } finally {
      rt.svc.settings.limits = before;
    }
  });

  it('keeps the desired pods of a cluster within podsPerCluster on apply and scale', async () => {
    expect((await applyManifest(rt.svc, accountId, { clusterId, manifest: nginxDeployment(6, 'a') })).userErrors).toEqual([]);
    const over = await applyManifest(rt.svc, accountId, { clusterId, manifest: `${nginxDeployment(1, 'small')}---\n${nginxDeployment(5, 'b')}` });
    expect(over.userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: ['manifest', '1', 'spec', 'replicas'] })]);
    expect(await store.prisma.workload.count({ where: { clusterId } })).toBe(1); // nothing written
    expect((await scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'a', replicas: 11 })).userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: ['replicas'] })]);
    expect((await scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'a', replicas: 2 })).userErrors).toEqual([]);
    expect((await applyManifest(rt.svc, accountId, { clusterId, manifest: nginxDeployment(1, 'b') })).userErrors).toEqual([]);
    // two scale-ups racing: only one fits
    const race = await Promise.all([
      scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'a', replicas: 7 }),
      scaleWorkload(rt.svc, accountId, { clusterId, namespace: 'default', kind: 'Deployment', name: 'b', replicas: 7 }),
    ]);
    expect(race.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    const total = (await store.prisma.workload.findMany({ where: { clusterId, kind: 'Deployment' } })).reduce((n, w) => n + Number((w.spec as { replicas: number }).replicas), 0);
    expect(total).toBeLessThanOrEqual(10);
  });

  it('never creates a pod twice when one workload is reconciled by many workers at the same instant', async () => {
    const d = await store.prisma.workload.findFirstOrThrow({ where: { clusterId, kind: 'Deployment', name: 'a' } });
    // the Deployment's reconcile makes its ReplicaSet; the ReplicaSet's makes the pods
    await Promise.all(Array.from({ length: 6 }, () => reconcileWorkload(rt.svc, d.id)));
    const sets = await store.prisma.workload.findMany({ where: { ownerId: d.id } });
    expect(sets).toHaveLength(1);
    const rs = sets[0];
    await store.prisma.pod.deleteMany({ where: { workloadId: rs.id } });
    const replicas = Number((rs.spec as { replicas: number }).replicas);
    expect(replicas).toBe(Number((d.spec as { replicas: number }).replicas));
    // bypass the queue (which alone would never run one key twice): the row lock must hold
    await Promise.all(Array.from({ length: 6 }, () => reconcileWorkload(rt.svc, rs.id)));
    const pods = await store.prisma.pod.findMany({ where: { workloadId: rs.id } });
    expect(pods).toHaveLength(replicas);
    expect(new Set(pods.map((p) => p.name)).size).toBe(replicas);
  });
});

describe('a workload at rest', () => {
  it('is not rewritten by a reconcile that changes nothing (resourceVersion stays)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = await testStore();
    const rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    try {
      const accountId = (await createAccount(rt.svc, { name: 'rest' })).account!.id;
      const { cluster } = await createCluster(rt.svc, accountId, { name: 'rest', region: 'ap-guangzhou' });
      await store.prisma.cluster.update({ where: { id: cluster!.id }, data: { status: 'RUNNING' } });
      await store.prisma.namespace.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId: cluster!.id, name: 'default' } });
      const applied = await applyManifest(rt.svc, accountId, { clusterId: cluster!.id, manifest: nginxDeployment(2, 'calm') });
      const id = applied.objects[0].workload!.id;
      await reconcileWorkload(rt.svc, id);
      const rs = await store.prisma.workload.findFirstOrThrow({ where: { ownerId: id } });
      // (the ReplicaSet's status counts the pods it created on its next pass, and the Deployment's follows)
      for (let i = 0; i < 2; i++) {
        await reconcileWorkload(rt.svc, rs.id);
        await reconcileWorkload(rt.svc, id);
      }
      const before = await store.prisma.workload.findMany({ where: { id: { in: [id, rs.id] } }, orderBy: { id: 'asc' } });
      await reconcileWorkload(rt.svc, rs.id);
      await reconcileWorkload(rt.svc, id);
      await reconcileWorkload(rt.svc, rs.id);
      await reconcileWorkload(rt.svc, id);
      const after = await store.prisma.workload.findMany({ where: { id: { in: [id, rs.id] } }, orderBy: { id: 'asc' } });
      expect(after.map((w) => w.resourceVersion)).toEqual(before.map((w) => w.resourceVersion));
      expect(await store.prisma.pod.count({ where: { workloadId: rs.id } })).toBe(2);
    } finally {
      await rt.close();
      await store.close();
    }
  });
});

/** A CronJob starting a Job every minute, whose pods run for an hour (longer than any test here). */
const TICK = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Allow
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            sim.nodeless.dev/run-ms: "3600000"
        spec:
          restartPolicy: OnFailure
          containers:
          - name: work
            image: busybox
`;

/** The pods-per-cluster limit counts the pods that exist, whatever made them, where they are made. */
describe('the pods-per-cluster limit on live pods', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 30));
  const c = useDrivenCluster(clock, { name: 'podcap', region: 'ap-guangzhou', env: { NODELESS_PODS_PER_CLUSTER: '6' } });
  const live = () => c.store.prisma.pod.count({ where: { clusterId: c.clusterId, phase: { notIn: ['Succeeded', 'Failed'] } } });

  it('keeps a CronJob (Allow, pods that run on) and a Deployment within the limit for many minutes, says why, and fills room once it frees', async () => {
    await c.apply(`${nginxDeployment(2, 'web')}---\n${TICK}`);
    let peak = 0;
    // ten runs of the CronJob: without the limit there would be 2 + 10 pods
    for (let i = 0; i < 20; i++) {
      await c.step(30_000);
      const n = await live();
      expect(n).toBeLessThanOrEqual(6);
      peak = Math.max(peak, n);
    }
    expect(peak).toBe(6);
    expect(await c.store.prisma.workload.count({ where: { clusterId: c.clusterId, kind: 'Job' } })).toBeGreaterThanOrEqual(10);
    const warnings = await c.store.prisma.event.findMany({ where: { clusterId: c.clusterId, reason: 'FailedCreate' } });
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatchObject({ eventType: 'Warning', involvedKind: 'Job', message: expect.stringMatching(/^Error creating: pods "tick-\d+-[a-z0-9]{5}" is forbidden: exceeded the cluster's pod limit: 6 \(NODELESS_PODS_PER_CLUSTER\)$/) });

    // the first line at apply counts the CronJob's live pods too: one more Deployment pod is refused at once
    const more = await applyManifest(c.svc, c.accountId, { clusterId: c.clusterId, manifest: nginxDeployment(1, 'extra') });
    expect(more.userErrors).toEqual([{ field: ['manifest', '0', 'spec', 'replicas'], code: 'LIMIT_EXCEEDED', message: 'the cluster would run 7 pods; a cluster may run at most 6 (NODELESS_PODS_PER_CLUSTER)' }]);
    expect(await c.store.prisma.workload.count({ where: { clusterId: c.clusterId, name: 'extra' } })).toBe(0);

    // room frees: the refused Jobs' pods are created (after their back-off), never past the limit
    expect((await scaleWorkload(c.svc, c.accountId, { clusterId: c.clusterId, namespace: 'default', kind: 'Deployment', name: 'web', replicas: 0 })).userErrors).toEqual([]);
    for (let i = 0; i < 12; i++) {
      await c.step(30_000);
      expect(await live()).toBeLessThanOrEqual(6);
    }
    expect(await c.live('web')).toHaveLength(0);
    expect(await c.live('tick')).toHaveLength(6);
  });

  it('refuses a bare pod while the pods it would join still run, even when a manifest scales them down in the same apply', async () => {
    await c.drop('CronJob', 'tick');
    await c.apply(nginxDeployment(6, 'web'));
    expect(await live()).toBe(6);
    const r = await applyManifest(c.svc, c.accountId, { clusterId: c.clusterId, manifest: `${nginxDeployment(0, 'web')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\nspec:\n  containers:\n  - name: app\n    image: nginx\n` });
    expect(r.userErrors).toEqual([{ field: ['manifest', '1', 'metadata', 'name'], code: 'LIMIT_EXCEEDED', message: `pods "solo" is forbidden: exceeded the cluster's pod limit: 6 (NODELESS_PODS_PER_CLUSTER)` }]);
    // nothing written: the Deployment keeps its 6 replicas, there is no pod "solo"
    const web = await c.store.prisma.workload.findFirstOrThrow({ where: { clusterId: c.clusterId, kind: 'Deployment', name: 'web' } });
    expect((web.spec as { replicas: number }).replicas).toBe(6);
    expect(await c.store.prisma.pod.count({ where: { clusterId: c.clusterId, name: 'solo' } })).toBe(0);
    // once the pods are gone, the same pod fits
    await c.apply(nginxDeployment(5, 'web'));
    await c.step(1000);
    expect(await live()).toBe(5);
    await c.apply(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\nspec:\n  containers:\n  - name: app\n    image: nginx\n`);
    expect(await live()).toBe(6);
  });
});

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const hpa = (name: string, target = name) => `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ${name}\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${target} }\n  maxReplicas: 3\n`;
const priorityClass = (name: string) => `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: ${name}\nvalue: 1000\n`;
const quota = (name: string, namespace = 'default') => `apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  hard:\n    pods: "100"\n`;
const limitRange = (name: string, namespace = 'default') => `apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  limits:\n  - type: Container\n    max: { cpu: "4" }\n`;

/** Object counts per cluster, namespace and account: each limit just under and just over; a refusal writes nothing. */
describe('object-count limits', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let rt: Runtime;
  let accountId: string;
  let clusterId: string;

  beforeAll(async () => {
    store = await testStore();
    const env = {
      NODELESS_NAMESPACES_PER_CLUSTER: '3',
      NODELESS_WORKLOADS_PER_CLUSTER: '2',
      NODELESS_AUTOSCALERS_PER_CLUSTER: '1',
      NODELESS_PRIORITY_CLASSES_PER_CLUSTER: '1',
      NODELESS_RESOURCE_QUOTAS_PER_NAMESPACE: '1',
      NODELESS_LIMIT_RANGES_PER_NAMESPACE: '1',
      NODELESS_IMAGE_CACHES_PER_ACCOUNT: '2',
      NODELESS_METRIC_SERIES_PER_CLUSTER: '2',
      NODELESS_MAX_USER_ERRORS: '5',
    };
    rt = await buildRuntime(testConfig(env), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    accountId = (await createAccount(rt.svc, { name: 'counted' })).account!.id;
    clusterId = (await createCluster(rt.svc, accountId, { name: 'counted', region: 'ap-guangzhou' })).cluster!.id;
    await store.prisma.cluster.update({ where: { id: clusterId }, data: { status: 'RUNNING' } });
    await store.prisma.namespace.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, name: 'default' } });
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  const apply = (manifest: string) => applyManifest(rt.svc, accountId, { clusterId, manifest });
  const refusal = (field: string[], message: string) => [{ field, code: 'LIMIT_EXCEEDED', message }];

  it.each([
    {
      name: 'namespaces per cluster (default counts)',
      under: `${ns('a')}---\n${ns('b')}`,
      over: ns('c'),
      message: `namespaces "c" is forbidden: exceeded the cluster's namespace limit: 3 (NODELESS_NAMESPACES_PER_CLUSTER)`,
      count: () => store.prisma.namespace.count({ where: { clusterId } }),
    },
    {
      name: 'workloads per cluster',
      under: `${nginxDeployment(1, 'w1')}---\n${nginxDeployment(1, 'w2')}`,
      over: nginxDeployment(1, 'w3'),
      message: `deployments.apps "w3" is forbidden: exceeded the cluster's workload limit: 2 (NODELESS_WORKLOADS_PER_CLUSTER)`,
      count: () => store.prisma.workload.count({ where: { clusterId } }),
    },
    {
      name: 'autoscalers per cluster',
      under: hpa('w1'),
      over: hpa('w2'),
      message: `horizontalpodautoscalers.autoscaling "w2" is forbidden: exceeded the cluster's autoscaler limit: 1 (NODELESS_AUTOSCALERS_PER_CLUSTER)`,
      count: () => store.prisma.autoscaler.count({ where: { clusterId } }),
    },
    {
      name: 'priority classes per cluster',
      under: priorityClass('high'),
      over: priorityClass('higher'),
      message: `priorityclasses.scheduling.k8s.io "higher" is forbidden: exceeded the cluster's priority class limit: 1 (NODELESS_PRIORITY_CLASSES_PER_CLUSTER)`,
      count: () => store.prisma.priorityClass.count({ where: { clusterId } }),
    },
    {
      name: 'ResourceQuotas per namespace',
      under: quota('q1'),
      over: quota('q2'),
      message: `resourcequotas "q2" is forbidden: exceeded the namespace's ResourceQuota limit: 1 (NODELESS_RESOURCE_QUOTAS_PER_NAMESPACE)`,
      count: () => store.prisma.resourceQuota.count({ where: { clusterId } }),
    },
    {
      name: 'LimitRanges per namespace',
      under: limitRange('l1'),
      over: limitRange('l2'),
      message: `limitranges "l2" is forbidden: exceeded the namespace's LimitRange limit: 1 (NODELESS_LIMIT_RANGES_PER_NAMESPACE)`,
      count: () => store.prisma.limitRange.count({ where: { clusterId } }),
    },
  ])('$name: up to the limit is accepted, one more is refused at its name and nothing is written', async ({ under, over, message, count }) => {
    expect((await apply(under)).userErrors).toEqual([]);
    const before = await count();
    // after the objects that exist (updates count nothing new): the whole manifest is refused at the new one
    const at = String(under.split('---').length);
    expect((await apply(`${under}---\n${over}`)).userErrors).toEqual(refusal(['manifest', at, 'metadata', 'name'], message));
    expect(await count()).toBe(before);
    expect((await apply(under)).userErrors).toEqual([]);
  });

  it('counts ResourceQuotas and LimitRanges per namespace', async () => {
    expect((await apply(`${quota('q2', 'a')}---\n${limitRange('l2', 'a')}`)).userErrors).toEqual([]);
  });

  it('holds setAutoscaler to the autoscaler limit too, and lets it update the existing one', async () => {
    const spec = { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'w2' }, maxReplicas: 3 };
    const r = await setAutoscaler(rt.svc, accountId, { clusterId, namespace: 'default', name: 'w2', spec });
    expect(r.userErrors).toEqual(refusal(['name'], `horizontalpodautoscalers.autoscaling "w2" is forbidden: exceeded the cluster's autoscaler limit: 1 (NODELESS_AUTOSCALERS_PER_CLUSTER)`));
    expect(await store.prisma.autoscaler.count({ where: { clusterId } })).toBe(1);
    expect((await setAutoscaler(rt.svc, accountId, { clusterId, namespace: 'default', name: 'w1', spec: { ...spec, maxReplicas: 4, scaleTargetRef: { ...spec.scaleTargetRef, name: 'w1' } } })).userErrors).toEqual([]);
  });

  it('creates at most the namespace limit even when asked concurrently', async () => {
    await store.prisma.namespace.deleteMany({ where: { clusterId, name: { in: ['a', 'b'] } } });
    const results = await Promise.all(['p', 'q', 'r', 's'].map((n) => apply(ns(n))));
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(2);
    expect(results.filter((r) => r.userErrors[0]?.code === 'LIMIT_EXCEEDED')).toHaveLength(2);
    expect(await store.prisma.namespace.count({ where: { clusterId } })).toBe(3);
  });

  it('caches at most imageCachesPerAccount images, even when asked concurrently; caching one again still answers', async () => {
    const other = (await createAccount(rt.svc, { name: 'cacher' })).account!.id;
    const results = await Promise.all(['a:1', 'b:1', 'c:1', 'd:1'].map((image) => createImageCache(rt.svc, other, { image })));
    expect(results.filter((r) => r.imageCache)).toHaveLength(2);
    const refused = results.find((r) => r.userErrors.length > 0)!;
    expect(refused.userErrors).toEqual([{ field: ['image'], code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/^imagecaches "[a-d]:1" is forbidden: exceeded the account's image cache limit: 2 \(NODELESS_IMAGE_CACHES_PER_ACCOUNT\)$/) }]);
    expect(await store.prisma.imageCache.count({ where: { accountId: other } })).toBe(2);
    const cached = results.find((r) => r.imageCache)!.imageCache!;
    expect((await createImageCache(rt.svc, other, { image: cached.image })).imageCache?.id).toBe(cached.id);
  });

  it('counts distinct custom-metric series (External, Object, per-pod) within the retention window', async () => {
    const external = (labels: Record<string, string>) => reportCustomMetric(rt.svc, accountId, { clusterId, namespace: 'default', name: 'queue', labels, value: '5' });
    expect((await external({ q: 'a' })).userErrors).toEqual([]);
    expect((await external({ q: 'a' })).userErrors).toEqual([]); // the same series again
    expect((await external({ q: 'b' })).userErrors).toEqual([]);
    const samples = await store.prisma.customMetric.count({ where: { clusterId } });
    expect((await external({ q: 'c' })).userErrors).toEqual(refusal(['name'], `metric series "queue" {"q":"c"} is forbidden: exceeded the cluster's metric series limit: 2 (NODELESS_METRIC_SERIES_PER_CLUSTER)`));
    const object = await reportCustomMetric(rt.svc, accountId, { clusterId, namespace: 'default', name: 'rps', value: '5', object: { kind: 'Ingress', name: 'front' } });
    expect(object.userErrors).toEqual(refusal(['name'], `metric series "rps" of Ingress/front is forbidden: exceeded the cluster's metric series limit: 2 (NODELESS_METRIC_SERIES_PER_CLUSTER)`));
    expect(await store.prisma.customMetric.count({ where: { clusterId } })).toBe(samples);
    // a per-pod metric of a pod is a series too
    await store.prisma.workload.deleteMany({ where: { clusterId } });
    expect((await apply(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: reporter\nspec:\n  containers:\n  - name: app\n    image: nginx\n`)).userErrors).toEqual([]);
    const pods = (custom: string[]) => reportPodMetrics(rt.svc, accountId, { clusterId, namespace: 'default', pods: [{ name: 'reporter', cpu: '100m', memory: '10Mi', custom: custom.map((name) => ({ name, value: '1' })) }] });
    expect((await pods(['jobs'])).userErrors).toEqual(refusal(['pods', '0', 'custom', '0', 'name'], `metric series "jobs" of pods "reporter" is forbidden: exceeded the cluster's metric series limit: 2 (NODELESS_METRIC_SERIES_PER_CLUSTER)`));
    expect(await store.prisma.podMetric.count({ where: { clusterId } })).toBe(0);
    // samples older than the retention window are not series any more
    clock.advance(rt.svc.settings.autoscaling.metricsRetentionMs + 1);
    expect((await pods(['jobs', 'lag'])).userErrors).toEqual([]);
    expect((await pods(['jobs', 'lag'])).userErrors).toEqual([]);
    expect((await external({ q: 'a' })).userErrors).toEqual(refusal(['name'], `metric series "queue" {"q":"a"} is forbidden: exceeded the cluster's metric series limit: 2 (NODELESS_METRIC_SERIES_PER_CLUSTER)`));
  });
});

/** Every field that takes a manifest or a template shares one size limit, checked before parsing; one request returns at most limits.userErrors. */
describe('manifest sizes and error counts', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let rt: Runtime;
  let accountId: string;
  let clusterId: string;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig({ NODELESS_MAX_MANIFEST_BYTES: '2000', NODELESS_MAX_USER_ERRORS: '3' }), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    accountId = (await createAccount(rt.svc, { name: 'sized' })).account!.id;
    clusterId = (await createCluster(rt.svc, accountId, { name: 'sized', region: 'ap-guangzhou' })).cluster!.id;
    await store.prisma.cluster.update({ where: { id: clusterId }, data: { status: 'RUNNING' } });
    await store.prisma.namespace.create({ data: { id: crypto.randomUUID(), uid: crypto.randomUUID(), clusterId, name: 'default' } });
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  const padded = (text: string, bytes: number) => `${text}#${'x'.repeat(bytes - Buffer.byteLength(text) - 2)}\n`;
  const HPA = hpa('web');
  const TEMPLATE = { spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  const templateOf = (bytes: number) => ({ ...TEMPLATE, metadata: { annotations: { note: 'x'.repeat(bytes - JSON.stringify({ ...TEMPLATE, metadata: { annotations: { note: '' } } }).length) } } });

  it.each([
    { name: 'applyManifest(manifest:)', run: (bytes: number) => applyManifest(rt.svc, accountId, { clusterId, manifest: padded(nginxDeployment(1, 'web'), bytes) }), field: ['manifest'] },
    { name: 'simulateAutoscaler(manifest:)', run: async (bytes: number) => simulateAutoscalerTimeline(rt.svc, { manifest: padded(HPA, bytes), currentReplicas: 1, metricsTimeline: [{ at: 0, values: ['50'] }] }), field: ['manifest'] },
    { name: 'priceQuote(template:), as JSON', run: (bytes: number) => priceQuote(rt.svc, { region: 'ap-guangzhou', template: templateOf(bytes), replicas: 1, hours: 1 }), field: ['template'] },
  ])('$name takes up to NODELESS_MAX_MANIFEST_BYTES and refuses one byte more at the field', async ({ run, field }) => {
    expect((await run(2000)).userErrors).toEqual([]);
    const over = await run(2001);
    expect(over.userErrors).toEqual([{ field, code: 'TOO_LARGE', message: `${field[0]}: Too long: 2001 bytes; at most 2000 bytes (NODELESS_MAX_MANIFEST_BYTES)` }]);
  });

  it('writes nothing for a manifest over the size', async () => {
    expect(await store.prisma.workload.count({ where: { clusterId, name: 'web' } })).toBe(1); // from the accepted one above
    await applyManifest(rt.svc, accountId, { clusterId, manifest: padded(nginxDeployment(1, 'big'), 2001) });
    expect(await store.prisma.workload.count({ where: { clusterId, name: 'big' } })).toBe(0);
  });

  it.each([
    {
      name: 'applyManifest',
      run: () => applyManifest(rt.svc, accountId, { clusterId, manifest: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { 'a!': 'v', 'b!': 'v', 'c!': 'v', 'd!': 'v', 'e!': 'v' } } }) }),
      omitted: 2,
    },
    {
      name: 'reportPodMetrics',
      run: () => reportPodMetrics(rt.svc, accountId, { clusterId, namespace: 'default', pods: Array.from({ length: 10 }, (_, i) => ({ name: `p${i}`, cpu: 'lots', memory: '1Mi' })) }),
      omitted: 7,
    },
    {
      name: 'setAutoscaler',
      run: () => setAutoscaler(rt.svc, accountId, { clusterId, namespace: 'default', name: 'h', labels: { 'a!': 'v', 'b!': 'v', 'c!': 'v', 'd!': 'v' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 } }),
      omitted: 1,
    },
    {
      name: 'priceQuote',
      run: () => priceQuote(rt.svc, { region: 'ap-guangzhou', template: { spec: { containers: [1, 2, 3, 4, 5].map((i) => ({ name: `c${i}`, image: 'x', resources: { requests: { cpu: 'lots' } } })) } }, replicas: 1, hours: 1 }),
      omitted: 2,
    },
  ])('$name returns at most NODELESS_MAX_USER_ERRORS userErrors, then one entry counting the rest', async ({ run, omitted }) => {
    const { userErrors } = await run();
    expect(userErrors).toHaveLength(4);
    expect(userErrors.slice(0, 3).every((e) => e.code !== 'TOO_MANY_ERRORS')).toBe(true);
    expect(userErrors[3]).toEqual({ field: [], code: 'TOO_MANY_ERRORS', message: `… and ${omitted} more ${omitted === 1 ? 'error' : 'errors'}` });
  });

  it('refuses a StatefulSet volume claim of 1e30 bytes at its storage, and writes nothing', async () => {
    const sts = `apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels: { app: db }\n  template:\n    metadata:\n      labels: { app: db }\n    spec:\n      containers: [{ name: db, image: postgres }]\n  volumeClaimTemplates:\n  - metadata: { name: data }\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: "1e30"\n`;
    const r = await applyManifest(rt.svc, accountId, { clusterId, manifest: sts });
    expect(r.userErrors).toEqual([expect.objectContaining({ field: ['manifest', '0', 'spec', 'volumeClaimTemplates', '0', 'spec', 'resources', 'requests', 'storage'], code: 'TOO_LARGE' })]);
    expect(await store.prisma.workload.count({ where: { clusterId, name: 'db' } })).toBe(0);
    expect((await applyManifest(rt.svc, accountId, { clusterId, manifest: sts.replace('"1e30"', '"8Pi"') })).userErrors).toEqual([]);
  });
});
