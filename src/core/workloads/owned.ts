/**
 * Objects one workload stamps out for another, named and labelled as Kubernetes does: the
 * selector and labels of a Job (generated from its uid), and messages of the controller events
 * about the pods a workload creates and deletes.
 */
import type { JobSpec, LabelSelector, PodTemplate } from './specs';
import { JOB_CONTROLLER_UID_LABEL, jobLabels } from './job';

/**
 * A Job's generated selector (`batch.kubernetes.io/controller-uid: <uid>`) and the labels it adds
 * to the pod template, unless the user chose `manualSelector: true` with their own selector.
 */
export function withGeneratedSelector(spec: { template: PodTemplate; selector?: LabelSelector; manualSelector?: unknown }, uid: string, name: string): JobSpec {
  if (spec.manualSelector === true && spec.selector) return spec as unknown as JobSpec;
  const template: PodTemplate = { ...spec.template, metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata.labels, ...jobLabels(uid, name) } } };
  return { ...spec, selector: { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } }, template } as unknown as JobSpec;
}

/** The `SuccessfulCreate` / `SuccessfulDelete` message a controller records for a pod. */
export function podEventMessage(ownerKind: string, ownerName: string, verb: 'create' | 'delete', pod: string): string {
  if (ownerKind === 'StatefulSet') return `${verb} Pod ${pod} in StatefulSet ${ownerName} successful`;
  return verb === 'create' ? `Created pod: ${pod}` : `Deleted pod: ${pod}`;
}
