import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { applyManifest } from '../src/app/manifests';
import { deletePod } from '../src/app/workloads';
import { namespaceUsage } from '../src/app/admission';
import type { Services } from '../src/app/services';
import { FAILED_CREATE_RETRY_MS } from '../src/controllers/workload';
import { SMALL_FLEET, deployment } from './support/fleet';
import { useDrivenCluster } from './support/driven';

/**
 * Admission through the real apply path and controllers: ResourceQuota (apply-time user errors,
 * FailedCreate for controller-made pods, exact usage), LimitRange (defaults, bounds),
 * PriorityClass (resolution and preemption on a full fleet).
 */
describe('admission: quotas, limit ranges, priority and preemption', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 0, 0, 30));
  const c = useDrivenCluster(clock, { name: 'adm', region: 'lab', env: { NODELESS_FLEET_FILE: SMALL_FLEET } });
  let store: Store;
  let svc: Services;
  let accountId: string;
  let clusterId: string;
  beforeAll(() => ({ store, svc, accountId, clusterId } = c));
  const { live, drop } = c;
  /** applyManifest, which may answer user errors. */
  const apply = (manifest: string) => applyManifest(svc, accountId, { clusterId, manifest });
  const ok = c.apply;
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name} }\n`;

  it('keeps a namespace within its ResourceQuota: FailedCreate for controller pods, user errors at apply, usage exact', async () => {
    await ok(`${ns('team')}---
apiVersion: v1
kind: ResourceQuota
metadata: { name: compute, namespace: team }
spec:
  hard: { pods: "3", requests.cpu: "2", count/deployments.apps: "1" }
`);
    await ok(deployment('web', 4, { cpu: '500m', memory: '1Gi' }).replace('metadata: { name: web }', 'metadata: { name: web, namespace: team }'));
    const pods = await live('web');
    expect(pods).toHaveLength(3);
    const rs = await store.prisma.workload.findFirstOrThrow({ where: { clusterId, kind: 'ReplicaSet', namespace: 'team' } });
    const failed = await store.prisma.event.findMany({ where: { clusterId, involvedUid: rs.uid, reason: 'FailedCreate' } });
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed[0].eventType).toBe('Warning');
    expect(failed[0].message).toMatch(/^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3$/);
    expect(failed).toHaveLength(1);
    const refused = (await store.prisma.workload.findUniqueOrThrow({ where: { id: rs.id } })).failedCreate as { count: number; message: string };
    expect(refused.message).toContain('is forbidden: exceeded quota: compute');
    // still refused at the next retry (10 s doubling per refusal): the count grows, no new warning
    clock.advance(FAILED_CREATE_RETRY_MS * 2 ** (refused.count - 1));
    await c.converge();
    expect(await live('web')).toHaveLength(3);
    expect(await store.prisma.event.count({ where: { clusterId, involvedUid: rs.uid, reason: 'FailedCreate' } })).toBe(1);
    expect(((await store.prisma.workload.findUniqueOrThrow({ where: { id: rs.id } })).failedCreate as { count: number }).count).toBeGreaterThan(refused.count);
    const used = await namespaceUsage(store.prisma, clusterId, 'team');
    expect(used).toMatchObject({ pods: 3n, 'requests.cpu': 1500n, 'count/deployments.apps': 1n });

    // a second Deployment is over count/deployments.apps; a bare pod over pods: user errors, nothing written
    const second = await apply(deployment('api', 1).replace('metadata: { name: api }', 'metadata: { name: api, namespace: team }'));
    expect(second.userErrors).toEqual([
      { field: ['manifest', '0', 'metadata', 'name'], code: 'EXCEEDED_QUOTA', message: 'deployments.apps "api" is forbidden: exceeded quota: compute, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1' },
    ]);
    const bare = await apply(`apiVersion: v1
kind: Pod
metadata: { name: solo, namespace: team }
spec:
  containers: [{ name: app, image: nginx, resources: { requests: { cpu: 100m } } }]
`);
    expect(bare.userErrors).toHaveLength(1);
    expect(bare.userErrors[0]).toMatchObject({ code: 'EXCEEDED_QUOTA', message: 'pods "solo" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3' });
    expect(await store.prisma.workload.count({ where: { clusterId, namespace: 'team', kind: 'Deployment' } })).toBe(1);
    expect(await store.prisma.pod.count({ where: { clusterId, namespace: 'team', name: 'solo' } })).toBe(0);

    // a pod that does not say what the quota tracks is refused, in Kubernetes' words
    await ok(`apiVersion: v1
kind: ResourceQuota
metadata: { name: compute, namespace: team }
spec:
  hard: { pods: "10", requests.cpu: "2", count/deployments.apps: "1" }
