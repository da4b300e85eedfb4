import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock } from '../src/adapters/clock';
import { recordingLogger } from './support/log';
import { eventually, startStack, type Stack } from './support/stack';

/** A graphql-transport-ws client on a raw socket: every message and the close, for the socket rules. */
class RawSocket {
  readonly messages: any[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];
  readonly ws: WebSocket;

  constructor(url: string) {
    this.ws = new WebSocket(url, 'graphql-transport-ws');
    this.ws.on('message', (d) => {
      this.messages.push(JSON.parse(String(d)));
      this.poke();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.poke();
    });
    this.ws.on('error', () => {});
  }

  private poke() {
    for (const w of this.waiters.splice(0)) w();
  }

  async until<T>(f: () => T | null | undefined | false, what: string): Promise<T> {
    for (;;) {
      const v = f();
      if (v) return v;
      if (this.closed && !what.startsWith('close')) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 20_000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async open(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(m: unknown) {
    this.ws.send(JSON.stringify(m));
  }

  async init(token?: string): Promise<void> {
    await this.open();
    this.send({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} });
  }

  acked = () => this.messages.some((m) => m.type === 'connection_ack');
  closedWith = () => this.until(() => this.closed, 'close');
  of = (id: string) => this.messages.filter((m) => m.id === id);

  close() {
    this.ws.close();
  }
}

const PODS = 'subscription($c: ID!) { podEvents(clusterId: $c) { sequence } }';

describe('graphql-ws sockets', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let stack: Stack;
  let a: { token: string; accountId: string };
  let b: { token: string; accountId: string };
  let clusterA: string;
  const sockets: RawSocket[] = [];
  const socket = () => {
    const s = new RawSocket(stack.wsUrl);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    stack = await startStack({
      env: { NODELESS_MAX_SOCKETS_PER_ACCOUNT: '2', NODELESS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3', NODELESS_MAX_SUBSCRIPTIONS_PER_ACCOUNT: '5', },
      worker: false,
      overrides: { clock, log: recordingLogger() },
    });
    a = await stack.signup('a');
    b = await stack.signup('b');
    clusterA = (await stack.gql(`mutation { createCluster(input: { name: "s", region: "ap-guangzhou" }) { cluster { id } } }`, {}, a.token)).data.createCluster.cluster.id;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.stop();
  });

  it('closes a socket whose connection_init has no token (4403), or a token that is not one (4401, saying why)', async () => {
    const none = socket();
    await none.init();
    expect((await none.closedWith()).code).toBe(4403);
    const bad = socket();
    await bad.init('nl_notatoken');
    expect(await bad.closedWith()).toMatchObject({ code: 4401, reason: expect.stringContaining('TOKEN_UNKNOWN') });
    expect(none.acked() || bad.acked()).toBe(false);
  });

  it('caps sockets per account (4429 for one more) without touching other accounts', async () => {
    const a = await stack.signup('sockets-cap');
    const s1 = socket();
    const s2 = socket();
    await s1.init(a.token);
    await s2.init(a.token);
    await s1.until(s1.acked, 'ack 1');
    await s2.until(s2.acked, 'ack 2');
    const s3 = socket();
    await s3.init(a.token);
    const closed = await s3.closedWith();
    expect(closed.code).toBe(4429);
    expect(closed.reason).toContain('NODELESS_MAX_SOCKETS_PER_ACCOUNT');
    const other = socket();
    await other.init(b.token);
    await other.until(other.acked, 'b acked');
    // a socket that closes frees its place (once the server has seen the close: ask until it has)
    s2.close();
    await s2.closedWith();
    let s4 = socket();
    for (let k = 0; k < 50; k++) {
      await s4.init(a.token);
      await s4.until(() => s4.acked() || s4.closed, 'ack or close');
      if (s4.acked()) break;
      s4 = socket();
    }
    expect(s4.acked()).toBe(true);
    s1.close();
    s4.close();
    other.close();
    await Promise.all([s1.closedWith(), s4.closedWith(), other.closedWith()]);
  });

  it('caps subscriptions per socket: 2,000 subscribe messages on one socket get 3 live ones, the rest a typed error, and another client is answered meanwhile', async () => {
    const s = socket();
    await s.init(a.token);
    await s.until(s.acked, 'ack');
    for (let i = 0; i < 2000; i++) s.send({ id: `s${i}`, type: 'subscribe', payload: { query: PODS, variables: { c: clusterA } } });
    const answered = await stack.gql('{ viewer { name } }', {}, b.token);
    expect(answered.data.viewer.name).toBe('b');
    await s.until(() => s.messages.filter((m) => m.type === 'error').length === 1997, '1,997 refusals');
    const refused = s.messages.filter((m) => m.type === 'error');
    expect(new Set(refused.map((m) => m.payload[0].extensions.code))).toEqual(new Set(['LIMIT_EXCEEDED']));
    expect(refused[0].payload[0].extensions.limit).toBe('NODELESS_MAX_SUBSCRIPTIONS_PER_SOCKET');
    expect(refused.map((m) => m.id)).not.toContain('s0');
    expect(s.closed).toBeNull();
    s.close();
    await s.closedWith();
  });

  it('caps live subscriptions per account across its sockets, and an ended one makes room', async () => {
    const a = await stack.signup('subscriptions-cap');
    const clusterA = (await stack.gql(`mutation { createCluster(input: { name: "t", region: "ap-guangzhou" }) { cluster { id } } }`, {}, a.token)).data.createCluster.cluster.id;
    const TICKER = 'subscription($c: ID!) { costTicker(clusterId: $c) { runningPods } }'; // answers at once
    const s1 = socket();
    const s2 = socket();
    await s1.init(a.token);
    await s2.init(a.token);
    await s1.until(s1.acked, 'ack');
    await s2.until(s2.acked, 'ack');
    const answered = (s: RawSocket, id: string) => s.messages.find((m) => m.id === id && (m.type === 'next' || m.type === 'error'));
    const refusalOf = (m: any) => (m.type === 'error' ? m.payload[0] : m.payload.errors?.[0]) ?? null;
    for (let i = 0; i < 3; i++) {
      s1.send({ id: `x${i}`, type: 'subscribe', payload: { query: TICKER, variables: { c: clusterA } } });
      await s1.until(() => answered(s1, `x${i}`), `x${i}`);
    }
    for (let i = 0; i < 3; i++) {
      s2.send({ id: `y${i}`, type: 'subscribe', payload: { query: TICKER, variables: { c: clusterA } } });
      await s2.until(() => answered(s2, `y${i}`), `y${i}`);
    }
    expect(['x0', 'x1', 'x2'].map((id) => refusalOf(answered(s1, id)))).toEqual([null, null, null]);
    expect(['y0', 'y1'].map((id) => refusalOf(answered(s2, id)))).toEqual([null, null]);
    expect(refusalOf(answered(s2, 'y2')).extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'NODELESS_MAX_SUBSCRIPTIONS_PER_ACCOUNT', max: 5 });
    // ending one makes room (the end is processed asynchronously: ask until the server has seen it)
    s1.send({ id: 'x0', type: 'complete' });
    let room = false;
    for (let k = 0; k < 50 && !room; k++) {
      s2.send({ id: `z${k}`, type: 'subscribe', payload: { query: TICKER, variables: { c: clusterA } } });
      room = refusalOf(await s2.until(() => answered(s2, `z${k}`), `z${k}`)) === null;
    }
    expect(room).toBe(true);
    s1.close();
    s2.close();
    await Promise.all([s1.closedWith(), s2.closedWith()]);
  });

  it('cuts off a consumer that stopped reading (1013: reconnect and resume with since)', async () => {
    const c = await stack.signup('slow');
    const cluster = (await stack.gql(`mutation { createCluster(input: { name: "slow", region: "ap-guangzhou" }) { cluster { id } } }`, {}, c.token)).data.createCluster.cluster.id;
    // a history of 400 events of 64 KiB each (26 MB), more than the kernel's socket buffers hold
    const db = stack.app.runtime.store.prisma;
    const clusterRow = Buffer.from(cluster, 'base64').toString('utf8').replace(/^Cluster:/, '');
    const message = 'x'.repeat(65_536);
    await db.event.createMany({ data: Array.from({ length: 400 }, (_, i) => ({ id: crypto.randomUUID(), clusterId: clusterRow, sequence: i + 1, type: 'MODIFIED', involvedKind: 'Pod', involvedName: `p${i}`, involvedUid: crypto.randomUUID(), namespace: 'default', reason: 'Bulk', message, object: {} })) });
    await db.cluster.update({ where: { id: clusterRow }, data: { eventSeq: 400 } });
    const slowCut = async () => ((await stack.app.runtime.metrics.registry.getSingleMetric('nodeless_ws_refusals_total')!.get()) as any).values.find((v: any) => v.labels.reason === 'slow_consumer')?.value ?? 0;
    const before = await slowCut();
    const s = socket();
    await s.init(c.token);
    await s.until(s.acked, 'ack');
    (s.ws as any)._socket.pause(); // stop reading: the server's unsent data grows
    for (const id of ['r1', 'r2']) s.send({ id, type: 'subscribe', payload: { query: 'subscription($c: ID!) { podEvents(clusterId: $c, since: 0) { sequence message } }', variables: { c: cluster } } });
    // the server sees unsent data at every check for NODELESS_WS_STALL_MS (30 s of its clock)
    await eventually(async () => {
      clock.advance(1000);
      return (await slowCut()) > before;
    }, 'the server to cut the slow consumer');
    (s.ws as any)._socket.resume();
    const closed = await s.closedWith();
    expect(closed.code).toBe(1013);
    expect(closed.reason).toContain('resume with since');
    // it got a prefix of the history, in order: resuming with the last sequence it saw misses nothing
    const got = s.messages.filter((m) => m.id === 'r1' && m.type === 'next').map((m) => m.payload.data.podEvents.sequence);
    expect(got.length).toBeLessThan(400);
    expect(got).toEqual(got.map((_, i) => i + 1));
  });

  it("closes a suspended account's sockets at once, and a revoked token's sockets (not its other tokens')", async () => {
    const op = stack.app.runtime.svc.settings.operatorToken;
    const c = await stack.signup('to-suspend');
    const second = (await stack.gql(`mutation { createApiToken(input: { name: "second" }) { token apiToken { id } } }`, {}, c.token)).data.createApiToken;
    const s1 = socket();
    const s2 = socket();
    await s1.init(c.token);
    await s2.init(second.token);
    await s1.until(s1.acked, 'ack');
    await s2.until(s2.acked, 'ack');
    const revoked = await stack.gql(`mutation($id: ID!) { revokeApiToken(input: { id: $id }) { userErrors { code } } }`, { id: second.apiToken.id }, c.token);
    expect(revoked.data.revokeApiToken.userErrors).toEqual([]);
    expect(await s2.closedWith()).toMatchObject({ code: 4403, reason: 'token revoked' });
    expect(s1.closed).toBeNull();
    const suspended = await stack.gql(`mutation($id: ID!) { suspendAccount(input: { id: $id, reason: "abuse" }) { userErrors { code } } }`, { id: c.accountId }, op);
    expect(suspended.data.suspendAccount.userErrors).toEqual([]);
    expect(await s1.closedWith()).toMatchObject({ code: 4403, reason: 'account suspended' });
    const again = socket();
    await again.init(c.token);
    expect(await again.closedWith()).toMatchObject({ code: 4403, reason: expect.stringContaining('ACCOUNT_SUSPENDED') });
  });
});
