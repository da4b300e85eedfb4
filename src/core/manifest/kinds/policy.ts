/**
 * The policy kinds, which hold rules rather than pods: ResourceQuota and LimitRange (v1, read
 * by core/admission's parsers from their spec) and PriorityClass (scheduling.k8s.io/v1,
 * cluster-scoped, its fields at the top level).
 */
import { parseLimitRange } from '../../admission/limitrange';
import { parsePriorityClass } from '../../admission/priorityclass';
import { parseResourceQuota } from '../../admission/quota';
import type { KindHandler } from '../handler';

export const resourceQuotaHandler: KindHandler = {
  kind: 'ResourceQuota',
  nameRule: 'subdomain',
  parse(c, value, path, metadata, source) {
    const r = parseResourceQuota(value.spec, [...path, 'spec']);
    for (const e of r.errors) c.add(e.field, e.code, e.message);
    return metadata ? { apiVersion: 'v1', kind: 'ResourceQuota', metadata, spec: r.spec, source } : undefined;
  },
};

export const limitRangeHandler: KindHandler = {
  kind: 'LimitRange',
  nameRule: 'subdomain',
  parse(c, value, path, metadata, source) {
    const r = parseLimitRange(value.spec, [...path, 'spec']);
    for (const e of r.errors) c.add(e.field, e.code, e.message);
    return metadata ? { apiVersion: 'v1', kind: 'LimitRange', metadata, spec: r.spec, source } : undefined;
  },
};

export const priorityClassHandler: KindHandler = {
  kind: 'PriorityClass',
  nameRule: 'subdomain',
  parse(c, value, path, metadata, source) {
    const r = parsePriorityClass(value, path);
    for (const e of r.errors) c.add(e.field, e.code, e.message);
    if (!metadata) return undefined;
    return {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata,
      value: r.value,
      globalDefault: r.globalDefault,
      preemptionPolicy: r.preemptionPolicy,
      description: r.description,
      source,
    };
  },
};
