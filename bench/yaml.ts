/**
 * YAML parsing benchmark (pure, in process), run with `npm run bench:yaml`.
 *
 * Builds a realistic multi-document manifest of about BENCH_BYTES (default 1 MiB) from a seeded
 * PRNG: Deployments (labels, annotations, 1-3 containers with ports, env lists, resources,
 * probes, volume mounts), Services (selectors, ports) and ConfigMaps (short values and
 * multi-line files as block scalars), rendered with the `yaml` package's stringify in the two
 * styles tools emit (sequences indented under their key as Helm does, and not as kubectl does),
 * with `# Source:` comments between documents. Then, each the median of BENCH_RUNS (default 21)
 * runs after 10 rounds of warm-up, the parsers taking turns in each run:
 *   yaml_ms: parseYamlStream (src/core/yaml) on the manifest (it must take the fast path and
 *     give exactly the documents that were rendered, or the bench throws);
 *   json_ms: JSON.parse of the same documents serialised as one JSON array: the baseline;
 *   baseline_yaml_pkg_ms: the `yaml` package's parseAllDocuments + toJS (what parseManifest used);
 *   ratio = yaml_ms / json_ms (the target is at most 3).
 * Those are CPU time of this process (process.cpuUsage, user + system): on an idle machine the
 * same as wall time, and on a shared one they leave out the time spent waiting for a core,
 * which otherwise inflates the longer of two measured calls more (a 3 ms call often fits in
 * one scheduler slice, a 7 ms one seldom does). The wall-time medians come too, as
 * wall_yaml_ms, wall_json_ms and wall_ratio.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object:
 *   {"bench":"yaml","bytes":…,"yaml_ms":…,"json_ms":…,"ratio":…,"baseline_yaml_pkg_ms":…,
 *    "wall_yaml_ms":…,"wall_json_ms":…,"wall_ratio":…,"documents":…,"target_ratio":3}
 *
 * Environment: BENCH_BYTES (1048576), BENCH_RUNS (21), BENCH_SEED (42); BENCH_QUICK=1 for a
 * tiny manifest and one run (a smoke test).
 */
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { mulberry32 } from '../src/core/random';
import { parseDetailed, parseYamlStream } from '../src/core/yaml';
import { DEFAULT_YAML_LIMITS } from '../src/core/yaml/types';

const log = (s: string): void => void process.stderr.write(`${s}\n`);

export interface YamlBenchResult {
  bytes: number;
  /** parseYamlStream, median CPU ms. */
  yaml_ms: number;
  /** JSON.parse of the same documents, median CPU ms. */
  json_ms: number;
  /** yaml_ms / json_ms: the target is at most 3. */
  ratio: number;
  /** The `yaml` package (parseAllDocuments + toJS), median CPU ms. */
  baseline_yaml_pkg_ms: number;
  /** The same medians in wall time, and their ratio. */
  wall_yaml_ms: number;
  wall_json_ms: number;
  wall_ratio: number;
  documents: number;
}

type Rand = () => number;

const WORDS = ['api', 'web', 'worker', 'cache', 'auth', 'billing', 'search', 'gateway', 'ingest', 'report', 'notify', 'media'];
const TEAMS = ['platform', 'payments', 'growth', 'data', 'identity'];
const IMAGES = ['nginx:1.25.3', 'redis:7.2-alpine', 'ghcr.io/acme/api:v2.14.1', 'registry.example.com/team/worker@sha256:4f9a1c0e', 'busybox:1.36'];

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

function labels(rand: Rand, app: string, i: number): Record<string, string> {
  return {
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/instance': `${app}-${i}`,
    'app.kubernetes.io/version': `1.${int(rand, 0, 30)}.${int(rand, 0, 9)}`,
    'app.kubernetes.io/part-of': pick(rand, TEAMS),
    'app.kubernetes.io/managed-by': 'Helm',
    tier: pick(rand, ['frontend', 'backend', 'batch']),
  };
}

