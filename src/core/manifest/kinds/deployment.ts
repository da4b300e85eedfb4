/**
 * Deployment (apps/v1): replicas, a matchLabels selector, a pod template, and the update
 * strategy (Recreate, or RollingUpdate with maxSurge and maxUnavailable), defaulted as apps/v1
 * does.
 */
import type { BilledSpec } from '../../sizing';
import type { DeploymentSpec, IntOrPercent } from '../../workloads/specs';
import { isAbsent, type ManifestContext, type Path } from '../context';
import type { KindHandler } from '../handler';
import { podTemplate } from '../podTemplate';

export const deploymentHandler: KindHandler = {
  kind: 'Deployment',
  nameRule: 'subdomain',
  parse(c, value, path, metadata, source) {
    const r = deploymentSpec(c, value.spec, [...path, 'spec']);
    return metadata && r ? { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: r.spec, billed: r.billed, source } : undefined;
  },
};

function deploymentSpec(c: ManifestContext, raw: unknown, path: Path): { spec: DeploymentSpec; billed: BilledSpec } | undefined {
  if (!c.requireMapping(raw, path)) return undefined;
  const before = c.errorCount;

  const replicas = c.replicas(raw.replicas, [...path, 'replicas']);
  const matchLabels = c.selector(raw.selector, [...path, 'selector'], 'Deployment');
  const template = podTemplate(c, raw.template, [...path, 'template'], 'Deployment', matchLabels);
  const strategy = deploymentStrategy(c, raw.strategy, [...path, 'strategy']);
  const minReadySeconds = c.int(raw.minReadySeconds, [...path, 'minReadySeconds'], 0);
  const revisionHistoryLimit = c.int(raw.revisionHistoryLimit, [...path, 'revisionHistoryLimit'], 0);
  const progressDeadlineSeconds = c.int(raw.progressDeadlineSeconds, [...path, 'progressDeadlineSeconds'], 0);
  const paused = c.bool(raw.paused, [...path, 'paused']);
  const minReady = minReadySeconds ?? 0;
  const deadline = progressDeadlineSeconds ?? 600;
  if (progressDeadlineSeconds !== undefined && minReadySeconds !== undefined && deadline <= minReady) {
    c.invalid([...path, 'progressDeadlineSeconds'], deadline, 'must be greater than minReadySeconds');
  }

  if (
    c.errorCount > before || replicas === undefined || !matchLabels || !template || !strategy ||
    minReadySeconds === undefined || revisionHistoryLimit === undefined || progressDeadlineSeconds === undefined || paused === undefined
  ) {
    return undefined;
  }
  return {
    spec: {
      ...raw,
      replicas,
      selector: { matchLabels },
      template: template.template,
      strategy,
      minReadySeconds: minReady,
      revisionHistoryLimit: revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: deadline,
      paused: paused ?? false,
    },
    billed: template.billed,
  };
}

function deploymentStrategy(c: ManifestContext, raw: unknown, path: Path): DeploymentSpec['strategy'] | undefined {
  const s = c.optionalMapping(raw, path);
  if (!s) return undefined;
  const type = c.oneOf(s.type, [...path, 'type'], ['Recreate', 'RollingUpdate'] as const);
  if (type === undefined) return undefined;
  const ruPath = [...path, 'rollingUpdate'];
  if (type === 'Recreate') {
    if (!isAbsent(s.rollingUpdate)) {
      c.add(ruPath, 'FORBIDDEN', "Forbidden: may not be specified when strategy `type` is 'Recreate'");
      return undefined;
    }
    return { type: 'Recreate' };
  }
  const ru = c.optionalMapping(s.rollingUpdate, ruPath);
  if (!ru) return undefined;
  const maxSurge = c.intOrPercent(ru.maxSurge ?? '25%', [...ruPath, 'maxSurge']);
  const maxUnavailable = c.intOrPercent(ru.maxUnavailable ?? '25%', [...ruPath, 'maxUnavailable']);
  if (maxSurge === undefined || maxUnavailable === undefined) return undefined;
  const value = (v: IntOrPercent) => (typeof v === 'number' ? v : Number(v.slice(0, -1)));
  if (typeof maxUnavailable === 'string' && value(maxUnavailable) > 100) {
    c.invalid([...ruPath, 'maxUnavailable'], maxUnavailable, 'must not be greater than 100%');
    return undefined;
  }
  if (value(maxSurge) === 0 && value(maxUnavailable) === 0) {
    c.invalid([...ruPath, 'maxUnavailable'], maxUnavailable, 'may not be 0 when `maxSurge` is 0');
    return undefined;
  }
  return { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } };
}