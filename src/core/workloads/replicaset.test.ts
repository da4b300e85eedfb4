import { describe, expect, it } from 'vitest';
import { BURST_REPLICAS, rankPodsForDeletion, syncReplicaSet, type ReplicaSetInput } from './replicaset';
import type { ReplicaSetSpec } from './specs';
import type { PodInfo } from './types';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);

function spec(replicas: number, minReadySeconds = 0): ReplicaSetSpec {
  return {
    replicas,
    selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9f' } },
    template: {
      metadata: { labels: { app: 'web', 'pod-template-hash': '5d9f' }, annotations: { team: 'a' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25' }], restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
    },
    minReadySeconds,
  };
}

function rs(replicas: number, minReadySeconds = 0): ReplicaSetInput {
  return { name: 'web-5d9f', namespace: 'default', generation: 4, spec: spec(replicas, minReadySeconds), status: {} };
}

function pod(id: string, over: Partial<PodInfo> = {}): PodInfo {
  return {
    id,
    name: `web-5d9f-${id}`,
    labels: { app: 'web', 'pod-template-hash': '5d9f' },
    templateHash: '5d9f',
    index: null,
    phase: 'Running',
    scheduled: true,
    ready: true,
    readySince: at(-100),
    restartCount: 0,
    createdAt: at(-200),
    finishedAt: null,
    deletionTimestamp: null,
    ...over,
  };
}

const running = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => pod(`${prefix}${i}`));

describe('ReplicaSet scale up', () => {
  it('creates the missing pods from the template with a generated name', () => {
    const r = syncReplicaSet(rs(3), running(1), T0);
    expect(r.createPods).toHaveLength(2);
    expect(r.createPods[0]).toEqual({
      generateName: 'web-5d9f-',
      labels: { app: 'web', 'pod-template-hash': '5d9f' },
      annotations: { team: 'a' },
      spec: spec(3).template.spec,
      templateHash: '5d9f',
      index: null,
    });
    expect(r.deletePods).toEqual([]);
    expect(r.events).toEqual([]);
    expect(r.requeueAfterMs).toBeNull();
  });

  it('creates at most BURST_REPLICAS pods per sync and asks to run again at once', () => {
    const r = syncReplicaSet(rs(300), [], T0);
    expect(r.createPods).toHaveLength(BURST_REPLICAS);
    expect(r.requeueAfterMs).toBe(0);
  });

  it('does not count terminating pods and replaces them', () => {
    const pods = [...running(2), pod('t', { deletionTimestamp: at(-1) })];
    const r = syncReplicaSet(rs(3), pods, T0);
    expect(r.createPods).toHaveLength(1);
    expect(r.deletePods).toEqual([]);
    expect(r.status.replicas).toBe(2);
  });

  it('gives a null templateHash when the template has no pod-template-hash label', () => {
    const input = rs(1);
    delete input.spec.template.metadata.labels['pod-template-hash'];
    expect(syncReplicaSet(input, [], T0).createPods[0].templateHash).toBeNull();
  });
});

describe('ReplicaSet replacing finished pods', () => {
  it('deletes a failed pod and creates a replacement', () => {
    const pods = [...running(2), pod('f', { phase: 'Failed', ready: false, readySince: null, finishedAt: at(-3) })];
    const r = syncReplicaSet(rs(3), pods, T0);
    expect(r.deletePods).toEqual([{ id: 'f', why: 'pod failed' }]);
    expect(r.createPods).toHaveLength(1);
    expect(r.status.replicas).toBe(2);
  });

  it('deletes a succeeded pod too, but not one already terminating', () => {
    const pods = [
      ...running(1),
      pod('s', { phase: 'Succeeded', ready: false, readySince: null }),
      pod('g', { phase: 'Failed', ready: false, readySince: null, deletionTimestamp: at(-1) }),
    ];
    const r = syncReplicaSet(rs(1), pods, T0);
    expect(r.deletePods).toEqual([{ id: 's', why: 'pod failed' }]);
    expect(r.createPods).toEqual([]);
  });
});

describe('ReplicaSet scale down', () => {
  it('deletes the extra pods with the reason', () => {
    const r = syncReplicaSet(rs(2), running(5), T0);
    expect(r.deletePods).toHaveLength(3);
    expect(r.deletePods.every((d) => d.why === 'scaled down to 2')).toBe(true);
    expect(r.createPods).toEqual([]);
  });

  it('deletes at most BURST_REPLICAS pods per sync', () => {
    const r = syncReplicaSet(rs(0), running(260), T0);
    expect(r.deletePods).toHaveLength(BURST_REPLICAS);
    expect(r.requeueAfterMs).toBe(0);
  });

  const table: { name: string; pods: PodInfo[]; first: string }[] = [
    { name: 'an unscheduled pod goes before a scheduled one', pods: [pod('a', { phase: 'Pending', ready: false, readySince: null }), pod('b', { phase: 'Pending', scheduled: false, ready: false, readySince: null })], first: 'b' },
    { name: 'a pending pod goes before an unknown one', pods: [pod('a', { phase: 'Unknown', ready: false }), pod('b', { phase: 'Pending', ready: false, readySince: null })], first: 'b' },
    { name: 'an unknown pod goes before a running one', pods: [pod('a'), pod('b', { phase: 'Unknown', ready: false })], first: 'b' },
    { name: 'a not-ready pod goes before a ready one', pods: [pod('a'), pod('b', { ready: false, readySince: null })], first: 'b' },
    { name: 'a pod ready for less time goes first', pods: [pod('a', { readySince: at(-100) }), pod('b', { readySince: at(-10) })], first: 'b' },
    { name: 'a pod with more restarts goes first', pods: [pod('a', { restartCount: 1 }), pod('b', { restartCount: 4 })], first: 'b' },
    { name: 'the newer of equal pods goes first', pods: [pod('a', { createdAt: at(-50) }), pod('b', { createdAt: at(-5) })], first: 'b' },
    { name: 'identical pods are ordered by id', pods: [pod('b'), pod('a')], first: 'a' },
  ];
  for (const row of table) {
    it(`ranks pods: ${row.name}`, () => {
      expect(rankPodsForDeletion(row.pods)[0].id).toBe(row.first);
      expect(syncReplicaSet(rs(1), row.pods, T0).deletePods).toEqual([{ id: row.first, why: 'scaled down to 1' }]);
    });
  }
});

describe('ReplicaSet status', () => {
  it('counts replicas, fully labeled, ready and available pods and records the generation', () => {
    const pods = [
      pod('a'),
      pod('b', { labels: { app: 'web' } }),
      pod('c', { ready: false, readySince: null, phase: 'Pending' }),
      pod('d', { deletionTimestamp: at(-1) }),
    ];
    const r = syncReplicaSet(rs(3), pods, T0);
    expect(r.status).toEqual({ observedGeneration: 4, replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });

  it('counts a ready pod as available only after minReadySeconds, and requeues for that moment', () => {
    const pods = [pod('a', { readySince: at(-30) }), pod('b', { readySince: at(-4) }), pod('c', { readySince: at(-7) })];
    const r = syncReplicaSet(rs(3, 10), pods, T0);
    expect(r.status.readyReplicas).toBe(3);
    expect(r.status.availableReplicas).toBe(1);
    expect(r.requeueAfterMs).toBe(3000);
    const later = syncReplicaSet(rs(3, 10), pods, T0 + 6000);
    expect(later.status.availableReplicas).toBe(3);
    expect(later.requeueAfterMs).toBeNull();
  });
});
