import { describe, expect, it } from 'vitest';
import { filter, filterWithout, normalize, preFilter, preScore, releaseFilter, releaseScore, score } from '.';
import { Snapshot } from '../../snapshot';
import { host, placed, pod } from '../../testing';
import { LABEL_HOSTNAME, type LabelSelector, type SchedulingPod, type TopologySpreadConstraint } from '../../types';
import { hasRequirement } from '../nodeaffinity';

const exists = (key: string): LabelSelector => ({ matchLabels: {}, matchExpressions: [{ key, operator: 'Exists', values: [] }] });
const FOO = exists('foo');
const BAR = exists('bar');

function constraint(maxSkew: number, topologyKey: string, when: TopologySpreadConstraint['whenUnsatisfiable'], sel: LabelSelector, minDomains: number | null = null): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable: when, labelSelector: sel, minDomains };
}

interface Node {
  name: string;
  labels: Record<string, string>;
}
interface Existing {
  node: string;
  labels: Record<string, string>;
  namespace?: string;
  terminating?: boolean;
  ownerKey?: string;
}

/** Upstream's four-node layout: node-a, node-b in zone1; node-x, node-y in zone2 (keys "zone", "node"). */
const FOUR: Node[] = ['a', 'b', 'x', 'y'].map((n) => ({ name: `node-${n}`, labels: { zone: n < 'x' ? 'zone1' : 'zone2', node: `node-${n}` } }));
const foo = (node: string, n = 1): Existing[] => Array.from({ length: n }, () => ({ node, labels: { foo: '' } }));

function snapshotOf(nodes: Node[], existing: Existing[]): Snapshot {
  let i = 0;
  return new Snapshot(
    nodes.map((n) =>
      host(n.name, {
        labels: { ...n.labels },
        pods: existing
          .filter((e) => e.node === n.name)
          .map((e) =>
            placed(`p${i++}`, { labels: e.labels, namespace: e.namespace ?? 'default', terminating: e.terminating ?? false, ownerKey: e.ownerKey ?? null }),
          ),
      }),
    ),
  );
}

function filterCodes(p: SchedulingPod, nodes: Node[], existing: Existing[]): Record<string, string> {
  const snap = snapshotOf(nodes, existing);
  const st = preFilter(snap, p, hasRequirement(p))!;
  const out: Record<string, string> = {};
  nodes.forEach((n, h) => (out[n.name] = filter(st, h)?.code ?? 'Success'));
  releaseFilter(snap, st);
  return out;
}

