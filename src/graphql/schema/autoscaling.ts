import type { Autoscaler, ScalingDecision, Workload } from '../../generated/prisma/client';
import { builder, cursorPage, decodeCursor, encodeCursor, isStringTuple, parseId, requireAccount, UserErrorRef } from '../builder';
import { ClusterRef, PodRef, WorkloadRef } from './refs';
import { ConditionRef } from './workloads';
import { AppError, notFound, type UserError } from '../../app/errors';
import { deleteAutoscaler, reportCustomMetric, reportPodMetrics, setAutoscaler, setWorkloadLoad, type ReportedPod } from '../../app/autoscalers';
import { clusterEventStream } from '../../app/streams';
import type { EventRecord, ScalingSnapshot } from '../../adapters/prisma/objects';
import type { HpaCondition, HpaSpec, HpaStatus, MetricStatus } from '../../core/autoscaler/types';
import { simulateAutoscalerTimeline } from '../../app/simulateAutoscaler';
import { formatCpuMilli } from '../../core/quantity';
import { canonicalQuantity } from '../../core/admission/quota';
import type { Condition } from '../../core/workloads/specs';
import type { LoadSpec } from '../../core/load';
import { ACTIVATION_ANNOTATION } from '../../core/autoscaler/reconcile';
import { isUuid } from '../../app/clusters';
import { loadPage, loaders } from '../loaders';

// ───────────────────────────── metric values ─────────────────────────────

/** One entry of status.currentMetrics, flattened for dashboards. */
interface MetricValueView {
  type: string;
  name: string;
  container: string | null;
  describedObject: string | null;
  averageUtilization: number | null;
  averageValue: string | null;
  value: string | null;
}

function metricView(m: MetricStatus): MetricValueView {
  const base = { container: null, describedObject: null, averageUtilization: null, averageValue: null, value: null };
  switch (m.type) {
    case 'Resource':
      return { ...base, type: m.type, name: m.resource.name, averageUtilization: m.resource.current.averageUtilization ?? null, averageValue: m.resource.current.averageValue ?? null };
    case 'ContainerResource':
      return { ...base, type: m.type, name: m.containerResource.name, container: m.containerResource.container, averageUtilization: m.containerResource.current.averageUtilization ?? null, averageValue: m.containerResource.current.averageValue ?? null };
    case 'Pods':
      return { ...base, type: m.type, name: m.pods.metric.name, averageValue: m.pods.current.averageValue ?? null };
    case 'Object':
      return { ...base, type: m.type, name: m.object.metric.name, describedObject: `${m.object.describedObject.kind}/${m.object.describedObject.name}`, averageValue: m.object.current.averageValue ?? null, value: m.object.current.value ?? null };
    case 'External':
      return { ...base, type: m.type, name: m.external.metric.name, averageValue: m.external.current.averageValue ?? null, value: m.external.current.value ?? null };
  }
}

const MetricValueRef = builder.objectRef<MetricValueView>('MetricValue').implement({
  description: 'A metric an autoscaler read (status.currentMetrics), with the fields `kubectl describe hpa` shows.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Resource, ContainerResource, Pods, Object or External.' }),
    name: t.exposeString('name', { description: 'The resource (cpu, memory) or metric name.' }),
    container: t.exposeString('container', { nullable: true }),
    describedObject: t.exposeString('describedObject', { nullable: true, description: 'Object metrics: Kind/name.' }),
    averageUtilization: t.exposeInt('averageUtilization', { nullable: true, description: 'Percent of the request (Utilization targets).' }),
    averageValue: t.exposeString('averageValue', { nullable: true, description: 'A quantity: the per-pod average.' }),
    value: t.exposeString('value', { nullable: true, description: 'A quantity: the metric value (Value targets).' }),
  }),
});

const metricViews = (raw: unknown): MetricValueView[] => (Array.isArray(raw) ? (raw as MetricStatus[]).map(metricView) : []);

// ───────────────────────────── the autoscaler ─────────────────────────────

