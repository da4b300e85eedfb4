import { ONE_CONSTRAINT, POD_WITH_NODE_AFFINITY, POD_WITH_POD_AFFINITY } from '../../test/support/docs';
import { describe, it, expect } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { formatFieldPath, parseManifest, type ManifestObject } from './manifest';
import { HELLO_CRONJOB, nginxDeployment, PI_JOB, WEB_STATEFULSET as WEB_DOCS } from '../../test/support/docs';

const NGINX = nginxDeployment();
/** The docs' web StatefulSet without its storage class (to see the default). */
const WEB_STATEFULSET = WEB_DOCS.replace('      storageClassName: "my-storage-class"\n', '');

/** A small valid Deployment; `extra` is inserted under the container, `podExtra` under the pod spec. */
function deployment(opts: {
  name?: string;
  namespace?: string;
  replicas?: string;
  selector?: string;
  templateLabels?: string;
  templateAnnotations?: string;
  containers?: string;
  podExtra?: string;
} = {}): string {
  const lines = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${opts.name ?? 'web'}`,
  ];
  if (opts.namespace !== undefined) lines.push(`  namespace: ${opts.namespace}`);
  lines.push('spec:');
  if (opts.replicas !== undefined) lines.push(`  replicas: ${opts.replicas}`);
  lines.push(opts.selector ?? '  selector:\n    matchLabels:\n      app: web');
  lines.push('  template:', '    metadata:', opts.templateLabels ?? '      labels:\n        app: web');
  if (opts.templateAnnotations) lines.push(opts.templateAnnotations);
  lines.push('    spec:');
  if (opts.podExtra) lines.push(opts.podExtra);
  lines.push(opts.containers ?? '      containers:\n      - name: app\n        image: nginx');
  return `${lines.join('\n')}\n`;
}

const NAMESPACE = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('parseManifest accepts', () => {
  it('the nginx Deployment from the Kubernetes docs, billed at 1 core / 2 GiB', () => {
    const { objects, errors } = parseManifest(NGINX);
    expect(errors).toEqual([]);
    expect(objects).toHaveLength(1);
    const d = objects[0] as Extract<ManifestObject, { kind: 'Deployment' }>;
    expect(d.kind).toBe('Deployment');
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.metadata).toEqual({ name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' }, annotations: {} });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'nginx' } });
    expect(d.spec.template.metadata).toEqual({ labels: { app: 'nginx' }, annotations: {} });
    expect(d.spec.template.spec.containers).toEqual([
      { name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] },
    ]);
    expect(d.spec.template.spec).not.toHaveProperty('initContainers');
    expect(d.billed).toEqual({ cpuMilli: 1000, memoryMi: 2048 });
  });

  it('a Namespace followed by a Deployment in it, in document order', () => {
    const text = `${NAMESPACE('shop')}---\n${deployment({ namespace: 'shop' })}`;
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ['Namespace', '', 'shop'],
      ['Deployment', 'shop', 'web'],
    ]);
  });

  it('empty documents, leading separators and comment-only documents, skipping them', () => {
    const text = `# a comment\n---\n---\n${NAMESPACE('a')}---\n# nothing here\n---\n${NAMESPACE('b')}---\n`;
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    expect(objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('an empty manifest, as no objects and no errors', () => {
    expect(parseManifest('')).toEqual({ objects: [], errors: [] });
    expect(parseManifest('# just a comment\n')).toEqual({ objects: [], errors: [] });
  });

  it('a kind: List, as kubectl does', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: shop
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
  spec:
    selector:
      matchLabels: {app: web}
    template:
      metadata:
        labels: {app: web}
      spec:
        containers:
        - {name: app, image: nginx}
`;
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/shop', 'Deployment/web']);
  });

  it('a Deployment without replicas, defaulting them to 1', () => {
    const { objects } = parseManifest(deployment());
    expect((objects[0] as Extract<ManifestObject, { kind: 'Deployment' }>).spec.replicas).toBe(1);
  });

  it('replicas: 0', () => {
    const { objects, errors } = parseManifest(deployment({ replicas: '0' }));
    expect(errors).toEqual([]);
    expect((objects[0] as Extract<ManifestObject, { kind: 'Deployment' }>).spec.replicas).toBe(0);
  });

  it('objects without a namespace into opts.defaultNamespace', () => {
    const { objects } = parseManifest(deployment(), { defaultNamespace: 'team-a' });
    expect(objects[0].metadata.namespace).toBe('team-a');
  });

  it('a Deployment keeping unknown fields of its spec, template and containers as written', () => {
    const text = deployment({
      podExtra: '      restartPolicy: Always\n      terminationGracePeriodSeconds: 5',
      containers:
        '      containers:\n      - name: app\n        image: nginx\n        env:\n        - {name: A, value: "1"}\n        command: [nginx, -g, daemon off;]',
    }).replace('spec:\n  selector', 'spec:\n  strategy:\n    type: Recreate\n  minReadySeconds: 3\n  selector');
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    const d = objects[0] as Extract<ManifestObject, { kind: 'Deployment' }>;
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.minReadySeconds).toBe(3);
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(5);
    expect(d.spec.template.spec.containers[0]).toEqual({
      name: 'app',
      image: 'nginx',
      env: [{ name: 'A', value: '1' }],
      command: ['nginx', '-g', 'daemon off;'],
    });
  });

  it('resources, and bills the rounded-up spec', () => {
    const text = deployment({
      containers: `      containers:
      - name: c1
        image: app
        resources:
          requests: {cpu: 2, memory: 4Gi}
          limits: {cpu: 4, memory: 4Gi}
      - name: c2
        image: sidecar
        resources:
          requests: {cpu: "1", memory: 2Gi}
          limits: {cpu: 1000m, memory: 2Gi}`,
    });
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    expect((objects[0] as Extract<ManifestObject, { kind: 'Deployment' }>).billed).toEqual({ cpuMilli: 4000, memoryMi: 8192 });
  });

  it('the EKS annotations on the pod template, billing exactly what they name', () => {
    const text = deployment({
      templateAnnotations:
        '      annotations:\n        eks.tke.cloud.tencent.com/cpu: "2"\n        eks.tke.cloud.tencent.com/mem: 4Gi',
    });
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    const d = objects[0] as Extract<ManifestObject, { kind: 'Deployment' }>;
    expect(d.billed).toEqual({ cpuMilli: 2000, memoryMi: 4096 });
    expect(d.spec.template.metadata.annotations).toEqual({
      'eks.tke.cloud.tencent.com/cpu': '2',
      'eks.tke.cloud.tencent.com/mem': '4Gi',
    });
  });

  it('init containers, keeping them in the stored spec and sizing by them when larger', () => {
    const text = deployment({
      podExtra: '      initContainers:\n      - name: migrate\n        image: migrate\n        resources:\n          requests: {cpu: 2, memory: 6Gi}',
    });
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    const d = objects[0] as Extract<ManifestObject, { kind: 'Deployment' }>;
    expect(d.spec.template.spec.initContainers?.map((c) => c.name)).toEqual(['migrate']);
    expect(d.billed).toEqual({ cpuMilli: 2000, memoryMi: 6144 });
  });

  it('the same name in two different namespaces, or as two different kinds', () => {
    const text = [NAMESPACE('web'), deployment({ namespace: 'a' }), deployment({ namespace: 'b' })].join('---\n');
    const { objects, errors } = parseManifest(text);
    expect(errors).toEqual([]);
    expect(objects).toHaveLength(3);
  });
});

interface ErrCase {
  name: string;
  text: string;
  opts?: Parameters<typeof parseManifest>[1];
  errors: Array<{ code: string; field: string[]; message?: RegExp | string }>;
}

const errCases: ErrCase[] = [
  {
    name: 'refuses a DaemonSet, explaining that a Nodeless cluster has no nodes for it to run on',
    text: 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n',
    errors: [
      {
        code: 'UNSUPPORTED_KIND',
        field: ['manifest', '0', 'kind'],
        message: /^kind: Unsupported value: "DaemonSet": .*no nodes.*nothing for a DaemonSet to run on.*sidecar container.*Deployment/,
      },
    ],
  },
  {
    name: 'refuses an unknown kind by name and lists the supported kinds',
    text: 'apiVersion: example.com/v1\nkind: Frobnicator\nmetadata:\n  name: x\n',
    errors: [
      {
        code: 'UNKNOWN_KIND',
        field: ['manifest', '0', 'kind'],
        message:
          'kind: Unsupported value: "Frobnicator": unknown kind; supported kinds are "Namespace" (apiVersion v1), "Deployment" (apiVersion apps/v1), ' +
          '"StatefulSet" (apiVersion apps/v1), "Job" (apiVersion batch/v1), "CronJob" (apiVersion batch/v1), "Pod" (apiVersion v1), ' +
          '"ResourceQuota" (apiVersion v1), "LimitRange" (apiVersion v1), "PriorityClass" (apiVersion scheduling.k8s.io/v1) and "HorizontalPodAutoscaler" (apiVersion autoscaling/v2)',
      },
    ],
  },
  {
    name: 'suggests the right spelling of a kind written in the wrong case',
    text: 'apiVersion: apps/v1\nkind: deployment\nmetadata:\n  name: x\n',
    errors: [{ code: 'UNKNOWN_KIND', field: ['manifest', '0', 'kind'], message: /did you mean "Deployment"\?/ }],
  },
  {
    name: 'suggests the singular of a plural kind',
    text: 'apiVersion: v1\nkind: pods\nmetadata:\n  name: x\n',
    errors: [{ code: 'UNKNOWN_KIND', field: ['manifest', '0', 'kind'], message: /did you mean "Pod"\?/ }],
  },
  {
    name: 'refuses a ReplicaSet, pointing at Deployments',
    text: 'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: x\n',
    errors: [
      {
        code: 'UNSUPPORTED_KIND',
        field: ['manifest', '0', 'kind'],
        message: /^kind: Unsupported value: "ReplicaSet": ReplicaSets are managed by Deployments; apply a Deployment; supported kinds are /,
      },
    ],
  },
  ...['Service', 'ConfigMap', 'Secret', 'Ingress'].map(
    (kind): ErrCase => ({
      name: `refuses a ${kind} as not supported yet`,
      text: `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: x\n`,
      errors: [{ code: 'UNSUPPORTED_KIND', field: ['manifest', '0', 'kind'], message: new RegExp(`"${kind}": ${kind} is not supported yet; supported kinds are`) }],
    }),
  ),
  {
    name: 'refuses a CronJob under the old batch/v1beta1 API',
    text: 'apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: x\n',
    errors: [
      {
        code: 'UNSUPPORTED_API_VERSION',
        field: ['manifest', '0', 'apiVersion'],
        message: 'apiVersion: Unsupported value: "batch/v1beta1": CronJob is served as "batch/v1"; supported values: "batch/v1"',
      },
      { code: 'REQUIRED', field: ['manifest', '0', 'spec'] },
    ],
  },
  {
    name: 'refuses a Deployment under the old extensions/v1beta1 API',
    text: deployment().replace('apps/v1', 'extensions/v1beta1'),
    errors: [
      {
        code: 'UNSUPPORTED_API_VERSION',
        field: ['manifest', '0', 'apiVersion'],
        message: 'apiVersion: Unsupported value: "extensions/v1beta1": Deployment is served as "apps/v1"; supported values: "apps/v1"',
      },
    ],
  },
  {
    name: 'refuses a Namespace under apps/v1',
    text: NAMESPACE('x').replace('v1', 'apps/v1'),
    errors: [{ code: 'UNSUPPORTED_API_VERSION', field: ['manifest', '0', 'apiVersion'] }],
  },
  {
    name: 'requires apiVersion and kind',
    text: 'metadata:\n  name: x\n',
    errors: [
      { code: 'REQUIRED', field: ['manifest', '0', 'kind'], message: 'kind: Required value' },
      { code: 'REQUIRED', field: ['manifest', '0', 'apiVersion'], message: 'apiVersion: Required value' },
    ],
  },
  {
    name: 'refuses a document that is not a mapping',
    text: '- apiVersion: v1\n',
    errors: [{ code: 'INVALID_OBJECT', field: ['manifest', '0'] }],
  },
  {
    name: 'refuses a document that is a bare string',
    text: 'hello\n',
    errors: [{ code: 'INVALID_OBJECT', field: ['manifest', '0'], message: /^Invalid value: "hello": must be a mapping/ }],
  },
  {
    // Line numbers count from the top of the whole manifest, not of the document.
    name: 'reports a YAML syntax error with its line and column in the whole text',
    text: `${NAMESPACE('a')}---\nmetadata: [1, 2\nkind: x\n`,
    errors: [{ code: 'INVALID_YAML', field: ['manifest', '1'], message: /^Invalid YAML: Flow sequence .* at line 7, column 1$/ }],
  },
  {
    name: 'reports duplicate keys as a YAML error',
    text: 'apiVersion: v1\nkind: Namespace\nkind: Namespace\n',
    errors: [{ code: 'INVALID_YAML', field: ['manifest', '0'], message: /unique/ }],
  },
  {
    name: 'refuses a Deployment name with capitals and underscores',
    text: deployment({ name: 'Web_Server' }),
    errors: [
      {
        code: 'INVALID_VALUE',
        field: ['manifest', '0', 'metadata', 'name'],
        message: /^metadata\.name: Invalid value: "Web_Server": a lowercase RFC 1123 subdomain must consist of/,
      },
    ],
  },
  {
    name: 'refuses a Deployment name starting with a dash',
    text: deployment({ name: '-web' }),
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'name'] }],
  },
  {
    name: 'refuses a Namespace name with a dot, since namespaces are RFC 1123 labels',
    text: NAMESPACE('my.team'),
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'name'], message: /RFC 1123 label/ }],
  },
  {
    name: 'requires a name',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata: {}\n',
    errors: [{ code: 'REQUIRED', field: ['manifest', '0', 'metadata', 'name'] }],
  },
  {
    name: 'refuses generateName where no name generator is given',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  generateName: team-\n',
    errors: [{ code: 'FORBIDDEN', field: ['manifest', '0', 'metadata', 'generateName'], message: /generateName is not supported here/ }],
  },
  {
    name: 'refuses an invalid namespace',
    text: deployment({ namespace: 'Team_A' }),
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'namespace'] }],
  },
  {
    name: 'refuses invalid label keys and values, and labels that are not strings',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    "-bad": x\n    good: "bad value"\n    version: 1\n',
    errors: [
      { code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'labels', 'version'], message: /must be strings; quote it in YAML: "1"/ },
      { code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'labels', '-bad'] },
      { code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'labels', 'good'], message: /"bad value": a valid label must be/ },
    ],
  },
  {
    name: 'refuses an invalid annotation key',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  annotations:\n    "a/b/c": x\n',
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'annotations', 'a/b/c'] }],
  },
  {
    name: 'refuses an invalid CPU quantity, with the path to it',
    text: deployment({
      containers: '      containers:\n      - name: app\n        image: nginx\n        resources:\n          requests:\n            cpu: 12q',
    }),
    errors: [
      {
        code: 'INVALID_QUANTITY',
        field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '0', 'resources', 'requests', 'cpu'],
        message: /^spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu: Invalid value: "12q": /,
      },
    ],
  },
  {
    name: 'refuses a limit below the request',
    text: deployment({
      containers: '      containers:\n      - name: app\n        image: nginx\n        resources:\n          requests: {memory: 2Gi}\n          limits: {memory: 1Gi}',
    }),
    errors: [
      {
        code: 'INVALID_VALUE',
        field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '0', 'resources', 'limits', 'memory'],
        message: /must be greater than or equal to memory request/,
      },
    ],
  },
  {
    name: 'refuses a pod larger than any supported spec',
    text: deployment({
      containers: '      containers:\n      - name: app\n        image: nginx\n        resources:\n          requests: {cpu: 17}',
    }),
    errors: [{ code: 'SPEC_TOO_LARGE', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers'] }],
  },
  {
    name: 'refuses EKS annotations naming an unsupported spec, at the template annotations',
    text: deployment({
      templateAnnotations:
        '      annotations:\n        eks.tke.cloud.tencent.com/cpu: "2"\n        eks.tke.cloud.tencent.com/mem: 3Gi',
    }),
    errors: [{ code: 'UNSUPPORTED_SPEC', field: ['manifest', '0', 'spec', 'template', 'metadata', 'annotations'] }],
  },
  {
    name: 'refuses an EKS memory annotation in G, at the annotation',
    text: deployment({
      templateAnnotations:
        '      annotations:\n        eks.tke.cloud.tencent.com/cpu: "2"\n        eks.tke.cloud.tencent.com/mem: 4G',
    }),
    errors: [
      {
        code: 'INVALID_ANNOTATION',
        field: ['manifest', '0', 'spec', 'template', 'metadata', 'annotations', 'eks.tke.cloud.tencent.com/mem'],
        message: /^spec\.template\.metadata\.annotations\[eks\.tke\.cloud\.tencent\.com\/mem\]: Invalid value: "4G"/,
      },
    ],
  },
  {
    name: 'reports an unquoted numeric EKS annotation once, as a value that must be a string',
    text: deployment({
      templateAnnotations:
        '      annotations:\n        eks.tke.cloud.tencent.com/cpu: 2\n        eks.tke.cloud.tencent.com/mem: 4Gi',
    }),
    errors: [
      {
        code: 'INVALID_VALUE',
        field: ['manifest', '0', 'spec', 'template', 'metadata', 'annotations', 'eks.tke.cloud.tencent.com/cpu'],
        message: /must be strings; quote it in YAML: "2"/,
      },
    ],
  },
  {
    name: 'refuses negative replicas in the kubectl wording',
    text: deployment({ replicas: '-1' }),
    errors: [
      {
        code: 'INVALID_VALUE',
        field: ['manifest', '0', 'spec', 'replicas'],
        message: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      },
    ],
  },
  {
    name: 'refuses fractional replicas',
    text: deployment({ replicas: '1.5' }),
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'replicas'], message: /must be an integer/ }],
  },
  {
    name: 'refuses replicas written as a string',
    text: deployment({ replicas: '"3"' }),
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'replicas'], message: /Invalid value: "3": must be an integer/ }],
  },
  {
    name: 'requires a spec on a Deployment',
    text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
    errors: [{ code: 'REQUIRED', field: ['manifest', '0', 'spec'] }],
  },
  {
    name: 'requires containers',
    text: deployment({ containers: '      containers: []' }),
    errors: [{ code: 'REQUIRED', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers'] }],
  },
  {
    name: 'requires a pod spec in the template',
    text: deployment({ containers: '' }).replace('    spec:\n', ''),
    errors: [{ code: 'REQUIRED', field: ['manifest', '0', 'spec', 'template', 'spec'] }],
  },
  {
    name: 'requires a selector with matchLabels',
    text: deployment({ selector: '  selector: {}' }),
    errors: [{ code: 'REQUIRED', field: ['manifest', '0', 'spec', 'selector', 'matchLabels'] }],
  },
  {
    name: 'refuses an empty selector',
    text: deployment({ selector: '  selector:\n    matchLabels: {}' }),
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'selector', 'matchLabels'], message: /empty selector/ }],
  },
  {
    name: 'refuses matchExpressions for now',
    text: deployment({
      selector: '  selector:\n    matchExpressions:\n    - {key: app, operator: In, values: [web]}',
    }),
    errors: [{ code: 'UNSUPPORTED_FIELD', field: ['manifest', '0', 'spec', 'selector', 'matchExpressions'] }],
  },
  {
    name: 'refuses a selector that does not match the template labels, in the Kubernetes wording',
    text: deployment({ templateLabels: '      labels:\n        app: api' }),
    errors: [
      {
        code: 'INVALID_VALUE',
        field: ['manifest', '0', 'spec', 'template', 'metadata', 'labels'],
        message: 'spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`',
      },
    ],
  },
  {
    name: 'refuses duplicate container names, across containers and init containers',
    text: deployment({
      podExtra: '      initContainers:\n      - name: app\n        image: busybox',
      containers: '      containers:\n      - name: app\n        image: nginx\n      - name: app\n        image: redis',
    }),
    errors: [
      { code: 'DUPLICATE', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '1', 'name'], message: /Duplicate value: "app"/ },
      { code: 'DUPLICATE', field: ['manifest', '0', 'spec', 'template', 'spec', 'initContainers', '0', 'name'] },
    ],
  },
  {
    name: 'requires container names and images, and checks names are RFC 1123 labels',
    text: deployment({
      containers: '      containers:\n      - image: nginx\n      - name: Web_App\n        image: nginx\n      - name: ok\n        image: ""\n      - name: ok2\n        image: " nginx"',
    }),
    errors: [
      { code: 'REQUIRED', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '0', 'name'] },
      { code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '1', 'name'], message: /RFC 1123 label/ },
      { code: 'REQUIRED', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '2', 'image'] },
      { code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '3', 'image'], message: /whitespace/ },
    ],
  },
  {
    name: 'refuses the same Deployment twice in one manifest, naming the first',
    text: `${deployment()}---\n${deployment()}`,
    errors: [
      {
        code: 'DUPLICATE',
        field: ['manifest', '1', 'metadata', 'name'],
        message: 'metadata.name: Duplicate value: "web": Deployment "web" in namespace "default" is already defined in document 0',
      },
    ],
  },
  {
    name: 'counts an explicit default namespace and an omitted one as the same namespace',
    text: `${deployment()}---\n${deployment({ namespace: 'default' })}`,
    errors: [{ code: 'DUPLICATE', field: ['manifest', '1', 'metadata', 'name'] }],
  },
  {
    name: 'refuses the same Namespace twice',
    text: `${NAMESPACE('a')}---\n${NAMESPACE('a')}`,
    errors: [{ code: 'DUPLICATE', field: ['manifest', '1', 'metadata', 'name'] }],
  },
  {
    name: 'reports errors from several documents, each under its own index',
    text: [deployment({ name: 'Web_Server' }), NAMESPACE('ok'), 'apiVersion: apps/v1\nkind: DaemonSet\n', deployment({ name: 'b', replicas: '-1' })].join('---\n'),
    errors: [
      { code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'name'] },
      { code: 'UNSUPPORTED_KIND', field: ['manifest', '2', 'kind'] },
      { code: 'INVALID_VALUE', field: ['manifest', '3', 'spec', 'replicas'] },
    ],
  },
  {
    name: 'reports errors in List items under items and their index',
    text: 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: ok}\n- apiVersion: apps/v1\n  kind: DaemonSet\n- 42\n',
    errors: [
      { code: 'UNSUPPORTED_KIND', field: ['manifest', '0', 'items', '1', 'kind'], message: /^items\[1\]\.kind: Unsupported value: "DaemonSet"/ },
      { code: 'INVALID_OBJECT', field: ['manifest', '0', 'items', '2'] },
    ],
  },
  {
    name: 'uses the field prefix it is given',
    text: deployment({ replicas: '-1' }),
    opts: { fieldPrefix: ['input', 'yaml'] },
    errors: [{ code: 'INVALID_VALUE', field: ['input', 'yaml', '0', 'spec', 'replicas'] }],
  },
];

