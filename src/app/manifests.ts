import { Prisma, type Pod, type Workload } from '../generated/prisma/client';
import type { Services } from './services';
import { capUserErrors, isUniqueViolation, type UserError } from './errors';
import { findCluster } from './clusters';
import { keys } from './topics';
import { checkManifestSize, checkObjectCounts, checkPodsPerCluster, exceeded, lockScope, podRoom, scopes } from './limits';
import { canonicalJson, nameSuffix } from '../core/pods';
import { formatFieldPath, parseManifest, POLICY_KINDS, type ManifestObject, type PolicyObject, type WorkloadObject } from '../core/manifest';
import { validateUpdate } from '../core/update';
import { resourceName } from '../core/names';
import { withGeneratedSelector } from '../core/workloads/owned';
import { initialPodState } from '../core/lifecycle';
import { admitPod, loadNamespacePolicy, type AdmittedPod, type NamespacePolicy } from './admission';
import { checkQuotas, workloadQuotaResource } from '../core/admission/quota';
import { checkTemplateAgainstLimitRanges } from '../core/admission/limitrange';
import { checkPriorityClassAgainstExisting, resolvePriority } from '../core/admission/priorityclass';
import { appendEvents, insertRows, POD_COLUMNS, POD_LIGHT, type EventInput, type EventRecord } from '../adapters/prisma/objects';
import { publishEvents } from './topics';
import { autoscalerWritten, checkAutoscalerAnnotations, writeAutoscaler } from './autoscalers';
import type { Autoscaler } from '../generated/prisma/client';

export type ApplyAction = 'CREATED' | 'CONFIGURED' | 'UNCHANGED';

export interface AppliedObject {
  kind: string;
  apiVersion: string;
  namespace: string | null;
  name: string;
  action: ApplyAction;
  workload: Workload | null;
}

export interface ApplyResult {
  objects: AppliedObject[];
  userErrors: UserError[];
}

/**
 * `kubectl apply` for a whole manifest: every document is validated first and nothing is
 * written unless all are valid; then all objects are created or updated in one transaction.
 */
