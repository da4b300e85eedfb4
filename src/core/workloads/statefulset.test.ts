import { describe, expect, it } from 'vitest';
import type { StatefulSetSpec } from './specs';
import { revisionName, syncStatefulSet, type StatefulSetStatus, type StatefulSetSyncResult } from './statefulset';
import type { PodInfo } from './types';

const T0 = Date.UTC(2025, 0, 1);

function makeSpec(over: Partial<StatefulSetSpec> = {}): StatefulSetSpec {
  return {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' }, annotations: { note: 'x' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }], restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
    },
    serviceName: 'nginx',
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    volumeClaimTemplates: [
      { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } } },
    ],
    minReadySeconds: 0,
    revisionHistoryLimit: 10,
    ...over,
  };
}

const withImage = (spec: StatefulSetSpec, image: string): StatefulSetSpec => ({
  ...spec,
  template: { ...spec.template, spec: { ...spec.template.spec, containers: [{ name: 'nginx', image }] } },
});

/**
 * A tiny fake cluster: applies a sync's writes the way the I/O layer does (created pods start
 * Pending, deleted pods turn Terminating), and lets a test move pods along.
 */
class World {
  pods: PodInfo[] = [];
  claims: string[] = [];
  status: Partial<StatefulSetStatus> = {};
  now = T0;
  generation = 1;
  private ids = 0;
  constructor(public spec: StatefulSetSpec, public name = 'web') {}

  sync(): StatefulSetSyncResult {
    const r = syncStatefulSet({ name: this.name, namespace: 'default', generation: this.generation, spec: this.spec, status: this.status }, this.pods, this.claims, this.now);
    for (const c of r.createClaims) this.claims.push(c.name);
    for (const d of r.deletePods) this.pod(d.id, 'id').deletionTimestamp = new Date(this.now);
    for (const c of r.createPods) {
      this.pods.push({
        id: `p${++this.ids}`,
        name: c.name!,
        labels: c.labels,
        templateHash: c.templateHash,
        index: c.index,
        phase: 'Pending',
        scheduled: false,
        ready: false,
        readySince: null,
        restartCount: 0,
        createdAt: new Date(this.now),
        finishedAt: null,
        deletionTimestamp: null,
      });
    }
    this.status = r.status;
    return r;
  }

  pod(key: string, by: 'name' | 'id' = 'name'): PodInfo {
    const p = by === 'id'
      ? this.pods.find((x) => x.id === key)
      : (this.pods.find((x) => x.name === key && x.deletionTimestamp === null) ?? this.pods.find((x) => x.name === key));
    if (!p) throw new Error(`no pod ${key}`);
    return p;
  }

  /** The pod is Running; Ready too unless told otherwise. */
  run(name: string, ready = true): void {
    Object.assign(this.pod(name), { phase: 'Running', scheduled: true, ready, readySince: ready ? new Date(this.now) : null });
  }

  fail(name: string): void {
    Object.assign(this.pod(name), { phase: 'Failed', ready: false, readySince: null, finishedAt: new Date(this.now) });
  }

  /** A terminating pod's sandbox stopped: it is gone. */
  gone(name: string): void {
    const p = this.pods.find((x) => x.name === name && x.deletionTimestamp !== null);
    if (!p) throw new Error(`${name} is not terminating`);
    this.pods = this.pods.filter((x) => x !== p);
  }

  userDelete(name: string): void {
    this.pod(name).deletionTimestamp = new Date(this.now);
  }

  names(): string[] {
    return this.pods.filter((p) => p.deletionTimestamp === null).map((p) => p.name).sort();
  }
}

/** What a sync did, in names: pods created, pods deleted, claims created. */
function did(w: World, r: StatefulSetSyncResult) {
  return {
    created: r.createPods.map((p) => p.name),
    deleted: r.deletePods.map((d) => w.pods.find((p) => p.id === d.id)!.name),
    claims: r.createClaims.map((c) => c.name),
  };
}

