import { describe, it, expect } from 'vitest';
import { parseManifest, type WorkloadObject } from './manifest';
import { validateUpdate } from './update';

type Obj = Record<string, any>;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx:1.25}]
`;

const STATEFULSET = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: pg, image: postgres:16}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

const JOB = `apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 3
  template:
    spec:
      containers: [{name: pi, image: perl:5.34.0}]
      restartPolicy: Never
`;

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: hello, image: busybox:1.28}]
          restartPolicy: OnFailure
`;

const POD = `apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  activeDeadlineSeconds: 600
  containers: [{name: nginx, image: nginx:1.14.2, ports: [{containerPort: 80}]}]
  initContainers: [{name: init, image: busybox:1.28}]
  tolerations: [{key: a, operator: Exists}]
`;

/** The defaulted spec `parseManifest` gives for `text`. */
function specOf(text: string): Obj {
  const { objects, errors } = parseManifest(text);
  expect(errors).toEqual([]);
  return (objects[0] as WorkloadObject).spec as Obj;
}

/** The spec of `text` after `edit` changed a copy of it. */
function changed(text: string, edit: (spec: Obj) => void): Obj {
  const spec = structuredClone(specOf(text));
  edit(spec);
  return spec;
}

const SOURCE = ['manifest', '0'];

interface Case {
  name: string;
  kind: string;
  base: string;
  edit: (spec: Obj) => void;
  errors: Array<{ code: string; field: string[]; message?: string | RegExp }>;
  /** Turns the old spec into the stored form (e.g. with a generated Job selector). */
  stored?: (spec: Obj) => void;
}

const STATEFULSET_FORBIDDEN =
  "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
  "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/** What a Job looks like once stored: the selector and template labels generated from its uid. */