export async function applyManifest(svc: Services, accountId: string, input: { clusterId: string; manifest: string }): Promise<ApplyResult> {
  const limits = svc.settings.limits;
  const fail = (userErrors: UserError[]): ApplyResult => ({ objects: [], userErrors: capUserErrors(userErrors, limits.userErrors) });
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return fail([{ field: ['clusterId'], code: 'NOT_FOUND', message: `cluster ${input.clusterId} not found` }]);
  if (cluster.status !== 'RUNNING') {
    return fail([{ field: ['clusterId'], code: 'CLUSTER_NOT_READY', message: `cluster ${cluster.name} is ${cluster.status}; wait until it is RUNNING` }]);
  }
  const tooLarge = checkManifestSize(input.manifest, ['manifest'], limits);
  if (tooLarge) return fail([tooLarge]);
  // generateName: the API server's random suffix (what `kubectl create -f` relies on)
  const { objects, errors } = parseManifest(input.manifest, { limits, maxErrors: limits.userErrors, nameSuffix: () => nameSuffix(svc.ids.randomInts(5)) });
  if (errors.length) return fail(errors);
  if (objects.length === 0) return fail([{ field: ['manifest'], code: 'EMPTY', message: 'the manifest contains no objects' }]);
  if (objects.length > limits.manifestObjects) return fail([{ field: ['manifest'], code: 'TOO_LARGE', message: `a manifest may hold at most ${limits.manifestObjects} objects (NODELESS_MAX_MANIFEST_OBJECTS); it holds ${objects.length}` }]);

  // Checks that need the store: namespaces exist (or are in this manifest), limits.
  const userErrors: UserError[] = [];
  const existingNs = new Set((await svc.db.namespace.findMany({ where: { clusterId: cluster.id }, select: { name: true } })).map((n) => n.name));
  const newNs = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  for (const o of objects) {
    if (o.kind === 'Namespace' || o.kind === 'PriorityClass') continue;
    if (!existingNs.has(o.metadata.namespace) && !newNs.has(o.metadata.namespace)) {
      userErrors.push({ field: [...o.source, 'metadata', 'namespace'], code: 'NOT_FOUND', message: `namespaces "${o.metadata.namespace}" not found` });
    }
    if (!isWorkload(o)) continue;
    const wanted = desiredPods(o);
    if (wanted.count > limits.replicasPerWorkload) {
      userErrors.push({ field: [...o.source, ...wanted.field], code: 'LIMIT_EXCEEDED', message: `${formatFieldPath(wanted.field)}: Invalid value: ${wanted.count}: at most ${limits.replicasPerWorkload} replicas per workload (NODELESS_REPLICAS_PER_WORKLOAD)` });
    }
  }
  if (userErrors.length) return fail(userErrors);

  const changes = objects.filter(isWorkload).map((o) => ({ source: o.source, namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name, replicas: desiredPods(o).count, field: desiredPods(o).field }));
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await svc.db.$transaction(async (tx) => {
        await lockScope(tx, scopes.objects(cluster.id));
        const over = await checkPodsPerCluster(tx, cluster.id, limits.podsPerCluster, changes, (k) => [...changes[k].source, ...changes[k].field]);
        if (over) return [over];
        const counted = objects.filter((o) => o.kind !== 'Pod').map((o) => ({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, field: [...o.source, 'metadata', 'name'] }));
        const crowded = await checkObjectCounts(tx, cluster.id, limits, counted);
        if (crowded.length) return crowded;
        const written = await writeObjects(svc, tx, cluster.id, objects);
        // refused by admission after the policy objects were written: undo them too
        if ('errors' in written) throw new Refused(written.errors);
        return written;
      }, { timeout: 60_000, maxWait: 30_000 }).catch((err: unknown) => {
        if (err instanceof Refused) return { errors: err.errors };
        throw err;
      });
      if ('errors' in result) return fail(result.errors);
      if (!('applied' in result)) return fail(result);
      await publishEvents(svc.bus, cluster.id, result.records);
      for (const a of result.autoscalers) await autoscalerWritten(svc, a);
      for (const a of result.applied) if (a.workload && a.action !== 'UNCHANGED') await svc.queue.add(keys.workload(a.workload.id));
      // a changed quota, limit range or priority class may admit pods refused so far: retry them now
      const policies = result.applied.filter((a) => POLICY_KINDS.includes(a.kind) && a.action !== 'UNCHANGED');
      if (policies.length > 0) {
        const namespaces = policies.some((a) => a.namespace === null) ? undefined : [...new Set(policies.map((a) => a.namespace!))];
        const refused = await svc.db.workload.findMany({ where: { clusterId: cluster.id, failedCreate: { not: Prisma.DbNull }, ...(namespaces ? { namespace: { in: namespaces } } : {}) }, select: { id: true } });
        for (const w of refused) await svc.queue.add(keys.workload(w.id));
      }
      if (result.applied.some((a) => a.kind === 'Pod' && a.action === 'CREATED')) await svc.queue.add(keys.pods(cluster.id));
      return { objects: result.applied, userErrors: [] };
    } catch (err) {
      // Two applies created the same object at once: the loser retries and updates it instead.
      if (isUniqueViolation(err) && attempt < 3) continue;
      throw err;
    }
  }
}

/** Rolls the apply transaction back with these user errors. */
class Refused extends Error {
  constructor(readonly errors: UserError[]) {
    super('refused');
  }
}

const isWorkload = (o: ManifestObject): o is WorkloadObject => o.kind !== 'Namespace' && o.kind !== 'HorizontalPodAutoscaler' && !POLICY_KINDS.includes(o.kind);

/** Where a workload kind keeps its pod template. */
function templatePath(o: WorkloadObject): string[] {
  if (o.kind === 'Pod') return [];
  if (o.kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template'];
  return ['spec', 'template'];
}

function templateSpec(o: WorkloadObject): Record<string, unknown> {
  if (o.kind === 'Pod') return o.spec as unknown as Record<string, unknown>;
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec as unknown as Record<string, unknown>;
  return o.spec.template.spec as unknown as Record<string, unknown>;
}

/** How many pods an object asks for (what the pods-per-cluster and replicas limits count), and the field that says so. */
function desiredPods(o: WorkloadObject): { count: number; field: string[] } {
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return { count: o.spec.replicas, field: ['spec', 'replicas'] };
    case 'Job':
      return { count: o.spec.parallelism, field: ['spec', 'parallelism'] };
    case 'CronJob':
      return { count: o.spec.jobTemplate.spec.parallelism, field: ['spec', 'jobTemplate', 'spec', 'parallelism'] };
    case 'Pod':
      return { count: 1, field: ['metadata', 'name'] };
  }
}

type Written = { applied: AppliedObject[]; records: EventRecord[]; autoscalers: Autoscaler[] } | { errors: UserError[] };

