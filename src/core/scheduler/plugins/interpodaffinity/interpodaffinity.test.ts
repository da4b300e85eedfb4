import { describe, expect, it } from 'vitest';
import { filter, filterWithout, normalize, preFilter, preScore, score } from '.';
import { Snapshot } from '../../snapshot';
import { host, placed, pod } from '../../testing';
import { LABEL_HOSTNAME, LABEL_ZONE, type PlacedPod, type PodAffinityTerm, type SchedulingPod } from '../../types';

const term = (labels: Record<string, string> | null, topologyKey: string, namespaces: string[] = []): PodAffinityTerm => ({
  labelSelector: labels === null ? null : { matchLabels: labels, matchExpressions: [] },
  namespaces,
  topologyKey,
});

/** h1, h2 in zone z1; h3 in z2; h4 without a zone label. */
function fleet(pods: Record<string, PlacedPod[]>): Snapshot {
  return new Snapshot([
    host('h1', { zone: 'z1', pods: pods.h1 ?? [] }),
    host('h2', { zone: 'z1', pods: pods.h2 ?? [] }),
    host('h3', { zone: 'z2', pods: pods.h3 ?? [] }),
    host('h4', { labels: { [LABEL_HOSTNAME]: 'h4' }, pods: pods.h4 ?? [] }),
  ]);
}

function results(snap: Snapshot, p: SchedulingPod): string[] {
  const st = preFilter(snap, p);
  return snap.hosts.map((h) => {
    const s = st === null ? null : filter(st, h.labels);
    return s === null ? 'ok' : `${s.code}: ${s.reasons[0]}`;
  });
}

const ANTI = "Unschedulable: node(s) didn't match pod anti-affinity rules";
const AFF = "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules";
const EXISTING = "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules";

