/** The billing pipeline's timing. */
export interface BillingSettings {
  /** A running pod's usage is metered at least this often (a start or an end is metered at once). */
  meterIntervalMs: number;
  /** A month's invoices are finalized this long after the month ends (late pod ends settle first). */
  finalizeGraceMs: number;
}

export function billingSettings(overrides: Partial<BillingSettings> = {}): BillingSettings {
  return { meterIntervalMs: 60_000, finalizeGraceMs: 3_600_000, ...overrides };
}