const AutoscalerStatusRef = builder.objectRef<HpaStatus>('AutoscalerStatus').implement({
  description: 'The status as Kubernetes reports it.',
  fields: (t) => ({
    currentReplicas: t.exposeInt('currentReplicas'),
    desiredReplicas: t.exposeInt('desiredReplicas'),
    currentMetrics: t.field({ type: [MetricValueRef], resolve: (s) => metricViews(s.currentMetrics) }),
    lastScaleTime: t.field({ type: 'DateTime', nullable: true, resolve: (s) => (s.lastScaleTime === null ? null : new Date(s.lastScaleTime)) }),
    conditions: t.field({ type: [ConditionRef], description: 'AbleToScale, ScalingActive, ScalingLimited.', resolve: (s) => s.conditions as unknown as Condition[] }),
  }),
});

const EMPTY_STATUS: HpaStatus = { currentReplicas: 0, desiredReplicas: 0, currentMetrics: [], lastScaleTime: null, conditions: [] };

const ScaleTargetRefRef = builder.objectRef<HpaSpec['scaleTargetRef']>('ScaleTargetRef').implement({
  fields: (t) => ({ apiVersion: t.exposeString('apiVersion'), kind: t.exposeString('kind'), name: t.exposeString('name') }),
});

export const AutoscalerRef = builder.objectRef<Autoscaler>('HorizontalPodAutoscaler').implement({
  description: 'An autoscaling/v2 HorizontalPodAutoscaler: Kubernetes-exact decisions, evaluated as soon as a metric arrives and every 15 s.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace'),
    uid: t.exposeString('uid'),
    labels: t.field({ type: 'JSON', resolve: (a) => a.labels }),
    annotations: t.field({ type: 'JSON', resolve: (a) => a.annotations }),
    spec: t.field({ type: 'JSON', description: 'The autoscaling/v2 spec with Kubernetes defaults filled in.', resolve: (a) => a.spec }),
    scaleTargetRef: t.field({ type: ScaleTargetRefRef, resolve: (a) => (a.spec as unknown as HpaSpec).scaleTargetRef }),
    minReplicas: t.int({ resolve: (a) => (a.spec as unknown as HpaSpec).minReplicas }),
    maxReplicas: t.int({ resolve: (a) => (a.spec as unknown as HpaSpec).maxReplicas }),
    status: t.field({ type: AutoscalerStatusRef, resolve: (a) => (Array.isArray((a.status as unknown as HpaStatus).conditions) ? (a.status as unknown as HpaStatus) : EMPTY_STATUS) }),
    target: t.field({
      type: WorkloadRef,
      nullable: true,
      description: 'The workload it scales (null while it does not exist).',
      resolve: (a, _, ctx, info) => loaders(ctx, info).workloadByName.load({ clusterId: a.clusterId, namespace: a.namespace, kind: a.targetKind, name: a.targetName }),
    }),
    generation: t.exposeInt('generation'),
    observedGeneration: t.exposeInt('observedGeneration'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

// ───────────────────────────── decisions ─────────────────────────────

interface DecisionView {
  id: string;
  sequence: number | null;
  at: Date;
  autoscalerName: string;
  namespace: string;
  targetKind: string;
  targetName: string;
  fromReplicas: number;
  toReplicas: number;
  proposed: number;
  reason: string;
  message: string;
  limitedBy: string | null;
  metrics: unknown;
}

const ScalingDecisionRef = builder.objectRef<DecisionView>('ScalingDecision').implement({
  description: 'One rescale by an autoscaler: when, from → to, the metrics that drove it and what held it back.',
  fields: (t) => ({
    id: t.exposeID('id'),
    sequence: t.exposeInt('sequence', { nullable: true, description: 'The SuccessfulRescale event sequence (streams: resume with `since`).' }),
    at: t.expose('at', { type: 'DateTime' }),
    autoscalerName: t.exposeString('autoscalerName'),
    namespace: t.exposeString('namespace'),
    targetKind: t.exposeString('targetKind'),
    targetName: t.exposeString('targetName'),
    fromReplicas: t.exposeInt('fromReplicas'),
    toReplicas: t.exposeInt('toReplicas'),
    proposed: t.exposeInt('proposed', { description: 'What the metrics asked for, before stabilization and rate policies.' }),
    reason: t.exposeString('reason', { description: 'e.g. "cpu resource utilization (percentage of request) above target", "All metrics below target".' }),
    message: t.exposeString('message', { description: 'The Kubernetes SuccessfulRescale event: "New size: 7; reason: …".' }),
    limitedBy: t.exposeString('limitedBy', { nullable: true, description: 'ScaleUpLimit, ScaleDownLimit, TooManyReplicas, TooFewReplicas, ScaleUpStabilized or ScaleDownStabilized; null when the proposal was applied as is.' }),
    metrics: t.field({ type: [MetricValueRef], resolve: (d) => metricViews(d.metrics) }),
  }),
});

const decisionOfRow = (d: ScalingDecision, targetKind: string, targetName: string): DecisionView => ({ ...d, sequence: null, targetKind, targetName });

function decisionOfEvent(e: EventRecord): DecisionView {
  const s = e.object as ScalingSnapshot;
  return { id: s.decisionId ?? e.id, sequence: e.sequence, at: new Date(s.at), autoscalerName: s.autoscalerName, namespace: s.namespace, targetKind: s.targetKind, targetName: s.targetName, fromReplicas: s.fromReplicas, toReplicas: s.toReplicas, proposed: s.proposed, reason: s.reason, message: e.message, limitedBy: s.limitedBy, metrics: s.metrics };
}

builder.subscriptionField('scalingEvents', (t) =>
  t.field({
    type: ScalingDecisionRef,
    description: "Every rescale an autoscaler of the cluster makes, live. With `since` (the last sequence you saw) you first get the later ones: no gap, no duplicate.",
    args: { clusterId: t.arg.id({ required: true }), since: t.arg.int() },
    subscribe: async (_, { clusterId, since }, ctx) => {
      const account = requireAccount(ctx);
      const id = parseId('Cluster', String(clusterId));
      if (!id) throw notFound(`cluster ${clusterId}`);
      return clusterEventStream(ctx.svc, account.id, id, { since, filter: (e) => e.involvedKind === 'HorizontalPodAutoscaler' && e.reason === 'SuccessfulRescale' });
    },
    resolve: (e: EventRecord) => decisionOfEvent(e),
  }),
);

// ───────────────────────────── metrics views ─────────────────────────────

interface PodMetricsView {
  at: Date;
  windowSeconds: number;
  cpuMilli: number;
  memoryBytes: number;
  source: string;
}

const PodMetricsRef = builder.objectRef<PodMetricsView>('PodMetrics').implement({
  description: "A pod's newest usage sample (metrics.k8s.io).",
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    windowSeconds: t.exposeInt('windowSeconds'),
    cpu: t.string({ description: 'A quantity, e.g. "250m".', resolve: (m) => formatCpuMilli(m.cpuMilli) }),
    cpuMilli: t.exposeInt('cpuMilli'),
    memory: t.string({ description: 'A quantity, e.g. "300Mi".', resolve: (m) => canonicalQuantity(String(m.memoryBytes)) ?? String(m.memoryBytes) }),
    memoryBytes: t.exposeFloat('memoryBytes'),
    source: t.exposeString('source', { description: 'simulated (the load model) or reported (reportPodMetrics).' }),
  }),
});

