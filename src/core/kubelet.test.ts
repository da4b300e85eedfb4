import { describe, expect, it } from 'vitest';
import { crashLoopBackOffMs, eventsBetween, formatDuration, goneAt, observe, type SandboxBehaviour } from './kubelet';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const pod = { namespace: 'default', name: 'web-0', uid: 'u-1' };
const app = { name: 'app', image: 'nginx:1.14.2' };
const base: SandboxBehaviour = {
  bootMs: 1000,
  pullMs: 1500,
  runMs: null,
  exitCode: 0,
  restartPolicy: 'Always',
  readiness: null,
  neverReady: false,
  stopMs: 0,
  gracePeriodMs: 30_000,
  containers: [app],
};
const with_ = (o: Partial<SandboxBehaviour>): SandboxBehaviour => ({ ...base, ...o });
/** A crash loop starting at T0: no boot, no pull, each run lasts 1 s and exits 1. */
const crashing = with_({ bootMs: 0, pullMs: 0, runMs: 1000, exitCode: 1 });

/** Every instant at which the status changes, from T0 until `until` (relative ms), via nextChangeAt. */
function changes(b: SandboxBehaviour, until: number): number[] {
  const out: number[] = [];
  let at: number | null = T0;
  for (;;) {
    at = observe(b, T0, at, null).nextChangeAt;
    if (at === null || at - T0 > until) return out;
    out.push(at - T0);
  }
}

/** A deliberately naive model (restart by restart) to check the closed form against. */
function naiveRuns(b: SandboxBehaviour, until: number): { start: number; end: number | null }[] {
  const restarts = b.restartPolicy === 'Always' || (b.restartPolicy === 'OnFailure' && b.exitCode !== 0);
  const runs: { start: number; end: number | null }[] = [];
  let start = T0 + b.bootMs + b.pullMs;
  let backOffIndex = 1;
  while (start <= until) {
    const end = b.runMs === null ? null : start + b.runMs;
    runs.push({ start, end });
    if (end === null || !restarts) break;
    if (b.runMs! >= 600_000) backOffIndex = 1;
    start = end + Math.min(10_000 * 2 ** (backOffIndex - 1), 300_000);
    backOffIndex++;
  }
  return runs;
}

describe('crash loop back-off', () => {
  const table = [
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [4, 80_000],
    [5, 160_000],
    [6, 300_000],
    [7, 300_000],
    [5000, 300_000],
  ] as const;
  for (const [restart, ms] of table) {
    it(`waits ${ms / 1000} s before restart ${restart}`, () => {
      expect(crashLoopBackOffMs(restart)).toBe(ms);
    });
  }
});

