import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import { startApp, type App } from '../src/main/app';
import { makeGql, signup, testConfig, testStore } from './support/stack';
import type { Store } from '../src/adapters/prisma/client';

const REDIS_URL = process.env.REDIS_URL;

/** Two api servers, each with its own Redis connections (as two api processes have), one store. */
describe.runIf(!!REDIS_URL)('rate limits shared by api processes through Redis', () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  let store: Store;
  const apps: App[] = [];

  beforeAll(async () => {
    store = await testStore();
    const env = { REDIS_URL, NODELESS_QUEUE_NAME: `guard-${randomUUID().slice(0, 8)}`, NODELESS_RATE_POINTS_PER_MINUTE: '600', NODELESS_SIGNUPS_PER_HOUR: '3', NODELESS_AUTH_FAILURES_PER_MINUTE: '2' };
    for (let i = 0; i < 2; i++) apps.push(await startApp(testConfig(env), { api: true, worker: false }, { store, clock }));
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
    await store?.close();
  });

  it("spends an account's points on one api process and is refused on the other, until the shared bucket refills", async () => {
    const [one, two] = apps.map((a) => makeGql(a.api!.url));
    const { token } = await signup(one, 'shared');
    const quotes = `{ ${Array.from({ length: 50 }, (_, k) => `q${k}: priceQuote(region: "ap-guangzhou", template: { spec: { containers: [{ name: "a", image: "x" }] } }) { quote { summary } }`).join(' ')} }`; // 550 points
    const first = await one(quotes, {}, token);
    expect(first.errors).toBeUndefined();
    const second = await two(quotes, {}, token);
    expect(second.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', bucket: 'account' });
    clock.advance(55_000); // 10 points a second
    expect((await two(quotes, {}, token)).errors).toBeUndefined();
    expect((await one(quotes, {}, token)).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  });

  it('counts sign-ups and failed authentications of an address across processes', async () => {
    clock.advance(3_600_000);
    const [one, two] = apps.map((a) => makeGql(a.api!.url));
    const signupOn = (g: typeof one) => g('mutation { createAccount(input: { name: "x" }) { token } }');
    const got = [await signupOn(one), await signupOn(two), await signupOn(one), await signupOn(two)].map((r) => r.errors?.[0].extensions?.code ?? 'OK');
    expect(got).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']); // 3 an hour, wherever they land
    const bad = [await one('{ viewer { name } }', {}, 'nl_nope'), await two('{ viewer { name } }', {}, 'nl_nope'), await one('{ viewer { name } }', {}, 'nl_nope')].map((r) => r.errors?.[0].extensions?.code);
    expect(bad).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
  });
});
