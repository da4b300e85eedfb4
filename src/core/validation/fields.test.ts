import { describe, expect, it } from 'vitest';
import { formatFieldPath as formatUnknown } from './errors';
import { schemaOf, unknownFields, type FieldNode } from './fields';

/**
 * The paths the API server ignores when they come in an applied object: `status` (written by
 * controllers through the status subresource) and the metadata the server itself sets. An
 * object exported with `kubectl get -o yaml` carries them; applying it back must not fail or
 * change them, so every schema knows them.
 */
const IGNORED_ON_APPLY: readonly (readonly string[])[] = [
  ['status'],
  ['metadata', 'uid'],
  ['metadata', 'resourceVersion'],
  ['metadata', 'managedFields'],
  ['metadata', 'creationTimestamp'],
  ['metadata', 'generation'],
  ['metadata', 'selfLink'],
  ['metadata', 'deletionTimestamp'],
  ['metadata', 'deletionGracePeriodSeconds'],
];

/** The kinds this service accepts, by apiVersion (the brief's list, written out independently of the module). */
const KINDS: [string, string][] = [
  ['v1', 'Namespace'],
  ['v1', 'Pod'],
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'ServiceAccount'],
  ['v1', 'PersistentVolumeClaim'],
  ['v1', 'PersistentVolume'],
  ['v1', 'ResourceQuota'],
  ['v1', 'LimitRange'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['batch/v1', 'Job'],
  ['batch/v1', 'CronJob'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['scheduling.k8s.io/v1', 'PriorityClass'],
  ['storage.k8s.io/v1', 'StorageClass'],
  ['policy/v1', 'PodDisruptionBudget'],
];

function schema(apiVersion: string, kind: string): FieldNode {
  const s = schemaOf(apiVersion, kind);
  if (s === null) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return s;
}

/** The unknown fields of a manifest, rendered as the API server's message shows them. */
function unknowns(manifest: Record<string, unknown>, max?: number): string[] {
  return unknownFields(schema(String(manifest.apiVersion), String(manifest.kind)), manifest, max).map(formatUnknown);
}

/** A pod template using every shared sub-tree: probes, env valueFrom, each volume source, affinity, tolerations, spread, resources. */
function podTemplate(): Record<string, unknown> {
  const probe = { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '1' }] }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 };
  const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] };
  return {
    metadata: { labels: { app: 'web' }, annotations: { 'prometheus.io/scrape': 'true' } },
    spec: {
      serviceAccountName: 'web',
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 30,
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      priorityClassName: 'high',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      imagePullSecrets: [{ name: 'regcred' }],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
      dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }] },
      securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
      os: { name: 'linux' },
      readinessGates: [{ conditionType: 'example.com/ready' }],
      schedulingGates: [{ name: 'example.com/gate' }],
      resources: { limits: { cpu: '2' }, requests: { cpu: '1' } },
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], restartPolicy: 'Always' }],
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          args: ['--port', '8080'],
          workingDir: '/app',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'PLAIN', value: 'x' },
            { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: true } } },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'CPU', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1m' } } },
          ],
          envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }, { secretRef: { name: 'sec', optional: false } }],
          resources: { limits: { cpu: '500m', memory: '256Mi', 'nvidia.com/gpu': '1' }, requests: { cpu: '250m', memory: '128Mi' }, claims: [{ name: 'gpu', request: 'one' }] },
          resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
          volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true, subPath: 'a' }],
          livenessProbe: probe,
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
          startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
          lifecycle: { preStop: { sleep: { seconds: 5 } }, postStart: { exec: { command: ['true'] } } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
        },
      ],
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420, items: [{ key: 'a', path: 'a.txt', mode: 256 }], optional: true } },
        { name: 'sec', secret: { secretName: 'sec', items: [{ key: 'b', path: 'b.txt' }] } },
        {
          name: 'proj',
          projected: {
            defaultMode: 420,
            sources: [
              { configMap: { name: 'cfg', items: [{ key: 'a', path: 'a' }] } },
              { secret: { name: 'sec', optional: true } },
              { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
              { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
            ],
          },
        },
        { name: 'down', downwardAPI: { items: [{ path: 'cpu', resourceFieldRef: { containerName: 'web', resource: 'requests.cpu' } }] } },
        { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: false } },
        { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        { name: 'share', nfs: { server: 'nfs.local', path: '/exports', readOnly: true } },
        { name: 'inline', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'x' }, nodePublishSecretRef: { name: 'creds' } } },
      ],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
        },
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname', namespaces: ['default'] }] },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: 'topology.kubernetes.io/zone', matchLabelKeys: ['pod-template-hash'] } }],
        },
      },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector, minDomains: 2, nodeTaintsPolicy: 'Honor' }],
    },
  };
}

