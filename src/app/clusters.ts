import type { Cluster } from '../generated/prisma/client';
import type { Services } from './services';
import { isUniqueViolation, notFound, type UserError } from './errors';
import { keys } from './topics';
import { validateDns1123Label } from '../core/names';
import { lockScope } from './limits';

export type CreateClusterResult = { cluster: Cluster | null; userErrors: UserError[] };

export async function createCluster(svc: Services, accountId: string, input: { name: string; region: string }): Promise<CreateClusterResult> {
  const userErrors: UserError[] = [];
  for (const message of validateDns1123Label(input.name)) userErrors.push({ field: ['name'], code: 'INVALID_NAME', message: `Invalid value: "${input.name}": ${message}` });
  if (input.name.length > 40) userErrors.push({ field: ['name'], code: 'INVALID_NAME', message: 'must be no more than 40 characters' });
  const region = svc.fleet.regions.find((r) => r.name === input.region);
  if (!region) {
    userErrors.push({ field: ['region'], code: 'UNKNOWN_REGION', message: `unknown region "${input.region}"; available: ${svc.fleet.regions.map((r) => r.name).join(', ')}` });
  }
  if (userErrors.length) return { cluster: null, userErrors };
  try {
    const cluster = await svc.db.$transaction(async (tx) => {
      await lockScope(tx, `clusters:${accountId}`); // count and insert as one step per account
      const { clustersPerAccount, clustersPerRegion } = svc.settings.limits;
      if ((await tx.cluster.count({ where: { accountId } })) >= clustersPerAccount) return `an account may have at most ${clustersPerAccount} clusters`;
      if ((await tx.cluster.count({ where: { accountId, region: input.region } })) >= clustersPerRegion) return `an account may have at most ${clustersPerRegion} clusters in one region (${input.region})`;
      return tx.cluster.create({
        data: {
          id: svc.ids.uuid(),
          accountId,
          name: input.name,
          region: input.region,
          version: svc.settings.kubernetesVersion,
          status: 'PROVISIONING',
          createdAt: new Date(svc.clock.now()),
        },
      });
    });
    if (typeof cluster === 'string') return { cluster: null, userErrors: [{ field: [], code: 'LIMIT_EXCEEDED', message: cluster }] };
    await svc.queue.add(keys.cluster(cluster.id));
    return { cluster, userErrors: [] };
  } catch (err) {
    if (isUniqueViolation(err)) return { cluster: null, userErrors: [{ field: ['name'], code: 'ALREADY_EXISTS', message: `a cluster named "${input.name}" already exists` }] };
    throw err;
  }
}

/** A cluster of this account, or null (another account's cluster is indistinguishable from none). */
export async function findCluster(svc: Services, accountId: string, id: string): Promise<Cluster | null> {
  if (!isUuid(id)) return null;
  return svc.db.cluster.findFirst({ where: { id, accountId } });
}

export async function requireCluster(svc: Services, accountId: string, id: string): Promise<Cluster> {
  const c = await findCluster(svc, accountId, id);
  if (!c) throw notFound(`cluster ${id}`);
  return c;
}

export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