describe('durations in messages', () => {
  const table = [
    [0, '0s'],
    [50, '50ms'],
    [1500, '1.5s'],
    [10_000, '10s'],
    [61_500, '1m1.5s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
  ] as const;
  for (const [ms, text] of table) {
    it(`print ${ms} ms as ${text} like Go does`, () => {
      expect(formatDuration(ms)).toBe(text);
    });
  }
});

describe('the pod status over time', () => {
  const table: { name: string; b: SandboxBehaviour; at: number; expected: Record<string, unknown> }[] = [
    { name: 'is ContainerCreating while the sandbox boots', b: base, at: 0, expected: { phase: 'Pending', status: 'ContainerCreating', reason: null, ready: false, startedAt: null, restartCount: 0 } },
    { name: 'is ContainerCreating while the image is pulled', b: base, at: 2499, expected: { phase: 'Pending', status: 'ContainerCreating', ready: false, startedAt: null } },
    { name: 'is Running and Ready from the first start without a readiness probe', b: base, at: 2500, expected: { phase: 'Running', status: 'Running', reason: null, ready: true, readySince: T0 + 2500, startedAt: T0 + 2500, finishedAt: null } },
    { name: 'is CrashLoopBackOff (phase Running) while waiting to restart', b: crashing, at: 5000, expected: { phase: 'Running', status: 'CrashLoopBackOff', reason: 'CrashLoopBackOff', ready: false, readySince: null, restartCount: 0, startedAt: T0 } },
    { name: 'is Running again after the first restart, with one restart counted', b: crashing, at: 11_000, expected: { phase: 'Running', status: 'Running', ready: true, readySince: T0 + 11_000, restartCount: 1, startedAt: T0 } },
    { name: 'counts restarts done, not restarts planned, during a back-off', b: crashing, at: 400_000, expected: { status: 'CrashLoopBackOff', restartCount: 5 } },
    { name: 'is Succeeded (Completed) after exit 0 with restartPolicy OnFailure', b: with_({ runMs: 5000, restartPolicy: 'OnFailure' }), at: 7500, expected: { phase: 'Succeeded', status: 'Completed', reason: 'Completed', ready: false, finishedAt: T0 + 7500, restartCount: 0, nextChangeAt: null } },
    { name: 'crash-loops after a non-zero exit with restartPolicy OnFailure', b: with_({ runMs: 5000, exitCode: 2, restartPolicy: 'OnFailure' }), at: 7500, expected: { phase: 'Running', status: 'CrashLoopBackOff', nextChangeAt: T0 + 17_500 } },
    { name: 'is Failed (Error) after exit 1 with restartPolicy Never', b: with_({ runMs: 5000, exitCode: 1, restartPolicy: 'Never' }), at: 60_000, expected: { phase: 'Failed', status: 'Error', reason: 'Error', finishedAt: T0 + 7500, nextChangeAt: null } },
    { name: 'is Succeeded after exit 0 with restartPolicy Never', b: with_({ runMs: 5000, restartPolicy: 'Never' }), at: 7500, expected: { phase: 'Succeeded', status: 'Completed', finishedAt: T0 + 7500 } },
    { name: 'restarts after exit 0 with restartPolicy Always', b: with_({ runMs: 5000, restartPolicy: 'Always' }), at: 7500, expected: { phase: 'Running', status: 'CrashLoopBackOff' } },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(observe(row.b, T0, T0 + row.at, null)).toMatchObject(row.expected);
    });
  }

  it('reports containers waiting in ContainerCreating before the first start', () => {
    expect(observe(base, T0, T0, null).containerStatuses).toEqual([
      { name: 'app', image: 'nginx:1.14.2', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} },
    ]);
  });

  it('reports a running container with its start time', () => {
    expect(observe(base, T0, T0 + 9000, null).containerStatuses[0]).toEqual({
      name: 'app', image: 'nginx:1.14.2', ready: true, started: true, restartCount: 0, state: { running: { startedAt: iso(T0 + 2500) } }, lastState: {},
    });
  });

  it('reports the back-off and the run that ended while crash-looping', () => {
    expect(observe(crashing, T0, T0 + 5000, null).containerStatuses[0]).toEqual({
      name: 'app', image: 'nginx:1.14.2', ready: false, started: false, restartCount: 0,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: iso(T0), finishedAt: iso(T0 + 1000) } },
    });
  });

  it('says back-off 5m0s once the back-off is capped', () => {
    const s = observe(crashing, T0, T0 + 400_000, null).containerStatuses[0];
    expect(s.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } });
    expect(s.lastState.terminated).toMatchObject({ startedAt: iso(T0 + 315_000), finishedAt: iso(T0 + 316_000) });
  });

  it('keeps the previous run in lastState while the container runs again', () => {
    const s = observe(crashing, T0, T0 + 11_500, null).containerStatuses[0];
    expect(s).toMatchObject({ started: true, ready: true, restartCount: 1, state: { running: { startedAt: iso(T0 + 11_000) } } });
    expect(s.lastState).toEqual({ terminated: { exitCode: 1, reason: 'Error', startedAt: iso(T0), finishedAt: iso(T0 + 1000) } });
  });

  it('reports a finished container as terminated with reason Completed', () => {
    const s = observe(with_({ runMs: 5000, restartPolicy: 'Never' }), T0, T0 + 10_000, null).containerStatuses[0];
    expect(s).toMatchObject({ ready: false, started: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: iso(T0 + 2500), finishedAt: iso(T0 + 7500) } }, lastState: {} });
  });

  it('gives every container the same status', () => {
    const b = with_({ containers: [app, { name: 'sidecar', image: 'busybox' }] });
    expect(observe(b, T0, T0 + 3000, null).containerStatuses.map((c) => [c.name, c.image, c.started])).toEqual([['app', 'nginx:1.14.2', true], ['sidecar', 'busybox', true]]);
  });

  it('freezes at the stop time and no longer changes', () => {
    const stopped = observe(crashing, T0, T0 + 900_000, T0 + 5000);
    expect(stopped).toEqual({ ...observe(crashing, T0, T0 + 5000, null), nextChangeAt: null });
  });

  it('is the status at now when now is before the stop time', () => {
    expect(observe(base, T0, T0 + 1000, T0 + 5000)).toMatchObject({ status: 'ContainerCreating', nextChangeAt: null });
  });
});

