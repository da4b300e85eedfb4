import type { Autoscaler, Prisma } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { findCluster, isUuid } from './clusters';
import { checkNames } from './workloads';
import { keys } from './topics';
import { lockScope } from './limits';
import { canonicalJson } from '../core/pods';
import { findUnstorableText, formatFieldPath, renderValue } from '../core/manifest';
import { resourceName, validateDns1123Label, validateDns1123Subdomain, validateLabelKey, validateLabelValue } from '../core/names';
import { parseHpaSpec } from '../core/autoscaler/spec';
import type { HpaSpec } from '../core/autoscaler/types';
import { autoscalerMetricKeys, reportCandidateKeys } from '../core/autoscaler/metricKeys';
import { labelsMatch } from '../core/autoscaler/pods';
import { validateLoadSpec, type LoadSpec } from '../core/load';
import { insertCustomSamples, insertPodSamples, type PodSampleRow } from '../adapters/prisma/metrics';
import { parseQuantityValue, isNegative, toMilliCeil } from '../core/quantity';
import { ACTIVATION_ANNOTATION } from '../core/autoscaler/reconcile';

type Tx = Prisma.TransactionClient;
const fail = (field: string[], code: string, message: string): UserError[] => [{ field, code, message }];

/** The autoscalers (ids) that scale any of these workloads. */
export async function autoscalersOfWorkloads(svc: Services, clusterId: string, workloads: { namespace: string; kind: string; name: string }[]): Promise<string[]> {
  if (workloads.length === 0) return [];
  const rows = await svc.db.autoscaler.findMany({ where: { clusterId, OR: workloads.map((w) => ({ namespace: w.namespace, targetKind: w.kind, targetName: w.name })) }, select: { id: true } });
  return rows.map((r) => r.id);
}

export interface AutoscalerObject {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: HpaSpec;
}

/** Checks the Nodeless annotations of an autoscaler (the activation threshold of scale to zero). */
export function checkAutoscalerAnnotations(annotations: Record<string, string>, field: string[]): UserError[] {
  const raw = annotations[ACTIVATION_ANNOTATION];
  if (raw === undefined) return [];
  const q = parseQuantityValue(raw);
  if (!q || isNegative(q)) return fail([...field, ACTIVATION_ANNOTATION], 'INVALID_VALUE', `metadata.annotations[${ACTIVATION_ANNOTATION}]: Invalid value: ${renderValue(raw)}: must be a quantity ≥ 0 (the Object/External metric value above which a workload scaled to zero wakes)`);
  return [];
}

/**
 * Creates or updates an autoscaler in a transaction (apply and setAutoscaler). A workload may
 * have one autoscaler: a second one for the same target is refused (Kubernetes would accept it
 * and then refuse to scale with AmbiguousSelector; saying so at once is clearer).
 */