function generateSelector(spec: Obj): void {
  const uid = '7d1e2f3a-0000-4000-8000-000000000001';
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  spec.template.metadata.labels = { ...spec.template.metadata.labels, 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
}

const cases: Case[] = [
  // Deployment
  { name: 'allows a Deployment to change replicas, image, strategy and everything but its selector', kind: 'Deployment', base: DEPLOYMENT, edit: (s) => { s.replicas = 5; s.template.spec.containers[0].image = 'nginx:1.26'; s.strategy = { type: 'Recreate' }; s.minReadySeconds = 5; s.template.metadata.labels.tier = 'front'; }, errors: [] },
  {
    name: 'refuses a new Deployment selector as immutable',
    kind: 'Deployment',
    base: DEPLOYMENT,
    edit: (s) => { s.selector = { matchLabels: { app: 'web2' } }; s.template.metadata.labels = { app: 'web2' }; },
    errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec', 'selector'], message: 'spec.selector: Invalid value: {"matchLabels":{"app":"web2"}}: field is immutable' }],
  },
  { name: 'allows a Deployment selector written in another key order', kind: 'Deployment', base: DEPLOYMENT, edit: (s) => { s.selector = { matchLabels: { tier: 'a', app: 'web' } }; }, stored: (s) => { s.selector = { matchLabels: { app: 'web', tier: 'a' } }; }, errors: [] },

  // StatefulSet
  { name: 'allows a StatefulSet to change replicas, template, updateStrategy, minReadySeconds, revisionHistoryLimit, ordinals and the claim retention policy', kind: 'StatefulSet', base: STATEFULSET, edit: (s) => { s.replicas = 5; s.template.spec.containers[0].image = 'postgres:17'; s.updateStrategy = { type: 'OnDelete' }; s.minReadySeconds = 3; s.revisionHistoryLimit = 2; s.ordinals = { start: 1 }; s.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' }; }, errors: [] },
  {
    name: 'refuses a new StatefulSet serviceName, naming what changed',
    kind: 'StatefulSet',
    base: STATEFULSET,
    edit: (s) => { s.serviceName = 'x'; },
    errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec'], message: `${STATEFULSET_FORBIDDEN} (changed: serviceName)` }],
  },
  {
    name: 'refuses a bigger volume claim, a new selector and a new pod management policy in one error',
    kind: 'StatefulSet',
    base: STATEFULSET,
    edit: (s) => { s.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi'; s.selector = { matchLabels: { app: 'db', v: '2' } }; s.template.metadata.labels.v = '2'; s.podManagementPolicy = 'Parallel'; },
    errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec'], message: `${STATEFULSET_FORBIDDEN} (changed: podManagementPolicy, selector, volumeClaimTemplates)` }],
  },

  // Job
  { name: 'allows a Job to change parallelism, suspend, backoffLimit, deadlines and TTL', kind: 'Job', base: JOB, edit: (s) => { s.parallelism = 3; s.suspend = true; s.backoffLimit = 1; s.activeDeadlineSeconds = 60; s.ttlSecondsAfterFinished = 10; }, errors: [] },
  { name: 'allows re-applying a Job whose stored form has the generated selector and labels', kind: 'Job', base: JOB, stored: generateSelector, edit: () => {}, errors: [] },
  {
    name: 'refuses a new Job template (here an image) as immutable, even against the stored generated labels',
    kind: 'Job',
    base: JOB,
    stored: generateSelector,
    edit: (s) => { s.template.spec.containers[0].image = 'perl:5.36'; },
    errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec', 'template'], message: /^spec\.template: Invalid value: .*: field is immutable$/ }],
  },
  {
    name: 'refuses new Job completions and completion mode',
    kind: 'Job',
    base: JOB,
    edit: (s) => { s.completions = 4; s.completionMode = 'Indexed'; },
    errors: [
      { code: 'IMMUTABLE', field: ['manifest', '0', 'spec', 'completions'], message: 'spec.completions: Invalid value: 4: field is immutable' },
      { code: 'IMMUTABLE', field: ['manifest', '0', 'spec', 'completionMode'], message: 'spec.completionMode: Invalid value: "Indexed": field is immutable' },
    ],
  },
  {
    name: 'refuses a new manual Job selector',
    kind: 'Job',
    base: JOB,
    stored: (s) => { s.manualSelector = true; s.selector = { matchLabels: { app: 'pi' } }; s.template.metadata.labels = { app: 'pi', run: '1' }; },
    edit: (s) => { s.manualSelector = true; s.selector = { matchLabels: { run: '1' } }; s.template.metadata.labels = { app: 'pi', run: '1' }; },
    errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec', 'selector'], message: 'spec.selector: Invalid value: {"matchLabels":{"run":"1"}}: field is immutable' }],
  },

  // CronJob
  { name: 'allows a CronJob to change anything, its job template included', kind: 'CronJob', base: CRONJOB, edit: (s) => { s.schedule = '*/5 * * * *'; s.timeZone = 'Europe/Paris'; s.concurrencyPolicy = 'Forbid'; s.jobTemplate.spec.completions = 3; s.jobTemplate.spec.template.spec.containers[0].image = 'busybox:1.36'; }, errors: [] },

  // Pod
  { name: 'allows a Pod to change container and init container images, shorten its deadline and add a toleration', kind: 'Pod', base: POD, edit: (s) => { s.containers[0].image = 'nginx:1.25'; s.initContainers[0].image = 'busybox:1.36'; s.activeDeadlineSeconds = 300; s.tolerations.push({ key: 'b', operator: 'Exists' }); }, errors: [] },
  {
    name: 'refuses a Pod change to anything else, such as a port',
    kind: 'Pod',
    base: POD,
    edit: (s) => { s.containers[0].ports = [{ containerPort: 8080 }]; },
    errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec'], message: /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`, `spec\.initContainers\[\*\]\.image`, `spec\.activeDeadlineSeconds`/ }],
  },
  { name: 'refuses a Pod with another container', kind: 'Pod', base: POD, edit: (s) => { s.containers.push({ name: 'sidecar', image: 'envoy' }); }, errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec'] }] },
  { name: 'refuses a Pod restartPolicy change', kind: 'Pod', base: POD, edit: (s) => { s.restartPolicy = 'Never'; }, errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec'] }] },
  { name: 'refuses removing a Pod toleration', kind: 'Pod', base: POD, edit: (s) => { s.tolerations = []; }, errors: [{ code: 'IMMUTABLE', field: ['manifest', '0', 'spec'] }] },
  {
    name: 'refuses a longer Pod deadline',
    kind: 'Pod',
    base: POD,
    edit: (s) => { s.activeDeadlineSeconds = 601; },
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'activeDeadlineSeconds'], message: 'spec.activeDeadlineSeconds: Invalid value: 601: must be less than or equal to previous value' }],
  },
  {
    name: 'refuses removing a Pod deadline',
    kind: 'Pod',
    base: POD,
    edit: (s) => { delete s.activeDeadlineSeconds; },
    errors: [{ code: 'INVALID_VALUE', field: ['manifest', '0', 'spec', 'activeDeadlineSeconds'], message: 'spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value' }],
  },
];

describe('validateUpdate', () => {
  for (const tc of cases) {
    it(tc.name, () => {
      const old = structuredClone(specOf(tc.base));
      tc.stored?.(old);
      const errors = validateUpdate(tc.kind, old, changed(tc.base, tc.edit), SOURCE);
      expect(errors.map((e) => ({ code: e.code, field: e.field }))).toEqual(tc.errors.map((e) => ({ code: e.code, field: e.field })));
      tc.errors.forEach((e, i) => {
        if (typeof e.message === 'string') expect(errors[i].message).toBe(e.message);
        else if (e.message) expect(errors[i].message).toMatch(e.message);
      });
    });
  }

  it('allows every kind to be re-applied unchanged', () => {
    for (const [kind, text] of [['Deployment', DEPLOYMENT], ['StatefulSet', STATEFULSET], ['Job', JOB], ['CronJob', CRONJOB], ['Pod', POD]]) {
      expect(validateUpdate(kind, specOf(text), specOf(text), SOURCE)).toEqual([]);
    }
  });

  it('has no rules for a Namespace or an unknown kind', () => {
    expect(validateUpdate('Namespace', undefined, undefined, SOURCE)).toEqual([]);
    expect(validateUpdate('Frobnicator', { a: 1 }, { a: 2 }, SOURCE)).toEqual([]);
  });

  it('uses the source it is given for every field path', () => {
    const errors = validateUpdate('Deployment', specOf(DEPLOYMENT), changed(DEPLOYMENT, (s) => (s.selector = { matchLabels: { x: 'y' } })), ['input', 'yaml', '3']);
    expect(errors[0].field).toEqual(['input', 'yaml', '3', 'spec', 'selector']);
  });
});