describe('restart timing', () => {
  it('restarts a 1 s run exiting 1 after 10 s, 20 s, 40 s, 80 s, 160 s, then every 300 s', () => {
    expect(changes(crashing, 1_000_000)).toEqual([1000, 11_000, 12_000, 32_000, 33_000, 73_000, 74_000, 154_000, 155_000, 315_000, 316_000, 616_000, 617_000, 917_000, 918_000]);
  });

  it('resets the back-off to 10 s after a run that lasted 10 minutes', () => {
    expect(changes(with_({ bootMs: 0, pullMs: 0, runMs: 600_000, exitCode: 1 }), 1_900_000)).toEqual([600_000, 610_000, 1_210_000, 1_220_000, 1_820_000, 1_830_000]);
  });

  it('keeps doubling after runs just under 10 minutes', () => {
    expect(changes(with_({ bootMs: 0, pullMs: 0, runMs: 599_999, exitCode: 1 }), 1_300_000)).toEqual([599_999, 609_999, 1_209_998, 1_229_998]);
  });

  it('agrees with a restart-by-restart model over a month of instant crashes', () => {
    const month = 30 * 24 * 3600_000;
    for (const b of [with_({ runMs: 0, exitCode: 1 }), with_({ runMs: 1000, exitCode: 3, restartPolicy: 'OnFailure' }), with_({ runMs: 700_000, exitCode: 1 })]) {
      const runs = naiveRuns(b, T0 + month);
      let started = 0;
      for (let at = T0; at <= T0 + month; at += 7_777_777) {
        while (started < runs.length && runs[started].start <= at) started++;
        const last = runs[started - 1];
        const o = observe(b, T0, at, null);
        expect(o.restartCount).toBe(Math.max(0, started - 1));
        if (last) expect(o.status).toBe(last.end !== null && at >= last.end ? 'CrashLoopBackOff' : 'Running');
      }
    }
    expect(naiveRuns(with_({ runMs: 0, exitCode: 1 }), T0 + month).length).toBeGreaterThan(8000);
  });

  it('answers in constant time deep into a crash loop', () => {
    const b = with_({ runMs: 0, exitCode: 1 });
    const t = performance.now();
    for (let i = 0; i < 2000; i++) observe(b, T0, T0 + 10 * 365 * 24 * 3600_000 + i, null);
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('is never observed running when each run lasts 0 ms', () => {
    const b = with_({ bootMs: 0, pullMs: 0, runMs: 0, exitCode: 1 });
    expect(observe(b, T0, T0, null)).toMatchObject({ status: 'CrashLoopBackOff', restartCount: 0, nextChangeAt: T0 + 10_000 });
    expect(observe(b, T0, T0 + 10_000, null)).toMatchObject({ status: 'CrashLoopBackOff', restartCount: 1, nextChangeAt: T0 + 30_000 });
  });
});

describe('next status change', () => {
  const table: { name: string; b: SandboxBehaviour; expected: number[] }[] = [
    { name: 'is the pull start, then the first start, then nothing for a pod that runs forever', b: base, expected: [1000, 2500] },
    { name: 'includes the instant the readiness probe first succeeds', b: with_({ readiness: { initialDelayMs: 5000, periodMs: 10_000 } }), expected: [1000, 2500, 7500] },
    { name: 'has no readiness instant when the probe never succeeds', b: with_({ readiness: { initialDelayMs: 5000, periodMs: 10_000 }, neverReady: true }), expected: [1000, 2500] },
    { name: 'ends with the exit of a run that is not restarted', b: with_({ runMs: 4000, restartPolicy: 'Never' }), expected: [1000, 2500, 6500] },
    { name: 'skips a readiness delay longer than the run', b: with_({ runMs: 4000, restartPolicy: 'Never', readiness: { initialDelayMs: 5000, periodMs: 1000 } }), expected: [1000, 2500, 6500] },
    { name: 'merges the pull start into the first start when pulling takes no time', b: with_({ pullMs: 0 }), expected: [1000] },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(changes(row.b, 3_600_000)).toEqual(row.expected);
    });
  }
  it('is null once the sandbox is told to stop', () => {
    expect(observe(base, T0, T0, T0).nextChangeAt).toBeNull();
  });
});

