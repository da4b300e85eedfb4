/**
 * The policy kinds, which hold rules rather than pods: ResourceQuota and LimitRange (v1, read
 * by core/admission's parsers from their spec) and PriorityClass (scheduling.k8s.io/v1,
 * cluster-scoped, its fields at the top level).
 */
import { parseLimitRange } from '../../admission/limitrange';
import { parsePriorityClass } from '../../admission/priorityclass';
import { parseResourceQuota } from '../../admission/quota';
import type { UserError } from '../../validation/errors';
import type { Path } from '../context';
import type { KindHandler } from '../handler';
import type { ManifestObject } from '../types';

/** A v1 policy kind whose spec core/admission parses (ResourceQuota, LimitRange). */
function specPolicyHandler<K extends 'ResourceQuota' | 'LimitRange'>(
  kind: K,
  parseSpec: (raw: unknown, path: Path) => { spec: Extract<ManifestObject, { kind: K }>['spec']; errors: UserError[] },
): KindHandler {
  return {
    kind,
    nameRule: 'subdomain',
    parse(c, value, path, metadata, source) {
      const r = parseSpec(value.spec, [...path, 'spec']);
      for (const e of r.errors) c.add(e.field, e.code, e.message);
      return metadata ? ({ apiVersion: 'v1', kind, metadata, spec: r.spec, source } as Extract<ManifestObject, { kind: K }>) : undefined;
    },
  };
}

export const resourceQuotaHandler = specPolicyHandler('ResourceQuota', parseResourceQuota);
export const limitRangeHandler = specPolicyHandler('LimitRange', parseLimitRange);

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
