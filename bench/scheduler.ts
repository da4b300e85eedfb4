/**
 * Scheduling-core benchmark (pure, in process), run with `npm run bench:scheduler`.
 *
 * Builds a 5,000-host fleet in 3 zones — regular Intel/AMD hosts of 64 cores / 256 GiB (256 pods),
 * spot hosts of the same size, and GPU hosts (V100×8 whole-card, T4×4 whole-card, T4 sliced into
 * 1/4 and 1/2 vGPUs), every host tainted eks.tke.cloud.tencent.com/eklet:NoSchedule and GPU
 * hosts also nvidia.com/gpu:NoSchedule — and 10,000 pods in workloads (ownerKey): mostly CPU pods
 * of Tencent specs 0.25C/0.5Gi … 16C/64Gi (default CPU-type options intel then amd), ~10 % spot,
 * ~3 % GPU, a fraction of the workloads spread over zones (DoNotSchedule, maxSkew 1). All
 * randomness comes from a seeded PRNG (mulberry32), so runs are reproducible.
 *
 * It places every pod with the default profile (scheduleOne + assume, per-pod latency with
 * process.hrtime.bigint()), then the same pods with firstFit on a fresh snapshot, and reports:
 *   placements/s (placed pods / wall time of the loop), p50/p99 per-pod µs,
 *   free hosts: hosts with no pod at all (capacity that could be handed back or powered down),
 *   stranded CPU %: on hosts holding at least one pod, the free CPU that cannot be used because
 *     the host's free memory is below the smallest spec's memory (512 MiB), as a % of the fleet's
 *     allocatable CPU; stranded memory %: likewise the free memory of hosts whose free CPU is
 *     below the smallest spec's CPU (250m), as a % of the fleet's allocatable memory.
 * Progress lines go to stderr; the last stdout line is one JSON object.
 *
 * Environment: BENCH_SEED (default 42), BENCH_HOSTS (5000), BENCH_PODS (10000).
 */
import {
  assume,
  defaultProfile,
  firstFit,
  INSTANCE_TYPE_EKLET,
  LABEL_CAPACITY_TYPE,
  LABEL_CPU_TYPE,
  LABEL_GPU_TYPE,
  LABEL_HOSTNAME,
  LABEL_INSTANCE_TYPE,
  LABEL_REGION,
  LABEL_ZONE,
  scheduleOne,
  Snapshot,
  TAINT_EKLET,
  TAINT_GPU,
  type CapacityPool,
  type CpuType,
  type GpuModel,
  type HostInfo,
  type PlacementOption,
  type ScheduleResult,
  type SchedulingPod,
  type Taint,
  type Toleration,
} from '../src/core/scheduler';
import { mulberry32 } from '../src/core/random';

const SEED = Number(process.env.BENCH_SEED ?? 42);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 5000);
const PODS = Number(process.env.BENCH_PODS ?? 10000);
/** Share of the hosts already holding other tenants' sandboxes (BENCH_TENANT_SHARE). */
const TENANT_SHARE = Number(process.env.BENCH_TENANT_SHARE ?? 0.4);

const log = (s: string): void => void process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------------------------------------
// Fleet

const REGION = 'ap-guangzhou';
const ZONES = ['ap-guangzhou-3', 'ap-guangzhou-4', 'ap-guangzhou-6'];
const GI = 1024;

interface HostKind {
  share: number;
  pool: CapacityPool;
  cpuType: CpuType;
  gpuModel: GpuModel | null;
  gpuSliceMilli: number;
  cpuMilli: number;
  memoryMi: number;
  gpuMilli: number;
  pods: number;
}

