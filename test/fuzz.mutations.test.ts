import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { isEnumType, isInputObjectType, isListType, isNonNullType, type GraphQLInputType } from 'graphql';
import { stringify as yamlStringify } from 'yaml';
import { ManualClock } from '../src/adapters/clock';
import { schema } from '../src/graphql/schema';
import { startStack, type Stack } from './support/stack';
import { recordingLogger } from './support/log';
import { changedTables, storeFingerprinter, type Fingerprint } from './support/fingerprint';
import { mustGive, operation, rootFields, selectionSet, type RootField } from './support/schemaWalk';

/**
 * A property-based fuzz of every root mutation, derived from the schema: arguments are generated
 * from their types (input objects, lists, non-null, enums and scalars, with hostile strings,
 * 32-bit boundaries, odd floats, arbitrary and deep JSON, valid and invalid instants, and IDs that
 * are the caller's own objects, another tenant's, global IDs of the wrong type, or garbage) and
 * sent as the account's token, the operator token, a read-only token or none. For every call:
 *  - no error is INTERNAL_SERVER_ERROR and every error has an extensions.code;
 *  - a call answered with a GraphQL error or userErrors wrote nothing: a fingerprint of every table
 *    (row count and md5 of the rows) is the same before and after, once the worker has run what
 *    the call enqueued. Left out: ApiToken.lastUsedAt, which reads write on purpose (at most once a
 *    minute; the clock here does not move), and nothing else.
 * Reproducible: FUZZ_SEED (default below) seeds every field's run (fast-check prints the seed and
 * the counterexample on failure); FUZZ_RUNS sets the calls per mutation.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_310);
const RUNS = Number(process.env.FUZZ_RUNS ?? 16);
const START = Date.UTC(2026, 2, 10, 8, 0, 0);
const HOUR = 3_600_000;
const REGION = 'ap-guangzhou';

/**
 * Known failures, by mutation: the test of that mutation is expected to fail (it.fails) until the
 * bug is fixed; remove the entry then. Each names its reproduction in the report.
 */
const KNOWN_BUGS: Record<string, string> = {};

const manifestOf = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: main
        image: nginx:1.14.2
        resources:
          requests:
            cpu: 250m
            memory: 512Mi