builder.objectFields(PodRef, (t) => ({
  metrics: t.field({
    type: PodMetricsRef,
    nullable: true,
    description: 'The newest usage sample of the last minute (null: none, e.g. not running).',
    resolve: async (p, _, ctx, info) => {
      const s = await loaders(ctx, info).podSample.load(p.id);
      return s ? { at: s.at, windowSeconds: Math.round(s.windowMs / 1000), cpuMilli: s.cpuMilli, memoryBytes: Number(s.memoryBytes), source: s.source } : null;
    },
  }),
}));

interface WorkloadPointView {
  at: Date;
  pods: number;
  cpuMilli: number;
  memoryBytes: number;
}

const WorkloadMetricsPointRef = builder.objectRef<WorkloadPointView>('WorkloadMetricsPoint').implement({
  description: "A workload's usage at one sampling instant: the sum over its pods.",
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    pods: t.exposeInt('pods', { description: 'Pods sampled.' }),
    cpuMilli: t.exposeInt('cpuMilli', { description: 'Total CPU, millicores.' }),
    averageCpuMilli: t.int({ resolve: (p) => (p.pods ? Math.floor(p.cpuMilli / p.pods) : 0) }),
    memoryBytes: t.exposeFloat('memoryBytes', { description: 'Total memory, bytes.' }),
  }),
});

const MAX_WINDOW_SECONDS = 600;