type Step = { name: string; act?: (w: World) => void; created?: string[]; deleted?: string[]; claims?: string[]; check?: (w: World, r: StatefulSetSyncResult) => void };

function scenario(title: string, spec: StatefulSetSpec, steps: Step[]) {
  describe(title, () => {
    const w = new World(spec);
    for (const s of steps) {
      it(s.name, () => {
        s.act?.(w);
        const r = w.sync();
        const d = did(w, r);
        expect(d.created).toEqual(s.created ?? []);
        expect(d.deleted).toEqual(s.deleted ?? []);
        expect(d.claims).toEqual(s.claims ?? []);
        s.check?.(w, r);
      });
    }
  });
}

describe('revision name', () => {
  const table = [
    { name: 'is the set name and the template hash', a: makeSpec(), b: makeSpec(), same: true },
    { name: 'does not change when only replicas change', a: makeSpec(), b: makeSpec({ replicas: 9 }), same: true },
    { name: 'changes when the image changes', a: makeSpec(), b: withImage(makeSpec(), 'nginx:1.28'), same: false },
  ];
  for (const row of table) {
    it(row.name, () => {
      const a = revisionName({ name: 'web', spec: row.a });
      expect(a).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
      expect(a === revisionName({ name: 'web', spec: row.b })).toBe(row.same);
    });
  }
});

describe('a StatefulSet pod', () => {
  const spec = makeSpec({
    template: {
      metadata: { labels: { app: 'nginx' }, annotations: { note: 'x' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx:1.27' }],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        volumes: [{ name: 'www', emptyDir: {} }, { name: 'config', configMap: { name: 'c' } }],
      },
    },
  });
  const r = syncStatefulSet({ name: 'web', namespace: 'default', generation: 1, spec, status: {} }, [], [], T0);
  const pod = r.createPods[0];
  const rev = revisionName({ name: 'web', spec });
  const table: { name: string; got: () => unknown; want: unknown }[] = [
    { name: 'has the exact name set-ordinal and its ordinal as index', got: () => [pod.name, pod.generateName, pod.index], want: ['web-0', undefined, 0] },
    { name: 'carries the template labels and the identity labels', got: () => pod.labels, want: { app: 'nginx', 'controller-revision-hash': rev, 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' } },
    { name: 'keeps the template annotations', got: () => pod.annotations, want: { note: 'x' } },
    { name: 'records the revision as its template hash', got: () => pod.templateHash, want: rev },
    { name: 'has its own name as hostname and the service as subdomain', got: () => [pod.spec.hostname, pod.spec.subdomain], want: ['web-0', 'nginx'] },
    {
      name: 'mounts its claim in place of the template volume of the same name',
      got: () => pod.spec.volumes,
      want: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }, { name: 'config', configMap: { name: 'c' } }],
    },
    {
      name: 'has its claim created first, labelled with the selector',
      got: () => r.createClaims,
      want: [{ name: 'www-web-0', labels: { app: 'nginx' }, storageClassName: 'standard', accessModes: ['ReadWriteOnce'], storage: '1Gi' }],
    },
    { name: 'has its claim creation recorded as an event', got: () => r.events, want: [{ type: 'Normal', reason: 'SuccessfulCreate', message: 'create Claim www-web-0 Pod web-0 in StatefulSet web success' }] },
    { name: 'does not alter the stored template', got: () => spec.template.spec.volumes?.[0], want: { name: 'www', emptyDir: {} } },
  ];
  for (const row of table) it(row.name, () => expect(row.got()).toEqual(row.want));

  it('has no subdomain when the set has no service name', () => {
    const r2 = syncStatefulSet({ name: 'web', namespace: 'default', generation: 1, spec: makeSpec({ serviceName: '' }), status: {} }, [], [], T0);
    expect(r2.createPods[0].spec).not.toHaveProperty('subdomain');
  });
});

scenario('OrderedReady scaling 0 → 3 → 1', makeSpec(), [
  { name: 'creates only web-0 (and its claim) at first', created: ['web-0'], claims: ['www-web-0'] },
  { name: 'waits while web-0 is Pending', check: (_w, r) => expect(r.status).toMatchObject({ replicas: 1, readyReplicas: 0 }) },
  { name: 'waits while web-0 is Running but not Ready', act: (w) => w.run('web-0', false) },
  { name: 'creates web-1 once web-0 is Running and Ready', act: (w) => w.run('web-0'), created: ['web-1'], claims: ['www-web-1'] },
  { name: 'waits for web-1 before web-2', created: [] },
  { name: 'creates web-2 once web-1 is Running and Ready', act: (w) => w.run('web-1'), created: ['web-2'], claims: ['www-web-2'] },
  {
    name: 'has nothing to do once all three are Running and Ready',
    act: (w) => w.run('web-2'),
    check: (w, r) => {
      expect(w.names()).toEqual(['web-0', 'web-1', 'web-2']);
      expect(r.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, currentReplicas: 3, observedGeneration: 1 });
      expect(r.requeueAfterMs).toBeNull();
    },
  },
  { name: 'terminates the highest ordinal first when scaled to 1', act: (w) => { w.spec = { ...w.spec, replicas: 1 }; w.generation = 2; }, deleted: ['web-2'] },
  { name: 'waits while web-2 is terminating', check: (_w, r) => expect(r.status).toMatchObject({ replicas: 2, observedGeneration: 2 }) },
  { name: 'terminates web-1 once web-2 is gone', act: (w) => w.gone('web-2'), deleted: ['web-1'] },
  { name: 'waits while web-1 is terminating' },
  {
    name: 'ends with web-0 alone, its claims kept',
    act: (w) => w.gone('web-1'),
    check: (w, r) => {
      expect(w.names()).toEqual(['web-0']);
      expect(w.claims).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
      expect(r.status).toMatchObject({ replicas: 1, readyReplicas: 1 });
    },
  },
]);

