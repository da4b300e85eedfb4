/**
 * The fields Kubernetes knows for each kind this service accepts, as the API server's strict
 * field validation uses them: `kubectl apply` (default `--validate=strict`) refuses a manifest
 * with `unknown field "spec.template.spec.bogusField"` rather than silently dropping a typo.
 *
 * The schemas are the JSON field names of the Kubernetes 1.32 API types (k8s.io/api core/v1,
 * apps/v1, batch/v1, autoscaling/v2, policy/v1, scheduling.k8s.io/v1, storage.k8s.io/v1 and
 * apimachinery's ObjectMeta / LabelSelector). Fields added after 1.32 (for example
 * `lifecycle.stopSignal`, `restartPolicyRules`, `env[].valueFrom.fileKeyRef`,
 * `projected.sources[].podCertificate`, `spec.hostnameOverride`, HPA `tolerance`) are left out:
 * a 1.32 server refuses them too. Only field *names* are described here; types, required
 * fields and values are other validators' business.
 *
 * Pure: no I/O, no clock, no randomness.
 */

/**
 * A node of a schema: an object with known fields, a map with free keys (labels, data,
 * resources.limits) whose values all follow `of`, a list whose items follow `of`, a leaf (a
 * scalar, or a value such as an int-or-string or a quantity) or `any` (free-form content whose
 * inside is not checked: status, managedFields' fieldsV1, rarely used volume sources).
 */
export type FieldNode =
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, FieldNode>> }
  | { readonly kind: 'map'; readonly of: FieldNode }
  | { readonly kind: 'list'; readonly of: FieldNode }
  | { readonly kind: 'leaf' }
  | { readonly kind: 'any' };

const LEAF: FieldNode = { kind: 'leaf' };
const ANY: FieldNode = { kind: 'any' };
const obj = (fields: Record<string, FieldNode>): FieldNode => ({ kind: 'object', fields });
const listOf = (of: FieldNode): FieldNode => ({ kind: 'list', of });
const mapOf = (of: FieldNode): FieldNode => ({ kind: 'map', of });
/** Fields that all hold scalars (or lists of scalars, which are never walked into). */
const leaves = (...names: string[]): Record<string, FieldNode> => Object.fromEntries(names.map((n) => [n, LEAF]));

/** A map from free keys to scalars: labels, annotations, ConfigMap data, a ResourceList. */
const STRING_MAP = mapOf(LEAF);
/** A list of scalars (command, args, finalizers, accessModes, ...). */
const SCALARS = listOf(LEAF);

// ---------------------------------------------------------------- apimachinery meta/v1