const HOST_KINDS: HostKind[] = [
  { share: 0.5, pool: 'regular', cpuType: 'intel', gpuModel: null, gpuSliceMilli: 0, cpuMilli: 64000, memoryMi: 256 * GI, gpuMilli: 0, pods: 256 },
  { share: 0.3, pool: 'regular', cpuType: 'amd', gpuModel: null, gpuSliceMilli: 0, cpuMilli: 64000, memoryMi: 256 * GI, gpuMilli: 0, pods: 256 },
  { share: 0.08, pool: 'spot', cpuType: 'intel', gpuModel: null, gpuSliceMilli: 0, cpuMilli: 64000, memoryMi: 256 * GI, gpuMilli: 0, pods: 256 },
  { share: 0.04, pool: 'spot', cpuType: 'amd', gpuModel: null, gpuSliceMilli: 0, cpuMilli: 64000, memoryMi: 256 * GI, gpuMilli: 0, pods: 256 },
  { share: 0.03, pool: 'regular', cpuType: 'intel', gpuModel: 'V100', gpuSliceMilli: 1000, cpuMilli: 72000, memoryMi: 352 * GI, gpuMilli: 8000, pods: 64 },
  { share: 0.03, pool: 'regular', cpuType: 'intel', gpuModel: 'T4', gpuSliceMilli: 1000, cpuMilli: 40000, memoryMi: 160 * GI, gpuMilli: 4000, pods: 64 },
  { share: 0.01, pool: 'regular', cpuType: 'intel', gpuModel: 'T4', gpuSliceMilli: 250, cpuMilli: 40000, memoryMi: 160 * GI, gpuMilli: 4000, pods: 64 },
  { share: 0.01, pool: 'regular', cpuType: 'intel', gpuModel: 'T4', gpuSliceMilli: 500, cpuMilli: 40000, memoryMi: 160 * GI, gpuMilli: 4000, pods: 64 },
];

/**
 * Other tenants' sandboxes already on the fleet (a provider's fleet is shared): on a share of the
 * hosts, `requested` starts at 10–70 % of the CPU (memory 2–4 GiB per core, GPU hosts some cards).
 * They are not this cluster's pods (host.pods stays empty) and are never preempted.
 */
function addTenantLoad(rand: () => number, hosts: HostInfo[], share: number): void {
  for (const h of hosts) {
    if (rand() >= share) continue;
    const a = h.allocatable;
    const cpu = Math.round((0.1 + 0.6 * rand()) * a.cpuMilli / 250) * 250;
    const mem = Math.min(a.memoryMi, Math.round((cpu / 1000) * (2 + 2 * rand())) * GI);
    const gpu = a.gpuMilli > 0 ? Math.min(a.gpuMilli, Math.round(rand() * (a.gpuMilli / 2) / 1000) * 1000) : 0;
    const sandboxes = Math.max(1, Math.round(cpu / 2000));
    h.requested = { cpuMilli: cpu, memoryMi: mem, gpuMilli: gpu, pods: Math.min(sandboxes, a.pods) };
  }
}

function buildFleet(n: number): HostInfo[] {
  const hosts: HostInfo[] = [];
  let i = 0;
  for (const kind of HOST_KINDS) {
    const count = kind === HOST_KINDS[0] ? n - HOST_KINDS.slice(1).reduce((s, k) => s + Math.round(k.share * n), 0) : Math.round(kind.share * n);
    for (let j = 0; j < count; j++, i++) {
      const zone = ZONES[i % ZONES.length];
      const id = `host-${String(i).padStart(5, '0')}`;
      const labels: Record<string, string> = {
        [LABEL_ZONE]: zone,
        [LABEL_REGION]: REGION,
        [LABEL_HOSTNAME]: id,
        [LABEL_INSTANCE_TYPE]: INSTANCE_TYPE_EKLET,
        [LABEL_CPU_TYPE]: kind.cpuType,
        [LABEL_CAPACITY_TYPE]: kind.pool,
      };
      const taints: Taint[] = [{ key: TAINT_EKLET, value: '', effect: 'NoSchedule' }];
      if (kind.gpuModel !== null) {
        labels[LABEL_GPU_TYPE] = kind.gpuSliceMilli < 1000 ? `${kind.gpuSliceMilli === 250 ? '1/4' : '1/2'}*${kind.gpuModel}` : kind.gpuModel;
        taints.push({ key: TAINT_GPU, value: '', effect: 'NoSchedule' });
      }
      hosts.push({
        id,
        region: REGION,
        zone,
        labels,
        taints,
        pool: kind.pool,
        cpuType: kind.cpuType,
        gpuModel: kind.gpuModel,
        gpuSliceMilli: kind.gpuSliceMilli,
        schedulable: true,
        allocatable: { cpuMilli: kind.cpuMilli, memoryMi: kind.memoryMi, gpuMilli: kind.gpuMilli, pods: kind.pods },
        requested: { cpuMilli: 0, memoryMi: 0, gpuMilli: 0, pods: 0 },
        pods: [],
      });
    }
  }
  return hosts;
}

