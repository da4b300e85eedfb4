import type { Services } from '../app/services';
import { UnknownKeyError } from '../app/errors';
import { CLUSTER_KEY_KINDS, publishEvents } from '../app/topics';
import { appendEvents, type EventInput } from '../adapters/prisma/objects';
import { reconcileCluster } from './cluster';
import { reconcilePods } from './pods';
import { reconcileWorkload } from './workload';
import { reconcileAutoscalerKey } from './autoscaler';
import { reconcileMetrics } from './metrics';
import { reconcileInvoices, reconcileMeter } from './meter';
import { reconcileRetention } from './retention';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Kinds of work key whose id is a uuid (a cluster's, a workload's or an autoscaler's), by controller. */
const BY_ID: Record<string, (svc: Services, id: string) => Promise<void>> = {
  cluster: reconcileCluster,
  workload: reconcileWorkload,
  pods: reconcilePods,
  autoscaler: reconcileAutoscalerKey,
  metrics: reconcileMetrics,
  meter: reconcileMeter,
  retention: reconcileRetention,
};

export interface ParsedKey {
  kind: string;
  id: string;
}

/**
 * A work key (`kind:id`) as the controllers know it, or an UnknownKeyError (an unknown kind, a
 * malformed id): such a key can never succeed, so the worker drops it instead of retrying.
 */
export function parseWorkKey(key: string): ParsedKey {
  const i = key.indexOf(':');
  if (i <= 0) throw new UnknownKeyError(key, 'expected kind:id');
  const kind = key.slice(0, i);
  const id = key.slice(i + 1);
  if (kind === 'invoices') {
    if (id !== 'all') throw new UnknownKeyError(key, 'the invoices key is invoices:all');
    return { kind, id };
  }
  if (!Object.hasOwn(BY_ID, kind)) throw new UnknownKeyError(key, `no controller for "${kind}"`);
  if (!UUID.test(id)) throw new UnknownKeyError(key, `"${id}" is not a ${CLUSTER_KEY_KINDS.has(kind) ? 'cluster' : kind} id`);
  return { kind, id };
}

/** Routes a work-queue key (`kind:id`) to its controller. */
export function makeReconciler(svc: Services): (key: string) => Promise<void> {
  return async (key) => {
    const { kind, id } = parseWorkKey(key);
    if (kind === 'invoices') return reconcileInvoices(svc);
    return BY_ID[kind](svc, id);
  };
}

/** Reason of the Warning event recorded on an object whose reconcile failed permanently. */
export const RECONCILE_ERROR_REASON = 'ReconcileError';

/** How far back (events of the cluster) a permanent failure's Warning is looked for before recording it again. */
const DEDUPE_WINDOW = 10_000;

/**
 * Reports a permanent reconcile failure on the object the key is about, where there is one: a
 * Warning event (reason ReconcileError) on the workload or the autoscaler, recorded once per
 * generation of the object and message (a resync that fails the same way again adds nothing).
 * Returns whether an event was recorded. Keys about no single object (a cluster's pod loop, its
 * meter) have nothing to put it on: the worker's log line is the report.
 */
export async function reportPermanentFailure(svc: Services, key: string, message: string): Promise<boolean> {
  let parsed: ParsedKey;
  try {
    parsed = parseWorkKey(key);
  } catch {
    return false;
  }
  const say = (generation: number) => `cannot be reconciled (generation ${generation}), not retried until it changes: ${message}`.slice(0, 1000);
  let input: EventInput;
  let clusterId: string;
  let uid: string;
  if (parsed.kind === 'workload') {
    const w = await svc.db.workload.findUnique({ where: { id: parsed.id } });
    if (!w) return false;
    input = { type: 'MODIFIED', eventType: 'Warning', reason: RECONCILE_ERROR_REASON, message: say(w.generation), workload: w };
    ({ clusterId, uid } = w);
  } else if (parsed.kind === 'autoscaler') {
    const a = await svc.db.autoscaler.findUnique({ where: { id: parsed.id } });
    if (!a) return false;
    const ref = ((a.spec as { scaleTargetRef?: { kind?: string; name?: string } } | null)?.scaleTargetRef ?? {});
    const snapshot = { autoscalerId: a.id, autoscalerName: a.name, namespace: a.namespace, targetKind: ref.kind ?? '', targetName: ref.name ?? '', decisionId: null, fromReplicas: 0, toReplicas: 0, proposed: 0, reason: message.slice(0, 200), limitedBy: null, metrics: null, at: new Date(svc.clock.now()).toISOString() };
    input = { type: 'MODIFIED', eventType: 'Warning', reason: RECONCILE_ERROR_REASON, message: say(a.generation), autoscaler: a, snapshot };
    ({ clusterId, uid } = a);
  } else {
    return false;
  }
  const now = new Date(svc.clock.now());
  const records = await svc.db.$transaction(async (tx) => {
    // once per generation and message (the message names the generation): the last such event says whether it was told
    // (looked for among the cluster's last DEDUPE_WINDOW events: a range of its sequence index)
    const cluster = await tx.cluster.findUnique({ where: { id: clusterId }, select: { eventSeq: true } });
    if (!cluster) return [];
    const last = await tx.event.findFirst({ where: { clusterId, sequence: { gt: cluster.eventSeq - DEDUPE_WINDOW }, involvedUid: uid, reason: RECONCILE_ERROR_REASON }, orderBy: { sequence: 'desc' }, select: { message: true } });
    if (last?.message === input.message) return [];
    return appendEvents(tx, clusterId, [input], now, () => svc.ids.uuid());
  });
  await publishEvents(svc.bus, clusterId, records);
  return records.length > 0;
}
