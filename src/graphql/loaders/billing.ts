import type { Budget, Cluster } from '../../generated/prisma/client';
import type { Services } from '../../app/services';
import { costTicks, invoiceLines, type CostTick, type InvoiceView } from '../../app/billing';
import type { InvoiceLine } from '../../core/billing/types';
import { byKey, Loader } from './loader';

/** Every loader of billing views; each query keeps to `accountId`. */
export function billingLoaders(svc: Services, accountId: string, month: string) {
  const db = svc.db;
  return {
    /**
     * An invoice's lines: the stored lines of every finalized invoice asked for in one query; a
     * DRAFT's lines are computed from its month's usage (one per currency and open month).
     */
    invoiceLines: new Loader<InvoiceView, InvoiceLine[]>(
      async (invoices) => {
        const fixed = invoices.filter((i) => i.status !== 'DRAFT').map((i) => i.id);
        const rows = fixed.length ? await db.invoiceLine.findMany({ where: { invoiceId: { in: fixed }, invoice: { accountId } }, orderBy: [{ invoiceId: 'asc' }, { position: 'asc' }] }) : [];
        const stored = byKey(invoices, rows, (r) => r.invoiceId, (i) => i.id, (f) => (f ?? []).map((r) => ({ ...r, resource: r.resource as InvoiceLine['resource'] })));
        return Promise.all(invoices.map((inv, n) => (inv.status === 'DRAFT' ? (inv.accountId === accountId ? invoiceLines(svc, inv) : Promise.resolve([])) : Promise.resolve(stored[n]))));
      },
      { key: (i) => i.id },
    ),

    /** A cluster's cost this month so far: every cluster of the request with three statements. */
    costTick: new Loader<Pick<Cluster, 'id' | 'region'>, CostTick>((clusters) => costTicks(svc, clusters, accountId), { key: (c) => c.id }),

    /** A budget's spend this month: one sum per cluster and currency of the account for all budgets. */
    budgetSpentNano: new Loader<Budget, bigint>(
      async (budgets) => {
        const sums = await db.clusterCost.groupBy({ by: ['clusterId', 'currency'], where: { accountId, month }, _sum: { costNano: true } });
        return budgets.map((b) => {
          if (b.accountId !== accountId) return 0n;
          let total = 0n;
          for (const s of sums) if (s.currency === b.currency && (b.clusterId === null || s.clusterId === b.clusterId)) total += BigInt(s._sum.costNano ?? 0n);
          return total;
        });
      },
      { key: (b) => b.id },
    ),
  };
}
