import { describe, expect, it } from 'vitest';
import { allKinds, apiVersionOf, kindForResource, kindInfo } from './kinds';
import { resourceName } from './names';
import { schemaOf } from './validation/fields';

describe('the kinds registry', () => {
  it("knows each kind's group, version, scope and names", () => {
    expect(kindInfo('Deployment')).toMatchObject({ group: 'apps', version: 'v1', namespaced: true, plural: 'deployments', shortNames: ['deploy'], applies: true });
    expect(kindInfo('PriorityClass')).toMatchObject({ namespaced: false, plural: 'priorityclasses' });
    expect(kindInfo('Namespace')?.namespaced).toBe(false);
    expect(kindInfo('Frobnicator')).toBeUndefined();
    expect(apiVersionOf(kindInfo('HorizontalPodAutoscaler')!)).toBe('autoscaling/v2');
    expect(apiVersionOf(kindInfo('Pod')!)).toBe('v1');
  });

  it('resolves what people type on a command line', () => {
    for (const name of ['deploy', 'deployments', 'deployment', 'deployment.apps', 'deployments.apps']) expect(kindForResource(name)?.kind).toBe('Deployment');
    expect(kindForResource('hpa')?.kind).toBe('HorizontalPodAutoscaler');
    expect(kindForResource('po')?.kind).toBe('Pod');
    expect(kindForResource('deployments.batch')).toBeUndefined();
    expect(kindForResource('nothing')).toBeUndefined();
  });

  it('names resources as kubectl prints them', () => {
    expect(resourceName('Deployment')).toBe('deployment.apps');
    expect(resourceName('Job', true)).toBe('jobs.batch');
    expect(resourceName('PriorityClass', true)).toBe('priorityclasses.scheduling.k8s.io');
    expect(resourceName('Pod', true)).toBe('pods');
  });

  it('has a field schema for every kind whose manifests are checked', () => {
    for (const i of allKinds().filter((x) => x.kind !== 'Event' && x.kind !== 'Service' && x.kind !== 'Ingress' && x.kind !== 'NetworkPolicy' && x.kind !== 'DaemonSet' && x.kind !== 'ReplicaSet')) {
      expect(schemaOf(apiVersionOf(i), i.kind), i.kind).not.toBeNull();
    }
  });
});
