import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { getNamedType, isEnumType, type GraphQLInputType } from 'graphql';
import { ManualClock } from '../src/adapters/clock';
import { schema } from '../src/graphql/schema';
import { Subscription, eventually, startStack, type GqlResult, type Stack } from './support/stack';
import { RecordingBus } from './support/recordingBus';
import { feedStats } from '../src/app/feeds/registry';
import { accountFingerprinter, accountRows, changedTables, type Fingerprint } from './support/fingerprint';
import { buildInput, leavesOf, mustGive, operation, optionalVariants, rootFields, selectionSet, literal, type Leaf, type RootField, type RootKind } from './support/schemaWalk';

/**
 * Tenant isolation, derived from the schema: every root Query, Mutation and Subscription field is
 * called by account B with account A's identifiers (bare UUIDs and global IDs of A's cluster,
 * workloads, pods, invoice, tokens and account; A's cluster, namespace, workload, pod, autoscaler,
 * metric, token and image names) in every argument that takes an ID or a name, with each optional
 * argument present and absent. B must never see anything of A's (an id, a uid, a name, a value)
 * in an answer or a subscription stream, and B's mutations must change none of A's rows.
 *
 * A root field added later is covered without editing this file, as long as FILL below knows how
 * to fill its arguments; an argument it does not know fails the first test with its coordinate.
 */

const START = Date.UTC(2026, 2, 10, 8, 0, 0);
const HOUR = 3_600_000;
const REGION = 'ap-guangzhou';

/** What A owns (filled in beforeAll); `b*` are B's own. */
interface Fixture {
  cluster: { uuid: string; gid: string };
  workload: { uuid: string; gid: string };
  replicaSet: { uuid: string; gid: string };
  pod: { uuid: string; gid: string; name: string };
  invoice: { uuid: string; gid: string };
  token: { uuid: string; gid: string };
  account: { uuid: string; gid: string };
  names: { cluster: string; namespace: string; workload: string; replicaSet: string; pod: string; hpa: string; metric: string; token: string; account: string; image: string };
  bCluster: string;
  zone: string;
  since: string;
  now: () => number;
}

const A_MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: alpha-ns
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: alpha-quota
  namespace: alpha-ns
spec:
  hard:
    pods: "20"
---
apiVersion: v1
kind: LimitRange
metadata:
  name: alpha-limits
  namespace: alpha-ns
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: alpha-web
  namespace: alpha-ns
  labels:
    app: alpha-web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: alpha-web
  template:
    metadata:
      labels:
        app: alpha-web
    spec:
      containers:
      - name: alpha-container
        image: alpha/private-model:1
        resources:
          requests:
            cpu: 250m
            memory: 512Mi
`;

const B_MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bravo-web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: bravo-web
  template:
    metadata:
      labels:
        app: bravo-web
    spec:
      containers:
      - name: bravo
        image: bravo/app:1
`;

const HPA_YAML = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: alpha-hpa, namespace: alpha-ns }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: alpha-web }
  maxReplicas: 3
  metrics: [{ type: External, external: { metric: { name: alpha-queue }, target: { type: AverageValue, averageValue: "1" } } }]