describe('parseManifest', () => {
  for (const tc of errCases) {
    it(tc.name, () => {
      const { errors } = parseManifest(tc.text, tc.opts);
      expect(errors.map((e) => ({ code: e.code, field: e.field }))).toEqual(
        tc.errors.map((e) => ({ code: e.code, field: e.field })),
      );
      tc.errors.forEach((e, i) => {
        if (typeof e.message === 'string') expect(errors[i].message).toBe(e.message);
        else if (e.message) expect(errors[i].message).toMatch(e.message);
      });
    });
  }

  it('returns only the objects that passed validation', () => {
    const text = [NAMESPACE('ok'), deployment({ replicas: '-1' }), deployment({ name: 'fine' })].join('---\n');
    const { objects, errors } = parseManifest(text);
    expect(errors).toHaveLength(1);
    expect(objects.map((o) => o.metadata.name)).toEqual(['ok', 'fine']);
  });

  it('does not expand a YAML alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      bomb.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const { objects, errors } = parseManifest(`${bomb.join('\n')}\n`);
    expect(objects).toEqual([]);
    expect(errors).toEqual([{ field: ['manifest', '0'], code: 'LIMIT_EXCEEDED', message: 'YAML limit exceeded: more than 100 alias expansions (maxAliases: 100) at line 1, column 1' }]);
  });
});