describe('InterPodAffinity filter', () => {
  const cases: { name: string; pods: Record<string, PlacedPod[]>; pod: SchedulingPod; want: string[] }[] = [
    {
      name: 'required anti-affinity on zone rejects every host of the zone holding a matching pod',
      pods: { h1: [placed('w', { labels: { app: 'web' } })] },
      pod: pod('p', { requiredPodAntiAffinity: [term({ app: 'web' }, LABEL_ZONE)] }),
      want: [ANTI, ANTI, 'ok', 'ok'],
    },
    {
      name: 'required anti-affinity on hostname rejects only the host holding the pod',
      pods: { h1: [placed('w', { labels: { app: 'web' } })] },
      pod: pod('p', { requiredPodAntiAffinity: [term({ app: 'web' }, LABEL_HOSTNAME)] }),
      want: [ANTI, 'ok', 'ok', 'ok'],
    },
    {
      name: "anti-affinity ignores pods of another namespace when the term names none (the pod's own)",
      pods: { h1: [placed('w', { labels: { app: 'web' }, namespace: 'other' })] },
      pod: pod('p', { requiredPodAntiAffinity: [term({ app: 'web' }, LABEL_ZONE)] }),
      want: ['ok', 'ok', 'ok', 'ok'],
    },
    {
      name: 'anti-affinity counts the namespaces the term lists',
      pods: { h3: [placed('w', { labels: { app: 'web' }, namespace: 'other' })] },
      pod: pod('p', { requiredPodAntiAffinity: [term({ app: 'web' }, LABEL_ZONE, ['other'])] }),
      want: ['ok', 'ok', ANTI, 'ok'],
    },
    {
      name: 'a null label selector selects no pod',
      pods: { h1: [placed('w', { labels: { app: 'web' } })] },
      pod: pod('p', { requiredPodAntiAffinity: [term(null, LABEL_ZONE)] }),
      want: ['ok', 'ok', 'ok', 'ok'],
    },
    {
      name: 'required affinity keeps the domains holding a matching pod; hosts without the key fail',
      pods: { h3: [placed('d', { labels: { app: 'db' } })] },
      pod: pod('p', { requiredPodAffinity: [term({ app: 'db' }, LABEL_ZONE)] }),
      want: [AFF, AFF, 'ok', AFF],
    },
    {
      name: 'with no matching pod anywhere, a pod matching its own term may go to any host with the key',
      pods: {},
      pod: pod('p', { labels: { app: 'db' }, requiredPodAffinity: [term({ app: 'db' }, LABEL_ZONE)] }),
      want: ['ok', 'ok', 'ok', AFF],
    },
    {
      name: 'with no matching pod anywhere, a pod not matching its own term fits nowhere',
      pods: {},
      pod: pod('p', { labels: { app: 'web' }, requiredPodAffinity: [term({ app: 'db' }, LABEL_ZONE)] }),
      want: [AFF, AFF, AFF, AFF],
    },
    {
      name: 'required affinity needs a pod matching all the terms',
      pods: { h1: [placed('a', { labels: { app: 'db' } })], h3: [placed('b', { labels: { app: 'db', tier: 'gold' } })] },
      pod: pod('p', { requiredPodAffinity: [term({ app: 'db' }, LABEL_ZONE), term({ tier: 'gold' }, LABEL_ZONE)] }),
      want: [AFF, AFF, 'ok', AFF],
    },
    {
      name: "a placed pod's anti-affinity repels a matching incoming pod from its domain (symmetry)",
      pods: { h2: [placed('g', { requiredPodAntiAffinity: [term({ app: 'web' }, LABEL_ZONE)] })] },
      pod: pod('p', { labels: { app: 'web' } }),
      want: [EXISTING, EXISTING, 'ok', 'ok'],
    },
    {
      name: "a placed pod's anti-affinity does not repel a pod it does not select",
      pods: { h2: [placed('g', { requiredPodAntiAffinity: [term({ app: 'web' }, LABEL_ZONE)] })] },
      pod: pod('p', { labels: { app: 'api' } }),
      want: ['ok', 'ok', 'ok', 'ok'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(results(fleet(c.pods), c.pod)).toEqual(c.want);
    });
  }

  it('skips pods without terms when no placed pod has anti-affinity (PreFilter Skip)', () => {
    expect(preFilter(fleet({ h1: [placed('w', { labels: { app: 'web' } })] }), pod('p'))).toBeNull();
  });

  it('re-evaluates a host with the repelling pods removed (preemption dry run)', () => {
    const w = placed('w', { labels: { app: 'web' } });
    const g = placed('g', { requiredPodAntiAffinity: [term({ app: 'api' }, LABEL_HOSTNAME)] });
    const snap = fleet({ h1: [w, g] });
    const p = pod('p', { labels: { app: 'api' }, requiredPodAntiAffinity: [term({ app: 'web' }, LABEL_HOSTNAME)] });
    const st = preFilter(snap, p)!;
    const labels = snap.hosts[0].labels;
    expect(filter(st, labels)?.reasons).toEqual(["node(s) didn't match pod anti-affinity rules"]);
    expect(filterWithout(st, labels, new Set([w]))?.reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);
    expect(filterWithout(st, labels, new Set([w, g]))).toBeNull();
  });

  it('re-evaluates required affinity with the only matching pod removed: the self-match case applies again', () => {
    const d = placed('d', { labels: { app: 'db' } });
    const snap = fleet({ h3: [d] });
    const p = pod('p', { labels: { app: 'db' }, requiredPodAffinity: [term({ app: 'db' }, LABEL_ZONE)] });
    const st = preFilter(snap, p)!;
    expect(filter(st, snap.hosts[2].labels)).toBeNull();
    expect(filterWithout(st, snap.hosts[2].labels, new Set([d]))).toBeNull();
    const other = pod('q', { labels: { app: 'web' }, requiredPodAffinity: [term({ app: 'db' }, LABEL_ZONE)] });
    const st2 = preFilter(snap, other)!;
    expect(filterWithout(st2, snap.hosts[2].labels, new Set([d]))?.code).toBe('UnschedulableAndUnresolvable');
  });
});

describe('InterPodAffinity score', () => {
  it('adds preferred affinity weights, subtracts anti-affinity ones, per matching pod in the domain, min-max normalized', () => {
    const snap = fleet({
      h1: [placed('c1', { labels: { app: 'cache' } }), placed('c2', { labels: { app: 'cache' } })],
      h3: [placed('n1', { labels: { app: 'noisy' } })],
    });
    const p = pod('p', {
      preferredPodAffinity: [{ weight: 10, podAffinityTerm: term({ app: 'cache' }, LABEL_ZONE) }],
      preferredPodAntiAffinity: [{ weight: 5, podAffinityTerm: term({ app: 'noisy' }, LABEL_HOSTNAME) }],
    });
    const st = preScore(snap, p)!;
    const raw = snap.hosts.map((h) => score(st, h.labels));
    expect(raw).toEqual([20, 20, -5, 0]);
    const out = Float64Array.from(raw);
    normalize(out, 4);
    expect([...out]).toEqual([100, 100, 0, 20]);
  });

  it('gives every host 0 when all raw scores are equal', () => {
    const out = Float64Array.of(7, 7, 7);
    normalize(out, 3);
    expect([...out]).toEqual([0, 0, 0]);
  });

  it('skips pods without preferred terms', () => {
    expect(preScore(fleet({}), pod('p'))).toBeNull();
  });
});
