import { DEFAULT_CONTROLLER_CONFIG, type ControllerConfig } from '../core/autoscaler/types';

/** The HPA controller's flags (kube-controller-manager's) and the metrics pipeline's timing. */
export interface AutoscalingSettings extends ControllerConfig {
  /** --horizontal-pod-autoscaler-sync-period: every autoscaler is evaluated at least this often (15 s). */
  syncPeriodMs: number;
  /** How often the simulated provider samples pod usage (metrics-server's resolution). */
  metricsIntervalMs: number;
  /** A pod's newest sample older than this counts as missing (as metrics-server drops stale pods). */
  metricStalenessMs: number;
  /** Samples are kept this long (enough for a 60 s window), then pruned. */
  metricsRetentionMs: number;
}

export function autoscalingSettings(overrides: Partial<AutoscalingSettings> = {}): AutoscalingSettings {
  return {
    ...DEFAULT_CONTROLLER_CONFIG,
    syncPeriodMs: 15_000,
    metricsIntervalMs: 5_000,
    metricStalenessMs: 60_000,
    metricsRetentionMs: 120_000,
    ...overrides,
  };
}
