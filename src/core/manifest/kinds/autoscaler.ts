/**
 * HorizontalPodAutoscaler (autoscaling/v2): its spec is read by core/autoscaler's parser, which
 * also reports (and suggests corrections for) unknown fields under spec.
 */
import { parseHpaSpec } from '../../autoscaler/spec';
import type { KindHandler } from '../handler';

export const autoscalerHandler: KindHandler = {
  kind: 'HorizontalPodAutoscaler',
  nameRule: 'subdomain',
  checksOwnSpecFields: true,
  parse(c, value, path, metadata, source) {
    const r = parseHpaSpec(value.spec, [...path, 'spec']);
    for (const e of r.errors) c.add(e.field, e.code, e.message);
    return metadata ? { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec: r.spec, source } : undefined;
  },
};