function container(rand: Rand, app: string, k: number): Record<string, unknown> {
  const env = Array.from({ length: int(rand, 3, 10) }, (_, e) =>
    rand() < 0.2
      ? { name: `SECRET_${e}`, valueFrom: { secretKeyRef: { name: `${app}-secrets`, key: `key-${e}` } } }
      : { name: `${pick(rand, WORDS).toUpperCase()}_${e}`, value: pick(rand, ['true', '8080', 'info', `http://${pick(rand, WORDS)}.svc.cluster.local:80/v1`, '0.75', 'us-east-1', "it's quoted: yes"]) },
  );
  return {
    name: k === 0 ? app : `${app}-sidecar-${k}`,
    image: pick(rand, IMAGES),
    imagePullPolicy: 'IfNotPresent',
    args: ['--port=8080', `--log-level=${pick(rand, ['info', 'debug'])}`, '--metrics'],
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
    env,
    resources: {
      requests: { cpu: pick(rand, ['100m', '250m', '500m', '1']), memory: pick(rand, ['128Mi', '256Mi', '512Mi', '1Gi']) },
      limits: { cpu: pick(rand, ['500m', '1', '2']), memory: pick(rand, ['512Mi', '1Gi', '2Gi']) },
    },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 10 },
    livenessProbe: { tcpSocket: { port: 8080 }, failureThreshold: 3, timeoutSeconds: 1.5 },
    volumeMounts: [{ name: 'config', mountPath: `/etc/${app}`, readOnly: true }],
  };
}

function deployment(rand: Rand, i: number): Record<string, unknown> {
  const app = `${pick(rand, WORDS)}-${i}`;
  const lab = labels(rand, app, i);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: app,
      namespace: pick(rand, ['default', 'prod', 'staging']),
      labels: lab,
      annotations: {
        'deployment.kubernetes.io/revision': String(int(rand, 1, 40)),
        'meta.helm.sh/release-name': app,
        'example.com/owner': `${pick(rand, TEAMS)}@example.com`,
        'example.com/description': `Serves the ${app} API for the ${pick(rand, TEAMS)} team, #${i}`,
      },
    },
    spec: {
      replicas: int(rand, 1, 12),
      revisionHistoryLimit: 10,
      selector: { matchLabels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': `${app}-${i}` } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...lab }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' } },
        spec: {
          serviceAccountName: app,
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000 },
          containers: Array.from({ length: int(rand, 1, 3) }, (_, k) => container(rand, app, k)),
          volumes: [{ name: 'config', configMap: { name: `${app}-config` } }],
          nodeSelector: { 'kubernetes.io/arch': 'amd64' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: pick(rand, TEAMS), effect: 'NoSchedule' }],
        },
      },
    },
  };
}

function service(rand: Rand, i: number): Record<string, unknown> {
  const app = `${pick(rand, WORDS)}-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app, labels: labels(rand, app, i) },
    spec: {
      type: pick(rand, ['ClusterIP', 'LoadBalancer']),
      selector: { 'app.kubernetes.io/name': app },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

function configMap(rand: Rand, i: number): Record<string, unknown> {
  const app = `${pick(rand, WORDS)}-${i}`;
  const file = Array.from({ length: int(rand, 4, 12) }, (_, l) => `${pick(rand, WORDS)}.setting_${l} = ${int(rand, 0, 1000)}`).join('\n');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${app}-config`, namespace: 'default' },
    data: {
      LOG_LEVEL: 'info',
      MAX_CONNECTIONS: String(int(rand, 10, 500)),
      FEATURE_FLAGS: 'search,billing:beta',
      'app.properties': `${file}\n`,
      'nginx.conf': `server {\n  listen 80;\n  location / {\n    proxy_pass http://${app}:8080;\n  }\n}\n`,
    },
  };
}