describe('formatFieldPath', () => {
  const cases: Array<[string[], string]> = [
    [['spec', 'replicas'], 'spec.replicas'],
    [['spec', 'template', 'spec', 'containers', '0', 'image'], 'spec.template.spec.containers[0].image'],
    [['metadata', 'annotations', 'eks.tke.cloud.tencent.com/cpu'], 'metadata.annotations[eks.tke.cloud.tencent.com/cpu]'],
    [['items', '2', 'kind'], 'items[2].kind'],
    [['resources', 'limits', 'ephemeral-storage'], 'resources.limits.ephemeral-storage'],
    [[], ''],
  ];
  for (const [path, text] of cases) {
    it(`writes ${JSON.stringify(path)} as "${text}"`, () => {
      expect(formatFieldPath(path)).toBe(text);
    });
  }
});

describe('text that cannot be stored, and simulator annotations', () => {
  const nginx = (extra: string) => NGINX.replace('        image: nginx:1.14.2', `        image: nginx:1.14.2\n${extra}`);
  it('refuses a NUL character hidden in a YAML escape, with its path', () => {
    const { objects, errors } = parseManifest(NGINX.replace('image: nginx:1.14.2', 'image: "nginx\\0"'));
    expect(objects).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'template', 'spec', 'containers', '0', 'image'] })]);
  });
  it('refuses an unpaired surrogate in a key', () => {
    const { errors } = parseManifest(nginx('        env: { "\\uD800": "x" }'));
    expect(errors[0]).toMatchObject({ code: 'INVALID_VALUE' });
  });
  it('accepts paired surrogates (emoji) in values', () => {
    const { errors } = parseManifest(NGINX.replace('  labels:\n    app: nginx\nspec', '  labels:\n    app: nginx\n  annotations:\n    note: "🚀"\nspec'));
    expect(errors).toEqual([]);
  });
  it('checks the simulator latency annotations', () => {
    const withAnn = (v: string) => NGINX.replace('    metadata:\n      labels:\n        app: nginx', `    metadata:\n      annotations:\n        sim.nodeless.dev/boot-ms: "${v}"\n      labels:\n        app: nginx`);
    expect(parseManifest(withAnn('2500')).errors).toEqual([]);
    for (const bad of ['1e300', '-1', '3600001', 'soon']) {
      expect(parseManifest(withAnn(bad)).errors).toEqual([expect.objectContaining({ code: 'INVALID_ANNOTATION', field: ['manifest', '0', 'spec', 'template', 'metadata', 'annotations', 'sim.nodeless.dev/boot-ms'] })]);
    }
  });
});

