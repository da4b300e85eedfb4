import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { SimulatedProvider } from '../src/adapters/provider/simulated';
import type { SandboxChange, SandboxRequest } from '../src/ports/provider';
import { testStore } from './support/stack';

describe('the simulated provider', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let provider: SimulatedProvider;
  const seen: SandboxChange[][] = [];
  let unwatch: () => void;
  const clusterId = crypto.randomUUID();
  const req = (podUid: string, annotations: Record<string, string> = {}): SandboxRequest => ({ podUid, clusterId, region: 'r', zone: 'z', hostId: 'h', cpuMilli: 1000, memoryMi: 2048, annotations });

  beforeAll(async () => {
    store = await testStore();
    provider = new SimulatedProvider(store.prisma, clock, { bootLatencyMs: 5000, stopLatencyMs: 3000 });
    unwatch = provider.watch((changes) => seen.push(changes));
  });
  afterAll(async () => {
    unwatch();
    await store?.close();
  });

  it('boots sandboxes after the boot latency and notifies once per batch', async () => {
    const a = crypto.randomUUID();
    const b = crypto.randomUUID();
    const fast = crypto.randomUUID();
    const states = await provider.createSandboxes([req(a), req(b), req(fast, { 'sim.nodeless.dev/boot-ms': '0' })]);
    expect(states.map((s) => s.phase)).toEqual(['Creating', 'Creating', 'Running']);
    expect(states[0].nextChangeAt).toBe(clock.now() + 5000);
    clock.advance(4999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual([[expect.objectContaining({ podUid: a, clusterId, phase: 'Running' }), expect.objectContaining({ podUid: b, clusterId, phase: 'Running' })]]);
    expect((await provider.describeSandboxes([a, b])).map((s) => s.phase)).toEqual(['Running', 'Running']);
  });

  it('ignores malformed or out-of-range latency annotations (falls back to the default)', async () => {
    const uid = crypto.randomUUID();
    const [s] = await provider.createSandboxes([req(uid, { 'sim.nodeless.dev/boot-ms': '1e300', 'sim.nodeless.dev/stop-ms': '99999999999' })]);
    expect(s).toMatchObject({ phase: 'Creating', nextChangeAt: clock.now() + 5000 });
  });

  it('is idempotent: creating the same pod twice gives one sandbox', async () => {
    const uid = crypto.randomUUID();
    const first = await provider.createSandboxes([req(uid)]);
    const again = await provider.createSandboxes([{ ...req(uid), zone: 'elsewhere' }]);
    expect(again[0].id).toBe(first[0].id);
    expect(again[0].zone).toBe('z');
    expect(await store.prisma.simSandbox.count({ where: { podUid: uid } })).toBe(1);
  });

  it('stops sandboxes by pod uid after the stop latency, notifies Gone, and reports pods without a sandbox as Gone', async () => {
    seen.length = 0;
    const uid = crypto.randomUUID();
    const [s] = await provider.createSandboxes([req(uid, { 'sim.nodeless.dev/boot-ms': '0', 'sim.nodeless.dev/stop-ms': '1000' })]);
    await provider.deleteSandboxes([uid]);
    await provider.deleteSandboxes([uid]); // a second delete changes nothing
    expect((await provider.describeSandboxes([uid]))[0]).toMatchObject({ id: s.id, phase: 'Stopping', nextChangeAt: clock.now() + 1000 });
    clock.advance(1000);
    expect(seen).toEqual([[expect.objectContaining({ sandboxId: s.id, podUid: uid, phase: 'Gone' })]]);
    expect((await provider.describeSandboxes([uid, crypto.randomUUID()])).map((x) => x.phase)).toEqual(['Gone', 'Gone']);
  });
});