`);
    // the changed quota retries the refused ReplicaSet at once, before its back-off ends
    expect(await live('web')).toHaveLength(4);
    expect((await store.prisma.workload.findUniqueOrThrow({ where: { id: rs.id } })).failedCreate).toBeNull();
    const noCpu = await apply(`apiVersion: v1
kind: Pod
metadata: { name: nocpu, namespace: team }
spec:
  containers: [{ name: app, image: nginx }]
`);
    expect(noCpu.userErrors[0]).toMatchObject({ code: 'QUOTA_MISSING_REQUESTS', message: 'pods "nocpu" is forbidden: failed quota: compute: must specify requests.cpu for: app' });
    await drop('Deployment', 'web', 'team');
  });

  it('applies LimitRange defaults to containers (and sizes the pod from them) and refuses templates outside its bounds', async () => {
    await ok(`${ns('limited')}---
apiVersion: v1
kind: LimitRange
metadata: { name: bounds, namespace: limited }
spec:
  limits:
    - type: Container
      default: { cpu: "2", memory: 4Gi }
      defaultRequest: { cpu: "1", memory: 2Gi }
      max: { cpu: "4", memory: 8Gi }
`);
    await ok(`apiVersion: v1
kind: Pod
metadata: { name: plain, namespace: limited }
spec:
  containers: [{ name: app, image: nginx }]
`);
    const plain = await store.prisma.pod.findFirstOrThrow({ where: { clusterId, namespace: 'limited', name: 'plain' } });
    expect((plain.spec as { containers: { resources: unknown }[] }).containers[0].resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    // billed: max(sum of requests, largest limit) = 2 cores / 4 GiB
    expect(plain).toMatchObject({ billedCpuMilli: 2000, billedMemoryMi: 4096, requestCpuMilli: 1000, limitCpuMilli: 2000 });
    const big = await apply(deployment('big', 1, { resources: 'limits: { cpu: "8", memory: 16Gi }' }).replace('metadata: { name: big }', 'metadata: { name: big, namespace: limited }'));
    expect(big.userErrors.map((e) => [e.code, e.field.join('.')])).toEqual([
      ['LIMIT_RANGE', 'manifest.0.spec.template.spec'],
      ['LIMIT_RANGE', 'manifest.0.spec.template.spec'],
    ]);
    expect(big.userErrors[0].message).toBe("spec.template.spec: Forbidden: its pods would be refused by the namespace's LimitRange: maximum cpu usage per Container is 4, but limit is 8");
    expect(big.userErrors[1].message).toContain('maximum memory usage per Container is 8Gi');
    expect((await deletePod(svc, accountId, { clusterId, namespace: 'limited', name: 'plain' })).userErrors).toEqual([]);
    await c.converge();
  });

  it('resolves PriorityClasses and preempts lower-priority pods when a more important pod fits nowhere', async () => {
    const unknown = await apply(deployment('vip', 1, { spec: 'priorityClassName: nope' }));
    expect(unknown.userErrors).toEqual([
      expect.objectContaining({ field: ['manifest', '0', 'spec', 'template', 'spec', 'priorityClassName'], code: 'PRIORITY_CLASS_NOT_FOUND' }),
    ]);
    await ok(`apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: { name: high }
value: 1000
description: pods that matter
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: { name: low }
value: -10
`);
    // fill every regular CPU host (5 hosts × 4 cores) with low-priority 1-core pods
    await ok(deployment('filler', 20, { spec: 'priorityClassName: low' }));
    const fillers = await live('filler');
    expect(fillers.filter((p) => p.hostId !== null)).toHaveLength(20);
    expect(fillers.every((p) => p.priority === -10)).toBe(true);

    await ok(deployment('vip', 1, { cpu: '4', memory: '8Gi', spec: 'priorityClassName: high' }));
    const [vip] = await live('vip');
    expect(vip.priority).toBe(1000);
    // preemption: one host's four fillers are evicted (fewest victims), the host is nominated
    const preempted = await store.prisma.event.findMany({ where: { clusterId, reason: 'Preempted' } });
    expect(preempted).toHaveLength(4);
    expect(preempted[0].message).toMatch(new RegExp(`^Preempted by pod ${vip.uid} on node lab-[ab]-(cpu|amd)-000[12]$`));
    const victimsHost = preempted[0].message.split(' ').pop()!;
    clock.advance(1000);
    await c.converge();
    const placed = await store.prisma.pod.findUniqueOrThrow({ where: { id: vip.id } });
    expect(placed).toMatchObject({ hostId: victimsHost, allocated: true, nominatedHost: null });
    // the fillers' Deployment replaced its evicted pods; they wait for capacity
    const after = await live('filler');
    expect(after).toHaveLength(20);
    expect(after.filter((p) => p.hostId === null)).toHaveLength(4);
    await drop('Deployment', 'vip');
    await drop('Deployment', 'filler');
  });
});
