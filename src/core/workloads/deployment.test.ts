import { describe, expect, it } from 'vitest';
import { podTemplateHash } from '../pods';
import {
  maxSurgeAndUnavailable,
  resolveIntOrPercent,
  rollbackTemplate,
  syncDeployment,
  type DeploymentInput,
  type DeploymentSyncResult,
  type ReplicaSetInfo,
} from './deployment';
import { syncReplicaSet } from './replicaset';
import type { DeploymentSpec, PodTemplate } from './specs';
import { isActive, isAvailable, type PodInfo } from './types';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function template(image: string): PodTemplate {
  return {
    metadata: { labels: { app: 'web' }, annotations: {} },
    spec: { containers: [{ name: 'web', image }], restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
  };
}

function dspec(over: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    replicas: 10,
    selector: { matchLabels: { app: 'web' } },
    template: template('nginx:1.24'),
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    minReadySeconds: 0,
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
    paused: false,
    ...over,
  };
}

/** A tiny deterministic PRNG so the interleavings are reproducible. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface SimRS {
  info: ReplicaSetInfo;
  pods: PodInfo[];
}

/**
 * A toy cluster: the Deployment, its ReplicaSets (driven by syncReplicaSet) and their pods,
 * which become ready and go away when the test says so.
 */
class Sim {
  d: DeploymentInput;
  rss: SimRS[] = [];
  now = T0;
  seq = 0;
  events: string[] = [];
  last!: DeploymentSyncResult;

  constructor(spec: DeploymentSpec) {
    this.d = { name: 'web', namespace: 'default', generation: 1, spec, status: {}, annotations: {}, createdAt: new Date(T0) };
  }

  update(f: (s: DeploymentSpec) => void): void {
    f(this.d.spec);
    this.d.generation += 1;
  }