// TestSingleConstraint / TestMultipleConstraints (filtering_test.go).
describe('PodTopologySpread filter (upstream cases)', () => {
  const cases: { name: string; pod: SchedulingPod; nodes?: Node[]; existing: Existing[]; want: Record<string, string> }[] = [
    {
      name: 'no existing pods',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO)] }),
      existing: [],
      want: { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Success' },
    },
    {
      name: "no existing pods, incoming pod doesn't match itself",
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', exists('bar'))] }),
      existing: [],
      want: { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Success' },
    },
    {
      name: 'existing pods in a different namespace do not count',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO)] }),
      existing: [
        { node: 'node-a', labels: { foo: '' }, namespace: 'ns1' },
        { node: 'node-a', labels: { foo: '' }, namespace: 'ns2' },
        ...foo('node-x'),
        ...foo('node-y'),
      ],
      want: { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Unschedulable', 'node-y': 'Unschedulable' },
    },
    {
      name: 'pods spread across zones as 3/3, all nodes fit',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO)] }),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-y', 3)],
      want: { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Success' },
    },
    {
      name: "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO)] }),
      nodes: [FOUR[0], { name: 'node-b', labels: { zon: 'zone1', node: 'node-b' } }, FOUR[2], FOUR[3]],
      existing: [...foo('node-a'), ...foo('node-b'), ...foo('node-x'), ...foo('node-y')],
      want: { 'node-a': 'Success', 'node-b': 'UnschedulableAndUnresolvable', 'node-x': 'Unschedulable', 'node-y': 'Unschedulable' },
    },
    {
      name: "pod cannot be scheduled as all nodes don't have label 'rack'",
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'rack', 'DoNotSchedule', FOO)] }),
      nodes: [FOUR[0], FOUR[2]],
      existing: [],
      want: { 'node-a': 'UnschedulableAndUnresolvable', 'node-x': 'UnschedulableAndUnresolvable' },
    },
    {
      name: 'pods spread across nodes as 2/1/0/3, only node-x fits',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'node', 'DoNotSchedule', FOO)] }),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-y', 3)],
      want: { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Success', 'node-y': 'Unschedulable' },
    },
    {
      name: 'pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(2, 'node', 'DoNotSchedule', FOO)] }),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-y', 3)],
      want: { 'node-a': 'Unschedulable', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Unschedulable' },
    },
    {
      name: "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
      pod: pod('p', { labels: { bar: '' }, topologySpreadConstraints: [constraint(1, 'node', 'DoNotSchedule', FOO)] }),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-y', 3)],
      want: { 'node-a': 'Unschedulable', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Unschedulable' },
    },
    {
      // Only node-a and node-y count (node affinity, Honor): 2/~1~/~0~/3, so node-a fits. The
      // NodeAffinity filter itself is not run here, as upstream's test.
      name: 'incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits',
      pod: pod('p', {
        labels: { foo: '' },
        requiredNodeAffinity: [{ matchExpressions: [{ key: 'node', operator: 'In', values: ['node-a', 'node-y'] }], matchFields: [] }],
        topologySpreadConstraints: [constraint(1, 'node', 'DoNotSchedule', FOO)],
      }),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-y', 3)],
      want: { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Unschedulable' },
    },
    {
      name: 'terminating Pods should be excluded',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'node', 'DoNotSchedule', FOO)] }),
      nodes: [
        { name: 'node-a', labels: { node: 'node-a' } },
        { name: 'node-b', labels: { node: 'node-b' } },
      ],
      existing: [{ node: 'node-a', labels: { foo: '' }, terminating: true }, ...foo('node-b')],
      want: { 'node-a': 'Success', 'node-b': 'Unschedulable' },
    },
    {
      name: 'two Constraints on zone and node, spreads = [3/3, 2/1/0/3]',
      pod: pod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO), constraint(1, 'node', 'DoNotSchedule', FOO)],
      }),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-y', 3)],
      want: { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Success', 'node-y': 'Unschedulable' },
    },
    {
      // minDomains 3 with 2 zones: the global minimum counts as 0, so zone2 (1 pod) + 1 > 1 fails.
      name: 'fewer domains than minDomains make the global minimum 0',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO, 3)] }),
      existing: [...foo('node-a'), ...foo('node-x')],
      want: { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Unschedulable', 'node-y': 'Unschedulable' },
    },
    {
      name: 'the same layout with minDomains 2 lets every node through',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO, 2)] }),
      existing: [...foo('node-a'), ...foo('node-x')],
      want: { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Success' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(filterCodes(c.pod, c.nodes ?? FOUR, c.existing)).toEqual(c.want);
    });
  }

  it('reports kube-scheduler reasons for a skew and for a missing label', () => {
    const p = pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO)] });
    const snap = snapshotOf([FOUR[0], { name: 'node-b', labels: { node: 'node-b' } }, FOUR[2]], foo('node-a', 2));
    const st = preFilter(snap, p, false)!;
    expect(filter(st, 0)?.reasons).toEqual(["node(s) didn't match pod topology spread constraints"]);
    expect(filter(st, 1)?.reasons).toEqual(["node(s) didn't match pod topology spread constraints (missing required label)"]);
    expect(filter(st, 2)).toBeNull();
  });

  it('re-evaluates a host with some of its pods removed (preemption dry run), global minimum included', () => {
    // zone1 holds 2 matching pods on node-a, zone2 holds 1: node-a is 2 + 1 − 1 > 1.
    const p = pod('p', { labels: { foo: '' }, topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO)] });
    const snap = snapshotOf(FOUR, [...foo('node-a', 2), ...foo('node-x')]);
    const st = preFilter(snap, p, false)!;
    expect(filter(st, 0)?.code).toBe('Unschedulable');
    const [a1, a2] = snap.hosts[0].pods;
    expect(filterWithout(st, 0, new Set([a1]))).toBeNull();
    // Removing both leaves zone1 at 0, now the minimum: 0 + 1 − 0 ≤ 1.
    expect(filterWithout(st, 0, new Set([a1, a2]))).toBeNull();
    // On zone2 removing its only pod makes it the minimum (0) while zone1 still has 2: 0 + 1 − 0 fits.
    expect(filterWithout(st, 2, new Set(snap.hosts[2].pods))).toBeNull();
  });

  it('skips pods without DoNotSchedule constraints (PreFilter Skip)', () => {
    const snap = snapshotOf(FOUR, []);
    expect(preFilter(snap, pod('p', { topologySpreadConstraints: [constraint(1, 'zone', 'ScheduleAnyway', FOO)] }), false)).toBeNull();
  });
});