scenario('OrderedReady scale-down and unhealthy pods', makeSpec(), [
  { name: 'creates web-0', created: ['web-0'], claims: ['www-web-0'] },
  { name: 'creates web-1', act: (w) => w.run('web-0'), created: ['web-1'], claims: ['www-web-1'] },
  { name: 'creates web-2', act: (w) => w.run('web-1'), created: ['web-2'], claims: ['www-web-2'] },
  { name: 'does not terminate web-2 while web-0, which stays, is not Ready', act: (w) => { w.run('web-2'); w.run('web-0', false); w.spec = { ...w.spec, replicas: 2 }; } },
  { name: 'terminates web-2 once web-0 is Ready again', act: (w) => w.run('web-0'), deleted: ['web-2'] },
  { name: 'waits for web-2 to be gone', act: (w) => { w.spec = { ...w.spec, replicas: 3 }; } },
  { name: 'creates web-2 again when scaled back to 3', act: (w) => w.gone('web-2'), created: ['web-2'] },
  { name: 'terminates a Failed top pod, the only unhealthy one, when scaled down', act: (w) => { w.fail('web-2'); w.spec = { ...w.spec, replicas: 2 }; }, deleted: ['web-2'] },
]);

scenario('Parallel scaling', makeSpec({ podManagementPolicy: 'Parallel' }), [
  { name: 'creates every missing pod at once', created: ['web-0', 'web-1', 'web-2'], claims: ['www-web-0', 'www-web-1', 'www-web-2'] },
  { name: 'creates nothing more while they start' },
  { name: 'scales up without waiting for readiness', act: (w) => { w.spec = { ...w.spec, replicas: 5 }; }, created: ['web-3', 'web-4'], claims: ['www-web-3', 'www-web-4'] },
  { name: 'deletes every extra pod at once when scaled down', act: (w) => { w.spec = { ...w.spec, replicas: 2 }; }, deleted: ['web-4', 'web-3', 'web-2'] },
  { name: 'does not delete them twice' },
]);

