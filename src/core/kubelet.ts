/**
 * What the agent inside a pod's sandbox does (the kubelet of a node-based cluster), as a pure,
 * closed-form model over time: given how the pod's containers behave (scripted through the
 * simulation annotations, see core/simulation.ts) and when the sandbox was created, it tells the
 * pod's status at any instant, when that status next changes, and the Kubernetes events emitted
 * in between. The simulated provider uses it to answer describeSandboxes; tests step a clock.
 *
 * Timeline of one sandbox created at t0:
 *   [t0, t0+bootMs)                     ContainerCreating (sandbox boots)
 *   [.., +pullMs)                       ContainerCreating, image pulling ("Pulling" at start, "Pulled" at end)
 *   run 1 starts                        "Created", "Started"; Running (Ready per readinessProbe)
 *   run k exits after runMs             terminated (exit code): restart per restartPolicy with
 *                                       CrashLoopBackOff back-off 10 s, 20 s, 40 s … capped at 300 s,
 *                                       reset to 10 s after a run that lasted ≥ 10 min
 * Pod phase: Pending until the first start; Running while a container runs or will be restarted;
 * Succeeded / Failed when no container will run again (restartPolicy Never, or OnFailure with
 * exit code 0).
 */
import type { RestartPolicy } from './workloads/specs';
import type { PodPhase } from './workloads/types';

export interface SandboxBehaviour {
  /** Sandbox boot time before the image pull starts. */
  bootMs: number;
  /** Image pull time (near zero for a cached image). */
  pullMs: number;
  /** Each run of the container lasts this long, then the process exits; null = runs until stopped. */
  runMs: number | null;
  /** Exit code of a run that ends (0 = success). */
  exitCode: number;
  restartPolicy: RestartPolicy;
  /** From the first container's readinessProbe; null = no probe (Ready as soon as started). */
  readiness: { initialDelayMs: number; periodMs: number } | null;
  /** The readiness probe never succeeds. */
  neverReady: boolean;
  /** Time the process takes to exit after SIGTERM. */
  stopMs: number;
  /** terminationGracePeriodSeconds × 1000: SIGKILL after this long. */
  gracePeriodMs: number;
  /** Every container of the pod runs the same script. */
  containers: { name: string; image: string }[];
}

export interface TerminatedState {
  exitCode: number;
  /** Completed (exit 0) | Error (non-zero) */
  reason: string;
  startedAt: string;
  finishedAt: string;
}

/** Kubernetes' ContainerStatus, with ISO times. */
export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state:
    | { waiting: { reason: string; message?: string } }
    | { running: { startedAt: string } }
    | { terminated: TerminatedState };
  lastState: { terminated?: TerminatedState };
}

/** The pod status the sandbox reports at one instant. Times are epoch ms. */
export interface ObservedPod {
  phase: PodPhase;
  /** What `kubectl get pods` shows: ContainerCreating, Running, CrashLoopBackOff, Completed, Error. */
  status: string;
  /** A short machine-readable reason (CrashLoopBackOff, Completed, Error) or null. */
  reason: string | null;
  ready: boolean;
  /** When Ready last turned true; null while not ready. */
  readySince: number | null;
  /** Restarts so far (per container; all containers share the script). */
  restartCount: number;
  /** First start of the containers (the pod's Running time), or null before. */
  startedAt: number | null;
  /** When the pod reached Succeeded or Failed, or null. */
  finishedAt: number | null;
  containerStatuses: ContainerStatus[];
  /** The next instant this status changes (null: it never changes on its own). */
  nextChangeAt: number | null;
}

export interface KubeletEvent {
  /** Epoch ms. */
  at: number;
  type: 'Normal' | 'Warning';
  /** Pulling | Pulled | Created | Started | BackOff | Killing */
  reason: string;
  message: string;
}

/** First back-off before a restart; it doubles per restart. */
export const CRASH_LOOP_BACKOFF_BASE_MS = 10_000;
/** Longest back-off between restarts. */
export const CRASH_LOOP_BACKOFF_CAP_MS = 300_000;
/** A run at least this long resets the back-off to its base (the next restart waits 10 s again). */
export const CRASH_LOOP_BACKOFF_RESET_MS = 600_000;

