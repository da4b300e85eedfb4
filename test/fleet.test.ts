import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack';
import { ManualClock } from '../src/adapters/clock';
import { SMALL_FLEET, deployment } from './support/fleet';
import { parseFleet, loadFleet } from '../src/adapters/provider/fleet';
import { expandFleet } from '../src/core/fleet';

const OPERATOR = 'op-test-token-0123456789';

describe('the fleet file', () => {
  it('expands the default fleet to several zones and a few thousand hosts, every group with room for its largest pod spec', () => {
    const { fleet } = loadFleet(undefined);
    const hosts = expandFleet(fleet);
    expect(fleet.regions.flatMap((r) => r.zones).length).toBe(8);
    expect(hosts.length).toBe(3276);
    expect(new Set(hosts.map((h) => h.id)).size).toBe(hosts.length);
    const cpuHosts = hosts.filter((h) => h.gpuModel === null);
    expect(Math.min(...cpuHosts.map((h) => h.allocatable.cpuMilli))).toBeGreaterThanOrEqual(16_000);
    expect(hosts.some((h) => h.pool === 'spot')).toBe(true);
    expect(new Set(hosts.filter((h) => h.gpuModel === 'T4').map((h) => h.gpuSliceMilli))).toEqual(new Set([250, 500, 1000]));
  });

  it('refuses a malformed fleet file, naming the field and the problem', () => {
    const group = (extra: string) => `regions:\n  - name: r\n    zones:\n      - name: z\n        hostGroups:\n          - { name: a, count: 1, cpu: 4, memory: 8Gi, cpuType: intel${extra} }\n`;
    expect(() => parseFleet(group(', pool: cheap'))).toThrow(/regions\.0\.zones\.0\.hostGroups\.0\.pool/);
    expect(() => parseFleet(group('').replace('memory: 8Gi', 'memory: lots'))).toThrow(/"lots" is not a memory quantity/);
    expect(() => parseFleet(group(', gpu: { model: A100, cards: 1 }'))).toThrow(/gpu\.model/);
    expect(() => parseFleet(group('') + '      - name: z\n        hostGroups: []\n')).toThrow(/zone z is defined twice/);
    expect(parseFleet(group('')).regions[0].zones[0].hostGroups[0]).toMatchObject({ cpuMilli: 4000, memoryMi: 8192, maxPods: 256, pool: 'regular', gpu: null });
  });
});

/**
 * The operator's fleet view and the tenant's pod view over HTTP: capacity and utilisation per
 * zone and host follow placements; the fleet is operators-only.
 */
describe('fleet and scheduling over GraphQL', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1));
  let stack: Stack;
  let token: string;
  let clusterId: string;

  const converge = () => stack.converge(clock);

  beforeAll(async () => {
    stack = await startStack({ env: { NODELESS_FLEET_FILE: SMALL_FLEET, NODELESS_OPERATOR_TOKEN: OPERATOR }, overrides: { clock } });
    ({ token } = await stack.signup('fleet-tenant'));
    const c = await stack.gql(`mutation { createCluster(input: { name: "f", region: "lab" }) { cluster { id } } }`, {}, token);
    clusterId = c.data.createCluster.cluster.id;
    await converge();
  });
  afterAll(async () => stack?.stop());

  const FLEET = `{ fleet { totals { hosts emptyHosts allocated { cpu pods } utilisation { cpu } }
    zones { name totals { hosts allocatable { cpu memory gpu pods } allocated { cpuMillicores pods } }
      hosts(first: 20, onlyUsed: true) { edges { node { id pool cpuType gpuModel gpuSlice allocatable { cpu memory } allocated { cpuMillicores memoryMi pods } } } } } } }`;

  it('is for operators only', async () => {
    const asTenant = await stack.gql(FLEET, {}, token);
    expect(asTenant.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(asTenant.data).toBeNull();
    const reclaim = await stack.gql(`mutation { reclaimSpotCapacity(zone: "lab-a", count: 1) { hosts } }`, {}, token);
    expect(reclaim.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const asOperator = await stack.gql(FLEET, {}, OPERATOR);
    expect(asOperator.errors).toBeUndefined();
    expect(asOperator.data.fleet.totals).toMatchObject({ hosts: 10, emptyHosts: 10, allocated: { cpu: '0', pods: 0 } });
    expect(asOperator.data.fleet.zones.map((z: { name: string; totals: { hosts: number } }) => [z.name, z.totals.hosts])).toEqual([['lab-a', 8], ['lab-b', 2]]);
  });

  it('shows each placement in the fleet totals and on its host, and the pod its host, CPU type and priority', async () => {
    const r = await stack.gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { message } } }`, { c: clusterId, m: deployment('web', 3, { cpu: '2', memory: '4Gi' }) }, token);
    expect(r.data.applyManifest.userErrors).toEqual([]);
    await converge();
    const p = await stack.gql(`query($c: ID!) { cluster(id: $c) { pods(first: 10) { edges { node { host cpuType priority spot gpu { model } status } } } } }`, { c: clusterId }, token);
    const pods: { host: string | null; cpuType: string | null; priority: number; spot: boolean; gpu: unknown }[] = p.data.cluster.pods.edges.map((e: { node: unknown }) => e.node);
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.host && p.cpuType && p.priority === 0 && p.spot === false && p.gpu === null)).toBe(true);
    const f = await stack.gql(FLEET, {}, OPERATOR);
    expect(f.data.fleet.totals.allocated).toEqual({ cpu: '6', pods: 3 });
    const used = f.data.fleet.zones.flatMap((z: { hosts: { edges: { node: { id: string; allocated: { cpuMillicores: number; pods: number } } }[] } }) => z.hosts.edges.map((e) => e.node));
    expect(used.reduce((n: number, h: { allocated: { pods: number } }) => n + h.allocated.pods, 0)).toBe(3);
    expect(new Set(used.map((h: { id: string }) => h.id))).toEqual(new Set(pods.map((p) => p.host)));
    expect(f.data.fleet.totals.utilisation.cpu).toBeCloseTo((6 / (4 * 7 + 40 + 16 + 36)) * 100, 1);
  });
});
