import { describe, expect, it } from 'vitest';
import { Channel } from './channel';

describe('Channel', () => {
  it('delivers pushed items in order, to a waiting consumer too', async () => {
    const c = new Channel<number>();
    const first = c.next();
    c.push(1);
    c.push(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await c.next()).toEqual({ value: 2, done: false });
  });
  it('reports a failure to a waiting consumer as an error, not as completion', async () => {
    const c = new Channel<number>();
    const waiting = c.next();
    c.fail(new Error('store down'));
    await expect(waiting).rejects.toThrow('store down');
    expect(await c.next()).toEqual({ value: undefined, done: true });
  });
  it('reports a failure to a consumer that calls next later', async () => {
    const c = new Channel<number>();
    c.fail(new Error('boom'));
    await expect(c.next()).rejects.toThrow('boom');
  });
  it('runs cleanups on return, even while the consumer waits', async () => {
    const c = new Channel<number>();
    let cleaned = 0;
    c.onClose(() => cleaned++);
    const waiting = c.next();
    await c.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(cleaned).toBe(1);
  });
  it('lets a producer wait until the consumer has drained the buffer', async () => {
    const c = new Channel<number>();
    for (let i = 0; i < 5; i++) c.push(i);
    let drained = false;
    const p = c.drained(3).then(() => (drained = true));
    await c.next();
    await c.next();
    expect(drained).toBe(false);
    await c.next();
    await p;
    expect(drained).toBe(true);
  });
});