export async function writeAutoscaler(svc: Services, tx: Tx, clusterId: string, o: AutoscalerObject, field: string[]): Promise<{ autoscaler: Autoscaler; action: 'CREATED' | 'CONFIGURED' | 'UNCHANGED' } | { errors: UserError[] }> {
  const now = new Date(svc.clock.now());
  await lockScope(tx, `autoscalers:${clusterId}/${o.namespace}`);
  const ref = o.spec.scaleTargetRef;
  const rival = await tx.autoscaler.findFirst({ where: { clusterId, namespace: o.namespace, targetKind: ref.kind, targetName: ref.name, NOT: { name: o.name } }, select: { name: true } });
  if (rival) {
    return { errors: fail([...field, 'spec', 'scaleTargetRef'], 'CONFLICT', `spec.scaleTargetRef: Invalid value: ${resourceName(ref.kind, true)} "${ref.name}": already scaled by HorizontalPodAutoscaler "${rival.name}"; a workload can have one autoscaler (Kubernetes would stop both with AmbiguousSelector)`) };
  }
  const existing = await tx.autoscaler.findUnique({ where: { clusterId_namespace_name: { clusterId, namespace: o.namespace, name: o.name } } });
  const data = { labels: o.labels, annotations: o.annotations, spec: o.spec as unknown as Prisma.InputJsonValue, targetKind: ref.kind, targetName: ref.name, metricKeys: autoscalerMetricKeys(o.spec) };
  if (!existing) {
    const autoscaler = await tx.autoscaler.create({ data: { id: svc.ids.uuid(), uid: svc.ids.uuid(), clusterId, namespace: o.namespace, name: o.name, createdAt: now, updatedAt: now, ...data } });
    return { autoscaler, action: 'CREATED' };
  }
  const specChanged = canonicalJson(existing.spec) !== canonicalJson(o.spec);
  if (!specChanged && canonicalJson(existing.labels) === canonicalJson(o.labels) && canonicalJson(existing.annotations) === canonicalJson(o.annotations)) return { autoscaler: existing, action: 'UNCHANGED' };
  // a new target starts a new history (Kubernetes keys its memory by the HPA, but a different workload's history means nothing)
  const retarget = existing.targetKind !== ref.kind || existing.targetName !== ref.name;
  const autoscaler = await tx.autoscaler.update({
    where: { id: existing.id },
    data: { ...data, updatedAt: now, resourceVersion: { increment: 1 }, ...(specChanged ? { generation: { increment: 1 } } : {}), ...(retarget ? { memory: {} } : {}) },
  });
  return { autoscaler, action: 'CONFIGURED' };
}

/** After an autoscaler was written: evaluate it now, and sample its target's metrics. */
export async function autoscalerWritten(svc: Services, a: Autoscaler): Promise<void> {
  await svc.queue.add(keys.metrics(a.clusterId));
  await svc.queue.add(keys.autoscaler(a.id));
}

/** Label keys and values of a metric series or an autoscaler, Kubernetes' rules. */
function checkLabels(labels: Record<string, string>, errors: UserError[]): void {
  for (const [k, v] of Object.entries(labels)) {
    for (const e of validateLabelKey(k)) errors.push({ field: ['labels', k], code: 'INVALID_VALUE', message: `labels: Invalid value: ${renderValue(k)}: ${e}` });
    for (const e of validateLabelValue(v)) errors.push({ field: ['labels', k], code: 'INVALID_VALUE', message: `labels[${k}]: Invalid value: ${renderValue(v)}: ${e}` });
  }
}

async function namespaceExists(svc: Services, clusterId: string, namespace: string): Promise<boolean> {
  return (await svc.db.namespace.count({ where: { clusterId, name: namespace } })) > 0;
}

