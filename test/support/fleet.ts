import { fileURLToPath } from 'node:url';

/** A tiny fleet (10 hosts in region "lab") whose capacity a test can fill. */
export const SMALL_FLEET = fileURLToPath(new URL('../fixtures/small-fleet.yaml', import.meta.url));

/** A Deployment of `replicas` pods of `cpu`/`memory`, with extra pod annotations and spec lines. */
export function deployment(name: string, replicas: number, opts: { cpu?: string; memory?: string; annotations?: Record<string, string>; spec?: string; resources?: string } = {}): string {
  const ann = Object.entries(opts.annotations ?? {}).map(([k, v]) => `\n        ${k}: "${v}"`).join('');
  const resources = opts.resources ?? `requests: { cpu: "${opts.cpu ?? '1'}", memory: ${opts.memory ?? '2Gi'} }`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata:
      labels: { app: ${name} }
      annotations: {${ann ? ann + '\n      ' : ''}}
    spec:${opts.spec ? '\n      ' + opts.spec.trim().split('\n').join('\n      ') : ''}
      containers:
        - name: app
          image: nginx:1.14.2
          resources: { ${resources} }
`;
}