scenario('claims per ordinal', makeSpec({ podManagementPolicy: 'Parallel', replicas: 2 }), [
  { name: 'are created with the pods', created: ['web-0', 'web-1'], claims: ['www-web-0', 'www-web-1'] },
  { name: 'are kept when the pods are scaled away', act: (w) => { w.spec = { ...w.spec, replicas: 1 }; }, deleted: ['web-1'] },
  { name: 'are not deleted once the pod is gone', act: (w) => w.gone('web-1'), check: (w) => expect(w.claims).toEqual(['www-web-0', 'www-web-1']) },
  {
    name: 'are re-attached, not re-created, when the ordinal comes back',
    act: (w) => { w.spec = { ...w.spec, replicas: 2 }; },
    created: ['web-1'],
    check: (_w, r) => {
      expect(r.createPods[0].spec.volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }]);
      expect(r.events).toEqual([]);
    },
  },
  { name: 'are re-created for a Pending pod whose claim went missing', act: (w) => { w.claims = w.claims.filter((c) => c !== 'www-web-0'); }, claims: ['www-web-0'] },
]);

scenario('failed-pod replacement with OrderedReady', makeSpec({ replicas: 2 }), [
  { name: 'creates web-0', created: ['web-0'], claims: ['www-web-0'] },
  { name: 'creates web-1', act: (w) => w.run('web-0'), created: ['web-1'], claims: ['www-web-1'] },
  { name: 'deletes a Failed web-0', act: (w) => { w.run('web-1'); w.fail('web-0'); }, deleted: ['web-0'] },
  { name: 'waits for the failed pod to be gone (names are stable)' },
  {
    name: 're-creates web-0 under the same name with the same claim',
    act: (w) => w.gone('web-0'),
    created: ['web-0'],
    check: (_w, r) => expect(r.createPods[0].spec.volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]),
  },
]);

scenario('failed-pod replacement with Parallel', makeSpec({ replicas: 2, podManagementPolicy: 'Parallel' }), [
  { name: 'creates both pods', created: ['web-0', 'web-1'], claims: ['www-web-0', 'www-web-1'] },
  { name: 'deletes a Failed web-1 even while web-0 is not Ready', act: (w) => w.fail('web-1'), deleted: ['web-1'] },
  { name: 'does not create web-1 again while the old one terminates' },
  { name: 're-creates web-1 once it is gone', act: (w) => w.gone('web-1'), created: ['web-1'] },
]);

const v2 = withImage(makeSpec(), 'nginx:1.28');
scenario('rolling update with a partition', makeSpec(), [
  { name: 'creates web-0', created: ['web-0'], claims: ['www-web-0'] },
  { name: 'creates web-1', act: (w) => w.run('web-0'), created: ['web-1'], claims: ['www-web-1'] },
  { name: 'creates web-2', act: (w) => w.run('web-1'), created: ['web-2'], claims: ['www-web-2'] },
  {
    name: 'deletes the highest ordinal first when the template changes with partition 1',
    act: (w) => { w.run('web-2'); w.spec = { ...v2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }; },
    deleted: ['web-2'],
    check: (w, r) => {
      const old = revisionName({ name: 'web', spec: makeSpec() });
      expect(r.status).toMatchObject({ currentRevision: old, updateRevision: revisionName({ name: 'web', spec: v2 }), currentReplicas: 3, updatedReplicas: 0 });
    },
  },
  { name: 'waits while web-2 terminates' },
  {
    name: 're-creates web-2 at the update revision',
    act: (w) => w.gone('web-2'),
    created: ['web-2'],
    check: (_w, r) => {
      expect(r.createPods[0].labels['controller-revision-hash']).toBe(revisionName({ name: 'web', spec: v2 }));
      expect(r.createPods[0].spec.containers[0].image).toBe('nginx:1.28');
    },
  },
  { name: 'waits for web-2 to be Running and Ready before the next', act: (w) => w.run('web-2', false) },
  { name: 'deletes web-1 once web-2 is Ready', act: (w) => w.run('web-2'), deleted: ['web-1'] },
  { name: 're-creates web-1 at the update revision', act: (w) => w.gone('web-1'), created: ['web-1'] },
  {
    name: 'leaves web-0, below the partition, at the current revision',
    act: (w) => w.run('web-1'),
    check: (_w, r) => {
      expect(r.status).toMatchObject({ currentRevision: revisionName({ name: 'web', spec: makeSpec() }), currentReplicas: 1, updatedReplicas: 2, readyReplicas: 3 });
    },
  },
  { name: 'updates web-0 when the partition drops to 0', act: (w) => { w.spec = v2; }, deleted: ['web-0'] },
  { name: 're-creates web-0', act: (w) => w.gone('web-0'), created: ['web-0'] },
  {
    name: 'makes the update revision current once every pod is updated and Ready',
    act: (w) => w.run('web-0'),
    check: (_w, r) => {
      const rev = revisionName({ name: 'web', spec: v2 });
      expect(r.status).toMatchObject({ currentRevision: rev, updateRevision: rev, currentReplicas: 3, updatedReplicas: 3 });
    },
  },
]);

