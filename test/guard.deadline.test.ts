import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, type GraphQLFieldConfigMap } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { ManualClock } from '../src/adapters/clock';
import { MemoryRateLimiter } from '../src/adapters/memory/ratelimiter';
import { useGuard } from '../src/graphql/guard/plugin';
import { defaultGuardSettings } from '../src/graphql/guard/settings';
import { silentLogger } from '../src/ports/log';
import { noopMetrics } from '../src/ports/metrics';
import type { Services } from '../src/app/services';

/**
 * The guard's deadline and cancellation on a schema whose resolver waits until the test lets it
 * go: nothing below a stopped operation resolves, whether the deadline passed or the client left.
 */
describe('the operation deadline', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let server: Server;
  let url: string;
  let release: () => void = () => {};
  let entered: Promise<AbortSignal>;
  let enter: (s: AbortSignal) => void;
  let below = 0;

  const arm = () => {
    below = 0;
    entered = new Promise((r) => (enter = r));
    const gate = new Promise<void>((r) => (release = r));
    return gate;
  };
  let gate = Promise.resolve();

  beforeAll(async () => {
    const Slow: GraphQLObjectType = new GraphQLObjectType({
      name: 'Slow',
      fields: (): GraphQLFieldConfigMap<unknown, unknown> => ({
        next: {
          type: Slow,
          resolve: () => {
            below++;
            return {};
          },
        },
        value: { type: GraphQLString, resolve: () => 'v' },
      }),
    });
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          slow: {
            type: Slow,
            resolve: async (_s, _a, _c, info) => {
              enter((info as unknown as { signal: AbortSignal }).signal);
              await gate;
              return {};
            },
          },
        },
      }),
    });
    const guard = useGuard({ svc: { clock } as unknown as Services, settings: { ...defaultGuardSettings, timeoutMs: 1000, deadlineMinCost: 2 }, limiter: new MemoryRateLimiter(clock), log: silentLogger, metrics: noopMetrics() });
    const yoga = createYoga({ schema, plugins: [guard], maskedErrors: false, logging: false, context: () => ({ account: null, operator: true }) });
    server = createServer(yoga as never);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('stops an operation that outlives the deadline with QUERY_TIMEOUT; nothing below it resolves', async () => {
    gate = arm();
    const res = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ slow { next { value } } }' }) });
    const signal = await entered;
    clock.advance(999);
    expect(signal.aborted).toBe(false);
    clock.advance(1);
    expect(signal.aborted).toBe(true);
    const body = await (await res).json();
    release();
    await gate;
    expect(body.errors[0].extensions.code).toBe('QUERY_TIMEOUT');
    expect(body.errors[0].message).toContain('NODELESS_QUERY_TIMEOUT_MS');
    expect(below).toBe(0);
  });

  it('stops an operation whose client went away; nothing below it resolves', async () => {
    gate = arm();
    const client = new AbortController();
    const res = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ slow { next { value } } }' }), signal: client.signal }).catch((e) => e);
    const signal = await entered;
    client.abort();
    await res;
    await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    release();
    await gate;
    await new Promise((r) => setImmediate(r));
    expect(below).toBe(0);
  });

  it('spares operations cheaper than NODELESS_DEADLINE_MIN_COST the deadline (they cannot run long)', async () => {
    gate = arm();
    const res = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ slow { value } }' }) }); // 1 point
    const signal = await entered;
    expect(signal).toBeUndefined();
    clock.advance(5000);
    release();
    expect(await (await res).json()).toMatchObject({ data: { slow: { value: 'v' } } });
  });

  it('lets an operation within the deadline finish, and cancels its timer', async () => {
    gate = arm();
    const res = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ slow { next { value } } }' }) });
    const signal = await entered;
    release();
    const body = await (await res).json();
    expect(body).toMatchObject({ data: { slow: { next: { value: 'v' } } } });
    clock.advance(5000);
    expect(signal.aborted).toBe(false);
    expect(below).toBe(1);
  });
});
