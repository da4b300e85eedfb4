import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { ManualClock } from '../src/adapters/clock';
import { topics, type AccountAccessMessage } from '../src/app/topics';
import { authorize } from '../src/graphql/auth';
import { eventually, startStack, Subscription, testStore, type GqlResult, type Stack } from './support/stack';

const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;

const VIEWER = `{ viewer { id name } }`;
const TOKENS = `query($active: Boolean) { apiTokens(first: 100, activeOnly: $active) { edges { node { id name prefix scope status current createdAt lastUsedAt expiresAt revokedAt rotatedFromId } } } }`;
const CREATE_TOKEN = `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token apiToken { id name prefix scope status createdAt expiresAt } userErrors { field code message } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id status revokedAt } userErrors { field code } } }`;
const ROTATE = `mutation($i: RotateApiTokenInput!) { rotateApiToken(input: $i) { token apiToken { id name scope status expiresAt rotatedFromId } previous { id status revokedAt } userErrors { field code message } } }`;
const PROVISION = `mutation($i: ProvisionAccountInput!) { provisionAccount(input: $i) { token account { id name status activeTokenCount } apiToken { name scope } userErrors { field code } } }`;
const SUSPEND = `mutation($id: ID!, $r: String!) { suspendAccount(input: { id: $id, reason: $r }) { account { id status suspension { since reason } } userErrors { field code } } }`;
const REINSTATE = `mutation($id: ID!) { reinstateAccount(input: { id: $id }) { account { id status suspension { reason } } userErrors { field code } } }`;
const ACCOUNTS = `query($s: AccountStatus, $n: String, $first: Int, $after: String) { accounts(first: $first, after: $after, status: $s, name: $n) { edges { node { id name status activeTokenCount suspension { reason } } } pageInfo { hasNextPage endCursor } } }`;
const CLUSTER_STATUS = `subscription($c: ID!) { clusterStatus(clusterId: $c) { name status } }`;

const uuidOf = (globalId: string) => decodeGlobalID(globalId).id;
const codeOf = (r: GqlResult) => r.errors?.map((e) => e.extensions?.code);
const reasonOf = (r: GqlResult) => r.errors?.map((e) => (e.extensions as { reason?: string } | undefined)?.reason);

/**
 * Accounts in the scaled-out layout: operators open, suspend, reinstate and list accounts;
 * accounts hold named, scoped, expiring, rotatable tokens; scopes and suspension hold on every
 * surface (HTTP and graphql-ws). Time is a manual clock.
 */