`;

const HPA_INPUT = (clusterId: string) => ({
  clusterId,
  name: 'web-hpa',
  spec: { minReplicas: 1, maxReplicas: 3, scaleTargetRef: { name: 'web' }, metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '10' } } }] },
});

/** Strings without NUL or lone surrogates: the API refuses those for the whole request before anything runs (a test of its own); the fuzz goes past that gate. */
const storable = (s: string) => s.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');

// ───────────────────────── arbitraries ─────────────────────────

interface Pools {
  /** The caller's own objects by type, each as a global ID and as a bare UUID. */
  own: Record<'cluster' | 'workload' | 'pod' | 'invoice' | 'token' | 'account', string[]>;
  /** Another tenant's objects (global IDs and UUIDs). */
  foreign: Record<'invoice' | 'account' | 'any', string[]>;
  /** Global IDs of the wrong type, of no type, of no UUID. */
  wrongType: string[];
  garbage: string[];
  names: string[];
  podNames: string[];
  zones: string[];
  now: () => number;
}

/** Where an ID argument points (its likely target is picked more often; every other ID is tried too). */
const ID_HINTS: Record<string, (p: Pools) => string[]> = {
  clusterId: (p) => p.own.cluster,
  'RevokeApiTokenInput.id': (p) => p.own.token,
  'RotateApiTokenInput.id': (p) => p.own.token,
  'Mutation.finalizeInvoice.id': (p) => [...p.own.invoice, ...p.foreign.invoice],
  'Mutation.markInvoicePaid.id': (p) => [...p.own.invoice, ...p.foreign.invoice],
  'Mutation.voidInvoice.id': (p) => [...p.own.invoice, ...p.foreign.invoice],
  'SuspendAccountInput.id': (p) => [...p.own.account, ...p.foreign.account],
  'ReinstateAccountInput.id': (p) => [...p.own.account, ...p.foreign.account],
};

/** Which object a `name` names, by coordinate (the generic pool of names is tried too). */
const NAME_HINTS: Record<string, (p: Pools) => string[]> = {
  'DeletePodInput.name': (p) => p.podNames,
  'PodUsageInput.name': (p) => p.podNames,
  'SetAutoscalerInput.name': () => ['web-hpa', 'new-hpa'],
  'DeleteAutoscalerInput.name': () => ['web-hpa'],
  'MetricIdentifierInput.name': () => ['queue'],
  'ReportExternalMetricInput.name': () => ['queue'],
  'ReportObjectMetricInput.name': () => ['queue'],
  'ContainerResourceMetricSourceInput.name': () => ['cpu', 'memory'],
  'ResourceMetricSourceInput.name': () => ['cpu', 'memory'],
  'ContainerUsageInput.name': () => ['main'],
  'NamedPriceInput.name': () => ['intel', 'amd'],
  'CreateClusterInput.name': () => ['fuzz-2', 'fuzz'],
};

const pick = (xs: () => string[]) => fc.nat().map((i) => { const v = xs(); return v[i % v.length]; });

const HOSTILE = [
  '',
  ' ',
  '\n',
  '\t',
  '0',
  '-1',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '"',
  "'; DROP TABLE \"Account\"; --",
  '../../etc/passwd',
  '%s%s%n',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '\u202Eevil',
  '\u200B',
  'ǅ',
  '☃',
  '🙂🙂',
  'é',
  '\\u0000',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(253),
  'a'.repeat(254),
  'A_B',
  'UPPER',
  '-x',
  'x-',
  'x.y',
  'x..y',
  '.x',
  'default',
  'kube-system',
];
const QUANTITIES = ['250m', '1', '1.5', '1.5Gi', '512Mi', '1e3', '1E3', '-1', '0', '0.000000001', '0.0000001', '1Ei', '99999999999999999999Gi', '1Ki', '1k', '1m', 'NaN', 'Infinity', '1/2', '12.3456789', '0x10', '+1', '.5', '5.', '1 Gi', '2Gi2'];
const KINDS = ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'ReplicaSet', 'Pod', 'DaemonSet', 'Service', 'HorizontalPodAutoscaler', 'Namespace', 'ResourceQuota', 'LimitRange', 'PriorityClass', 'deployment', 'Unknown'];
const YAML_FRAGMENTS = [
  '---',
  '--- \n---\n',
  'kind: Deployment',
  '{',
  '}',
  '[',
  ']',
  'a: &a [*a, *a]',
  'a: &a\n  b: *a',
  'x: !!binary AAAA',
  'x: !!js/function "function(){}"',
  '? complex\n: key',
  '%YAML 1.1\n---\na: 1',
  'key: value\n  bad: indent',
  'apiVersion: v1\nkind: List\nitems: []',
  'apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: []}]',
  'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}',
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: c}}, spec: {containers: [{name: c, image: i}]}}}',
  'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec: {schedule: "99 * * * *", jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}}}}',
  'a: 1\na: 2',
  'metadata:\n  name: x\n  name: y',
  '- 1\n- 2',
  '"just a string"',
  '12',
  'null',
  '~',
];

const hostileString = (pools: Pools): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
      { weight: 2, arbitrary: fc.constantFrom(...QUANTITIES) },
      { weight: 2, arbitrary: fc.nat().map((i) => pools.names[i % pools.names.length]) },
      { weight: 1, arbitrary: fc.constantFrom(...YAML_FRAGMENTS) },
      { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,70}[a-z0-9])?$/) },
      // names at the length limits (a cluster name's 40, a label's 63, a subdomain's 253), with and without dashes
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(1, 2, 39, 40, 41, 52, 53, 62, 63, 64, 253, 254), fc.constantFrom('a', 'a-b', 'x1-', 'A')).map(([n, unit]) => unit.repeat(n).slice(0, n).replace(/-$/, 'z')) },
      { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1_000, max: 150_000 }), fc.constantFrom('x', 'é', '🙂', 'a-', '\n')).map(([n, c]) => c.repeat(Math.ceil(n / c.length))) },
    )
    .map(storable);

/** A Kubernetes manifest: generated objects of every kind (often valid, often not), several documents, or fragments. */
const manifestArb = (pools: Pools): fc.Arbitrary<string> => {
  const name = fc.oneof(fc.constantFrom('web', 'fuzz-a', 'fuzz-b', 'Web_Server', '', 'a'.repeat(70)), fc.nat().map((i) => pools.names[i % pools.names.length]));
  const quantity = fc.oneof(fc.constantFrom(...QUANTITIES), fc.integer());
  const container = fc.record(
    {
      name: fc.constantFrom('c', 'main', 'C!', ''),
      image: fc.constantFrom('nginx:1.14.2', 'busybox', '', 'img@sha256:xyz'),
      resources: fc.record({ requests: fc.record({ cpu: quantity, memory: quantity }, { requiredKeys: [] }), limits: fc.record({ cpu: quantity, memory: quantity, 'nvidia.com/gpu': fc.integer({ min: -1, max: 9 }) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      ports: fc.array(fc.record({ containerPort: fc.integer({ min: -1, max: 70000 }) }), { maxLength: 2 }),
      env: fc.array(fc.record({ name: fc.constantFrom('A', '', '1x'), value: fc.string({ maxLength: 5 }) }), { maxLength: 2 }),
    },
    { requiredKeys: ['name', 'image'] },
  );
  const annotations = fc.dictionary(fc.constantFrom('eks.tke.cloud.tencent.com/gpu-type', 'eks.tke.cloud.tencent.com/spot-pod', 'eks.tke.cloud.tencent.com/cpu', 'sim.nodeless.dev/crash-after-ms', 'x', 'a/b/c'), fc.constantFrom('T4', 'V100,T4', 'true', '3', '1000', '', 'x'), { maxKeys: 2 });
  const podSpec = fc.record({ containers: fc.array(container, { maxLength: 3 }), restartPolicy: fc.constantFrom('Always', 'Never', 'OnFailure', 'Sometimes'), priorityClassName: fc.constantFrom('system-cluster-critical', 'nope') }, { requiredKeys: ['containers'] });
  const object = fc.record(
    {
      apiVersion: fc.constantFrom('apps/v1', 'v1', 'batch/v1', 'autoscaling/v2', 'scheduling.k8s.io/v1', 'extensions/v1beta1', ''),
      kind: fc.constantFrom(...KINDS),
      metadata: fc.record({ name, namespace: fc.constantFrom('default', 'fuzz-ns', 'Bad_NS'), labels: fc.dictionary(fc.constantFrom('app', 'a/b', ''), fc.constantFrom('web', 'x', ''), { maxKeys: 2 }), annotations }, { requiredKeys: ['name'] }),
      spec: fc.record(
        {
          replicas: fc.oneof(fc.integer({ min: -2, max: 7 }), fc.constantFrom(2147483647, 1e9, '3', null)),
          selector: fc.constantFrom({ matchLabels: { app: 'web' } }, { matchLabels: {} }, {}, null),
          template: fc.record({ metadata: fc.record({ labels: fc.constantFrom({ app: 'web' }, { app: 'other' }, {}), annotations }, { requiredKeys: [] }), spec: podSpec }, { requiredKeys: [] }),
          schedule: fc.constantFrom('* * * * *', '99 * * * *', '@hourly', ''),
          hard: fc.dictionary(fc.constantFrom('pods', 'requests.cpu', 'limits.memory', 'nope'), quantity, { maxKeys: 2 }),
          limits: fc.array(fc.record({ type: fc.constantFrom('Container', 'Pod', 'x'), default: fc.record({ cpu: quantity }) }), { maxLength: 2 }),
          value: fc.integer(),
          maxReplicas: fc.integer({ min: -1, max: 10 }),
          scaleTargetRef: fc.record({ kind: fc.constantFrom('Deployment', 'Pod'), name }),
          containers: fc.array(container, { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['kind'] },
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(object, { minLength: 1, maxLength: 3 }).map((docs) => docs.map((d) => yamlStringify(d)).join('---\n')) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...YAML_FRAGMENTS), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('\n')) },
    { weight: 1, arbitrary: fc.constant(manifestOf('web', 2)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 250 }).map((n) => Array.from({ length: n }, (_, i) => manifestOf(`bulk-${i}`, 0)).join('---\n')) },
    { weight: 1, arbitrary: hostileString(pools) },
  );
};

/** Meaningful values for leaves of these names, mixed in with the hostile ones. */
const HINTS: Record<string, (p: Pools) => string[]> = {
  name: (p) => p.names,
  tokenName: (p) => p.names,
  namespace: () => ['default', 'default', 'default', 'kube-system', 'fuzz-ns'],
  kind: () => ['Deployment', 'Deployment', 'Deployment', 'Deployment', ...KINDS],
  region: () => [REGION, 'ap-shanghai', 'us-east-1', 'mars-1'],
  zone: (p) => p.zones,
  image: () => ['nginx:1.14.2', 'nginx', 'registry.example.com:5000/a/b:1', 'a@sha256:' + 'f'.repeat(64)],
  amount: () => ['1', '0.000001', '0.0000001', '1000', '0', '-1', '1e3', '12.3456789', '1000000000000000000001'],
  currency: () => ['CNY', 'USD', 'EUR', 'cny'],
  value: () => QUANTITIES,
  cpu: () => QUANTITIES,
  memory: () => QUANTITIES,
  averageValue: () => QUANTITIES,
  tolerance: () => QUANTITIES,
  perSecond: () => ['0.00003334', '0.000000001', '0.0000000001', '1', '-1', '9999999999.999999999'],
  cardPerSecond: () => ['0.003193', '0', '-1'],
  cpuPerSecond: () => ['0.00005778', 'x'],
  memoryPerSecond: () => ['0.00003389', '1e-5'],
  percent: () => ['67.5', '0', '100', '100.01', '-1', '12.345'],
  spotPercent: () => ['20', '0', '100', '101', '12.345'],
  type: () => ['Resource', 'ContainerResource', 'Pods', 'Object', 'External', 'Utilization', 'AverageValue', 'Value', 'Percent', 'pods'],
  selectPolicy: () => ['Max', 'Min', 'Disabled', 'max'],
  cpuType: () => ['intel', 'amd', 'arm'],
  model: () => ['T4', 'V100', 'A100'],
  apiVersion: () => ['apps/v1', 'v1', 'autoscaling/v2'],
  reason: () => ['fraud', 'x'.repeat(500), 'x'.repeat(501), ' '],
};

const INT_EDGES = [0, -1, 1, 2, 3, 5, 59, 60, 600, 3600, 3601, 86400, 2147483647, -2147483648, 2147483648, -2147483649, 4294967296];
const intArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...INT_EDGES) }, { weight: 2, arbitrary: fc.integer({ min: -5, max: 10 }) }, { weight: 1, arbitrary: fc.integer() });
const floatArb = fc.oneof(fc.constantFrom(0, -0, -1, 0.5, 1, 15, 86400, 1e15, 1e308, -1e308, 5e-324, 2 ** 53), fc.double({ noNaN: true, noDefaultInfinity: true }));

const jsonArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, {}, [], '', 0, true, { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()).map(([n, arr]) => { let v: unknown = 'leaf'; for (let i = 0; i < n; i++) v = arr ? [v] : { a: v }; return v; }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))) },
  { weight: 2, arbitrary: fc.record({ metadata: fc.record({ annotations: fc.dictionary(fc.constantFrom('eks.tke.cloud.tencent.com/gpu-type', 'eks.tke.cloud.tencent.com/spot-pod', 'x'), fc.constantFrom('T4', 'true', '')) }), spec: fc.record({ containers: fc.array(fc.record({ name: fc.constantFrom('c', ''), image: fc.constant('nginx'), resources: fc.record({ requests: fc.dictionary(fc.constantFrom('cpu', 'memory', 'nvidia.com/gpu'), fc.oneof(fc.constantFrom(...QUANTITIES), fc.integer())) }) }), { maxLength: 3 }) }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null))) },
);

const dateArb = (pools: Pools): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -40 * 86_400_000, max: 11 * 365 * 86_400_000 }).map((ms) => new Date(pools.now() + ms).toISOString()) },
    { weight: 2, arbitrary: fc.integer({ min: -48, max: 48 }).map((h) => new Date((Math.floor(pools.now() / HOUR) + h) * HOUR).toISOString()) },
    { weight: 1, arbitrary: fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()) },
    { weight: 2, arbitrary: fc.constantFrom('', 'tomorrow', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', 'NaN', '0', '-1', '+275760-09-13T00:00:00.001Z', '1970-01-01', '2026-03-10T08:00:00+14:00', '9999-12-31T23:59:59.999Z') },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(1e20)) },
  );

/** An arbitrary for a value of `t` at `coord` (`Mutation.setBudget.amount`, `ScaleWorkloadInput.replicas`); nullable types are sometimes null. */
function arbFor(t: GraphQLInputType, coord: string, name: string, pools: Pools, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(t)) return arbForNamed(t.ofType, coord, name, pools, depth);
  return fc.option(arbForNamed(t, coord, name, pools, depth), { nil: null, freq: 6 });
}

function arbForNamed(t: GraphQLInputType, coord: string, name: string, pools: Pools, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(t)) return arbFor(t, coord, name, pools, depth);
  if (isListType(t)) return fc.oneof({ weight: 6, arbitrary: fc.array(arbFor(t.ofType, coord, name, pools, depth + 1), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(arbFor(t.ofType, coord, name, pools, depth + 1), { minLength: 20, maxLength: 60 }) });
  if (isInputObjectType(t)) {
    if (depth > 6) return fc.constant({});
    const fields = Object.values(t.getFields());
    const shape = Object.fromEntries(fields.map((f) => [f.name, arbFor(f.type, `${t.name}.${f.name}`, f.name, pools, depth + 1)]));
    return fc.record(shape, { requiredKeys: fields.filter(mustGive).map((f) => f.name) });
  }
  if (isEnumType(t)) return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...t.getValues().map((v) => v.name)) }, { weight: 1, arbitrary: fc.constantFrom('NOPE', '', 'draft') });
  const hinted = (base: fc.Arbitrary<unknown>) => {
    const byCoord: ((p: Pools) => string[]) | undefined = NAME_HINTS[coord];
    const byName: ((p: Pools) => string[]) | undefined = HINTS[name];
    const options: fc.WeightedArbitrary<unknown>[] = [{ weight: 2, arbitrary: base }];
    if (byCoord) options.push({ weight: 4, arbitrary: pick(() => byCoord(pools)) });
    if (byName) options.push({ weight: 3, arbitrary: pick(() => byName(pools)) });
    return fc.oneof(...options);
  };
  switch (t.name) {
    case 'String':
      return name === 'manifest' ? manifestArb(pools) : hinted(hostileString(pools));
    case 'ID': {
      const own = () => Object.values(pools.own).flat();
      const hint: ((p: Pools) => string[]) | undefined = ID_HINTS[coord] ?? ID_HINTS[name];
      return fc.oneof(
        ...(hint ? [{ weight: 6, arbitrary: pick(() => hint(pools)) }] : []),
        { weight: 3, arbitrary: pick(own) },
        { weight: 1, arbitrary: pick(() => pools.foreign.any) },
        { weight: 1, arbitrary: pick(() => pools.wrongType) },
        { weight: 1, arbitrary: pick(() => pools.garbage) },
        { weight: 1, arbitrary: hostileString(pools) },
      );
    }
    case 'Int':
      return intArb;
    case 'Float':
      return floatArb;
    case 'Boolean':
      return fc.boolean();
    case 'JSON':
      return jsonArb;
    case 'DateTime':
      return dateArb(pools);
    default:
      throw new Error(`test/fuzz.mutations.test.ts cannot generate values of the scalar ${t.name} (argument ${coord}): add it to arbForNamed`);
  }
}

/** The arguments of a root field: required ones always, optional ones sometimes (absent, null or a value). */
function argsArb(field: RootField, pools: Pools): fc.Arbitrary<Record<string, unknown>> {
  const shape = Object.fromEntries(field.args.map((a) => [a.name, arbFor(a.type, `Mutation.${field.name}.${a.name}`, a.name, pools)]));
  return fc.record(shape, { requiredKeys: field.args.filter(mustGive).map((a) => a.name) }) as fc.Arbitrary<Record<string, unknown>>;
}

type Caller = 'user' | 'operator' | 'readOnly' | 'anonymous';

/** A seed per mutation, stable when fields are added or reordered. */
const seedOf = (name: string) => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, SEED);

const isOperatorField = (f: RootField) => /^Operators:/.test(f.description ?? '');

// ───────────────────────── the test ─────────────────────────

describe('fuzzing every mutation: no internal error, every error coded, no partial write', () => {
  const clock = new ManualClock(START);
  const log = recordingLogger();
  const errorsLogged = () => log.lines.filter((l) => l.level === 'error');
  let stack: Stack;
  let fingerprintNow: () => Promise<Fingerprint>;
  let last: Fingerprint;
  const tokens: Record<Caller, string | undefined> = { user: undefined, operator: undefined, readOnly: undefined, anonymous: undefined };
  let rescue = '';
  let clusterGid = '';
  let accountGid = '';
  let repairs = 0;
  const pools: Pools = {
    own: { cluster: [], workload: [], pod: [], invoice: [], token: [], account: [] },
    foreign: { invoice: [], account: [], any: [] },
    wrongType: [],
    garbage: [],
    names: [],
    podNames: [],
    zones: [],
    now: () => clock.now(),
  };
  const tally = { calls: 0, refused: 0, succeeded: 0 };

  const converge = () => stack.converge(clock);
  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const r = await stack.gql(query, variables, token);
    if (r.errors) throw new Error(`${query}: ${JSON.stringify(r.errors)}`);
    const payload = Object.values(r.data ?? {})[0] as { userErrors?: unknown[] } | null;
    if (payload && typeof payload === 'object' && Array.isArray(payload.userErrors) && payload.userErrors.length) throw new Error(`${query}: ${JSON.stringify(payload.userErrors)}`);
    return r.data;
  };
  const uuidOf = (gid: string) => Buffer.from(gid, 'base64').toString('utf8').split(':')[1];

  /** After a call that succeeded: put back what the next calls need (the token, the account, the Deployment, its autoscaler). */
  async function repair(): Promise<void> {
    const probe = async () => stack.gql(`query($c: ID!) { viewer { status } cluster(id: $c) { workloads(first: 50, kind: "Deployment") { edges { node { name } } } autoscaler(name: "web-hpa") { name } } }`, { c: clusterGid }, tokens.user);
    let r = await probe();
    if (r.errors?.some((e) => e.extensions?.code === 'FORBIDDEN')) {
      await ok(tokens.operator!, `mutation($i: ID!) { reinstateAccount(input: { id: $i }) { userErrors { code } } }`, { i: accountGid });
      repairs++;
      r = await probe();
    }
    if (r.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
      const t = await ok(rescue, `mutation($n: String!) { createApiToken(input: { name: $n }) { token apiToken { id } userErrors { code } } }`, { n: `main-${++repairs}` });
      tokens.user = t.createApiToken.token;
      pools.own.token.push(t.createApiToken.apiToken.id, uuidOf(t.createApiToken.apiToken.id));
      r = await probe();
    }
    if (r.errors) throw new Error(`cannot repair the fixture: ${JSON.stringify(r.errors)}`);
    if (!r.data.cluster.workloads.edges.some((e: { node: { name: string } }) => e.node.name === 'web')) {
      await ok(tokens.user!, `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { code message } } }`, { c: clusterGid, m: manifestOf('web', 2) });
      repairs++;
    }
    if (!r.data.cluster.autoscaler) {
      await ok(tokens.user!, `mutation($i: SetAutoscalerInput!) { setAutoscaler(input: $i) { userErrors { code message } } }`, { i: HPA_INPUT(clusterGid) });
      repairs++;
    }
    await converge();
  }

  beforeAll(async () => {
    stack = await startStack({
      overrides: { clock, log },
      env: {
        NODELESS_REPLICAS_PER_WORKLOAD: '6',
        NODELESS_PODS_PER_CLUSTER: '12',
        NODELESS_CLUSTERS_PER_ACCOUNT: '4',
        NODELESS_MAX_QUERY_COST: '100000000',
        NODELESS_MAX_QUERY_FIELDS: '100000',
        NODELESS_HPA_INITIAL_READINESS_DELAY_MS: '0',
        NODELESS_HPA_CPU_INITIALIZATION_MS: '0',
      },
    });
    tokens.operator = stack.app.runtime.svc.settings.operatorToken;
    const me = await stack.signup('fuzz-tenant');
    const other = await stack.signup('other-tenant');
    tokens.user = me.token;
    accountGid = me.accountId;
    rescue = (await ok(me.token, `mutation { createApiToken(input: { name: "rescue" }) { token } }`)).createApiToken.token;
    tokens.readOnly = (await ok(me.token, `mutation { createApiToken(input: { name: "reader", scope: READ_ONLY }) { token } }`)).createApiToken.token;
    const spare = (await ok(me.token, `mutation { createApiToken(input: { name: "spare" }) { apiToken { id } } }`)).createApiToken.apiToken.id as string;
    clusterGid = (await ok(me.token, `mutation { createCluster(input: { name: "fuzz", region: "${REGION}" }) { cluster { id } userErrors { code } } }`)).createCluster.cluster.id;
    const otherCluster = (await ok(other.token, `mutation { createCluster(input: { name: "theirs", region: "${REGION}" }) { cluster { id } userErrors { code } } }`)).createCluster.cluster.id as string;
    await converge();
    await ok(me.token, `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { code message } } }`, { c: clusterGid, m: manifestOf('web', 2) });
    await ok(other.token, `mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { userErrors { code message } } }`, { c: otherCluster, m: manifestOf('their-web', 1) });
    await converge();
    await ok(me.token, `mutation($i: SetAutoscalerInput!) { setAutoscaler(input: $i) { userErrors { code message } } }`, { i: HPA_INPUT(clusterGid) });
    clock.advance(120_000); // two minutes of billing: usage, draft invoices
    await converge();

    const mine = await ok(me.token, `query($c: ID!) { cluster(id: $c) { pods(first: 5) { edges { node { id name } } } workloads(first: 5) { edges { node { id name } } } } invoices(first: 1) { edges { node { id } } } apiTokens(first: 10) { edges { node { id name } } } }`, { c: clusterGid });
    const theirs = await ok(other.token, `query($c: ID!) { cluster(id: $c) { pods(first: 1) { edges { node { id name } } } workloads(first: 1) { edges { node { id } } } } invoices(first: 1) { edges { node { id } } } apiTokens(first: 1) { edges { node { id } } } }`, { c: otherCluster });
    const both = (gids: string[]) => gids.flatMap((g) => [g, uuidOf(g)]);
    const ids = <T extends { node: { id: string } }>(edges: T[]) => edges.map((e) => e.node.id);
    pools.own = {
      cluster: both([clusterGid]),
      workload: both(ids(mine.cluster.workloads.edges)),
      pod: both(ids(mine.cluster.pods.edges)),
      invoice: both(ids(mine.invoices.edges)),
      token: both([...ids(mine.apiTokens.edges.filter((e: { node: { name: string } }) => e.node.name !== 'rescue')), spare]),
      account: both([accountGid]),
    };
    pools.foreign = {
      invoice: both(ids(theirs.invoices.edges)),
      account: both([other.accountId]),
      any: both([otherCluster, other.accountId, ...ids(theirs.cluster.pods.edges), ...ids(theirs.cluster.workloads.edges), ...ids(theirs.invoices.edges), ...ids(theirs.apiTokens.edges)]),
    };
    const cu = uuidOf(clusterGid);
    const pu = uuidOf(mine.cluster.pods.edges[0].node.id);
    pools.wrongType = [encodeGlobalID('Pod', cu), encodeGlobalID('Cluster', pu), encodeGlobalID('Invoice', uuidOf(accountGid)), encodeGlobalID('Nope', cu), encodeGlobalID('Cluster', 'not-a-uuid'), encodeGlobalID('Cluster', ''), encodeGlobalID('Cluster', cu.toUpperCase())];
    pools.garbage = ['', ' ', 'x', '0', '-1', '00000000-0000-0000-0000-000000000000', cu.toUpperCase(), ` ${cu}`, `${cu}\n`, cu.replace(/-/g, ''), `{${cu}}`, '!!!', 'Q2x1c3Rlcg==', 'a'.repeat(10_000)];
    pools.podNames = [...mine.cluster.pods.edges.map((e: { node: { name: string } }) => e.node.name), theirs.cluster.pods.edges[0].node.name];
    pools.names = ['web', 'web-hpa', 'queue', 'fuzz', 'theirs', 'their-web', 'rescue', 'reader', 'spare', 'default', ...pools.podNames];
    pools.zones = [...stack.app.runtime.svc.fleet.regions.flatMap((r) => r.zones.map((z) => z.name)), 'nowhere'];
    fingerprintNow = await storeFingerprinter(stack.app.runtime.svc.db);
    last = await fingerprintNow();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('starts from a store that holds still: two fingerprints with the worker idle are equal', async () => {
    await converge();
    expect(changedTables(last, await fingerprintNow())).toEqual([]);
  });

  for (const field of rootFields(schema, 'Mutation')) {
    const operatorField = isOperatorField(field);
    const title = `${field.name}${operatorField ? ' (operators)' : ''}`;
    const test = KNOWN_BUGS[field.name] ? it.fails : it;
    test(title + (KNOWN_BUGS[field.name] ? ` — known bug: ${KNOWN_BUGS[field.name]}` : ''), async () => {
      const selection = selectionSet(schema, field.type, { depth: 2 });
      const callers: fc.Arbitrary<Caller> = fc.oneof(
        { weight: 6, arbitrary: fc.constant(operatorField ? 'operator' : 'user') },
        { weight: 1, arbitrary: fc.constant(operatorField ? 'user' : 'operator') },
        { weight: 1, arbitrary: fc.constantFrom<Caller>('readOnly', 'anonymous') },
      );
      const seed = seedOf(field.name);
      // the same inputs again: this whole file with the same seed and runs (or `-t <field>`; the store then misses what the earlier fields wrote)
      const reproduce = `reproduce with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx vitest run test/fuzz.mutations.test.ts`;
      await fc.assert(
        fc.asyncProperty(callers, argsArb(field, pools), async (caller, args) => {
          const loggedBefore = errorsLogged().length;
          const present = field.args.filter((a) => a.name in args).map((a) => a.name);
          const query = operation('Mutation', field, present, selection);
          const res = await fetch(stack.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(tokens[caller] ? { authorization: `Bearer ${tokens[caller]}` } : {}) },
            body: JSON.stringify({ query, variables: args }),
          });
          const text = await res.text();
          let body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
          try {
            body = JSON.parse(text);
          } catch {
            throw new Error(`HTTP ${res.status} answered with a body that is not JSON: ${text.slice(0, 300)}`);
          }
          tally.calls++;
          const errors = body.errors ?? [];
          for (const e of errors) {
            expect(e.extensions?.code, `an error without extensions.code: ${JSON.stringify(e)}`).toEqual(expect.any(String));
            expect(e.extensions!.code, `an internal error: ${JSON.stringify(e)}`).not.toBe('INTERNAL_SERVER_ERROR');
          }
          const payload = body.data?.[field.name] as { userErrors?: unknown[] } | null | undefined;
          const refused = errors.length > 0 || (!!payload && typeof payload === 'object' && Array.isArray(payload.userErrors) && payload.userErrors.length > 0);
          await converge();
          // a client's mistake is answered, not logged as an incident (and neither is anything the worker did about the call)
          expect(errorsLogged().slice(loggedBefore).map((l) => `${l.message}: ${JSON.stringify(l.fields).slice(0, 300)}`)).toEqual([]);
          const now = await fingerprintNow();
          if (refused) {
            tally.refused++;
            const changed = changedTables(last, now);
            expect(changed, `refused (${JSON.stringify(errors.map((e) => e.extensions?.code)) + JSON.stringify(payload?.userErrors ?? []).slice(0, 300)}) but wrote to ${changed.join(', ')}`).toEqual([]);
          } else {
            tally.succeeded++;
            await repair();
          }
          last = refused ? now : await fingerprintNow();
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      ).catch((err: Error) => {
        err.message = `${reproduce} (field seed ${seed})\n${err.message}`;
        throw err;
      });
    });
  }

  // Found by this fuzz (FUZZ_SEED=7 FUZZ_RUNS=120), as minimal reproductions. An `it.fails` is a
  // bug not fixed yet: when it starts passing, it.fails fails; turn it into `it` then.
  const noInternalError = (body: { errors?: { extensions?: { code?: string } }[] }) => {
    for (const e of body.errors ?? []) {
      expect(e.extensions?.code, JSON.stringify(e)).toEqual(expect.any(String));
      expect(e.extensions!.code, JSON.stringify(e)).not.toBe('INTERNAL_SERVER_ERROR');
    }
  };

  it('refuses a metric selector nested 3,000 deep with a userError, in setAutoscaler and simulateAutoscaler (found by this fuzz; fixed in graphql/schema/autoscaling raw)', async () => {
    let selector: unknown = 'x';
    for (let i = 0; i < 3000; i++) selector = [selector];
    const spec = { maxReplicas: 2, scaleTargetRef: { name: 'web' }, metrics: [{ type: 'External', external: { metric: { name: 'queue', selector }, target: { type: 'Value', value: '1' } } }] };
    const set = await stack.gql(`mutation($i: SetAutoscalerInput!) { setAutoscaler(input: $i) { userErrors { field code } } }`, { i: { clusterId: clusterGid, name: 'deep', spec } }, tokens.user);
    noInternalError(set);
    expect(set.data?.setAutoscaler.userErrors).toEqual([{ field: ['spec', 'metrics', '0', 'external', 'metric', 'selector'], code: 'INVALID_VALUE' }]);
    const sim = await stack.gql(`query($s: AutoscalerSpecInput) { simulateAutoscaler(spec: $s, currentReplicas: 1, metricsTimeline: [{ at: 0, values: ["1"] }]) { userErrors { field code } } }`, { s: spec }, tokens.user);
    noInternalError(sim);
    expect(sim.data?.simulateAutoscaler.userErrors).toEqual([{ field: ['spec', 'metrics', '0', 'external', 'metric', 'selector'], code: 'INVALID_VALUE' }]);
    await converge();
    last = await fingerprintNow();
  });

  it('refuses a manifest with a recursive YAML alias ("a: &a [*a]") with a userError (found by this fuzz: it was an INTERNAL_SERVER_ERROR, a stack overflow on the cyclic object)', async () => {
    for (const m of ['a: &a [*a]', 'a: &a\n  b: *a', 'apiVersion: v1\nkind: Pod\nmetadata: &m { name: p, x: *m }']) {
      const r = await stack.gql(`mutation($c: ID!, $m: String!) { applyManifest(input: { clusterId: $c, manifest: $m }) { objects { name } userErrors { field code } } }`, { c: clusterGid, m }, tokens.user);
      noInternalError(r);
      expect(r.data?.applyManifest.objects, m).toEqual([]);
      expect(r.data?.applyManifest.userErrors.length, m).toBeGreaterThan(0);
    }
    await converge();
    expect(changedTables(last, await fingerprintNow())).toEqual([]);
  });

  it('answers a request whose variables nest 10,000 deep without INTERNAL_SERVER_ERROR or a logged stack trace (the unstorable-text gate walks, it does not recurse)', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000); // 20 KB; written by hand: JSON.stringify of it overflows here too
    const before = errorsLogged().length;
    const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"query":"{ regions { name } }","variables":{"x":${deep}}}` });
    noInternalError(await res.json());
    expect(errorsLogged().slice(before)).toEqual([]);
  });

  it('made calls that were refused and calls that went through', () => {
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.succeeded).toBeGreaterThan(0);
  });
});
