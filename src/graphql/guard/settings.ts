import { perWindow, type BucketPolicy } from '../../core/ratelimit';
import type { CostModel } from './cost';

/** The API's protection limits (README "Limits and protection"; each has a NODELESS_* variable). */
export interface GuardSettings {
  /** Bytes of a GraphQL document (the query text). */
  maxQueryBytes: number;
  /** Lexical tokens of a document (the parser stops past this). */
  maxQueryTokens: number;
  /** Field nesting, fragments expanded. */
  maxDepth: number;
  /** Aliases, fragments expanded. */
  maxAliases: number;
  /** Field selections, fragments expanded. */
  maxFields: number;
  /** Requested cost of one query or mutation. */
  maxCost: number;
  /** Requested cost of one subscription (per event it delivers). */
  maxSubscriptionCost: number;
  /** Bytes of an HTTP request body or a WebSocket message. */
  maxRequestBytes: number;
  /** An operation still running after this long is stopped (QUERY_TIMEOUT). */
  timeoutMs: number;
  /**
   * Operations that ask for at least this many points run under the deadline and stop when their
   * client goes away; cheaper ones (a few hundred objects at most) finish in milliseconds and are
   * spared the executor's per-object cancellation checks.
   */
  deadlineMinCost: number;
  /** Cost points an account may spend per minute (a bucket that refills continuously). */
  accountPointsPerMinute: number;
  /** Cost points per minute per IP address for requests without a token. */
  anonymousPointsPerMinute: number;
  /** Metric samples an account may report per minute (reportPodMetrics, reportExternalMetric, reportObjectMetric). */
  metricSamplesPerMinute: number;
  /** Sign-ups per IP address per hour. */
  signupsPerHour: number;
  /** Failed authentications (an unknown, revoked or expired token) per IP address per minute. */
  authFailuresPerMinute: number;
  /** graphql-ws sockets an account may hold open on one api process. */
  socketsPerAccount: number;
  /** Live subscriptions on one socket. */
  subscriptionsPerSocket: number;
  /** Live subscriptions of one account on one api process. */
  subscriptionsPerAccount: number;
  /** A socket whose unsent data grows past this many bytes (a consumer that does not keep up) is closed. */
  socketBufferBytes: number;
  /** A socket that has had unsent data at every check for this long (a consumer that stopped reading) is closed. */
  socketStallMs: number;
  /** Origins allowed by CORS (`*`: any); empty: same-origin only. `localhost` allows any local origin. */
  corsOrigins: string[];
}

export const defaultGuardSettings: GuardSettings = {
  maxQueryBytes: 100_000,
  maxQueryTokens: 20_000,
  maxDepth: 20,
  maxAliases: 100,
  maxFields: 2_000,
  maxCost: 50_000,
  maxSubscriptionCost: 1_000,
  maxRequestBytes: 4 * 1024 * 1024,
  timeoutMs: 15_000,
  deadlineMinCost: 500,
  accountPointsPerMinute: 100_000,
  anonymousPointsPerMinute: 10_000,
  metricSamplesPerMinute: 12_000,
  signupsPerHour: 10,
  authFailuresPerMinute: 30,
  socketsPerAccount: 50,
  subscriptionsPerSocket: 100,
  subscriptionsPerAccount: 500,
  socketBufferBytes: 4 * 1024 * 1024,
  socketStallMs: 30_000,
  corsOrigins: ['localhost'],
};

type NumericSetting = Exclude<keyof GuardSettings, 'corsOrigins'>;

