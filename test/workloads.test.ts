import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { applyManifest } from '../src/app/manifests';
import { deletePod, rollbackWorkload, scaleWorkload } from '../src/app/workloads';
import { createImageCache } from '../src/app/imageCaches';
import type { Services } from '../src/app/services';
import { nginxDeployment } from './support/stack';
import { useDrivenCluster } from './support/driven';

/**
 * Every workload kind through the real controllers, pod loop and simulated sandboxes, on a
 * clock the test drives: rollouts checked step by step against their bounds, StatefulSet
 * ordering and claims, Job back-off, CronJob concurrency, crash loops, graceful deletion and
 * the image cache. Nothing moves until the clock does.
 */
describe('workloads on a driven clock', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 0, 0, 30));
  const c = useDrivenCluster(clock, { name: 'kinds', region: 'ap-guangzhou' });
  let store: Store;
  let svc: Services;
  let accountId: string;
  let clusterId: string;
  beforeAll(() => ({ store, svc, accountId, clusterId } = c));
  const { step, apply } = c;
  const podsOf = (prefix: string) => store.prisma.pod.findMany({ where: { clusterId, name: { startsWith: prefix } }, orderBy: { name: 'asc' } });
  const workload = (kind: string, name: string) => store.prisma.workload.findFirstOrThrow({ where: { clusterId, kind, name } });
  const eventsOf = async (name: string) => (await store.prisma.event.findMany({ where: { clusterId, involvedName: name }, orderBy: { sequence: 'asc' } })).map((e) => `${e.reason}: ${e.message}`);

  it('rolls a 10-replica Deployment to a new image within maxSurge 25 % / maxUnavailable 25 % at every step, then rolls it back', async () => {
    const ready = (image: string) =>
      nginxDeployment(10, 'roll')
        .replace('image: nginx:1.14.2', `image: ${image}\n        readinessProbe:\n          initialDelaySeconds: 3\n          periodSeconds: 1`)
        .replace('app: nginx', 'app: roll')
        .replace(/app: nginx/g, 'app: roll');
    await apply(ready('nginx:1.14.2'));
    await step(3000);
    let d = await workload('Deployment', 'roll');
    expect(d.status).toMatchObject({ replicas: 10, readyReplicas: 10, availableReplicas: 10, updatedReplicas: 10 });
    expect((d.annotations as Record<string, string>)['deployment.kubernetes.io/revision']).toBe('1');

    await apply(ready('nginx:1.16.1'));
    let maxPods = 0;
    let minAvailable = Infinity;
    for (let i = 0; i < 60; i++) {
      const pods = (await podsOf('roll-')).filter((p) => p.deletionTimestamp === null);
      maxPods = Math.max(maxPods, pods.length);
      minAvailable = Math.min(minAvailable, pods.filter((p) => p.ready).length);
      expect(pods.length).toBeLessThanOrEqual(13);
      expect(pods.filter((p) => p.ready).length).toBeGreaterThanOrEqual(8);
      d = await workload('Deployment', 'roll');
      const s = d.status as { updatedReplicas: number; availableReplicas: number; replicas: number };
      if (s.updatedReplicas === 10 && s.availableReplicas === 10 && s.replicas === 10) break;
      await step(1000);
    }
    // the bounds were reached, not just respected
    expect(maxPods).toBe(13);
    expect(minAvailable).toBe(8);
    const sets = await store.prisma.workload.findMany({ where: { ownerId: d.id }, orderBy: { createdAt: 'asc' } });
    expect(sets.map((s) => [(s.annotations as Record<string, string>)['deployment.kubernetes.io/revision'], (s.spec as { replicas: number }).replicas])).toEqual([['1', 0], ['2', 10]]);
    const pods = await podsOf('roll-');
    expect(pods).toHaveLength(10);
    expect(pods.every((p) => p.ownerName === sets[1].name && p.templateHash === sets[1].name.slice('roll-'.length))).toBe(true);
    expect(d.status).toMatchObject({
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
        expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }),
      ]),
    });
    const scaling = (await eventsOf('roll')).filter((e) => e.startsWith('ScalingReplicaSet'));
    expect(scaling[0]).toBe(`ScalingReplicaSet: Scaled up replica set ${sets[0].name} to 10`);
    expect(scaling[1]).toBe(`ScalingReplicaSet: Scaled up replica set ${sets[1].name} to 3`);
    expect(scaling.at(-1)).toBe(`ScalingReplicaSet: Scaled down replica set ${sets[0].name} to 0`);

    const back = await rollbackWorkload(svc, accountId, { clusterId, namespace: 'default', name: 'roll', revision: 1 });
    expect(back.userErrors).toEqual([]);
    for (let i = 0; i < 60; i++) {
      await step(1000);
      const s = (await workload('Deployment', 'roll')).status as { updatedReplicas: number; availableReplicas: number; replicas: number };
      if (s.updatedReplicas === 10 && s.availableReplicas === 10 && s.replicas === 10) break;
    }
    d = await workload('Deployment', 'roll');
    expect((d.annotations as Record<string, string>)['deployment.kubernetes.io/revision']).toBe('3');
    expect((await podsOf('roll-')).every((p) => p.ownerName === sets[0].name)).toBe(true);
    const missing = await rollbackWorkload(svc, accountId, { clusterId, namespace: 'default', name: 'roll', revision: 7 });
    expect(missing.userErrors).toEqual([expect.objectContaining({ field: ['revision'], code: 'NOT_FOUND' })]);
  });

  it('marks a stuck rollout ProgressDeadlineExceeded after progressDeadlineSeconds', async () => {
    const stuck = nginxDeployment(2, 'stuck')
      .replace('replicas: 2', 'replicas: 2\n  progressDeadlineSeconds: 30')
      .replace(/app: nginx/g, 'app: stuck')
      .replace('      labels:\n        app: stuck\n    spec:', '      labels:\n        app: stuck\n      annotations:\n        sim.nodeless.dev/never-ready: "true"\n    spec:');
    await apply(stuck);
    await step(29_000);
    const progressing = async () => ((await workload('Deployment', 'stuck')).status as { conditions: { type: string; status: string; reason: string }[] }).conditions.find((c) => c.type === 'Progressing');
    expect(await progressing()).toMatchObject({ status: 'True' });
    await step(1000);
    expect(await progressing()).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });

  it('runs the web StatefulSet OrderedReady: 0 → 3 one pod at a time, claims per ordinal, 3 → 1 in reverse', async () => {
    await apply(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: www
  serviceName: nginx
  replicas: 3
  template:
    metadata:
      labels:
        app: www
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        readinessProbe:
          initialDelaySeconds: 2
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`);
    const names = async () => (await podsOf('web-')).filter((p) => p.deletionTimestamp === null).map((p) => `${p.name}:${p.ready ? 'ready' : 'not-ready'}`);
    expect(await names()).toEqual(['web-0:not-ready']);
    await step(2000);
    expect(await names()).toEqual(['web-0:ready', 'web-1:not-ready']);
    await step(2000);
    expect(await names()).toEqual(['web-0:ready', 'web-1:ready', 'web-2:not-ready']);
    await step(2000);
    expect(await names()).toEqual(['web-0:ready', 'web-1:ready', 'web-2:ready']);
    const claims = await store.prisma.volumeClaim.findMany({ where: { clusterId }, orderBy: { name: 'asc' } });
    expect(claims.map((c) => [c.name, c.storage, c.storageClassName])).toEqual([['www-web-0', '1Gi', 'standard'], ['www-web-1', '1Gi', 'standard'], ['www-web-2', '1Gi', 'standard']]);
    const web1 = (await podsOf('web-1'))[0];
    expect((web1.spec as { volumes: unknown[] }).volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }]);

    // scale down in reverse, one at a time (the event order below shows it)
    expect((await scaleWorkload(svc, accountId, { clusterId, namespace: 'default', kind: 'StatefulSet', name: 'web', replicas: 1 })).userErrors).toEqual([]);
    await c.converge();
    expect((await podsOf('web-')).map((p) => p.name)).toEqual(['web-0']);
    const events = await eventsOf('web');
    expect(events).toEqual(expect.arrayContaining(['SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success']));
    const podEvents = (await store.prisma.event.findMany({ where: { clusterId, involvedKind: 'Pod', reason: { in: ['SuccessfulCreate', 'SuccessfulDelete'] }, involvedName: { startsWith: 'web-' } }, orderBy: { sequence: 'asc' } })).map((e) => e.message);
    expect(podEvents).toEqual([
      'create Pod web-0 in StatefulSet web successful',
      'create Pod web-1 in StatefulSet web successful',
      'create Pod web-2 in StatefulSet web successful',
      'delete Pod web-2 in StatefulSet web successful',
      'delete Pod web-1 in StatefulSet web successful',
    ]);
    // claims survive, and a re-created pod gets its own back
    expect(await store.prisma.volumeClaim.count({ where: { clusterId } })).toBe(3);
    expect((await scaleWorkload(svc, accountId, { clusterId, namespace: 'default', kind: 'StatefulSet', name: 'web', replicas: 2 })).userErrors).toEqual([]);
    await step(2000);
    expect(((await podsOf('web-1'))[0].spec as { volumes: unknown[] }).volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }]);
    expect(await store.prisma.volumeClaim.count({ where: { clusterId } })).toBe(3);
  });

  it('retries a failing Job with back-off 10 s, 20 s and fails it after backoffLimit 2: exactly 3 pods', async () => {
    const start = clock.now();
    await apply(`apiVersion: batch/v1
kind: Job
metadata:
  name: flaky
spec:
  backoffLimit: 2
  template:
    metadata:
      annotations:
        sim.nodeless.dev/crash-after-ms: "1000"
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox:1.36
`);
    const summary = async () => (await podsOf('flaky-')).map((p) => [p.phase, p.createdAt.getTime() - start]);
    expect(await summary()).toEqual([['Running', 0]]);
    await step(1000); // fails
    expect((await summary()).map((x) => x[0])).toEqual(['Failed']);
    await step(9999);
    expect(await podsOf('flaky-')).toHaveLength(1);
    await step(1); // 10 s after the failure
    expect((await summary()).map((x) => x[1]).sort((a, b) => Number(a) - Number(b))).toEqual([0, 11_000]);
    await step(1000); // second failure
    await step(20_000); // 20 s back-off
    expect(await podsOf('flaky-')).toHaveLength(3);
    await step(1000); // third failure: 3 > backoffLimit 2
    await step(60_000);
    const pods = await podsOf('flaky-');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.phase === 'Failed' && p.finishedAt !== null && p.sandboxId === null)).toBe(true);
    const job = await workload('Job', 'flaky');
    expect(job.status).toMatchObject({ failed: 3, succeeded: 0, active: 0, conditions: expect.arrayContaining([expect.objectContaining({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' })]) });
    expect(await eventsOf('flaky')).toContain('BackoffLimitExceeded: Job has reached the specified backoff limit');
    // every sandbox was released when its pod finished (billing stops there)
    const sandboxes = await store.prisma.simSandbox.findMany({ where: { podUid: { in: pods.map((p) => p.uid) } } });
    expect(sandboxes.every((s) => s.deleteAt !== null)).toBe(true);
  });

  it('completes the pi Job, then removes it ttlSecondsAfterFinished later', async () => {
    await apply(`apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  ttlSecondsAfterFinished: 10
  template:
    metadata:
      annotations:
        sim.nodeless.dev/run-ms: "5000"
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`);
    await step(5000);
    const [pod] = await podsOf('pi-');
    expect(pod).toMatchObject({ phase: 'Succeeded', status: 'Completed', sandboxId: null });
    const job = await workload('Job', 'pi');
    expect(job.status).toMatchObject({ succeeded: 1, active: 0, conditions: expect.arrayContaining([expect.objectContaining({ type: 'Complete', status: 'True' })]) });
    expect(await eventsOf('pi')).toContain('Completed: Job completed');
    await step(9999);
    expect(await store.prisma.workload.count({ where: { clusterId, kind: 'Job', name: 'pi' } })).toBe(1);
    await step(1);
    expect(await store.prisma.workload.count({ where: { clusterId, kind: 'Job', name: 'pi' } })).toBe(0);
    await step(0);
    expect(await podsOf('pi-')).toEqual([]);
  });

  it('skips a Forbid CronJob run while the previous one outlasts its period', async () => {
    // the clock is at hh:mm:30 + whatever earlier tests took; start from the next whole minute
    await step(60_000 - (clock.now() % 60_000) + 1000);
    await apply(`apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            sim.nodeless.dev/run-ms: "90000"
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster']
          restartPolicy: OnFailure
`);
    const jobs = async () => (await store.prisma.workload.findMany({ where: { clusterId, kind: 'Job', name: { startsWith: 'hello-' } }, orderBy: { name: 'asc' } })).map((j) => j.name);
    expect(await jobs()).toEqual([]);
    await step(59_100); // the next minute (the controller wakes 100 ms after a schedule time): first run
    const first = await jobs();
    expect(first).toHaveLength(1);
    expect(first[0]).toBe(`hello-${Math.floor(clock.now() / 60_000)}`);
    await step(60_000); // one minute later: still running (90 s) → skipped
    expect(await jobs()).toEqual(first);
    expect(await eventsOf('hello')).toContain('JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid');
    await step(30_000); // the first run completes
    expect((await workload('Job', first[0])).status).toMatchObject({ succeeded: 1 });
    await step(30_000); // the next minute: runs again
    expect(await jobs()).toHaveLength(2);
    expect(await eventsOf('hello')).toContain(`SawCompletedJob: Saw completed job: ${first[0]}, status: Complete`);
  });

  it('restarts a crashing container with CrashLoopBackOff back-off 10 s, 20 s, 40 s', async () => {
    const crash = nginxDeployment(1, 'crash').replace(/app: nginx/g, 'app: crash').replace('      labels:\n        app: crash\n    spec:', '      labels:\n        app: crash\n      annotations:\n        sim.nodeless.dev/crash-after-ms: "1000"\n    spec:');
    await apply(crash);
    const pod = async () => (await podsOf('crash-'))[0];
    expect(await pod()).toMatchObject({ status: 'Running', restartCount: 0 });
    await step(1000);
    expect(await pod()).toMatchObject({ status: 'CrashLoopBackOff', restartCount: 0, ready: false });
    const last = (await pod()).containerStatuses as { lastState: { terminated?: { exitCode: number; reason: string } } }[];
    expect(last[0].lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    await step(10_000);
    expect(await pod()).toMatchObject({ status: 'Running', restartCount: 1 });
    await step(1000 + 19_999);
    expect(await pod()).toMatchObject({ status: 'CrashLoopBackOff', restartCount: 1 });
    await step(1);
    expect(await pod()).toMatchObject({ status: 'Running', restartCount: 2 });
    const p = await pod();
    const backoffs = (await store.prisma.event.findMany({ where: { clusterId, involvedName: p.name, reason: 'BackOff' } }));
    expect(backoffs).toHaveLength(2);
    expect(backoffs[0]).toMatchObject({ eventType: 'Warning', message: `Back-off restarting failed container nginx in pod ${p.name}_default(${p.uid})` });
  });

  it('deletes a pod gracefully: Terminating until its process exits or the grace period ends', async () => {
    const slowStop = (name: string, stopMs: number, grace: number) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  annotations:\n    sim.nodeless.dev/stop-ms: "${stopMs}"\nspec:\n  terminationGracePeriodSeconds: ${grace}\n  containers:\n  - name: app\n    image: nginx:1.27\n`;
    await apply(`${slowStop('quick-exit', 2000, 30)}---\n${slowStop('stubborn', 600_000, 5)}`);
    expect((await podsOf('quick-exit'))[0].status).toBe('Running');
    for (const name of ['quick-exit', 'stubborn']) expect((await deletePod(svc, accountId, { clusterId, namespace: 'default', name })).userErrors).toEqual([]);
    await c.converge();
    expect((await podsOf('quick-exit'))[0].status).toBe('Terminating');
    await step(1999);
    expect(await podsOf('quick-exit')).toHaveLength(1);
    await step(1);
    expect(await podsOf('quick-exit')).toHaveLength(0); // the process exited after 2 s
    await step(2999);
    expect(await podsOf('stubborn')).toHaveLength(1);
    await step(1);
    expect(await podsOf('stubborn')).toHaveLength(0); // killed at the end of its 5 s grace period
    expect((await deletePod(svc, accountId, { clusterId, namespace: 'default', name: 'stubborn' })).userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
  });

  it('skips the image pull for a cached image', async () => {
    const pulling = (name: string, image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  annotations:\n    sim.nodeless.dev/pull-ms: "30000"\nspec:\n  containers:\n  - name: app\n    image: ${image}\n`;
    await apply(pulling('cold', 'tensorflow/tensorflow:2.17.0'));
    expect((await createImageCache(svc, accountId, { image: 'tensorflow/tensorflow:2.17.0' })).userErrors).toEqual([]);
    expect((await createImageCache(svc, accountId, { image: 'Not An Image!' })).userErrors).toEqual([expect.objectContaining({ field: ['image'], code: 'INVALID_VALUE' })]);
    await apply(pulling('warm', 'tensorflow/tensorflow:2.17.0'));
    await step(50);
    expect((await podsOf('warm'))[0].status).toBe('Running');
    expect((await podsOf('cold'))[0].status).toBe('ContainerCreating');
    await step(29_950);
    expect((await podsOf('cold'))[0].status).toBe('Running');
    expect(await eventsOf('warm')).toContain('Pulled: Successfully pulled image "tensorflow/tensorflow:2.17.0" in 50ms (50ms including waiting)');
  });

  it('runs a bare Pod that exits to Completed and releases its sandbox', async () => {
    await apply(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: once\n  annotations:\n    sim.nodeless.dev/run-ms: "3000"\nspec:\n  restartPolicy: Never\n  containers:\n  - name: app\n    image: busybox:1.36\n`);
    await step(3000);
    const [pod] = await podsOf('once');
    expect(pod).toMatchObject({ phase: 'Succeeded', status: 'Completed', sandboxId: null, ownerKind: null });
    expect(pod.finishedAt!.getTime() - pod.startedAt!.getTime()).toBe(3000);
  });

  it('refuses changes to immutable fields and writes nothing', async () => {
    const before = await store.prisma.workload.findMany({ where: { clusterId }, orderBy: { id: 'asc' } });
    const sts = await applyManifest(svc, accountId, {
      clusterId,
      manifest: `apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: www\n  serviceName: other\n  replicas: 5\n  template:\n    metadata:\n      labels:\n        app: www\n    spec:\n      containers:\n      - name: nginx\n        image: registry.k8s.io/nginx-slim:0.24\n  volumeClaimTemplates:\n  - metadata:\n      name: www\n    spec:\n      accessModes: [ "ReadWriteOnce" ]\n      resources:\n        requests:\n          storage: 1Gi\n---\n${nginxDeployment(1, 'brand-new')}`,
    });
    expect(sts.userErrors).toEqual([expect.objectContaining({ code: 'IMMUTABLE', field: ['manifest', '0', 'spec'], message: expect.stringContaining('serviceName') })]);
    const job = await applyManifest(svc, accountId, { clusterId, manifest: `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: flaky\nspec:\n  backoffLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: work\n        image: busybox:1.37\n` });
    expect(job.userErrors).toEqual([expect.objectContaining({ code: 'IMMUTABLE', field: ['manifest', '0', 'spec', 'template'] })]);
    const after = await store.prisma.workload.findMany({ where: { clusterId }, orderBy: { id: 'asc' } });
    expect(after.map((x) => [x.id, x.resourceVersion])).toEqual(before.map((x) => [x.id, x.resourceVersion]));
  });

  it('refuses a manifest with an unknown field whole, and names a generateName object with a random suffix', async () => {
    const before = await store.prisma.workload.count({ where: { clusterId } });
    const typo = await applyManifest(svc, accountId, { clusterId, manifest: `${nginxDeployment(1, 'typo')}      bogusField: 42\n` });
    expect(typo.userErrors).toEqual([{ code: 'UNKNOWN_FIELD', field: ['manifest', '0', 'spec', 'template', 'spec', 'bogusField'], message: 'unknown field "spec.template.spec.bogusField"' }]);
    expect(await store.prisma.workload.count({ where: { clusterId } })).toBe(before);
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: pi\n        image: perl:5.34\n`;
    const first = await applyManifest(svc, accountId, { clusterId, manifest: job });
    const second = await applyManifest(svc, accountId, { clusterId, manifest: job });
    expect([...first.userErrors, ...second.userErrors]).toEqual([]);
    const names = [first.objects[0].name, second.objects[0].name];
    for (const n of names) expect(n).toMatch(/^pi-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(names[0]).not.toBe(names[1]);
    expect(await store.prisma.workload.count({ where: { clusterId, kind: 'Job', name: { in: names } } })).toBe(2);
  });
});