/** A scaling-history cursor: the decision's time (ISO-8601) and id; anything else is BAD_USER_INPUT. */
function decisionCursor(cursor: string | undefined): [string, string] | undefined {
  const v = decodeCursor(cursor, isStringTuple(2));
  if (v === undefined) return undefined;
  if (Number.isNaN(Date.parse(v[0])) || !isUuid(v[1])) throw new AppError('BAD_USER_INPUT', 'invalid cursor');
  return [new Date(v[0]).toISOString(), v[1]];
}

builder.objectFields(WorkloadRef, (t) => ({
  autoscaler: t.field({
    type: AutoscalerRef,
    nullable: true,
    description: 'The HorizontalPodAutoscaler that scales this workload.',
    resolve: (w, _, ctx, info) => loaders(ctx, info).autoscalerOf.load({ clusterId: w.clusterId, namespace: w.namespace, kind: w.kind, name: w.name }),
  }),
  metrics: t.field({
    type: [WorkloadMetricsPointRef],
    description: `Usage over the last \`windowSeconds\` (default 60, at most ${MAX_WINDOW_SECONDS}; samples are kept two minutes by default).`,
    args: { windowSeconds: t.arg.int({ defaultValue: 60 }) },
    resolve: async (w, { windowSeconds }, ctx, info) => {
      const seconds = windowSeconds ?? 60;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_WINDOW_SECONDS) throw new AppError('BAD_USER_INPUT', `windowSeconds must be between 1 and ${MAX_WINDOW_SECONDS}; got ${seconds}`);
      const points = await loaders(ctx, info).workloadSeries.load({ id: w.id, seconds });
      return points.map((p) => ({ at: p.at, pods: p.pods, cpuMilli: Number(p.cpuMilli), memoryBytes: Number(p.memoryBytes) }));
    },
  }),
  scalingHistory: t.connection({
    type: ScalingDecisionRef,
    description: "The autoscaler's rescales of this workload, newest first.",
    resolve: (w, args, ctx, info) =>
      cursorPage(args, (d: DecisionView) => encodeCursor([d.at.toISOString(), d.id]), async ({ after, before, limit, inverted }) => {
        const rows = await loadPage(loaders(ctx, info).scalingHistory, { parent: w.id, after: decisionCursor(after), before: decisionCursor(before), limit, inverted });
        return rows.map((d) => decisionOfRow(d, w.kind, w.name));
      }),
  }),
}));

builder.objectFields(ClusterRef, (t) => ({
  autoscalers: t.connection({
    type: AutoscalerRef,
    description: 'HorizontalPodAutoscalers by namespace and name.',
    args: { namespace: t.arg.string() },
    resolve: (c, args, ctx, info) =>
      cursorPage(args, (a: Autoscaler) => encodeCursor([a.namespace, a.name]), ({ after, before, limit, inverted }) =>
        loadPage(loaders(ctx, info).autoscalers, { parent: c.id, after: decodeCursor(after, isStringTuple(2)), before: decodeCursor(before, isStringTuple(2)), limit, inverted, filters: { namespace: args.namespace || null } }),
      ),
  }),
  autoscaler: t.field({
    type: AutoscalerRef,
    nullable: true,
    args: { namespace: t.arg.string({ defaultValue: 'default' }), name: t.arg.string({ required: true }) },
    resolve: (c, { namespace, name }, ctx, info) => loaders(ctx, info).autoscalerByName.load({ clusterId: c.id, namespace: namespace ?? 'default', name }),
  }),
}));

// ───────────────────────────── inputs ─────────────────────────────

