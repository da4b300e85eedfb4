import type { Services } from '../app/services';
import { reconcileCluster } from './cluster';
import { reconcilePods } from './pods';
import { reconcileWorkload } from './workload';
import { reconcileAutoscalerKey } from './autoscaler';
import { reconcileMetrics } from './metrics';
import { reconcileInvoices, reconcileMeter } from './meter';

/** Routes a work-queue key (`kind:id`) to its controller. */
export function makeReconciler(svc: Services): (key: string) => Promise<void> {
  return async (key) => {
    const i = key.indexOf(':');
    const kind = key.slice(0, i);
    const id = key.slice(i + 1);
    switch (kind) {
      case 'cluster':
        return reconcileCluster(svc, id);
      case 'workload':
        return reconcileWorkload(svc, id);
      case 'pods':
        return reconcilePods(svc, id);
      case 'autoscaler':
        return reconcileAutoscalerKey(svc, id);
      case 'metrics':
        return reconcileMetrics(svc, id);
      case 'meter':
        return reconcileMeter(svc, id);
      case 'invoices':
        return reconcileInvoices(svc);
      default:
        throw new Error(`unknown work key ${key}`);
    }
  };
}
