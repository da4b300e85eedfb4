/**
 * Annotations that script the simulated sandbox of a pod (documented in the README), so tests
 * and demos can make pods boot slowly, pull slowly, crash, exit or never turn Ready.
 * Pure: parsing and validation only; core/kubelet.ts turns the values into a timeline.
 */

export const SIM_PREFIX = 'sim.nodeless.dev/';

/** Longest simulated duration accepted (one hour). */
export const SIM_MAX_MS = 3_600_000;

export interface SimAnnotations {
  /** Sandbox boot time (before the image pull). */
  bootMs?: number;
  /** Image pull time. */
  pullMs?: number;
  /** Each run of the containers lasts this long, then exits with exitCode. */
  runMs?: number;
  /** Exit code of a run that ends (default 0; 1 with crash-after-ms). */
  exitCode?: number;
  /** Time the process takes to exit after SIGTERM. */
  stopMs?: number;
  /** The readiness probe never succeeds. */
  neverReady?: boolean;
}

type Kind = 'ms' | 'exit' | 'bool';
const KEYS: Record<string, { kind: Kind; field: keyof SimAnnotations; help: string }> = {
  'boot-ms': { kind: 'ms', field: 'bootMs', help: 'sandbox boot time before the image pull' },
  'pull-ms': { kind: 'ms', field: 'pullMs', help: 'image pull time' },
  'run-ms': { kind: 'ms', field: 'runMs', help: 'how long each run lasts before the process exits' },
  'crash-after-ms': { kind: 'ms', field: 'runMs', help: 'the process exits with code 1 (or exit-code) after this long' },
  'exit-code': { kind: 'exit', field: 'exitCode', help: 'exit code of a run that ends' },
  'stop-ms': { kind: 'ms', field: 'stopMs', help: 'time the process takes to exit after SIGTERM' },
  'never-ready': { kind: 'bool', field: 'neverReady', help: 'the readiness probe never succeeds' },
};

/** The documented annotation keys, with what each does (for README and error messages). */
export const SIM_ANNOTATION_KEYS: readonly { key: string; help: string }[] = Object.entries(KEYS).map(([k, v]) => ({ key: SIM_PREFIX + k, help: v.help }));

export interface SimAnnotationError {
  /** The annotation key. */
  key: string;
  message: string;
}

/**
 * Reads the simulation annotations. Unknown `sim.nodeless.dev/` keys and malformed values are
 * errors (a typo should not silently do nothing); other annotations are ignored.
 */
export function parseSimAnnotations(annotations: Record<string, unknown>): { values: SimAnnotations; errors: SimAnnotationError[] } {
  const values: SimAnnotations = {};
  const errors: SimAnnotationError[] = [];
  let crash = false;
  for (const [key, raw] of Object.entries(annotations)) {
    if (!key.startsWith(SIM_PREFIX)) continue;
    const name = key.slice(SIM_PREFIX.length);
    const spec = Object.prototype.hasOwnProperty.call(KEYS, name) ? KEYS[name] : undefined;
    if (!spec) {
      errors.push({ key, message: `Unsupported value: ${JSON.stringify(key)}: unknown simulation annotation; supported: ${SIM_ANNOTATION_KEYS.map((k) => k.key).join(', ')}` });
      continue;
    }
    if (typeof raw !== 'string') continue; // reported elsewhere as "annotation values must be strings"
    if (spec.kind === 'ms') {
      if (!/^\d{1,7}$/.test(raw) || Number(raw) > SIM_MAX_MS) {
        errors.push({ key, message: `Invalid value: ${JSON.stringify(raw)}: must be whole milliseconds from 0 to ${SIM_MAX_MS}` });
        continue;
      }
      if (name === 'crash-after-ms') crash = true;
      if (name === 'run-ms' && annotations[SIM_PREFIX + 'crash-after-ms'] !== undefined) {
        errors.push({ key, message: 'Forbidden: set run-ms or crash-after-ms, not both' });
        continue;
      }
      (values as Record<string, unknown>)[spec.field] = Number(raw);
    } else if (spec.kind === 'exit') {
      if (!/^\d{1,3}$/.test(raw) || Number(raw) > 255) {
        errors.push({ key, message: `Invalid value: ${JSON.stringify(raw)}: must be an exit code from 0 to 255` });
        continue;
      }
      values.exitCode = Number(raw);
    } else {
      if (raw !== 'true' && raw !== 'false') {
        errors.push({ key, message: `Invalid value: ${JSON.stringify(raw)}: must be "true" or "false"` });
        continue;
      }
      values.neverReady = raw === 'true';
    }
  }
  if (crash && values.exitCode === undefined) values.exitCode = 1;
  return { values, errors };
}
