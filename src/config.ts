import path from 'node:path';
import { z } from 'zod';
import { autoscalingSettings, type AutoscalingSettings } from './app/autoscalingSettings';
import { billingSettings, type BillingSettings } from './app/billingSettings';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const ms = z.coerce.number().int().min(0);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  NODELESS_DATA_DIR: z.string().default(path.join(process.cwd(), '.nodeless', 'data')),
  NODELESS_ALLOW_SIGNUP: bool.optional(),
  NODELESS_BOOT_MS: ms.default(2000),
  NODELESS_PULL_MS: ms.default(1000),
  NODELESS_BATCH_RUN_MS: ms.default(5000),
  NODELESS_STOP_MS: ms.default(1000),
  NODELESS_CLUSTER_PROVISION_MS: ms.default(1500),
  NODELESS_FLEET_FILE: z.string().optional(),
  NODELESS_SCHEDULER_FILE: z.string().optional(),
  NODELESS_OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  NODELESS_CLUSTERS_PER_ACCOUNT: z.coerce.number().int().min(1).default(20),
  NODELESS_CLUSTERS_PER_REGION: z.coerce.number().int().min(1).default(10),
  NODELESS_PODS_PER_CLUSTER: z.coerce.number().int().min(1).default(20000),
  NODELESS_REPLICAS_PER_WORKLOAD: z.coerce.number().int().min(1).default(5000),
  NODELESS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  NODELESS_RESYNC_MS: ms.default(30_000),
  NODELESS_QUEUE_NAME: z.string().regex(/^[a-z0-9_.-]+$/i).default('reconcile'),
  NODELESS_K8S_VERSION: z.string().default('1.32'),
  NODELESS_HPA_SYNC_MS: z.coerce.number().int().min(1000).default(15_000),
  NODELESS_HPA_TOLERANCE: z.coerce.number().min(0).max(1).default(0.1),
  NODELESS_HPA_DOWNSCALE_STABILIZATION_MS: ms.default(300_000),
  NODELESS_HPA_CPU_INITIALIZATION_MS: ms.default(300_000),
  NODELESS_HPA_INITIAL_READINESS_DELAY_MS: ms.default(30_000),
  NODELESS_METRICS_INTERVAL_MS: z.coerce.number().int().min(1000).default(5_000),
  NODELESS_METER_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  NODELESS_INVOICE_GRACE_MS: ms.default(3_600_000),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  redisUrl?: string;
  dataDir: string;
  allowSignup: boolean;
  bootLatencyMs: number;
  pullLatencyMs: number;
  batchRunMs: number;
  stopLatencyMs: number;
  clusterProvisionMs: number;
  fleetFile?: string;
  /** YAML/JSON scheduler profile overrides (weights, scoring strategy, backoff). */
  schedulerFile?: string;
  /** Bearer token for operator-only fields (fleet, spot reclaim); unset: generated at start. */
  operatorToken?: string;
  limits: { clustersPerAccount: number; clustersPerRegion: number; podsPerCluster: number; replicasPerWorkload: number };
  workerConcurrency: number;
  resyncMs: number;
  queueName: string;
  kubernetesVersion: string;
  autoscaling: AutoscalingSettings;
  billing: BillingSettings;
}

/** Parses the environment (see the configuration table in the README). Throws on bad values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    dataDir: c.NODELESS_DATA_DIR,
    // Open sign-up is for the embedded, single-user mode; services mode must opt in.
    allowSignup: c.NODELESS_ALLOW_SIGNUP ?? !c.DATABASE_URL,
    bootLatencyMs: c.NODELESS_BOOT_MS,
    pullLatencyMs: c.NODELESS_PULL_MS,
    batchRunMs: c.NODELESS_BATCH_RUN_MS,
    stopLatencyMs: c.NODELESS_STOP_MS,
    clusterProvisionMs: c.NODELESS_CLUSTER_PROVISION_MS,
    fleetFile: c.NODELESS_FLEET_FILE,
    schedulerFile: c.NODELESS_SCHEDULER_FILE,
    operatorToken: c.NODELESS_OPERATOR_TOKEN,
    limits: {
      clustersPerAccount: c.NODELESS_CLUSTERS_PER_ACCOUNT,
      clustersPerRegion: c.NODELESS_CLUSTERS_PER_REGION,
      podsPerCluster: c.NODELESS_PODS_PER_CLUSTER,
      replicasPerWorkload: c.NODELESS_REPLICAS_PER_WORKLOAD,
    },
    workerConcurrency: c.NODELESS_WORKER_CONCURRENCY,
    resyncMs: c.NODELESS_RESYNC_MS,
    queueName: c.NODELESS_QUEUE_NAME,
    kubernetesVersion: c.NODELESS_K8S_VERSION,
    autoscaling: autoscalingSettings({
      syncPeriodMs: c.NODELESS_HPA_SYNC_MS,
      tolerance: c.NODELESS_HPA_TOLERANCE,
      downscaleStabilizationWindowMs: c.NODELESS_HPA_DOWNSCALE_STABILIZATION_MS,
      cpuInitializationPeriodMs: c.NODELESS_HPA_CPU_INITIALIZATION_MS,
      delayOfInitialReadinessStatusMs: c.NODELESS_HPA_INITIAL_READINESS_DELAY_MS,
      metricsIntervalMs: c.NODELESS_METRICS_INTERVAL_MS,
    }),
    billing: billingSettings({ meterIntervalMs: c.NODELESS_METER_INTERVAL_MS, finalizeGraceMs: c.NODELESS_INVOICE_GRACE_MS }),
  };
}
