/**
 * The tenant of a work key, for the queue's fairness: `<account>/<cluster>` of the object the key
 * is about ("" for system work: invoices, unknown keys). Producers that know it pass it to
 * `add`; for the others (most use cases and controllers add bare keys) `TenantQueue` looks it up.
 */
import type { PrismaClient } from '../generated/prisma/client';
import { CLUSTER_KEY_KINDS } from '../app/topics';
import { tenantOf, type ClaimOptions, type Lease, type WorkQueue } from '../ports/workqueue';

export interface TenantResolver {
  /** The key's tenant ("" when it has none or its object is gone). */
  resolve(key: string): Promise<string>;
  /** The key's tenant when it is known without I/O. */
  cached(key: string): string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Tenants from the store: a cluster's account, a workload's or an autoscaler's cluster and account.
 * Cached (at most `cacheSize` entries, oldest dropped first), since neither ever changes; a key
 * whose object is gone (or a lookup that failed) gets "" and is not cached.
 */
export function storeTenants(db: PrismaClient, opts: { cacheSize?: number } = {}): TenantResolver {
  const max = Math.max(1, opts.cacheSize ?? 100_000);
  const cache = new Map<string, string>();
  const pending = new Map<string, Promise<string>>();
  const remember = (k: string, v: string) => {
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(k, v);
  };
  const once = (k: string, lookup: () => Promise<string | null>): Promise<string> => {
    const hit = cache.get(k);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = pending.get(k);
    if (!p) {
      p = lookup()
        .then((v) => {
          if (v === null) return '';
          remember(k, v);
          return v;
        })
        .finally(() => pending.delete(k));
      pending.set(k, p);
    }
    return p;
  };
  const accountOf = (clusterId: string) =>
    once(`c:${clusterId}`, async () => (await db.cluster.findUnique({ where: { id: clusterId }, select: { accountId: true } }))?.accountId ?? null);
  const owned = (clusterId: string | undefined, accountId: string | undefined) => (clusterId && accountId ? tenantOf(accountId, clusterId) : null);
  const parse = (key: string) => {
    const i = key.indexOf(':');
    const id = key.slice(i + 1);
    return i > 0 && UUID.test(id) ? { kind: key.slice(0, i), id } : null;
  };

  const cached = (key: string): string | undefined => {
    const k = parse(key);
    if (!k) return '';
    if (CLUSTER_KEY_KINDS.has(k.kind)) {
      const account = cache.get(`c:${k.id}`);
      return account === undefined ? undefined : tenantOf(account, k.id);
    }
    if (k.kind === 'workload' || k.kind === 'autoscaler') return cache.get(key);
    return '';
  };

  const resolve = async (key: string): Promise<string> => {
    const k = parse(key);
    if (!k) return '';
    const { kind, id } = k;
    if (CLUSTER_KEY_KINDS.has(kind)) {
      const account = await accountOf(id);
      return account ? tenantOf(account, id) : '';
    }
    if (kind === 'workload')
      return once(key, async () => {
        const w = await db.workload.findUnique({ where: { id }, select: { clusterId: true, cluster: { select: { accountId: true } } } });
        return owned(w?.clusterId, w?.cluster.accountId);
      });
    if (kind === 'autoscaler')
      return once(key, async () => {
        const a = await db.autoscaler.findUnique({ where: { id }, select: { clusterId: true, cluster: { select: { accountId: true } } } });
        return owned(a?.clusterId, a?.cluster.accountId);
      });
    return '';
  };
  return { resolve, cached };
}

/**
 * A WorkQueue that fills in the tenant of keys added without one (from `resolve`; "" when that
 * fails: the key is still queued, only its turn is the system's). Everything else passes through.
 */
export class TenantQueue implements WorkQueue {
  constructor(
    readonly inner: WorkQueue,
    private readonly tenants: TenantResolver,
  ) {}

  private async lookup(key: string): Promise<string> {
    try {
      return await this.tenants.resolve(key);
    } catch {
      return '';
    }
  }

  // A known tenant (given, or cached) is passed on in the same tick, so an add is as immediate as
  // the inner queue's (a fire-and-forget add is queued before the caller's next step).
  add(key: string, tenant?: string): Promise<void> {
    return this.route(key, tenant, (t) => this.inner.add(key, t));
  }
  addUrgent(key: string, tenant?: string): Promise<void> {
    return this.route(key, tenant, (t) => this.inner.addUrgent(key, t));
  }
  addAfter(key: string, delayMs: number, tenant?: string): Promise<void> {
    return this.route(key, tenant, (t) => this.inner.addAfter(key, delayMs, t));
  }
  private route(key: string, tenant: string | undefined, send: (tenant: string) => Promise<void>): Promise<void> {
    const t = tenant ?? this.tenants.cached(key);
    return t !== undefined ? send(t) : this.lookup(key).then(send);
  }
  claim(opts?: ClaimOptions): Promise<Lease | null> {
    return this.inner.claim(opts);
  }
  heartbeat(lease: Lease): Promise<boolean> {
    return this.inner.heartbeat(lease);
  }
  done(lease: Lease): Promise<void> {
    return this.inner.done(lease);
  }
  fail(lease: Lease): Promise<void> {
    return this.inner.fail(lease);
  }
  reclaimExpired(): Promise<number> {
    return this.inner.reclaimExpired();
  }
  nextDueAt(): Promise<number | null> {
    return this.inner.nextDueAt();
  }
  waitForWork(ms: number, opts?: { onlyNew?: boolean }): Promise<void> {
    return this.inner.waitForWork(ms, opts);
  }
  size(): Promise<{ waiting: number; inFlight: number }> {
    return this.inner.size();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