describe('where each object came from', () => {
  it('records the field path of every object, counting empty documents and List items', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: { name: team }\n`;
    const { objects, errors } = parseManifest(`---\n# an empty document\n---\n${NGINX}---\n${list}`);
    expect(errors).toEqual([]);
    expect(objects.map((o) => [o.kind, o.source])).toEqual([
      ['Deployment', ['manifest', '1']],
      ['Namespace', ['manifest', '2', 'items', '0']],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Every workload kind: the Kubernetes documentation examples, defaults, and bad inputs.

/** The nginx Pod from the Kubernetes documentation. */
const NGINX_POD = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.14.2
    ports:
    - containerPort: 80
`;

type Obj = Record<string, any>;

/** The YAML of `base` after `edit` changed a copy of it. */
function edited(base: string, edit: (o: Obj) => void): string {
  const o = parseYaml(base) as Obj;
  edit(o);
  return stringifyYaml(o);
}

function only<K extends ManifestObject['kind']>(text: string, kind: K): Extract<ManifestObject, { kind: K }> {
  const { objects, errors } = parseManifest(text);
  expect(errors).toEqual([]);
  expect(objects).toHaveLength(1);
  expect(objects[0].kind).toBe(kind);
  return objects[0] as Extract<ManifestObject, { kind: K }>;
}

describe('parseManifest defaults each kind as Kubernetes does', () => {
  it('the nginx Deployment: RollingUpdate 25%/25%, history 10, deadline 600, pod restartPolicy Always, grace 30', () => {
    const d = only(NGINX, 'Deployment');
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(d.spec.minReadySeconds).toBe(0);
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.paused).toBe(false);
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('a Deployment rolling update that names only maxSurge, defaulting maxUnavailable to 25%', () => {
    const d = only(edited(NGINX, (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 1 } })), 'Deployment');
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
  });

  it('a Deployment with maxUnavailable 0 and a surge, and a paused one', () => {
    const d = only(
      edited(NGINX, (o) => {
        o.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '100%', maxUnavailable: 0 } };
        o.spec.paused = true;
        o.spec.progressDeadlineSeconds = 11;
        o.spec.minReadySeconds = 10;
      }),
      'Deployment',
    );
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '100%', maxUnavailable: 0 } });
    expect(d.spec.paused).toBe(true);
    expect(d.spec.progressDeadlineSeconds).toBe(11);
  });

  it('the web StatefulSet: OrderedReady, RollingUpdate partition 0, claim www in the standard class', () => {
    const s = only(WEB_STATEFULSET, 'StatefulSet');
    expect(s.apiVersion).toBe('apps/v1');
    expect(s.metadata).toEqual({ name: 'web', namespace: 'default', labels: {}, annotations: {} });
    expect(s.spec.replicas).toBe(3);
    expect(s.spec.selector).toEqual({ matchLabels: { app: 'nginx' } });
    expect(s.spec.serviceName).toBe('nginx');
    expect(s.spec.minReadySeconds).toBe(10);
    expect(s.spec.podManagementPolicy).toBe('OrderedReady');
    expect(s.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(s.spec.revisionHistoryLimit).toBe(10);
    expect(s.spec.template.spec.terminationGracePeriodSeconds).toBe(10);
    expect(s.spec.template.spec.restartPolicy).toBe('Always');
    expect(s.spec.volumeClaimTemplates).toEqual([
      { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } } },
    ]);
    expect(s.billed).toEqual({ cpuMilli: 1000, memoryMi: 2048 });
  });

  it('a StatefulSet keeping its storage class, OnDelete, Parallel, and no serviceName or claims', () => {
    const s = only(
      edited(WEB_STATEFULSET, (o) => {
        o.spec.volumeClaimTemplates[0].spec.storageClassName = 'my-storage-class';
        o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = 2147483648;
        o.spec.updateStrategy = { type: 'OnDelete' };
        o.spec.podManagementPolicy = 'Parallel';
      }),
      'StatefulSet',
    );
    expect(s.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('my-storage-class');
    expect(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2147483648');
    expect(s.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(s.spec.podManagementPolicy).toBe('Parallel');

    const bare = only(
      edited(WEB_STATEFULSET, (o) => {
        delete o.spec.serviceName;
        delete o.spec.volumeClaimTemplates;
        o.spec.updateStrategy = { rollingUpdate: { partition: 2 } };
      }),
      'StatefulSet',
    );
    expect(bare.spec.serviceName).toBe('');
    expect(bare.spec.volumeClaimTemplates).toEqual([]);
    expect(bare.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
  });

  it('the pi Job: one completion, parallelism 1, backoffLimit 4 as written, NonIndexed, no selector yet', () => {
    const j = only(PI_JOB, 'Job');
    expect(j.apiVersion).toBe('batch/v1');
    expect(j.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 4,
      completionMode: 'NonIndexed',
      suspend: false,
      activeDeadlineSeconds: null,
      ttlSecondsAfterFinished: null,
    });
    expect(j.spec).not.toHaveProperty('selector');
    expect(j.spec.template.metadata).toEqual({ labels: {}, annotations: {} });
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
    expect(j.spec.template.spec.containers[0]).toMatchObject({ name: 'pi', image: 'perl:5.34.0' });
    expect(j.billed).toEqual({ cpuMilli: 1000, memoryMi: 2048 });
  });

  it('a Job defaults backoffLimit to 6, and completions to null (a work queue) when only parallelism is set', () => {
    const j = only(edited(PI_JOB, (o) => { delete o.spec.backoffLimit; o.spec.parallelism = 3; }), 'Job');
    expect(j.spec.backoffLimit).toBe(6);
    expect(j.spec.parallelism).toBe(3);
    expect(j.spec.completions).toBeNull();
  });

  it('a Job with only completions gets parallelism 1; an Indexed one keeps its mode', () => {
    const j = only(edited(PI_JOB, (o) => { o.spec.completions = 5; o.spec.completionMode = 'Indexed'; o.spec.ttlSecondsAfterFinished = 0; o.spec.activeDeadlineSeconds = 100; }), 'Job');
    expect(j.spec).toMatchObject({ completions: 5, parallelism: 1, completionMode: 'Indexed', ttlSecondsAfterFinished: 0, activeDeadlineSeconds: 100 });
  });

  it('a Job with manualSelector: true keeps the selector it was given', () => {
    const j = only(
      edited(PI_JOB, (o) => {
        o.spec.manualSelector = true;
        o.spec.selector = { matchLabels: { app: 'pi' } };
        o.spec.template.metadata = { labels: { app: 'pi' } };
      }),
      'Job',
    );
    expect(j.spec.selector).toEqual({ matchLabels: { app: 'pi' } });
    expect(j.spec.manualSelector).toBe(true);
  });

  it('the hello CronJob: Allow, history 3 and 1, no deadline, UTC, the job template defaulted as a Job', () => {
    const c = only(HELLO_CRONJOB, 'CronJob');
    expect(c.apiVersion).toBe('batch/v1');
    expect(c.spec).toMatchObject({
      schedule: '* * * * *',
      timeZone: null,
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      startingDeadlineSeconds: null,
    });
    expect(c.spec.jobTemplate.metadata).toEqual({ labels: {}, annotations: {} });
    expect(c.spec.jobTemplate.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    expect(c.spec.jobTemplate.spec).not.toHaveProperty('selector');
    expect(c.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(c.spec.jobTemplate.spec.template.spec.containers[0]).toMatchObject({ name: 'hello', image: 'busybox:1.28', imagePullPolicy: 'IfNotPresent' });
    expect(c.billed).toEqual({ cpuMilli: 1000, memoryMi: 2048 });
  });

  it('a CronJob in a time zone, billed at its job template pod', () => {
    const c = only(
      edited(HELLO_CRONJOB, (o) => {
        o.spec.timeZone = 'Europe/Paris';
        o.spec.concurrencyPolicy = 'Forbid';
        o.spec.startingDeadlineSeconds = 0;
        o.spec.jobTemplate.metadata = { labels: { team: 'a' } };
        o.spec.jobTemplate.spec.template.spec.containers[0].resources = { requests: { cpu: 2, memory: '4Gi' } };
      }),
      'CronJob',
    );
    expect(c.spec.timeZone).toBe('Europe/Paris');
    expect(c.spec.concurrencyPolicy).toBe('Forbid');
    expect(c.spec.startingDeadlineSeconds).toBe(0);
    expect(c.spec.jobTemplate.metadata.labels).toEqual({ team: 'a' });
    expect(c.billed).toEqual({ cpuMilli: 2000, memoryMi: 4096 });
  });

  it('the nginx Pod: restartPolicy Always, grace 30, billed 1 core / 2 GiB; other policies as written', () => {
    const p = only(NGINX_POD, 'Pod');
    expect(p.apiVersion).toBe('v1');
    expect(p.metadata).toEqual({ name: 'nginx', namespace: 'default', labels: {}, annotations: {} });
    expect(p.spec).toEqual({
      containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    });
    expect(p.billed).toEqual({ cpuMilli: 1000, memoryMi: 2048 });
    expect(only(edited(NGINX_POD, (o) => (o.spec.restartPolicy = 'Never')), 'Pod').spec.restartPolicy).toBe('Never');
  });

  it('a Pod sized by its EKS annotations, with a readiness probe', () => {
    const p = only(
      edited(NGINX_POD, (o) => {
        o.metadata.annotations = { 'eks.tke.cloud.tencent.com/cpu': '4', 'eks.tke.cloud.tencent.com/mem': '8Gi', 'sim.nodeless.dev/boot-ms': '100' };
        o.spec.containers[0].readinessProbe = { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 0, periodSeconds: 1 };
      }),
      'Pod',
    );
    expect(p.billed).toEqual({ cpuMilli: 4000, memoryMi: 8192 });
    expect(p.spec.containers[0].readinessProbe).toEqual({ httpGet: { path: '/', port: 80 }, initialDelaySeconds: 0, periodSeconds: 1 });
  });

  it('the docs pod with node affinity, storing the affinity as written', () => {
    const p = only(POD_WITH_NODE_AFFINITY, 'Pod');
    expect(p.spec.affinity).toEqual((parseYaml(POD_WITH_NODE_AFFINITY) as Obj).spec.affinity);
  });

  it('the docs pod with pod affinity and anti-affinity', () => {
    const p = only(POD_WITH_POD_AFFINITY, 'Pod');
    expect(p.spec.affinity).toEqual((parseYaml(POD_WITH_POD_AFFINITY) as Obj).spec.affinity);
  });

  it('the docs pod with a topology spread constraint', () => {
    const p = only(ONE_CONSTRAINT, 'Pod');
    expect(p.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { foo: 'bar' } } },
    ]);
  });

  it('the docs scheduling examples in a Deployment template, with tolerations, a priority class and a spot GPU pod', () => {
    const d = only(
      edited(NGINX, (o) => {
        o.spec.template.metadata.annotations = { 'eks.tke.cloud.tencent.com/gpu-type': 'T4,V100', 'eks.tke.cloud.tencent.com/spot-pod': 'true' };
        o.spec.template.spec.affinity = {
          ...(parseYaml(POD_WITH_NODE_AFFINITY) as Obj).spec.affinity,
          ...(parseYaml(POD_WITH_POD_AFFINITY) as Obj).spec.affinity,
        };
        o.spec.template.spec.topologySpreadConstraints = (parseYaml(ONE_CONSTRAINT) as Obj).spec.topologySpreadConstraints;
        o.spec.template.spec.tolerations = [{ key: 'example-key', operator: 'Exists', effect: 'NoSchedule' }];
        o.spec.template.spec.priorityClassName = 'high-priority';
        o.spec.template.spec.preemptionPolicy = 'Never';
        o.spec.template.spec.containers[0].resources = { limits: { 'nvidia.com/gpu': 1 } };
      }),
      'Deployment',
    );
    expect(d.billed).toEqual({ cpuMilli: 8000, memoryMi: 32 * 1024 });
    expect(d.spec.template.spec.priorityClassName).toBe('high-priority');
    expect(d.spec.template.spec.tolerations).toEqual([{ key: 'example-key', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('every kind in one manifest, each with its own source', () => {
    const { objects, errors } = parseManifest([NAMESPACE('default'), NGINX, WEB_STATEFULSET, PI_JOB, HELLO_CRONJOB, NGINX_POD].join('---\n'));
    expect(errors).toEqual([]);
    expect(objects.map((o) => [o.kind, o.source])).toEqual([
      ['Namespace', ['manifest', '0']],
      ['Deployment', ['manifest', '1']],
      ['StatefulSet', ['manifest', '2']],
      ['Job', ['manifest', '3']],
      ['CronJob', ['manifest', '4']],
      ['Pod', ['manifest', '5']],
    ]);
  });
});

interface BadCase {
  name: string;
  base: string;
  edit: (o: Obj) => void;
  errors: Array<{ code: string; field: string[]; message?: string | RegExp }>;
}

const at = (...path: string[]) => ['manifest', '0', ...path];

const badCases: BadCase[] = [
  // Deployment
  {
    name: 'a Deployment strategy type other than Recreate or RollingUpdate',
    base: NGINX,
    edit: (o) => (o.spec.strategy = { type: 'Blue' }),
    errors: [{ code: 'UNSUPPORTED_VALUE', field: at('spec', 'strategy', 'type'), message: 'spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"' }],
  },
  {
    name: 'a rollingUpdate under a Recreate strategy',
    base: NGINX,
    edit: (o) => (o.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
    errors: [{ code: 'FORBIDDEN', field: at('spec', 'strategy', 'rollingUpdate'), message: "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'" }],
  },
  {
    name: 'maxSurge that is neither a count nor a percentage, and a negative maxUnavailable',
    base: NGINX,
    edit: (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 'lots', maxUnavailable: -1 } }),
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'strategy', 'rollingUpdate', 'maxSurge'), message: /^spec\.strategy\.rollingUpdate\.maxSurge: Invalid value: "lots": a valid percent string must be/ },
      { code: 'INVALID_VALUE', field: at('spec', 'strategy', 'rollingUpdate', 'maxUnavailable'), message: /Invalid value: -1: must be greater than or equal to 0$/ },
    ],
  },
  {
    name: 'maxUnavailable over 100%',
    base: NGINX,
    edit: (o) => (o.spec.strategy = { rollingUpdate: { maxUnavailable: '120%' } }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'strategy', 'rollingUpdate', 'maxUnavailable'), message: 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%' }],
  },
  {
    name: 'maxSurge and maxUnavailable both 0',
    base: NGINX,
    edit: (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 } }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'strategy', 'rollingUpdate', 'maxUnavailable'), message: 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0' }],
  },
  {
    name: 'a progress deadline not above minReadySeconds',
    base: NGINX,
    edit: (o) => { o.spec.minReadySeconds = 30; o.spec.progressDeadlineSeconds = 30; },
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'progressDeadlineSeconds'), message: 'spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds' }],
  },
  {
    name: 'a minReadySeconds above the default progress deadline',
    base: NGINX,
    edit: (o) => { o.spec.minReadySeconds = 600; },
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'progressDeadlineSeconds') }],
  },
  {
    name: 'negative revisionHistoryLimit and minReadySeconds, and paused not a boolean',
    base: NGINX,
    edit: (o) => { o.spec.revisionHistoryLimit = -1; o.spec.minReadySeconds = -2; o.spec.paused = 'yes'; },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'minReadySeconds') },
      { code: 'INVALID_VALUE', field: at('spec', 'revisionHistoryLimit'), message: 'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0' },
      { code: 'INVALID_VALUE', field: at('spec', 'paused'), message: 'spec.paused: Invalid value: "yes": must be true or false' },
    ],
  },
  {
    name: 'a Deployment pod that does not restart Always',
    base: NGINX,
    edit: (o) => (o.spec.template.spec.restartPolicy = 'Never'),
    errors: [{ code: 'UNSUPPORTED_VALUE', field: at('spec', 'template', 'spec', 'restartPolicy'), message: 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"' }],
  },
  {
    name: 'activeDeadlineSeconds on a Deployment pod',
    base: NGINX,
    edit: (o) => (o.spec.template.spec.activeDeadlineSeconds = 60),
    errors: [{ code: 'FORBIDDEN', field: at('spec', 'template', 'spec', 'activeDeadlineSeconds') }],
  },
  {
    name: 'a negative or fractional grace period, and bad probe timings',
    base: NGINX,
    edit: (o) => {
      o.spec.template.spec.terminationGracePeriodSeconds = -1;
      o.spec.template.spec.containers[0].readinessProbe = { initialDelaySeconds: -5, periodSeconds: 0 };
      o.spec.template.spec.containers[0].livenessProbe = { initialDelaySeconds: 1.5 };
    },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'template', 'spec', 'containers', '0', 'readinessProbe', 'initialDelaySeconds'), message: 'spec.template.spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0' },
      { code: 'INVALID_VALUE', field: at('spec', 'template', 'spec', 'containers', '0', 'readinessProbe', 'periodSeconds'), message: 'spec.template.spec.containers[0].readinessProbe.periodSeconds: Invalid value: 0: must be greater than or equal to 1' },
      { code: 'INVALID_VALUE', field: at('spec', 'template', 'spec', 'containers', '0', 'livenessProbe', 'initialDelaySeconds'), message: /must be an integer$/ },
      { code: 'INVALID_VALUE', field: at('spec', 'template', 'spec', 'terminationGracePeriodSeconds'), message: 'spec.template.spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0' },
    ],
  },
  {
    name: 'an unknown simulator annotation on a Deployment template',
    base: NGINX,
    edit: (o) => (o.spec.template.metadata.annotations = { 'sim.nodeless.dev/boot-seconds': '3' }),
    errors: [{ code: 'INVALID_ANNOTATION', field: at('spec', 'template', 'metadata', 'annotations', 'sim.nodeless.dev/boot-seconds'), message: /^spec\.template\.metadata\.annotations\[sim\.nodeless\.dev\/boot-seconds\]: Unsupported value/ }],
  },

  // StatefulSet
  {
    name: 'a StatefulSet whose selector does not match its template',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.selector.matchLabels = { app: 'web' }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'template', 'metadata', 'labels'), message: 'spec.template.metadata.labels: Invalid value: {"app":"nginx"}: `selector` does not match template `labels`' }],
  },
  {
    name: 'a StatefulSet without a selector, or with an empty one',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.selector = { matchLabels: {} }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'selector', 'matchLabels'), message: 'spec.selector.matchLabels: Invalid value: {}: empty selector is invalid for statefulset' }],
  },
  {
    name: 'a StatefulSet name that is not a DNS-1123 label',
    base: WEB_STATEFULSET,
    edit: (o) => (o.metadata.name = 'web.v1'),
    errors: [{ code: 'INVALID_VALUE', field: at('metadata', 'name'), message: /RFC 1123 label/ }],
  },
  {
    name: 'negative StatefulSet replicas, a serviceName that is not a name, an unknown pod management policy',
    base: WEB_STATEFULSET,
    edit: (o) => { o.spec.replicas = -1; o.spec.serviceName = 'Nginx_Svc'; o.spec.podManagementPolicy = 'Fast'; },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'replicas'), message: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' },
      { code: 'INVALID_VALUE', field: at('spec', 'serviceName') },
      { code: 'UNSUPPORTED_VALUE', field: at('spec', 'podManagementPolicy'), message: 'spec.podManagementPolicy: Unsupported value: "Fast": supported values: "OrderedReady", "Parallel"' },
    ],
  },
  {
    name: 'an unknown StatefulSet update strategy',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.updateStrategy = { type: 'Blue' }),
    errors: [{ code: 'UNSUPPORTED_VALUE', field: at('spec', 'updateStrategy', 'type'), message: 'spec.updateStrategy.type: Unsupported value: "Blue": supported values: "OnDelete", "RollingUpdate"' }],
  },
  {
    name: 'a rollingUpdate under OnDelete',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 1 } }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'updateStrategy', 'rollingUpdate'), message: /only allowed for updateStrategy 'RollingUpdate'$/ }],
  },
  {
    name: 'a negative partition',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'updateStrategy', 'rollingUpdate', 'partition') }],
  },
  {
    name: 'a StatefulSet pod that restarts OnFailure',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.template.spec.restartPolicy = 'OnFailure'),
    errors: [{ code: 'UNSUPPORTED_VALUE', field: at('spec', 'template', 'spec', 'restartPolicy'), message: 'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"' }],
  },
  {
    name: 'claim templates without a name, with a bad name, and with the same name twice',
    base: WEB_STATEFULSET,
    edit: (o) => {
      const claim = o.spec.volumeClaimTemplates[0];
      o.spec.volumeClaimTemplates = [
        { ...claim, metadata: {} },
        { ...claim, metadata: { name: 'Data_1' } },
        claim,
        { ...claim },
      ];
    },
    errors: [
      { code: 'REQUIRED', field: at('spec', 'volumeClaimTemplates', '0', 'metadata', 'name') },
      { code: 'INVALID_VALUE', field: at('spec', 'volumeClaimTemplates', '1', 'metadata', 'name'), message: /RFC 1123 label/ },
      { code: 'DUPLICATE', field: at('spec', 'volumeClaimTemplates', '3', 'metadata', 'name'), message: 'spec.volumeClaimTemplates[3].metadata.name: Duplicate value: "www"' },
    ],
  },
  {
    name: 'claim templates without access modes, with an unknown one, or ReadWriteOncePod with another',
    base: WEB_STATEFULSET,
    edit: (o) => {
      const claim = o.spec.volumeClaimTemplates[0];
      o.spec.volumeClaimTemplates = [
        { metadata: { name: 'a' }, spec: { ...claim.spec, accessModes: [] } },
        { metadata: { name: 'b' }, spec: { ...claim.spec, accessModes: ['ReadWriteSometimes'] } },
        { metadata: { name: 'c' }, spec: { ...claim.spec, accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'] } },
      ];
    },
    errors: [
      { code: 'REQUIRED', field: at('spec', 'volumeClaimTemplates', '0', 'spec', 'accessModes'), message: 'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required' },
      {
        code: 'UNSUPPORTED_VALUE',
        field: at('spec', 'volumeClaimTemplates', '1', 'spec', 'accessModes', '0'),
        message: 'spec.volumeClaimTemplates[1].spec.accessModes[0]: Unsupported value: "ReadWriteSometimes": supported values: "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"',
      },
      { code: 'FORBIDDEN', field: at('spec', 'volumeClaimTemplates', '2', 'spec', 'accessModes') },
    ],
  },
  {
    name: 'claim templates without a storage request, with a malformed one, or zero',
    base: WEB_STATEFULSET,
    edit: (o) => {
      const modes = ['ReadWriteOnce'];
      o.spec.volumeClaimTemplates = [
        { metadata: { name: 'a' }, spec: { accessModes: modes } },
        { metadata: { name: 'b' }, spec: { accessModes: modes, resources: { requests: {} } } },
        { metadata: { name: 'c' }, spec: { accessModes: modes, resources: { requests: { storage: '1Gb' } } } },
        { metadata: { name: 'd' }, spec: { accessModes: modes, resources: { requests: { storage: '0' } } } },
        { metadata: { name: 'e' }, spec: { accessModes: modes, resources: { requests: { storage: '-1Gi' } } } },
      ];
    },
    errors: [
      { code: 'REQUIRED', field: at('spec', 'volumeClaimTemplates', '0', 'spec', 'resources') },
      { code: 'REQUIRED', field: at('spec', 'volumeClaimTemplates', '1', 'spec', 'resources', 'requests', 'storage') },
      { code: 'INVALID_QUANTITY', field: at('spec', 'volumeClaimTemplates', '2', 'spec', 'resources', 'requests', 'storage'), message: /Invalid value: "1Gb": must be a quantity/ },
      { code: 'INVALID_VALUE', field: at('spec', 'volumeClaimTemplates', '3', 'spec', 'resources', 'requests', 'storage'), message: /Invalid value: "0": must be greater than zero$/ },
      { code: 'INVALID_VALUE', field: at('spec', 'volumeClaimTemplates', '4', 'spec', 'resources', 'requests', 'storage') },
    ],
  },
  {
    name: 'a claim template without a spec',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.volumeClaimTemplates = [{ metadata: { name: 'x' } }]),
    errors: [{ code: 'REQUIRED', field: at('spec', 'volumeClaimTemplates', '0', 'spec') }],
  },
  {
    name: 'volumeClaimTemplates that is not a list',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.volumeClaimTemplates = { www: {} }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'volumeClaimTemplates') }],
  },
  {
    name: 'a bad simulator annotation on a StatefulSet template',
    base: WEB_STATEFULSET,
    edit: (o) => (o.spec.template.metadata.annotations = { 'sim.nodeless.dev/pull-ms': 'slow' }),
    errors: [{ code: 'INVALID_ANNOTATION', field: at('spec', 'template', 'metadata', 'annotations', 'sim.nodeless.dev/pull-ms') }],
  },

  // Job
  {
    name: 'a Job pod without a restartPolicy',
    base: PI_JOB,
    edit: (o) => delete o.spec.template.spec.restartPolicy,
    errors: [{ code: 'REQUIRED', field: at('spec', 'template', 'spec', 'restartPolicy'), message: 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"' }],
  },
  {
    name: 'a Job pod that restarts Always',
    base: PI_JOB,
    edit: (o) => (o.spec.template.spec.restartPolicy = 'Always'),
    errors: [{ code: 'UNSUPPORTED_VALUE', field: at('spec', 'template', 'spec', 'restartPolicy'), message: 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"' }],
  },
  {
    name: 'negative Job counts, a zero deadline and a negative TTL',
    base: PI_JOB,
    edit: (o) => {
      o.spec.parallelism = -1;
      o.spec.completions = -1;
      o.spec.backoffLimit = -1;
      o.spec.activeDeadlineSeconds = 0;
      o.spec.ttlSecondsAfterFinished = -1;
    },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'parallelism'), message: 'spec.parallelism: Invalid value: -1: must be greater than or equal to 0' },
      { code: 'INVALID_VALUE', field: at('spec', 'completions') },
      { code: 'INVALID_VALUE', field: at('spec', 'backoffLimit') },
      { code: 'INVALID_VALUE', field: at('spec', 'activeDeadlineSeconds'), message: 'spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0' },
      { code: 'INVALID_VALUE', field: at('spec', 'ttlSecondsAfterFinished') },
    ],
  },
  {
    name: 'an unknown completion mode',
    base: PI_JOB,
    edit: (o) => (o.spec.completionMode = 'Sometimes'),
    errors: [{ code: 'UNSUPPORTED_VALUE', field: at('spec', 'completionMode'), message: 'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"' }],
  },
  {
    name: 'an Indexed Job without completions',
    base: PI_JOB,
    edit: (o) => { o.spec.completionMode = 'Indexed'; o.spec.parallelism = 2; },
    errors: [{ code: 'REQUIRED', field: at('spec', 'completions'), message: 'spec.completions: Required value: when completion mode is Indexed' }],
  },
  {
    name: 'a Job selector without manualSelector',
    base: PI_JOB,
    edit: (o) => (o.spec.selector = { matchLabels: { app: 'pi' } }),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'selector'), message: /^spec\.selector: Invalid value: \{"matchLabels":\{"app":"pi"\}\}: `selector` will be auto-generated/ }],
  },
  {
    name: 'manualSelector without a selector',
    base: PI_JOB,
    edit: (o) => (o.spec.manualSelector = true),
    errors: [{ code: 'REQUIRED', field: at('spec', 'selector') }],
  },
  {
    name: 'a manual Job selector that does not match the template',
    base: PI_JOB,
    edit: (o) => { o.spec.manualSelector = true; o.spec.selector = { matchLabels: { app: 'pi' } }; },
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'template', 'metadata', 'labels'), message: /`selector` does not match template `labels`$/ }],
  },
  {
    name: 'suspend and manualSelector that are not booleans',
    base: PI_JOB,
    edit: (o) => { o.spec.suspend = 'no'; o.spec.manualSelector = 1; },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'suspend') },
      { code: 'INVALID_VALUE', field: at('spec', 'manualSelector') },
    ],
  },
  {
    name: 'a Job without a template',
    base: PI_JOB,
    edit: (o) => delete o.spec.template,
    errors: [{ code: 'REQUIRED', field: at('spec', 'template') }],
  },

  // CronJob
  {
    name: 'a CronJob without a schedule',
    base: HELLO_CRONJOB,
    edit: (o) => delete o.spec.schedule,
    errors: [{ code: 'REQUIRED', field: at('spec', 'schedule'), message: 'spec.schedule: Required value' }],
  },
  {
    name: 'a schedule that is not cron syntax',
    base: HELLO_CRONJOB,
    edit: (o) => (o.spec.schedule = 'every minute'),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'schedule'), message: /^spec\.schedule: Invalid value: "every minute": / }],
  },
  {
    name: 'an unknown time zone',
    base: HELLO_CRONJOB,
    edit: (o) => (o.spec.timeZone = 'Mars/Olympus_Mons'),
    errors: [{ code: 'INVALID_VALUE', field: at('spec', 'timeZone'), message: /^spec\.timeZone: Invalid value: "Mars\/Olympus_Mons": / }],
  },
  {
    name: 'an unknown concurrency policy and negative deadlines and history limits',
    base: HELLO_CRONJOB,
    edit: (o) => {
      o.spec.concurrencyPolicy = 'Sometimes';
      o.spec.startingDeadlineSeconds = -1;
      o.spec.successfulJobsHistoryLimit = -1;
      o.spec.failedJobsHistoryLimit = -1;
    },
    errors: [
      { code: 'UNSUPPORTED_VALUE', field: at('spec', 'concurrencyPolicy'), message: 'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"' },
      { code: 'INVALID_VALUE', field: at('spec', 'startingDeadlineSeconds') },
      { code: 'INVALID_VALUE', field: at('spec', 'successfulJobsHistoryLimit') },
      { code: 'INVALID_VALUE', field: at('spec', 'failedJobsHistoryLimit') },
    ],
  },
  {
    name: 'a CronJob without a job template',
    base: HELLO_CRONJOB,
    edit: (o) => delete o.spec.jobTemplate,
    errors: [{ code: 'REQUIRED', field: at('spec', 'jobTemplate') }],
  },
  {
    name: 'a selector or manualSelector in the job template',
    base: HELLO_CRONJOB,
    edit: (o) => { o.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } }; o.spec.jobTemplate.spec.manualSelector = true; },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'jobTemplate', 'spec', 'selector'), message: 'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated' },
      { code: 'UNSUPPORTED_VALUE', field: at('spec', 'jobTemplate', 'spec', 'manualSelector'), message: 'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"' },
    ],
  },
  {
    name: 'job template fields validated as a Job, under spec.jobTemplate.spec',
    base: HELLO_CRONJOB,
    edit: (o) => { o.spec.jobTemplate.spec.backoffLimit = -1; o.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always'; },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'jobTemplate', 'spec', 'backoffLimit'), message: 'spec.jobTemplate.spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0' },
      { code: 'UNSUPPORTED_VALUE', field: at('spec', 'jobTemplate', 'spec', 'template', 'spec', 'restartPolicy') },
    ],
  },
  {
    name: 'simulator annotations and resources in the job template pod',
    base: HELLO_CRONJOB,
    edit: (o) => {
      o.spec.jobTemplate.spec.template.metadata = { annotations: { 'sim.nodeless.dev/exit-code': '300' } };
      o.spec.jobTemplate.spec.template.spec.containers[0].resources = { requests: { cpu: '12q' } };
    },
    errors: [
      { code: 'INVALID_ANNOTATION', field: at('spec', 'jobTemplate', 'spec', 'template', 'metadata', 'annotations', 'sim.nodeless.dev/exit-code'), message: /^spec\.jobTemplate\.spec\.template\.metadata\.annotations\[sim\.nodeless\.dev\/exit-code\]: Invalid value: "300"/ },
      { code: 'INVALID_QUANTITY', field: at('spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', '0', 'resources', 'requests', 'cpu') },
    ],
  },
  {
    name: 'a CronJob name longer than 52 characters',
    base: HELLO_CRONJOB,
    edit: (o) => (o.metadata.name = 'a'.repeat(53)),
    errors: [{ code: 'INVALID_VALUE', field: at('metadata', 'name'), message: /must be no more than 52 characters$/ }],
  },

  // Pod
  {
    name: 'a Pod restartPolicy that does not exist',
    base: NGINX_POD,
    edit: (o) => (o.spec.restartPolicy = 'Sometimes'),
    errors: [{ code: 'UNSUPPORTED_VALUE', field: at('spec', 'restartPolicy'), message: 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' }],
  },
  {
    name: 'a Pod without a spec',
    base: NGINX_POD,
    edit: (o) => delete o.spec,
    errors: [{ code: 'REQUIRED', field: at('spec') }],
  },
  {
    name: 'a Pod without containers, with an invalid name',
    base: NGINX_POD,
    edit: (o) => { o.spec.containers = []; o.metadata.name = 'Nginx'; },
    errors: [
      { code: 'INVALID_VALUE', field: at('metadata', 'name') },
      { code: 'REQUIRED', field: at('spec', 'containers'), message: 'spec.containers: Required value: a pod needs at least one container' },
    ],
  },
  {
    name: 'Pod containers with the same name and a missing image',
    base: NGINX_POD,
    edit: (o) => o.spec.containers.push({ name: 'nginx' }),
    errors: [
      { code: 'DUPLICATE', field: at('spec', 'containers', '1', 'name') },
      { code: 'REQUIRED', field: at('spec', 'containers', '1', 'image') },
    ],
  },
  {
    name: 'a zero activeDeadlineSeconds and negative grace on a Pod',
    base: NGINX_POD,
    edit: (o) => { o.spec.activeDeadlineSeconds = 0; o.spec.terminationGracePeriodSeconds = -3; },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'terminationGracePeriodSeconds') },
      { code: 'INVALID_VALUE', field: at('spec', 'activeDeadlineSeconds'), message: 'spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0' },
    ],
  },
  {
    name: 'Pod simulator and EKS annotations, at metadata.annotations',
    base: NGINX_POD,
    edit: (o) => (o.metadata.annotations = { 'sim.nodeless.dev/never-ready': 'maybe', 'eks.tke.cloud.tencent.com/cpu': '2', 'eks.tke.cloud.tencent.com/mem': '4G' }),
    errors: [
      { code: 'INVALID_ANNOTATION', field: at('metadata', 'annotations', 'sim.nodeless.dev/never-ready'), message: 'metadata.annotations[sim.nodeless.dev/never-ready]: Invalid value: "maybe": must be "true" or "false"' },
      { code: 'INVALID_ANNOTATION', field: at('metadata', 'annotations', 'eks.tke.cloud.tencent.com/mem') },
    ],
  },
  {
    name: 'a Pod resource request that is not a quantity',
    base: NGINX_POD,
    edit: (o) => (o.spec.containers[0].resources = { limits: { memory: 'lots' } }),
    errors: [{ code: 'INVALID_QUANTITY', field: at('spec', 'containers', '0', 'resources', 'limits', 'memory'), message: /^spec\.containers\[0\]\.resources\.limits\.memory: Invalid value: "lots"/ }],
  },
  {
    name: 'a Pod larger than any supported spec',
    base: NGINX_POD,
    edit: (o) => (o.spec.containers[0].resources = { requests: { memory: '100Gi' } }),
    errors: [{ code: 'SPEC_TOO_LARGE', field: at('spec', 'containers') }],
  },

  // GPU, CPU-type and spot annotations, and the scheduling fields of the pod spec
  {
    name: 'a GPU Deployment pod without the gpu-type annotation',
    base: NGINX,
    edit: (o) => (o.spec.template.spec.containers[0].resources = { limits: { 'nvidia.com/gpu': 1 } }),
    errors: [
      {
        code: 'GPU_TYPE_REQUIRED',
        field: at('spec', 'template', 'metadata', 'annotations', 'eks.tke.cloud.tencent.com/gpu-type'),
        message:
          'spec.template.metadata.annotations[eks.tke.cloud.tencent.com/gpu-type]: Required value: the eks.tke.cloud.tencent.com/gpu-type annotation is required for GPU pods; supported: "V100", "T4", "1/4*T4", "1/2*T4"',
      },
    ],
  },
  {
    name: 'an unsupported gpu-type on a Pod',
    base: NGINX_POD,
    edit: (o) => (o.metadata.annotations = { 'eks.tke.cloud.tencent.com/gpu-type': 'A100' }),
    errors: [
      {
        code: 'UNSUPPORTED_GPU_TYPE',
        field: at('metadata', 'annotations', 'eks.tke.cloud.tencent.com/gpu-type'),
        message: /^metadata\.annotations\[eks\.tke\.cloud\.tencent\.com\/gpu-type\]: Unsupported value: "A100": supported values: "V100", "T4", "1\/4\*T4", "1\/2\*T4"/,
      },
    ],
  },
  {
    name: 'cpu/mem annotations on a GPU pod that are not exactly a GPU spec of its type',
    base: NGINX,
    edit: (o) => (o.spec.template.metadata.annotations = { 'eks.tke.cloud.tencent.com/gpu-type': 'V100', 'eks.tke.cloud.tencent.com/cpu': '8', 'eks.tke.cloud.tencent.com/mem': '32Gi' }),
    errors: [
      {
        code: 'UNSUPPORTED_SPEC',
        field: at('spec', 'template', 'metadata', 'annotations'),
        message: /^spec\.template\.metadata\.annotations: Unsupported value: .*not a GPU pod spec of V100; V100 specs are 1 × V100 with 8 CPU \/ 40Gi, /,
      },
    ],
  },
  {
    name: 'a GPU pod asking for more than the largest spec of its type',
    base: NGINX_POD,
    edit: (o) => {
      o.metadata.annotations = { 'eks.tke.cloud.tencent.com/gpu-type': 'T4' };
      o.spec.containers[0].resources = { requests: { cpu: '96' }, limits: { 'nvidia.com/gpu': 4 } };
    },
    errors: [{ code: 'SPEC_TOO_LARGE', field: at('spec', 'containers'), message: /^spec\.containers: Forbidden: the pod needs 4 GPUs, 96 CPU .*T4: 4 × T4 with 80 CPU \/ 320Gi$/ }],
  },
  {
    name: 'cpu-type on a GPU pod, and an unknown cpu-type',
    base: NGINX_POD,
    edit: (o) => (o.metadata.annotations = { 'eks.tke.cloud.tencent.com/gpu-type': 'T4', 'eks.tke.cloud.tencent.com/cpu-type': 'arm' }),
    errors: [{ code: 'UNSUPPORTED_CPU_TYPE', field: at('metadata', 'annotations', 'eks.tke.cloud.tencent.com/cpu-type') }],
  },
  {
    name: 'a spot-pod annotation that is not "true" or "false"',
    base: NGINX,
    edit: (o) => (o.spec.template.metadata.annotations = { 'eks.tke.cloud.tencent.com/spot-pod': 'yes' }),
    errors: [
      {
        code: 'INVALID_ANNOTATION',
        field: at('spec', 'template', 'metadata', 'annotations', 'eks.tke.cloud.tencent.com/spot-pod'),
        message: 'spec.template.metadata.annotations[eks.tke.cloud.tencent.com/spot-pod]: Invalid value: "yes": must be "true" or "false"',
      },
    ],
  },
  {
    name: 'an unknown node affinity operator in a Deployment template',
    base: NGINX,
    edit: (o) =>
      (o.spec.template.spec.affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Foo', values: ['a'] }] }] } },
      }),
    errors: [
      {
        code: 'UNSUPPORTED_VALUE',
        field: at('spec', 'template', 'spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms', '0', 'matchExpressions', '0', 'operator'),
        message:
          'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Unsupported value: "Foo": supported values: "DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"',
      },
    ],
  },
  {
    name: 'an unknown pod anti-affinity label selector operator in a StatefulSet template',
    base: WEB_STATEFULSET,
    edit: (o) =>
      (o.spec.template.spec.affinity = {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] }, topologyKey: 'kubernetes.io/hostname' }] },
      }),
    errors: [
      {
        code: 'UNSUPPORTED_VALUE',
        field: at('spec', 'template', 'spec', 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', '0', 'labelSelector', 'matchExpressions', '0', 'operator'),
        message: /: Unsupported value: "Like": supported values: "DoesNotExist", "Exists", "In", "NotIn"$/,
      },
    ],
  },
  {
    name: 'a Pod toleration with Exists and a value',
    base: NGINX_POD,
    edit: (o) => (o.spec.tolerations = [{ key: 'example-key', operator: 'Exists', value: 'v', effect: 'NoSchedule' }]),
    errors: [
      {
        code: 'INVALID_VALUE',
        field: at('spec', 'tolerations', '0', 'operator'),
        message: 'spec.tolerations[0].operator: Invalid value: {"key":"example-key","operator":"Exists","value":"v","effect":"NoSchedule"}: value must be empty when `operator` is \'Exists\'',
      },
    ],
  },
  {
    name: 'a topology spread constraint without whenUnsatisfiable in a Job template',
    base: PI_JOB,
    edit: (o) => (o.spec.template.spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'pi' } } }]),
    errors: [
      {
        code: 'REQUIRED',
        field: at('spec', 'template', 'spec', 'topologySpreadConstraints', '0', 'whenUnsatisfiable'),
        message: 'spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable: Required value: supported values: "DoNotSchedule", "ScheduleAnyway"',
      },
    ],
  },
  {
    name: 'a priorityClassName that is not a DNS-1123 subdomain and an unknown preemptionPolicy',
    base: NGINX_POD,
    edit: (o) => { o.spec.priorityClassName = 'High'; o.spec.preemptionPolicy = 'Always'; },
    errors: [
      { code: 'INVALID_VALUE', field: at('spec', 'priorityClassName'), message: /^spec\.priorityClassName: Invalid value: "High": a lowercase RFC 1123 subdomain/ },
      { code: 'UNSUPPORTED_VALUE', field: at('spec', 'preemptionPolicy'), message: 'spec.preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"' },
    ],
  },
  {
    name: 'scheduling problems in a CronJob job template, next to a container problem',
    base: HELLO_CRONJOB,
    edit: (o) => {
      o.spec.jobTemplate.spec.template.spec.nodeSelector = { disktype: 'fast ssd' };
      o.spec.jobTemplate.spec.template.spec.containers[0].image = '';
    },
    errors: [
      { code: 'REQUIRED', field: at('spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', '0', 'image') },
      { code: 'INVALID_VALUE', field: at('spec', 'jobTemplate', 'spec', 'template', 'spec', 'nodeSelector', 'disktype'), message: /^spec\.jobTemplate\.spec\.template\.spec\.nodeSelector\.disktype: Invalid value: "fast ssd"/ },
    ],
  },
];

describe('parseManifest refuses', () => {
  for (const tc of badCases) {
    it(tc.name, () => {
      const { objects, errors } = parseManifest(edited(tc.base, tc.edit));
      expect(errors.map((e) => ({ code: e.code, field: e.field }))).toEqual(tc.errors.map((e) => ({ code: e.code, field: e.field })));
      tc.errors.forEach((e, i) => {
        if (typeof e.message === 'string') expect(errors[i].message).toBe(e.message);
        else if (e.message) expect(errors[i].message).toMatch(e.message);
      });
      expect(objects).toEqual([]);
    });
  }
});

describe('Job features not supported yet', () => {
  it('refuses podFailurePolicy and friends instead of ignoring them', () => {
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  podFailurePolicy:\n    rules: []\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: a\n        image: busybox\n`;
    expect(parseManifest(job).errors).toEqual([expect.objectContaining({ code: 'UNSUPPORTED_FIELD', field: ['manifest', '0', 'spec', 'podFailurePolicy'] })]);
  });
});

describe('parseManifest: policy objects', () => {
  it('reads a ResourceQuota, a LimitRange and a cluster-scoped PriorityClass, stored the way Kubernetes stores them', () => {
    const { objects, errors } = parseManifest(`apiVersion: v1
kind: ResourceQuota
metadata: { name: compute, namespace: team }
spec: { hard: { requests.cpu: 4000m, requests.memory: 1.5Gi, pods: "10" } }
---
apiVersion: v1
kind: LimitRange
metadata: { name: bounds, namespace: team }
spec: { limits: [{ type: Container, max: { cpu: "2" } }] }
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: { name: high }
value: 1000
`);
    expect(errors).toEqual([]);
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ['ResourceQuota', 'team', 'compute'],
      ['LimitRange', 'team', 'bounds'],
      ['PriorityClass', '', 'high'],
    ]);
    expect(objects[0]).toMatchObject({ spec: { hard: { 'requests.cpu': '4', 'requests.memory': '1536Mi', pods: '10' } } });
    // LimitRange defaulting: default ← max, defaultRequest ← default
    expect(objects[1]).toMatchObject({ spec: { limits: [{ type: 'Container', max: { cpu: '2' }, default: { cpu: '2' }, defaultRequest: { cpu: '2' } }] } });
    expect(objects[2]).toMatchObject({ value: 1000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' });
  });

  it('refuses an unsupported quota resource, a LimitRange with min above max and a PriorityClass without a value, with field paths', () => {
    const { objects, errors } = parseManifest(`apiVersion: v1
kind: ResourceQuota
metadata: { name: q }
spec: { hard: { requests.ephemeral-storage: 1Gi } }
---
apiVersion: v1
kind: LimitRange
metadata: { name: l }
spec: { limits: [{ type: Container, min: { cpu: "2" }, max: { cpu: "1" } }] }
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: { name: p }
`);
    expect(objects).toEqual([]);
    expect(errors.map((e) => [e.code, e.field.join('.')])).toEqual(
      expect.arrayContaining([
        ['UNSUPPORTED_RESOURCE', 'manifest.0.spec.hard.requests.ephemeral-storage'],
        ['REQUIRED', 'manifest.2.value'],
      ]),
    );
    expect(errors.some((e) => e.field.join('.').startsWith('manifest.1.spec.limits.0') && /min/.test(e.message))).toBe(true);
  });
});

describe('metadata.generateName', () => {
  const job = (meta: string) => `apiVersion: batch/v1\nkind: Job\nmetadata:\n${meta}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: pi\n        image: perl\n`;
  let n = 0;
  const nameSuffix = () => ['x7k2q', 'b4zzp'][n++ % 2];

  it('makes the name from the prefix and a random 5-character suffix, a new one each time', () => {
    n = 0;
    const { objects, errors } = parseManifest(`${job('  generateName: pi-')}---\n${job('  generateName: pi-')}`, { nameSuffix });
    expect(errors).toEqual([]);
    expect(objects.map((o) => o.metadata.name)).toEqual(['pi-x7k2q', 'pi-b4zzp']);
  });

  it('cuts a long prefix so that the name stays within 63 characters', () => {
    n = 0;
    const { objects, errors } = parseManifest(job(`  generateName: ${'a'.repeat(70)}-`), { nameSuffix });
    expect(errors).toEqual([]);
    expect(objects[0].metadata.name).toBe(`${'a'.repeat(58)}x7k2q`);
  });

  it('validates the prefix as a name (a trailing dash allowed), and a given name wins', () => {
    const bad = parseManifest(job('  generateName: Pi_'), { nameSuffix });
    expect(bad.errors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['manifest', '0', 'metadata', 'generateName'], message: expect.stringMatching(/metadata\.generateName: Invalid value: "Pi_"/) })]);
    const named = parseManifest(job('  name: fixed\n  generateName: pi-'), { nameSuffix });
    expect(named.objects[0].metadata.name).toBe('fixed');
  });

  it('requires a name or generateName', () => {
    const { errors } = parseManifest(job('  labels: {}'), { nameSuffix });
    expect(errors).toEqual([expect.objectContaining({ code: 'REQUIRED', field: ['manifest', '0', 'metadata', 'name'], message: expect.stringMatching(/name or generateName is required/) })]);
  });
});

