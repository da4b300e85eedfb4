/**
 * The registry of Kubernetes kinds this service knows: for each, its API group and version, its
 * scope (namespaced or cluster-wide), its resource names (plural, singular, kubectl's short
 * names) and whether `applyManifest` takes it today. What the rest of the code asks about a kind
 * ("is it namespaced? what is its plural?") it asks here, so that the manifest validator, error
 * messages and, later, a Kubernetes-style API and the dashboard agree.
 *
 * Facts are Kubernetes 1.32's discovery data (`kubectl api-resources`). Pure data.
 */

export interface KindInfo {
  readonly kind: string;
  /** The API group ('' for the core group). */
  readonly group: string;
  readonly version: string;
  readonly namespaced: boolean;
  /** The resource name: `deployments`. */
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  /** applyManifest takes this kind today. */
  readonly applies: boolean;
}

const k = (kind: string, group: string, version: string, namespaced: boolean, plural: string, shortNames: string[], applies: boolean): KindInfo =>
  Object.freeze({ kind, group, version, namespaced, plural, singular: kind.toLowerCase(), shortNames: Object.freeze(shortNames), applies });

const KINDS: readonly KindInfo[] = Object.freeze([
  // what applyManifest takes, in the order messages list them
  k('Namespace', '', 'v1', false, 'namespaces', ['ns'], true),
  k('Deployment', 'apps', 'v1', true, 'deployments', ['deploy'], true),
  k('StatefulSet', 'apps', 'v1', true, 'statefulsets', ['sts'], true),
  k('Job', 'batch', 'v1', true, 'jobs', [], true),
  k('CronJob', 'batch', 'v1', true, 'cronjobs', ['cj'], true),
  k('Pod', '', 'v1', true, 'pods', ['po'], true),
  k('ResourceQuota', '', 'v1', true, 'resourcequotas', ['quota'], true),
  k('LimitRange', '', 'v1', true, 'limitranges', ['limits'], true),
  k('PriorityClass', 'scheduling.k8s.io', 'v1', false, 'priorityclasses', ['pc'], true),
  k('HorizontalPodAutoscaler', 'autoscaling', 'v2', true, 'horizontalpodautoscalers', ['hpa'], true),
  // known, not applied (yet, or by design)
  k('ReplicaSet', 'apps', 'v1', true, 'replicasets', ['rs'], false),
  k('DaemonSet', 'apps', 'v1', true, 'daemonsets', ['ds'], false),
  k('ConfigMap', '', 'v1', true, 'configmaps', ['cm'], false),
  k('Secret', '', 'v1', true, 'secrets', [], false),
  k('ServiceAccount', '', 'v1', true, 'serviceaccounts', ['sa'], false),
  k('PersistentVolumeClaim', '', 'v1', true, 'persistentvolumeclaims', ['pvc'], false),
  k('PersistentVolume', '', 'v1', false, 'persistentvolumes', ['pv'], false),
  k('StorageClass', 'storage.k8s.io', 'v1', false, 'storageclasses', ['sc'], false),
  k('PodDisruptionBudget', 'policy', 'v1', true, 'poddisruptionbudgets', ['pdb'], false),
  k('Service', '', 'v1', true, 'services', ['svc'], false),
  k('Ingress', 'networking.k8s.io', 'v1', true, 'ingresses', ['ing'], false),
  k('NetworkPolicy', 'networking.k8s.io', 'v1', true, 'networkpolicies', ['netpol'], false),
  k('Event', '', 'v1', true, 'events', ['ev'], false),
]);

const BY_KIND = new Map(KINDS.map((i) => [i.kind, i]));

/** Every kind known here, in a stable order. */
export function allKinds(): readonly KindInfo[] {
  return KINDS;
}

/** A kind's facts, or undefined for a kind not known here. */
export function kindInfo(kind: string): KindInfo | undefined {
  return BY_KIND.get(kind);
}

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(info: KindInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/**
 * The kind a name typed on a command line stands for (`deploy`, `deployments`,
 * `deployment.apps`, `Deployment`), or undefined.
 */
export function kindForResource(name: string): KindInfo | undefined {
  const [res, ...groupParts] = name.split('.');
  const group = groupParts.join('.');
  const lower = res.toLowerCase();
  return KINDS.find((i) => (group === '' || group === i.group) && (lower === i.plural || lower === i.singular || i.shortNames.includes(lower)));
}
