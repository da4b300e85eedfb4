import type { Prisma, Workload } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { findCluster } from './clusters';
import { keys } from './topics';
import { checkPodsPerCluster, lockScope } from './limits';
import { validateDns1123Label, validateDns1123Subdomain } from '../core/names';

export interface ScaleInput {
  clusterId: string;
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
}

export const SCALABLE_KINDS = ['Deployment'];

/** `kubectl scale`: sets spec.replicas (optimistic concurrency on the workload row). */
export async function scaleWorkload(svc: Services, accountId: string, input: ScaleInput): Promise<{ workload: Workload | null; userErrors: UserError[] }> {
  const fail = (field: string[], code: string, message: string) => ({ workload: null, userErrors: [{ field, code, message }] });
  if (!Number.isInteger(input.replicas) || input.replicas < 0) return fail(['replicas'], 'INVALID_VALUE', `replicas: Invalid value: ${input.replicas}: must be greater than or equal to 0`);
  if (input.replicas > svc.settings.limits.replicasPerWorkload) return fail(['replicas'], 'LIMIT_EXCEEDED', `at most ${svc.settings.limits.replicasPerWorkload} replicas per workload`);
  const [badNamespace] = validateDns1123Label(input.namespace);
  if (badNamespace) return fail(['namespace'], 'INVALID_NAME', `namespace: Invalid value: "${input.namespace}": ${badNamespace}`);
  const [badName] = validateDns1123Subdomain(input.name);
  if (badName) return fail(['name'], 'INVALID_NAME', `name: Invalid value: "${input.name}": ${badName}`);
  if (!SCALABLE_KINDS.includes(input.kind)) return fail(['kind'], 'NOT_SCALABLE', `${input.kind} cannot be scaled; scalable kinds: ${SCALABLE_KINDS.join(', ')}`);
  const cluster = await findCluster(svc, accountId, input.clusterId);
  if (!cluster) return fail(['clusterId'], 'NOT_FOUND', `cluster ${input.clusterId} not found`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const outcome = await svc.db.$transaction(async (tx) => {
      const w = await tx.workload.findUnique({
        where: { clusterId_namespace_kind_name: { clusterId: cluster.id, namespace: input.namespace, kind: input.kind, name: input.name } },
      });
      if (!w) return fail(['name'], 'NOT_FOUND', `${input.kind.toLowerCase()}s.apps "${input.name}" not found in namespace "${input.namespace}"`);
      const spec = w.spec as Record<string, unknown>;
      if (spec.replicas === input.replicas) return { workload: w, userErrors: [] };
      await lockScope(tx, `pods:${cluster.id}`);
      const over = await checkPodsPerCluster(tx, cluster.id, svc.settings.limits.podsPerCluster, [{ namespace: w.namespace, kind: w.kind, name: w.name, replicas: input.replicas }], () => ['replicas']);
      if (over) return { workload: null, userErrors: [over] };
      const { count } = await tx.workload.updateMany({
        where: { id: w.id, resourceVersion: w.resourceVersion },
        data: { spec: { ...spec, replicas: input.replicas } as Prisma.InputJsonValue, generation: { increment: 1 }, resourceVersion: { increment: 1 }, updatedAt: new Date(svc.clock.now()) },
      });
      if (count === 0) return null; // lost a race with another writer: read again
      return { workload: await tx.workload.findUniqueOrThrow({ where: { id: w.id } }), userErrors: [], changed: true };
    });
    if (outcome === null) continue;
    if ('changed' in outcome) await svc.queue.add(keys.workload(outcome.workload!.id));
    return { workload: outcome.workload, userErrors: outcome.userErrors };
  }
  return fail([], 'CONFLICT', 'the workload is being changed concurrently; try again');
}
