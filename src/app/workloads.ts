import type { Prisma, Workload } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { findCluster } from './clusters';
import { keys } from './topics';
import { checkPodsPerCluster, lockScope, scopes } from './limits';
import { resourceName, validateDns1123Label, validateDns1123Subdomain } from '../core/names';
import { appendEvents, POD_LIGHT, type EventInput } from '../adapters/prisma/objects';
import { publishEvents } from './topics';
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, rollbackTemplate, type ReplicaSetInfo } from '../core/workloads/deployment';
import type { DeploymentSpec, ReplicaSetSpec } from '../core/workloads/specs';
import { deleteWorkloadTree, terminatePods } from './cascade';

import type { Pod } from '../generated/prisma/client';

export interface ScaleInput {
  clusterId: string;
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
}

export const SCALABLE_KINDS = ['Deployment', 'StatefulSet'];

/** `kubectl scale`: sets spec.replicas (optimistic concurrency on the workload row). */
export async function scaleWorkload(svc: Services, accountId: string, input: ScaleInput): Promise<{ workload: Workload | null; userErrors: UserError[] }> {
  const fail = (field: string[], code: string, message: string) => ({ workload: null, userErrors: [{ field, code, message }] });
  if (!Number.isInteger(input.replicas) || input.replicas < 0) return fail(['replicas'], 'INVALID_VALUE', `replicas: Invalid value: ${input.replicas}: must be greater than or equal to 0`);
  if (input.replicas > svc.settings.limits.replicasPerWorkload) return fail(['replicas'], 'LIMIT_EXCEEDED', `replicas: Invalid value: ${input.replicas}: at most ${svc.settings.limits.replicasPerWorkload} replicas per workload (NODELESS_REPLICAS_PER_WORKLOAD)`);
  const bad = checkNames(input.namespace, input.name);
  if (bad.length) return { workload: null, userErrors: bad };
  if (!SCALABLE_KINDS.includes(input.kind)) return fail(['kind'], 'NOT_SCALABLE', `${input.kind} cannot be scaled; scalable kinds: ${SCALABLE_KINDS.join(', ')}`);
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const outcome = await svc.db.$transaction(async (tx) => {
      const w = await tx.workload.findUnique({
        where: { clusterId_namespace_kind_name: { clusterId: cluster.id, namespace: input.namespace, kind: input.kind, name: input.name } },
      });
      if (!w) return fail(['name'], 'NOT_FOUND', `${resourceName(input.kind, true)} "${input.name}" not found in namespace "${input.namespace}"`);
      if ((w.spec as { replicas?: unknown }).replicas === input.replicas) return { workload: w, userErrors: [] };
      const written = await writeReplicas(svc, tx, w, input.replicas, ['replicas']);
      if (written === null) return null; // lost a race with another writer: read again
      if ('error' in written) return { workload: null, userErrors: [written.error] };
      return { workload: written.workload, userErrors: [], changed: true };
    });
    if (outcome === null) continue;
    if ('changed' in outcome) await svc.queue.add(keys.workload(outcome.workload!.id));
    return { workload: outcome.workload, userErrors: outcome.userErrors };
  }
  return fail([], 'CONFLICT', 'the workload is being changed concurrently; try again');
}

/**
 * The scale subresource's write, shared by `kubectl scale` and the autoscaler: sets spec.replicas
 * of a workload row read in this transaction, within the pods-per-cluster limit. Null when the
 * row changed since it was read (optimistic concurrency: read again and retry).
 */
export async function writeReplicas(svc: Services, tx: Prisma.TransactionClient, w: Workload, replicas: number, field: string[]): Promise<{ workload: Workload } | { error: UserError } | null> {
  // only growth can break the pods-per-cluster limit (and needs the cluster-wide lock to check it)
  if (replicas > Number((w.spec as { replicas?: number }).replicas ?? 0)) {
    await lockScope(tx, scopes.objects(w.clusterId));
    const over = await checkPodsPerCluster(tx, w.clusterId, svc.settings.limits.podsPerCluster, [{ namespace: w.namespace, kind: w.kind, name: w.name, replicas }], () => field);
    if (over) return { error: over };
  }
  try {
    const workload = await tx.workload.update({
      where: { id: w.id, resourceVersion: w.resourceVersion },
      data: { spec: { ...(w.spec as Record<string, unknown>), replicas } as Prisma.InputJsonValue, generation: { increment: 1 }, resourceVersion: { increment: 1 }, updatedAt: new Date(svc.clock.now()) },
    });
    return { workload };
  } catch (err) {
    if ((err as { code?: string }).code === 'P2025') return null; // changed since it was read
    throw err;
  }
}