const OWNER_REFERENCE = obj(leaves('apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion'));
const MANAGED_FIELDS_ENTRY = obj({ ...leaves('manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'subresource'), fieldsV1: ANY });

/** metav1.ObjectMeta, with the fields the server fills in (an exported object carries them). */
const OBJECT_META = obj({
  ...leaves('name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'),
  labels: STRING_MAP,
  annotations: STRING_MAP,
  ownerReferences: listOf(OWNER_REFERENCE),
  finalizers: SCALARS,
  managedFields: listOf(MANAGED_FIELDS_ENTRY),
});

/** metav1.LabelSelector. */
const LABEL_SELECTOR = obj({
  matchLabels: STRING_MAP,
  matchExpressions: listOf(obj({ ...leaves('key', 'operator'), values: SCALARS })),
});

// ---------------------------------------------------------------- core/v1: references, selectors

const LOCAL_OBJECT_REFERENCE = obj(leaves('name'));
const SECRET_REFERENCE = obj(leaves('name', 'namespace'));
const OBJECT_REFERENCE = obj(leaves('kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'));
const OBJECT_FIELD_SELECTOR = obj(leaves('apiVersion', 'fieldPath'));
const RESOURCE_FIELD_SELECTOR = obj(leaves('containerName', 'resource', 'divisor'));
const KEY_TO_PATH = obj(leaves('key', 'path', 'mode'));

const NODE_SELECTOR_REQUIREMENT = obj({ ...leaves('key', 'operator'), values: SCALARS });
const NODE_SELECTOR_TERM = obj({ matchExpressions: listOf(NODE_SELECTOR_REQUIREMENT), matchFields: listOf(NODE_SELECTOR_REQUIREMENT) });
const NODE_SELECTOR = obj({ nodeSelectorTerms: listOf(NODE_SELECTOR_TERM) });
const TOPOLOGY_SELECTOR_TERM = obj({ matchLabelExpressions: listOf(obj({ key: LEAF, values: SCALARS })) });

// ---------------------------------------------------------------- core/v1: resources, storage claims

/** Container (and pod-level) resources: free-keyed quantities, plus DRA claims. */
const RESOURCE_REQUIREMENTS = obj({ limits: STRING_MAP, requests: STRING_MAP, claims: listOf(obj(leaves('name', 'request'))) });
/** A claim's resources: no `claims` (removed from the volume API in 1.28). */
const VOLUME_RESOURCE_REQUIREMENTS = obj({ limits: STRING_MAP, requests: STRING_MAP });

const PVC_SPEC = obj({
  ...leaves('volumeName', 'storageClassName', 'volumeMode', 'volumeAttributesClassName'),
  accessModes: SCALARS,
  selector: LABEL_SELECTOR,
  resources: VOLUME_RESOURCE_REQUIREMENTS,
  dataSource: obj(leaves('apiGroup', 'kind', 'name')),
  dataSourceRef: obj(leaves('apiGroup', 'kind', 'name', 'namespace')),
});

// ---------------------------------------------------------------- core/v1: volumes

const DOWNWARD_API_FILE = obj({ ...leaves('path', 'mode'), fieldRef: OBJECT_FIELD_SELECTOR, resourceFieldRef: RESOURCE_FIELD_SELECTOR });
const HOST_PATH = obj(leaves('path', 'type'));
const NFS = obj(leaves('server', 'path', 'readOnly'));

const VOLUME_PROJECTION = obj({
  secret: obj({ ...leaves('name', 'optional'), items: listOf(KEY_TO_PATH) }),
  configMap: obj({ ...leaves('name', 'optional'), items: listOf(KEY_TO_PATH) }),
  downwardAPI: obj({ items: listOf(DOWNWARD_API_FILE) }),
  serviceAccountToken: obj(leaves('audience', 'expirationSeconds', 'path')),
  clusterTrustBundle: obj({ ...leaves('name', 'signerName', 'optional', 'path'), labelSelector: LABEL_SELECTOR }),
});

/**
 * The deprecated in-tree cloud and network volume sources, common to pod volumes and
 * PersistentVolumes: known by name, their inside not checked.
 */
const IN_TREE_SOURCES: Record<string, FieldNode> = Object.fromEntries(
  ['gcePersistentDisk', 'awsElasticBlockStore', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos'].map((n) => [n, ANY]),
);

/**
 * A pod volume: its name and one source. The sources pods commonly use have their inner fields
 * known; the deprecated in-tree cloud and network sources are `any`.
 */
const VOLUME = obj({
  name: LEAF,
  hostPath: HOST_PATH,
  emptyDir: obj(leaves('medium', 'sizeLimit')),
  secret: obj({ ...leaves('secretName', 'defaultMode', 'optional'), items: listOf(KEY_TO_PATH) }),
  configMap: obj({ ...leaves('name', 'defaultMode', 'optional'), items: listOf(KEY_TO_PATH) }),
  nfs: NFS,
  persistentVolumeClaim: obj(leaves('claimName', 'readOnly')),
  downwardAPI: obj({ defaultMode: LEAF, items: listOf(DOWNWARD_API_FILE) }),
  projected: obj({ defaultMode: LEAF, sources: listOf(VOLUME_PROJECTION) }),
  csi: obj({ ...leaves('driver', 'readOnly', 'fsType'), volumeAttributes: STRING_MAP, nodePublishSecretRef: LOCAL_OBJECT_REFERENCE }),
  ephemeral: obj({ volumeClaimTemplate: obj({ metadata: OBJECT_META, spec: PVC_SPEC }) }),
  image: obj(leaves('reference', 'pullPolicy')),
  ...IN_TREE_SOURCES,
  gitRepo: ANY,
});

// ---------------------------------------------------------------- core/v1: containers

const HTTP_GET = obj({ ...leaves('path', 'port', 'host', 'scheme'), httpHeaders: listOf(obj(leaves('name', 'value'))) });
const EXEC = obj({ command: SCALARS });
const TCP_SOCKET = obj(leaves('port', 'host'));

const PROBE = obj({
  exec: EXEC,
  httpGet: HTTP_GET,
  tcpSocket: TCP_SOCKET,
  grpc: obj(leaves('port', 'service')),
  ...leaves('initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'),
});

const LIFECYCLE_HANDLER = obj({ exec: EXEC, httpGet: HTTP_GET, tcpSocket: TCP_SOCKET, sleep: obj(leaves('seconds')) });
const LIFECYCLE = obj({ postStart: LIFECYCLE_HANDLER, preStop: LIFECYCLE_HANDLER });

const SE_LINUX_OPTIONS = obj(leaves('user', 'role', 'type', 'level'));
const WINDOWS_OPTIONS = obj(leaves('gmsaCredentialSpecName', 'gmsaCredentialSpec', 'runAsUserName', 'hostProcess'));
const PROFILE = obj(leaves('type', 'localhostProfile'));

const SECURITY_CONTEXT = obj({
  capabilities: obj({ add: SCALARS, drop: SCALARS }),
  seLinuxOptions: SE_LINUX_OPTIONS,
  windowsOptions: WINDOWS_OPTIONS,
  seccompProfile: PROFILE,
  appArmorProfile: PROFILE,
  ...leaves('privileged', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount'),
});

const ENV_VAR = obj({
  ...leaves('name', 'value'),
  valueFrom: obj({
    fieldRef: OBJECT_FIELD_SELECTOR,
    resourceFieldRef: RESOURCE_FIELD_SELECTOR,
    configMapKeyRef: obj(leaves('name', 'key', 'optional')),
    secretKeyRef: obj(leaves('name', 'key', 'optional')),
  }),
});

const ENV_FROM_SOURCE = obj({
  prefix: LEAF,
  configMapRef: obj(leaves('name', 'optional')),
  secretRef: obj(leaves('name', 'optional')),
});

const CONTAINER_FIELDS: Record<string, FieldNode> = {
  ...leaves('name', 'image', 'workingDir', 'restartPolicy', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'stdin', 'stdinOnce', 'tty'),
  command: SCALARS,
  args: SCALARS,
  ports: listOf(obj(leaves('name', 'hostPort', 'containerPort', 'protocol', 'hostIP'))),
  envFrom: listOf(ENV_FROM_SOURCE),
  env: listOf(ENV_VAR),
  resources: RESOURCE_REQUIREMENTS,
  resizePolicy: listOf(obj(leaves('resourceName', 'restartPolicy'))),
  volumeMounts: listOf(obj(leaves('name', 'readOnly', 'recursiveReadOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr'))),
  volumeDevices: listOf(obj(leaves('name', 'devicePath'))),
  livenessProbe: PROBE,
  readinessProbe: PROBE,
  startupProbe: PROBE,
  lifecycle: LIFECYCLE,
  securityContext: SECURITY_CONTEXT,
};

/** A container or init container. */
const CONTAINER = obj(CONTAINER_FIELDS);
/** An ephemeral container: a container's fields plus the container it targets. */
const EPHEMERAL_CONTAINER = obj({ ...CONTAINER_FIELDS, targetContainerName: LEAF });

// ---------------------------------------------------------------- core/v1: scheduling

const POD_AFFINITY_TERM = obj({
  labelSelector: LABEL_SELECTOR,
  namespaceSelector: LABEL_SELECTOR,
  namespaces: SCALARS,
  topologyKey: LEAF,
  matchLabelKeys: SCALARS,
  mismatchLabelKeys: SCALARS,
});

const POD_AFFINITY = obj({
  requiredDuringSchedulingIgnoredDuringExecution: listOf(POD_AFFINITY_TERM),
  preferredDuringSchedulingIgnoredDuringExecution: listOf(obj({ weight: LEAF, podAffinityTerm: POD_AFFINITY_TERM })),
});

const AFFINITY = obj({
  nodeAffinity: obj({
    requiredDuringSchedulingIgnoredDuringExecution: NODE_SELECTOR,
    preferredDuringSchedulingIgnoredDuringExecution: listOf(obj({ weight: LEAF, preference: NODE_SELECTOR_TERM })),
  }),
  podAffinity: POD_AFFINITY,
  podAntiAffinity: POD_AFFINITY,
});

const TOLERATION = obj(leaves('key', 'operator', 'value', 'effect', 'tolerationSeconds'));

const TOPOLOGY_SPREAD_CONSTRAINT = obj({
  ...leaves('maxSkew', 'topologyKey', 'whenUnsatisfiable', 'minDomains', 'nodeAffinityPolicy', 'nodeTaintsPolicy'),
  labelSelector: LABEL_SELECTOR,
  matchLabelKeys: SCALARS,
});

const POD_SECURITY_CONTEXT = obj({
  seLinuxOptions: SE_LINUX_OPTIONS,
  windowsOptions: WINDOWS_OPTIONS,
  seccompProfile: PROFILE,
  appArmorProfile: PROFILE,
  supplementalGroups: SCALARS,
  sysctls: listOf(obj(leaves('name', 'value'))),
  ...leaves('runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroupsPolicy', 'fsGroup', 'fsGroupChangePolicy', 'seLinuxChangePolicy'),
});

// ---------------------------------------------------------------- core/v1: pods

const POD_SPEC = obj({
  volumes: listOf(VOLUME),
  initContainers: listOf(CONTAINER),
  containers: listOf(CONTAINER),
  ephemeralContainers: listOf(EPHEMERAL_CONTAINER),
  ...leaves(
    'restartPolicy',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'dnsPolicy',
    'serviceAccountName',
    'serviceAccount',
    'automountServiceAccountToken',
    'nodeName',
    'hostNetwork',
    'hostPID',
    'hostIPC',
    'shareProcessNamespace',
    'hostname',
    'subdomain',
    'schedulerName',
    'priorityClassName',
    'priority',
    'runtimeClassName',
    'enableServiceLinks',
    'preemptionPolicy',
    'setHostnameAsFQDN',
    'hostUsers',
  ),
  nodeSelector: STRING_MAP,
  securityContext: POD_SECURITY_CONTEXT,
  imagePullSecrets: listOf(LOCAL_OBJECT_REFERENCE),
  affinity: AFFINITY,
  tolerations: listOf(TOLERATION),
  hostAliases: listOf(obj({ ip: LEAF, hostnames: SCALARS })),
  dnsConfig: obj({ nameservers: SCALARS, searches: SCALARS, options: listOf(obj(leaves('name', 'value'))) }),
  readinessGates: listOf(obj(leaves('conditionType'))),
  overhead: STRING_MAP,
  topologySpreadConstraints: listOf(TOPOLOGY_SPREAD_CONSTRAINT),
  os: obj(leaves('name')),
  schedulingGates: listOf(obj(leaves('name'))),
  resourceClaims: listOf(obj(leaves('name', 'resourceClaimName', 'resourceClaimTemplateName'))),
  resources: RESOURCE_REQUIREMENTS,
});

const POD_TEMPLATE_SPEC = obj({ metadata: OBJECT_META, spec: POD_SPEC });

// ---------------------------------------------------------------- kinds

/** A kind's top level: type and object meta, its own fields, and `status` (any: not checked). */
const topLevel = (fields: Record<string, FieldNode>): FieldNode => obj({ apiVersion: LEAF, kind: LEAF, metadata: OBJECT_META, status: ANY, ...fields });

const PERSISTENT_VOLUME_CLAIM = topLevel({ spec: PVC_SPEC });

const PERSISTENT_VOLUME = topLevel({
  spec: obj({
    ...leaves('persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode', 'volumeAttributesClassName'),
    capacity: STRING_MAP,
    accessModes: SCALARS,
    claimRef: OBJECT_REFERENCE,
    mountOptions: SCALARS,
    nodeAffinity: obj({ required: NODE_SELECTOR }),
    hostPath: HOST_PATH,
    nfs: NFS,
    local: obj(leaves('path', 'fsType')),
    csi: obj({
      ...leaves('driver', 'volumeHandle', 'readOnly', 'fsType'),
      volumeAttributes: STRING_MAP,
      controllerPublishSecretRef: SECRET_REFERENCE,
      nodeStageSecretRef: SECRET_REFERENCE,
      nodePublishSecretRef: SECRET_REFERENCE,
      controllerExpandSecretRef: SECRET_REFERENCE,
      nodeExpandSecretRef: SECRET_REFERENCE,
    }),
    ...IN_TREE_SOURCES,
  }),
});

const JOB_SPEC = obj({
  ...leaves(
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
    'manualSelector',
    'ttlSecondsAfterFinished',
    'completionMode',
    'suspend',
    'podReplacementPolicy',
    'managedBy',
  ),
  podFailurePolicy: obj({
    rules: listOf(
      obj({
        action: LEAF,
        onExitCodes: obj({ ...leaves('containerName', 'operator'), values: SCALARS }),
        onPodConditions: listOf(obj(leaves('type', 'status'))),
      }),
    ),
  }),
  successPolicy: obj({ rules: listOf(obj(leaves('succeededIndexes', 'succeededCount'))) }),
  selector: LABEL_SELECTOR,
  template: POD_TEMPLATE_SPEC,
});

const CROSS_VERSION_OBJECT_REFERENCE = obj(leaves('kind', 'name', 'apiVersion'));
const METRIC_TARGET = obj(leaves('type', 'value', 'averageValue', 'averageUtilization'));
const METRIC_IDENTIFIER = obj({ name: LEAF, selector: LABEL_SELECTOR });
const HPA_SCALING_RULES = obj({
  ...leaves('stabilizationWindowSeconds', 'selectPolicy'),
  policies: listOf(obj(leaves('type', 'value', 'periodSeconds'))),
});

/** The schemas by apiVersion, then kind. */
const SCHEMAS: Readonly<Record<string, Readonly<Record<string, FieldNode>>>> = {
  v1: {
    Namespace: topLevel({ spec: obj({ finalizers: SCALARS }) }),
    Pod: topLevel({ spec: POD_SPEC }),
    ConfigMap: topLevel({ data: STRING_MAP, binaryData: STRING_MAP, immutable: LEAF }),
    Secret: topLevel({ data: STRING_MAP, stringData: STRING_MAP, ...leaves('type', 'immutable') }),
    ServiceAccount: topLevel({ secrets: listOf(OBJECT_REFERENCE), imagePullSecrets: listOf(LOCAL_OBJECT_REFERENCE), automountServiceAccountToken: LEAF }),
    PersistentVolumeClaim: PERSISTENT_VOLUME_CLAIM,
    PersistentVolume: PERSISTENT_VOLUME,
    ResourceQuota: topLevel({
      spec: obj({
        hard: STRING_MAP,
        scopes: SCALARS,
        scopeSelector: obj({ matchExpressions: listOf(obj({ ...leaves('scopeName', 'operator'), values: SCALARS })) }),
      }),
    }),
    LimitRange: topLevel({
      spec: obj({
        limits: listOf(
          obj({ type: LEAF, max: STRING_MAP, min: STRING_MAP, default: STRING_MAP, defaultRequest: STRING_MAP, maxLimitRequestRatio: STRING_MAP }),
        ),
      }),
    }),
  },
  'apps/v1': {
    Deployment: topLevel({
      spec: obj({
        ...leaves('replicas', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'),
        selector: LABEL_SELECTOR,
        template: POD_TEMPLATE_SPEC,
        strategy: obj({ type: LEAF, rollingUpdate: obj(leaves('maxUnavailable', 'maxSurge')) }),
      }),
    }),
    StatefulSet: topLevel({
      spec: obj({
        ...leaves('replicas', 'serviceName', 'podManagementPolicy', 'revisionHistoryLimit', 'minReadySeconds'),
        selector: LABEL_SELECTOR,
        template: POD_TEMPLATE_SPEC,
        volumeClaimTemplates: listOf(PERSISTENT_VOLUME_CLAIM),
        updateStrategy: obj({ type: LEAF, rollingUpdate: obj(leaves('partition', 'maxUnavailable')) }),
        persistentVolumeClaimRetentionPolicy: obj(leaves('whenDeleted', 'whenScaled')),
        ordinals: obj(leaves('start')),
      }),
    }),
  },
  'batch/v1': {
    Job: topLevel({ spec: JOB_SPEC }),
    CronJob: topLevel({
      spec: obj({
        ...leaves('schedule', 'timeZone', 'startingDeadlineSeconds', 'concurrencyPolicy', 'suspend', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'),
        jobTemplate: obj({ metadata: OBJECT_META, spec: JOB_SPEC }),
      }),
    }),
  },
  'autoscaling/v2': {
    HorizontalPodAutoscaler: topLevel({
      spec: obj({
        scaleTargetRef: CROSS_VERSION_OBJECT_REFERENCE,
        ...leaves('minReplicas', 'maxReplicas'),
        metrics: listOf(
          obj({
            type: LEAF,
            object: obj({ describedObject: CROSS_VERSION_OBJECT_REFERENCE, target: METRIC_TARGET, metric: METRIC_IDENTIFIER }),
            pods: obj({ metric: METRIC_IDENTIFIER, target: METRIC_TARGET }),
            resource: obj({ name: LEAF, target: METRIC_TARGET }),
            containerResource: obj({ name: LEAF, target: METRIC_TARGET, container: LEAF }),
            external: obj({ metric: METRIC_IDENTIFIER, target: METRIC_TARGET }),
          }),
        ),
        behavior: obj({ scaleUp: HPA_SCALING_RULES, scaleDown: HPA_SCALING_RULES }),
      }),
    }),
  },
  'scheduling.k8s.io/v1': {
    PriorityClass: topLevel(leaves('value', 'globalDefault', 'description', 'preemptionPolicy')),
  },
  'storage.k8s.io/v1': {
    StorageClass: topLevel({
      ...leaves('provisioner', 'reclaimPolicy', 'allowVolumeExpansion', 'volumeBindingMode'),
      parameters: STRING_MAP,
      mountOptions: SCALARS,
      allowedTopologies: listOf(TOPOLOGY_SELECTOR_TERM),
    }),
  },
  'policy/v1': {
    PodDisruptionBudget: topLevel({
      spec: obj({ ...leaves('minAvailable', 'maxUnavailable', 'unhealthyPodEvictionPolicy'), selector: LABEL_SELECTOR }),
    }),
  },
};

/** The schema of a kind at an API version; null for a kind or version not known here. */
export function schemaOf(apiVersion: string, kind: string): FieldNode | null {
  const byKind = Object.hasOwn(SCHEMAS, apiVersion) ? SCHEMAS[apiVersion] : undefined;
  return byKind !== undefined && Object.hasOwn(byKind, kind) ? byKind[kind] : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The paths (segments; list indexes as decimal strings) of the fields in `value` that `node`
 * does not know, in document order, at most `max` of them.
 *
 * Only what the value holds is walked: a value of another type than the schema expects (a
 * string where an object is expected) is not an unknown field, other validators report types.
 * Nothing under a leaf or `any` is looked at, and a map's free keys are never unknown (its
 * values follow the map's `of` node).
 */
export function unknownFields(node: FieldNode, value: unknown, max = 100): string[][] {
  const limit = Math.floor(max);
  const found: string[][] = [];
  if (!(limit > 0)) return found;
  const path: string[] = [];

  const walk = (n: FieldNode, v: unknown): void => {
    switch (n.kind) {
      case 'object':
        if (!isObject(v)) return;
        for (const key of Object.keys(v)) {
          if (found.length >= limit) return;
          if (!Object.hasOwn(n.fields, key)) {
            found.push([...path, key]);
            continue;
          }
          path.push(key);
          walk(n.fields[key], v[key]);
          path.pop();
        }
        return;
      case 'map':
        if (!isObject(v)) return;
        for (const key of Object.keys(v)) {
          if (found.length >= limit) return;
          path.push(key);
          walk(n.of, v[key]);
          path.pop();
        }
        return;
      case 'list':
        if (!Array.isArray(v)) return;
        for (let i = 0; i < v.length && found.length < limit; i++) {
          path.push(String(i));
          walk(n.of, v[i]);
          path.pop();
        }
        return;
      case 'leaf':
      case 'any':
        return;
    }
  };

  walk(node, value);
  return found;
}

/**
 * The field names the schema knows beside the last segment of `path` (the unknown one): what a
 * "did you mean" hint picks from. Empty when the parent is not an object of the schema.
 */
export function knownSiblings(node: FieldNode, path: readonly string[]): string[] {
  let n: FieldNode = node;
  for (const seg of path.slice(0, -1)) {
    if (n.kind === 'object') {
      if (!Object.hasOwn(n.fields, seg)) return [];
      n = n.fields[seg];
    } else if (n.kind === 'list' || n.kind === 'map') n = n.of;
    else return [];
  }
  return n.kind === 'object' ? Object.keys(n.fields) : [];
}
