// Runs every `bench:*` script of package.json in a small, quick configuration (no thresholds), so
// a benchmark that breaks or hangs fails CI. Each must finish within its time bound and print its
// JSON line last on stdout. A bench without an entry below fails this script: give it one.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const scripts = Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts).filter((s) => s.startsWith('bench:') && s !== 'bench:quick');

/** The quick configuration of each bench (environment), and how long it may take. */
const QUICK = {
  'bench:scale': { env: { BENCH_PODS: '60', BENCH_WARMUP: '2', BENCH_TIMEOUT_MS: '120000', BENCH_CEILING_ROWS: '5000' }, seconds: 240 },
  'bench:scheduler': { env: { BENCH_HOSTS: '300', BENCH_PODS: '600' }, seconds: 120 },
  'bench:autoscaler': { env: { BENCH_WORKLOADS: '20', BENCH_RATE: '20', BENCH_TIMEOUT_MS: '60000' }, seconds: 240 },
  'bench:billing': { env: { BENCH_CLUSTERS: '2', BENCH_PODS_PER_CLUSTER: '50', BENCH_HOURS: '2' }, seconds: 180 },
  'bench:fair': { env: { BENCH_QUICK: '1' }, seconds: 240 },
  'bench:guard': { env: { BENCH_QUICK: '1' }, seconds: 180 },
  'bench:yaml': { env: { BENCH_QUICK: '1' }, seconds: 60 },
  'bench:soak': { env: { BENCH_QUICK: '1' }, seconds: 240 },
  'bench:fanout': { env: { BENCH_QUICK: '1' }, seconds: 180 },
};

let failed = 0;
for (const name of scripts) {
  const q = QUICK[name];
  if (!q) {
    console.error(`FAIL ${name}: no quick configuration in scripts/bench-quick.mjs`);
    failed++;
    continue;
  }
  const started = Date.now();
  const r = spawnSync('npm', ['run', '-s', name], { cwd: root, env: { ...process.env, ...q.env }, encoding: 'utf8', timeout: q.seconds * 1000, maxBuffer: 64 * 1024 * 1024 });
  const s = ((Date.now() - started) / 1000).toFixed(1);
  const lines = (r.stdout ?? '').trim().split('\n');
  let json = null;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    /* not JSON */
  }
  if (r.error || r.status !== 0 || !json) {
    failed++;
    console.error(`FAIL ${name} after ${s} s (${r.error ? r.error.message : `exit ${r.status}`}${json ? '' : ', no JSON line last on stdout'})`);
    console.error((r.stderr ?? '').split('\n').slice(-30).join('\n'));
  } else {
    console.log(`ok   ${name} in ${s} s: ${lines[lines.length - 1].slice(0, 300)}`);
  }
}
process.exit(failed ? 1 : 0);
