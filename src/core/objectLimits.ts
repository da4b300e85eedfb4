/**
 * What one object may hold, as Kubernetes enforces it (label keys and values, 256 KiB of
 * annotations, the size of one object in etcd) and the caps this service adds on what a pod
 * template may carry (containers, env vars, ports, volumes, volume claim templates, labels).
 * Messages are worded with the validation kit (core/validation).
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { validateLabelKey, validateLabelValue } from './names';
import { renderValue, tooMany, type Emit } from './validation/errors';

export interface ObjectLimits {
  /** Serialized (JSON, UTF-8) size of one object: Kubernetes' 1.5 MiB request limit (etcd). */
  objectBytes: number;
  /** Labels of one object (metadata.labels, a template's, a metric series'). */
  labelsPerObject: number;
  /** containers and initContainers of one pod, together. */
  containersPerPod: number;
  envPerContainer: number;
  portsPerContainer: number;
  volumesPerPod: number;
  /** volumeClaimTemplates of one StatefulSet. */
  volumeClaimTemplates: number;
}

export const DEFAULT_OBJECT_LIMITS: Readonly<ObjectLimits> = Object.freeze({
  objectBytes: 1_572_864,
  labelsPerObject: 100,
  containersPerPod: 30,
  envPerContainer: 1000,
  portsPerContainer: 100,
  volumesPerPod: 100,
  volumeClaimTemplates: 20,
});

/** Kubernetes: the total size of an object's annotations (keys and values, bytes). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** UTF-8 length of a string, without allocating (Kubernetes sizes are bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The size of a value serialized as JSON (UTF-8 bytes): what the store keeps of it. */
export function jsonBytes(value: unknown): number {
  const s = JSON.stringify(value);
  return s === undefined ? 0 : utf8Length(s);
}

/**
 * Labels: at most `max`, keys qualified names (optional DNS-subdomain prefix ≤ 253, name ≤ 63),
 * values label values (≤ 63). Over `max`, the entries are not checked one by one.
 */
export function checkLabels(labels: Record<string, string>, max: number, emit: Emit): void {
  const keys = Object.keys(labels);
  if (keys.length > max) {
    emit([], 'LIMIT_EXCEEDED', () => tooMany(keys.length, max, 'label'));
    return;
  }
  for (const k of keys) {
    const v = labels[k];
    for (const p of validateLabelKey(k)) emit([k], 'INVALID_VALUE', () => `Invalid value: ${renderValue(k)}: ${p}`);
    for (const p of validateLabelValue(v)) emit([k], 'INVALID_VALUE', () => `Invalid value: ${renderValue(v)}: ${p}`);
  }
}

/** The bytes Kubernetes counts for annotations: every key and value. */
export function annotationsBytes(annotations: Record<string, string>): number {
  let size = 0;
  for (const k of Object.keys(annotations)) size += utf8Length(k) + utf8Length(annotations[k]);
  return size;
}

/**
 * Annotations: 256 KiB in all (keys and values), keys qualified names. Over the size, the keys
 * are not checked one by one.
 */
export function checkAnnotations(annotations: Record<string, string>, emit: Emit): void {
  const size = annotationsBytes(annotations);
  if (size > ANNOTATIONS_MAX_BYTES) {
    emit([], 'TOO_LARGE', () => `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes (they have ${size})`);
    return;
  }
  for (const k of Object.keys(annotations)) {
    for (const p of validateLabelKey(k)) emit([k], 'INVALID_VALUE', () => `Invalid value: ${renderValue(k)}: ${p}`);
  }
}

/** An object over `limits.objectBytes` once serialized; null when it fits. */
export function checkObjectSize(value: unknown, limits: Pick<ObjectLimits, 'objectBytes'>): string | null {
  const size = jsonBytes(value);
  return size > limits.objectBytes ? `Too long: the object is ${size} bytes; an object may have at most ${limits.objectBytes} bytes (NODELESS_MAX_OBJECT_BYTES)` : null;
}