/**
 * Writes every object. Updates are checked first (immutable fields), so an invalid update
 * leaves everything unwritten. Returns the applied objects and the events recorded.
 */
async function writeObjects(svc: Services, tx: Prisma.TransactionClient, clusterId: string, objects: ManifestObject[]): Promise<Written> {
  const now = new Date(svc.clock.now());
  const workloads = objects.filter((o): o is Exclude<WorkloadObject, { kind: 'Pod' }> => isWorkload(o) && o.kind !== 'Pod');
  const pods = objects.filter((o): o is Extract<ManifestObject, { kind: 'Pod' }> => o.kind === 'Pod');
  const existingWorkloads = workloads.length
    ? await tx.workload.findMany({ where: { clusterId, OR: workloads.map((o) => ({ namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name })) } })
    : [];
  const existingPods = pods.length
    ? ((await tx.pod.findMany({ where: { clusterId, OR: pods.map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name })) }, omit: { containerStatuses: true } })) as Pod[])
    : [];
  const wkey = (ns: string, kind: string, name: string) => `${ns}/${kind}/${name}`;
  const byKey = new Map(existingWorkloads.map((w) => [wkey(w.namespace, w.kind, w.name), w]));
  const podByKey = new Map(existingPods.map((p) => [`${p.namespace}/${p.name}`, p]));

  // 1. every update must be allowed before anything is written
  const errors: UserError[] = [];
  for (const o of workloads) {
    const old = byKey.get(wkey(o.metadata.namespace, o.kind, o.metadata.name));
    if (old) errors.push(...validateUpdate(o.kind, old.spec, o.spec, o.source));
  }
  for (const o of pods) {
    const old = podByKey.get(`${o.metadata.namespace}/${o.metadata.name}`);
    if (!old) continue;
    const problems = validateUpdate('Pod', old.spec, o.spec, o.source);
    errors.push(...problems);
    if (problems.length === 0 && canonicalJson(old.spec) !== canonicalJson(o.spec)) {
      errors.push({ field: [...o.source, 'spec'], code: 'IMMUTABLE', message: 'spec: Forbidden: changing the image of an existing bare pod is not supported (its sandbox is already running); delete the pod and apply it again' });
    }
    if (old.deletionTimestamp) errors.push({ field: [...o.source, 'metadata', 'name'], code: 'CONFLICT', message: `pods "${o.metadata.name}" is being deleted; apply it again once it is gone` });
  }
  if (errors.length) return { errors };

  // 2. write: namespaces and policy objects first, so admission below sees them
  const out: AppliedObject[] = [];
  const events: EventInput[] = [];
  // Lock order: workload rows, then the namespaces' admission locks (as a controller does:
  // its workload row, then admission when it creates pods), so apply and controllers never deadlock.
  if (existingWorkloads.length > 0) await tx.$queryRawUnsafe(`SELECT "id" FROM "Workload" WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`, existingWorkloads.map((w) => w.id));
  const policyErrors = await writePolicies(svc, tx, clusterId, objects.filter((o): o is PolicyObject => POLICY_KINDS.includes(o.kind)), now, out);
  if (policyErrors.length) return { errors: policyErrors };
  const admission = await admitTemplates(tx, clusterId, objects.filter(isWorkload), byKey, podByKey);
  if (admission.errors.length) return { errors: admission.errors };
  // new bare pods: the live pods of the cluster, counted under its pods lock (taken last)
  if (admission.pods.size > 0) {
    const limits = svc.settings.limits;
    const room = await podRoom(tx, clusterId, limits.podsPerCluster);
    const fresh = [...admission.pods.keys()];
    if (fresh.length > room) {
      const o = fresh[room];
      return { errors: [{ field: [...o.source, 'metadata', 'name'], code: 'LIMIT_EXCEEDED', message: exceeded(limits, 'podsPerCluster', `pods "${o.metadata.name}"`, "the cluster's pod limit") }] };
    }
  }
  for (const o of objects) {
    if (o.kind === 'ResourceQuota' || o.kind === 'LimitRange' || o.kind === 'PriorityClass' || o.kind === 'HorizontalPodAutoscaler') continue;
    if (o.kind === 'Namespace') {
      const existing = await tx.namespace.findUnique({ where: { clusterId_name: { clusterId, name: o.metadata.name } } });
      if (!existing) {
        await tx.namespace.create({ data: { id: svc.ids.uuid(), uid: svc.ids.uuid(), clusterId, name: o.metadata.name, labels: o.metadata.labels, annotations: o.metadata.annotations, createdAt: now } });
      } else if (canonicalJson(existing.labels) !== canonicalJson(o.metadata.labels) || canonicalJson(existing.annotations) !== canonicalJson(o.metadata.annotations)) {
        await tx.namespace.update({ where: { id: existing.id }, data: { labels: o.metadata.labels, annotations: o.metadata.annotations, resourceVersion: { increment: 1 } } });
        out.push({ kind: o.kind, apiVersion: o.apiVersion, namespace: null, name: o.metadata.name, action: 'CONFIGURED', workload: null });
        continue;
      }
      out.push({ kind: o.kind, apiVersion: o.apiVersion, namespace: null, name: o.metadata.name, action: existing ? 'UNCHANGED' : 'CREATED', workload: null });
      continue;
    }
    if (o.kind === 'Pod') {
      out.push(await writePod(svc, tx, clusterId, o, podByKey.get(`${o.metadata.namespace}/${o.metadata.name}`), admission.pods.get(o), now, events));
      continue;
    }
    const existing = byKey.get(wkey(o.metadata.namespace, o.kind, o.metadata.name));
    const uid = existing?.uid ?? svc.ids.uuid();
    const spec = o.kind === 'Job' ? withGeneratedSelector(o.spec, uid, o.metadata.name) : o.spec;
    const data = {
      apiVersion: o.apiVersion,
      labels: o.metadata.labels,
      annotations: o.metadata.annotations,
      spec: spec as unknown as Prisma.InputJsonValue,
      podCpuMilli: o.billed.cpuMilli,
      podMemoryMi: o.billed.memoryMi,
    };
    const base = { kind: o.kind, apiVersion: o.apiVersion, namespace: o.metadata.namespace, name: o.metadata.name };
    if (!existing) {
      const workload = await tx.workload.create({
        data: { id: svc.ids.uuid(), uid, clusterId, namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name, createdAt: now, updatedAt: now, ...data },
      });
      events.push({ type: 'ADDED', reason: 'Applied', message: `${resourceName(o.kind)}/${o.metadata.name} created`, workload });
      out.push({ ...base, action: 'CREATED', workload });
      continue;
    }
    const specChanged = canonicalJson(existing.spec) !== canonicalJson(spec);
    // user annotations are merged over the controller's (e.g. deployment.kubernetes.io/revision)
    const annotations = { ...controllerAnnotations(existing.annotations), ...o.metadata.annotations };
    const metaChanged = canonicalJson(existing.labels) !== canonicalJson(o.metadata.labels) || canonicalJson(existing.annotations) !== canonicalJson(annotations);
    if (!specChanged && !metaChanged) {
      out.push({ ...base, action: 'UNCHANGED', workload: existing });
      continue;
    }
    const workload = await tx.workload.update({
      where: { id: existing.id },
      data: { ...data, annotations, updatedAt: now, resourceVersion: { increment: 1 }, ...(specChanged ? { generation: { increment: 1 } } : {}) },
    });
    events.push({ type: 'MODIFIED', reason: 'Applied', message: `${resourceName(o.kind)}/${o.metadata.name} configured`, workload });
    out.push({ ...base, action: 'CONFIGURED', workload });
  }
  // autoscalers last: they may name a workload this manifest just created
  const autoscalers: Autoscaler[] = [];
  for (const o of objects) {
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const problems = checkAutoscalerAnnotations(o.metadata.annotations, [...o.source, 'metadata', 'annotations']);
    if (problems.length) return { errors: problems };
    const r = await writeAutoscaler(svc, tx, clusterId, { namespace: o.metadata.namespace, name: o.metadata.name, labels: o.metadata.labels, annotations: o.metadata.annotations, spec: o.spec }, o.source);
    if ('errors' in r) return { errors: r.errors };
    if (r.action !== 'UNCHANGED') autoscalers.push(r.autoscaler);
    out.push({ kind: o.kind, apiVersion: o.apiVersion, namespace: o.metadata.namespace, name: o.metadata.name, action: r.action, workload: null });
  }
  const records = await appendEvents(tx, clusterId, events, now, () => svc.ids.uuid());
  return { applied: out, records, autoscalers };
}