/** The typed GraphQL write of an autoscaler: the spec is validated as `kubectl apply` validates it. */
export async function setAutoscaler(
  svc: Services,
  accountId: string,
  input: { clusterId: string; namespace: string; name: string; spec: unknown; labels?: Record<string, string>; annotations?: Record<string, string> },
): Promise<{ autoscaler: Autoscaler | null; userErrors: UserError[] }> {
  const bad = checkNames(input.namespace, input.name);
  if (bad.length) return { autoscaler: null, userErrors: bad };
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { autoscaler: null, userErrors: fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  const unstorable = findUnstorableText(input.spec, ['spec']);
  if (unstorable) return { autoscaler: null, userErrors: fail(unstorable, 'INVALID_VALUE', `${formatFieldPath(unstorable)}: Invalid value: must not contain NUL characters or unpaired surrogates`) };
  const labels = input.labels ?? {};
  const annotations = input.annotations ?? {};
  const errors: UserError[] = [];
  checkLabels(labels, errors);
  errors.push(...checkAutoscalerAnnotations(annotations, ['annotations']));
  const parsed = parseHpaSpec(input.spec, ['spec']);
  errors.push(...parsed.errors.map((e) => ({ ...e, message: `${formatFieldPath(e.field)}: ${e.message}` })));
  if (errors.length) return { autoscaler: null, userErrors: errors };
  if (!(await namespaceExists(svc, cluster.id, input.namespace))) return { autoscaler: null, userErrors: fail(['namespace'], 'NOT_FOUND', `namespaces "${input.namespace}" not found`) };
  const r = await svc.db.$transaction((tx) => writeAutoscaler(svc, tx, cluster.id, { namespace: input.namespace, name: input.name, labels, annotations, spec: parsed.spec }, []));
  if ('errors' in r) return { autoscaler: null, userErrors: r.errors };
  if (r.action !== 'UNCHANGED') await autoscalerWritten(svc, r.autoscaler);
  return { autoscaler: r.autoscaler, userErrors: [] };
}

/** `kubectl delete hpa`: the workload keeps its current replicas. */
export async function deleteAutoscaler(svc: Services, accountId: string, input: { clusterId: string; namespace: string; name: string }): Promise<{ deleted: boolean; userErrors: UserError[] }> {
  const bad = checkNames(input.namespace, input.name);
  if (bad.length) return { deleted: false, userErrors: bad };
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { deleted: false, userErrors: fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  const { count } = await svc.db.autoscaler.deleteMany({ where: { clusterId: cluster.id, namespace: input.namespace, name: input.name } });
  if (count === 0) return { deleted: false, userErrors: fail(['name'], 'NOT_FOUND', `horizontalpodautoscalers.autoscaling "${input.name}" not found in namespace "${input.namespace}"`) };
  return { deleted: true, userErrors: [] };
}

/** Sets (or with null clears) the offered load of a workload in the simulated provider; the profile's time 0 is now. */
export async function setWorkloadLoad(
  svc: Services,
  accountId: string,
  input: { clusterId: string; namespace: string; kind: string; name: string; load: LoadSpec | null },
): Promise<{ workloadId: string | null; userErrors: UserError[] }> {
  const bad = checkNames(input.namespace, input.name);
  if (bad.length) return { workloadId: null, userErrors: bad };
  if (input.load) {
    const problems = validateLoadSpec(input.load);
    if (problems.length) return { workloadId: null, userErrors: problems.map((p) => ({ field: ['load', ...p.field], code: 'INVALID_VALUE', message: `load.${p.field.join('.')}: ${p.message}` })) };
  }
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { workloadId: null, userErrors: fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  const w = await svc.db.workload.findUnique({ where: { clusterId_namespace_kind_name: { clusterId: cluster.id, namespace: input.namespace, kind: input.kind, name: input.name } }, select: { id: true, ownerId: true } });
  if (!w || w.ownerId) return { workloadId: null, userErrors: fail(['name'], 'NOT_FOUND', `${resourceName(input.kind, true)} "${input.name}" not found in namespace "${input.namespace}"`) };
  const now = new Date(svc.clock.now());
  if (input.load) {
    const spec = input.load as unknown as Prisma.InputJsonValue;
    await svc.db.workloadLoad.upsert({ where: { workloadId: w.id }, create: { workloadId: w.id, clusterId: cluster.id, spec, startedAt: now, updatedAt: now }, update: { spec, startedAt: now, updatedAt: now } });
  } else {
    await svc.db.workloadLoad.deleteMany({ where: { workloadId: w.id } });
  }
  await svc.queue.add(keys.metrics(cluster.id)); // sample the new load at once
  return { workloadId: w.id, userErrors: [] };
}

export const MAX_REPORTED_PODS = 1000;

function quantity(raw: string, field: string[], what: string, errors: UserError[], scale: 'milli' | 'units' = 'milli'): bigint {
  const q = parseQuantityValue(raw);
  if (!q || isNegative(q)) {
    errors.push({ field, code: 'INVALID_VALUE', message: `${formatFieldPath(field)}: Invalid value: ${renderValue(raw)}: ${what} must be a quantity ≥ 0 ("250m", "1.5", "512Mi")` });
    return 0n;
  }
  return scale === 'milli' ? toMilliCeil(q) : (toMilliCeil(q) + 999n) / 1000n;
}

function checkMetricName(name: string, field: string[], errors: UserError[]): void {
  if (name.length === 0 || name.length > 253 || findUnstorableText(name, field)) errors.push({ field, code: 'INVALID_VALUE', message: `${formatFieldPath(field)}: Invalid value: ${renderValue(name)}: a metric name is 1 to 253 characters` });
}

export interface ReportedPod {
  name: string;
  cpu: string;
  memory: string;
  containers?: { name: string; cpu: string; memory: string }[] | null;
  custom?: { name: string; value: string }[] | null;
}

/**
 * Real usage numbers for pods of one namespace (what metrics-server and a custom metrics adapter
 * would serve). Stored as samples taken now; the autoscalers of those pods' workloads run at once.
 */
export async function reportPodMetrics(svc: Services, accountId: string, input: { clusterId: string; namespace: string; windowSeconds?: number | null; pods: ReportedPod[] }): Promise<{ accepted: number; userErrors: UserError[] }> {
  const [badNamespace] = validateDns1123Label(input.namespace);
  if (badNamespace) return { accepted: 0, userErrors: fail(['namespace'], 'INVALID_NAME', `namespace: Invalid value: ${renderValue(input.namespace)}: ${badNamespace}`) };
  if (input.pods.length === 0 || input.pods.length > MAX_REPORTED_PODS) return { accepted: 0, userErrors: fail(['pods'], 'INVALID_VALUE', `pods: between 1 and ${MAX_REPORTED_PODS} pods per report`) };
  const windowSeconds = input.windowSeconds ?? Math.round(svc.settings.autoscaling.metricsIntervalMs / 1000);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 3600) return { accepted: 0, userErrors: fail(['windowSeconds'], 'INVALID_VALUE', `windowSeconds: Invalid value: ${windowSeconds}: must be 1 to 3600`) };
  const errors: UserError[] = [];
  const parsed = input.pods.map((p, i) => {
    const at = (...f: string[]) => ['pods', String(i), ...f];
    const cpu = quantity(p.cpu, at('cpu'), 'cpu', errors);
    const memory = quantity(p.memory, at('memory'), 'memory', errors, 'units');
    const containers = (p.containers ?? []).map((c, j) => ({ name: c.name, cpuMilli: Number(quantity(c.cpu, at('containers', String(j), 'cpu'), 'cpu', errors)), memoryBytes: String(quantity(c.memory, at('containers', String(j), 'memory'), 'memory', errors, 'units')) }));
    const custom: Record<string, string> = {};
    (p.custom ?? []).forEach((m, j) => {
      checkMetricName(m.name, at('custom', String(j), 'name'), errors);
      custom[m.name] = String(quantity(m.value, at('custom', String(j), 'value'), 'a metric value', errors));
    });
    if (cpu > 2_000_000_000n) errors.push({ field: at('cpu'), code: 'INVALID_VALUE', message: `${formatFieldPath(at('cpu'))}: Invalid value: ${renderValue(p.cpu)}: more CPU than any sandbox has` });
    return { name: p.name, cpuMilli: Number(cpu), memoryBytes: memory, containers, custom };
  });
  if (errors.length) return { accepted: 0, userErrors: errors };
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { accepted: 0, userErrors: fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  const pods = await svc.db.pod.findMany({ where: { clusterId: cluster.id, namespace: input.namespace, name: { in: parsed.map((p) => p.name) } }, select: { id: true, name: true, workloadId: true, workload: { select: { namespace: true, kind: true, name: true, owner: { select: { namespace: true, kind: true, name: true } } } } } });
  const byName = new Map(pods.map((p) => [p.name, p]));
  const missing = parsed.map((p, i) => [p, i] as const).filter(([p]) => !byName.has(p.name));
  if (missing.length) return { accepted: 0, userErrors: missing.map(([p, i]) => ({ field: ['pods', String(i), 'name'], code: 'NOT_FOUND', message: `pods "${p.name}" not found in namespace "${input.namespace}"` })) };
  const at = new Date(svc.clock.now());
  const rows: PodSampleRow[] = parsed.map((p) => {
    const pod = byName.get(p.name)!;
    return { id: svc.ids.uuid(), clusterId: cluster.id, podId: pod.id, workloadId: pod.workloadId, at, windowMs: windowSeconds * 1000, cpuMilli: p.cpuMilli, memoryBytes: p.memoryBytes, containers: p.containers, custom: p.custom, source: 'reported' };
  });
  await insertPodSamples(svc.db, rows);
  const owners = pods.flatMap((p) => (p.workload ? [p.workload.owner ?? p.workload] : []));
  for (const id of await autoscalersOfWorkloads(svc, cluster.id, owners)) await svc.queue.addUrgent(keys.autoscaler(id));
  return { accepted: rows.length, userErrors: [] };
}

/**
 * A sample of an External metric series (queue length, requests/s …) or an Object metric
 * (`object` set: a metric describing that object, e.g. an Ingress's requests/s). The autoscalers
 * of the namespace that use the metric run at once.
 */
export async function reportCustomMetric(
  svc: Services,
  accountId: string,
  input: { clusterId: string; namespace: string; name: string; labels?: Record<string, string> | null; value: string; object?: { kind: string; name: string } | null },
): Promise<{ accepted: boolean; userErrors: UserError[] }> {
  const errors: UserError[] = [];
  const [badNamespace] = validateDns1123Label(input.namespace);
  if (badNamespace) errors.push({ field: ['namespace'], code: 'INVALID_NAME', message: `namespace: Invalid value: ${renderValue(input.namespace)}: ${badNamespace}` });
  checkMetricName(input.name, ['name'], errors);
  const labels = input.labels ?? {};
  checkLabels(labels, errors);
  if (input.object) {
    if (!/^[A-Z][A-Za-z0-9]{0,62}$/.test(input.object.kind)) errors.push({ field: ['object', 'kind'], code: 'INVALID_VALUE', message: `object.kind: Invalid value: ${renderValue(input.object.kind)}: a Kubernetes kind such as "Ingress" or "Service"` });
    const [badName] = validateDns1123Subdomain(input.object.name);
    if (badName) errors.push({ field: ['object', 'name'], code: 'INVALID_NAME', message: `object.name: Invalid value: ${renderValue(input.object.name)}: ${badName}` });
  }
  const value = quantity(input.value, ['value'], 'value', errors);
  if (errors.length) return { accepted: false, userErrors: errors };
  // the cluster (of this account) and its namespace in one read
  const ns = isUuid(input.clusterId) ? await svc.db.namespace.findFirst({ where: { name: input.namespace, cluster: { id: input.clusterId, accountId } }, select: { clusterId: true } }) : null;
  if (!ns) {
    if (!(await findCluster(svc, accountId, input.clusterId))) return { accepted: false, userErrors: fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
    return { accepted: false, userErrors: fail(['namespace'], 'NOT_FOUND', `namespaces "${input.namespace}" not found`) };
  }
  const clusterId = ns.clusterId;
  const source = input.object ? 'Object' : 'External';
  const object = input.object ? `${input.object.kind}/${input.object.name}` : undefined;
  // store the sample, and find the autoscalers whose selector can match this series (by index, then checked)
  const [, candidates] = await Promise.all([
    insertCustomSamples(svc.db, [{ id: svc.ids.uuid(), clusterId, namespace: input.namespace, source, object: object ?? '', name: input.name, labels, at: new Date(svc.clock.now()), value }]),
    svc.db.autoscaler.findMany({ where: { clusterId, namespace: input.namespace, metricKeys: { hasSome: reportCandidateKeys({ source, name: input.name, object }, labels) } }, select: { id: true, spec: true } }),
  ]);
  for (const a of candidates) {
    const uses = (a.spec as unknown as HpaSpec).metrics.some((m) =>
      m.type === 'External' ? source === 'External' && m.external.metric.name === input.name && labelsMatch(labels, m.external.metric.selector)
      : m.type === 'Object' ? source === 'Object' && m.object.metric.name === input.name && `${m.object.describedObject.kind}/${m.object.describedObject.name}` === object && labelsMatch(labels, m.object.metric.selector)
      : false,
    );
    if (uses) await svc.queue.addUrgent(keys.autoscaler(a.id));
  }
  return { accepted: true, userErrors: [] };
}
