import { describe, expect, it } from 'vitest';
import { DELIVERY_SLICE_MS, deliveryTurn } from './fanout';

describe('delivery slices', () => {
  it('lets deliveries run on while the slice has time, then makes them wait for a later turn of the event loop', async () => {
    const t0 = 1_000_000;
    expect(deliveryTurn(t0)).toBeUndefined(); // starts a slice
    expect(deliveryTurn(t0 + DELIVERY_SLICE_MS - 1)).toBeUndefined();
    const waits = [deliveryTurn(t0 + DELIVERY_SLICE_MS), deliveryTurn(t0 + DELIVERY_SLICE_MS + 3)];
    expect(waits.every((w) => w instanceof Promise)).toBe(true);
    let resumed = 0;
    for (const w of waits) void w!.then(() => resumed++);
    // not in this turn's microtasks: other I/O runs first
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(resumed).toBe(0);
    await new Promise((r) => setImmediate(r));
    await Promise.resolve();
    expect(resumed).toBe(2);
    // the next turn starts a fresh slice
    expect(deliveryTurn(t0 + 10 * DELIVERY_SLICE_MS)).toBeUndefined();
    await new Promise((r) => setImmediate(r));
  });
});