describe('readiness', () => {
  const probe = with_({ readiness: { initialDelayMs: 5000, periodMs: 10_000 } });
  const table: { name: string; b: SandboxBehaviour; at: number; ready: boolean; readySince: number | null }[] = [
    { name: 'is not ready at the start when the probe has an initial delay', b: probe, at: 2500, ready: false, readySince: null },
    { name: 'is not ready just before the first probe', b: probe, at: 7499, ready: false, readySince: null },
    { name: 'turns ready at the first probe (start + initial delay)', b: probe, at: 7500, ready: true, readySince: T0 + 7500 },
    { name: 'turns ready at the start when the initial delay is 0', b: with_({ readiness: { initialDelayMs: 0, periodMs: 10_000 } }), at: 2500, ready: true, readySince: T0 + 2500 },
    { name: 'never turns ready with never-ready', b: with_({ neverReady: true }), at: 3_600_000, ready: false, readySince: null },
    { name: 'turns false when the run ends', b: with_({ runMs: 6000, exitCode: 1 }), at: 8500, ready: false, readySince: null },
    { name: 'turns ready again after a restart, since the new start + initial delay', b: with_({ bootMs: 0, pullMs: 0, runMs: 10_000, exitCode: 1, readiness: { initialDelayMs: 2000, periodMs: 1000 } }), at: 22_500, ready: true, readySince: T0 + 22_000 },
  ];
  for (const row of table) {
    it(row.name, () => {
      const o = observe(row.b, T0, T0 + row.at, null);
      expect({ ready: o.ready, readySince: o.readySince, containerReady: o.containerStatuses[0].ready }).toEqual({ ready: row.ready, readySince: row.readySince, containerReady: row.ready });
    });
  }
});

