/**
 * Pod admission, whoever creates the pod (a controller or applyManifest), as Kubernetes'
 * admission chain does it: LimitRanger (container defaults, then min/max/ratio), Priority (the
 * PriorityClass value and preemption policy), sizing of the defaulted spec, and ResourceQuota
 * (the namespace's usage plus this pod within every quota's hard limits). A quota's usage is
 * computed from the store under a per-namespace lock, so it is exact, and concurrent creators
 * cannot slip past a quota.
 */
import type { Prisma } from '../generated/prisma/client';
import { checkQuotas, podQuotaUsage, addUsage, pvcQuotaUsage, type QuotaState, type QuotaUsage } from '../core/admission/quota';
import { applyLimitRanges, type LimitRangeSpec } from '../core/admission/limitrange';
import { resolvePriority, type PriorityClassInfo, type PreemptionPolicy } from '../core/admission/priorityclass';
import { sizePod, SPOT_ANNOTATION, type PodSpecLike } from '../core/sizing';
import { lockScope } from './limits';
import type { Db } from '../adapters/prisma/client';

type Tx = Prisma.TransactionClient;

/** Everything admission needs about one namespace (and the cluster's priority classes). */
export interface NamespacePolicy {
  quotas: QuotaState[];
  limitRanges: LimitRangeSpec[];
  classes: PriorityClassInfo[];
}

/** What admission records on a new pod. */
export interface AdmittedPod {
  spec: PodSpecLike & Record<string, unknown>;
  billedCpuMilli: number;
  billedMemoryMi: number;
  spot: boolean;
  priority: number;
  preemptionPolicy: PreemptionPolicy;
  gpuMilli: number;
  requestCpuMilli: number;
  requestMemoryBytes: number;
  limitCpuMilli: number;
  limitMemoryBytes: number;
}

export type Admission = { ok: true; pod: AdmittedPod; usage: QuotaUsage } | { ok: false; code: string; message: string };

/**
 * Loads the namespace's quotas (with their exact usage), limit ranges and the cluster's
 * priority classes. Takes the namespace's admission lock until the transaction ends.
 */
export async function loadNamespacePolicy(tx: Tx, clusterId: string, namespace: string): Promise<NamespacePolicy> {
  await lockScope(tx, `admission:${clusterId}/${namespace}`);
  const [quotas, ranges, classes] = await Promise.all([
    tx.resourceQuota.findMany({ where: { clusterId, namespace }, orderBy: { name: 'asc' } }),
    tx.limitRange.findMany({ where: { clusterId, namespace }, orderBy: { name: 'asc' } }),
    tx.priorityClass.findMany({ where: { clusterId } }),
  ]);
  const used = quotas.length > 0 ? await namespaceUsage(tx, clusterId, namespace) : {};
  return {
    quotas: quotas.map((q) => ({ name: q.name, hard: q.hard as Record<string, string>, used })),
    limitRanges: ranges.map((r) => r.spec as unknown as LimitRangeSpec),
    classes: classes.map((c) => ({ name: c.name, value: c.value, globalDefault: c.globalDefault, preemptionPolicy: c.preemptionPolicy as PreemptionPolicy })),
  };
}

/** A namespace's live pods summed (count, requests, limits, GPU), as `namespaceUsage` reads them. */
export interface UsageRow {
  pods: bigint | number;
  rc: bigint | number | null;
  rm: bigint | number | null;
  lc: bigint | number | null;
  lm: bigint | number | null;
  g: bigint | number | null;
}

/**
 * What a namespace consumes, as Kubernetes' quota evaluators count it: pods that are neither
 * finished (Succeeded/Failed) nor being deleted, with their requests and limits; workload
 * objects by kind; volume claims and their storage.
 */