const MetricTargetInput = builder.inputType('MetricTargetInput', {
  fields: (t) => ({
    type: t.string({ required: true, description: 'Utilization, Value or AverageValue.' }),
    averageUtilization: t.int(),
    value: t.string({ description: 'A quantity.' }),
    averageValue: t.string({ description: 'A quantity.' }),
  }),
});
const MetricIdentifierInput = builder.inputType('MetricIdentifierInput', {
  fields: (t) => ({ name: t.string({ required: true }), selector: t.field({ type: 'JSON', description: 'A label selector: {matchLabels, matchExpressions}.' }) }),
});
const ObjectReferenceInput = builder.inputType('CrossVersionObjectReferenceInput', {
  fields: (t) => ({ apiVersion: t.string({ required: true, defaultValue: 'apps/v1' }), kind: t.string({ required: true, defaultValue: 'Deployment' }), name: t.string({ required: true }) }),
});
const MetricSpecInput = builder.inputType('MetricSpecInput', {
  description: 'One metric, with the autoscaling/v2 field names: `type` and the member it names.',
  fields: (t) => ({
    type: t.string({ required: true, description: 'Resource, ContainerResource, Pods, Object or External.' }),
    resource: t.field({ type: builder.inputType('ResourceMetricSourceInput', { fields: (u) => ({ name: u.string({ required: true }), target: u.field({ type: MetricTargetInput, required: true }) }) }) }),
    containerResource: t.field({ type: builder.inputType('ContainerResourceMetricSourceInput', { fields: (u) => ({ name: u.string({ required: true }), container: u.string({ required: true }), target: u.field({ type: MetricTargetInput, required: true }) }) }) }),
    pods: t.field({ type: builder.inputType('PodsMetricSourceInput', { fields: (u) => ({ metric: u.field({ type: MetricIdentifierInput, required: true }), target: u.field({ type: MetricTargetInput, required: true }) }) }) }),
    object: t.field({ type: builder.inputType('ObjectMetricSourceInput', { fields: (u) => ({ describedObject: u.field({ type: ObjectReferenceInput, required: true }), metric: u.field({ type: MetricIdentifierInput, required: true }), target: u.field({ type: MetricTargetInput, required: true }) }) }) }),
    external: t.field({ type: builder.inputType('ExternalMetricSourceInput', { fields: (u) => ({ metric: u.field({ type: MetricIdentifierInput, required: true }), target: u.field({ type: MetricTargetInput, required: true }) }) }) }),
  }),
});
const ScalingPolicyInput = builder.inputType('ScalingPolicyInput', {
  fields: (t) => ({ type: t.string({ required: true, description: 'Pods or Percent.' }), value: t.int({ required: true }), periodSeconds: t.int({ required: true }) }),
});
const ScalingRulesInput = builder.inputType('ScalingRulesInput', {
  fields: (t) => ({
    stabilizationWindowSeconds: t.int(),
    selectPolicy: t.string({ description: 'Max (default), Min or Disabled.' }),
    policies: t.field({ type: [ScalingPolicyInput] }),
    tolerance: t.string({ description: 'A quantity such as "0.05" (default: the controller\'s 0.1).' }),
  }),
});
const AutoscalerSpecInput = builder.inputType('AutoscalerSpecInput', {
  description: 'The autoscaling/v2 HorizontalPodAutoscaler spec; unset fields get Kubernetes defaults.',
  fields: (t) => ({
    scaleTargetRef: t.field({ type: ObjectReferenceInput, required: true }),
    minReplicas: t.int({ description: 'Default 1; 0 (scale to zero) needs an Object or External metric.' }),
    maxReplicas: t.int({ required: true }),
    metrics: t.field({ type: [MetricSpecInput], description: 'Default: CPU utilization 80 %.' }),
    behavior: t.field({ type: builder.inputType('AutoscalerBehaviorInput', { fields: (u) => ({ scaleUp: u.field({ type: ScalingRulesInput }), scaleDown: u.field({ type: ScalingRulesInput }) }) }) }),
  }),
});

/**
 * Below this depth a value is a JSON scalar's content (a metric selector), not an input object:
 * it is passed on as given (validation refuses what is wrong), so a deeply nested one cannot
 * exhaust the stack here.
 */
const RAW_MAX_DEPTH = 32;

/** A GraphQL input as the raw object the manifest path validates (unset fields dropped). */
function raw(v: unknown, depth = 0): unknown {
  if (depth > RAW_MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => raw(x, depth + 1));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = raw(x, depth + 1);
    return out;
  }
  return v;
}

function stringMap(v: unknown, field: string): { map: Record<string, string> } | { error: UserError } {
  if (v === null || v === undefined) return { map: {} };
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) return { error: { field: [field], code: 'INVALID_VALUE', message: `${field}: must be an object of strings` } };
  return { map: v as Record<string, string> };
}

const clusterOrFail = (raw: unknown) => parseId('Cluster', String(raw));
const noCluster = (id: unknown): UserError[] => [{ field: ['clusterId'], code: 'NOT_FOUND', message: `cluster ${String(id)} not found` }];

const SetAutoscalerPayload = builder.objectRef<{ autoscaler: Autoscaler | null; userErrors: UserError[] }>('SetAutoscalerPayload').implement({
  fields: (t) => ({ autoscaler: t.field({ type: AutoscalerRef, nullable: true, resolve: (p) => p.autoscaler }), userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }) }),
});

