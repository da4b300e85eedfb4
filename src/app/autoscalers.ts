import type { Autoscaler, Prisma } from '../generated/prisma/client';
import type { Services } from './services';
import { capUserErrors, withCappedErrors, type UserError } from './errors';
import { findCluster, isUuid } from './clusters';
import { checkNames } from './workloads';
import { keys } from './topics';
import { checkObjectCounts, exceeded, lockScope, scopes } from './limits';
import { canonicalJson } from '../core/pods';
import { findUnstorableText, formatFieldPath, renderValue } from '../core/manifest';
import { resourceName, validateDns1123Label, validateDns1123Subdomain } from '../core/names';
import { checkAnnotations, checkLabels } from '../core/objectLimits';
import { ErrorBudget, tooMany } from '../core/validation/errors';
import { parseHpaSpec } from '../core/autoscaler/spec';
import type { HpaSpec } from '../core/autoscaler/types';
import { autoscalerMetricKeys, reportCandidateKeys } from '../core/autoscaler/metricKeys';
import { labelsMatch } from '../core/autoscaler/pods';
import { validateLoadSpec, type LoadSpec } from '../core/load';
import { countMetricSeries, customSeriesExists, insertCustomSamples, insertPodSamples, reportedPodSeries, type PodSampleRow } from '../adapters/prisma/metrics';
import { fitsQuantityLimit, parseQuantityValue, isNegative, QUANTITY_TOO_LARGE, toMilliCeil } from '../core/quantity';
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
  if (!fitsQuantityLimit(q)) return fail([...field, ACTIVATION_ANNOTATION], 'TOO_LARGE', `metadata.annotations[${ACTIVATION_ANNOTATION}]: Invalid value: ${renderValue(raw)}: ${QUANTITY_TOO_LARGE}`);
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

