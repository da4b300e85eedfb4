/**
 * Pod templates and pod specs, as the workload kinds (Deployment, StatefulSet, Job, CronJob)
 * and a bare Pod share them: template metadata and the selector match, containers and their
 * probes, restartPolicy by owner, the scheduling fields, the simulator annotations, and the
 * sizing of the pod into the spec it is billed at.
 */
import { validateDns1123Label } from '../names';
import { checkPodSpecLimits } from '../objectLimits';
import { quoted, renderValue } from '../validation/errors';
import { parseSimAnnotations } from '../simulation';
import { sizePod, type BilledSpec, type ContainerLike } from '../sizing';
import { validateSchedulingFields } from '../podScheduling';
import type { ContainerSpec, PodSpec, PodTemplate, RestartPolicy } from '../workloads/specs';
import { isAbsent, isBlank, isPlainObject, type ManifestContext, type Path } from './context';

/** Which restartPolicy values a pod may have, by what owns it. */
export type PodOwner = 'Deployment' | 'StatefulSet' | 'Job' | 'Pod';
const RESTART_POLICIES: Record<PodOwner, readonly RestartPolicy[]> = {
  Deployment: ['Always'],
  StatefulSet: ['Always'],
  Job: ['OnFailure', 'Never'],
  Pod: ['Always', 'OnFailure', 'Never'],
};

/** The `sim.nodeless.dev/` annotations that script the simulated sandbox (README). */
export function simAnnotations(c: ManifestContext, raw: unknown, path: Path): void {
  if (!isPlainObject(raw)) return;
  for (const e of parseSimAnnotations(raw).errors) c.add([...path, e.key], 'INVALID_ANNOTATION', e.message);
}

/**
 * A pod template (`metadata` with labels and annotations, and a pod `spec`). With
 * `matchLabels`, the template labels must carry them.
 */
export function podTemplate(
  c: ManifestContext,
  raw: unknown,
  path: Path,
  owner: PodOwner,
  matchLabels: Record<string, string> | undefined,
): { template: PodTemplate; billed: BilledSpec } | undefined {
  if (!c.requireMapping(raw, path)) return undefined;
  const before = c.errorCount;

  const metaPath = [...path, 'metadata'];
  const rawMeta = raw.metadata;
  let labels: Record<string, string> = {};
  let annotations: Record<string, string> = {};
  let rawAnnotations: unknown;
  if (rawMeta !== undefined && rawMeta !== null && !isPlainObject(rawMeta)) {
    c.add(metaPath, 'INVALID_VALUE', `Invalid value: ${renderValue(rawMeta)}: must be a mapping`);
  } else if (isPlainObject(rawMeta)) {
    labels = c.labels(rawMeta.labels, [...metaPath, 'labels']);
    annotations = c.annotations(rawMeta.annotations, [...metaPath, 'annotations']);
    rawAnnotations = rawMeta.annotations;
    simAnnotations(c, rawAnnotations, [...metaPath, 'annotations']);
  }
  if (matchLabels) {
    const matches = Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
    if (!matches) {
      c.add(
        [...metaPath, 'labels'],
        'INVALID_VALUE',
        `Invalid value: ${renderValue(labels)}: \`selector\` does not match template \`labels\``,
      );
    }
  }

  const pod = podSpec(c, raw.spec, [...path, 'spec'], path, rawAnnotations, owner);
  if (!pod || c.errorCount > before) return undefined;
  return { template: { metadata: { labels, annotations }, spec: pod.spec }, billed: pod.billed };
}

/**
 * A pod spec at `path`; `podPath` is the pod's own root (the template, or the bare Pod), where
 * sizing and scheduling errors (`spec.containers`, `spec.affinity...`, `metadata.annotations[...]`)
 * are placed. Defaults restartPolicy (Always; a Job's must be written) and
 * terminationGracePeriodSeconds (30); the scheduling fields are stored as written.
 */