const isList = (v: unknown): v is unknown[] => Array.isArray(v);
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function checkPort(raw: unknown, field: string, required: boolean, emit: Emit, path: string[]): void {
  if (raw === undefined || raw === null) {
    if (required) emit([...path, field], 'REQUIRED', () => 'Required value');
    return;
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw)) emit([...path, field], 'INVALID_VALUE', () => `Invalid value: ${renderValue(raw)}: must be an integer`);
  else if (raw < (required ? 1 : 0) || raw > 65535) emit([...path, field], 'INVALID_VALUE', () => `Invalid value: ${raw}: must be between ${required ? 1 : 0} and 65535, inclusive`);
}

/**
 * The caps on a pod spec (paths relative to the spec): containers and initContainers together,
 * volumes, and per container env vars and ports (each port a number from 1 to 65535). Returns
 * false when a list is over its cap: its entries are then not worth validating one by one.
 */
export function checkPodSpecLimits(spec: unknown, limits: ObjectLimits, emit: Emit): boolean {
  if (!isMap(spec)) return true;
  let ok = true;
  const containers = isList(spec.containers) ? spec.containers : [];
  const inits = isList(spec.initContainers) ? spec.initContainers : [];
  const total = containers.length + inits.length;
  if (total > limits.containersPerPod) {
    const field = containers.length > limits.containersPerPod || inits.length === 0 ? 'containers' : 'initContainers';
    emit([field], 'LIMIT_EXCEEDED', () => `${tooMany(total, limits.containersPerPod, 'container')} (containers and initContainers together; NODELESS_MAX_CONTAINERS_PER_POD)`);
    return false;
  }
  if (isList(spec.volumes) && spec.volumes.length > limits.volumesPerPod) {
    const n = spec.volumes.length;
    emit(['volumes'], 'LIMIT_EXCEEDED', () => `${tooMany(n, limits.volumesPerPod, 'volume')} (NODELESS_MAX_VOLUMES_PER_POD)`);
    ok = false;
  }
  for (const [list, items] of [['containers', containers], ['initContainers', inits]] as const) {
    items.forEach((c, i) => {
      if (!isMap(c)) return;
      const at = [list, String(i)];
      if (isList(c.env) && c.env.length > limits.envPerContainer) {
        const n = c.env.length;
        emit([...at, 'env'], 'LIMIT_EXCEEDED', () => `${tooMany(n, limits.envPerContainer, 'environment variable')} (NODELESS_MAX_ENV_PER_CONTAINER)`);
        ok = false;
      }
      if (c.ports === undefined || c.ports === null) return;
      if (!isList(c.ports)) {
        emit([...at, 'ports'], 'INVALID_VALUE', () => `Invalid value: ${renderValue(c.ports)}: must be a list of ports`);
        return;
      }
      if (c.ports.length > limits.portsPerContainer) {
        const n = c.ports.length;
        emit([...at, 'ports'], 'LIMIT_EXCEEDED', () => `${tooMany(n, limits.portsPerContainer, 'port')} (NODELESS_MAX_PORTS_PER_CONTAINER)`);
        ok = false;
        return;
      }
      c.ports.forEach((p, j) => {
        const pPath = [...at, 'ports', String(j)];
        if (!isMap(p)) {
          emit(pPath, 'INVALID_VALUE', () => `Invalid value: ${renderValue(p)}: must be a mapping with containerPort`);
          return;
        }
        checkPort(p.containerPort, 'containerPort', true, emit, pPath);
        checkPort(p.hostPort, 'hostPort', false, emit, pPath);
        if (p.protocol !== undefined && p.protocol !== null && !PROTOCOLS.includes(p.protocol as string)) {
          emit([...pPath, 'protocol'], 'UNSUPPORTED_VALUE', () => `Unsupported value: ${renderValue(p.protocol)}: supported values: "TCP", "UDP", "SCTP"`);
        }
      });
    });
  }
  return ok;
}