/** The environment variable of each numeric setting (a whole number ≥ 1). */
export const GUARD_VARIABLES: Record<NumericSetting, string> = {
  maxQueryBytes: 'NODELESS_MAX_QUERY_BYTES',
  maxQueryTokens: 'NODELESS_MAX_QUERY_TOKENS',
  maxDepth: 'NODELESS_MAX_QUERY_DEPTH',
  maxAliases: 'NODELESS_MAX_QUERY_ALIASES',
  maxFields: 'NODELESS_MAX_QUERY_FIELDS',
  maxCost: 'NODELESS_MAX_QUERY_COST',
  maxSubscriptionCost: 'NODELESS_MAX_SUBSCRIPTION_COST',
  maxRequestBytes: 'NODELESS_MAX_REQUEST_BYTES',
  timeoutMs: 'NODELESS_QUERY_TIMEOUT_MS',
  deadlineMinCost: 'NODELESS_DEADLINE_MIN_COST',
  accountPointsPerMinute: 'NODELESS_RATE_POINTS_PER_MINUTE',
  anonymousPointsPerMinute: 'NODELESS_RATE_ANONYMOUS_POINTS_PER_MINUTE',
  metricSamplesPerMinute: 'NODELESS_RATE_METRIC_SAMPLES_PER_MINUTE',
  signupsPerHour: 'NODELESS_SIGNUPS_PER_HOUR',
  authFailuresPerMinute: 'NODELESS_AUTH_FAILURES_PER_MINUTE',
  socketsPerAccount: 'NODELESS_MAX_SOCKETS_PER_ACCOUNT',
  subscriptionsPerSocket: 'NODELESS_MAX_SUBSCRIPTIONS_PER_SOCKET',
  subscriptionsPerAccount: 'NODELESS_MAX_SUBSCRIPTIONS_PER_ACCOUNT',
  socketBufferBytes: 'NODELESS_WS_MAX_BUFFER_BYTES',
  socketStallMs: 'NODELESS_WS_STALL_MS',
};

/** The buckets, from the settings. */
export function bucketPolicies(s: GuardSettings): Record<'account' | 'anonymous' | 'metrics' | 'signup' | 'auth', BucketPolicy> {
  return {
    account: perWindow(s.accountPointsPerMinute, 60_000),
    anonymous: perWindow(s.anonymousPointsPerMinute, 60_000),
    metrics: perWindow(s.metricSamplesPerMinute, 60_000),
    signup: perWindow(s.signupsPerHour, 3_600_000),
    auth: perWindow(s.authFailuresPerMinute, 60_000),
  };
}

const len = (v: unknown) => (Array.isArray(v) ? v.length : 0);
const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** Root fields whose cost is charged to the metric-report budget (one point per sample). */
export const METRIC_REPORT_FIELDS: ReadonlySet<string> = new Set(['reportPodMetrics', 'reportExternalMetric', 'reportObjectMetric']);

/**
 * The costs of this API. Defaults (cost.ts): a scalar 0, an object 1, a connection 2 + page × an
 * edge, a list its expected size × an item, a mutation field 10. Below: what differs.
 */
export const costModel: CostModel = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  defaultListSize: 10,
  listSizes: {
    'Query.nodes': (a) => len(a.ids),
    'Query.regions': 5,
    'Query.usage': 100,
    'Workload.metrics': (a) => Math.ceil((typeof a.windowSeconds === 'number' ? a.windowSeconds : 60) / 5),
    'AutoscalerSimulation.decisions': 100,
    'Fleet.zones': 20,
    'Fleet.regions': 5,
  },
  weights: {
    // the dry run replays every step through the algorithm, in the api process
    'Query.simulateAutoscaler': (a) => 10 + 20 * len(a.metricsTimeline),
    'Query.usage': 100,
    'Query.priceQuote': 10,
    'Query.prices': 5,
    'Query.fleet': 20,
    'Invoice.csv': 500,
    'Invoice.json': 500,
    'Cluster.cost': 5,
    'Mutation.applyManifest': (a) => 10 + Math.ceil(String(obj(a.input).manifest ?? '').length / 10_000),
    'Mutation.reportPodMetrics': (a) => Math.max(1, len(obj(a.input).pods)),
    'Mutation.reportExternalMetric': 1,
    'Mutation.reportObjectMetric': 1,
  },
};