export function podSpec(
  c: ManifestContext,
  raw: unknown,
  path: Path,
  podPath: Path,
  rawAnnotations: unknown,
  owner: PodOwner,
): { spec: PodSpec; billed: BilledSpec } | undefined {
  if (!c.requireMapping(raw, path)) return undefined;
  const before = c.errorCount;
  // what one pod may hold (containers, env vars, ports, volumes); over a cap, its entries are not checked one by one
  if (!checkPodSpecLimits(raw, c.limits, c.emitAt(path))) return undefined;

  const names = new Set<string>();
  const containers = validateContainers(c, raw.containers, [...path, 'containers'], names, true);
  const hasInit = !isAbsent(raw.initContainers);
  const initContainers = hasInit ? validateContainers(c, raw.initContainers, [...path, 'initContainers'], names, false) : undefined;

  const allowed = RESTART_POLICIES[owner];
  const rpPath = [...path, 'restartPolicy'];
  let restartPolicy: RestartPolicy | undefined;
  if (isBlank(raw.restartPolicy)) {
    if (owner === 'Job') c.add(rpPath, 'REQUIRED', `Required value: valid values: ${quoted(allowed)}`);
    else restartPolicy = 'Always';
  } else {
    restartPolicy = c.oneOf(raw.restartPolicy, rpPath, allowed) ?? undefined;
  }

  const grace = c.int(raw.terminationGracePeriodSeconds, [...path, 'terminationGracePeriodSeconds'], 0);

  const adsPath = [...path, 'activeDeadlineSeconds'];
  if (!isAbsent(raw.activeDeadlineSeconds)) {
    if (owner === 'Deployment' || owner === 'StatefulSet') {
      c.add(adsPath, 'FORBIDDEN', `Forbidden: activeDeadlineSeconds in ${owner} is not supported`);
    } else {
      c.int(raw.activeDeadlineSeconds, adsPath, 1, 'must be greater than 0');
    }
  }

  // nodeSelector, affinity, tolerations, topology spread, priorityClassName, preemptionPolicy,
  // and the spot-pod annotation; their paths are relative to the pod, like sizing errors.
  for (const e of validateSchedulingFields(raw, annotationsForSizing(rawAnnotations))) {
    c.add([...podPath, ...e.field], e.code, e.message);
  }

  if (!containers || (hasInit && !initContainers)) return undefined;
  const sizing = sizePod(
    { containers: containers as ContainerLike[], initContainers: initContainers as ContainerLike[] | undefined },
    annotationsForSizing(rawAnnotations),
  );
  if (!sizing.ok) {
    for (const e of sizing.errors) c.add([...podPath, ...e.field], e.code, e.message);
    return undefined;
  }
  if (c.errorCount > before || restartPolicy === undefined || grace === undefined) return undefined;

  const spec: PodSpec = { ...raw, containers, restartPolicy, terminationGracePeriodSeconds: grace ?? 30 };
  if (initContainers) spec.initContainers = initContainers;
  else delete spec.initContainers;
  return { spec, billed: sizing.spec };
}

/**
 * Validates a container list (names, uniqueness across `names`, images, probes). Returns the
 * list when it is an array of mappings, even if some container has other problems.
 */
function validateContainers(c: ManifestContext, raw: unknown, path: Path, names: Set<string>, required: boolean): ContainerSpec[] | undefined {
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    if (required) {
      c.add(path, 'REQUIRED', 'Required value: a pod needs at least one container');
      return undefined;
    }
    return [];
  }
  if (!Array.isArray(raw)) {
    c.add(path, 'INVALID_VALUE', `Invalid value: ${renderValue(raw)}: must be a list of containers`);
    return undefined;
  }
  let shapeOk = true;
  raw.forEach((container: unknown, i) => {
    const cPath = [...path, String(i)];
    if (!isPlainObject(container)) {
      shapeOk = false;
      c.add(cPath, 'INVALID_VALUE', `Invalid value: ${renderValue(container)}: must be a mapping with name and image`);
      return;
    }
    const name = container.name;
    if (isBlank(name)) c.add([...cPath, 'name'], 'REQUIRED', 'Required value');
    else if (typeof name !== 'string') {
      c.add([...cPath, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: must be a string`);
    } else {
      for (const p of validateDns1123Label(name)) {
        c.add([...cPath, 'name'], 'INVALID_VALUE', `Invalid value: ${renderValue(name)}: ${p}`);
      }
      if (names.has(name)) c.add([...cPath, 'name'], 'DUPLICATE', `Duplicate value: ${renderValue(name)}`);
      names.add(name);
    }
    const image = container.image;
    if (isBlank(image)) c.add([...cPath, 'image'], 'REQUIRED', 'Required value');
    else if (typeof image !== 'string') {
      c.add([...cPath, 'image'], 'INVALID_VALUE', `Invalid value: ${renderValue(image)}: must be a string`);
    } else if (image.trim() !== image) {
      c.add([...cPath, 'image'], 'INVALID_VALUE', `Invalid value: ${renderValue(image)}: must not have leading or trailing whitespace`);
    }
    for (const field of ['readinessProbe', 'livenessProbe', 'startupProbe']) probe(c, container[field], [...cPath, field]);
  });
  return shapeOk ? (raw as ContainerSpec[]) : undefined;
}

function probe(c: ManifestContext, raw: unknown, path: Path): void {
  if (isAbsent(raw)) return;
  if (!isPlainObject(raw)) {
    c.invalid(path, raw, 'must be a mapping');
    return;
  }
  c.int(raw.initialDelaySeconds, [...path, 'initialDelaySeconds'], 0);
  c.int(raw.periodSeconds, [...path, 'periodSeconds'], 1);
}

/**
 * The template annotations as the sizing rule should see them. A YAML number such as
 * `eks.tke.cloud.tencent.com/cpu: 2` is already reported as "must be a string"; reading it as
 * its text here keeps the sizing check from adding a second, misleading error about it.
 */
function annotationsForSizing(raw: unknown): Record<string, string> | undefined {
  if (!isPlainObject(raw)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    out[k] = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
  }
  return out as Record<string, string>;
}