function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      minReadySeconds: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: podTemplate(),
    },
  };
}

function statefulSet(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      replicas: 3,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'db' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      ordinals: { start: 1 },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:17' }] } },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels: { app: 'db' } },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '10Gi' } }, volumeMode: 'Filesystem' },
        },
      ],
    },
  };
}

function hpa(): Record<string, unknown> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Pods', pods: { metric: { name: 'rps', selector: { matchLabels: { route: 'x' } } }, target: { type: 'AverageValue', averageValue: '100' } } },
        { type: 'ContainerResource', containerResource: { name: 'memory', container: 'web', target: { type: 'AverageValue', averageValue: '200Mi' } } },
        { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' }, metric: { name: 'hits' }, target: { type: 'Value', value: '1k' } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
      ],
      behavior: {
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
        scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
      },
    },
  };
}

/** One valid manifest of each kind (beyond the three above). */
const OTHERS: Record<string, unknown>[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' }, spec: { finalizers: ['kubernetes'] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: (podTemplate().spec as Record<string, unknown>) },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'app.yaml': 'a: 1' }, binaryData: { blob: 'AAEC' }, immutable: true },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, type: 'Opaque', data: { password: 'cGFzcw==' }, stringData: { user: 'admin' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' }, secrets: [{ name: 'tok' }], imagePullSecrets: [{ name: 'regcred' }], automountServiceAccountToken: false },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } } },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv' },
    spec: {
      capacity: { storage: '5Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'manual',
      claimRef: { namespace: 'default', name: 'c' },
      csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1', fsType: 'ext4', nodeStageSecretRef: { name: 's', namespace: 'kube-system' } },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } },
    },
  },
  { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '10', pods: '50' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } } },
  { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { cpu: '10m' }, default: { cpu: '500m' }, defaultRequest: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '4' } }] } },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec: {
      completions: 5,
      parallelism: 2,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 1,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }] },
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cj' },
    spec: { schedule: '*/5 * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, globalDefault: false, description: 'high', preemptionPolicy: 'Never' },
  {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'fast' },
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: 'gp3', 'csi.storage.k8s.io/fstype': 'ext4' },
    reclaimPolicy: 'Delete',
    allowVolumeExpansion: true,
    volumeBindingMode: 'WaitForFirstConsumer',
    mountOptions: ['noatime'],
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['a'] }] }],
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' } },
];

/** Sets `value` at `path` in `obj`, creating objects on the way (lists must exist). */
function setAt(obj: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  let cur = obj as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) {
    if (cur[seg] === undefined) cur[seg] = {};
    cur = cur[seg] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]] = value;
  return obj;
}

describe('schemaOf', () => {
  it.each(KINDS)('has a schema for %s %s', (apiVersion, kind) => {
    expect(schemaOf(apiVersion, kind)).toMatchObject({ kind: 'object' });
  });

  it.each([
    ['apps/v1', 'Bogus'],
    ['v1', 'Deployment'],
    ['extensions/v1beta1', 'Deployment'],
    ['autoscaling/v1', 'HorizontalPodAutoscaler'],
    ['batch/v1beta1', 'CronJob'],
    ['v1', 'constructor'],
    ['toString', 'Pod'],
    ['', ''],
  ])('returns null for %s %s', (apiVersion, kind) => {
    expect(schemaOf(apiVersion, kind)).toBeNull();
  });
});

