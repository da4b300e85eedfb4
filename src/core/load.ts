/**
 * The simulated provider's load model: the traffic a workload is offered (requests per second
 * over time) and what serving it costs, turned into per-pod CPU and memory usage. The offered
 * load is spread evenly over the workload's Ready pods; each pod's usage is capped at its
 * billed spec (a sandbox cannot use more than it was given), so an overloaded workload shows
 * up as pods at 100 % of their spec, as real ones do.
 *
 * A profile is a list of points `{at: seconds from the start, rps}` joined by straight lines:
 * one point is a constant load, two a ramp, more a script (0 → 10× → 0); the value after the
 * last point stays. With `repeatSeconds` the profile repeats (86 400 makes a daily curve).
 *
 * Pure: no I/O, no clock, no randomness.
 */

export interface LoadPoint {
  /** Seconds from the profile's start. */
  at: number;
  /** Offered requests per second at that instant. */
  rps: number;
}

export interface LoadSpec {
  points: LoadPoint[];
  /** Repeat the profile every this many seconds (0 or absent: play once, then hold the last value). */
  repeatSeconds?: number;
  /** CPU time one request costs, in milliseconds of one core (1 rps of 100 ms requests = 100 millicores). */
  cpuMsPerRequest: number;
  /** Memory held per request/s a pod serves, in MiB. */
  memoryMiPerRps: number;
  /** What an idle pod uses. */
  baseCpuMilli: number;
  baseMemoryMi: number;
}

export interface LoadError {
  field: string[];
  message: string;
}

export const MAX_LOAD_POINTS = 1000;
const MAX_RPS = 1e9;

/** Checks a load spec; every problem at once, with the field it is about. */
export function validateLoadSpec(spec: LoadSpec): LoadError[] {
  const errors: LoadError[] = [];
  const nonNegative = (field: string[], v: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isFinite(v) || v < 0) errors.push({ field, message: `must be a number ≥ 0, got ${v}` });
    else if (v > max) errors.push({ field, message: `must be at most ${max}, got ${v}` });
  };
  if (spec.points.length === 0) errors.push({ field: ['points'], message: 'at least one point is needed (one point: a constant load)' });
  if (spec.points.length > MAX_LOAD_POINTS) errors.push({ field: ['points'], message: `at most ${MAX_LOAD_POINTS} points` });
  spec.points.forEach((p, i) => {
    nonNegative(['points', String(i), 'at'], p.at);
    nonNegative(['points', String(i), 'rps'], p.rps, MAX_RPS);
    if (i > 0 && p.at <= spec.points[i - 1].at) errors.push({ field: ['points', String(i), 'at'], message: `points must be in increasing time order: ${p.at} follows ${spec.points[i - 1].at}` });
  });
  if (spec.repeatSeconds !== undefined) {
    nonNegative(['repeatSeconds'], spec.repeatSeconds);
    const last = spec.points.at(-1);
    if (spec.repeatSeconds > 0 && last && last.at >= spec.repeatSeconds) errors.push({ field: ['repeatSeconds'], message: `must be longer than the last point's time (${last.at} s)` });
  }
  nonNegative(['cpuMsPerRequest'], spec.cpuMsPerRequest, 3_600_000);
  nonNegative(['memoryMiPerRps'], spec.memoryMiPerRps, 1_048_576);
  nonNegative(['baseCpuMilli'], spec.baseCpuMilli, 1_000_000);
  nonNegative(['baseMemoryMi'], spec.baseMemoryMi, 1_048_576);
  return errors;
}

/** Offered requests per second `elapsedMs` after the profile started. */
export function offeredRps(spec: LoadSpec, elapsedMs: number): number {
  const points = spec.points;
  if (points.length === 0) return 0;
  let t = Math.max(0, elapsedMs) / 1000;
  if (spec.repeatSeconds && spec.repeatSeconds > 0) t %= spec.repeatSeconds;
  if (t <= points[0].at) return points[0].rps;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (t <= b.at) return a.rps + ((b.rps - a.rps) * (t - a.at)) / (b.at - a.at);
  }
  if (spec.repeatSeconds && spec.repeatSeconds > 0) {
    // between the last point and the wrap: back towards the first point's value
    const a = points[points.length - 1];
    const span = spec.repeatSeconds - a.at;
    return a.rps + ((points[0].rps - a.rps) * (t - a.at)) / span;
  }
  return points[points.length - 1].rps;
}

/** A Ready pod serving its share, with the spec that caps it. */
export interface ServingPod {
  name: string;
  cpuMilli: number;
  memoryMi: number;
}

export interface PodUsage {
  cpuMilli: number;
  memoryBytes: bigint;
}

const MI = 1024n * 1024n;

/**
 * Usage of each Ready pod when the workload is offered `rps`: an even share each, costed, plus
 * the idle base, capped at the pod's spec. Whole millicores and whole bytes (rounded down).
 */
export function podUsage(spec: LoadSpec, rps: number, pods: ServingPod[]): Map<string, PodUsage> {
  const out = new Map<string, PodUsage>();
  if (pods.length === 0) return out;
  const share = rps / pods.length;
  for (const p of pods) {
    const cpu = Math.min(p.cpuMilli, Math.floor(spec.baseCpuMilli + share * spec.cpuMsPerRequest));
    const memMi = Math.min(p.memoryMi, spec.baseMemoryMi + share * spec.memoryMiPerRps);
    out.set(p.name, { cpuMilli: cpu, memoryBytes: (BigInt(Math.floor(memMi * 1024)) * MI) / 1024n });
  }
  return out;
}