`;

// ───────────────────────── how to fill each argument ─────────────────────────

/** A base value, and the values to try in its place (the attacks). */
interface Fill {
  base: unknown;
  variants?: unknown[];
}

/** Every A id, as a bare UUID and as a global ID (right type or not: each is tried everywhere an ID goes). */
const allIds = (f: Fixture) => [f.cluster, f.workload, f.replicaSet, f.pod, f.invoice, f.token, f.account].flatMap((o) => [o.uuid, o.gid]);
const allNames = (f: Fixture) => Object.values(f.names);

/** IDs: which of A's objects an ID argument names by default (the others are tried too). */
const ID_BASE: Record<string, (f: Fixture) => string> = {
  'Query.invoice.id': (f) => f.invoice.gid,
  'Mutation.finalizeInvoice.id': (f) => f.invoice.gid,
  'Mutation.markInvoicePaid.id': (f) => f.invoice.gid,
  'Mutation.voidInvoice.id': (f) => f.invoice.gid,
  'RevokeApiTokenInput.id': (f) => f.token.gid,
  'RotateApiTokenInput.id': (f) => f.token.gid,
  'SuspendAccountInput.id': (f) => f.account.gid,
  'ReinstateAccountInput.id': (f) => f.account.gid,
  'Query.nodes.ids': (f) => f.workload.gid,
  'Cluster.pods.workload': (f) => f.workload.gid,
};

/** Names: which of A's names a `name` argument gets by default, by coordinate (all of A's names are tried). */
const NAME_BASE: Record<string, (f: Fixture) => string> = {
  'DeletePodInput.name': (f) => f.names.pod,
  'PodUsageInput.name': (f) => f.names.pod,
  'SetAutoscalerInput.name': (f) => f.names.hpa,
  'DeleteAutoscalerInput.name': (f) => f.names.hpa,
  'Cluster.autoscaler.name': (f) => f.names.hpa,
  'ReportExternalMetricInput.name': (f) => f.names.metric,
  'ReportObjectMetricInput.name': (f) => f.names.metric,
  'MetricIdentifierInput.name': (f) => f.names.metric,
  'NamedMetricValueInput.name': (f) => f.names.metric,
  'CreateApiTokenInput.name': (f) => f.names.token,
  'CreateClusterInput.name': (f) => f.names.cluster,
  'CreateAccountInput.name': (f) => f.names.account,
  'ProvisionAccountInput.name': (f) => f.names.account,
  'Query.accounts.name': (f) => f.names.account,
  'ContainerUsageInput.name': () => 'alpha-container',
  'ContainerResourceMetricSourceInput.name': () => 'cpu',
  'ResourceMetricSourceInput.name': () => 'cpu',
  'NamedPriceInput.name': () => 'intel',
};

/** Non-ID leaves by argument / input field name (a coordinate key wins over a bare name). */
const FILL: Record<string, (f: Fixture, leaf: Leaf) => Fill> = {
  // names and other identifiers of A's objects
  name: (f, l) => ({ base: (NAME_BASE[l.coord] ?? ((x: Fixture) => x.names.workload))(f), variants: allNames(f) }),
  namespace: (f) => ({ base: f.names.namespace, variants: ['default'] }),
  tokenName: (f) => ({ base: f.names.token, variants: allNames(f) }),
  image: (f) => ({ base: f.names.image }),
  container: () => ({ base: 'alpha-container' }),
  manifest: (f, l) => ({ base: l.coord === 'Query.simulateAutoscaler.manifest' ? HPA_YAML : A_MANIFEST }),
  // the rest: plain valid values
  kind: () => ({ base: 'Deployment' }),
  apiVersion: () => ({ base: 'apps/v1' }),
  region: () => ({ base: REGION }),
  zone: (f) => ({ base: f.zone }),
  amount: () => ({ base: '1' }),
  currency: () => ({ base: 'CNY' }),
  value: (_, l) => ({ base: l.type.name === 'Int' ? 1 : '5' }),
  reason: () => ({ base: 'isolation probe' }),
  cpu: () => ({ base: '100m' }),
  memory: () => ({ base: '128Mi' }),
  after: () => ({ base: Buffer.from(JSON.stringify('alpha')).toString('base64url') }),
  before: () => ({ base: Buffer.from(JSON.stringify('zzz')).toString('base64url') }),
  perSecond: () => ({ base: '0.00001' }),
  cardPerSecond: () => ({ base: '0.001' }),
  cpuPerSecond: () => ({ base: '0.00001' }),
  memoryPerSecond: () => ({ base: '0.00001' }),
  percent: () => ({ base: '50' }),
  spotPercent: () => ({ base: '20' }),
  note: () => ({ base: 'probe' }),
  model: () => ({ base: 'T4' }),
  cpuType: () => ({ base: 'intel' }),
  type: (_, l) => ({ base: l.coord === 'MetricSpecInput.type' ? 'External' : l.coord === 'ScalingPolicyInput.type' ? 'Pods' : 'AverageValue' }),
  selectPolicy: () => ({ base: 'Max' }),
  tolerance: () => ({ base: '0.1' }),
  averageValue: () => ({ base: '1' }),
  values: () => ({ base: '1' }),
  // numbers
  first: () => ({ base: 5 }),
  last: () => ({ base: 5 }),
  since: (f, l) => ({ base: l.type.name === 'DateTime' ? f.since : 0 }),
  replicas: () => ({ base: 1 }),
  currentReplicas: () => ({ base: 1 }),
  count: () => ({ base: 1 }),
  hours: () => ({ base: 1 }),
  revision: () => ({ base: 0 }),
  windowSeconds: () => ({ base: 60 }),
  graceSeconds: () => ({ base: 0 }),
  maxReplicas: () => ({ base: 3 }),
  minReplicas: () => ({ base: 1 }),
  averageUtilization: () => ({ base: 50 }),
  periodSeconds: () => ({ base: 15 }),
  stabilizationWindowSeconds: () => ({ base: 0 }),
  baseCpuMilli: () => ({ base: 0 }),
  baseMemoryMi: () => ({ base: 0 }),
  at: () => ({ base: 0 }),
  rps: () => ({ base: 1 }),
  cpuMsPerRequest: () => ({ base: 10 }),
  memoryMiPerRps: () => ({ base: 0 }),
  repeatSeconds: () => ({ base: 60 }),
  // instants
  from: (f) => ({ base: new Date(START - 24 * HOUR).toISOString() }),
  to: (f) => ({ base: new Date(f.now() + HOUR).toISOString() }),
  expiresAt: (f) => ({ base: new Date(f.now() + 24 * HOUR).toISOString() }),
  effectiveFrom: (f) => ({ base: new Date(Math.ceil((f.now() + 1) / HOUR) * HOUR + HOUR).toISOString() }),
  // JSON
  template: () => ({ base: { metadata: { annotations: {} }, spec: { containers: [{ name: 'alpha-container', image: 'alpha/private-model:1' }] } } }),
  labels: () => ({ base: { app: 'alpha-web' } }),
  annotations: () => ({ base: {} }),
  selector: () => ({ base: { matchLabels: { app: 'alpha-web' } } }),
};

/** How to fill a leaf: IDs from A's ids, enums and booleans by type, the rest from FILL; an unknown leaf fails. */
function fillOf(f: Fixture, leaf: Leaf): Fill {
  if (leaf.type.name === 'ID') {
    const variants = allIds(f);
    if (leaf.name === 'clusterId') variants.push(f.bCluster); // B's own cluster with A's names in the other arguments
    return { base: (ID_BASE[leaf.coord] ?? ((x: Fixture) => x.cluster.gid))(f), variants };
  }
  if (leaf.type.name === 'Boolean') return { base: true, variants: [false] };
  if (isEnumType(leaf.type)) {
    const values = leaf.type.getValues().map((v) => v.name);
    return { base: values[0], variants: values.slice(1) };
  }
  const rule = FILL[leaf.coord] ?? FILL[leaf.name];
  if (!rule) throw new Error(`test/isolation.schema.test.ts has no fill rule for the argument ${leaf.coord} (${leaf.type.name}): add one to FILL (or NAME_BASE/ID_BASE) so the field is called with A's identifiers`);
  return rule(f, leaf);
}