describe('events', () => {
  const short = (e: { at: number; type: string; reason: string; message: string }) => [e.at - T0, e.type, e.reason, e.message];

  it('report pulling, pulled, created and started with their times', () => {
    expect(eventsBetween(base, T0, T0 - 1, T0 + 60_000, pod).map(short)).toEqual([
      [1000, 'Normal', 'Pulling', 'Pulling image "nginx:1.14.2"'],
      [2500, 'Normal', 'Pulled', 'Successfully pulled image "nginx:1.14.2" in 1.5s (1.5s including waiting)'],
      [2500, 'Normal', 'Created', 'Created container app'],
      [2500, 'Normal', 'Started', 'Started container app'],
    ]);
  });

  it('exclude the start of the window and include its end', () => {
    expect(eventsBetween(base, T0, T0 + 1000, T0 + 2500, pod).map((e) => e.reason)).toEqual(['Pulled', 'Created', 'Started']);
    expect(eventsBetween(base, T0, T0, T0 + 1000, pod).map((e) => e.reason)).toEqual(['Pulling']);
    expect(eventsBetween(base, T0, T0 + 2500, T0 + 60_000, pod)).toEqual([]);
  });

  it('are empty for an empty window', () => {
    expect(eventsBetween(base, T0, T0 + 5000, T0 + 5000, pod)).toEqual([]);
    expect(eventsBetween(base, T0, T0 + 5000, T0, pod)).toEqual([]);
  });

  it('come once per container', () => {
    const b = with_({ pullMs: 0, containers: [app, { name: 'sidecar', image: 'busybox' }] });
    expect(eventsBetween(b, T0, T0 - 1, T0 + 1000, pod).map((e) => `${e.reason} ${e.message}`)).toEqual([
      'Pulling Pulling image "nginx:1.14.2"',
      'Pulled Successfully pulled image "nginx:1.14.2" in 0s (0s including waiting)',
      'Created Created container app',
      'Started Started container app',
      'Pulling Pulling image "busybox"',
      'Pulled Successfully pulled image "busybox" in 0s (0s including waiting)',
      'Created Created container sidecar',
      'Started Started container sidecar',
    ]);
  });

  it('warn BackOff at the start of each back-off and report each restart', () => {
    expect(eventsBetween(crashing, T0, T0 + 500, T0 + 32_000, pod).map(short)).toEqual([
      [1000, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod web-0_default(u-1)'],
      [11_000, 'Normal', 'Created', 'Created container app'],
      [11_000, 'Normal', 'Started', 'Started container app'],
      [12_000, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod web-0_default(u-1)'],
      [32_000, 'Normal', 'Created', 'Created container app'],
      [32_000, 'Normal', 'Started', 'Started container app'],
    ]);
  });

  it('have no BackOff when the container is not restarted', () => {
    expect(eventsBetween(with_({ runMs: 1000, exitCode: 1, restartPolicy: 'Never' }), T0, T0, T0 + 3_600_000, pod).map((e) => e.reason)).toEqual(['Pulling', 'Pulled', 'Created', 'Started']);
  });

  it('keep only the newest 50 of a month-long crash loop, oldest first', () => {
    const b = with_({ runMs: 0, exitCode: 1 });
    const upTo = T0 + 30 * 24 * 3600_000;
    const events = eventsBetween(b, T0, T0 - 1, upTo, pod);
    expect(events).toHaveLength(50);
    expect(events.every((e) => e.at <= upTo && (e.reason === 'Created' || e.reason === 'Started' || e.reason === 'BackOff'))).toBe(true);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort((x, y) => x - y));
    // run k starts after back-offs 10+20+40+80+160 s, then 300 s each; with 0 ms runs it exits at once
    const lastStart = T0 + 2500 + 310_000 + (observe(b, T0, upTo, null).restartCount - 5) * 300_000;
    expect(events[events.length - 1]).toMatchObject({ at: lastStart, reason: 'BackOff' });
  });

  it('keep the newest `limit` when a limit is given', () => {
    expect(eventsBetween(crashing, T0, T0 - 1, T0 + 32_000, pod, 3).map(short)).toEqual([
      [12_000, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod web-0_default(u-1)'],
      [32_000, 'Normal', 'Created', 'Created container app'],
      [32_000, 'Normal', 'Started', 'Started container app'],
    ]);
  });
});

describe('when a stopped sandbox is gone', () => {
  const table: { name: string; b: SandboxBehaviour; stoppedAt: number; gone: number }[] = [
    { name: 'at once while the sandbox boots', b: with_({ stopMs: 5000 }), stoppedAt: 500, gone: 500 },
    { name: 'at once while the image is pulled', b: with_({ stopMs: 5000 }), stoppedAt: 2000, gone: 2000 },
    { name: 'after stop-ms when the process exits within the grace period', b: with_({ stopMs: 5000 }), stoppedAt: 10_000, gone: 15_000 },
    { name: 'after the grace period when the process takes longer', b: with_({ stopMs: 60_000, gracePeriodMs: 30_000 }), stoppedAt: 10_000, gone: 40_000 },
    { name: 'at once with a zero grace period', b: with_({ stopMs: 60_000, gracePeriodMs: 0 }), stoppedAt: 10_000, gone: 10_000 },
    { name: 'at once during a back-off', b: with_({ bootMs: 0, pullMs: 0, runMs: 1000, exitCode: 1, stopMs: 5000 }), stoppedAt: 5000, gone: 5000 },
    { name: 'after stop-ms when stopped during a restarted run', b: with_({ bootMs: 0, pullMs: 0, runMs: 1000, exitCode: 1, stopMs: 5000 }), stoppedAt: 11_500, gone: 16_500 },
    { name: 'at once after the pod finished', b: with_({ runMs: 1000, restartPolicy: 'Never', stopMs: 5000 }), stoppedAt: 3500, gone: 3500 },
  ];
  for (const row of table) {
    it(`is ${row.name}`, () => {
      expect(goneAt(row.b, T0, T0 + row.stoppedAt) - T0).toBe(row.gone);
    });
  }
});