export async function namespaceUsage(tx: Tx | Db, clusterId: string, namespace: string): Promise<QuotaUsage> {
  const [p] = await tx.$queryRaw<UsageRow[]>`
    SELECT count(*) AS pods, sum("requestCpuMilli") AS rc, sum("requestMemoryBytes") AS rm, sum("limitCpuMilli") AS lc, sum("limitMemoryBytes") AS lm, sum("gpuMilli") AS g
    FROM "Pod" WHERE "clusterId" = ${clusterId}::uuid AND "namespace" = ${namespace} AND "deletionTimestamp" IS NULL AND "phase" NOT IN ('Succeeded', 'Failed')`;
  const kinds = await tx.workload.groupBy({ by: ['kind'], where: { clusterId, namespace }, _count: { _all: true } });
  const claims = await tx.volumeClaim.findMany({ where: { clusterId, namespace }, select: { storage: true } });
  return usageOfRows(p, kinds.map((k) => ({ kind: k.kind, count: k._count._all })), claims);
}

/** A namespace's usage from its summed live pods, its workload counts by kind and its claims (no I/O). */
export function usageOfRows(p: UsageRow | undefined, kinds: readonly { kind: string; count: number }[], claims: readonly { storage: string }[]): QuotaUsage {
  const b = (v: bigint | number | null | undefined) => BigInt(v ?? 0);
  let usage: QuotaUsage = {
    pods: b(p?.pods),
    'count/pods': b(p?.pods),
    cpu: b(p?.rc),
    'requests.cpu': b(p?.rc),
    'limits.cpu': b(p?.lc),
    memory: b(p?.rm),
    'requests.memory': b(p?.rm),
    'limits.memory': b(p?.lm),
    'requests.nvidia.com/gpu': b(p?.g),
  };
  const countKey: Record<string, string> = { Deployment: 'count/deployments.apps', StatefulSet: 'count/statefulsets.apps', Job: 'count/jobs.batch', CronJob: 'count/cronjobs.batch' };
  for (const k of kinds) if (countKey[k.kind]) usage[countKey[k.kind]] = BigInt(k.count);
  for (const c of claims) usage = addUsage(usage, pvcQuotaUsage(c.storage));
  return usage;
}

/**
 * Admits one pod against the namespace policy. On success the pod's usage is added to every
 * quota of `policy`, so a batch of creations is checked as a whole. Messages are Kubernetes'
 * (`pods "web-x" is forbidden: exceeded quota: …`).
 */
export function admitPod(policy: NamespacePolicy, p: { name: string; spec: PodSpecLike & Record<string, unknown>; annotations: Record<string, string> }): Admission {
  const forbidden = (code: string, why: string): Admission => ({ ok: false, code, message: `pods "${p.name}" is forbidden: ${why}` });
  const limited = applyLimitRanges(p.spec, policy.limitRanges);
  if (limited.errors.length > 0) return forbidden('LIMIT_RANGE', limited.errors.join(', '));
  const spec = limited.spec;
  const priority = resolvePriority(spec as { priorityClassName?: unknown; priority?: unknown; preemptionPolicy?: unknown }, policy.classes);
  if (!priority.ok) return forbidden(priority.code, priority.message);
  const sized = sizePod(spec, p.annotations);
  if (!sized.ok) return forbidden('SIZING', sized.errors.map((e) => e.message).join('; '));
  const gpuMilli = sized.options[0].gpuMilli;
  const { usage, missing } = podQuotaUsage(spec, gpuMilli);
  if (policy.quotas.length > 0) {
    const check = checkQuotas(policy.quotas, usage, missing);
    if (!check.ok) return forbidden(check.code, check.message);
    for (const q of policy.quotas) q.used = addUsage(q.used, usage);
  }
  const n = (k: string) => Number(usage[k] ?? 0n);
  return {
    ok: true,
    usage,
    pod: {
      spec,
      billedCpuMilli: sized.spec.cpuMilli,
      billedMemoryMi: sized.spec.memoryMi,
      spot: p.annotations[SPOT_ANNOTATION] === 'true',
      priority: priority.priority,
      preemptionPolicy: priority.preemptionPolicy,
      gpuMilli,
      requestCpuMilli: n('requests.cpu'),
      requestMemoryBytes: n('requests.memory'),
      limitCpuMilli: n('limits.cpu'),
      limitMemoryBytes: n('limits.memory'),
    },
  };
}