describe('unknownFields: valid manifests', () => {
  it('finds nothing in a full Deployment (probes, env valueFrom, every listed volume source, affinity, tolerations, spread, resources)', () => {
    expect(unknowns(deployment())).toEqual([]);
  });

  it('finds nothing in a StatefulSet with volumeClaimTemplates and a PVC retention policy', () => {
    expect(unknowns(statefulSet())).toEqual([]);
  });

  it('finds nothing in an HPA using every metric source and behavior', () => {
    expect(unknowns(hpa())).toEqual([]);
  });

  it.each(OTHERS.map((m) => [`${m.apiVersion} ${m.kind}`, m] as const))('finds nothing in a valid %s', (_name, manifest) => {
    expect(unknowns(manifest)).toEqual([]);
  });
});

describe('unknownFields: reports unknown fields at their path', () => {
  it.each<[string, () => Record<string, unknown>, (string | number)[], string]>([
    ['at the top level', deployment, ['bogusField'], 'bogusField'],
    ['in spec.template.spec', deployment, ['spec', 'template', 'spec', 'bogusField'], 'spec.template.spec.bogusField'],
    ['inside a container', deployment, ['spec', 'template', 'spec', 'containers', 0, 'bogusField'], 'spec.template.spec.containers[0].bogusField'],
    ['inside a probe httpGet', deployment, ['spec', 'template', 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'bogusField'], 'spec.template.spec.containers[0].livenessProbe.httpGet.bogusField'],
    ['inside an env valueFrom ref', deployment, ['spec', 'template', 'spec', 'containers', 0, 'env', 1, 'valueFrom', 'configMapKeyRef', 'bogusField'], 'spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef.bogusField'],
    ['inside an init container', deployment, ['spec', 'template', 'spec', 'initContainers', 0, 'bogusField'], 'spec.template.spec.initContainers[0].bogusField'],
    ['inside the template metadata', deployment, ['spec', 'template', 'metadata', 'bogusField'], 'spec.template.metadata.bogusField'],
    ['inside a pod affinity term', deployment, ['spec', 'template', 'spec', 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', 0, 'podAffinityTerm', 'bogusField'], 'spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.bogusField'],
    ['inside a toleration', deployment, ['spec', 'template', 'spec', 'tolerations', 1, 'bogusField'], 'spec.template.spec.tolerations[1].bogusField'],
    ['inside a label selector', deployment, ['spec', 'selector', 'bogusField'], 'spec.selector.bogusField'],
    ['inside an HPA metric', hpa, ['spec', 'metrics', 0, 'resource', 'target', 'bogusField'], 'spec.metrics[0].resource.target.bogusField'],
    ['beside an HPA metric type', hpa, ['spec', 'metrics', 4, 'bogusField'], 'spec.metrics[4].bogusField'],
    ['inside a StatefulSet volumeClaimTemplate spec', statefulSet, ['spec', 'volumeClaimTemplates', 0, 'spec', 'bogusField'], 'spec.volumeClaimTemplates[0].spec.bogusField'],
    ['inside a volumeClaimTemplate resources (no claims on a volume)', statefulSet, ['spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'claims'], 'spec.volumeClaimTemplates[0].spec.resources.claims'],
    ['inside the PVC retention policy', statefulSet, ['spec', 'persistentVolumeClaimRetentionPolicy', 'bogusField'], 'spec.persistentVolumeClaimRetentionPolicy.bogusField'],
    ['inside metadata', deployment, ['metadata', 'bogusField'], 'metadata.bogusField'],
    ['for a field added after 1.32 (lifecycle.stopSignal)', deployment, ['spec', 'template', 'spec', 'containers', 0, 'lifecycle', 'stopSignal'], 'spec.template.spec.containers[0].lifecycle.stopSignal'],
  ])('%s', (_name, make, path, shown) => {
    expect(unknowns(setAt(make(), path, 'x'))).toEqual([shown]);
  });

  it.each(['configMap', 'secret', 'projected', 'downwardAPI', 'emptyDir', 'persistentVolumeClaim', 'hostPath', 'nfs', 'csi'])('inside a %s volume source', (source) => {
    const d = deployment();
    const volumes = (d.spec as { template: { spec: { volumes: Record<string, Record<string, unknown>>[] } } }).template.spec.volumes;
    const index = volumes.findIndex((v) => v[source] !== undefined);
    expect(index).toBeGreaterThanOrEqual(0);
    volumes[index][source].bogusField = true;
    expect(unknowns(d)).toEqual([`spec.template.spec.volumes[${index}].${source}.bogusField`]);
  });

  it('reports an unknown volume source by name', () => {
    const d = setAt(deployment(), ['spec', 'template', 'spec', 'volumes', 0, 'bogusSource'], {});
    expect(unknowns(d)).toEqual(['spec.template.spec.volumes[0].bogusSource']);
  });

  it('reports several unknown fields in document order', () => {
    const d = deployment();
    setAt(d, ['zTop'], 1);
    setAt(d, ['spec', 'template', 'spec', 'containers', 0, 'imagePullPolcy'], 'Always');
    setAt(d, ['spec', 'replica'], 2);
    expect(unknowns(d)).toEqual(['spec.template.spec.containers[0].imagePullPolcy', 'spec.replica', 'zTop']);
  });

  it('gives the path as segments, list indexes as decimal strings', () => {
    const d = setAt(deployment(), ['spec', 'template', 'spec', 'containers', 0, 'bogus'], 1);
    expect(unknownFields(schema('apps/v1', 'Deployment'), d)).toEqual([['spec', 'template', 'spec', 'containers', '0', 'bogus']]);
  });

  it('reports keys that only exist on Object.prototype (no inherited field is known)', () => {
    const d = JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"constructor":1,"__proto__":{"a":1},"toString":2}') as Record<string, unknown>;
    expect(unknowns(d)).toEqual(['constructor', '__proto__', 'toString']);
  });
});

describe('unknownFields: free keys and values it does not walk', () => {
  it('never reports the keys of labels, annotations, nodeSelector, data or resources.limits/requests', () => {
    const d = deployment();
    setAt(d, ['metadata', 'labels'], { bogusField: 'x', 'example.com/anything': 'y' });
    setAt(d, ['metadata', 'annotations'], { bogusField: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' });
    setAt(d, ['spec', 'template', 'spec', 'nodeSelector'], { bogusField: 'x' });
    setAt(d, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits'], { bogusField: '1', 'example.com/dongle': '2' });
    setAt(d, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'requests'], { bogusField: '1' });
    expect(unknowns(d)).toEqual([]);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { bogusField: 'x', spec: 'y' }, binaryData: { bogusField: 'AA==' } };
    expect(unknowns(cm)).toEqual([]);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { bogusField: 'eA==' }, stringData: { bogusField: 'x' } };
    expect(unknowns(secret)).toEqual([]);
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { bogusField: '1', 'count/deployments.apps': '5' } } };
    expect(unknowns(quota)).toEqual([]);
  });

  it('does not report a value of the wrong type (other validators report types)', () => {
    const d = deployment();
    setAt(d, ['spec', 'template', 'spec', 'affinity'], 'not-an-object');
    setAt(d, ['spec', 'template', 'spec', 'tolerations'], { bogusField: 1 });
    setAt(d, ['spec', 'template', 'spec', 'containers', 0, 'env'], 'FOO=bar');
    setAt(d, ['spec', 'template', 'spec', 'containers', 0, 'ports', 0], 8080);
    setAt(d, ['metadata', 'labels'], ['a', 'b']);
    setAt(d, ['spec', 'selector'], null);
    expect(unknowns(d)).toEqual([]);
    expect(unknownFields(schema('apps/v1', 'Deployment'), 'a string')).toEqual([]);
    expect(unknownFields(schema('apps/v1', 'Deployment'), [{ bogusField: 1 }])).toEqual([]);
  });

  it('does not look inside a leaf, or inside free-form content such as status or fieldsV1', () => {
    const d = deployment();
    setAt(d, ['spec', 'template', 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'port'], { bogusField: 1 });
    setAt(d, ['spec', 'replicas'], { bogusField: 1 });
    setAt(d, ['status'], { bogusField: { deeper: [1, 2] }, replicas: 3 });
    setAt(d, ['metadata', 'managedFields'], [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]);
    expect(unknowns(d)).toEqual([]);
  });

  it('reports an unknown field in a managedFields entry, which is itself known', () => {
    const d = setAt(deployment(), ['metadata', 'managedFields'], [{ manager: 'kubectl', bogusField: 1 }]);
    expect(unknowns(d)).toEqual(['metadata.managedFields[0].bogusField']);
  });
});

describe('unknownFields: exported objects', () => {
  it('knows every field an exported object carries (status, server-set metadata)', () => {
    const d = deployment();
    d.metadata = {
      name: 'web',
      namespace: 'default',
      uid: '0b0c6f6e-8a59-4c36-9d1e-6a2b0f9a4c11',
      resourceVersion: '12345',
      generation: 4,
      creationTimestamp: '2025-01-01T00:00:00Z',
      deletionTimestamp: '2025-01-02T00:00:00Z',
      deletionGracePeriodSeconds: 30,
      selfLink: '/apis/apps/v1/namespaces/default/deployments/web',
      generateName: 'web-',
      finalizers: ['example.com/x'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: {}, subresource: 'status' }],
      labels: { app: 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '3' },
    };
    d.status = { replicas: 3, conditions: [{ type: 'Available', status: 'True' }] };
    expect(unknowns(d)).toEqual([]);
  });

  it.each(KINDS)('knows every IGNORED_ON_APPLY path on %s %s', (apiVersion, kind) => {
    const manifest: Record<string, unknown> = { apiVersion, kind, metadata: { name: 'x' } };
    for (const path of IGNORED_ON_APPLY) setAt(manifest, [...path], path[0] === 'status' ? { anything: 1 } : 'v');
    expect(unknownFields(schema(apiVersion, kind), manifest)).toEqual([]);
  });

  it('lists status and the server-set metadata as ignored on apply', () => {
    expect(IGNORED_ON_APPLY.map((p) => p.join('.')).sort()).toEqual(
      [
        'status',
        'metadata.uid',
        'metadata.resourceVersion',
        'metadata.managedFields',
        'metadata.creationTimestamp',
        'metadata.generation',
        'metadata.selfLink',
        'metadata.deletionTimestamp',
        'metadata.deletionGracePeriodSeconds',
      ].sort(),
    );
  });
});

