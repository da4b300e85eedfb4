import type { Prisma, Workload } from '../generated/prisma/client';
import type { Services } from './services';
import { isUniqueViolation, type UserError } from './errors';
import { findCluster } from './clusters';
import { keys } from './topics';
import { checkPodsPerCluster, lockScope } from './limits';
import { canonicalJson } from '../core/pods';
import { parseManifest, type ManifestObject } from '../core/manifest';

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
    if (o.kind === 'Deployment' && o.spec.replicas > limits.replicasPerWorkload) {
      userErrors.push({ field: [...o.source, 'spec', 'replicas'], code: 'LIMIT_EXCEEDED', message: `spec.replicas: Invalid value: ${o.spec.replicas}: at most ${limits.replicasPerWorkload} replicas per workload` });
    }
  }
  if (userErrors.length) return fail(userErrors);

  const changes = objects.flatMap((o) => (o.kind === 'Deployment' ? [{ source: o.source, namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name, replicas: o.spec.replicas }] : []));
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await svc.db.$transaction(async (tx) => {
        await lockScope(tx, `pods:${cluster.id}`);
        const over = await checkPodsPerCluster(tx, cluster.id, limits.podsPerCluster, changes, (k) => [...changes[k].source, 'spec', 'replicas']);
        if (over) return over;
        return writeObjects(svc, tx, cluster.id, objects);
      });
      if (!Array.isArray(result)) return fail([result]);
      const applied = result;
      for (const a of applied) if (a.workload && a.action !== 'UNCHANGED') await svc.queue.add(keys.workload(a.workload.id));
      return { objects: applied, userErrors: [] };
    } catch (err) {
      // Two applies created the same object at once: the loser retries and updates it instead.
      if (isUniqueViolation(err) && attempt < 3) continue;
      throw err;
    }
  }
}

async function writeObjects(svc: Services, tx: Prisma.TransactionClient, clusterId: string, objects: ManifestObject[]): Promise<AppliedObject[]> {
  const now = new Date(svc.clock.now());
  const out: AppliedObject[] = [];
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
    const where = { clusterId_namespace_kind_name: { clusterId, namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name } };
    const data = {
      apiVersion: o.apiVersion,
      labels: o.metadata.labels,
      annotations: o.metadata.annotations,
      spec: o.spec as unknown as Prisma.InputJsonValue,
      podCpuMilli: o.billed.cpuMilli,
      podMemoryMi: o.billed.memoryMi,
    };
    const existing = await tx.workload.findUnique({ where });
    if (!existing) {
      const workload = await tx.workload.create({
        data: { id: svc.ids.uuid(), uid: svc.ids.uuid(), clusterId, namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name, createdAt: now, updatedAt: now, ...data },
      });
      out.push({ kind: o.kind, apiVersion: o.apiVersion, namespace: o.metadata.namespace, name: o.metadata.name, action: 'CREATED', workload });
      continue;
    }
    const specChanged = canonicalJson(existing.spec) !== canonicalJson(o.spec);
    const metaChanged = canonicalJson(existing.labels) !== canonicalJson(o.metadata.labels) || canonicalJson(existing.annotations) !== canonicalJson(o.metadata.annotations);
    if (!specChanged && !metaChanged) {
      out.push({ kind: o.kind, apiVersion: o.apiVersion, namespace: o.metadata.namespace, name: o.metadata.name, action: 'UNCHANGED', workload: existing });
      continue;
    }
    const workload = await tx.workload.update({
      where: { id: existing.id },
      data: { ...data, updatedAt: now, resourceVersion: { increment: 1 }, ...(specChanged ? { generation: { increment: 1 } } : {}) },
    });
    out.push({ kind: o.kind, apiVersion: o.apiVersion, namespace: o.metadata.namespace, name: o.metadata.name, action: 'CONFIGURED', workload });
  }
  return out;
}