// ───────────────────────── the calls ─────────────────────────

interface Call {
  kind: RootKind;
  field: string;
  label: string;
  query: string;
  variables: Record<string, unknown>;
}

const nestedArg = (f: Fixture) => (coord: string, arg: { type: GraphQLInputType; name: string }) => {
  const leaf: Leaf = { coord, name: arg.name, type: getNamedType(arg.type), inList: false, required: true };
  return literal(fillOf(f, leaf).base, arg.type);
};

const DEPTH: Record<RootKind, number> = { Query: 4, Mutation: 3, Subscription: 3 };

/**
 * The calls of one root field: each subset of its optional arguments (all subsets when there
 * are few, else none, each alone, and all) with base values, then with every optional argument
 * and input field present, each ID or name leaf in turn replaced by each of its attack values.
 */
function callsOf(kind: RootKind, field: RootField, f: Fixture): Call[] {
  const selection = selectionSet(schema, field.type, { depth: DEPTH[kind], nestedArg: nestedArg(f) });
  const optional = field.args.filter((a) => !mustGive(a)).map((a) => a.name);
  const out = new Map<string, Call>();
  const make = (present: string[], nestedOptional: boolean, label: string, override?: { coord: string; value: unknown }) => {
    const variables: Record<string, unknown> = {};
    for (const a of field.args) {
      if (!mustGive(a) && !present.includes(a.name)) continue;
      variables[a.name] = buildInput(a.type, `${kind}.${field.name}.${a.name}`, a.name, (leaf) => (override && leaf.coord === override.coord ? override.value : fillOf(f, leaf).base), {
        optional: () => nestedOptional,
        required: mustGive(a),
      });
    }
    const query = operation(kind, field, Object.keys(variables), selection);
    const key = query + JSON.stringify(variables);
    if (!out.has(key)) out.set(key, { kind, field: field.name, label, query, variables });
  };
  for (const subset of optionalVariants(optional)) make(subset, false, `optional args: [${subset.join(', ')}]`);
  make(optional, true, 'every optional argument and input field');
  for (const a of field.args) {
    for (const leaf of leavesOf(a.type, `${kind}.${field.name}.${a.name}`, a.name, mustGive(a))) {
      const fill = fillOf(f, leaf);
      for (const v of fill.variants ?? []) make(optional, true, `${leaf.coord} = ${JSON.stringify(v)}`, { coord: leaf.coord, value: v });
    }
  }
  return [...out.values()];
}

// ───────────────────────── what must never leak ─────────────────────────

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Columns whose values are A's names (compared as text; kept only when distinctive and not also B's). */
const NAME_COLUMNS = ['name', 'namespace', 'image', 'prefix', 'involvedName', 'ownerName', 'targetName', 'autoscalerName', 'suspendedReason'];
/** Node types and their tables: A's rows of these are also looked for as global IDs. */
const NODE_TABLES: Record<string, string> = { Account: 'Account', ApiToken: 'ApiToken', Cluster: 'Cluster', Invoice: 'Invoice', Pod: 'Pod', Workload: 'Workload' };