function scores(p: SchedulingPod, nodes: Node[], existing: Existing[], candidates: string[]): Record<string, number> {
  const snap = snapshotOf(nodes, existing);
  const F = Int32Array.from(candidates.map((c) => nodes.findIndex((n) => n.name === c)));
  const st = preScore(snap, p, hasRequirement(p), F, F.length)!;
  const out = new Float64Array(F.length);
  score(st, F, F.length, out);
  releaseScore(snap, st);
  normalize(out, F.length);
  return Object.fromEntries(candidates.map((c, j) => [c, out[j]]));
}

const hostNodes = (...names: string[]): Node[] => names.map((n) => ({ name: `node-${n}`, labels: { [LABEL_HOSTNAME]: `node-${n}` } }));
const zoneNodes = (...names: string[]): Node[] =>
  names.map((n) => ({ name: `node-${n}`, labels: { zone: n < 'x' ? 'zone1' : 'zone2', [LABEL_HOSTNAME]: `node-${n}` } }));

// TestPodTopologySpreadScore (scoring.go's test): raw = Σ cnt × ln(domains + 2) + maxSkew − 1,
// rounded; normalized 100 × (max + min − raw) / max.
describe('PodTopologySpread score (upstream cases)', () => {
  const soft = (maxSkew: number, key: string, sel: LabelSelector = FOO) => constraint(maxSkew, key, 'ScheduleAnyway', sel);
  const cases: { name: string; pod: SchedulingPod; nodes: Node[]; candidates?: string[]; existing: Existing[]; want: Record<string, number> }[] = [
    {
      name: 'one constraint on node, all nodes have the same number of matching pods',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(1, LABEL_HOSTNAME)] }),
      nodes: hostNodes('a', 'b'),
      existing: [...foo('node-a'), ...foo('node-b')],
      want: { 'node-a': 100, 'node-b': 100 },
    },
    {
      name: 'one constraint on node, all 4 nodes are candidates (2/1/0/3)',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(1, LABEL_HOSTNAME)] }),
      nodes: hostNodes('a', 'b', 'c', 'd'),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-d', 3)],
      want: { 'node-a': 20, 'node-b': 60, 'node-c': 100, 'node-d': 0 },
    },
    {
      name: 'one constraint on node, all 4 nodes are candidates, maxSkew=2',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(2, LABEL_HOSTNAME)] }),
      nodes: hostNodes('a', 'b', 'c', 'd'),
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-d', 3)],
      want: { 'node-a': 33, 'node-b': 66, 'node-c': 100, 'node-d': 16 },
    },
    {
      name: 'one constraint on node, all 4 nodes are candidates, maxSkew=3 (4/3/2/1)',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(3, LABEL_HOSTNAME)] }),
      nodes: hostNodes('a', 'b', 'c', 'd'),
      existing: [...foo('node-a', 4), ...foo('node-b', 3), ...foo('node-c', 2), ...foo('node-d')],
      want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
    },
    {
      // Upstream matches a Service's selector; here the pods share the owner.
      name: "system defaulting, nodes don't have zone, pods of the same owner",
      pod: pod('p', { labels: { foo: '' }, ownerKey: 'rs-1' }),
      nodes: hostNodes('a', 'b', 'c', 'd'),
      existing: [
        ...Array.from({ length: 4 }, () => ({ node: 'node-a', labels: {}, ownerKey: 'rs-1' })),
        ...Array.from({ length: 3 }, () => ({ node: 'node-b', labels: {}, ownerKey: 'rs-1' })),
        ...Array.from({ length: 2 }, () => ({ node: 'node-c', labels: {}, ownerKey: 'rs-1' })),
        { node: 'node-d', labels: {}, ownerKey: 'rs-1' },
        { node: 'node-d', labels: { foo: '' }, ownerKey: 'rs-2' },
      ],
      want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
    },
    {
      name: 'one constraint on node, 3 out of 4 nodes are candidates',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(1, LABEL_HOSTNAME)] }),
      nodes: hostNodes('a', 'b', 'x', 'y'),
      candidates: ['node-a', 'node-b', 'node-x'],
      existing: [...foo('node-a', 4), ...foo('node-b', 2), ...foo('node-x'), ...foo('node-y', 3)],
      want: { 'node-a': 33, 'node-b': 83, 'node-x': 100 },
    },
    {
      name: "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(1, LABEL_HOSTNAME)] }),
      nodes: [...hostNodes('a'), { name: 'node-b', labels: { n: 'node-b' } }, ...hostNodes('x', 'y')],
      candidates: ['node-a', 'node-b', 'node-x'],
      existing: [...foo('node-a', 4), ...foo('node-b', 2), ...foo('node-x'), ...foo('node-y', 3)],
      want: { 'node-a': 16, 'node-b': 0, 'node-x': 100 },
    },
    {
      name: 'one constraint on zone, 3 out of 4 nodes are candidates',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(1, 'zone')] }),
      nodes: zoneNodes('a', 'b', 'x', 'y'),
      candidates: ['node-a', 'node-b', 'node-x'],
      existing: [...foo('node-a', 4), ...foo('node-b', 2), ...foo('node-x'), ...foo('node-y', 3)],
      want: { 'node-a': 75, 'node-b': 75, 'node-x': 100 },
    },
    {
      name: 'two Constraints on zone and node, 2 out of 4 nodes are candidates',
      pod: pod('p', { labels: { foo: '' }, topologySpreadConstraints: [soft(1, 'zone'), soft(1, LABEL_HOSTNAME)] }),
      nodes: zoneNodes('a', 'b', 'x', 'y'),
      candidates: ['node-a', 'node-x'],
      existing: [...foo('node-a', 2), ...foo('node-b'), ...foo('node-x', 2), ...foo('node-y', 4)],
      want: { 'node-a': 100, 'node-x': 63 },
    },
    {
      name: 'two Constraints on zone and node, with different labelSelectors',
      pod: pod('p', { labels: { foo: '', bar: '' }, topologySpreadConstraints: [soft(1, 'zone', FOO), soft(1, LABEL_HOSTNAME, BAR)] }),
      nodes: zoneNodes('a', 'b', 'x', 'y'),
      existing: [
        { node: 'node-a', labels: { foo: '' } },
        { node: 'node-b', labels: { foo: '', bar: '' } },
        { node: 'node-y', labels: { foo: '' } },
        { node: 'node-y', labels: { bar: '' } },
      ],
      want: { 'node-a': 60, 'node-b': 20, 'node-x': 100, 'node-y': 60 },
    },
    {
      name: 'two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods',
      pod: pod('p', { labels: { foo: '', bar: '' }, topologySpreadConstraints: [soft(1, 'zone', FOO), soft(1, LABEL_HOSTNAME, BAR)] }),
      nodes: zoneNodes('a', 'b', 'x', 'y'),
      existing: [
        { node: 'node-b', labels: { bar: '' } },
        { node: 'node-x', labels: { foo: '' } },
        { node: 'node-y', labels: { foo: '', bar: '' } },
      ],
      want: { 'node-a': 100, 'node-b': 60, 'node-x': 40, 'node-y': 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(scores(c.pod, c.nodes, c.existing, c.candidates ?? c.nodes.map((n) => n.name))).toEqual(c.want);
    });
  }

  it('skips a pod with neither soft constraints nor an owner', () => {
    const snap = snapshotOf(hostNodes('a'), []);
    expect(preScore(snap, pod('p'), false, Int32Array.of(0), 1)).toBeNull();
    expect(preScore(snap, pod('p', { topologySpreadConstraints: [constraint(1, 'zone', 'DoNotSchedule', FOO)] }), false, Int32Array.of(0), 1)).toBeNull();
  });
});
