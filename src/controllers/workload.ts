import type { Pod, Prisma } from '../generated/prisma/client';
import type { Services } from '../app/services';
import { keys, publishEvents } from '../app/topics';
import { appendEvents, insertRows, POD_COLUMNS, writePods, type EventInput } from '../adapters/prisma/objects';
import { created, initialPodState, terminating } from '../core/lifecycle';
import { canonicalJson, deploymentPodName, nameSuffix, podTemplateHash, rankForDeletion } from '../core/pods';
import type { DeploymentSpec } from '../core/manifest';

export interface WorkloadStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** Pure: the Deployment status Kubernetes would report for these pods. */
export function deploymentStatus(generation: number, hash: string, pods: Pick<Pod, 'deletionTimestamp' | 'phase' | 'templateHash'>[]): WorkloadStatus {
  const live = pods.filter((p) => p.deletionTimestamp === null);
  const ready = live.filter((p) => p.phase === 'Running').length;
  return {
    observedGeneration: generation,
    replicas: live.length,
    updatedReplicas: live.filter((p) => p.templateHash === hash).length,
    readyReplicas: ready,
    availableReplicas: ready,
  };
}

/**
 * Pods created per reconcile pass; a bigger scale-up re-queues the key, so the pod loop starts
 * placing the first batch while the next is written (what the ReplicaSet controller's batches do).
 */
export const CREATE_PER_PASS = 250;

/**
 * Level-triggered Deployment reconcile: re-read the workload and its pods, create or terminate
 * pods until the live count equals spec.replicas, record status. The workload row is locked for
 * the whole transaction, so however many workers run, one workload is reconciled by one at a
 * time and no duplicate pod is ever created.
 */
export async function reconcileWorkload(svc: Services, id: string): Promise<void> {
  const now = new Date(svc.clock.now());
  let more = false;
  const outcome = await svc.db.$transaction(
    async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Workload" WHERE "id" = ${id}::uuid FOR UPDATE`;
      if (locked.length === 0) return null;
      const w = await tx.workload.findUniqueOrThrow({ where: { id } });
      if (w.kind !== 'Deployment') return null;
      const spec = w.spec as unknown as DeploymentSpec;
      const hash = podTemplateHash(spec.template);
      // every pod of the workload, without the heavy JSON (only metadata and state are needed)
      const pods = (await tx.pod.findMany({ where: { workloadId: id }, omit: { spec: true, annotations: true } })) as Pod[];
      const live = pods.filter((p) => p.deletionTimestamp === null);
      const events: EventInput[] = [];
      let podsChanged = false;

      if (live.length < spec.replicas) {
        const taken = new Set(pods.map((p) => p.name));
        const rows: Prisma.PodCreateManyInput[] = [];
        const target = Math.min(spec.replicas, live.length + CREATE_PER_PASS);
        more = target < spec.replicas;
        for (let i = live.length; i < target; i++) {
          let name: string;
          do name = deploymentPodName(w.name, hash, nameSuffix(svc.ids.randomInts(5)));
          while (taken.has(name));
          taken.add(name);
          rows.push({
            id: svc.ids.uuid(),
            uid: svc.ids.uuid(),
            clusterId: w.clusterId,
            namespace: w.namespace,
            name,
            workloadId: w.id,
            ownerKind: 'ReplicaSet',
            ownerName: `${w.name}-${hash}`,
            templateHash: hash,
            labels: { ...spec.template.metadata.labels, 'pod-template-hash': hash },
            annotations: spec.template.metadata.annotations ?? {},
            spec: spec.template.spec as Prisma.InputJsonValue,
            billedCpuMilli: w.podCpuMilli,
            billedMemoryMi: w.podMemoryMi,
            createdAt: now,
            resourceVersion: 1,
            ...initialPodState,
          });
        }
        await insertRows(tx, 'Pod', POD_COLUMNS, rows);
        for (const r of rows) {
          const pod = { ...r, workloadId: r.workloadId ?? null } as unknown as Pod;
          events.push(created(pod, { kind: 'ReplicaSet', name: `${w.name}-${hash}` }));
          pods.push(pod);
        }
        podsChanged = true;
      } else if (live.length > spec.replicas) {
        const victims = rankForDeletion(live).slice(0, live.length - spec.replicas);
        const transitions = victims.map((p) => terminating(p, now, `scaled down to ${spec.replicas}`));
        const written = await writePods(tx, transitions.map((t) => t.pod));
        if (written.length < victims.length) throw new Error(`pods of workload ${id} changed concurrently; retrying`);
        const byId = new Map(written.map((p) => [p.id, p]));
        for (const t of transitions) events.push({ ...t, pod: byId.get(t.pod.id)! });
        for (let i = 0; i < pods.length; i++) pods[i] = byId.get(pods[i].id) ?? pods[i];
        podsChanged = true;
      }

      const status = deploymentStatus(w.generation, hash, pods);
      const previous = w.status as unknown as Partial<WorkloadStatus>;
      // (canonical JSON: jsonb does not keep key order)
      const statusChanged = canonicalJson(previous) !== canonicalJson(status) || w.observedGeneration !== w.generation;
      if (statusChanged) {
        await tx.workload.update({
          where: { id },
          data: { status: status as unknown as Prisma.InputJsonValue, observedGeneration: w.generation, resourceVersion: { increment: 1 } },
        });
      }
      const records = await appendEvents(tx, w.clusterId, events, now, () => svc.ids.uuid());
      return { clusterId: w.clusterId, records, podsChanged };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  if (!outcome) return;
  await publishEvents(svc.bus, outcome.clusterId, outcome.records);
  if (outcome.podsChanged) await svc.queue.add(keys.pods(outcome.clusterId));
  if (more) await svc.queue.add(keys.workload(id));
}