interface Secrets {
  /** ids, uids, global ids, token secrets: B can only know them from a leak, or by being handed them. */
  unforgeable: Set<string>;
  /** names and values: B could also choose the same (so a name B wrote itself is not a leak). */
  named: Set<string>;
  /** Other spellings of the same id (a global ID and its UUID): asking with one may be answered with the other. */
  aliases: Map<string, string[]>;
}

async function harvest(stack: Stack, accountId: string): Promise<{ uuids: Set<string>; names: Set<string>; gids: Set<string>; aliases: Map<string, string[]> }> {
  const rows = await accountRows(stack.app.runtime.svc.db, accountId);
  const uuids = new Set<string>();
  const names = new Set<string>();
  const gids = new Set<string>();
  const aliases = new Map<string, string[]>();
  for (const [table, list] of Object.entries(rows)) {
    for (const r of list) {
      for (const [col, v] of Object.entries(r)) {
        if (typeof v !== 'string') continue;
        if (UUID.test(v) && col !== 'hostId') uuids.add(v.toLowerCase());
        else if (NAME_COLUMNS.includes(col)) names.add(v);
      }
      const type = Object.keys(NODE_TABLES).find((t) => NODE_TABLES[t] === table);
      if (type && typeof r.id === 'string') {
        const gid = encodeGlobalID(type, r.id);
        gids.add(gid);
        aliases.set(gid, [r.id]);
        aliases.set(r.id, [...(aliases.get(r.id) ?? []), gid]);
      }
    }
  }
  return { uuids, names, gids, aliases };
}

/** Every string B sent in a mutation: B may have made objects with those names itself. */
const sentInMutations = new Set<string>();
function stringsOf(v: unknown, out: Set<string>): Set<string> {
  if (typeof v === 'string') out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsOf(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => stringsOf(x, out));
  return out;
}

/** `data` without the userErrors lists (whose messages may quote the caller's own input). */
function withoutUserErrors(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutUserErrors);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'userErrors').map(([k, x]) => [k, withoutUserErrors(x)]));
  return v;
}

/**
 * What of A's a response shows: any secret in the whole answer that the request did not carry
 * (and, for names, that B never wrote in a mutation), and any unforgeable secret in the data
 * outside userErrors even when the request carried it (B named A's object and got it back).
 * Names are returned apart: a name B's own objects carry too (a ReplicaSet named after the hash of
 * a template B applied itself) is not a leak, which only the store can tell (`notB`).
 */
function leaksIn(secrets: Secrets, response: unknown, call: Pick<Call, 'query' | 'variables'>): { ids: string[]; names: string[] } {
  const text = JSON.stringify(response);
  const sent = call.query + JSON.stringify(call.variables);
  const asked = (s: string) => sent.includes(s) || (secrets.aliases.get(s) ?? []).some((x) => sent.includes(x));
  const ids: string[] = [];
  for (const s of secrets.unforgeable) if (text.includes(s) && !asked(s)) ids.push(s);
  const data = JSON.stringify(withoutUserErrors((response as GqlResult | null)?.data ?? null));
  for (const s of secrets.unforgeable) if (data.includes(s) && !ids.includes(s)) ids.push(`${s} (in data)`);
  const names = [...secrets.named].filter((s) => text.includes(s) && !sent.includes(s) && !sentInMutations.has(s));
  return { ids, names };
}

// ───────────────────────── the test ─────────────────────────

describe('the schema-walking isolation test', () => {
  it('has a fill rule for every argument of every root field (a new argument must be added to FILL)', () => {
    const dummy = 'ffffffff-ffff-4fff-8fff-ffffffffffff';
    const o = { uuid: dummy, gid: encodeGlobalID('Cluster', dummy) };
    const f: Fixture = {
      cluster: o,
      workload: o,
      replicaSet: o,
      pod: { ...o, name: 'p' },
      invoice: o,
      token: o,
      account: o,
      names: { cluster: 'c', namespace: 'n', workload: 'w', replicaSet: 'r', pod: 'p', hpa: 'h', metric: 'm', token: 't', account: 'a', image: 'i' },
      bCluster: o.gid,
      zone: 'z',
      since: new Date(START).toISOString(),
      now: () => START,
    };
    for (const kind of ['Query', 'Mutation', 'Subscription'] as const) for (const field of rootFields(schema, kind)) expect(callsOf(kind, field, f).length, `${kind}.${field.name}`).toBeGreaterThan(0);
  });
});