builder.mutationField('setAutoscaler', (t) =>
  t.field({
    type: SetAutoscalerPayload,
    description: 'Creates or updates a HorizontalPodAutoscaler (the same validation as applying its YAML).',
    args: {
      input: t.arg({
        type: builder.inputType('SetAutoscalerInput', {
          fields: (u) => ({
            clusterId: u.id({ required: true }),
            namespace: u.string({ required: true, defaultValue: 'default' }),
            name: u.string({ required: true }),
            spec: u.field({ type: AutoscalerSpecInput, required: true }),
            labels: u.field({ type: 'JSON' }),
            annotations: u.field({ type: 'JSON', description: `e.g. {"${ACTIVATION_ANNOTATION}": "5"} (scale to zero).` }),
          }),
        }),
        required: true,
      }),
    },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = clusterOrFail(input.clusterId);
      if (!clusterId) return { autoscaler: null, userErrors: noCluster(input.clusterId) };
      const labels = stringMap(input.labels, 'labels');
      if ('error' in labels) return { autoscaler: null, userErrors: [labels.error] };
      const annotations = stringMap(input.annotations, 'annotations');
      if ('error' in annotations) return { autoscaler: null, userErrors: [annotations.error] };
      return setAutoscaler(ctx.svc, account.id, { clusterId, namespace: input.namespace, name: input.name, spec: raw(input.spec), labels: labels.map, annotations: annotations.map });
    },
  }),
);

const DeletedPayload = builder.objectRef<{ deleted: boolean; userErrors: UserError[] }>('DeleteAutoscalerPayload').implement({
  fields: (t) => ({ deleted: t.exposeBoolean('deleted'), userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }) }),
});

builder.mutationField('deleteAutoscaler', (t) =>
  t.field({
    type: DeletedPayload,
    description: '`kubectl delete hpa`: the workload keeps the replicas it has.',
    args: { input: t.arg({ type: builder.inputType('DeleteAutoscalerInput', { fields: (u) => ({ clusterId: u.id({ required: true }), namespace: u.string({ required: true, defaultValue: 'default' }), name: u.string({ required: true }) }) }), required: true }) },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = clusterOrFail(input.clusterId);
      if (!clusterId) return { deleted: false, userErrors: noCluster(input.clusterId) };
      return deleteAutoscaler(ctx.svc, account.id, { clusterId, namespace: input.namespace, name: input.name });
    },
  }),
);

const LoadInput = builder.inputType('WorkloadLoadInput', {
  description: 'Offered traffic in the simulated provider: requests/s over time (points joined by straight lines) and what a request costs.',
  fields: (t) => ({
    points: t.field({ type: [builder.inputType('LoadPointInput', { fields: (u) => ({ at: u.float({ required: true, description: 'Seconds from now.' }), rps: u.float({ required: true }) }) })], required: true, description: 'One point: constant; two: a ramp; more: a script.' }),
    repeatSeconds: t.float({ description: 'Repeat the profile with this period (86400: a daily curve).' }),
    cpuMsPerRequest: t.float({ required: true, description: 'CPU time per request, ms of one core.' }),
    memoryMiPerRps: t.float({ required: true, defaultValue: 0, description: 'MiB held per request/s a pod serves.' }),
    baseCpuMilli: t.int({ required: true, defaultValue: 0, description: 'An idle pod’s CPU, millicores.' }),
    baseMemoryMi: t.int({ required: true, defaultValue: 0, description: 'An idle pod’s memory, MiB.' }),
  }),
});

const SetWorkloadLoadPayload = builder.objectRef<{ workload: Workload | null; userErrors: UserError[] }>('SetWorkloadLoadPayload').implement({
  fields: (t) => ({ workload: t.field({ type: WorkloadRef, nullable: true, resolve: (p) => p.workload }), userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }) }),
});