  syncDeployment(): DeploymentSyncResult {
    const r = syncDeployment(structuredClone(this.d), this.rss.map((x) => structuredClone(x.info)), this.now);
    for (const c of r.createReplicaSets) {
      this.rss.push({
        info: {
          id: `rs-${++this.seq}`,
          name: c.name,
          templateHash: c.templateHash,
          revision: Number(c.annotations['deployment.kubernetes.io/revision']),
          spec: structuredClone(c.spec),
          status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 },
          annotations: { ...c.annotations },
          createdAt: new Date(this.now),
          podCount: 0,
        },
        pods: [],
      });
    }
    for (const u of r.updateReplicaSets) {
      const rs = this.rss.find((x) => x.info.id === u.id)!;
      if (u.replicas !== undefined) rs.info.spec.replicas = u.replicas;
      if (u.annotations) {
        rs.info.annotations = { ...u.annotations };
        rs.info.revision = Number(u.annotations['deployment.kubernetes.io/revision'] ?? 0);
      }
      if (u.minReadySeconds !== undefined) rs.info.spec.minReadySeconds = u.minReadySeconds;
    }
    for (const del of r.deleteReplicaSets) this.rss = this.rss.filter((x) => x.info.id !== del.id);
    if (r.annotations) this.d.annotations = r.annotations;
    this.d.status = r.status;
    this.events.push(...r.events.map((e) => e.message));
    this.last = r;
    return r;
  }

  /** Runs every ReplicaSet controller until nothing changes (so their statuses are fresh). */
  syncReplicaSets(removeDeletedAtOnce = false): void {
    for (let round = 0; round < 5; round++) {
      let changed = false;
      for (const rs of this.rss) {
        const r = syncReplicaSet(
          { name: rs.info.name, namespace: 'default', generation: 1, spec: rs.info.spec, status: {} },
          rs.pods,
          this.now,
        );
        for (const c of r.createPods) {
          const id = `pod-${++this.seq}`;
          rs.pods.push({
            id,
            name: `${c.generateName}${id}`,
            labels: c.labels,
            templateHash: c.templateHash,
            index: null,
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
        for (const del of r.deletePods) {
          if (removeDeletedAtOnce) rs.pods = rs.pods.filter((p) => p.id !== del.id);
          else rs.pods.find((p) => p.id === del.id)!.deletionTimestamp = new Date(this.now);
        }
        rs.info.status = { replicas: r.status.replicas, readyReplicas: r.status.readyReplicas, availableReplicas: r.status.availableReplicas };
        rs.info.podCount = rs.pods.length;
        if (r.createPods.length + r.deletePods.length > 0) changed = true;
      }
      if (!changed) return;
    }
  }

  /** Some pending pods start and turn ready, some terminating pods go away. */
  progress(rand: () => number, pReady = 0.5, pGone = 0.5): void {
    for (const rs of this.rss) {
      for (const p of rs.pods) {
        if (isActive(p) && !p.ready && rand() < pReady) Object.assign(p, { phase: 'Running', scheduled: true, ready: true, readySince: new Date(this.now) });
      }
      rs.pods = rs.pods.filter((p) => p.deletionTimestamp === null || rand() >= pGone);
      rs.info.podCount = rs.pods.length;
    }
  }

  allReady(): void {
    this.progress(() => 0, 1, 1);
  }

  /** Repeats deployment sync / ReplicaSet sync / pods progress until nothing changes. */
  settle(): void {
    for (let i = 0; i < 50; i++) {
      const r = this.syncDeployment();
      this.syncReplicaSets();
      this.allReady();
      this.syncReplicaSets();
      this.now += 1000;
      if (r.createReplicaSets.length + r.updateReplicaSets.length + r.deleteReplicaSets.length === 0 && this.done()) return;
    }
    throw new Error('did not settle');
  }

  done(): boolean {
    const s = this.d.status;
    const r = this.d.spec.replicas;
    return s.availableReplicas === r && s.replicas === r && s.updatedReplicas === r;
  }

  rs(hash: string): SimRS {
    return this.rss.find((x) => x.info.templateHash === hash)!;
  }

  activePods(): number {
    return this.rss.reduce((n, rs) => n + rs.pods.filter(isActive).length, 0);
  }

  allPods(): number {
    return this.rss.reduce((n, rs) => n + rs.pods.length, 0);
  }

  availablePods(): number {
    return this.rss.reduce((n, rs) => n + rs.pods.filter((p) => isActive(p) && isAvailable(p, this.d.spec.minReadySeconds, this.now)).length, 0);
  }

  condition(type: string) {
    return this.d.status.conditions?.find((c) => c.type === type);
  }
}

const v1 = template('nginx:1.24');
const v2 = template('nginx:1.25');
const h1 = podTemplateHash(v1);
const h2 = podTemplateHash(v2);

describe('int-or-percent and fenceposts', () => {
  const table: { v: number | string; total: number; up: number; down: number }[] = [
    { v: '25%', total: 10, up: 3, down: 2 },
    { v: '25%', total: 4, up: 1, down: 1 },
    { v: '25%', total: 1, up: 1, down: 0 },
    { v: '50%', total: 5, up: 3, down: 2 },
    { v: '100%', total: 7, up: 7, down: 7 },
    { v: '0%', total: 10, up: 0, down: 0 },
    { v: 3, total: 10, up: 3, down: 3 },
    { v: '2', total: 10, up: 2, down: 2 },
  ];
  for (const row of table) {
    it(`resolves ${JSON.stringify(row.v)} of ${row.total} to ${row.up} rounding up and ${row.down} rounding down`, () => {
      expect(resolveIntOrPercent(row.v, row.total, true)).toBe(row.up);
      expect(resolveIntOrPercent(row.v, row.total, false)).toBe(row.down);
    });
  }

  const fence: { surge: number | string; unavailable: number | string; replicas: number; want: [number, number] }[] = [
    { surge: '25%', unavailable: '25%', replicas: 10, want: [3, 2] },
    { surge: '25%', unavailable: '25%', replicas: 1, want: [1, 0] },
    { surge: 0, unavailable: 0, replicas: 5, want: [0, 1] },
    { surge: '0%', unavailable: '10%', replicas: 5, want: [0, 1] },
    { surge: 1, unavailable: 0, replicas: 3, want: [1, 0] },
  ];
  for (const row of fence) {
    it(`resolves surge ${row.surge} / unavailable ${row.unavailable} of ${row.replicas} to ${row.want.join(' / ')}`, () => {
      const spec = dspec({ replicas: row.replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: row.surge, maxUnavailable: row.unavailable } } });
      expect(maxSurgeAndUnavailable(spec)).toEqual({ maxSurge: row.want[0], maxUnavailable: row.want[1] });
    });
  }

  it('gives Recreate no surge and no unavailability budget', () => {
    expect(maxSurgeAndUnavailable(dspec({ strategy: { type: 'Recreate' } }))).toEqual({ maxSurge: 0, maxUnavailable: 0 });
  });
});