/** Label keys and values of a metric series or an autoscaler: Kubernetes' rules, at most limits.labelsPerObject. */
function checkLabelMap(svc: Services, labels: Record<string, string>, budget: ErrorBudget): void {
  const max = svc.settings.limits.labelsPerObject;
  checkLabels(labels, max, (field, code, detail) => budget.add(() => ['labels', ...field], code, () => `labels${field.length ? `[${field[0]}]` : ''}: ${detail()}${code === 'LIMIT_EXCEEDED' ? ' (NODELESS_MAX_LABELS_PER_OBJECT)' : ''}`));
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
  const limits = svc.settings.limits;
  const labels = input.labels ?? {};
  const annotations = input.annotations ?? {};
  const budget = new ErrorBudget(limits.userErrors);
  checkLabelMap(svc, labels, budget);
  checkAnnotations(annotations, budget.at(['annotations']));
  for (const e of checkAutoscalerAnnotations(annotations, ['annotations'])) budget.add(e.field, e.code, e.message);
  const parsed = parseHpaSpec(input.spec, ['spec']);
  for (const e of parsed.errors) budget.add(e.field, e.code, () => `${formatFieldPath(e.field)}: ${e.message}`);
  if (budget.count > 0) return { autoscaler: null, userErrors: capUserErrors(budget.list(), limits.userErrors) };
  if (!(await namespaceExists(svc, cluster.id, input.namespace))) return { autoscaler: null, userErrors: fail(['namespace'], 'NOT_FOUND', `namespaces "${input.namespace}" not found`) };
  const r = await svc.db.$transaction(async (tx) => {
    // the autoscalers-per-cluster limit, as apply counts it (same lock, taken first)
    await lockScope(tx, scopes.objects(cluster.id));
    const crowded = await checkObjectCounts(tx, cluster.id, limits, [{ kind: 'HorizontalPodAutoscaler', namespace: input.namespace, name: input.name, field: ['name'] }]);
    if (crowded.length) return { errors: crowded };
    return writeAutoscaler(svc, tx, cluster.id, { namespace: input.namespace, name: input.name, labels, annotations, spec: parsed.spec }, []);
  });
  if ('errors' in r) return { autoscaler: null, userErrors: capUserErrors(r.errors, limits.userErrors) };
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
  if (count === 0) return { deleted: false, userErrors: fail(['name'], 'NOT_FOUND', `${resourceName('HorizontalPodAutoscaler', true)} "${input.name}" not found in namespace "${input.namespace}"`) };
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
    if (problems.length) return withCappedErrors({ workloadId: null, userErrors: problems.map((p) => ({ field: ['load', ...p.field], code: 'INVALID_VALUE', message: `load.${p.field.join('.')}: ${p.message}` })) }, svc.settings.limits.userErrors);
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
/** Custom (Pods-type) metrics of one pod in one report. */
export const MAX_CUSTOM_METRICS_PER_POD = 100;

/** A reported quantity (≥ 0, within MAX_QUANTITY_MILLI) in thousandths or whole units; 0n (reported) when invalid. */
function quantity(raw: string, field: string[], what: string, budget: ErrorBudget, scale: 'milli' | 'units' = 'milli'): bigint {
  const q = parseQuantityValue(raw);
  if (!q || isNegative(q)) {
    budget.add(field, 'INVALID_VALUE', () => `${formatFieldPath(field)}: Invalid value: ${renderValue(raw)}: ${what} must be a quantity ≥ 0 ("250m", "1.5", "512Mi")`);
    return 0n;
  }
  if (!fitsQuantityLimit(q)) {
    budget.add(field, 'TOO_LARGE', () => `${formatFieldPath(field)}: Invalid value: ${renderValue(raw)}: ${QUANTITY_TOO_LARGE}`);
    return 0n;
  }
  return scale === 'milli' ? toMilliCeil(q) : (toMilliCeil(q) + 999n) / 1000n;
}

function checkMetricName(name: string, field: string[], budget: ErrorBudget): void {
  if (name.length === 0 || name.length > 253 || findUnstorableText(name, field)) budget.add(field, 'INVALID_VALUE', () => `${formatFieldPath(field)}: Invalid value: ${renderValue(name)}: a metric name is 1 to 253 characters`);
}

/** Samples newer than this are what the autoscalers read, and what the metric-series limit counts. */
const seriesSince = (svc: Services) => new Date(svc.clock.now() - svc.settings.autoscaling.metricsRetentionMs);

const seriesLimit = (svc: Services, series: string) => exceeded(svc.settings.limits, 'metricSeriesPerCluster', `metric series ${series}`, "the cluster's metric series limit");

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
 * A custom metric of a pod is a series (pod, name): new ones count against metricSeriesPerCluster.
 */
export async function reportPodMetrics(svc: Services, accountId: string, input: { clusterId: string; namespace: string; windowSeconds?: number | null; pods: ReportedPod[] }): Promise<{ accepted: number; userErrors: UserError[] }> {
  const limits = svc.settings.limits;
  const [badNamespace] = validateDns1123Label(input.namespace);
  if (badNamespace) return { accepted: 0, userErrors: fail(['namespace'], 'INVALID_NAME', `namespace: Invalid value: ${renderValue(input.namespace)}: ${badNamespace}`) };
  if (input.pods.length === 0 || input.pods.length > MAX_REPORTED_PODS) return { accepted: 0, userErrors: fail(['pods'], 'INVALID_VALUE', `pods: between 1 and ${MAX_REPORTED_PODS} pods per report`) };
  const windowSeconds = input.windowSeconds ?? Math.round(svc.settings.autoscaling.metricsIntervalMs / 1000);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 3600) return { accepted: 0, userErrors: fail(['windowSeconds'], 'INVALID_VALUE', `windowSeconds: Invalid value: ${windowSeconds}: must be 1 to 3600`) };
  const budget = new ErrorBudget(limits.userErrors);
  const parsed = input.pods.map((p, i) => {
    const at = (...f: string[]) => ['pods', String(i), ...f];
    const cpu = quantity(p.cpu, at('cpu'), 'cpu', budget);
    const memory = quantity(p.memory, at('memory'), 'memory', budget, 'units');
    let containers = p.containers ?? [];
    if (containers.length > limits.containersPerPod) {
      budget.add(at('containers'), 'LIMIT_EXCEEDED', () => `${formatFieldPath(at('containers'))}: ${tooMany(containers.length, limits.containersPerPod, 'container')} (NODELESS_MAX_CONTAINERS_PER_POD)`);
      containers = [];
    }
    let reported = p.custom ?? [];
    if (reported.length > MAX_CUSTOM_METRICS_PER_POD) {
      budget.add(at('custom'), 'LIMIT_EXCEEDED', () => `${formatFieldPath(at('custom'))}: Too many: ${reported.length}: must have at most ${MAX_CUSTOM_METRICS_PER_POD} metrics per pod`);
      reported = [];
    }
    const usage = containers.map((c, j) => ({ name: c.name, cpuMilli: Number(quantity(c.cpu, at('containers', String(j), 'cpu'), 'cpu', budget)), memoryBytes: String(quantity(c.memory, at('containers', String(j), 'memory'), 'memory', budget, 'units')) }));
    const custom: Record<string, string> = {};
    reported.forEach((m, j) => {
      checkMetricName(m.name, at('custom', String(j), 'name'), budget);
      custom[m.name] = String(quantity(m.value, at('custom', String(j), 'value'), 'a metric value', budget));
    });
    if (cpu > 2_000_000_000n) budget.add(at('cpu'), 'INVALID_VALUE', () => `${formatFieldPath(at('cpu'))}: Invalid value: ${renderValue(p.cpu)}: more CPU than any sandbox has`);
    return { name: p.name, cpuMilli: Number(cpu), memoryBytes: memory, containers: usage, custom, names: reported.map((m) => m.name) };
  });
  if (budget.count > 0) return { accepted: 0, userErrors: capUserErrors(budget.list(), limits.userErrors) };
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { accepted: 0, userErrors: fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  const pods = await svc.db.pod.findMany({ where: { clusterId: cluster.id, namespace: input.namespace, name: { in: parsed.map((p) => p.name) } }, select: { id: true, name: true, workloadId: true, workload: { select: { namespace: true, kind: true, name: true, owner: { select: { namespace: true, kind: true, name: true } } } } } });
  const byName = new Map(pods.map((p) => [p.name, p]));
  const missing = parsed.map((p, i) => [p, i] as const).filter(([p]) => !byName.has(p.name));
  if (missing.length) return { accepted: 0, userErrors: capUserErrors(missing.map(([p, i]) => ({ field: ['pods', String(i), 'name'], code: 'NOT_FOUND', message: `pods "${p.name}" not found in namespace "${input.namespace}"` })), limits.userErrors) };
  const at = new Date(svc.clock.now());
  const rows: PodSampleRow[] = parsed.map((p) => {
    const pod = byName.get(p.name)!;
    return { id: svc.ids.uuid(), clusterId: cluster.id, podId: pod.id, workloadId: pod.workloadId, at, windowMs: windowSeconds * 1000, cpuMilli: p.cpuMilli, memoryBytes: p.memoryBytes, containers: p.containers, custom: p.custom, source: 'reported' };
  });
  // new (pod, metric) series count against the cluster's metric-series limit; known ones cost one lookup
  const since = seriesSince(svc);
  const known = parsed.some((p) => p.names.length > 0) ? await reportedPodSeries(svc.db, pods.map((p) => p.id), since) : new Set<string>();
  const fresh = new Map<string, string[]>();
  parsed.forEach((p, i) => p.names.forEach((name, j) => {
    const key = `${byName.get(p.name)!.id}/${name}`;
    if (!known.has(key) && !fresh.has(key)) fresh.set(key, ['pods', String(i), 'custom', String(j), 'name']);
  }));
  if (fresh.size === 0) await insertPodSamples(svc.db, rows);
  else {
    const refused = await svc.db.$transaction(async (tx) => {
      await lockScope(tx, scopes.metrics(cluster.id));
      const room = Math.max(0, limits.metricSeriesPerCluster - (await countMetricSeries(tx, cluster.id, since)));
      if (fresh.size > room) {
        const [, field] = [...fresh][room];
        const pod = input.pods[Number(field[1])];
        return { field, code: 'LIMIT_EXCEEDED', message: seriesLimit(svc, `"${pod.custom![Number(field[3])].name}" of pods "${pod.name}"`) };
      }
      await insertPodSamples(tx, rows);
      return null;
    });
    if (refused) return { accepted: 0, userErrors: [refused] };
  }
  const owners = pods.flatMap((p) => (p.workload ? [p.workload.owner ?? p.workload] : []));
  for (const id of await autoscalersOfWorkloads(svc, cluster.id, owners)) await svc.queue.addUrgent(keys.autoscaler(id));
  return { accepted: rows.length, userErrors: [] };
}

/**
 * A sample of an External metric series (queue length, requests/s …) or an Object metric
 * (`object` set: a metric describing that object, e.g. an Ingress's requests/s). The autoscalers
 * of the namespace that use the metric run at once. A new series (namespace, object, name, labels)
 * counts against metricSeriesPerCluster.
 */
export async function reportCustomMetric(
  svc: Services,
  accountId: string,
  input: { clusterId: string; namespace: string; name: string; labels?: Record<string, string> | null; value: string; object?: { kind: string; name: string } | null },
): Promise<{ accepted: boolean; userErrors: UserError[] }> {
  const limits = svc.settings.limits;
  const budget = new ErrorBudget(limits.userErrors);
  const [badNamespace] = validateDns1123Label(input.namespace);
  if (badNamespace) budget.add(['namespace'], 'INVALID_NAME', `namespace: Invalid value: ${renderValue(input.namespace)}: ${badNamespace}`);
  checkMetricName(input.name, ['name'], budget);
  const labels = input.labels ?? {};
  checkLabelMap(svc, labels, budget);
  if (input.object) {
    if (!/^[A-Z][A-Za-z0-9]{0,62}$/.test(input.object.kind)) budget.add(['object', 'kind'], 'INVALID_VALUE', `object.kind: Invalid value: ${renderValue(input.object.kind)}: a Kubernetes kind such as "Ingress" or "Service"`);
    const [badName] = validateDns1123Subdomain(input.object.name);
    if (badName) budget.add(['object', 'name'], 'INVALID_NAME', `object.name: Invalid value: ${renderValue(input.object.name)}: ${badName}`);
  }
  const value = quantity(input.value, ['value'], 'value', budget);
  if (budget.count > 0) return { accepted: false, userErrors: capUserErrors(budget.list(), limits.userErrors) };
  // the cluster (of this account) and its namespace in one read
  const ns = isUuid(input.clusterId) ? await svc.db.namespace.findFirst({ where: { name: input.namespace, cluster: { id: input.clusterId, accountId } }, select: { clusterId: true } }) : null;
  if (!ns) {
    if (!(await findCluster(svc, accountId, input.clusterId))) return { accepted: false, userErrors: fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
    return { accepted: false, userErrors: fail(['namespace'], 'NOT_FOUND', `namespaces "${input.namespace}" not found`) };
  }
  const clusterId = ns.clusterId;
  const source = input.object ? 'Object' : 'External';
  const object = input.object ? `${input.object.kind}/${input.object.name}` : undefined;
  const sample = { id: svc.ids.uuid(), clusterId, namespace: input.namespace, source, object: object ?? '', name: input.name, labels, at: new Date(svc.clock.now()), value } as const;
  // store the sample (a new series within the cluster's limit), and find the autoscalers whose selector can match this series (by index, then checked)
  const store = async (): Promise<UserError | null> => {
    const since = seriesSince(svc);
    if (await customSeriesExists(svc.db, { ...sample, since })) {
      await insertCustomSamples(svc.db, [sample]);
      return null;
    }
    return svc.db.$transaction(async (tx) => {
      await lockScope(tx, scopes.metrics(clusterId));
      if ((await countMetricSeries(tx, clusterId, since)) >= limits.metricSeriesPerCluster) {
        const series = `"${input.name}"${object ? ` of ${object}` : ''}${Object.keys(labels).length ? ` ${renderValue(labels)}` : ''}`;
        return { field: ['name'], code: 'LIMIT_EXCEEDED', message: seriesLimit(svc, series) };
      }
      await insertCustomSamples(tx, [sample]);
      return null;
    });
  };
  const [refused, candidates] = await Promise.all([
    store(),
    svc.db.autoscaler.findMany({ where: { clusterId, namespace: input.namespace, metricKeys: { hasSome: reportCandidateKeys({ source, name: input.name, object }, labels) } }, select: { id: true, spec: true } }),
  ]);
  if (refused) return { accepted: false, userErrors: [refused] };
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