describe('accounts and API tokens', () => {
  const clock = new ManualClock(START);
  let stack: Stack;
  let operator: string;
  const subs: Subscription[] = [];
  /** SQL statements that write a token's lastUsedAt. */
  let lastUsedWrites = 0;
  const gql = (q: string, v: Record<string, unknown> = {}, t?: string) => stack.gql(q, v, t);
  const subscribe = (token: string | null, query: string, variables: Record<string, unknown> = {}) => {
    const s = new Subscription(stack.wsUrl, token, query, variables, (d) => d);
    subs.push(s);
    return s;
  };
  /**
   * The first answer of a graphql-ws operation: its data, and its refusals as [code, reason].
   * A refusal is either an operation error (extensions.code and .reason) or, when the server
   * refuses the connection_init itself, a close with 4401 (UNAUTHENTICATED) or 4403 (FORBIDDEN)
   * whose reason starts with the denial reason ("ACCOUNT_SUSPENDED: …").
   */
  const overSocket = async (token: string | null, query: string, variables: Record<string, unknown> = {}) => {
    const s = subscribe(token, query, variables);
    await s.until((xs) => xs.length > 0, 'a first result').catch(() => undefined);
    await s.close();
    const closeCodes: Record<number, string> = { 4401: 'UNAUTHENTICATED', 4403: 'FORBIDDEN' };
    const refusals = (s.errors as any[]).map((e) =>
      e?.extensions ? [e.extensions.code, e.extensions.reason] : typeof e?.code === 'number' ? [closeCodes[e.code] ?? `close ${e.code}`, /^[A-Z]+_[A-Z_]+(?=:|$)/.exec(String(e.reason))?.[0] ?? String(e.reason)] : [String(e), undefined],
    );
    return { refusals, codes: refusals.map((r) => r[0]), data: s.items[0] };
  };
  const accessMessages = async (accountId: string) => {
    const got: AccountAccessMessage[] = [];
    await stack.app.runtime.svc.bus.subscribe(topics.accountAccess(accountId), (m) => got.push(m as AccountAccessMessage));
    return got;
  };
  const tokensOf = async (token: string, active?: boolean) => {
    const r = await gql(TOKENS, { active }, token);
    expect(r.errors).toBeUndefined();
    return r.data.apiTokens.edges.map((e: any) => e.node);
  };
  const createToken = async (token: string, input: Record<string, unknown>) => {
    clock.advance(1); // creation instants differ, so listings (oldest first) have one order
    const r = await gql(CREATE_TOKEN, { i: input }, token);
    expect(r.errors).toBeUndefined();
    return r.data.createApiToken;
  };
  const works = async (token: string) => !!(await gql(VIEWER, {}, token)).data?.viewer;

  beforeAll(async () => {
    const store = await testStore({ onQuery: (sql) => void (/UPDATE .*"ApiToken".*"lastUsedAt"/s.test(sql) && lastUsedWrites++) });
    stack = await startStack({ overrides: { clock }, worker: false, store });
    const stop = stack.stop;
    stack.stop = async () => {
      await stop();
      await store.close();
    };
    operator = stack.app.runtime.svc.settings.operatorToken;
  });
  afterAll(async () => {
    for (const s of subs) await s.close();
    await stack?.stop();
  });

  describe('sign-up and operators', () => {
    it('keeps the sign-up flow: createAccount returns a token that works, recorded as the READ_WRITE token "default"', async () => {
      const r = await gql(`mutation { createAccount(input: { name: "Ada" }) { token account { id name status activeTokenCount } apiToken { name scope status } userErrors { code } } }`);
      expect(r.data.createAccount).toMatchObject({ account: { name: 'Ada', status: 'ACTIVE', activeTokenCount: 1 }, apiToken: { name: 'default', scope: 'READ_WRITE', status: 'ACTIVE' }, userErrors: [] });
      const token = r.data.createAccount.token;
      expect((await gql(VIEWER, {}, token)).data.viewer).toEqual({ id: r.data.createAccount.account.id, name: 'Ada' });
      const [only] = await tokensOf(token);
      expect(only).toMatchObject({ name: 'default', prefix: token.slice(0, 10), scope: 'READ_WRITE', current: true, revokedAt: null, expiresAt: null, createdAt: new Date(START).toISOString() });
    });

    it('lets operators open an account whatever NODELESS_ALLOW_SIGNUP says, and validates it', async () => {
      const settings = stack.app.runtime.svc.settings;
      settings.allowSignup = false;
      try {
        const closed = await gql(`mutation { createAccount(input: { name: "eve" }) { token account { id } userErrors { code } } }`);
        expect(closed.data.createAccount).toEqual({ token: null, account: null, userErrors: [{ code: 'SIGNUP_DISABLED' }] });
        const r = await gql(PROVISION, { i: { name: 'scaled-out customer', tokenName: 'ci' } }, operator);
        expect(r.data.provisionAccount).toMatchObject({ account: { name: 'scaled-out customer', status: 'ACTIVE', activeTokenCount: 1 }, apiToken: { name: 'ci', scope: 'READ_WRITE' }, userErrors: [] });
        const token = r.data.provisionAccount.token;
        expect(token).toMatch(/^nl_/);
        expect((await gql(VIEWER, {}, token)).data.viewer).toEqual({ id: r.data.provisionAccount.account.id, name: 'scaled-out customer' });
        const plain = await gql(PROVISION, { i: { name: 'second' } }, operator);
        expect(plain.data.provisionAccount.apiToken).toEqual({ name: 'default', scope: 'READ_WRITE' });

        const before = (await gql(ACCOUNTS, { first: 1000 }, operator)).data.accounts.edges.length;
        const bad = await gql(PROVISION, { i: { name: '   ', tokenName: 'x'.repeat(65) } }, operator);
        expect(bad.data.provisionAccount).toEqual({
          token: null,
          account: null,
          apiToken: null,
          userErrors: [
            { field: ['name'], code: 'INVALID_VALUE' },
            { field: ['tokenName'], code: 'INVALID_VALUE' },
          ],
        });
        expect((await gql(ACCOUNTS, { first: 1000 }, operator)).data.accounts.edges.length).toBe(before);
      } finally {
        settings.allowSignup = true;
      }
    });

    it('refuses every operator operation to tenants and anonymous callers with FORBIDDEN, changing nothing', async () => {
      const tenant = await stack.signup('not-an-operator');
      const victim = await stack.signup('victim');
      const before = (await gql(ACCOUNTS, { first: 1000 }, operator)).data.accounts.edges.length;
      for (const token of [tenant.token, undefined]) {
        expect(codeOf(await gql(ACCOUNTS, { first: 10 }, token))).toEqual(['FORBIDDEN']);
        expect(codeOf(await gql(PROVISION, { i: { name: 'sneaky' } }, token))).toEqual(['FORBIDDEN']);
        expect(codeOf(await gql(SUSPEND, { id: victim.accountId, r: 'mine now' }, token))).toEqual(['FORBIDDEN']);
        expect(codeOf(await gql(REINSTATE, { id: victim.accountId }, token))).toEqual(['FORBIDDEN']);
      }
      expect((await gql(ACCOUNTS, { first: 1000 }, operator)).data.accounts.edges.length).toBe(before);
      expect(await works(victim.token)).toBe(true);
      // over a socket too
      const ws = await overSocket(tenant.token, `{ accounts(first: 1) { edges { node { id } } } }`);
      expect(ws.codes).toEqual(['FORBIDDEN']);
    });

    it('lists accounts for operators by name, filtered by status and name, with token counts and suspension, page by page', async () => {
      const made: string[] = [];
      for (const name of ['zz-list-c', 'zz-list-a', 'ZZ-LIST-b']) made.push((await gql(PROVISION, { i: { name } }, operator)).data.provisionAccount.account.id);
      const a = made[1];
      const aToken = (await gql(PROVISION, { i: { name: 'zz-list-a' } }, operator)).data.provisionAccount.token; // a second "zz-list-a" (names are not unique)
      await createToken(aToken, { name: 'extra' });
      const suspended = await gql(SUSPEND, { id: made[0], r: 'unpaid invoices' }, operator);
      expect(suspended.data.suspendAccount.userErrors).toEqual([]);

      const all = await gql(ACCOUNTS, { n: 'zz-list', first: 10 }, operator);
      const rows = all.data.accounts.edges.map((e: any) => e.node);
      expect(rows.map((n: any) => n.name)).toEqual(['ZZ-LIST-b', 'zz-list-a', 'zz-list-a', 'zz-list-c']);
      expect(rows.filter((n: any) => n.name === 'zz-list-a').map((n: any) => n.activeTokenCount).sort()).toEqual([1, 2]);
      expect(rows[3]).toMatchObject({ id: made[0], status: 'SUSPENDED', activeTokenCount: 1, suspension: { reason: 'unpaid invoices' } });
      expect(rows.some((n: any) => n.id === a)).toBe(true);

      const onlySuspended = await gql(ACCOUNTS, { n: 'zz-list', s: 'SUSPENDED', first: 10 }, operator);
      expect(onlySuspended.data.accounts.edges.map((e: any) => e.node.id)).toEqual([made[0]]);
      const onlyActive = await gql(ACCOUNTS, { n: 'ZZ-list', s: 'ACTIVE', first: 10 }, operator);
      expect(onlyActive.data.accounts.edges.map((e: any) => e.node.name)).toEqual(['ZZ-LIST-b', 'zz-list-a', 'zz-list-a']);

      // pages of 2 with the cursor give the same rows, no gap, no repeat
      const p1 = (await gql(ACCOUNTS, { n: 'zz-list', first: 2 }, operator)).data.accounts;
      expect(p1.pageInfo.hasNextPage).toBe(true);
      const p2 = (await gql(ACCOUNTS, { n: 'zz-list', first: 2, after: p1.pageInfo.endCursor }, operator)).data.accounts;
      expect([...p1.edges, ...p2.edges].map((e: any) => e.node.id)).toEqual(rows.map((n: any) => n.id));
      expect(p2.pageInfo.hasNextPage).toBe(false);
      expect(codeOf(await gql(ACCOUNTS, { first: 2, after: 'not-a-cursor' }, operator))).toEqual(['BAD_USER_INPUT']);

      // operators may read any account by global id
      const node = await gql(`query($id: ID!) { node(id: $id) { ... on Account { name status } } }`, { id: made[0] }, operator);
      expect(node.data.node).toEqual({ name: 'zz-list-c', status: 'SUSPENDED' });
    });
  });

  describe('suspension', () => {
    it('refuses a suspended account’s tokens at once on HTTP and graphql-ws, tells api processes, and reinstating restores them', async () => {
      const acct = await stack.signup('to-suspend');
      const second = (await createToken(acct.token, { name: 'reader', scope: 'READ_ONLY' })).token;
      const cluster = (await gql(`mutation { createCluster(input: { name: "kept", region: "ap-guangzhou" }) { cluster { id } } }`, {}, acct.token)).data.createCluster.cluster.id;
      expect((await overSocket(acct.token, CLUSTER_STATUS, { c: cluster })).data).toEqual({ clusterStatus: { name: 'kept', status: 'PROVISIONING' } });
      const messages = await accessMessages(uuidOf(acct.accountId));

      const r = await gql(SUSPEND, { id: acct.accountId, r: 'abuse report #42' }, operator);
      expect(r.data.suspendAccount).toMatchObject({ account: { id: acct.accountId, status: 'SUSPENDED', suspension: { since: new Date(clock.now()).toISOString(), reason: 'abuse report #42' } }, userErrors: [] });
      await eventually(async () => messages.length > 0, 'the access message');
      expect(messages).toEqual([{ suspended: true }]);

      for (const token of [acct.token, second]) {
        for (const q of [VIEWER, `{ regions { name } }`, `mutation { createAccount(input: { name: "again" }) { token } }`]) {
          const refused = await gql(q, {}, token);
          expect(codeOf(refused)).toEqual(['FORBIDDEN']);
          expect(reasonOf(refused)).toEqual(['ACCOUNT_SUSPENDED']);
          expect(refused.errors![0].message).toMatch(/suspended since .*abuse report #42/);
          expect(refused.data ?? null).toBeNull();
        }
      }
      // authorize (every surface's entry point) says why, and a genuine token of a suspended
      // account is not a failed authentication (the guessing budget is not charged)
      expect(await authorize(stack.app.runtime.svc, `Bearer ${acct.token}`)).toMatchObject({ account: null, principal: null, operator: false, failed: false, denial: { code: 'FORBIDDEN', reason: 'ACCOUNT_SUSPENDED' } });
      const ws = await overSocket(acct.token, CLUSTER_STATUS, { c: cluster });
      expect(ws.data).toBeUndefined();
      expect(ws.refusals).toEqual([['FORBIDDEN', 'ACCOUNT_SUSPENDED']]);
      const wsQuery = await overSocket(second, VIEWER);
      expect(wsQuery.refusals).toEqual([['FORBIDDEN', 'ACCOUNT_SUSPENDED']]);

      // bad input is explained and changes nothing
      expect((await gql(SUSPEND, { id: acct.accountId, r: 'again' }, operator)).data.suspendAccount).toEqual({ account: null, userErrors: [{ field: ['id'], code: 'ALREADY_SUSPENDED' }] });
      expect((await gql(SUSPEND, { id: '00000000-0000-4000-8000-000000000000', r: 'x' }, operator)).data.suspendAccount.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND' }]);
      expect((await gql(SUSPEND, { id: 'garbage', r: ' ' }, operator)).data.suspendAccount.userErrors).toEqual([
        { field: ['id'], code: 'NOT_FOUND' },
        { field: ['reason'], code: 'INVALID_VALUE' },
      ]);
      expect((await gql(ACCOUNTS, { n: 'to-suspend', first: 5 }, operator)).data.accounts.edges[0].node.suspension).toEqual({ reason: 'abuse report #42' });

      // by bare UUID as well as by global id
      const back = await gql(REINSTATE, { id: uuidOf(acct.accountId) }, operator);
      expect(back.data.reinstateAccount).toEqual({ account: { id: acct.accountId, status: 'ACTIVE', suspension: null }, userErrors: [] });
      await eventually(async () => messages.length > 1, 'the reinstate message');
      expect(messages[1]).toEqual({ suspended: false });
      expect(await works(acct.token)).toBe(true);
      expect(await works(second)).toBe(true);
      expect((await overSocket(acct.token, CLUSTER_STATUS, { c: cluster })).data).toEqual({ clusterStatus: { name: 'kept', status: 'PROVISIONING' } });
      expect((await gql(REINSTATE, { id: acct.accountId }, operator)).data.reinstateAccount).toEqual({ account: null, userErrors: [{ field: ['id'], code: 'NOT_SUSPENDED' }] });
    });
  });

  describe('named tokens', () => {
    it('creates named tokens (unique names, scope, expiry), shows each secret once and lists them', async () => {
      const acct = await stack.signup('named');
      const ci = await createToken(acct.token, { name: 'ci' });
      expect(ci).toMatchObject({ apiToken: { name: 'ci', scope: 'READ_WRITE', status: 'ACTIVE', expiresAt: null }, userErrors: [] });
      expect(ci.token).toMatch(/^nl_/);
      expect(ci.apiToken.prefix).toBe(ci.token.slice(0, 10));
      const expiry = new Date(START + 30 * 86_400_000).toISOString();
      const dash = await createToken(acct.token, { name: 'dashboard', scope: 'READ_ONLY', expiresAt: expiry });
      expect(dash.apiToken).toMatchObject({ name: 'dashboard', scope: 'READ_ONLY', expiresAt: expiry });

      expect(await createToken(acct.token, { name: ' ci ' })).toMatchObject({ token: null, apiToken: null, userErrors: [{ field: ['name'], code: 'ALREADY_EXISTS' }] });
      expect((await createToken(acct.token, { name: '' })).userErrors.map((e: any) => e.code)).toEqual(['INVALID_VALUE']);
      expect((await createToken(acct.token, { name: 'late', expiresAt: new Date(START - 1000).toISOString() })).userErrors).toMatchObject([{ field: ['expiresAt'], code: 'INVALID_VALUE' }]);
      expect((await createToken(acct.token, { name: 'forever', expiresAt: '2999-01-01T00:00:00Z' })).userErrors).toMatchObject([{ field: ['expiresAt'], code: 'INVALID_VALUE' }]);

      const listed = await tokensOf(ci.token);
      expect(listed.map((t: any) => [t.name, t.scope, t.status, t.current])).toEqual([
        ['default', 'READ_WRITE', 'ACTIVE', false],
        ['ci', 'READ_WRITE', 'ACTIVE', true],
        ['dashboard', 'READ_ONLY', 'ACTIVE', false],
      ]);
      // only prefixes are ever shown again
      expect(JSON.stringify(listed)).not.toContain(ci.token);
      expect(await works(ci.token)).toBe(true);
    });

    it('revokes a token at once (UNAUTHENTICATED on HTTP and graphql-ws) and tells api processes', async () => {
      const acct = await stack.signup('revoker');
      const temp = await createToken(acct.token, { name: 'temp' });
      expect(await works(temp.token)).toBe(true);
      const messages = await accessMessages(uuidOf(acct.accountId));
      const r = await gql(REVOKE, { id: temp.apiToken.id }, acct.token);
      expect(r.data.revokeApiToken).toEqual({ apiToken: { id: temp.apiToken.id, status: 'REVOKED', revokedAt: new Date(clock.now()).toISOString() }, userErrors: [] });
      await eventually(async () => messages.length > 0, 'the access message');
      expect(messages).toEqual([{ tokenId: uuidOf(temp.apiToken.id), effectiveAt: new Date(clock.now()).toISOString() }]);

      const refused = await gql(VIEWER, {}, temp.token);
      expect(codeOf(refused)).toEqual(['UNAUTHENTICATED']);
      expect(reasonOf(refused)).toEqual(['TOKEN_REVOKED']);
      // even on operations open to anonymous callers: a dead token is an error, not anonymity
      expect(codeOf(await gql(`{ regions { name } }`, {}, temp.token))).toEqual(['UNAUTHENTICATED']);
      expect(await authorize(stack.app.runtime.svc, `Bearer ${temp.token}`)).toMatchObject({ account: null, principal: null, failed: true, denial: { code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' } });
      const ws = await overSocket(temp.token, VIEWER);
      expect(ws.refusals).toEqual([['UNAUTHENTICATED', 'TOKEN_REVOKED']]);
      expect((await gql(REVOKE, { id: temp.apiToken.id }, acct.token)).data.revokeApiToken).toEqual({ apiToken: null, userErrors: [{ field: ['id'], code: 'ALREADY_REVOKED' }] });
      // its name is free again; the other tokens still work
      expect((await createToken(acct.token, { name: 'temp' })).userErrors).toEqual([]);
      expect(await works(acct.token)).toBe(true);
      // a token may revoke itself
      const self = await createToken(acct.token, { name: 'self' });
      expect((await gql(REVOKE, { id: self.apiToken.id }, self.token)).data.revokeApiToken.userErrors).toEqual([]);
      expect(await works(self.token)).toBe(false);
    });

    it('rotates a token: same name and scope, the old one revoked at once or after a grace period', async () => {
      const acct = await stack.signup('rotator');
      const ro = await createToken(acct.token, { name: 'metrics', scope: 'READ_ONLY' });
      const messages = await accessMessages(uuidOf(acct.accountId));

      clock.advance(1); // each rotation at its own instant, so the listing's order is fixed
      const now = await gql(ROTATE, { i: { id: ro.apiToken.id } }, acct.token);
      const r1 = now.data.rotateApiToken;
      expect(r1).toMatchObject({ apiToken: { name: 'metrics', scope: 'READ_ONLY', status: 'ACTIVE', rotatedFromId: ro.apiToken.id }, previous: { id: ro.apiToken.id, status: 'REVOKED', revokedAt: new Date(clock.now()).toISOString() }, userErrors: [] });
      expect(r1.token).not.toBe(ro.token);
      expect(codeOf(await gql(VIEWER, {}, ro.token))).toEqual(['UNAUTHENTICATED']);
      expect(await works(r1.token)).toBe(true);
      await eventually(async () => messages.length > 0, 'the access message');
      expect(messages[0]).toEqual({ tokenId: uuidOf(ro.apiToken.id), effectiveAt: new Date(clock.now()).toISOString() });

      // with a grace period both work until it ends; then only the new one
      clock.advance(1);
      const graceful = (await gql(ROTATE, { i: { id: r1.apiToken.id, graceSeconds: 300 } }, acct.token)).data.rotateApiToken;
      const ends = new Date(clock.now() + 300_000).toISOString();
      expect(graceful).toMatchObject({ apiToken: { name: 'metrics', scope: 'READ_ONLY' }, previous: { id: r1.apiToken.id, status: 'ACTIVE', revokedAt: ends }, userErrors: [] });
      await eventually(async () => messages.length > 1, 'the second access message');
      expect(messages[1]).toEqual({ tokenId: uuidOf(r1.apiToken.id), effectiveAt: ends });
      expect(await works(r1.token)).toBe(true);
      expect(await works(graceful.token)).toBe(true);
      // a token in its grace period was rotated already
      expect((await gql(ROTATE, { i: { id: r1.apiToken.id } }, acct.token)).data.rotateApiToken.userErrors).toMatchObject([{ field: ['id'], code: 'ALREADY_REVOKED' }]);
      clock.advance(299_000);
      expect(await works(r1.token)).toBe(true);
      clock.advance(1_000);
      expect(reasonOf(await gql(VIEWER, {}, r1.token))).toEqual(['TOKEN_REVOKED']);
      expect(await works(graceful.token)).toBe(true);

      // revoking a token in its grace period ends the grace at once
      clock.advance(1);
      const third = (await gql(ROTATE, { i: { id: graceful.apiToken.id, graceSeconds: 600 } }, acct.token)).data.rotateApiToken;
      expect(await works(graceful.token)).toBe(true);
      expect((await gql(REVOKE, { id: graceful.apiToken.id }, acct.token)).data.revokeApiToken.userErrors).toEqual([]);
      expect(await works(graceful.token)).toBe(false);
      expect(await works(third.token)).toBe(true);

      // bad input changes nothing
      const badGrace = (await gql(ROTATE, { i: { id: third.apiToken.id, graceSeconds: 3601 } }, acct.token)).data.rotateApiToken;
      expect(badGrace).toMatchObject({ token: null, userErrors: [{ field: ['graceSeconds'], code: 'INVALID_VALUE' }] });
      expect((await gql(ROTATE, { i: { id: third.apiToken.id, graceSeconds: -1 } }, acct.token)).data.rotateApiToken.userErrors.map((e: any) => e.code)).toEqual(['INVALID_VALUE']);
      expect(await works(third.token)).toBe(true);
      const active = await tokensOf(acct.token, true);
      expect(active.map((t: any) => t.name)).toEqual(['default', 'metrics']);
      expect((await tokensOf(acct.token)).filter((t: any) => t.name === 'metrics').map((t: any) => t.status)).toEqual(['REVOKED', 'REVOKED', 'REVOKED', 'ACTIVE']);
    });

    it('expires tokens at expiresAt (UNAUTHENTICATED), frees their name, and a rotation keeps the lifetime unless told', async () => {
      const acct = await stack.signup('expiring');
      const at = new Date(clock.now() + 3_600_000).toISOString();
      const short = await createToken(acct.token, { name: 'short', expiresAt: at });
      expect(await works(short.token)).toBe(true);
      clock.advance(1_800_000);
      // rotated half-way through its hour: the successor gets a fresh hour
      const lifetime = Date.parse(short.apiToken.expiresAt) - Date.parse(short.apiToken.createdAt);
      const rotated = (await gql(ROTATE, { i: { id: short.apiToken.id, graceSeconds: 3600 } }, acct.token)).data.rotateApiToken;
      expect(rotated.apiToken.expiresAt).toBe(new Date(clock.now() + lifetime).toISOString());
      const explicit = await createToken(acct.token, { name: 'explicit', expiresAt: new Date(clock.now() + 60_000).toISOString() });
      const renewed = (await gql(ROTATE, { i: { id: explicit.apiToken.id, expiresAt: new Date(clock.now() + 86_400_000).toISOString() } }, acct.token)).data.rotateApiToken;
      expect(renewed.apiToken.expiresAt).toBe(new Date(clock.now() + 86_400_000).toISOString());
      clock.advance(1_800_000);
      // the old one expired before its grace period ended
      const expired = await gql(VIEWER, {}, short.token);
      expect(codeOf(expired)).toEqual(['UNAUTHENTICATED']);
      expect(reasonOf(expired)).toEqual(['TOKEN_EXPIRED']);
      expect((await overSocket(short.token, VIEWER)).refusals).toEqual([['UNAUTHENTICATED', 'TOKEN_EXPIRED']]);
      expect(await works(rotated.token)).toBe(true);
      expect((await tokensOf(acct.token)).find((t: any) => t.id === short.apiToken.id).status).toBe('EXPIRED');
      clock.advance(1_800_000);
      expect(reasonOf(await gql(VIEWER, {}, rotated.token))).toEqual(['TOKEN_EXPIRED']);
      // an expired token's name is free
      expect((await createToken(acct.token, { name: 'short' })).userErrors).toEqual([]);
    });

    it('records lastUsedAt at most once a minute per token, with no write on the other requests', async () => {
      const acct = await stack.signup('busy');
      const t = await createToken(acct.token, { name: 'busy' });
      const db = stack.app.runtime.svc.db;
      const lastUsed = async () => (await db.apiToken.findUnique({ where: { id: uuidOf(t.apiToken.id) } }))!.lastUsedAt?.toISOString() ?? null;
      expect(await lastUsed()).toBeNull();
      const first = clock.now();
      const writes = lastUsedWrites;
      for (let i = 0; i < 5; i++) expect(await works(t.token)).toBe(true);
      expect(lastUsedWrites - writes).toBe(1);
      expect(await lastUsed()).toBe(new Date(first).toISOString());
      clock.advance(MINUTE - 1);
      expect(await works(t.token)).toBe(true);
      expect(await lastUsed()).toBe(new Date(first).toISOString());
      expect(lastUsedWrites - writes).toBe(1);
      clock.advance(1);
      expect(await works(t.token)).toBe(true);
      expect(await lastUsed()).toBe(new Date(first + MINUTE).toISOString());
      expect(lastUsedWrites - writes).toBe(2);
    });

    it('caps active tokens per account (LIMIT_EXCEEDED); revoked ones free a slot', async () => {
      const acct = await stack.signup('hoarder');
      const ids: string[] = [];
      for (let i = 1; i < 50; i++) {
        const r = await createToken(acct.token, { name: `t${i}` });
        expect(r.userErrors).toEqual([]);
        ids.push(r.apiToken.id);
      }
      const over = await createToken(acct.token, { name: 't50' });
      expect(over).toMatchObject({ token: null, apiToken: null, userErrors: [{ field: [], code: 'LIMIT_EXCEEDED' }] });
      expect(over.userErrors[0].message).toMatch(/at most 50 active tokens/);
      expect((await tokensOf(acct.token)).length).toBe(50);
      // a rotation replaces a token: allowed at the cap
      expect((await gql(ROTATE, { i: { id: ids[0] } }, acct.token)).data.rotateApiToken.userErrors).toEqual([]);
      await gql(REVOKE, { id: ids[1] }, acct.token);
      expect((await createToken(acct.token, { name: 't50' })).userErrors).toEqual([]);
    });
  });

  describe('read-only tokens', () => {
    it('run queries and subscriptions; every mutation is FORBIDDEN (HTTP and graphql-ws) and changes nothing', async () => {
      const acct = await stack.signup('reader');
      const cluster = (await gql(`mutation { createCluster(input: { name: "seen", region: "ap-guangzhou" }) { cluster { id } } }`, {}, acct.token)).data.createCluster.cluster.id;
      const ro = (await createToken(acct.token, { name: 'grafana', scope: 'READ_ONLY' })).token;

      expect((await gql(`{ viewer { name } clusters(first: 5) { edges { node { name } } } }`, {}, ro)).data).toEqual({ viewer: { name: 'reader' }, clusters: { edges: [{ node: { name: 'seen' } }] } });
      expect((await tokensOf(ro)).map((t: any) => t.name)).toEqual(['default', 'grafana']);
      expect((await overSocket(ro, CLUSTER_STATUS, { c: cluster })).data).toEqual({ clusterStatus: { name: 'seen', status: 'PROVISIONING' } });

      const mutations = [
        `mutation { createCluster(input: { name: "nope", region: "ap-guangzhou" }) { cluster { id } } }`,
        `mutation { createApiToken(input: { name: "escalate" }) { token } }`,
        `mutation { createAccount(input: { name: "side" }) { token } }`,
      ];
      for (const m of mutations) {
        const r = await gql(m, {}, ro);
        expect(codeOf(r)).toEqual(['FORBIDDEN']);
        expect(reasonOf(r)).toEqual(['READ_ONLY_TOKEN']);
        expect(r.errors![0].message).toMatch(/"grafana" is read-only/);
      }
      const ws = await overSocket(ro, mutations[0]);
      expect(ws.refusals).toEqual([['FORBIDDEN', 'READ_ONLY_TOKEN']]);
      const own = await tokensOf(ro);
      expect(codeOf(await gql(REVOKE, { id: own[1].id }, ro))).toEqual(['FORBIDDEN']);
      expect(await works(ro)).toBe(true);
      expect((await gql(`{ clusters(first: 5) { edges { node { name } } } }`, {}, acct.token)).data.clusters.edges).toEqual([{ node: { name: 'seen' } }]);
      expect((await tokensOf(acct.token)).map((t: any) => t.name)).toEqual(['default', 'grafana']);
      // the READ_WRITE token of the same account still mutates
      expect((await createToken(acct.token, { name: 'writer' })).userErrors).toEqual([]);
    });
  });

  describe('tenant isolation', () => {
    it('account A cannot list, read, revoke or rotate B’s tokens, nor see other accounts', async () => {
      const a = await stack.signup('iso-a');
      const b = await stack.signup('iso-b');
      const bToken = await createToken(b.token, { name: 'b-secret' });
      const bId = bToken.apiToken.id as string; // a global id
      const bUuid = uuidOf(bId);

      expect((await tokensOf(a.token)).map((t: any) => t.name)).toEqual(['default']);
      for (const id of [bId, bUuid]) {
        expect((await gql(REVOKE, { id }, a.token)).data.revokeApiToken).toEqual({ apiToken: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND' }] });
        expect((await gql(ROTATE, { i: { id } }, a.token)).data.rotateApiToken).toMatchObject({ token: null, apiToken: null, previous: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND' }] });
        expect((await gql(ROTATE, { i: { id, graceSeconds: 99999 } }, a.token)).data.rotateApiToken.userErrors).toMatchObject([{ field: ['id'], code: 'NOT_FOUND' }]);
      }
      expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: bId }, a.token)).data.node).toBeNull();
      expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: b.accountId }, a.token)).data.node).toBeNull();
      expect(codeOf(await gql(ACCOUNTS, { first: 10 }, a.token))).toEqual(['FORBIDDEN']);
      // B's token is untouched and still works; B sees it
      expect(await works(bToken.token)).toBe(true);
      expect((await tokensOf(b.token)).map((t: any) => [t.name, t.status])).toEqual([
        ['default', 'ACTIVE'],
        ['b-secret', 'ACTIVE'],
      ]);
      expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: bId }, b.token)).data.node).toEqual({ id: bId });
      // and the same name is free in A's account
      expect((await createToken(a.token, { name: 'b-secret' })).userErrors).toEqual([]);
    });
  });
});