builder.mutationField('setWorkloadLoad', (t) =>
  t.field({
    type: SetWorkloadLoadPayload,
    description: 'Sets (or with `load: null` clears) the traffic the simulated provider offers a Deployment or StatefulSet. Usage is sampled at once and then every few seconds; its autoscaler reacts to each sample.',
    args: {
      input: t.arg({
        type: builder.inputType('SetWorkloadLoadInput', { fields: (u) => ({ clusterId: u.id({ required: true }), namespace: u.string({ required: true, defaultValue: 'default' }), kind: u.string({ required: true, defaultValue: 'Deployment' }), name: u.string({ required: true }), load: u.field({ type: LoadInput }) }) }),
        required: true,
      }),
    },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = clusterOrFail(input.clusterId);
      if (!clusterId) return { workload: null, userErrors: noCluster(input.clusterId) };
      const load = input.load ? ({ ...(raw(input.load) as object) } as LoadSpec) : null;
      const r = await setWorkloadLoad(ctx.svc, account.id, { clusterId, namespace: input.namespace, kind: input.kind, name: input.name, load });
      return { workload: r.workloadId ? await ctx.svc.db.workload.findUnique({ where: { id: r.workloadId } }) : null, userErrors: r.userErrors };
    },
  }),
);

const AcceptedPayload = builder.objectRef<{ accepted: number; userErrors: UserError[] }>('ReportMetricsPayload').implement({
  fields: (t) => ({ accepted: t.exposeInt('accepted', { description: 'Samples stored.' }), userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }) }),
});

const NamedValueInput = builder.inputType('NamedMetricValueInput', { fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true, description: 'A quantity.' }) }) });
const ContainerUsageInput = builder.inputType('ContainerUsageInput', { fields: (t) => ({ name: t.string({ required: true }), cpu: t.string({ required: true }), memory: t.string({ required: true }) }) });

builder.mutationField('reportPodMetrics', (t) =>
  t.field({
    type: AcceptedPayload,
    description: 'Real usage of pods (what metrics-server and a custom metrics adapter serve): CPU and memory as quantities, per container if you have it, and custom per-pod metrics for Pods-type targets. Their autoscalers run at once.',
    args: {
      input: t.arg({
        type: builder.inputType('ReportPodMetricsInput', {
          fields: (u) => ({
            clusterId: u.id({ required: true }),
            namespace: u.string({ required: true, defaultValue: 'default' }),
            windowSeconds: u.int({ description: 'The window the sample covers (default: the sampling interval).' }),
            pods: u.field({
              type: [builder.inputType('PodUsageInput', { fields: (v) => ({ name: v.string({ required: true }), cpu: v.string({ required: true, description: 'e.g. "250m".' }), memory: v.string({ required: true, description: 'e.g. "300Mi".' }), containers: v.field({ type: [ContainerUsageInput] }), custom: v.field({ type: [NamedValueInput] }) }) })],
              required: true,
            }),
          }),
        }),
        required: true,
      }),
    },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = clusterOrFail(input.clusterId);
      if (!clusterId) return { accepted: 0, userErrors: noCluster(input.clusterId) };
      return reportPodMetrics(ctx.svc, account.id, { clusterId, namespace: input.namespace, windowSeconds: input.windowSeconds, pods: input.pods as ReportedPod[] });
    },
  }),
);

const customResult = (r: { accepted: boolean; userErrors: UserError[] }) => ({ accepted: r.accepted ? 1 : 0, userErrors: r.userErrors });

builder.mutationField('reportExternalMetric', (t) =>
  t.field({
    type: AcceptedPayload,
    description: 'A sample of an External metric series (a queue length, requests/s …), identified by name and labels. Autoscalers of the namespace that use it run at once.',
    args: {
      input: t.arg({
        type: builder.inputType('ReportExternalMetricInput', { fields: (u) => ({ clusterId: u.id({ required: true }), namespace: u.string({ required: true, defaultValue: 'default' }), name: u.string({ required: true }), labels: u.field({ type: 'JSON' }), value: u.string({ required: true, description: 'A quantity, e.g. "42" or "1.5k".' }) }) }),
        required: true,
      }),
    },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = clusterOrFail(input.clusterId);
      if (!clusterId) return { accepted: 0, userErrors: noCluster(input.clusterId) };
      const labels = stringMap(input.labels, 'labels');
      if ('error' in labels) return { accepted: 0, userErrors: [labels.error] };
      return customResult(await reportCustomMetric(ctx.svc, account.id, { clusterId, namespace: input.namespace, name: input.name, labels: labels.map, value: input.value }));
    },
  }),
);