describe('unknownFields: max', () => {
  const many = (n: number) => {
    const d = deployment();
    for (let i = 0; i < n; i++) setAt(d, ['spec', 'template', 'spec', 'containers', 0, `bogus${i}`], i);
    return d;
  };

  it('stops at max, keeping the first ones in document order', () => {
    expect(unknowns(many(10), 3)).toEqual(['bogus0', 'bogus1', 'bogus2'].map((f) => `spec.template.spec.containers[0].${f}`));
  });

  it('stops at 100 by default', () => {
    expect(unknowns(many(150))).toHaveLength(100);
  });

  it('returns nothing for max 0', () => {
    expect(unknowns(many(5), 0)).toEqual([]);
  });

  it('stops across lists too (one per container)', () => {
    const d = deployment();
    const spec = (d.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    spec.containers = Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, image: 'x', bogus: 1 }));
    expect(unknowns(d, 5)).toEqual([0, 1, 2, 3, 4].map((i) => `spec.template.spec.containers[${i}].bogus`));
  });
});

describe('formatUnknown', () => {
  it.each<[string[], string]>([
    [['spec', 'template', 'spec', 'containers', '0', 'bogus'], 'spec.template.spec.containers[0].bogus'],
    [['bogusField'], 'bogusField'],
    [['spec', 'metrics', '2', 'resource', 'target', 'x'], 'spec.metrics[2].resource.target.x'],
    [['metadata', 'annotations', 'example.com/key'], 'metadata.annotations[example.com/key]'],
    [['data', 'app.yaml'], 'data[app.yaml]'],
  ])('%j → %s', (path, shown) => {
    expect(formatUnknown(path)).toBe(shown);
  });
});
