import { describe, it, expect } from 'vitest';
import { formatFieldPath, parseManifest, type ManifestObject } from './manifest';

/** The nginx Deployment from the Kubernetes documentation. */
const NGINX = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;

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
        message: /"Frobnicator": unknown kind; supported kinds are "Namespace" \(apiVersion v1\) and "Deployment" \(apiVersion apps\/v1\)/,
      },
    ],
  },
  {
    name: 'suggests the right spelling of a kind written in the wrong case',
    text: 'apiVersion: apps/v1\nkind: deployment\nmetadata:\n  name: x\n',
    errors: [{ code: 'UNKNOWN_KIND', field: ['manifest', '0', 'kind'], message: /did you mean "Deployment"\?/ }],
  },
  ...['StatefulSet', 'Job', 'CronJob', 'Pod'].map(
    (kind): ErrCase => ({
      name: `refuses a ${kind} as not supported yet`,
      text: `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: x\n`,
      errors: [{ code: 'UNSUPPORTED_KIND', field: ['manifest', '0', 'kind'], message: /not supported yet/ }],
    }),
  ),
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
    name: 'refuses generateName in place of a name',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  generateName: team-\n',
    errors: [{ code: 'REQUIRED', field: ['manifest', '0', 'metadata', 'name'], message: /generateName is not supported/ }],
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
    expect(errors.map((e) => e.code)).toEqual(['INVALID_YAML']);
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