describe('tenant isolation, every root field from the schema', () => {
  const clock = new ManualClock(START);
  const bus = new RecordingBus();
  let stack: Stack;
  let fixture: Fixture;
  let secrets: Secrets;
  let aToken: string;
  let bToken: string;
  let aAccount: string;
  let aFingerprint: () => Promise<Fingerprint>;
  let unscopedTables: string[] = [];
  const bBudget = { id: '' };
  const coverage = new Map<string, number>();

  const converge = () => stack.converge(clock);
  const step = async (ms: number) => {
    clock.advance(ms);
    await converge();
  };
  const as = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const r = await stack.gql(query, variables, token);
    if (r.errors) throw new Error(`${query}: ${JSON.stringify(r.errors)}`);
    const payload = Object.values(r.data ?? {})[0] as { userErrors?: unknown[] } | null;
    if (payload && typeof payload === 'object' && Array.isArray(payload.userErrors) && payload.userErrors.length) throw new Error(`${query}: ${JSON.stringify(payload.userErrors)}`);
    return r.data;
  };
  const count = (c: Call) => coverage.set(`${c.kind}.${c.field}`, (coverage.get(`${c.kind}.${c.field}`) ?? 0) + 1);
  let bAccount = '';
  /** The leaks a response shows, less the names B's own objects carry now. */
  const leaksOf = async (response: unknown, call: Pick<Call, 'query' | 'variables'>): Promise<string[]> => {
    const { ids, names } = leaksIn(secrets, response, call);
    if (names.length === 0) return ids;
    const mine = (await harvest(stack, bAccount)).names;
    return [...ids, ...names.filter((n) => ![...mine].some((m) => m.includes(n)))];
  };
  const checkErrors = (problems: string[], what: string, errors: unknown[] | undefined) => {
    for (const e of (errors ?? []) as { extensions?: { code?: string } }[]) if (Array.isArray(e) || !e?.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR') problems.push(`${what}: ${JSON.stringify(e).slice(0, 300)}`);
  };

  beforeAll(async () => {
    stack = await startStack({
      overrides: { clock, bus },
      env: {
        NODELESS_MAX_QUERY_COST: '100000000',
        NODELESS_MAX_SUBSCRIPTION_COST: '100000000',
        NODELESS_MAX_QUERY_FIELDS: '100000',
        NODELESS_MAX_QUERY_ALIASES: '10000',
        NODELESS_MAX_SUBSCRIPTIONS_PER_SOCKET: '10000',
        NODELESS_MAX_SUBSCRIPTIONS_PER_ACCOUNT: '10000',
        NODELESS_MAX_SOCKETS_PER_ACCOUNT: '1000',
        NODELESS_HPA_INITIAL_READINESS_DELAY_MS: '0',
        NODELESS_HPA_CPU_INITIALIZATION_MS: '0',
      },
    });
    const a = await stack.signup('alpha-account');
    const b = await stack.signup('bravo-account');
    aToken = a.token;
    bToken = b.token;
    const uuidOf = (gid: string) => Buffer.from(gid, 'base64').toString('utf8').split(':')[1];
    aAccount = uuidOf(a.accountId);
    bAccount = uuidOf(b.accountId);
    const aCluster = (await as(aToken, `mutation { createCluster(input: { name: "alpha-cluster", region: "${REGION}" }) { cluster { id } userErrors { code } } }`)).createCluster.cluster.id as string;
    const bCluster = (await as(bToken, `mutation { createCluster(input: { name: "bravo-cluster", region: "${REGION}" }) { cluster { id } userErrors { code } } }`)).createCluster.cluster.id as string;
    await converge();
    await as(aToken, `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { field code message } } }`, { c: aCluster, m: A_MANIFEST });
    await as(bToken, `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { field code message } } }`, { c: bCluster, m: B_MANIFEST });
    await converge();
    await as(
      aToken,
      `mutation($c: ID!) { setAutoscaler(input: { clusterId: $c, namespace: "alpha-ns", name: "alpha-hpa", spec: { minReplicas: 1, maxReplicas: 4, scaleTargetRef: { name: "alpha-web" }, metrics: [{ type: "External", external: { metric: { name: "alpha-queue" }, target: { type: "AverageValue", averageValue: "1" } } }] } }) { userErrors { field code message } } }`,
      { c: aCluster },
    );
    await as(aToken, `mutation($c: ID!) { reportExternalMetric(input: { clusterId: $c, namespace: "alpha-ns", name: "alpha-queue", value: "3" }) { userErrors { field code message } } }`, { c: aCluster });
    await converge();
    await as(aToken, `mutation { createImageCache(image: "alpha/private-model:1") { userErrors { code } } }`);
    const tok = await as(aToken, `mutation { createApiToken(input: { name: "alpha-ci-token", scope: READ_ONLY }) { token apiToken { id } userErrors { code } } }`);
    // pods bill for two minutes: usage, the month's draft invoices, then budgets that are already crossed
    await step(120_000);
    await as(aToken, `mutation($c: ID!) { setBudget(clusterId: $c, amount: "0.000001") { userErrors { code } } }`, { c: aCluster });
    await as(aToken, `mutation { setBudget(amount: "123.456789") { userErrors { code } } }`);
    clock.advance(1000); // B's alert is recorded after A's: a replay that included A's would have sent them first
    const bb = await as(bToken, `mutation($c: ID!) { setBudget(clusterId: $c, amount: "0.000001") { budget { id alertedPercent } userErrors { code } } }`, { c: bCluster });
    bBudget.id = bb.setBudget.budget.id;
    expect(bb.setBudget.budget.alertedPercent).toBe(100);
    await converge();

    const view = await as(
      aToken,
      `query($c: ID!) { cluster(id: $c) { pods(first: 10, namespace: "alpha-ns") { edges { node { id name } } } workloads(first: 10) { edges { node { id kind name } } } } invoices(first: 1) { edges { node { id } } } viewer { id } budgets { id alertedPercent } }`,
      { c: aCluster },
    );
    const dec = (gid: string) => Buffer.from(gid, 'base64').toString('utf8').split(':')[1];
    const node = (gid: string) => ({ uuid: dec(gid), gid });
    const workloads = view.cluster.workloads.edges.map((e: { node: { id: string; kind: string; name: string } }) => e.node);
    const deployment = workloads.find((w: { kind: string }) => w.kind === 'Deployment');
    const rs = workloads.find((w: { kind: string }) => w.kind === 'ReplicaSet');
    const pod = view.cluster.pods.edges[0].node;
    expect(view.invoices.edges).toHaveLength(1);
    expect(view.budgets.some((x: { alertedPercent: number }) => x.alertedPercent === 100)).toBe(true);
    fixture = {
      cluster: node(aCluster),
      workload: node(deployment.id),
      replicaSet: node(rs.id),
      pod: { ...node(pod.id), name: pod.name },
      invoice: node(view.invoices.edges[0].node.id),
      token: node(tok.createApiToken.apiToken.id),
      account: node(view.viewer.id),
      names: { cluster: 'alpha-cluster', namespace: 'alpha-ns', workload: 'alpha-web', replicaSet: rs.name, pod: pod.name, hpa: 'alpha-hpa', metric: 'alpha-queue', token: 'alpha-ci-token', account: 'alpha-account', image: 'alpha/private-model:1' },
      bCluster,
      zone: stack.app.runtime.svc.fleet.regions.find((r) => r.name === REGION)!.zones[0].name,
      since: new Date(START).toISOString(),
      now: () => clock.now(),
    };

    // A's secrets: everything of A's that is not also B's (a region, "default", a shared host are not secrets)
    const ha = await harvest(stack, aAccount);
    const hb = await harvest(stack, uuidOf(b.accountId));
    const named = new Set([...ha.names, 'alpha-account', '123.456789', 'alpha-queue'].filter((n) => n.length >= 5 && !hb.names.has(n)));
    secrets = { unforgeable: new Set([...ha.uuids, ...ha.gids, aToken, tok.createApiToken.token].filter((s) => !hb.uuids.has(s) && !hb.gids.has(s))), named, aliases: ha.aliases };
    ({ fingerprint: aFingerprint, unscoped: unscopedTables } = await accountFingerprinter(stack.app.runtime.svc.db, aAccount));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('knows A by its ids, uids, global ids, tokens and distinctive names', () => {
    expect(secrets.unforgeable.size).toBeGreaterThan(20);
    for (const n of ['alpha-cluster', 'alpha-ns', 'alpha-web', 'alpha-hpa', 'alpha-queue', 'alpha-ci-token', 'alpha/private-model:1', fixture.names.pod, fixture.names.replicaSet]) expect(secrets.named, n).toContain(n);
    for (const id of allIds(fixture)) expect(secrets.unforgeable, id).toContain(id);
    // the tables that belong to no account are left out of A's fingerprint
    expect(unscopedTables.sort()).toEqual(['FleetState', 'Host', 'PriceVersion']);
  });

  it('answers B’s queries with nothing of A’s, whatever of A’s B names', async () => {
    const calls = rootFields(schema, 'Query').flatMap((f) => callsOf('Query', f, fixture));
    const problems: string[] = [];
    const run = async (c: Call) => {
      count(c);
      const r = await stack.gql(c.query, c.variables, bToken);
      const leaks = await leaksOf(r, c);
      if (leaks.length) problems.push(`${c.kind}.${c.field} (${c.label}) showed B ${leaks.join(', ')}: ${JSON.stringify(r).slice(0, 600)}`);
      checkErrors(problems, `${c.kind}.${c.field} (${c.label})`, r.errors);
    };
    for (let i = 0; i < calls.length; i += 4) await Promise.all(calls.slice(i, i + 4).map(run));
    expect(problems.length, problems.slice(0, 12).map((p) => p.slice(0, 700)).join('\n')).toBe(0);
    // A's own view of the same: the probes above would have found A's objects had they been B's
    const own = await stack.gql(`query($c: ID!, $i: ID!) { cluster(id: $c) { name } invoice(id: $i) { id } node(id: $c) { id } }`, { c: fixture.cluster.gid, i: fixture.invoice.gid }, aToken);
    expect(leaksIn(secrets, own, { query: '', variables: {} }).names).toContain('alpha-cluster');
    expect(leaksIn(secrets, own, { query: '', variables: {} }).ids).toContain(fixture.invoice.gid);
  });

  /** Subscriptions attached to a shared feed or refresher beyond the one bus subscription each of those holds. */
  const attachedToShared = () => {
    const f = feedStats(stack.app.runtime.svc);
    return f.subscribers - f.clusterFeeds + f.refresherSubscribers - f.refreshers;
  };

  it('streams B nothing of A’s: subscriptions naming A’s objects are refused or silent while A’s cluster, workloads, autoscaler and budget produce events', async () => {
    const calls = rootFields(schema, 'Subscription').flatMap((f) => callsOf('Subscription', f, fixture));
    const before = bus.subscriptions.length;
    const client: Client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${bToken}` }, retryAttempts: 0, lazy: false });
    const subs = calls.map((c) => {
      count(c);
      const s = { call: c, items: [] as unknown[], errors: [] as unknown[], done: false, dispose: () => {} };
      s.dispose = client.subscribe(
        { query: c.query, variables: c.variables },
        {
          next: (m) => {
            if (m.errors) s.errors.push(...m.errors);
            if (m.data) s.items.push(m.data);
          },
          error: (e) => {
            s.errors.push(e);
            s.done = true;
          },
          complete: () => void (s.done = true),
        },
      );
      return s;
    });
    const ofB = () => bus.subscriptions.slice(before).filter((x) => !x.topic.endsWith('.access'));
    const attachedBefore = attachedToShared();
    // every subscription is either refused or registered: on the server's bus, or on a shared feed that is (what a live event needs)
    const settled = () => subs.filter((s) => s.done || s.errors.length > 0).length + ofB().length + attachedToShared() - attachedBefore >= subs.length;
    await eventually(async () => settled(), 'B’s subscriptions to be refused or registered');
    // none of them listens on a topic of A's cluster or account
    const problems: string[] = [];
    for (const x of ofB()) if (x.topic.includes(fixture.cluster.uuid) || x.topic.includes(aAccount)) problems.push(`B's subscriptions listen on A's topic ${x.topic}`);
    // a replay (`since`) of B's budget alerts has reached B's own alert: anything of A's recorded before it came first
    for (const s of subs.filter((x) => x.call.field === 'budgetAlerts' && 'since' in x.call.variables && !x.done && x.errors.length === 0)) {
      await eventually(async () => s.items.some((i) => JSON.stringify(i).includes(bBudget.id)) || s.done, `B's own alert replayed on ${s.call.label}`);
    }

    // A's own subscriptions: the controls that show A's events were published while B listened
    const beforeControls = bus.subscriptions.length;
    const control = {
      pods: new Subscription(stack.wsUrl, aToken, `subscription($c: ID!) { podEvents(clusterId: $c) { sequence } }`, { c: fixture.cluster.gid }, (d) => d.podEvents),
      workloads: new Subscription(stack.wsUrl, aToken, `subscription($c: ID!) { workloadEvents(clusterId: $c) { sequence } }`, { c: fixture.cluster.gid }, (d) => d.workloadEvents),
      scaling: new Subscription(stack.wsUrl, aToken, `subscription($c: ID!) { scalingEvents(clusterId: $c) { id } }`, { c: fixture.cluster.gid }, (d) => d.scalingEvents),
      cost: new Subscription(stack.wsUrl, aToken, `subscription($c: ID!) { costTicker(clusterId: $c) { runningPods amount { micro } } }`, { c: fixture.cluster.gid }, (d) => d.costTicker),
      alerts: new Subscription(stack.wsUrl, aToken, `subscription { budgetAlerts { id } }`, {}, (d) => d.budgetAlerts),
    };
    const attachedBeforeControls = attachedToShared();
    await eventually(async () => bus.subscriptions.slice(beforeControls).filter((x) => !x.topic.endsWith('.access')).length + attachedToShared() - attachedBeforeControls >= Object.keys(control).length, 'A’s controls registered');
    await control.cost.until((xs) => xs.length >= 1, 'the first cost tick');
    try {
      // A: its Deployment scaled down (3 → 2), a metric that makes the autoscaler scale it up (→ 4), a pod deleted, a budget crossed again, a meter pass
      await as(aToken, `mutation($c: ID!) { scaleWorkload(input: { clusterId: $c, namespace: "alpha-ns", name: "alpha-web", replicas: 2 }) { userErrors { code } } }`, { c: fixture.cluster.gid });
      await converge();
      await as(aToken, `mutation($c: ID!) { reportExternalMetric(input: { clusterId: $c, namespace: "alpha-ns", name: "alpha-queue", value: "8" }) { userErrors { code } } }`, { c: fixture.cluster.gid });
      await converge();
      const live = await as(aToken, `query($c: ID!) { cluster(id: $c) { pods(first: 10, namespace: "alpha-ns") { edges { node { name deletionTimestamp } } } } }`, { c: fixture.cluster.gid });
      const victim = live.cluster.pods.edges.find((e: { node: { deletionTimestamp: string | null } }) => !e.node.deletionTimestamp).node.name;
      await as(aToken, `mutation($c: ID!, $n: String!) { deletePod(input: { clusterId: $c, namespace: "alpha-ns", name: $n }) { userErrors { code } } }`, { c: fixture.cluster.gid, n: victim });
      await converge();
      await as(aToken, `mutation($c: ID!) { setBudget(clusterId: $c, amount: "0.000002") { userErrors { code } } }`, { c: fixture.cluster.gid });
      await step(61_000);
      await control.pods.until((xs) => xs.length > 0, 'A’s pod events');
      await control.workloads.until((xs) => xs.length > 0, 'A’s workload events');
      await control.scaling.until((xs) => xs.length > 0, 'A’s rescale');
      await control.alerts.until((xs) => xs.length > 0, 'A’s budget alert');
      await control.cost.until((xs) => xs.length > 1, 'A’s cost tick');
    } finally {
      for (const c of Object.values(control)) await c.close();
    }
    for (const s of subs) {
      const leaks = await leaksOf({ data: s.items, errors: s.errors }, s.call);
      if (leaks.length) problems.push(`${s.call.field} (${s.call.label}) streamed B ${leaks.join(', ')}: ${JSON.stringify(s.items).slice(0, 400)}`);
      checkErrors(problems, `${s.call.field} (${s.call.label})`, s.errors);
    }
    for (const s of subs) s.dispose();
    await client.dispose();
    expect(problems.length, problems.slice(0, 12).map((p) => p.slice(0, 700)).join('\n')).toBe(0);
    // naming A's cluster is refused (NOT_FOUND, or BAD_USER_INPUT for a name that is not one) rather than answered with a silent stream
    const onA = subs.filter((s) => s.call.variables.clusterId === fixture.cluster.gid || s.call.variables.clusterId === fixture.cluster.uuid);
    expect(onA.length).toBeGreaterThan(0);
    for (const s of onA) expect(JSON.stringify(s.errors), `${s.call.field} (${s.call.label})`).toMatch(/"code":"(NOT_FOUND|BAD_USER_INPUT)"/);
  });

  it('lets none of B’s mutations change anything of A’s, whatever of A’s B names', async () => {
    await converge();
    let baseline = await aFingerprint();
    const problems: string[] = [];
    const run = async (c: Call) => {
      count(c);
      stringsOf(c.variables, sentInMutations);
      const r = await stack.gql(c.query, c.variables, bToken);
      const leaks = await leaksOf(r, c);
      if (leaks.length) problems.push(`${c.field} (${c.label}) showed B ${leaks.join(', ')}: ${JSON.stringify(r).slice(0, 600)}`);
      checkErrors(problems, `${c.field} (${c.label})`, r.errors);
    };
    for (const field of rootFields(schema, 'Mutation')) {
      const calls = callsOf('Mutation', field, fixture);
      for (let i = 0; i < calls.length; i += 4) await Promise.all(calls.slice(i, i + 4).map(run));
      const after = await aFingerprint();
      const changedByField = changedTables(baseline, after);
      if (changedByField.length === 0) continue;
      // which call: again one at a time
      baseline = after;
      for (const c of calls) {
        await run(c);
        const now = await aFingerprint();
        const changed = changedTables(baseline, now);
        if (changed.length) problems.push(`${c.field} (${c.label}) changed A's ${changed.join(', ')}`);
        baseline = now;
      }
      if (!problems.some((p) => p.startsWith(`${field.name} (`))) problems.push(`${field.name}: its calls changed A's ${changedByField.join(', ')} (no single call did again when re-run one at a time)`);
    }
    // and nothing of A's changes once the worker has acted on what B did
    await converge();
    expect(changedTables(baseline, await aFingerprint())).toEqual([]);
    expect(problems.length, problems.slice(0, 12).map((p) => p.slice(0, 700)).join('\n')).toBe(0);
  });

  it('called every root field', () => {
    const missing = (['Query', 'Mutation', 'Subscription'] as const).flatMap((k) => rootFields(schema, k).map((f) => `${k}.${f.name}`)).filter((n) => !coverage.get(n));
    expect(missing).toEqual([]);
  });
});