/** Annotations controllers set on the object itself, kept across re-applies. */
function controllerAnnotations(a: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((a ?? {}) as Record<string, string>)) if (k.startsWith('deployment.kubernetes.io/')) out[k] = v;
  return out;
}

/** A bare pod: created Pending (the pod loop schedules it), or its labels and annotations updated. */
async function writePod(svc: Services, tx: Prisma.TransactionClient, clusterId: string, o: Extract<ManifestObject, { kind: 'Pod' }>, existing: Pod | undefined, admitted: AdmittedPod | undefined, now: Date, events: EventInput[]): Promise<AppliedObject> {
  const base = { kind: o.kind, apiVersion: o.apiVersion, namespace: o.metadata.namespace, name: o.metadata.name, workload: null };
  if (!existing) {
    if (!admitted) throw new Error(`pod ${o.metadata.name} was not admitted`);
    const { spec, ...columns } = admitted;
    const row = {
      id: svc.ids.uuid(),
      uid: svc.ids.uuid(),
      clusterId,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
      workloadId: null,
      ownerKind: null,
      ownerName: null,
      templateHash: null,
      index: null,
      labels: o.metadata.labels,
      annotations: o.metadata.annotations,
      spec,
      createdAt: now,
      resourceVersion: 1,
      ...initialPodState,
      ...columns,
    };
    await insertRows(tx, 'Pod', POD_COLUMNS, [row]);
    events.push({ type: 'ADDED', reason: 'Applied', message: `pod/${o.metadata.name} created`, pod: row as unknown as Pod });
    return { ...base, action: 'CREATED' };
  }
  if (canonicalJson(existing.labels) === canonicalJson(o.metadata.labels) && canonicalJson(existing.annotations) === canonicalJson(o.metadata.annotations)) return { ...base, action: 'UNCHANGED' };
  const { count } = await tx.pod.updateMany({ where: { id: existing.id, resourceVersion: existing.resourceVersion }, data: { labels: o.metadata.labels, annotations: o.metadata.annotations, resourceVersion: { increment: 1 } } });
  if (count === 0) throw Object.assign(new Error('pod changed concurrently'), { code: 'P2002' }); // retried by applyManifest
  const fresh = (await tx.pod.findUniqueOrThrow({ where: { id: existing.id }, omit: POD_LIGHT })) as Pod;
  events.push({ type: 'MODIFIED', reason: 'Applied', message: `pod/${o.metadata.name} configured`, pod: fresh });
  return { ...base, action: 'CONFIGURED' };
}