scenario('rolling update with Parallel pods', makeSpec({ podManagementPolicy: 'Parallel', replicas: 2 }), [
  { name: 'creates both pods', created: ['web-0', 'web-1'], claims: ['www-web-0', 'www-web-1'] },
  { name: 'does not update while a pod is not Ready', act: (w) => { w.run('web-0'); w.spec = { ...withImage(w.spec, 'nginx:1.28') }; } },
  { name: 'updates one pod at a time, highest first', act: (w) => w.run('web-1'), deleted: ['web-1'] },
  { name: 'does not touch web-0 while web-1 is being replaced', act: (w) => w.gone('web-1'), created: ['web-1'] },
  { name: 'updates web-0 once web-1 is Ready', act: (w) => w.run('web-1'), deleted: ['web-0'] },
]);

scenario('OnDelete updates', makeSpec({ replicas: 1, updateStrategy: { type: 'OnDelete' } }), [
  { name: 'creates web-0', created: ['web-0'], claims: ['www-web-0'] },
  { name: 'never deletes a pod for an update', act: (w) => { w.run('web-0'); w.spec = withImage(w.spec, 'nginx:1.28'); }, check: (_w, r) => expect(r.status.updatedReplicas).toBe(0) },
  { name: 'waits while a pod the user deleted terminates', act: (w) => w.userDelete('web-0') },
  { name: 're-creates it at the update revision', act: (w) => w.gone('web-0'), created: ['web-0'], check: (_w, r) => expect(r.createPods[0].spec.containers[0].image).toBe('nginx:1.28') },
]);

scenario('minReadySeconds', makeSpec({ replicas: 2, minReadySeconds: 10 }), [
  { name: 'creates web-0', created: ['web-0'], claims: ['www-web-0'] },
  {
    name: 'waits for web-0 to be available, and says when to look again',
    act: (w) => { w.run('web-0'); w.now += 4000; },
    check: (_w, r) => {
      expect(r.requeueAfterMs).toBe(6000);
      expect(r.status).toMatchObject({ readyReplicas: 1, availableReplicas: 0 });
    },
  },
  { name: 'creates web-1 once web-0 has been Ready for 10 s', act: (w) => { w.now += 6000; }, created: ['web-1'], claims: ['www-web-1'], check: (_w, r) => expect(r.status.availableReplicas).toBe(1) },
]);

describe('StatefulSet status', () => {
  it('keeps the collision count and the stored current revision', () => {
    const r = syncStatefulSet({ name: 'web', namespace: 'default', generation: 4, spec: makeSpec({ replicas: 0 }), status: { collisionCount: 2, currentRevision: 'web-old' } }, [], [], T0);
    // No pods: every (zero) replica is updated and ready, so the update revision is current.
    expect(r.status).toEqual({
      observedGeneration: 4, replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0, availableReplicas: 0,
      currentRevision: revisionName({ name: 'web', spec: makeSpec() }), updateRevision: revisionName({ name: 'web', spec: makeSpec() }), collisionCount: 2,
    });
  });
});