/** A manifest of about `bytes` (UTF-8), and the documents it holds. */
export function buildManifest(bytes: number, seed = 42): { text: string; documents: unknown[] } {
  const rand = mulberry32(seed);
  const parts: string[] = [];
  const documents: unknown[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const kind = i % 5;
    const doc = kind < 3 ? deployment(rand, i) : kind === 3 ? service(rand, i) : configMap(rand, i);
    const kubectlStyle = i % 2 === 1; // sequences at the indentation of their key, as kubectl prints them
    const text = `# Source: chart/templates/${String((doc as { kind: string }).kind).toLowerCase()}.yaml\n` +
      stringify(doc, { lineWidth: 0, indentSeq: !kubectlStyle });
    const part = `${i === 0 ? '' : '---\n'}${text}`;
    parts.push(part);
    documents.push(doc);
    size += Buffer.byteLength(part);
  }
  return { text: parts.join(''), documents };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Timing {
  /** Median CPU time of this process (user + system), ms. */
  cpu: number;
  /** Median wall time, ms. */
  wall: number;
}

/**
 * Times each function over `runs` rounds after `warmup` rounds, the functions taking turns in
 * each round (so a busy moment of the machine hits all of them alike).
 */
function timeEach(runs: number, warmup: number, fs: (() => unknown)[]): Timing[] {
  for (let i = 0; i < warmup; i++) for (const f of fs) f();
  const cpu: number[][] = fs.map(() => []);
  const wall: number[][] = fs.map(() => []);
  for (let i = 0; i < runs; i++) {
    fs.forEach((f, k) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      wall[k].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1000);
    });
  }
  return fs.map((_, k) => ({ cpu: median(cpu[k]), wall: median(wall[k]) }));
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Times parseYamlStream, JSON.parse and the `yaml` package on a manifest of about `bytes` (medians of `runs`). */
export async function measureYamlParse(opts: { bytes: number; runs: number }): Promise<YamlBenchResult> {
  const { text, documents } = buildManifest(opts.bytes, Number(process.env.BENCH_SEED ?? 42));
  const json = JSON.stringify(documents);
  const bytes = Buffer.byteLength(text);
  // Limits fit for the manifest: a realistic 1 MiB holds more documents than the default 1,000.
  const limits = { ...DEFAULT_YAML_LIMITS, maxDocuments: documents.length };

  // correctness first: the fast path, and exactly the rendered documents
  let check: ReturnType<typeof parseDetailed> | null = parseDetailed(text, limits);
  if (check.path !== 'fast') throw new Error(`the benchmark manifest left the fast path (${check.path})`);
  if (check.stream.errors.length > 0 || check.stream.documents.some((d) => d.errors.length > 0)) {
    throw new Error(`the benchmark manifest has errors: ${JSON.stringify(check.stream.errors)}`);
  }
  if (!isDeepStrictEqual(check.stream.documents.map((d) => d.value), documents)) {
    throw new Error('parseYamlStream did not return the rendered documents');
  }
  check = null;
  const runs = Math.max(1, opts.runs);
  // (ten rounds: until the heap has grown to its size for this work, the first rounds pay for it)
  const warmup = runs === 1 ? 1 : 10;
  const [yaml, json_] = timeEach(runs, warmup, [() => parseYamlStream(text, limits), () => JSON.parse(json)]);
  // the package is some 50 times slower: a few runs are enough
  const [pkg] = timeEach(Math.max(1, Math.min(runs, 5)), 1, [() => parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: 100 }))]);
  return {
    bytes,
    yaml_ms: round(yaml.cpu),
    json_ms: round(json_.cpu),
    ratio: round(yaml.cpu / json_.cpu),
    baseline_yaml_pkg_ms: round(pkg.cpu),
    wall_yaml_ms: round(yaml.wall),
    wall_json_ms: round(json_.wall),
    wall_ratio: round(yaml.wall / json_.wall),
    documents: documents.length,
  };
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const bytes = quick ? 16 * 1024 : Number(process.env.BENCH_BYTES ?? 1024 * 1024);
  const runs = quick ? 1 : Number(process.env.BENCH_RUNS ?? 21);
  log(`[bench] yaml: a ~${bytes}-byte manifest, ${runs} run(s) each (median), CPU time of this process and wall time`);
  const r = await measureYamlParse({ bytes, runs });
  log(`[bench] ${r.documents} documents, ${r.bytes} bytes`);
  log(`[bench] CPU:  parseYamlStream ${r.yaml_ms} ms, JSON.parse ${r.json_ms} ms, ratio ${r.ratio} (target <= 3); yaml package ${r.baseline_yaml_pkg_ms} ms`);
  log(`[bench] wall: parseYamlStream ${r.wall_yaml_ms} ms, JSON.parse ${r.wall_json_ms} ms, ratio ${r.wall_ratio}`);
  process.stdout.write(`${JSON.stringify({ bench: 'yaml', ...r, target_ratio: 3 })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
