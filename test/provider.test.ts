import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { CACHED_PULL_MS, SimulatedProvider, type SimulatedProviderOptions } from '../src/adapters/provider/simulated';
import type { SandboxChange, SandboxRequest, SandboxState } from '../src/ports/provider';
import { testStore } from './support/stack';

const request = (clusterId: string, podUid: string, annotations: Record<string, string> = {}, pod: Partial<SandboxRequest['pod']> = {}, cachedImages: string[] = []): SandboxRequest => ({
  podUid,
  clusterId,
  region: 'r',
  zone: 'z',
  hostId: 'h',
  cpuMilli: 1000,
  memoryMi: 2048,
  cpuType: 'intel',
  gpuModel: null,
  gpuMilli: 0,
  spot: false,
  annotations,
  pod: { namespace: 'default', name: 'web-0', restartPolicy: 'Always', terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'nginx:1.14.2' }], ...pod },
  cachedImages,
});

describe('the simulated provider', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let provider: SimulatedProvider;
  const seen: SandboxChange[][] = [];
  let unwatch: () => void;
  const clusterId = crypto.randomUUID();
  const req = (podUid: string, annotations: Record<string, string> = {}): SandboxRequest => request(clusterId, podUid, annotations);

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

describe('the simulated provider running pods', () => {
  let store: Store;
  const clusterId = crypto.randomUUID();
  const T = Date.UTC(2026, 1, 1);
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  /** A provider on its own clock, and the notifications it sends (with their time relative to T). */
  function fleet(options: Partial<SimulatedProviderOptions> = {}) {
    const clock = new ManualClock(T);
    const provider = new SimulatedProvider(store.prisma, clock, { bootLatencyMs: 0, stopLatencyMs: 0, ...options });
    const seen: { at: number; podUid: string; phase: string }[] = [];
    const unwatch = provider.watch((changes) => seen.push(...changes.map((c) => ({ at: clock.now() - T, podUid: c.podUid, phase: c.phase }))));
    return { clock, provider, seen, unwatch };
  }
  const brief = (s: SandboxState) => ({ phase: s.phase, status: s.pod?.status, restartCount: s.pod?.restartCount, ready: s.pod?.ready, next: s.nextChangeAt === null ? null : s.nextChangeAt - T });

  it('reports the pod status through a crash loop, changing at each nextChangeAt', async () => {
    const { clock, provider, unwatch } = fleet();
    const uid = crypto.randomUUID();
    const annotations = { 'sim.nodeless.dev/boot-ms': '1000', 'sim.nodeless.dev/pull-ms': '2000', 'sim.nodeless.dev/crash-after-ms': '1000' };
    const [created] = await provider.createSandboxes([request(clusterId, uid, annotations)]);
    const steps = [brief(created)];
    for (const at of [1000, 3000, 4000, 14_000, 15_000]) {
      clock.set(T + at);
      steps.push(brief((await provider.describeSandboxes([uid]))[0]));
    }
    expect(steps).toEqual([
      { phase: 'Creating', status: 'ContainerCreating', restartCount: 0, ready: false, next: 1000 },
      { phase: 'Running', status: 'ContainerCreating', restartCount: 0, ready: false, next: 3000 },
      { phase: 'Running', status: 'Running', restartCount: 0, ready: true, next: 4000 },
      { phase: 'Running', status: 'CrashLoopBackOff', restartCount: 0, ready: false, next: 14_000 },
      { phase: 'Running', status: 'Running', restartCount: 1, ready: true, next: 15_000 },
      { phase: 'Running', status: 'CrashLoopBackOff', restartCount: 1, ready: false, next: 35_000 },
    ]);
    const [s] = await provider.describeSandboxes([uid]);
    expect(s.pod).toMatchObject({ phase: 'Running', reason: 'CrashLoopBackOff', startedAt: T + 3000 });
    expect(s.pod?.containerStatuses[0]).toMatchObject({ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
    unwatch();
  });

  it('notifies at every pod status change, and only at the stop once the sandbox is told to stop', async () => {
    const { clock, provider, seen, unwatch } = fleet({ stopLatencyMs: 2000 });
    const uid = crypto.randomUUID();
    await provider.createSandboxes([request(clusterId, uid, { 'sim.nodeless.dev/boot-ms': '1000', 'sim.nodeless.dev/pull-ms': '2000', 'sim.nodeless.dev/crash-after-ms': '1000' })]);
    clock.set(T + 40_000);
    expect(seen).toEqual([1000, 3000, 4000, 14_000, 15_000, 35_000, 36_000].map((at) => ({ at, podUid: uid, phase: 'Running' })));
    seen.length = 0;
    clock.set(T + 75_000); // in the 40 s back-off after the third run (36 000 → 76 000)
    await provider.deleteSandboxes([uid]); // during a back-off: gone at once
    clock.set(T + 3_600_000);
    expect(seen).toEqual([]);
    expect(brief((await provider.describeSandboxes([uid]))[0])).toEqual({ phase: 'Gone', status: 'CrashLoopBackOff', restartCount: 2, ready: false, next: null });
    unwatch();
  });

  it('notifies Stopping → Gone for a running pod stopped mid-run, with no pod changes after the stop', async () => {
    const { clock, provider, seen, unwatch } = fleet({ stopLatencyMs: 2000 });
    const uid = crypto.randomUUID();
    await provider.createSandboxes([request(clusterId, uid, { 'sim.nodeless.dev/run-ms': '10000', 'sim.nodeless.dev/exit-code': '1' })]);
    clock.set(T + 5000);
    await provider.deleteSandboxes([uid]);
    expect(brief((await provider.describeSandboxes([uid]))[0])).toEqual({ phase: 'Stopping', status: 'Running', restartCount: 0, ready: true, next: 7000 });
    clock.set(T + 60_000);
    expect(seen).toEqual([{ at: 7000, podUid: uid, phase: 'Gone' }]);
    unwatch();
  });

  it('keeps a finished pod\'s final status readable after its sandbox is gone', async () => {
    const { clock, provider, unwatch } = fleet({ stopLatencyMs: 5000 });
    const uid = crypto.randomUUID();
    await provider.createSandboxes([request(clusterId, uid, { 'sim.nodeless.dev/run-ms': '5000', 'sim.nodeless.dev/exit-code': '3' }, { restartPolicy: 'Never' })]);
    clock.set(T + 8000);
    await provider.deleteSandboxes([uid]); // nothing runs: gone at once
    clock.set(T + 3_600_000);
    const [s] = await provider.describeSandboxes([uid]);
    expect(s).toMatchObject({ phase: 'Gone', nextChangeAt: null, pod: { phase: 'Failed', status: 'Error', finishedAt: T + 5000, nextChangeAt: null } });
    expect(s.pod?.containerStatuses[0].state).toEqual({ terminated: { exitCode: 3, reason: 'Error', startedAt: new Date(T).toISOString(), finishedAt: new Date(T + 5000).toISOString() } });
    unwatch();
  });

  it('reports the billable period: from the first image pull to the pod\'s termination, the boot free', async () => {
    const { clock, provider, unwatch } = fleet({ bootLatencyMs: 3000, stopLatencyMs: 2000 });
    const running = crypto.randomUUID();
    const finished = crypto.randomUUID();
    const early = crypto.randomUUID();
    await provider.createSandboxes([
      request(clusterId, running, { 'sim.nodeless.dev/pull-ms': '1000' }),
      request(clusterId, finished, { 'sim.nodeless.dev/run-ms': '5000' }, { restartPolicy: 'Never' }),
      request(clusterId, early),
    ]);
    const billing = async () => (await provider.describeSandboxes([running, finished, early])).map((s) => s.billing);
    clock.set(T + 2999);
    expect(await billing()).toEqual([{ from: null, until: null }, { from: null, until: null }, { from: null, until: null }]);
    await provider.deleteSandboxes([early]); // stopped while booting: never billable
    clock.set(T + 3000);
    expect(await billing()).toEqual([{ from: T + 3000, until: null }, { from: T + 3000, until: null }, { from: null, until: null }]);
    clock.set(T + 10_000);
    await provider.deleteSandboxes([running]);
    // the finished pod bills to its exit (8000), not to the release of its sandbox
    expect(await billing()).toEqual([{ from: T + 3000, until: null }, { from: T + 3000, until: T + 8000 }, { from: null, until: null }]);
    await provider.deleteSandboxes([finished]);
    clock.set(T + 12_000);
    // a stopped pod bills until its sandbox is gone (the stop latency after the stop)
    expect(await billing()).toEqual([{ from: T + 3000, until: T + 12_000 }, { from: T + 3000, until: T + 8000 }, { from: null, until: null }]);
    clock.set(T + 3_600_000);
    expect(await billing()).toEqual([{ from: T + 3000, until: T + 12_000 }, { from: T + 3000, until: T + 8000 }, { from: null, until: null }]);
    expect((await provider.describeSandboxes([crypto.randomUUID()]))[0].billing).toEqual({ from: null, until: null });
    unwatch();
  });

  it('freezes a running pod\'s status at the stop time', async () => {
    const { clock, provider, unwatch } = fleet({ stopLatencyMs: 1000 });
    const uid = crypto.randomUUID();
    await provider.createSandboxes([request(clusterId, uid, { 'sim.nodeless.dev/run-ms': '10000' })]);
    clock.set(T + 4000);
    await provider.deleteSandboxes([uid]);
    await provider.deleteSandboxes([uid]); // a second delete changes nothing
    clock.set(T + 100_000);
    const [s] = await provider.describeSandboxes([uid]);
    expect(s).toMatchObject({ phase: 'Gone', pod: { phase: 'Running', status: 'Running', ready: true, restartCount: 0, nextChangeAt: null } });
    const row = await store.prisma.simSandbox.findUniqueOrThrow({ where: { podUid: uid } });
    expect([row.deleteAt?.getTime(), row.goneAt?.getTime()]).toEqual([T + 4000, T + 5000]);
    unwatch();
  });

  const stops: { name: string; annotations: Record<string, string>; grace: number; stoppedAt: number; gone: number }[] = [
    { name: 'stops after stop-ms when the process exits within the grace period', annotations: { 'sim.nodeless.dev/stop-ms': '1000' }, grace: 30, stoppedAt: 3000, gone: 4000 },
    { name: 'stops after the grace period when the process takes longer (SIGKILL)', annotations: { 'sim.nodeless.dev/stop-ms': '60000' }, grace: 30, stoppedAt: 3000, gone: 33_000 },
    { name: 'stops at once with a zero grace period', annotations: { 'sim.nodeless.dev/stop-ms': '60000' }, grace: 0, stoppedAt: 3000, gone: 3000 },
    { name: 'stops at once during a back-off', annotations: { 'sim.nodeless.dev/stop-ms': '60000', 'sim.nodeless.dev/crash-after-ms': '1000' }, grace: 30, stoppedAt: 3000, gone: 3000 },
    { name: 'stops at once while the sandbox boots', annotations: { 'sim.nodeless.dev/stop-ms': '60000', 'sim.nodeless.dev/boot-ms': '5000' }, grace: 30, stoppedAt: 3000, gone: 3000 },
    { name: 'uses the provider\'s stop latency without a stop-ms annotation', annotations: {}, grace: 30, stoppedAt: 3000, gone: 10_000 },
  ];
  for (const row of stops) {
    it(row.name, async () => {
      const { clock, provider, unwatch } = fleet({ stopLatencyMs: 7000 });
      const uid = crypto.randomUUID();
      await provider.createSandboxes([request(clusterId, uid, row.annotations, { terminationGracePeriodSeconds: row.grace })]);
      clock.set(T + row.stoppedAt);
      await provider.deleteSandboxes([uid]);
      const [s] = await provider.describeSandboxes([uid]);
      if (row.gone === row.stoppedAt) expect(s).toMatchObject({ phase: 'Gone', nextChangeAt: null });
      else expect(s).toMatchObject({ phase: 'Stopping', nextChangeAt: T + row.gone });
      unwatch();
    });
  }

  const pulls: { name: string; cached: string[]; annotations: Record<string, string>; started: number }[] = [
    { name: 'pulls uncached images in the configured pull time', cached: [], annotations: {}, started: 20_000 },
    { name: 'pulls in 50 ms when every image is cached', cached: ['nginx:1.14.2', 'busybox'], annotations: {}, started: CACHED_PULL_MS },
    { name: 'pulls in the full time when one image is not cached', cached: ['nginx:1.14.2'], annotations: {}, started: 20_000 },
    { name: 'takes the pull-ms annotation over the configured pull time', cached: [], annotations: { 'sim.nodeless.dev/pull-ms': '3000' }, started: 3000 },
    { name: 'pulls cached images in 50 ms whatever pull-ms says', cached: ['nginx:1.14.2', 'busybox'], annotations: { 'sim.nodeless.dev/pull-ms': '3000' }, started: CACHED_PULL_MS },
  ];
  for (const row of pulls) {
    it(row.name, async () => {
      const { provider, unwatch } = fleet({ pullLatencyMs: 20_000 });
      const uid = crypto.randomUUID();
      const containers = [{ name: 'app', image: 'nginx:1.14.2' }, { name: 'sidecar', image: 'busybox' }];
      const [s] = await provider.createSandboxes([request(clusterId, uid, row.annotations, { containers }, row.cached)]);
      expect(s).toMatchObject({ phase: 'Running', pod: { status: 'ContainerCreating' }, nextChangeAt: T + row.started });
      unwatch();
    });
  }

  it('turns the pod ready per the first container\'s readiness probe', async () => {
    const { clock, provider, unwatch } = fleet({ bootLatencyMs: 1000 });
    const uid = crypto.randomUUID();
    const containers = [{ name: 'app', image: 'nginx:1.14.2', readinessProbe: { initialDelaySeconds: 5 } }, { name: 'sidecar', image: 'busybox' }];
    await provider.createSandboxes([request(clusterId, uid, {}, { containers })]);
    clock.set(T + 1000);
    expect(brief((await provider.describeSandboxes([uid]))[0])).toEqual({ phase: 'Running', status: 'Running', restartCount: 0, ready: false, next: 6000 });
    clock.set(T + 6000);
    const [s] = await provider.describeSandboxes([uid]);
    expect(s.pod).toMatchObject({ ready: true, readySince: T + 6000, nextChangeAt: null });
    expect(s.pod?.containerStatuses.map((c) => c.ready)).toEqual([true, true]);
    unwatch();
  });

  it('stores the behaviour built from the request', async () => {
    const { provider, unwatch } = fleet({ bootLatencyMs: 1000, pullLatencyMs: 2000, stopLatencyMs: 3000 });
    const uid = crypto.randomUUID();
    const containers = [{ name: 'app', image: 'nginx:1.14.2', readinessProbe: { periodSeconds: 3 } }];
    await provider.createSandboxes([request(clusterId, uid, { 'sim.nodeless.dev/never-ready': 'true', 'sim.nodeless.dev/run-ms': 'soon' }, { containers, restartPolicy: 'OnFailure', terminationGracePeriodSeconds: 10 })]);
    const row = await store.prisma.simSandbox.findUniqueOrThrow({ where: { podUid: uid } });
    expect(row.behaviour).toMatchObject({ bootMs: 1000, pullMs: 2000, runMs: 5000, exitCode: 0, restartPolicy: 'OnFailure', readiness: { initialDelayMs: 0, periodMs: 3000 }, neverReady: true, stopMs: 3000, gracePeriodMs: 10_000, containers: [{ name: 'app', image: 'nginx:1.14.2' }] });
    expect(row.readyAt.getTime() - row.createdAt.getTime()).toBe(1000);
    unwatch();
  });

  it('reports the agent\'s events in the asked window, never past the stop', async () => {
    const { clock, provider, unwatch } = fleet();
    const uid = crypto.randomUUID();
    const other = crypto.randomUUID();
    await provider.createSandboxes([request(clusterId, uid, { 'sim.nodeless.dev/boot-ms': '1000', 'sim.nodeless.dev/pull-ms': '1500', 'sim.nodeless.dev/crash-after-ms': '1000' }), request(clusterId, other)]);
    clock.set(T + 2500);
    const [first, none] = await provider.describeSandboxes([uid, other], [T - 1, null]);
    expect(first.events.map((e) => [e.at - T, e.reason, e.message])).toEqual([
      [1000, 'Pulling', 'Pulling image "nginx:1.14.2"'],
      [2500, 'Pulled', 'Successfully pulled image "nginx:1.14.2" in 1.5s (1.5s including waiting)'],
      [2500, 'Created', 'Created container app'],
      [2500, 'Started', 'Started container app'],
    ]);
    expect(none.events).toEqual([]);
    clock.set(T + 14_000);
    expect((await provider.describeSandboxes([uid]))[0].events).toEqual([]);
    const [later] = await provider.describeSandboxes([uid], [T + 2500]);
    expect(later.events.map((e) => [e.at - T, e.type, e.reason, e.message])).toEqual([
      [3500, 'Warning', 'BackOff', `Back-off restarting failed container app in pod web-0_default(${uid})`],
      [13_500, 'Normal', 'Created', 'Created container app'],
      [13_500, 'Normal', 'Started', 'Started container app'],
    ]);
    clock.set(T + 20_000);
    await provider.deleteSandboxes([uid]);
    clock.set(T + 3_600_000);
    const [stopped] = await provider.describeSandboxes([uid], [T + 13_500]);
    expect(stopped.events.map((e) => [e.at - T, e.reason])).toEqual([[14_500, 'BackOff']]);
    unwatch();
  });

  it('reports the newest 50 events of a long crash loop', async () => {
    const { clock, provider, unwatch } = fleet();
    const uid = crypto.randomUUID();
    await provider.createSandboxes([request(clusterId, uid, { 'sim.nodeless.dev/crash-after-ms': '0' })]);
    clock.set(T + 7 * 24 * 3600_000);
    const [s] = await provider.describeSandboxes([uid], [T - 1]);
    expect(s.events).toHaveLength(50);
    expect(s.events[49].at).toBeLessThanOrEqual(clock.now());
    expect(s.pod?.restartCount).toBeGreaterThan(2000);
    unwatch();
  });
});