// ---------------------------------------------------------------------------------------------
// Pods

/** Tencent EKS CPU specs (CPU milli, memory MiB) and how common each is. */
const CPU_SPECS: [number, number, number][] = [
  [250, 512, 6],
  [500, 1024, 10],
  [1000, 1024, 8],
  [1000, 2048, 16],
  [1000, 4096, 4],
  [2000, 2048, 4],
  [2000, 4096, 14],
  [2000, 8192, 6],
  [4000, 8192, 10],
  [4000, 16384, 5],
  [8000, 16384, 6],
  [8000, 32768, 3],
  [12000, 24576, 1],
  [16000, 32768, 2],
  [16000, 65536, 1],
];
const SMALLEST_CPU = 250;
const SMALLEST_MEM = 512;

/** GPU specs: (model, gpuMilli, cpu, memory). */
const GPU_SPECS: [GpuModel, number, number, number][] = [
  ['T4', 250, 2000, 10 * GI],
  ['T4', 500, 4000, 20 * GI],
  ['T4', 1000, 8000, 32 * GI],
  ['T4', 2000, 18000, 72 * GI],
  ['V100', 1000, 8000, 40 * GI],
  ['V100', 2000, 18000, 80 * GI],
  ['V100', 4000, 36000, 160 * GI],
];

const EKLET_TOLERATION: Toleration = { key: TAINT_EKLET, operator: 'Exists', value: '', effect: 'NoSchedule' };
const GPU_TOLERATION: Toleration = { key: TAINT_GPU, operator: 'Exists', value: '', effect: 'NoSchedule' };

function pickWeighted<T extends unknown[]>(rand: () => number, items: T[], weightOf: (t: T) => number): T {
  const total = items.reduce((s, t) => s + weightOf(t), 0);
  let r = rand() * total;
  for (const t of items) {
    r -= weightOf(t);
    if (r < 0) return t;
  }
  return items[items.length - 1];
}

function buildPods(rand: () => number, count: number): SchedulingPod[] {
  const pods: SchedulingPod[] = [];
  let w = 0;
  while (pods.length < count) {
    w++;
    const app = `w${w}`;
    const ownerKey = `workload-${w}`;
    const replicas = Math.min(count - pods.length, 1 + Math.floor(-Math.log(1 - rand()) * 9)); // mean ≈ 10
    const kindRoll = rand();
    const gpu = kindRoll < 0.03;
    const spot = !gpu && kindRoll < 0.13;
    const spreadZones = !gpu && rand() < 0.2;
    let options: PlacementOption[];
    if (gpu) {
      const [model, gpuMilli, cpuMilli, memoryMi] = GPU_SPECS[Math.floor(rand() * GPU_SPECS.length)];
      options = [{ cpuMilli, memoryMi, cpuType: null, gpuModel: model, gpuMilli }];
    } else {
      const [cpuMilli, memoryMi] = pickWeighted(rand, CPU_SPECS, (s) => s[2]);
      const r = rand();
      const types: CpuType[] = r < 0.8 ? ['intel', 'amd'] : r < 0.9 ? ['amd', 'intel'] : ['amd'];
      options = types.map((cpuType) => ({ cpuMilli, memoryMi, cpuType, gpuModel: null, gpuMilli: 0 }));
    }
    const labels = { app, tier: rand() < 0.5 ? 'web' : 'batch' };
    for (let r = 0; r < replicas; r++) {
      pods.push({
        uid: `pod-${pods.length}`,
        namespace: w % 7 === 0 ? 'batch' : 'default',
        name: `${app}-${r}`,
        labels,
        priority: 0,
        preemptionPolicy: 'PreemptLowerPriority',
        options,
        pool: spot ? 'spot' : 'regular',
        nodeSelector: {},
        requiredNodeAffinity: null,
        preferredNodeAffinity: [],
        tolerations: gpu ? [EKLET_TOLERATION, GPU_TOLERATION] : [EKLET_TOLERATION],
        topologySpreadConstraints: spreadZones
          ? [{ maxSkew: 1, topologyKey: LABEL_ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app }, matchExpressions: [] }, minDomains: null }]
          : [],
        requiredPodAffinity: [],
        requiredPodAntiAffinity: [],
        preferredPodAffinity: [],
        preferredPodAntiAffinity: [],
        ownerKey,
        nominatedHost: null,
      });
    }
  }
  return pods;
}

