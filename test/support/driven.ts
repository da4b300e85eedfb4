import { afterAll, beforeAll, expect } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock';
import type { Store } from '../../src/adapters/prisma/client';
import { createAccount } from '../../src/app/accounts';
import { createCluster } from '../../src/app/clusters';
import { applyManifest } from '../../src/app/manifests';
import { deleteWorkload } from '../../src/app/workloads';
import type { Services } from '../../src/app/services';
import type { Pod } from '../../src/generated/prisma/client';
import { testStore } from './stack';
import { startWorkers } from './workers';

export interface DrivenCluster {
  readonly store: Store;
  readonly svc: Services;
  readonly accountId: string;
  readonly clusterId: string;
  /** Every reconcile due now has run. */
  converge(): Promise<void>;
  /** Moves the clock, then converges. */
  step(ms: number): Promise<void>;
  /** Applies a manifest that must be accepted, then converges. */
  apply(manifest: string): ReturnType<typeof applyManifest>;
  /** Deletes a workload, then converges. */
  drop(kind: string, name: string, namespace?: string): Promise<void>;
  /** The pods named `<prefix>-…` that are not being deleted, by name. */
  live(prefix: string): Promise<Pod[]>;
}

/**
 * One account and one RUNNING cluster on a fresh store, reconciled by one worker on a clock the
 * test drives (set up in beforeAll, torn down in afterAll of the calling describe block).
 */
export function useDrivenCluster(clock: ManualClock, opts: { name: string; region: string; env?: Record<string, string> }): DrivenCluster {
  let store: Store;
  let w: Awaited<ReturnType<typeof startWorkers>>;
  let svc: Services;
  let accountId: string;
  let clusterId: string;
  beforeAll(async () => {
    store = await testStore();
    w = await startWorkers({ store, count: 1, clock, env: opts.env });
    svc = w.nodes[0].runtime.svc;
    accountId = (await createAccount(svc, { name: opts.name })).account!.id;
    clusterId = (await createCluster(svc, accountId, { name: opts.name, region: opts.region })).cluster!.id;
    await w.converge();
  });
  afterAll(async () => {
    await w?.stop();
    await store?.close();
  });
  return {
    get store() {
      return store;
    },
    get svc() {
      return svc;
    },
    get accountId() {
      return accountId;
    },
    get clusterId() {
      return clusterId;
    },
    converge: () => w.converge(),
    async step(ms) {
      clock.advance(ms);
      await w.converge();
    },
    async apply(manifest) {
      const r = await applyManifest(svc, accountId, { clusterId, manifest });
      expect(r.userErrors).toEqual([]);
      await w.converge();
      return r;
    },
    async drop(kind, name, namespace = 'default') {
      expect((await deleteWorkload(svc, accountId, { clusterId, namespace, kind, name })).userErrors).toEqual([]);
      await w.converge();
    },
    live: (prefix) => store.prisma.pod.findMany({ where: { clusterId, name: { startsWith: `${prefix}-` }, deletionTimestamp: null }, orderBy: { name: 'asc' } }),
  };
}