describe('a new Deployment', () => {
  it('creates its first ReplicaSet with the hash label, the annotations, the full size and an event', () => {
    const sim = new Sim(dspec());
    const r = sim.syncDeployment();
    expect(r.createReplicaSets).toHaveLength(1);
    const c = r.createReplicaSets[0];
    expect(c.name).toBe(`web-${h1}`);
    expect(c.templateHash).toBe(h1);
    expect(c.spec.replicas).toBe(10);
    expect(c.spec.template.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': h1 });
    expect(c.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': h1 });
    expect(c.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '10',
      'deployment.kubernetes.io/max-replicas': '13',
    });
    expect(r.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1' });
    expect(r.events).toEqual([{ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set web-${h1} to 10` }]);
    expect(sim.condition('Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${h1}"` });
    expect(sim.condition('Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    expect(r.status).toMatchObject({ observedGeneration: 1, replicas: 0, updatedReplicas: 0, availableReplicas: 0, unavailableReplicas: 10 });
    expect(r.requeueAfterMs).toBe(600_000);
  });

  it('copies user annotations (change-cause) onto its ReplicaSet but not kubectl’s last-applied', () => {
    const sim = new Sim(dspec());
    sim.d.annotations = { 'kubernetes.io/change-cause': 'v1', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const r = sim.syncDeployment();
    expect(r.createReplicaSets[0].annotations['kubernetes.io/change-cause']).toBe('v1');
    expect(r.createReplicaSets[0].annotations['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
  });

  it('becomes Available and reports NewReplicaSetAvailable once every pod is available', () => {
    const sim = new Sim(dspec());
    sim.settle();
    expect(sim.d.status).toMatchObject({ replicas: 10, updatedReplicas: 10, readyReplicas: 10, availableReplicas: 10, unavailableReplicas: 0 });
    expect(sim.condition('Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(sim.condition('Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${h1}" has successfully progressed.` });
    expect(sim.last.requeueAfterMs).toBeNull();
  });
});

describe('a rolling update of 10 replicas with maxSurge 25% and maxUnavailable 25%', () => {
  it('starts by surging 3 new pods, then scales the old ReplicaSet down by 2', () => {
    const sim = new Sim(dspec());
    sim.settle();
    sim.events = [];
    sim.update((s) => (s.template = v2));
    const first = sim.syncDeployment();
    expect(first.createReplicaSets.map((c) => [c.name, c.spec.replicas, c.annotations['deployment.kubernetes.io/revision']])).toEqual([[`web-${h2}`, 3, '2']]);
    expect(first.annotations).toEqual({ 'deployment.kubernetes.io/revision': '2' });
    // The new ReplicaSet is already at its size, so the same sync goes on to the old one:
    // 13 - 8 (minimum available) - 3 (new, not yet available) = 2 may go.
    expect(first.updateReplicaSets).toEqual([{ id: sim.rs(h1).info.id, replicas: 8 }]);
    expect(sim.events).toEqual([`Scaled up replica set web-${h2} to 3`, `Scaled down replica set web-${h1} to 8`]);
    sim.syncReplicaSets();
    const second = sim.syncDeployment();
    expect(second.updateReplicaSets).toEqual([{ id: sim.rs(h2).info.id, replicas: 5 }]);
    expect(sim.events.slice(2)).toEqual([`Scaled up replica set web-${h2} to 5`]);
  });

  for (const seed of [1, 7, 42, 2024]) {
    for (const atOnce of [false, true]) {
      it(`keeps ≤ 13 pods and ≥ 8 available at every step and converges (seed ${seed}${atOnce ? ', deleted pods vanish at once' : ''})`, () => {
        const sim = new Sim(dspec());
        sim.settle();
        sim.update((s) => (s.template = v2));
        const rand = lcg(seed);
        const check = (where: string) => {
          const pods = atOnce ? sim.allPods() : sim.activePods();
          expect(pods, `pods ${where}`).toBeLessThanOrEqual(13);
          expect(sim.availablePods(), `available ${where}`).toBeGreaterThanOrEqual(8);
          const specTotal = sim.rss.reduce((n, rs) => n + rs.info.spec.replicas, 0);
          expect(specTotal, `ReplicaSet sizes ${where}`).toBeLessThanOrEqual(13);
        };
        let steps = 0;
        for (; steps < 300; steps++) {
          sim.syncDeployment();
          check(`after deployment sync ${steps}`);
          sim.syncReplicaSets(atOnce);
          check(`after replica set sync ${steps}`);
          sim.progress(rand, 0.3, 0.4);
          check(`after pods progressed ${steps}`);
          sim.syncReplicaSets(atOnce);
          sim.now += 1000;
          const n = sim.rs(h2);
          const o = sim.rs(h1);
          if (n.info.spec.replicas === 10 && n.info.status.availableReplicas === 10 && o.info.spec.replicas === 0 && o.pods.length === 0) break;
        }
        expect(steps).toBeLessThan(300);
        sim.syncDeployment();
        expect(sim.d.status).toMatchObject({ replicas: 10, updatedReplicas: 10, availableReplicas: 10, unavailableReplicas: 0 });
        sim.syncDeployment();
        expect(sim.condition('Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${h2}" has successfully progressed.` });
        expect(sim.rs(h1).info.annotations['deployment.kubernetes.io/revision']).toBe('1');
        expect(sim.d.annotations['deployment.kubernetes.io/revision']).toBe('2');
      });
    }
  }

  it('cleans up unhealthy old replicas before touching healthy ones', () => {
    const sim = new Sim(dspec());
    sim.settle();
    // Two old pods crash-loop (not ready): the old ReplicaSet has 8 available of 10.
    for (const p of sim.rs(h1).pods.slice(0, 2)) Object.assign(p, { ready: false, readySince: null });
    sim.syncReplicaSets();
    sim.update((s) => (s.template = v2));
    const r = sim.syncDeployment(); // new RS at 3, then the old ones
    // maxScaledDown = 13 - 8 - 3 = 2: both unhealthy replicas go, nothing healthy (available 8 = minimum).
    expect(r.updateReplicaSets).toEqual([{ id: sim.rs(h1).info.id, replicas: 8 }]);
    sim.syncReplicaSets();
    expect(sim.rs(h1).pods.filter((p) => p.deletionTimestamp !== null).every((p) => !p.ready)).toBe(true);
    expect(sim.availablePods()).toBe(8);
  });
});

describe('scaling without a template change', () => {
  it('scales the only active ReplicaSet directly', () => {
    const sim = new Sim(dspec());
    sim.settle();
    sim.events = [];
    sim.update((s) => (s.replicas = 15));
    const r = sim.syncDeployment();
    expect(r.createReplicaSets).toEqual([]);
    expect(r.updateReplicaSets).toEqual([
      {
        id: sim.rs(h1).info.id,
        replicas: 15,
        annotations: {
          'deployment.kubernetes.io/revision': '1',
          'deployment.kubernetes.io/desired-replicas': '15',
          'deployment.kubernetes.io/max-replicas': '19',
        },
      },
    ]);
    expect(sim.events).toEqual([`Scaled up replica set web-${h1} to 15`]);
    sim.settle();
    expect(sim.d.status.availableReplicas).toBe(15);
  });

  it('scales old and new ReplicaSets proportionally in the middle of a rollout', () => {
    const sim = new Sim(dspec());
    sim.settle();
    sim.update((s) => (s.template = v2));
    sim.syncDeployment(); // new at 3, old at 8
    sim.syncReplicaSets();
    sim.syncDeployment(); // new at 5
    sim.syncReplicaSets();
    expect([sim.rs(h1).info.spec.replicas, sim.rs(h2).info.spec.replicas]).toEqual([8, 5]);
    sim.update((s) => (s.replicas = 20));
    sim.syncDeployment();
    // allowed 20 + 5 = 25: old 8·25/13 ≈ 15, new 5·25/13 ≈ 10.
    expect([sim.rs(h1).info.spec.replicas, sim.rs(h2).info.spec.replicas]).toEqual([15, 10]);
    expect(sim.rs(h1).info.annotations['deployment.kubernetes.io/desired-replicas']).toBe('20');
    expect(sim.rs(h2).info.annotations['deployment.kubernetes.io/max-replicas']).toBe('25');
  });

  it('scales down to zero', () => {
    const sim = new Sim(dspec());
    sim.settle();
    sim.update((s) => (s.replicas = 0));
    const r = sim.syncDeployment();
    expect(r.updateReplicaSets[0].replicas).toBe(0);
    expect(r.events.map((e) => e.message)).toEqual([`Scaled down replica set web-${h1} to 0`]);
  });
});

describe('the Recreate strategy', () => {
  it('scales the old ReplicaSet to 0 and creates the new one only once every old pod is gone', () => {
    const sim = new Sim(dspec({ replicas: 3, strategy: { type: 'Recreate' } }));
    sim.settle();
    sim.events = [];
    sim.update((s) => (s.template = v2));

    const r1 = sim.syncDeployment();
    expect(r1.createReplicaSets).toEqual([]);
    expect(r1.updateReplicaSets).toMatchObject([{ id: sim.rs(h1).info.id, replicas: 0 }]);
    sim.syncReplicaSets();
    expect(sim.rs(h1).pods.every((p) => p.deletionTimestamp !== null)).toBe(true);

    // Old pods are terminating: still no new ReplicaSet.
    const r2 = sim.syncDeployment();
    expect(r2.createReplicaSets).toEqual([]);
    expect(r2.updateReplicaSets).toEqual([]);
    expect(sim.condition('Available')).toMatchObject({ status: 'False' });

    sim.allReady(); // terminating pods go
    sim.syncReplicaSets();
    const r3 = sim.syncDeployment();
    expect(r3.createReplicaSets.map((c) => [c.name, c.spec.replicas])).toEqual([[`web-${h2}`, 3]]);
    expect(sim.events).toEqual([`Scaled down replica set web-${h1} to 0`, `Scaled up replica set web-${h2} to 3`]);
    sim.settle();
    expect(sim.rs(h2).pods.filter(isActive)).toHaveLength(3);
    expect(sim.condition('Progressing')).toMatchObject({ reason: 'NewReplicaSetAvailable' });
  });
});

describe('a paused Deployment', () => {
  it('makes no rollout progress for a template change, then rolls out once resumed', () => {
    const sim = new Sim(dspec({ replicas: 3 }));
    sim.settle();
    sim.update((s) => {
      s.paused = true;
      s.template = v2;
    });
    const r = sim.syncDeployment();
    expect(r.createReplicaSets).toEqual([]);
    expect(r.updateReplicaSets).toEqual([]);
    expect(sim.condition('Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    expect(r.status).toMatchObject({ observedGeneration: 2, replicas: 3, updatedReplicas: 0, availableReplicas: 3 });
    expect(r.requeueAfterMs).toBeNull();

    // Scaling still works while paused.
    sim.update((s) => (s.replicas = 4));
    const scaled = sim.syncDeployment();
    expect(scaled.updateReplicaSets).toMatchObject([{ id: sim.rs(h1).info.id, replicas: 4 }]);
    expect(scaled.createReplicaSets).toEqual([]);

    sim.now += 10 * 60_000; // no deadline while paused
    sim.syncReplicaSets();
    sim.allReady();
    sim.syncReplicaSets();
    sim.syncDeployment();
    expect(sim.condition('Progressing')).toMatchObject({ reason: 'DeploymentPaused' });

    sim.update((s) => (s.paused = false));
    const resumed = sim.syncDeployment();
    expect(resumed.createReplicaSets.map((c) => c.name)).toEqual([`web-${h2}`]);
    expect(sim.condition('Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated' });
    sim.settle();
    expect(sim.rs(h2).info.spec.replicas).toBe(4);
    expect(sim.rs(h1).info.spec.replicas).toBe(0);
  });

  it('holds a rollout where it is and reports DeploymentResumed when resumed', () => {
    const sim = new Sim(dspec());
    sim.settle();
    sim.update((s) => (s.template = v2));
    sim.syncDeployment(); // new at 3, old at 8
    sim.syncReplicaSets();
    sim.syncDeployment(); // new at 5
    sim.syncReplicaSets();
    sim.update((s) => (s.paused = true));
    for (let i = 0; i < 3; i++) {
      const r = sim.syncDeployment();
      expect(r.updateReplicaSets).toEqual([]);
      sim.allReady();
      sim.syncReplicaSets();
      sim.now += 1000;
    }
    expect([sim.rs(h1).info.spec.replicas, sim.rs(h2).info.spec.replicas]).toEqual([8, 5]);
    sim.update((s) => (s.paused = false));
    sim.syncDeployment();
    expect(sim.condition('Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' });
    expect(sim.last.requeueAfterMs).toBe(600_000);
    sim.settle();
    expect([sim.rs(h1).info.spec.replicas, sim.rs(h2).info.spec.replicas]).toEqual([0, 10]);
  });
});

describe('revision history', () => {
  function history(limit: number): Sim {
    const sim = new Sim(dspec({ replicas: 2, revisionHistoryLimit: limit }));
    for (const image of ['a:1', 'a:2', 'a:3', 'a:4', 'a:5']) {
      sim.update((s) => (s.template = template(image)));
      sim.settle();
      sim.now += 1000;
    }
    return sim;
  }

  it('keeps at most revisionHistoryLimit old ReplicaSets, deleting the oldest revisions first', () => {
    const sim = history(2);
    sim.syncDeployment();
    const revisions = sim.rss.map((rs) => rs.info.annotations['deployment.kubernetes.io/revision']).sort();
    expect(revisions).toEqual(['3', '4', '5']);
    expect(sim.d.annotations['deployment.kubernetes.io/revision']).toBe('5');
  });

  it('never deletes an old ReplicaSet that still has pods', () => {
    const sim = new Sim(dspec({ replicas: 1, revisionHistoryLimit: 0 }));
    sim.settle();
    sim.update((s) => (s.template = v2));
    sim.settle();
    // Pretend a terminating pod of the old ReplicaSet is still around.
    const old = sim.rss.find((x) => x.info.templateHash === h1);
    if (old) old.info.podCount = 1;
    const r = sim.syncDeployment();
    expect(r.deleteReplicaSets).toEqual([]);
    if (old) old.info.podCount = 0;
    const r2 = sim.syncDeployment();
    expect(r2.deleteReplicaSets).toEqual([{ id: old!.info.id, name: `web-${h1}` }]);
  });

  it('gives an old ReplicaSet brought back by a rollback the next revision and records its old one', () => {
    const sim = new Sim(dspec({ replicas: 2 }));
    sim.settle();
    sim.update((s) => (s.template = v2));
    sim.settle();
    const t = rollbackTemplate(sim.rss.map((x) => x.info), 0);
    if ('error' in t) throw new Error(t.error);
    expect(t.template).toEqual(v1);
    sim.update((s) => (s.template = t.template));
    const r = sim.syncDeployment();
    expect(r.createReplicaSets).toEqual([]);
    expect(sim.rs(h1).info.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(sim.d.annotations['deployment.kubernetes.io/revision']).toBe('3');
    sim.settle();
    expect(sim.rs(h1).info.spec.replicas).toBe(2);
    expect(sim.rs(h2).info.spec.replicas).toBe(0);
  });
});

describe('rollbackTemplate', () => {
  const sim = new Sim(dspec({ replicas: 1 }));
  for (const image of ['a:1', 'a:2', 'a:3']) {
    sim.update((s) => (s.template = template(image)));
    sim.settle();
  }
  const infos = () => sim.rss.map((x) => x.info);

  it('returns the previous revision’s template without the hash label for revision 0', () => {
    expect(rollbackTemplate(infos(), 0)).toEqual({ template: template('a:2') });
  });
  it('returns a given revision’s template', () => {
    expect(rollbackTemplate(infos(), 1)).toEqual({ template: template('a:1') });
  });
  it('reports a missing revision like kubectl', () => {
    expect(rollbackTemplate(infos(), 7)).toEqual({ error: 'unable to find specified revision 7 in history' });
  });
  it('reports no history when there is only one revision', () => {
    expect(rollbackTemplate(infos().filter((i) => i.revision === 3), 0)).toEqual({ error: 'no rollout history found' });
  });
});

describe('the progress deadline', () => {
  it('requeues for the deadline, times out with ProgressDeadlineExceeded, and recovers on progress', () => {
    const sim = new Sim(dspec({ replicas: 2, progressDeadlineSeconds: 60 }));
    sim.settle();
    sim.update((s) => (s.template = template('nginx:broken')));
    const start = sim.now;
    const r = sim.syncDeployment();
    const name = r.createReplicaSets[0].name;
    expect(r.requeueAfterMs).toBe(60_000);
    expect(sim.condition('Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated', lastUpdateTime: iso(start) });
    sim.syncReplicaSets(); // the new pod is created but never becomes ready
    sim.syncDeployment(); // a new pod counts as progress
    expect(sim.condition('Progressing')).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: iso(start) });

    sim.now = start + 30_000;
    expect(sim.syncDeployment().requeueAfterMs).toBe(30_000);
    expect(sim.condition('Progressing')).toMatchObject({ reason: 'ReplicaSetUpdated', lastUpdateTime: iso(start) });

    sim.now = start + 60_000;
    const timedOut = sim.syncDeployment();
    expect(sim.condition('Progressing')).toEqual({
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${name}" has timed out progressing.`,
      lastUpdateTime: iso(start + 60_000),
      lastTransitionTime: iso(start + 60_000),
    });
    expect(timedOut.requeueAfterMs).toBeNull();
    expect(sim.condition('Available')).toMatchObject({ status: 'True' });

    sim.now = start + 90_000;
    sim.syncDeployment();
    expect(sim.condition('Progressing')?.lastTransitionTime).toBe(iso(start + 60_000));

    // Pods finally become ready: progress again (True), a new transition.
    sim.allReady();
    sim.syncReplicaSets();
    sim.now = start + 100_000;
    sim.syncDeployment();
    expect(sim.condition('Progressing')).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.`, lastTransitionTime: iso(start + 100_000) });
  });

  it('moves lastUpdateTime on progress but keeps lastTransitionTime', () => {
    const sim = new Sim(dspec({ replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    sim.settle();
    const firstTransition = sim.condition('Progressing')!.lastTransitionTime;
    sim.update((s) => (s.template = v2));
    const start = sim.now;
    sim.syncDeployment();
    sim.syncReplicaSets();
    const created = sim.condition('Progressing')!;
    // Still True (NewReplicaSetAvailable → NewReplicaSetCreated): no transition.
    expect(created).toMatchObject({ reason: 'NewReplicaSetCreated', lastUpdateTime: iso(start), lastTransitionTime: firstTransition });
    sim.allReady();
    sim.syncReplicaSets();
    sim.now = start + 5000;
    sim.syncDeployment();
    const progressed = sim.condition('Progressing')!;
    expect(progressed).toMatchObject({ reason: 'ReplicaSetUpdated', lastUpdateTime: iso(start + 5000), lastTransitionTime: firstTransition });
    expect(sim.last.requeueAfterMs).toBe(600_000);
    sim.now = start + 7000;
    sim.syncDeployment(); // nothing changed in between
    expect(sim.condition('Progressing')!.lastUpdateTime).toBe(iso(start + 5000));
    expect(sim.last.requeueAfterMs).toBe(598_000);
  });
});

describe('minReadySeconds', () => {
  it('counts pods as available only after minReadySeconds, via the ReplicaSet status', () => {
    const sim = new Sim(dspec({ replicas: 2, minReadySeconds: 10 }));
    sim.syncDeployment();
    sim.syncReplicaSets();
    expect(sim.rss[0].info.spec.minReadySeconds).toBe(10);
    sim.allReady();
    sim.syncReplicaSets();
    sim.syncDeployment();
    expect(sim.d.status).toMatchObject({ readyReplicas: 2, availableReplicas: 0 });
    expect(sim.condition('Available')).toMatchObject({ status: 'False' });
    sim.now += 10_000;
    sim.syncReplicaSets();
    sim.syncDeployment();
    expect(sim.d.status).toMatchObject({ readyReplicas: 2, availableReplicas: 2 });
    expect(sim.condition('Available')).toMatchObject({ status: 'True' });
  });

  it('copies a changed minReadySeconds onto the current ReplicaSet', () => {
    const sim = new Sim(dspec({ replicas: 2 }));
    sim.settle();
    sim.update((s) => (s.minReadySeconds = 5));
    const r = sim.syncDeployment();
    expect(r.createReplicaSets).toEqual([]);
    expect(r.updateReplicaSets).toEqual([{ id: sim.rs(h1).info.id, minReadySeconds: 5 }]);
  });
});