/** What the Deployment controller knows of one of its ReplicaSets (a stored row and its pod count). */
export function replicaSetInfo(r: Workload, podCount: number): ReplicaSetInfo {
  const spec = r.spec as unknown as ReplicaSetSpec;
  const annotations = r.annotations as Record<string, string>;
  const status = r.status as { replicas?: number; readyReplicas?: number; availableReplicas?: number };
  return {
    id: r.id,
    name: r.name,
    templateHash: spec.template.metadata.labels[POD_TEMPLATE_HASH_LABEL] ?? '',
    revision: Number(annotations[REVISION_ANNOTATION] ?? 0),
    spec,
    status: { replicas: status.replicas ?? 0, readyReplicas: status.readyReplicas ?? 0, availableReplicas: status.availableReplicas ?? 0 },
    annotations,
    createdAt: r.createdAt,
    podCount,
  };
}

type Fail = { field: string[]; code: string; message: string };
const failWith = (field: string[], code: string, message: string): Fail[] => [{ field, code, message }];

/** The namespace and name of an object addressed by a mutation (DNS-1123 label and subdomain). */
export function checkNames(namespace: string, name: string): Fail[] {
  const [badNamespace] = validateDns1123Label(namespace);
  if (badNamespace) return failWith(['namespace'], 'INVALID_NAME', `namespace: Invalid value: "${namespace}": ${badNamespace}`);
  const [badName] = validateDns1123Subdomain(name);
  if (badName) return failWith(['name'], 'INVALID_NAME', `name: Invalid value: "${name}": ${badName}`);
  return [];
}

/**
 * `kubectl rollout undo --to-revision=N`: copies the pod template of the ReplicaSet with that
 * revision back into the Deployment (revision 0 = the previous one); the Deployment controller
 * then rolls out as for any template change.
 */
