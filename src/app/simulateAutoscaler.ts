/**
 * The autoscaler dry run as a use case: the spec (typed, or the YAML of one
 * HorizontalPodAutoscaler, held to the manifest size limit and validated as apply validates it)
 * and the metrics timeline are checked, then replayed through the controller's algorithm.
 */
import type { Services } from './services';
import { capUserErrors, type UserError } from './errors';
import { checkManifestSize } from './limits';
import { checkAutoscalerAnnotations } from './autoscalers';
import { formatFieldPath, parseManifest } from '../core/manifest';
import { parseHpaSpec, quantityMilli } from '../core/autoscaler/spec';
import { MAX_TIMELINE_STEPS, simulateAutoscaler as replay, type SimulatedDecision } from '../core/autoscaler/simulate';
import type { HpaSpec } from '../core/autoscaler/types';
import { ACTIVATION_ANNOTATION } from '../core/autoscaler/reconcile';
import { fitsQuantityLimit, isNegative, parseQuantity, QUANTITY_TOO_LARGE } from '../core/quantity';

export interface SimulateInput {
  /** The typed spec, as the raw object the manifest path validates (unset fields dropped). */
  spec?: unknown;
  manifest?: string | null;
  currentReplicas: number;
  metricsTimeline: { at: number; values: (string | null | undefined)[] }[];
}

export function simulateAutoscalerTimeline(svc: Services, input: SimulateInput): { decisions: SimulatedDecision[]; userErrors: UserError[] } {
  const limits = svc.settings.limits;
  const fail = (field: string[], code: string, message: string) => ({ decisions: [], userErrors: [{ field, code, message }] });
  const failAll = (userErrors: UserError[]) => ({ decisions: [], userErrors: capUserErrors(userErrors, limits.userErrors) });
  let spec: HpaSpec;
  let threshold = 0n;
  if ((input.spec ? 1 : 0) + (input.manifest ? 1 : 0) !== 1) return fail(['spec'], 'INVALID_VALUE', 'give exactly one of spec and manifest');
  if (input.manifest) {
    const tooLarge = checkManifestSize(input.manifest, ['manifest'], limits);
    if (tooLarge) return failAll([tooLarge]);
    const parsed = parseManifest(input.manifest, { limits, maxErrors: limits.userErrors });
    if (parsed.errors.length) return failAll(parsed.errors);
    const hpas = parsed.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    if (hpas.length !== 1 || parsed.objects.length !== 1) return fail(['manifest'], 'INVALID_VALUE', 'the manifest must hold exactly one HorizontalPodAutoscaler');
    const o = hpas[0] as Extract<(typeof hpas)[number], { kind: 'HorizontalPodAutoscaler' }>;
    spec = o.spec;
    const problems = checkAutoscalerAnnotations(o.metadata.annotations, [...o.source, 'metadata', 'annotations']);
    if (problems.length) return failAll(problems);
    if (o.metadata.annotations[ACTIVATION_ANNOTATION] !== undefined) threshold = quantityMilli(o.metadata.annotations[ACTIVATION_ANNOTATION]);
  } else {
    const parsed = parseHpaSpec(input.spec, ['spec']);
    if (parsed.errors.length) return failAll(parsed.errors.map((e) => ({ ...e, message: `${formatFieldPath(e.field)}: ${e.message}` })));
    spec = parsed.spec;
  }
  if (!Number.isInteger(input.currentReplicas) || input.currentReplicas < 0 || input.currentReplicas > limits.replicasPerWorkload) return fail(['currentReplicas'], 'INVALID_VALUE', `currentReplicas must be 0 to ${limits.replicasPerWorkload}`);
  const timeline = input.metricsTimeline;
  if (timeline.length === 0 || timeline.length > MAX_TIMELINE_STEPS) return fail(['metricsTimeline'], 'INVALID_VALUE', `between 1 and ${MAX_TIMELINE_STEPS} steps`);
  for (let i = 0; i < timeline.length; i++) {
    const s = timeline[i];
    if (!Number.isFinite(s.at) || s.at < 0 || (i > 0 && s.at <= timeline[i - 1].at)) return fail(['metricsTimeline', String(i), 'at'], 'INVALID_VALUE', `at: Invalid value: ${s.at}: steps must be at increasing times ≥ 0`);
    if (s.values.length !== spec.metrics.length) return fail(['metricsTimeline', String(i), 'values'], 'INVALID_VALUE', `values: ${s.values.length} given, the spec has ${spec.metrics.length} metric(s)`);
    for (let j = 0; j < s.values.length; j++) {
      const v = s.values[j];
      if (v === null || v === undefined) continue;
      const q = parseQuantity(v);
      if (!q || isNegative(q)) return fail(['metricsTimeline', String(i), 'values', String(j)], 'INVALID_VALUE', `values[${j}]: Invalid value: ${JSON.stringify(v)}: must be a quantity ≥ 0 or null`);
      if (!fitsQuantityLimit(q)) return fail(['metricsTimeline', String(i), 'values', String(j)], 'TOO_LARGE', `values[${j}]: Invalid value: ${JSON.stringify(v)}: ${QUANTITY_TOO_LARGE}`);
    }
  }
  const decisions = replay(spec, input.currentReplicas, timeline.map((s) => ({ at: s.at, values: s.values.map((v) => v ?? null) })), svc.settings.autoscaling, threshold);
  return { decisions, userErrors: [] };
}