/** Back-off before restart number `restart` (1-based) of a container: 10 s doubling, capped at 300 s. */
export function crashLoopBackOffMs(restart: number): number {
  const k = Math.max(1, Math.floor(restart));
  if (k > 30) return CRASH_LOOP_BACKOFF_CAP_MS; // 2^(k-1) would only overflow the cap further
  return Math.min(CRASH_LOOP_BACKOFF_BASE_MS * 2 ** (k - 1), CRASH_LOOP_BACKOFF_CAP_MS);
}

/** The first restart number whose back-off is at the cap (6: 10, 20, 40, 80, 160, then 300 s). */
const FIRST_CAPPED = (() => {
  let k = 1;
  while (crashLoopBackOffMs(k) < CRASH_LOOP_BACKOFF_CAP_MS) k++;
  return k;
})();
/** BACKOFF_PREFIX[n] = total back-off of restarts 1..n, for n < FIRST_CAPPED. */
const BACKOFF_PREFIX: number[] = [0];
for (let n = 1; n < FIRST_CAPPED; n++) BACKOFF_PREFIX.push(BACKOFF_PREFIX[n - 1] + crashLoopBackOffMs(n));

/**
 * Go's time.Duration format (what kubelet messages print) for whole milliseconds:
 * 0s, 50ms, 1.5s, 5m0s, 1m1.5s, 1h0m0s.
 */
