import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { batchSends, SEND_AHEAD_BYTES } from './sockets';

/** A server socket and its client, over a real loopback connection. */
async function pair(wss: WebSocketServer): Promise<{ server: WebSocket; client: WebSocket; received: string[] }> {
  const port = (wss.address() as { port: number }).port;
  const connected = once(wss, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: string[] = [];
  client.on('message', (m) => received.push(String(m)));
  const [server] = (await connected) as [WebSocket];
  await once(client, 'open');
  return { server, client, received };
}

/** Sends `n` messages the way graphql-ws does (each after the previous one's callback); counts the kernel writes. */
async function sendAll(server: WebSocket, n: number, body: (i: number) => string): Promise<number> {
  const raw = (server as unknown as { _socket: { _writev: (...a: unknown[]) => unknown; _write: (...a: unknown[]) => unknown } })._socket;
  let writes = 0;
  const [writev, write] = [raw._writev.bind(raw), raw._write.bind(raw)];
  raw._writev = (...a) => (writes++, writev(...a));
  raw._write = (...a) => (writes++, write(...a));
  for (let i = 0; i < n; i++) await new Promise<void>((resolve, reject) => server.send(body(i), (err) => (err ? reject(err) : resolve())));
  return writes;
}

describe('batched socket sends', () => {
  let wss: WebSocketServer;
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
  });
  afterAll(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  });

  it('puts the frames of one turn into a few writes, in order, where plain sends write each', async () => {
    const plain = await pair(wss);
    const plainWrites = await sendAll(plain.server, 200, (i) => `m${i}`);
    const batched = await pair(wss);
    batchSends(batched.server);
    const batchedWrites = await sendAll(batched.server, 200, (i) => `m${i}`);
    expect(plainWrites).toBe(200);
    expect(batchedWrites).toBeLessThanOrEqual(5);
    while (batched.received.length < 200 || plain.received.length < 200) await once(batched.received.length < 200 ? batched.client : plain.client, 'message');
    expect(batched.received).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    batched.client.close();
    plain.client.close();
  });

  it('holds a stream back once SEND_AHEAD_BYTES wait: a send past it is done only when the kernel took it', async () => {
    const { server, client, received } = await pair(wss);
    batchSends(server);
    const big = 'x'.repeat(SEND_AHEAD_BYTES);
    let done = 0;
    const first = new Promise<void>((resolve) => server.send(big, () => (done++, resolve())));
    // in the same turn: the first frame is still corked, so the second waits for the real write
    const second = new Promise<void>((resolve) => server.send(big, () => (done++, resolve())));
    await first;
    expect(done).toBe(1);
    await second;
    expect(done).toBe(2);
    while (received.length < 2) await once(client, 'message');
    expect(received.map((m) => m.length)).toEqual([SEND_AHEAD_BYTES, SEND_AHEAD_BYTES]);
    client.close();
  });
});