// ---------------------------------------------------------------------------------------------
// Run

interface RunFigures {
  placed: number;
  unschedulable: number;
  seconds: number;
  placementsPerS: number;
  p50Us: number;
  p99Us: number;
  freeHosts: number;
  strandedCpuPct: number;
  strandedMemPct: number;
  firstUnschedulable: string | null;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function run(label: string, hosts: HostInfo[], pods: SchedulingPod[], place: (snap: Snapshot, pod: SchedulingPod) => ScheduleResult): RunFigures {
  const snap = new Snapshot(hosts);
  const lat = new Float64Array(pods.length);
  let placed = 0;
  let unschedulable = 0;
  let firstUnschedulable: string | null = null;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i];
    const a = process.hrtime.bigint();
    const r = place(snap, pod);
    if (r.kind === 'Scheduled') {
      assume(snap, pod, r.hostId, r.option, i);
      placed++;
    } else {
      unschedulable++;
      if (firstUnschedulable === null) firstUnschedulable = `${pod.name}: ${r.message}`;
    }
    lat[i] = Number(process.hrtime.bigint() - a) / 1000;
    if ((i + 1) % 2000 === 0) log(`  ${label}: ${i + 1}/${pods.length} pods, ${placed} placed`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort();

  let free = 0;
  let totalCpu = 0;
  let totalMem = 0;
  let strandedCpu = 0;
  let strandedMem = 0;
  for (const h of snap.hosts) {
    totalCpu += h.allocatable.cpuMilli;
    totalMem += h.allocatable.memoryMi;
    if (h.requested.pods === 0) {
      free++;
      continue;
    }
    const freeCpu = h.allocatable.cpuMilli - h.requested.cpuMilli;
    const freeMem = h.allocatable.memoryMi - h.requested.memoryMi;
    if (freeMem < SMALLEST_MEM) strandedCpu += freeCpu;
    if (freeCpu < SMALLEST_CPU) strandedMem += freeMem;
  }
  return {
    placed,
    unschedulable,
    seconds,
    placementsPerS: placed / seconds,
    p50Us: percentile(lat, 50),
    p99Us: percentile(lat, 99),
    freeHosts: free,
    strandedCpuPct: (100 * strandedCpu) / totalCpu,
    strandedMemPct: (100 * strandedMem) / totalMem,
    firstUnschedulable,
  };
}

const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

interface Scenario {
  name: string;
  scheduler: RunFigures;
  baseline: RunFigures;
  initiallyFree: number;
}

function scenario(name: string, hosts: HostInfo[], pods: SchedulingPod[]): Scenario {
  const profile = defaultProfile();
  const tieRandom = mulberry32(SEED + 2);
  const initiallyFree = hosts.filter((h) => h.requested.pods === 0).length;
  log(`[${name}] ${initiallyFree}/${hosts.length} hosts free before placing`);
  log(`[${name}] scheduler (default profile: MostAllocated, kube-scheduler sampling from the first host, ties to the fuller, zone spread):`);
  const sched = run('scheduler', hosts, pods, (snap, pod) => scheduleOne(profile, snap, pod, tieRandom));
  log(`[${name}] first-fit baseline:`);
  const base = run('first-fit', hosts, pods, (snap, pod) => firstFit(snap, pod));
  for (const [label, f] of [
    ['scheduler', sched],
    ['first-fit', base],
  ] as const) {
    log(
      `[${name}] ${label.padEnd(10)} placed ${f.placed}/${pods.length} (unschedulable ${f.unschedulable}) in ${round(f.seconds, 3)} s: ` +
        `${Math.round(f.placementsPerS)} placements/s, p50 ${round(f.p50Us, 1)} µs, p99 ${round(f.p99Us, 1)} µs; ` +
        `free hosts ${f.freeHosts}/${hosts.length}, stranded CPU ${round(f.strandedCpuPct, 3)} %, stranded memory ${round(f.strandedMemPct, 3)} %`,
    );
    if (f.firstUnschedulable) log(`  first unschedulable: ${f.firstUnschedulable}`);
  }
  return { name, scheduler: sched, baseline: base, initiallyFree };
}

function main(): void {
  const rand = mulberry32(SEED);
  const empty = buildFleet(HOSTS);
  const shared = buildFleet(HOSTS);
  addTenantLoad(rand, shared, TENANT_SHARE);
  const pods = buildPods(rand, PODS);
  const gpuPods = pods.filter((p) => p.options[0].gpuModel !== null).length;
  const spotPods = pods.filter((p) => p.pool === 'spot').length;
  const spreadPods = pods.filter((p) => p.topologySpreadConstraints.length > 0).length;
  log(`fleet: ${HOSTS} hosts in ${ZONES.length} zones; pods: ${pods.length} (${spotPods} spot, ${gpuPods} GPU, ${spreadPods} zone-spread), seed ${SEED}`);

  // Warm-up on a throwaway fleet so the JIT has compiled the hot paths before measuring.
  {
    const warm = mulberry32(SEED + 1);
    const wp = buildPods(warm, 2000);
    const ws = new Snapshot(buildFleet(Math.min(HOSTS, 1000)));
    const wf = new Snapshot(buildFleet(Math.min(HOSTS, 1000)));
    const profile = defaultProfile();
    for (const p of wp) {
      const r = scheduleOne(profile, ws, p, warm);
      if (r.kind === 'Scheduled') assume(ws, p, r.hostId, r.option, 0);
      const f = firstFit(wf, p);
      if (f.kind === 'Scheduled') assume(wf, p, f.hostId, f.option, 0);
    }
  }

  const sh = scenario(`shared fleet, ${Math.round(TENANT_SHARE * 100)} % of hosts with other tenants`, shared, pods);
  const em = scenario('empty fleet', empty, pods);
  log('free hosts: hosts without any sandbox (of any tenant) after placing');
  log('stranded CPU: free CPU on hosts with ≥1 sandbox whose free memory < 512 MiB, as % of the fleet allocatable CPU');
  log('stranded memory: free memory on hosts with ≥1 sandbox whose free CPU < 250m, as % of the fleet allocatable memory');

  // The headline is the empty fleet (a cold start: the plain reading of the task); the shared
  // fleet, where other tenants already hold 40 % of the hosts, follows as shared_* keys.
  const s = em.scheduler;
  const b = em.baseline;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'scheduler',
      hosts: HOSTS,
      pods: pods.length,
      placements_per_s: Math.round(s.placementsPerS),
      p99_us: round(s.p99Us, 1),
      free_hosts: s.freeHosts,
      baseline_free_hosts: b.freeHosts,
      stranded_cpu_pct: round(s.strandedCpuPct, 3),
      baseline_stranded_cpu_pct: round(b.strandedCpuPct, 3),
      scenario: 'empty',
      p50_us: round(s.p50Us, 1),
      stranded_mem_pct: round(s.strandedMemPct, 3),
      baseline_stranded_mem_pct: round(b.strandedMemPct, 3),
      baseline_placements_per_s: Math.round(b.placementsPerS),
      free_hosts_ratio: round(s.freeHosts / Math.max(1, b.freeHosts), 4),
      kube_scheduler_ci_floor_ratio: round(s.placementsPerS / KUBE_SCHEDULER_CI_FLOOR, 1),
      unschedulable: s.unschedulable,
      baseline_unschedulable: b.unschedulable,
      shared_tenant_share: TENANT_SHARE,
      shared_initially_free_hosts: sh.initiallyFree,
      shared_placements_per_s: Math.round(sh.scheduler.placementsPerS),
      shared_p99_us: round(sh.scheduler.p99Us, 1),
      shared_free_hosts: sh.scheduler.freeHosts,
      shared_baseline_free_hosts: sh.baseline.freeHosts,
      shared_stranded_cpu_pct: round(sh.scheduler.strandedCpuPct, 3),
      shared_baseline_stranded_cpu_pct: round(sh.baseline.strandedCpuPct, 3),
      seed: SEED,
    })}\n`,
  );
}

/** kube-scheduler's scheduler_perf CI floor at 5,000 nodes / 10k pods (SchedulingBasic), pods/s. */
const KUBE_SCHEDULER_CI_FLOOR = 680;

main();
