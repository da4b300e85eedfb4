import { LOG_LEVELS, type LogLevel } from './ports/log';
import path from 'node:path';
import { z } from 'zod';
import { autoscalingSettings, type AutoscalingSettings } from './app/autoscalingSettings';
import { billingSettings, type BillingSettings } from './app/billingSettings';
import { DEFAULT_RETENTION, retentionSettings, type RetentionSettings } from './app/retentionSettings';
import { defaultLimits, LIMIT_VARIABLES, type Limits } from './app/services';
import { defaultGuardSettings, GUARD_VARIABLES, type GuardSettings } from './graphql/guard/settings';

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
  NODELESS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  NODELESS_WORKER_TENANT_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  NODELESS_WORKER_TURN_WAIT_MS: ms.default(100),
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
  NODELESS_EVENT_RETENTION_MS: z.coerce.number().int().min(1000).default(DEFAULT_RETENTION.eventRetentionMs),
  NODELESS_EVENTS_PER_CLUSTER: z.coerce.number().int().min(1).default(DEFAULT_RETENTION.eventsPerCluster),
  NODELESS_TERMINATED_POD_GC_THRESHOLD: z.coerce.number().int().min(0).default(DEFAULT_RETENTION.terminatedPodGcThreshold),
  NODELESS_SCALING_HISTORY_RETENTION_MS: z.coerce.number().int().min(1000).default(DEFAULT_RETENTION.scalingHistoryRetentionMs),
  NODELESS_SCALING_HISTORY_PER_WORKLOAD: z.coerce.number().int().min(1).default(DEFAULT_RETENTION.scalingHistoryPerWorkload),
  NODELESS_RETENTION_INTERVAL_MS: z.coerce.number().int().min(100).default(DEFAULT_RETENTION.intervalMs),
  NODELESS_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  NODELESS_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Comma-separated origins, `*`, or `localhost` (any local origin). */
  NODELESS_CORS_ORIGINS: z.string().optional(),
  /** A worker-only process serves /metrics, /healthz and /readyz on this port (unset: none). */
  NODELESS_OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

/** One variable per numeric guard setting (GUARD_VARIABLES), defaulting to defaultGuardSettings. */
const guardSchema = z.object(
  Object.fromEntries(
    (Object.keys(GUARD_VARIABLES) as (keyof typeof GUARD_VARIABLES)[]).map((key) => [GUARD_VARIABLES[key], z.coerce.number().int().min(1).default(defaultGuardSettings[key])]),
  ) as Record<string, z.ZodDefault<z.ZodNumber>>,
);

export type RawConfig = z.infer<typeof schema>;

/** One variable per limit (LIMIT_VARIABLES): a whole number ≥ 1, defaulting to defaultLimits. */
const limitsSchema = z.object(
  Object.fromEntries(
    (Object.keys(LIMIT_VARIABLES) as (keyof Limits)[]).map((key) => [LIMIT_VARIABLES[key], z.coerce.number().int().min(1).default(defaultLimits[key])]),
  ) as Record<string, z.ZodDefault<z.ZodNumber>>,
);

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
  limits: Limits;
  workerConcurrency: number;
  /** Most of a worker's concurrency one account holds while another account has work (0 < share ≤ 1). */
  workerTenantShare: number;
  /** Most an item waits at one turn for a lighter account's work. */
  workerTurnWaitMs: number;
  resyncMs: number;
  queueName: string;
  kubernetesVersion: string;
  autoscaling: AutoscalingSettings;
  billing: BillingSettings;
  /** What the store keeps (event retention, finished-pod GC, scaling history). */
  retention: RetentionSettings;
  /** The API's protection: query cost and size limits, rate limits, sockets, CORS. */
  guard: GuardSettings;
  logLevel: LogLevel;
  /** Bearer token /metrics asks for; unset: /metrics is open. */
  metricsToken?: string;
  /** Port of a worker-only process' operational endpoints (unset: none; the api serves them on its port). */
  opsPort?: number;
}

/** Parses the environment (see the configuration table in the README). Throws on bad values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(given);
  const parsedLimits = limitsSchema.safeParse(given);
  const parsedGuard = guardSchema.safeParse(given);
  if (!parsed.success || !parsedLimits.success || !parsedGuard.success) {
    const issues = [...(parsed.success ? [] : parsed.error.issues), ...(parsedLimits.success ? [] : parsedLimits.error.issues), ...(parsedGuard.success ? [] : parsedGuard.error.issues)];
    const lines = issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  const l = parsedLimits.data;
  const g = parsedGuard.data;
  const cors = c.NODELESS_CORS_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);
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
    limits: Object.fromEntries((Object.keys(LIMIT_VARIABLES) as (keyof Limits)[]).map((key) => [key, l[LIMIT_VARIABLES[key]]])) as unknown as Limits,
    workerConcurrency: c.NODELESS_WORKER_CONCURRENCY,
    workerTenantShare: c.NODELESS_WORKER_TENANT_SHARE,
    workerTurnWaitMs: c.NODELESS_WORKER_TURN_WAIT_MS,
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
    retention: retentionSettings({
      eventRetentionMs: c.NODELESS_EVENT_RETENTION_MS,
      eventsPerCluster: c.NODELESS_EVENTS_PER_CLUSTER,
      terminatedPodGcThreshold: c.NODELESS_TERMINATED_POD_GC_THRESHOLD,
      scalingHistoryRetentionMs: c.NODELESS_SCALING_HISTORY_RETENTION_MS,
      scalingHistoryPerWorkload: c.NODELESS_SCALING_HISTORY_PER_WORKLOAD,
      intervalMs: c.NODELESS_RETENTION_INTERVAL_MS,
    }),
    guard: {
      ...(Object.fromEntries((Object.keys(GUARD_VARIABLES) as (keyof typeof GUARD_VARIABLES)[]).map((key) => [key, g[GUARD_VARIABLES[key]]])) as Omit<GuardSettings, 'corsOrigins'>),
      // embedded (one user on this machine): pages on localhost may call the API; scaled out: same-origin only
      corsOrigins: cors ?? (c.DATABASE_URL ? [] : ['localhost']),
    },
    logLevel: c.NODELESS_LOG_LEVEL,
    metricsToken: c.NODELESS_METRICS_TOKEN,
    opsPort: c.NODELESS_OPS_PORT,
  };
}