/**
 * Creates or updates ResourceQuotas, LimitRanges and PriorityClasses (PriorityClass rules that
 * need the stored classes: one global default, immutable value and preemption policy).
 */
async function writePolicies(svc: Services, tx: Prisma.TransactionClient, clusterId: string, objects: PolicyObject[], now: Date, out: AppliedObject[]): Promise<UserError[]> {
  const errors: UserError[] = [];
  for (const o of objects) {
    const base = { kind: o.kind, apiVersion: o.apiVersion, name: o.metadata.name, workload: null };
    if (o.kind === 'PriorityClass') {
      const existing = await tx.priorityClass.findMany({ where: { clusterId } });
      const problems = checkPriorityClassAgainstExisting(o.metadata.name, o, existing.map((c) => ({ name: c.name, value: c.value, globalDefault: c.globalDefault, preemptionPolicy: c.preemptionPolicy as 'PreemptLowerPriority' | 'Never' })), []);
      if (problems.length) {
        errors.push(...problems.map((e) => ({ ...e, field: [...o.source, ...e.field], message: e.field.length ? `${formatFieldPath(e.field)}: ${e.message}` : e.message })));
        continue;
      }
      const old = existing.find((c) => c.name === o.metadata.name);
      const data = { labels: o.metadata.labels, value: o.value, globalDefault: o.globalDefault, preemptionPolicy: o.preemptionPolicy, description: o.description };
      if (!old) await tx.priorityClass.create({ data: { id: svc.ids.uuid(), uid: svc.ids.uuid(), clusterId, name: o.metadata.name, createdAt: now, ...data } });
      else if (canonicalJson({ ...data }) !== canonicalJson({ labels: old.labels, value: old.value, globalDefault: old.globalDefault, preemptionPolicy: old.preemptionPolicy, description: old.description })) {
        await tx.priorityClass.update({ where: { id: old.id }, data: { ...data, resourceVersion: { increment: 1 } } });
      } else {
        out.push({ ...base, namespace: null, action: 'UNCHANGED' });
        continue;
      }
      out.push({ ...base, namespace: null, action: old ? 'CONFIGURED' : 'CREATED' });
      continue;
    }
    const where = { clusterId_namespace_name: { clusterId, namespace: o.metadata.namespace, name: o.metadata.name } };
    const body = o.kind === 'ResourceQuota' ? { hard: o.spec.hard } : { spec: o.spec as unknown as Prisma.InputJsonValue };
    const data = { labels: o.metadata.labels, annotations: o.metadata.annotations, ...body };
    const old = o.kind === 'ResourceQuota' ? await tx.resourceQuota.findUnique({ where }) : await tx.limitRange.findUnique({ where });
    let action: ApplyAction = 'UNCHANGED';
    if (!old) {
      const row = { id: svc.ids.uuid(), uid: svc.ids.uuid(), clusterId, namespace: o.metadata.namespace, name: o.metadata.name, createdAt: now, ...data };
      if (o.kind === 'ResourceQuota') await tx.resourceQuota.create({ data: row as Prisma.ResourceQuotaUncheckedCreateInput });
      else await tx.limitRange.create({ data: row as Prisma.LimitRangeUncheckedCreateInput });
      action = 'CREATED';
    } else {
      const was = { labels: old.labels, annotations: old.annotations, ...('hard' in old ? { hard: old.hard } : { spec: (old as { spec: unknown }).spec }) };
      if (canonicalJson(was) !== canonicalJson(data)) {
        if (o.kind === 'ResourceQuota') await tx.resourceQuota.update({ where: { id: old.id }, data: { ...(data as object), resourceVersion: { increment: 1 } } });
        else await tx.limitRange.update({ where: { id: old.id }, data: { ...(data as object), resourceVersion: { increment: 1 } } });
        action = 'CONFIGURED';
      }
    }
    out.push({ ...base, namespace: o.metadata.namespace, action });
  }
  return errors;
}

