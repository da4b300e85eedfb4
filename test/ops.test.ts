import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/adapters/memory/bus';
import { startApp } from '../src/main/app';
import { startStack, testConfig, testStore, type Stack } from './support/stack';
import { recordingLogger } from './support/log';

/** /metrics, /readyz, CORS and the request log: what an operator of the service reads. */
describe('operations endpoints', () => {
  const log = recordingLogger();
  const bus = new MemoryBus();
  let busDown = false;
  let stack: Stack;
  let token: string;
  let base: string;

  beforeAll(async () => {
    // a bus whose server can be "down" for the readiness check
    Object.assign(bus, { ping: async () => (busDown ? Promise.reject(new Error('connection refused')) : undefined) });
    stack = await startStack({ env: { NODELESS_CORS_ORIGINS: 'https://console.example.com,localhost', NODELESS_METRICS_TOKEN: 'metrics-secret-0123456789' }, overrides: { log, bus }, worker: false });
    token = (await stack.signup('ops')).token;
    base = stack.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('exports Prometheus metrics (with the metrics token): requests by operation and outcome, refusals, sockets', async () => {
    await stack.gql('{ viewer { name } }', {}, token);
    await stack.gql(`{ ${'a: __typename '.repeat(1)} ${Array.from({ length: 101 }, (_, i) => `x${i}: __typename`).join(' ')} }`, {}, token);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer metrics-secret-0123456789' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/nodeless_graphql_requests_total\{type="query",field="viewer",outcome="ok"\} 1/);
    expect(text).toMatch(/nodeless_graphql_cost_refusals_total\{limit="aliases"\} 1/);
    expect(text).toMatch(/nodeless_graphql_request_duration_seconds_bucket\{le="[^"]+",type="query",field="viewer"\} 1/);
    expect(text).toContain('nodeless_ws_sockets 0');
  });

  it('says ready when the store and the bus answer, and which one does not', async () => {
    const ok = await fetch(`${base}/readyz`);
    expect([ok.status, await ok.json()]).toEqual([200, { ready: true, checks: { database: 'ok', bus: 'ok' } }]);
    busDown = true;
    try {
      const down = await fetch(`${base}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ ready: false, checks: { database: 'ok', bus: 'unreachable: connection refused' } });
    } finally {
      busDown = false;
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const preflight = (origin: string) => fetch(stack.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const local = await preflight('http://localhost:5173');
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(stack.url, { method: 'POST', headers: { origin: 'https://evil.example.net', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ regions { name } }' }) });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('logs one structured line per operation with its request id, account, fields, duration and cost, and echoes the request id', async () => {
    const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'req-42' }, body: JSON.stringify({ query: 'query Mine { viewer { name } regions { name } }', operationName: 'Mine' }) });
    expect(res.headers.get('x-request-id')).toBe('req-42');
    expect((await res.json()).extensions.requestId).toBe('req-42');
    const line = log.lines.find((l) => l.message === 'graphql' && l.fields.requestId === 'req-42');
    expect(line).toBeDefined();
    expect(line!.level).toBe('info');
    expect(line!.fields).toMatchObject({ type: 'query', fields: ['viewer', 'regions'], operationName: 'Mine', cost: { requested: expect.any(Number), actual: expect.any(Number) } });
    expect(line!.fields.account).toEqual(expect.any(String));
    expect(line!.fields.ms).toEqual(expect.any(Number));
    // an id that is not a safe token is replaced
    const weird = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'a b\u00e9' }, body: JSON.stringify({ query: '{ regions { name } }' }) });
    expect(weird.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves /metrics, /healthz and /readyz on NODELESS_OPS_PORT in a process without the API (a worker)', async () => {
    const store = await testStore();
    const worker = await startApp(testConfig({ NODELESS_OPS_PORT: '0' }), { api: false, worker: true }, { store, log: recordingLogger() });
    try {
      const ops = `http://127.0.0.1:${worker.ops!.port}`;
      expect((await fetch(`${ops}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${ops}/readyz`)).json()).toEqual({ ready: true, checks: { database: 'ok', bus: 'ok' } });
      expect(await (await fetch(`${ops}/metrics`)).text()).toContain('# TYPE nodeless_reconcile_duration_seconds histogram');
      expect((await fetch(`${ops}/graphql`)).status).toBe(404);
    } finally {
      await worker.stop();
      await store.close();
    }
  });
});