builder.mutationField('reportObjectMetric', (t) =>
  t.field({
    type: AcceptedPayload,
    description: 'A sample of a metric describing an object (an Ingress\'s requests/s …), for Object-type targets.',
    args: {
      input: t.arg({
        type: builder.inputType('ReportObjectMetricInput', {
          fields: (u) => ({
            clusterId: u.id({ required: true }),
            namespace: u.string({ required: true, defaultValue: 'default' }),
            object: u.field({ type: builder.inputType('DescribedObjectInput', { fields: (v) => ({ kind: v.string({ required: true }), name: v.string({ required: true }) }) }), required: true }),
            name: u.string({ required: true }),
            value: u.string({ required: true }),
          }),
        }),
        required: true,
      }),
    },
    resolve: async (_, { input }, ctx) => {
      const account = requireAccount(ctx);
      const clusterId = clusterOrFail(input.clusterId);
      if (!clusterId) return { accepted: 0, userErrors: noCluster(input.clusterId) };
      return customResult(await reportCustomMetric(ctx.svc, account.id, { clusterId, namespace: input.namespace, name: input.name, value: input.value, object: input.object }));
    },
  }),
);

// ───────────────────────────── dry run ─────────────────────────────

interface SimulatedView {
  at: number;
  currentReplicas: number;
  desiredReplicas: number;
  rescaled: boolean;
  reason: string | null;
  message: string | null;
  limitedBy: string | null;
  conditions: HpaCondition[];
}

const SimulatedDecisionRef = builder.objectRef<SimulatedView>('SimulatedDecision').implement({
  fields: (t) => ({
    at: t.exposeFloat('at', { description: 'Seconds from the start of the timeline.' }),
    currentReplicas: t.exposeInt('currentReplicas'),
    desiredReplicas: t.exposeInt('desiredReplicas'),
    rescaled: t.exposeBoolean('rescaled'),
    reason: t.exposeString('reason', { nullable: true }),
    message: t.exposeString('message', { nullable: true, description: 'The SuccessfulRescale message it would record.' }),
    limitedBy: t.exposeString('limitedBy', { nullable: true }),
    conditions: t.field({
      type: [builder.objectRef<HpaCondition>('SimulatedCondition').implement({ fields: (u) => ({ type: u.exposeString('type'), status: u.exposeString('status'), reason: u.exposeString('reason'), message: u.exposeString('message') }) })],
      resolve: (d) => d.conditions,
    }),
  }),
});

const SimulationRef = builder.objectRef<{ decisions: SimulatedView[]; userErrors: UserError[] }>('AutoscalerSimulation').implement({
  fields: (t) => ({ decisions: t.field({ type: [SimulatedDecisionRef], resolve: (s) => s.decisions }), userErrors: t.field({ type: [UserErrorRef], resolve: (s) => s.userErrors }) }),
});

builder.queryField('simulateAutoscaler', (t) =>
  t.field({
    type: SimulationRef,
    description:
      'Dry run: replays a metrics timeline through the exact algorithm the controller runs and returns its decision at each step. Give the spec typed (`spec`) or as HPA YAML (`manifest`). Each step has one value per metric, in order: the utilization percent (Utilization), the per-pod average (AverageValue, Pods) or the metric value (Object, External); null = the metric could not be read. Pods are Ready at once and request 1 CPU / 1 GiB each.',
    args: {
      spec: t.arg({ type: AutoscalerSpecInput }),
      manifest: t.arg.string(),
      currentReplicas: t.arg.int({ required: true }),
      metricsTimeline: t.arg({ type: [builder.inputType('TimelineStepInput', { fields: (u) => ({ at: u.float({ required: true, description: 'Seconds from the start (increasing).' }), values: u.field({ type: ['String'], required: { list: true, items: false } }) }) })], required: true }),
    },
    resolve: (_, args, ctx) => {
      requireAccount(ctx);
      const r = simulateAutoscalerTimeline(ctx.svc, { spec: args.spec ? raw(args.spec) : undefined, manifest: args.manifest, currentReplicas: args.currentReplicas, metricsTimeline: args.metricsTimeline });
      return {
        decisions: r.decisions.map((d) => ({ at: d.at, currentReplicas: d.currentReplicas, desiredReplicas: d.desiredReplicas, rescaled: d.rescale !== null, reason: d.rescale?.reason ?? null, message: d.rescale?.message ?? null, limitedBy: d.rescale?.limitedBy ?? null, conditions: d.conditions })),
        userErrors: r.userErrors,
      };
    },
  }),
);

