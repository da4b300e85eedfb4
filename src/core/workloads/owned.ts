/**
 * Objects one workload stamps out for another, named and labelled as Kubernetes does: the
 * selector and labels of a Job (generated from its uid), and messages of the controller events
 * about the pods a workload creates and deletes.
 */
import type { JobSpec, LabelSelector, PodTemplate } from './specs';

export const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';
/** A ReplicaSet's (and its Deployment's) revision number. */
export const REVISION = 'deployment.kubernetes.io/revision';

/**
 * A Job's generated selector (`batch.kubernetes.io/controller-uid: <uid>`) and the labels it adds
 * to the pod template, unless the user chose `manualSelector: true` with their own selector.
 */
export function withGeneratedSelector(spec: { template: PodTemplate; selector?: LabelSelector; manualSelector?: unknown }, uid: string, name: string): JobSpec {
  if (spec.manualSelector === true && spec.selector) return spec as unknown as JobSpec;
  const labels = { [CONTROLLER_UID]: uid, [JOB_NAME]: name, 'controller-uid': uid, 'job-name': name };
  const template: PodTemplate = { ...spec.template, metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata.labels, ...labels } } };
  return { ...spec, selector: { matchLabels: { [CONTROLLER_UID]: uid } }, template } as unknown as JobSpec;
}

/** The `SuccessfulCreate` / `SuccessfulDelete` message a controller records for a pod. */
export function podEventMessage(ownerKind: string, ownerName: string, verb: 'create' | 'delete', pod: string): string {
  if (ownerKind === 'StatefulSet') return `${verb} Pod ${pod} in StatefulSet ${ownerName} successful`;
  return verb === 'create' ? `Created pod: ${pod}` : `Deleted pod: ${pod}`;
}
