import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { ManualClock } from '../src/adapters/clock';
import { startStack, type Stack } from './support/stack';
import { recordingLogger } from './support/log';

/** A raw POST: status, headers and body (the typed errors and the HTTP side of the guard). */
async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, json, text };
}

const codes = (r: { json: any }) => (r.json?.errors ?? []).map((e: any) => e.extensions?.code);

/** The attack: each fragment spreads the previous one under two aliases, 2^30 fields in 1.3 KB. */
function doublingFragments(levels: number): string {
  let doc = '{ clusters { edges { node { workloads { edges { node { ...F' + levels + ' } } } } } } }\nfragment F0 on Workload { name }\n';
  for (let i = 1; i <= levels; i++) doc += `fragment F${i} on Workload { a: children { ...F${i - 1} } b: owner { ...F${i - 1} } }\n`;
  return doc;
}

describe('the API guard (cost, size, rate limits, errors)', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const log = recordingLogger();
  let stack: Stack;
  let a: { token: string; accountId: string };
  let b: { token: string; accountId: string };
  let clusterId: string;

  beforeAll(async () => {
    stack = await startStack({
      env: {
        NODELESS_RATE_POINTS_PER_MINUTE: '600',
        NODELESS_RATE_METRIC_SAMPLES_PER_MINUTE: '60',
        NODELESS_MAX_QUERY_COST: '500',
        NODELESS_SIGNUPS_PER_HOUR: '6',
        NODELESS_AUTH_FAILURES_PER_MINUTE: '3',
        NODELESS_MAX_REQUEST_BYTES: '2000000',
      },
      overrides: { clock, log },
      worker: false, // nothing here needs a reconcile
    });
    a = await stack.signup('a');
    b = await stack.signup('b');
    const c = await stack.gql(`mutation { createCluster(input: { name: "g", region: "ap-guangzhou" }) { cluster { id } } }`, {}, a.token);
    clusterId = c.data.createCluster.cluster.id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses the nested-fragment bomb before running it, naming the limit, while another client is answered', async () => {
    const doc = doublingFragments(9); // 2^10 aliased fields, within the depth limit
    expect(doc.length).toBeLessThan(1000);
    const [bomb, other] = await Promise.all([post(stack.url, { query: doc }, { authorization: `Bearer ${a.token}` }), post(stack.url, { query: '{ viewer { name } }' }, { authorization: `Bearer ${b.token}` })]);
    expect(codes(bomb)).toEqual(['MAX_ALIASES_EXCEEDED']);
    expect(bomb.json.errors[0].extensions).toMatchObject({ limit: 'NODELESS_MAX_QUERY_ALIASES', max: 100 });
    expect(bomb.json.errors[0].message).toContain('fragments expanded');
    expect(other.json).toEqual({ data: { viewer: { name: 'b' } }, extensions: expect.any(Object) });
    // deeper still: refused on depth first; with generous depth and alias limits the cost refuses it
    expect(codes(await post(stack.url, { query: doublingFragments(30) }, { authorization: `Bearer ${a.token}` }))).toEqual(['MAX_DEPTH_EXCEEDED']);
  });

  it('refuses depth and field-count bombs with their own limits', async () => {
    const deep = `{ viewer { ${'name '.repeat(1)} } clusters { edges { node { workloads { edges { node { ${'owner { '.repeat(20)}name${' }'.repeat(20)} } } } } } } }`;
    const r = await post(stack.url, { query: deep }, { authorization: `Bearer ${a.token}` });
    expect(codes(r)).toEqual(['MAX_DEPTH_EXCEEDED']);
    expect(r.json.errors[0].extensions).toMatchObject({ limit: 'NODELESS_MAX_QUERY_DEPTH', max: 20 });
    const wide = `{ ${'regions { name } '.repeat(1001)} }`; // one response key, merged, but 2,002 selections
    const w = await post(stack.url, { query: wide }, { authorization: `Bearer ${a.token}` });
    expect(codes(w)).toEqual(['MAX_FIELDS_EXCEEDED']);
    expect(w.json.errors[0].extensions).toMatchObject({ limit: 'NODELESS_MAX_QUERY_FIELDS', max: 2000, actual: 2002 });
  });

  it('refuses a query over the cost limit with its requested cost, and runs one under it', async () => {
    const big = await post(stack.url, { query: `query($c: ID!) { cluster(id: $c) { pods(first: 1000) { edges { node { name } } } } }`, variables: { c: clusterId } }, { authorization: `Bearer ${a.token}` });
    expect(codes(big)).toEqual(['MAX_COST_EXCEEDED']);
    expect(big.json.errors[0].extensions).toMatchObject({ limit: 'NODELESS_MAX_QUERY_COST', max: 500, requested: 1003 });
    const ok = await post(stack.url, { query: `query($c: ID!) { cluster(id: $c) { pods(first: 100) { edges { node { name } } } } }`, variables: { c: clusterId } }, { authorization: `Bearer ${a.token}` });
    expect(ok.json.errors).toBeUndefined();
    // Shopify's shape: what was asked, what it cost (an empty page: the cluster and the connection), the bucket after
    expect(ok.json.extensions.cost).toMatchObject({ requestedQueryCost: 103, actualQueryCost: 3, throttleStatus: { maximumAvailable: 600, restoreRate: 10 } });
    expect(ok.headers.get('ratelimit-limit')).toBe('600');
  });

  it('refuses forty aliases of a 10,000-step dry run (the cost of each step counts)', async () => {
    const steps = Array.from({ length: 10_000 }, (_, i) => ({ at: i * 15, values: ['50'] }));
    const hpa = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: w }\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: w }\n  maxReplicas: 10\n  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } } }]\n';
    const fields = Array.from({ length: 40 }, (_, i) => `s${i}: simulateAutoscaler(manifest: $m, currentReplicas: 2, metricsTimeline: $t) { decisions { at } }`).join(' ');
    const r = await post(stack.url, { query: `query($m: String!, $t: [TimelineStepInput!]!) { ${fields} }`, variables: { m: hpa, t: steps } }, { authorization: `Bearer ${a.token}` });
    expect(codes(r)).toEqual(['MAX_COST_EXCEEDED']);
    expect(r.json.errors[0].extensions.requested).toBe(40 * (10 + 20 * 10_000 + 100)); // + 100 decisions of one point
  });

  it('answers a too-deep document with GRAPHQL_PARSE_FAILED (no parser stack overflow), a long one with QUERY_TOO_LARGE, a huge body with 413', async () => {
    const nested = `{ ${'a { '.repeat(50_000)}b${' }'.repeat(50_000)} }`;
    const deep = await post(stack.url, { query: nested.slice(0, 99_000) });
    expect(deep.status).toBe(400);
    expect(codes(deep)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const long = await post(stack.url, { query: `{ regions { name } } # ${'x'.repeat(100_001)}` });
    expect([long.status, codes(long)]).toEqual([413, ['QUERY_TOO_LARGE']]);
    const tokens = await post(stack.url, { query: `{ ${'a '.repeat(20_001)}}` });
    expect(codes(tokens)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(tokens.json.errors[0].message).toContain('tokens');
    const body = await post(stack.url, { query: '{ regions { name } }', variables: { pad: 'x'.repeat(2_100_000) } });
    expect([body.status, codes(body)]).toEqual([413, ['REQUEST_TOO_LARGE']]);
  });

  it('answers client mistakes with their codes and HTTP statuses, and logs no stack trace for them', async () => {
    const before = log.lines.filter((l) => l.level === 'error').length;
    const strict = { accept: 'application/graphql-response+json' };
    const coercion = await post(stack.url, { query: 'query($n: Int) { clusters(first: $n) { edges { cursor } } }', variables: { n: 'abc' } }, { authorization: `Bearer ${a.token}`, ...strict });
    expect([coercion.status, codes(coercion)]).toEqual([400, ['BAD_USER_INPUT']]);
    const wrongShape = await post(stack.url, { query: 'query($c: ID!) { cluster(id: $c) { name } }', variables: { c: { a: 1 } } }, { authorization: `Bearer ${a.token}` });
    expect(codes(wrongShape)).toEqual(['BAD_USER_INPUT']);
    const syntax = await post(stack.url, { query: '{ regions { name }' }, strict);
    expect([syntax.status, codes(syntax)]).toEqual([400, ['GRAPHQL_PARSE_FAILED']]);
    const invalid = await post(stack.url, { query: '{ regions { nope } }' }, strict);
    expect([invalid.status, codes(invalid)]).toEqual([400, ['GRAPHQL_VALIDATION_FAILED']]);
    const unknownOp = await post(stack.url, { query: 'query A { regions { name } }', operationName: 'B' }, strict);
    expect(codes(unknownOp)).toEqual(['BAD_USER_INPUT']);
    // with plain application/json, a request that parsed and validated answers 200 (GraphQL over HTTP)
    const plain = await post(stack.url, { query: '{ regions { nope } }' });
    expect(codes(plain)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(log.lines.filter((l) => l.level === 'error').slice(before)).toEqual([]);
  });

  it('gives the same codes over graphql-ws', async () => {
    const client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${a.token}` }, retryAttempts: 0 });
    const errorsOf = (query: string, variables: Record<string, unknown> = {}) =>
      new Promise<string[]>((resolve) => {
        client.subscribe({ query, variables }, { next: (m) => resolve((m.errors ?? []).map((e: any) => e.extensions?.code)), error: (e: any) => resolve(Array.isArray(e) ? e.map((x) => x.extensions?.code) : ['SOCKET']), complete: () => resolve([]) });
      });
    try {
      expect(await errorsOf('subscription { podEvents(clusterId: "x" { sequence } }')).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(await errorsOf('subscription { podEvents(clusterId: "x") { nope } }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(await errorsOf('subscription($s: Int) { podEvents(clusterId: "x", since: $s) { sequence } }', { s: 'many' })).toEqual(['BAD_USER_INPUT']);
      expect(await errorsOf(`subscription { podEvents(clusterId: "x") { ${'pod { '.repeat(30)}name${' }'.repeat(30)} } }`)).toEqual(['MAX_DEPTH_EXCEEDED']);
    } finally {
      await client.dispose();
    }
  });

  it('rate-limits an account by cost points per minute (429, Retry-After, RateLimit headers), refills with time, and leaves other accounts alone', async () => {
    clock.advance(60_000); // a full bucket: 600 points, 10 a second
    const quotes = `{ ${Array.from({ length: 40 }, (_, k) => `q${k}: priceQuote(region: "ap-guangzhou", template: { spec: { containers: [{ name: "a", image: "x" }] } }) { quote { summary } }`).join(' ')} }`; // 40 × 11
    const first = await post(stack.url, { query: quotes }, { authorization: `Bearer ${a.token}` });
    expect(first.status).toBe(200);
    expect(first.json.extensions.cost).toEqual({ requestedQueryCost: 440, actualQueryCost: 440, throttleStatus: { maximumAvailable: 600, currentlyAvailable: 160, restoreRate: 10 } });
    expect([first.headers.get('ratelimit-limit'), first.headers.get('ratelimit-remaining'), first.headers.get('ratelimit-reset')]).toEqual(['600', '160', '44']);
    const refused = await post(stack.url, { query: quotes }, { authorization: `Bearer ${a.token}` });
    expect([refused.status, codes(refused)]).toEqual([429, ['RATE_LIMITED']]);
    expect(refused.json.errors[0].extensions).toMatchObject({ bucket: 'account', limit: 600, remaining: 160, retryAfterSeconds: 28 });
    expect(refused.headers.get('retry-after')).toBe('28');
    expect(refused.headers.get('ratelimit-remaining')).toBe('160');
    // another account is not slowed down
    expect((await post(stack.url, { query: quotes }, { authorization: `Bearer ${b.token}` })).status).toBe(200);
    clock.advance(27_000);
    expect((await post(stack.url, { query: quotes }, { authorization: `Bearer ${a.token}` })).status).toBe(429);
    clock.advance(1_000);
    expect((await post(stack.url, { query: quotes }, { authorization: `Bearer ${a.token}` })).status).toBe(200);
  });

  it('gives metric reports their own budget', async () => {
    clock.advance(60_000);
    const report = (n: number) => post(stack.url, { query: `mutation($c: ID!, $p: [PodUsageInput!]!) { reportPodMetrics(input: { clusterId: $c, pods: $p }) { accepted userErrors { code } } }`, variables: { c: clusterId, p: Array.from({ length: n }, (_, i) => ({ name: `nope-${i}`, cpu: '100m', memory: '100Mi' })) } }, { authorization: `Bearer ${a.token}` });
    expect(codes(await report(40))).toEqual([]);
    const over = await report(40);
    expect(codes(over)).toEqual(['RATE_LIMITED']);
    expect(over.json.errors[0].extensions.bucket).toBe('metrics');
    // queries still have their points
    expect((await post(stack.url, { query: '{ viewer { name } }' }, { authorization: `Bearer ${a.token}` })).status).toBe(200);
  });

  it('rate-limits sign-ups per address', async () => {
    clock.advance(3_600_000);
    const signup = () => post(stack.url, { query: 'mutation { createAccount(input: { name: "x" }) { token } }' });
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await signup());
    expect(results.slice(0, 6).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect([results[6].status, codes(results[6])]).toEqual([429, ['RATE_LIMITED']]);
    expect(results[6].json.errors[0].extensions.bucket).toBe('signup');
    clock.advance(600_000); // 6 an hour: one more after 10 minutes
    expect((await signup()).status).toBe(200);
  });

  it('rate-limits failed authentications per address (a valid token still works)', async () => {
    clock.advance(60_000);
    const bad = () => post(stack.url, { query: '{ viewer { name } }' }, { authorization: 'Bearer nl_notatoken' });
    const got = [];
    for (let i = 0; i < 4; i++) got.push(codes(await bad())[0]);
    expect(got).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    expect((await post(stack.url, { query: '{ viewer { name } }' }, { authorization: `Bearer ${a.token}` })).status).toBe(200);
  });
});