export function formatDuration(ms: number): string {
  const v = Math.max(0, Math.round(ms));
  if (v === 0) return '0s';
  if (v < 1000) return `${v}ms`;
  const h = Math.floor(v / 3_600_000);
  const m = Math.floor((v % 3_600_000) / 60_000);
  const s = `${(v % 60_000) / 1000}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}

/**
 * The closed-form timeline of one sandbox. Run k (1-based) starts at runStart(k) and, when runMs
 * is set, ends at runStart(k) + runMs; the back-off between run k's end and run k+1's start is
 * crashLoopBackOffMs(k), or the base back-off when every run lasts ≥ 10 min (each such run resets
 * the sequence; all runs last runMs, so it is either always or never). Past the cap the runs are
 * evenly spaced, so every lookup is O(FIRST_CAPPED) arithmetic whatever the number of restarts.
 */
class Timeline {
  readonly pullStart: number;
  readonly firstStart: number;
  /** Index of the last run (Infinity: it restarts forever). */
  readonly lastRun: number;
  private readonly resets: boolean;

  constructor(
    readonly b: SandboxBehaviour,
    createdAt: number,
  ) {
    this.pullStart = createdAt + b.bootMs;
    this.firstStart = this.pullStart + b.pullMs;
    const restarts = b.restartPolicy === 'Always' || (b.restartPolicy === 'OnFailure' && b.exitCode !== 0);
    this.lastRun = b.runMs === null || !restarts ? 1 : Infinity;
    this.resets = b.runMs !== null && b.runMs >= CRASH_LOOP_BACKOFF_RESET_MS;
  }

  /** Back-off of restart number k (between run k and run k+1). */
  backOff(k: number): number {
    return crashLoopBackOffMs(this.resets ? 1 : k);
  }

  /** Total back-off of restarts 1..n. */
  private backOffTotal(n: number): number {
    if (n <= 0) return 0;
    if (this.resets) return n * crashLoopBackOffMs(1);
    if (n < FIRST_CAPPED) return BACKOFF_PREFIX[n];
    return BACKOFF_PREFIX[FIRST_CAPPED - 1] + (n - FIRST_CAPPED + 1) * CRASH_LOOP_BACKOFF_CAP_MS;
  }

  runStart(k: number): number {
    return this.firstStart + (k - 1) * (this.b.runMs ?? 0) + this.backOffTotal(k - 1);
  }

  /** When run k ends (null: it runs until stopped). */
  runEnd(k: number): number | null {
    return this.b.runMs === null ? null : this.runStart(k) + this.b.runMs;
  }

  /** When run k turns Ready (null: never). */
  readyAt(k: number): number | null {
    if (this.b.neverReady) return null;
    const at = this.runStart(k) + (this.b.readiness?.initialDelayMs ?? 0);
    const end = this.runEnd(k);
    return end === null || at < end ? at : null;
  }

  /** The latest run started at or before t (0: none yet). */
  runAt(t: number): number {
    if (t < this.firstStart) return 0;
    if (this.lastRun === 1) return 1;
    const runMs = this.b.runMs ?? 0;
    let k: number;
    if (this.resets) {
      k = 1 + Math.floor((t - this.firstStart) / (runMs + crashLoopBackOffMs(1)));
    } else {
      k = 1;
      while (k < FIRST_CAPPED && this.runStart(k + 1) <= t) k++;
      if (k === FIRST_CAPPED) k += Math.floor((t - this.runStart(FIRST_CAPPED)) / (runMs + CRASH_LOOP_BACKOFF_CAP_MS));
    }
    // guard against floating-point rounding in the division
    while (k > 1 && this.runStart(k) > t) k--;
    while (this.runStart(k + 1) <= t) k++;
    return k;
  }

  /** The next instant strictly after t at which anything observable happens, or null. */
  nextChange(t: number): number | null {
    const k = this.runAt(t);
    if (k === 0) return t < this.pullStart ? this.pullStart : this.firstStart;
    let next = Infinity;
    const ready = this.readyAt(k);
    if (ready !== null && ready > t) next = ready;
    const end = this.runEnd(k);
    if (end !== null && end > t) next = Math.min(next, end);
    if (k < this.lastRun) next = Math.min(next, this.runStart(k + 1));
    return next === Infinity ? null : next;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function terminated(tl: Timeline, k: number): TerminatedState {
  const code = tl.b.exitCode;
  return { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: iso(tl.runStart(k)), finishedAt: iso(tl.runEnd(k) ?? tl.runStart(k)) };
}

/**
 * The pod status at `now` for a sandbox created at `createdAt`. `stoppedAt` is when the sandbox
 * was told to stop (the status freezes there: the last thing the agent reported), or null.
 */
export function observe(b: SandboxBehaviour, createdAt: number, now: number, stoppedAt: number | null): ObservedPod {
  const t = stoppedAt === null ? now : Math.min(now, stoppedAt);
  const tl = new Timeline(b, createdAt);
  const k = tl.runAt(t);
  const nextChangeAt = stoppedAt === null ? tl.nextChange(t) : null;
  const statuses = (c: Omit<ContainerStatus, 'name' | 'image'>): ContainerStatus[] => b.containers.map((x) => ({ name: x.name, image: x.image, ...c, lastState: { ...c.lastState } }));

  if (k === 0) {
    return {
      phase: 'Pending', status: 'ContainerCreating', reason: null, ready: false, readySince: null, restartCount: 0, startedAt: null, finishedAt: null,
      containerStatuses: statuses({ ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} }),
      nextChangeAt,
    };
  }
  const restartCount = k - 1;
  const start = tl.runStart(k);
  const end = tl.runEnd(k);
  const startedAt = tl.firstStart;
  if (end === null || t < end) {
    const readyAt = tl.readyAt(k);
    const ready = readyAt !== null && readyAt <= t;
    return {
      phase: 'Running', status: 'Running', reason: null, ready, readySince: ready ? readyAt : null, restartCount, startedAt, finishedAt: null,
      containerStatuses: statuses({ ready, started: true, restartCount, state: { running: { startedAt: iso(start) } }, lastState: k > 1 ? { terminated: terminated(tl, k - 1) } : {} }),
      nextChangeAt,
    };
  }
  if (k < tl.lastRun) {
    const message = `back-off ${formatDuration(tl.backOff(k))} restarting failed container`;
    return {
      phase: 'Running', status: 'CrashLoopBackOff', reason: 'CrashLoopBackOff', ready: false, readySince: null, restartCount, startedAt, finishedAt: null,
      containerStatuses: statuses({ ready: false, started: false, restartCount, state: { waiting: { reason: 'CrashLoopBackOff', message } }, lastState: { terminated: terminated(tl, k) } }),
      nextChangeAt,
    };
  }
  const ok = b.exitCode === 0;
  return {
    phase: ok ? 'Succeeded' : 'Failed', status: ok ? 'Completed' : 'Error', reason: ok ? 'Completed' : 'Error', ready: false, readySince: null, restartCount, startedAt, finishedAt: end,
    containerStatuses: statuses({ ready: false, started: false, restartCount, state: { terminated: terminated(tl, k) }, lastState: k > 1 ? { terminated: terminated(tl, k - 1) } : {} }),
    nextChangeAt,
  };
}

const RANK: Record<string, number> = { Pulling: 0, Pulled: 1, Created: 2, Started: 3, BackOff: 4 };

/**
 * Events the agent emits in (after, upTo], oldest first, at most `limit` (the newest are kept
 * when more happened: a long crash loop seen late reports its recent history).
 * `pod` names the pod in messages ("Back-off restarting failed container app in pod web-0_default(<uid>)").
 * Work is bounded by `limit`: runs are visited newest first and the walk stops once enough
 * events are collected (every earlier event is strictly older).
 */
export function eventsBetween(
  b: SandboxBehaviour,
  createdAt: number,
  after: number,
  upTo: number,
  pod: { namespace: string; name: string; uid: string },
  limit = 50,
): KubeletEvent[] {
  if (upTo <= after || limit <= 0) return [];
  const tl = new Timeline(b, createdAt);
  const out: { e: KubeletEvent; c: number }[] = [];
  const add = (at: number, type: KubeletEvent['type'], reason: string, message: (c: { name: string; image: string }) => string) => {
    if (at <= after || at > upTo) return;
    b.containers.forEach((c, i) => out.push({ e: { at, type, reason, message: message(c) }, c: i }));
  };
  const podRef = `${pod.name}_${pod.namespace}(${pod.uid})`;
  for (let k = tl.runAt(upTo); k >= 1 && out.length < limit; k--) {
    const start = tl.runStart(k);
    const end = tl.runEnd(k);
    if (end !== null && k < tl.lastRun) add(end, 'Warning', 'BackOff', (c) => `Back-off restarting failed container ${c.name} in pod ${podRef}`);
    if (start <= after) break;
    add(start, 'Normal', 'Created', (c) => `Created container ${c.name}`);
    add(start, 'Normal', 'Started', (c) => `Started container ${c.name}`);
  }
  if (out.length < limit) {
    const took = formatDuration(b.pullMs);
    add(tl.pullStart, 'Normal', 'Pulling', (c) => `Pulling image "${c.image}"`);
    add(tl.firstStart, 'Normal', 'Pulled', (c) => `Successfully pulled image "${c.image}" in ${took} (${took} including waiting)`);
  }
  out.sort((x, y) => x.e.at - y.e.at || x.c - y.c || RANK[x.e.reason] - RANK[y.e.reason]);
  return out.slice(Math.max(0, out.length - limit)).map((x) => x.e);
}

/**
 * When a sandbox told to stop at `stoppedAt` is gone: at once if no container is running then,
 * else after the process exits (stopMs) or the grace period ends, whichever is first.
 */
export function goneAt(b: SandboxBehaviour, createdAt: number, stoppedAt: number): number {
  const tl = new Timeline(b, createdAt);
  const k = tl.runAt(stoppedAt);
  if (k === 0) return stoppedAt;
  const end = tl.runEnd(k);
  return end === null || stoppedAt < end ? stoppedAt + Math.min(b.stopMs, b.gracePeriodMs) : stoppedAt;
}

/**
 * The billable period of a sandbox as its provider records it: from the start of the first image
 * pull (the boot before it is free) to the pod's termination, i.e. its containers finishing
 * (Succeeded / Failed) or, after a stop, the sandbox being gone. A sandbox stopped before its pull
 * started never bills. `observed` is observe(b, createdAt, at, stoppedAt).
 */
export function billingPeriod(b: SandboxBehaviour, createdAt: number, at: number, stoppedAt: number | null, goneAt: number | null, observed: ObservedPod): { from: number | null; until: number | null } {
  const pullStart = createdAt + b.bootMs;
  if (pullStart > at || (stoppedAt !== null && pullStart > stoppedAt)) return { from: null, until: null };
  if (observed.finishedAt !== null) return { from: pullStart, until: observed.finishedAt };
  return { from: pullStart, until: goneAt !== null && goneAt <= at ? goneAt : null };
}