export async function rollbackWorkload(svc: Services, accountId: string, input: { clusterId: string; namespace: string; name: string; revision: number }): Promise<{ workload: Workload | null; userErrors: UserError[] }> {
  const bad = checkNames(input.namespace, input.name);
  if (bad.length) return { workload: null, userErrors: bad };
  if (!Number.isInteger(input.revision) || input.revision < 0) return { workload: null, userErrors: failWith(['revision'], 'INVALID_VALUE', `revision: Invalid value: ${input.revision}: must be 0 (the previous revision) or a revision number`) };
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { workload: null, userErrors: failWith(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  const outcome = await svc.db.$transaction(async (tx) => {
    const w = await tx.workload.findUnique({ where: { clusterId_namespace_kind_name: { clusterId: cluster.id, namespace: input.namespace, kind: 'Deployment', name: input.name } } });
    if (!w) return { workload: null, userErrors: failWith(['name'], 'NOT_FOUND', `deployments.apps "${input.name}" not found in namespace "${input.namespace}"`) };
    await tx.$queryRaw`SELECT "id" FROM "Workload" WHERE "id" = ${w.id}::uuid FOR UPDATE`;
    const rows = await tx.workload.findMany({ where: { ownerId: w.id, kind: 'ReplicaSet' } });
    const found = rollbackTemplate(rows.map((r) => replicaSetInfo(r, 0)), input.revision);
    if ('error' in found) return { workload: null, userErrors: failWith(['revision'], 'NOT_FOUND', found.error) };
    const spec = w.spec as unknown as DeploymentSpec;
    const updated = await tx.workload.update({
      where: { id: w.id },
      data: { spec: { ...spec, template: found.template } as unknown as Prisma.InputJsonValue, generation: { increment: 1 }, resourceVersion: { increment: 1 }, updatedAt: new Date(svc.clock.now()) },
    });
    return { workload: updated, userErrors: [] as UserError[] };
  });
  if (outcome.workload) await svc.queue.add(keys.workload(outcome.workload.id));
  return outcome;
}

/**
 * `kubectl delete <kind> <name>`: the workload goes at once; its pods (and those of the
 * ReplicaSets or Jobs it owns) are deleted gracefully, as Kubernetes' background cascading
 * deletion does.
 */
export async function deleteWorkload(svc: Services, accountId: string, input: { clusterId: string; namespace: string; kind: string; name: string }): Promise<{ deleted: boolean; userErrors: UserError[] }> {
  const bad = checkNames(input.namespace, input.name);
  if (bad.length) return { deleted: false, userErrors: bad };
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { deleted: false, userErrors: failWith(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  const outcome = await svc.db.$transaction(async (tx) => {
    const w = await tx.workload.findUnique({ where: { clusterId_namespace_kind_name: { clusterId: cluster.id, namespace: input.namespace, kind: input.kind, name: input.name } } });
    if (!w) return null;
    await tx.$queryRaw`SELECT "id" FROM "Workload" WHERE "id" = ${w.id}::uuid FOR UPDATE`;
    const events: EventInput[] = [];
    await deleteWorkloadTree(tx, [w.id], `${input.kind} ${input.name} deleted`, svc.clock.now(), events);
    return { ownerId: w.ownerId, records: await appendEvents(tx, cluster.id, events, new Date(svc.clock.now()), () => svc.ids.uuid()) };
  });
  if (!outcome) return { deleted: false, userErrors: failWith(['name'], 'NOT_FOUND', `${resourceName(input.kind, true)} "${input.name}" not found in namespace "${input.namespace}"`) };
  await publishEvents(svc.bus, cluster.id, outcome.records);
  await svc.queue.add(keys.pods(cluster.id));
  if (outcome.ownerId) await svc.queue.add(keys.workload(outcome.ownerId));
  return { deleted: true, userErrors: [] };
}

/**
 * `kubectl delete pod`: the pod turns Terminating; its sandbox gets terminationGracePeriodSeconds
 * to stop (or less if the process exits sooner), then the pod is gone. A controller that owns
 * it creates a replacement.
 */
export async function deletePod(svc: Services, accountId: string, input: { clusterId: string; namespace: string; name: string }): Promise<{ pod: Pod | null; userErrors: UserError[] }> {
  const bad = checkNames(input.namespace, input.name);
  if (bad.length) return { pod: null, userErrors: bad };
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return { pod: null, userErrors: failWith(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`) };
  for (let attempt = 0; attempt < 5; attempt++) {
    const pod = (await svc.db.pod.findUnique({ where: { clusterId_namespace_name: { clusterId: cluster.id, namespace: input.namespace, name: input.name } }, omit: POD_LIGHT })) as Pod | null;
    if (!pod) return { pod: null, userErrors: failWith(['name'], 'NOT_FOUND', `pods "${input.name}" not found in namespace "${input.namespace}"`) };
    if (pod.deletionTimestamp) return { pod, userErrors: [] };
    const outcome = await svc.db.$transaction(async (tx) => {
      const { written, events } = await terminatePods(tx, [pod], 'deleted by the user', new Date(svc.clock.now()));
      if (written.length === 0) return null;
      return { pod: written[0], records: await appendEvents(tx, cluster.id, events, new Date(svc.clock.now()), () => svc.ids.uuid()) };
    });
    if (!outcome) continue; // changed meanwhile: read again
    await publishEvents(svc.bus, cluster.id, outcome.records);
    await svc.queue.add(keys.pods(cluster.id));
    if (pod.workloadId) await svc.queue.add(keys.workload(pod.workloadId));
    return { pod: outcome.pod, userErrors: [] };
  }
  return { pod: null, userErrors: failWith([], 'CONFLICT', 'the pod is being changed concurrently; try again') };
}
