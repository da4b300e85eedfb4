import type { Pod, Prisma, Workload } from '../generated/prisma/client';
import type { Services } from './services';
import { isUniqueViolation, type UserError } from './errors';
import { findCluster } from './clusters';
import { keys } from './topics';
import { checkPodsPerCluster, lockScope } from './limits';
import { canonicalJson } from '../core/pods';
import { formatFieldPath, parseManifest, type ManifestObject, type WorkloadObject } from '../core/manifest';
import { validateUpdate } from '../core/update';
import { resourceName } from '../core/names';
import { withGeneratedSelector } from '../core/workloads/owned';
import { initialPodState } from '../core/lifecycle';
import { appendEvents, insertRows, POD_COLUMNS, POD_LIGHT, type EventInput, type EventRecord } from '../adapters/prisma/objects';
import { publishEvents } from './topics';

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
  const fail = (userErrors: UserError[]): ApplyResult => ({ objects: [], userErrors });
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return fail([{ field: ['clusterId'], code: 'NOT_FOUND', message: `cluster ${input.clusterId} not found` }]);
  if (cluster.status !== 'RUNNING') {
    return fail([{ field: ['clusterId'], code: 'CLUSTER_NOT_READY', message: `cluster ${cluster.name} is ${cluster.status}; wait until it is RUNNING` }]);
  }
  const limits = svc.settings.limits;
  if (Buffer.byteLength(input.manifest) > limits.manifestBytes) {
    return fail([{ field: ['manifest'], code: 'TOO_LARGE', message: `manifest is larger than ${limits.manifestBytes} bytes` }]);
  }
  const { objects, errors } = parseManifest(input.manifest);
  if (errors.length) return fail(errors);
  if (objects.length === 0) return fail([{ field: ['manifest'], code: 'EMPTY', message: 'the manifest contains no objects' }]);
  if (objects.length > limits.manifestObjects) return fail([{ field: ['manifest'], code: 'TOO_LARGE', message: `a manifest may hold at most ${limits.manifestObjects} objects` }]);

  // Checks that need the store: namespaces exist (or are in this manifest), limits.
  const userErrors: UserError[] = [];
  const existingNs = new Set((await svc.db.namespace.findMany({ where: { clusterId: cluster.id }, select: { name: true } })).map((n) => n.name));
  const newNs = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  for (const o of objects) {
    if (o.kind === 'Namespace') continue;
    if (!existingNs.has(o.metadata.namespace) && !newNs.has(o.metadata.namespace)) {
      userErrors.push({ field: [...o.source, 'metadata', 'namespace'], code: 'NOT_FOUND', message: `namespaces "${o.metadata.namespace}" not found` });
    }
    const wanted = desiredPods(o);
    if (wanted.count > limits.replicasPerWorkload) {
      userErrors.push({ field: [...o.source, ...wanted.field], code: 'LIMIT_EXCEEDED', message: `${formatFieldPath(wanted.field)}: Invalid value: ${wanted.count}: at most ${limits.replicasPerWorkload} replicas per workload` });
    }
  }
  if (userErrors.length) return fail(userErrors);

  const changes = objects.flatMap((o) => (o.kind === 'Namespace' ? [] : [{ source: o.source, namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name, replicas: desiredPods(o).count, field: desiredPods(o).field }]));
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await svc.db.$transaction(async (tx) => {
        await lockScope(tx, `pods:${cluster.id}`);
        const over = await checkPodsPerCluster(tx, cluster.id, limits.podsPerCluster, changes, (k) => [...changes[k].source, ...changes[k].field]);
        if (over) return [over];
        return writeObjects(svc, tx, cluster.id, objects);
      }, { timeout: 60_000, maxWait: 30_000 });
      if ('errors' in result) return fail(result.errors);
      if (!('applied' in result)) return fail(result);
      await publishEvents(svc.bus, cluster.id, result.records);
      for (const a of result.applied) if (a.workload && a.action !== 'UNCHANGED') await svc.queue.add(keys.workload(a.workload.id));
      if (result.applied.some((a) => a.kind === 'Pod' && a.action === 'CREATED')) await svc.queue.add(keys.pods(cluster.id));
      return { objects: result.applied, userErrors: [] };
    } catch (err) {
      // Two applies created the same object at once: the loser retries and updates it instead.
      if (isUniqueViolation(err) && attempt < 3) continue;
      throw err;
    }
  }
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

type Written = { applied: AppliedObject[]; records: EventRecord[] } | { errors: UserError[] };

/**
 * Writes every object. Updates are checked first (immutable fields), so an invalid update
 * leaves everything unwritten. Returns the applied objects and the events recorded.
 */
async function writeObjects(svc: Services, tx: Prisma.TransactionClient, clusterId: string, objects: ManifestObject[]): Promise<Written> {
  const now = new Date(svc.clock.now());
  const workloads = objects.filter((o): o is WorkloadObject => o.kind !== 'Namespace' && o.kind !== 'Pod');
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

  // 2. write
  const out: AppliedObject[] = [];
  const events: EventInput[] = [];
  for (const o of objects) {
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
      out.push(await writePod(svc, tx, clusterId, o, podByKey.get(`${o.metadata.namespace}/${o.metadata.name}`), now, events));
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
  const records = await appendEvents(tx, clusterId, events, now, () => svc.ids.uuid());
  return { applied: out, records };
}

/** Annotations controllers set on the object itself, kept across re-applies. */
function controllerAnnotations(a: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((a ?? {}) as Record<string, string>)) if (k.startsWith('deployment.kubernetes.io/')) out[k] = v;
  return out;
}

/** A bare pod: created Pending (the pod loop schedules it), or its labels and annotations updated. */
async function writePod(svc: Services, tx: Prisma.TransactionClient, clusterId: string, o: Extract<ManifestObject, { kind: 'Pod' }>, existing: Pod | undefined, now: Date, events: EventInput[]): Promise<AppliedObject> {
  const base = { kind: o.kind, apiVersion: o.apiVersion, namespace: o.metadata.namespace, name: o.metadata.name, workload: null };
  if (!existing) {
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
      spec: o.spec,
      billedCpuMilli: o.billed.cpuMilli,
      billedMemoryMi: o.billed.memoryMi,
      createdAt: now,
      resourceVersion: 1,
      ...initialPodState,
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