describe('strict field validation', () => {
  const deploy = (extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: nginx
${extra}`;

  it('refuses a field the kind does not have, naming its path', () => {
    const { objects, errors } = parseManifest(deploy('      bogusField: 42\n'));
    expect(objects).toEqual([]);
    expect(errors).toEqual([{ code: 'UNKNOWN_FIELD', field: ['manifest', '0', 'spec', 'template', 'spec', 'bogusField'], message: 'unknown field "spec.template.spec.bogusField"' }]);
  });

  it('finds unknown fields in every kind and deep inside (a container, a List item)', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: { name: team, colour: blue }
- apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata: { name: web }
  spec:
    scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
    maxReplicas: 3
    behaviour: {}
`;
    const { errors } = parseManifest(`${text}---\n${deploy('        imagePullPolicyy: Always\n')}`);
    expect(errors.filter((e) => e.code === 'UNKNOWN_FIELD').map((e) => e.message)).toEqual([
      'unknown field "metadata.colour"',
      'items[1].spec.behaviour: unknown field "behaviour" (did you mean "behavior"?)',
      'unknown field "spec.template.spec.containers[0].imagePullPolicyy" (did you mean "imagePullPolicy"?)',
    ]);
  });

  it('ignores what an exported object carries (status, uid, resourceVersion, managedFields, creationTimestamp, generation)', () => {
    const exported = `apiVersion: v1
kind: Namespace
metadata:
  name: team
  uid: 0b5e1c4e-6a61-4a8c-9d3b-3f2f3c1d2e11
  resourceVersion: "12345"
  generation: 3
  creationTimestamp: "2026-12-01T10:00:00Z"
  managedFields:
  - manager: kubectl
    operation: Apply
    fieldsType: FieldsV1
    fieldsV1: { f:metadata: {} }
status:
  phase: Active
`;
    const { objects, errors } = parseManifest(exported);
    expect(errors).toEqual([]);
    expect(objects[0].metadata.name).toBe('team');
  });
});
