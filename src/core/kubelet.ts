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

/** Back-off before restart number `restart` (1-based) of a container: 10 s doubling, capped at 300 s. */
export function crashLoopBackOffMs(restart: number): number {
  throw new Error('not implemented');
}

/**
 * The pod status at `now` for a sandbox created at `createdAt`. `stoppedAt` is when the sandbox
 * was told to stop (the status freezes there: the last thing the agent reported), or null.
 */
export function observe(b: SandboxBehaviour, createdAt: number, now: number, stoppedAt: number | null): ObservedPod {
  throw new Error('not implemented');
}

/**
 * Events the agent emits in (after, upTo], oldest first, at most `limit` (the newest are kept
 * when more happened: a long crash loop seen late reports its recent history).
 * `pod` names the pod in messages ("Back-off restarting failed container app in pod web-0_default(<uid>)").
 */
export function eventsBetween(
  b: SandboxBehaviour,
  createdAt: number,
  after: number,
  upTo: number,
  pod: { namespace: string; name: string; uid: string },
  limit?: number,
): KubeletEvent[] {
  throw new Error('not implemented');
}

/**
 * When a sandbox told to stop at `stoppedAt` is gone: at once if no container is running then,
 * else after the process exits (stopMs) or the grace period ends, whichever is first.
 */
export function goneAt(b: SandboxBehaviour, createdAt: number, stoppedAt: number): number {
  throw new Error('not implemented');
}