/**
 * Admission at apply time, against the namespace's policy (including what this manifest just
 * wrote): every template's priorityClassName must exist and its containers must fit the
 * LimitRanges (else no pod of it could ever be created); a new workload must fit the count/*
 * quotas; a new bare pod goes through the whole pod admission (quota included).
 */
async function admitTemplates(
  tx: Prisma.TransactionClient,
  clusterId: string,
  objects: WorkloadObject[],
  workloads: Map<string, Workload>,
  pods: Map<string, Pod>,
): Promise<{ errors: UserError[]; pods: Map<WorkloadObject, AdmittedPod> }> {
  const errors: UserError[] = [];
  const admitted = new Map<WorkloadObject, AdmittedPod>();
  const policies = new Map<string, NamespacePolicy>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    let policy = policies.get(ns);
    if (!policy) {
      policy = await loadNamespacePolicy(tx, clusterId, ns);
      policies.set(ns, policy);
    }
    const field = (...rest: string[]) => [...o.source, ...templatePath(o), ...rest];
    const spec = templateSpec(o);
    if (o.kind === 'Pod') {
      if (pods.has(`${ns}/${o.metadata.name}`)) continue; // an update of labels/annotations only
      const r = admitPod(policy, { name: o.metadata.name, spec, annotations: o.metadata.annotations });
      if (r.ok) admitted.set(o, r.pod);
      else errors.push({ field: [...o.source], code: r.code, message: r.message });
      continue;
    }
    const priority = resolvePriority(spec as { priorityClassName?: unknown }, policy.classes);
    if (!priority.ok) errors.push({ field: field('spec', 'priorityClassName'), code: priority.code, message: `${formatFieldPath([...templatePath(o), 'spec', 'priorityClassName'])}: ${priority.message}` });
    for (const problem of checkTemplateAgainstLimitRanges(spec, policy.limitRanges)) {
      errors.push({ field: field('spec'), code: 'LIMIT_RANGE', message: `${formatFieldPath([...templatePath(o), 'spec'])}: Forbidden: its pods would be refused by the namespace's LimitRange: ${problem}` });
    }
    const resource = workloadQuotaResource(o.kind);
    const isNew = !workloads.has(`${ns}/${o.kind}/${o.metadata.name}`);
    if (resource && isNew && policy.quotas.length > 0) {
      const delta = { [resource]: 1n };
      const check = checkQuotas(policy.quotas, delta);
      if (!check.ok) errors.push({ field: [...o.source, 'metadata', 'name'], code: check.code, message: `${resourceName(o.kind, true)} "${o.metadata.name}" is forbidden: ${check.message}` });
      else for (const q of policy.quotas) q.used = { ...q.used, [resource]: (q.used[resource] ?? 0n) + 1n };
    }
  }
  return { errors, pods: admitted };
}
